/* vfpool-hook-worker: runs one hook step for a domain that carries vfpool metadata; started
 * by vfpool-hook with the same arguments and the domain XML on stdin. */
#include "config.h"

#include <unistd.h>

#include "vfp-hook-main.h"
#include "vfp-ledger.h"
#include "vfp-netlink.h"

/* A host upgraded while domains ran has the old ledger: vfpool-ledger-upgrade, next to this
 * program, converts it once. What it says goes to the log; the step then reports the ledger
 * it cannot read, if it still cannot. */
static void
upgrade_ledger(void)
{
    g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
    g_autofree char *dir = self ? g_path_get_dirname(self) : NULL;
    g_autofree char *program = dir ? g_build_filename(dir, "vfpool-ledger-upgrade", NULL) : NULL;
    g_autofree char *errors = NULL;
    g_autoptr(GError) error = NULL;
    char *argv[] = {program, NULL};
    int status;

    if (!program)
        return;
    if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, &errors, &status,
                      &error))
        g_warning("cannot run %s: %s", program, error->message);
    else if (!g_spawn_check_wait_status(status, NULL))
        g_warning("%s: %s", program, errors ? g_strstrip(errors) : "failed");
}

int
main(int argc, char **argv)
{
    if (vfp_ledger_has_old_format())
        upgrade_ledger();
    return vfp_hook_main(argc, argv, &vfp_netlink_linux);
}
