/* vfpool.conf: host-wide settings that are not pools, in $VFPOOL_CONF_DIR/vfpool.conf (a
 * GKeyFile). A missing file means the defaults. */
#pragma once

#include <glib.h>

typedef struct {
    char *vfio_pause_command;  /* QMP command pausing a VFIO device in place, or NULL */
    char *vfio_resume_command; /* its counterpart, or NULL */
    guint unplug_timeout;      /* seconds a guest may take to acknowledge a hot-unplug */
    char *metrics_textfile;    /* [metrics] textfile: kept current by vfpoold, or NULL */
} VfpConfig;

void vfp_config_free(VfpConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfpConfig, vfp_config_free)

const char *vfp_conf_dir(void);
VfpConfig *vfp_config_load(GError **error);
