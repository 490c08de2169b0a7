/* The hook worker as the tests run it: the real steps on a fake sysfs tree, with the fake
 * kernel and fake netlink of tests/fake-host.c. It converts an older vfpool's ledger itself
 * (the real worker runs vfpool-ledger-upgrade for that). */
#include "config.h"

#include "fake-host.h"
#include "vfp-hook-main.h"
#include "vfp-ledger-json.h"
#include "vfp-ledger.h"
#include "vfp-pool.h"

int
main(int argc, char **argv)
{
    fake_kernel_install();
    vfp_ledger_set_old_reader(vfp_ledger_json_read);
    vfp_pool_set_remember_checks(TRUE);
    return vfp_hook_main(argc, argv, &fake_netlink, vfp_hook_run);
}
