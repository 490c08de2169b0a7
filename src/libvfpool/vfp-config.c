/* Reading vfpool.conf. */
#include "config.h"

#include "vfp-config.h"
#include "vfp-error.h"
#include "vfp-pool.h"

#define DEFAULT_UNPLUG_TIMEOUT 90

void
vfp_config_free(VfpConfig *config)
{
    if (!config)
        return;
    g_free(config->vfio_pause_command);
    g_free(config->vfio_resume_command);
    g_free(config->metrics_textfile);
    g_free(config);
}

static char *
get_value(GKeyFile *file, const char *group, const char *key)
{
    g_autofree char *value = g_key_file_get_string(file, group, key, NULL);

    if (!value || !*g_strstrip(value))
        return NULL;
    return g_steal_pointer(&value);
}

/* $VFPOOL_CONF_DIR, else /etc/vfpool: pools.d/ and vfpool.conf. */
const char *
vfp_conf_dir(void)
{
    const char *dir = g_getenv("VFPOOL_CONF_DIR");

    return dir && *dir ? dir : SYSCONFDIR "/vfpool";
}

VfpConfig *
vfp_config_load(GError **error)
{
    g_autoptr(VfpConfig) config = g_new0(VfpConfig, 1);
    g_autofree char *path = g_build_filename(vfp_conf_dir(), "vfpool.conf", NULL);
    g_autoptr(GKeyFile) file = g_key_file_new();
    g_autoptr(GError) local = NULL;
    gint64 timeout;

    config->unplug_timeout = DEFAULT_UNPLUG_TIMEOUT;
    if (!g_key_file_load_from_file(file, path, G_KEY_FILE_NONE, &local)) {
        if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            return g_steal_pointer(&config);
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID, "%s: %s; fix or remove the file", path,
                    local->message);
        return NULL;
    }
    config->vfio_pause_command = get_value(file, "hotplug", "vfio-pause-command");
    config->vfio_resume_command = get_value(file, "hotplug", "vfio-resume-command");
    if (!config->vfio_pause_command != !config->vfio_resume_command) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                    "%s: vfio-pause-command and vfio-resume-command go together; set both or "
                    "neither",
                    path);
        return NULL;
    }
    if (g_key_file_has_key(file, "hotplug", "unplug-timeout", NULL)) {
        timeout = g_key_file_get_int64(file, "hotplug", "unplug-timeout", &local);
        if (local || timeout < 1 || timeout > 3600) {
            g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                        "%s: unplug-timeout must be a number of seconds from 1 to 3600", path);
            return NULL;
        }
        config->unplug_timeout = timeout;
    }
    /* Checked by vfpoold, its only reader: a wrong path must not stop a resize. */
    config->metrics_textfile = get_value(file, "metrics", "textfile");
    return g_steal_pointer(&config);
}
