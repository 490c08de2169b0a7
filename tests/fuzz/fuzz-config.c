/* Fuzz target: vfpool.conf, the host-wide settings (a GKeyFile) in $VFPOOL_CONF_DIR. */
#include "config.h"

#include "fuzz-common.h"
#include "vfp-config.h"

static char *dir;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_init();
    dir = fuzz_make_dir("conf", "VFPOOL_CONF_DIR");
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfpConfig) config = NULL;

    g_free(fuzz_write_file(dir, "vfpool.conf", data, size));
    config = vfp_config_load(&error);
    if (!config)
        return 0;
    if (!config->vfio_pause_command != !config->vfio_resume_command)
        fuzz_fail("vfpool.conf gave a pause command without a resume command or the reverse");
    if (config->unplug_timeout < 1 || config->unplug_timeout > 3600)
        fuzz_fail("vfpool.conf gave unplug-timeout %u", config->unplug_timeout);
    return 0;
}
