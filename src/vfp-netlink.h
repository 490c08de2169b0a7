/* Network-device and VF configuration through rtnetlink, behind a table of operations so unit
 * tests can run the same code against an in-memory fake (NetworkManager's NMPlatform idea). */
#pragma once

#include <glib.h>

typedef struct {
    const char *name;
    /* Whether IFNAME carries any IPv4/IPv6 address; a missing link has none. */
    gboolean (*link_has_addresses)(const char *ifname, gboolean *has_addresses, GError **error);
} VfpNetlinkOps;

extern const VfpNetlinkOps vfp_netlink_linux;

const VfpNetlinkOps *vfp_netlink_get(void);
void vfp_netlink_set(const VfpNetlinkOps *ops);
