/* The hook worker as the tests run it: the real steps on a fake sysfs tree, with the fake
 * kernel and fake netlink of tests/fake-host.c. */
#include "config.h"

#include "fake-host.h"
#include "vfp-hook-main.h"

int
main(int argc, char **argv)
{
    fake_kernel_install();
    return vfp_hook_main(argc, argv, &fake_netlink);
}
