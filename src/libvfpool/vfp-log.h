/* Logging what happens to VFs with structured fields (GLib's structured logging), so that
 * `journalctl VFPOOL_DOMAIN=web01` tells a domain's VF history: VFPOOL_DOMAIN, VFPOOL_POOL,
 * VFPOOL_VF, VFPOOL_STEP and one MESSAGE_ID per kind of event. Programs choose where logs go
 * (vfp_log_writer_system: the journal, else syslog). */
#pragma once

#include <glib.h>

typedef enum {
    VFP_EVENT_VF_CLAIMED,       /* a domain took a VF (start, hot-plug, reconnect) */
    VFP_EVENT_VF_RELEASED,      /* a VF was given back and restored */
    VFP_EVENT_VF_REFUSED,       /* a step was refused: the one line libvirt shows */
    VFP_EVENT_VFS_CREATED,      /* a PF's VF count changed */
    VFP_EVENT_GUEST_PAUSED,     /* an operation paused a guest */
    VFP_EVENT_GUEST_RESUMED,    /* and resumed it */
    VFP_EVENT_RECONCILE_REPAIR, /* reconcile repaired something */
} VfpEvent;

/* What an event is about; any may be NULL. */
typedef struct {
    const char *domain;
    const char *pool;
    const char *vf;
    const char *step;
} VfpLogFields;

void vfp_log_event(VfpEvent event, GLogLevelFlags level, const VfpLogFields *fields,
                   const char *format, ...) G_GNUC_PRINTF(4, 5);
GLogWriterOutput vfp_log_writer_system(GLogLevelFlags level, const GLogField *fields,
                                       gsize n_fields, gpointer ident);
