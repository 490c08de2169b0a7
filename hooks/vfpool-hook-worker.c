/* vfpool-hook-worker: runs one hook step for a domain that carries vfpool metadata; started
 * by vfpool-hook with the same arguments and the domain XML on stdin. */
#include "config.h"

#include "vfp-hook-main.h"
#include "vfp-netlink.h"

int
main(int argc, char **argv)
{
    return vfp_hook_main(argc, argv, &vfp_netlink_linux);
}
