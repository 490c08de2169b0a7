/* The hook workers' main, shared by the installed workers (every step; release only) and the
 * test worker (which plugs in a fake netlink and a fake kernel). */
#pragma once

#include "vfp-hook.h"
#include "vfp-netlink.h"

void vfp_hook_upgrade_ledger(void);
int vfp_hook_main(int argc, char **argv, const VfpNetlinkOps *ops, VfpHookRun run);
