/* vfpool-hook-release: the release step alone, which vfpool-hook runs at every stop of a
 * domain that holds VFs. Without libxml2 (and the ICU and libstdc++ it loads), so it starts in
 * about half the time of vfpool-hook-worker. */
#include "config.h"

#include "vfp-hook-main.h"
#include "vfp-netlink.h"

int
main(int argc, char **argv)
{
    vfp_hook_upgrade_ledger();
    return vfp_hook_main(argc, argv, &vfp_netlink_linux, vfp_hook_run_release);
}
