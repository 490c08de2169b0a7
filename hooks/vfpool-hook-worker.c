/* vfpool-hook-worker: runs one hook step for a domain that carries vfpool metadata; started
 * by vfpool-hook with the same arguments and the domain XML on stdin. */
#include "config.h"

#include "vfp-hook-main.h"
#include "vfp-netlink.h"
#include "vfp-pool.h"

int
main(int argc, char **argv)
{
    vfp_hook_upgrade_ledger();
    /* A fresh process at every step: compiling pool.rng would cost more than the step. */
    vfp_pool_set_remember_checks(TRUE);
    return vfp_hook_main(argc, argv, &vfp_netlink_linux, vfp_hook_run);
}
