/* The test doubles for the kernel: netlink VF configuration kept in a key file next to the
 * fake sysfs tree, and the kernel's reaction to sysfs writes played by tests/fakesys.sh. */
#pragma once

#include "vfp-netlink.h"

extern const VfpNetlinkOps fake_netlink;

void fake_kernel_install(void);
