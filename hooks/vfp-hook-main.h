/* The hook worker's main, shared by the installed worker and the test worker (which plugs in
 * a fake netlink and a fake kernel). */
#pragma once

#include "vfp-netlink.h"

int vfp_hook_main(int argc, char **argv, const VfpNetlinkOps *ops);
