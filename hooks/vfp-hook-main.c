/* Argument handling, logging (to the journal, else syslog: libvirt shows the hook's stderr to
 * the user) and output for the hook's programs: vfpool-hook-worker and vfpool-hook-release. */
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "vfp-error.h"
#include "vfp-hook-main.h"
#include "vfp-ledger.h"
#include "vfp-log.h"

/* A host upgraded while domains ran has the old ledger: vfpool-ledger-upgrade, next to this
 * program, converts it once. What it says goes to the log; the step then reports the ledger
 * it cannot read, if it still cannot. */
void
vfp_hook_upgrade_ledger(void)
{
    g_autofree char *self = NULL;
    g_autofree char *dir = NULL;
    g_autofree char *program = NULL;
    g_autofree char *errors = NULL;
    g_autoptr(GError) error = NULL;
    char *argv[] = {NULL, NULL};
    int status;

    if (!vfp_ledger_has_old_format())
        return;
    self = g_file_read_link("/proc/self/exe", NULL);
    dir = self ? g_path_get_dirname(self) : NULL;
    program = dir ? g_build_filename(dir, "vfpool-ledger-upgrade", NULL) : NULL;
    if (!program)
        return;
    argv[0] = program;
    if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, &errors, &status,
                      &error))
        g_warning("cannot run %s: %s", program, error->message);
    else if (!g_spawn_check_wait_status(status, NULL))
        g_warning("%s: %s", program, errors ? g_strstrip(errors) : "failed");
}

/* Runs the step of ARGV with RUN: vfp_hook_run for every step, vfp_hook_run_release for the
 * program that only releases. */
int
vfp_hook_main(int argc, char **argv, const VfpNetlinkOps *ops, VfpHookRun run)
{
    g_autoptr(GString) output = g_string_new(NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = NULL;
    gsize length = 0;
    VfpHookStep step;
    int rc;

    if (argc < 4) {
        fprintf(stderr, "vfpool: the hook is run by libvirt as 'vfpool-hook DOMAIN OP SUBOP "
                        "EXTRA', not by hand\n");
        return 1;
    }
    step = vfp_hook_step_parse(argv[2], argv[3]);
    if (step == VFP_HOOK_IGNORED)
        return 0;
    g_log_set_writer_func(vfp_log_writer_system, (gpointer) "vfpool-hook", NULL);
    vfp_netlink_set(ops);

    {
        g_autoptr(GIOChannel) in = g_io_channel_unix_new(STDIN_FILENO);

        g_io_channel_set_encoding(in, NULL, NULL);
        if (g_io_channel_read_to_end(in, &xml, &length, &error) != G_IO_STATUS_NORMAL) {
            fprintf(stderr, "vfpool: domain '%s': cannot read its XML: %s\n", argv[1],
                    error->message);
            return VFP_HOOK_STEP_BLOCKS(step) ? 1 : 0;
        }
    }
    rc = run(argv[1], step, xml ? xml : "", length, output, &error);
    if (error) {
        g_autofree char *tag = vfp_error_tag(error);

        /* libvirt shows the hook's stderr to the user: one line that says it all, and a tag
         * that programs match instead of the words. */
        vfp_log_event(VFP_EVENT_VF_REFUSED, G_LOG_LEVEL_WARNING,
                      &(VfpLogFields){argv[1], NULL, NULL, argv[2]}, "%s", error->message);
        fprintf(stderr, "vfpool: %s %s\n", error->message, tag);
    }
    fwrite(output->str, 1, output->len, stdout);
    return rc;
}
