/* Network-device and VF configuration through rtnetlink, behind a table of operations so unit
 * tests can run the same code against an in-memory fake (NetworkManager's NMPlatform idea). */
#pragma once

#include <glib.h>

#include "vfp-vfconfig.h"

/* The L2 settings of a VF, one bit each, so each can be applied and reported on its own. */
typedef enum {
    VFP_VF_FIELD_MAC = 1 << 0,
    VFP_VF_FIELD_VLAN = 1 << 1, /* vlan and qos together: one IFLA_VF_VLAN */
    VFP_VF_FIELD_SPOOFCHK = 1 << 2,
    VFP_VF_FIELD_TRUST = 1 << 3,
    VFP_VF_FIELD_LINK_STATE = 1 << 4,
    VFP_VF_FIELD_RATE = 1 << 5, /* min and max tx rate together: one IFLA_VF_RATE */
} VfpVfField;

#define VFP_VF_FIELD_COUNT 6
#define VFP_VF_FIELD_ALL 0x3f

typedef struct {
    const char *name;
    /* Whether IFNAME carries any IPv4/IPv6 address; a missing link has none. */
    gboolean (*link_has_addresses)(const char *ifname, gboolean *has_addresses, GError **error);
    /* Reads every setting the PF driver reports for VF VF_INDEX of PF_IFNAME into CONFIG
     * (initialized by the caller; what the driver does not report stays unset). */
    gboolean (*vf_get)(const char *pf_ifname, guint vf_index, VfpVfConfig *config, GError **error);
    /* Applies the one setting FIELD of CONFIG. A driver that refuses it (EOPNOTSUPP,
     * EINVAL, ...) gives VFP_ERROR_UNSUPPORTED naming the setting. */
    gboolean (*vf_set)(const char *pf_ifname, guint vf_index, VfpVfField field,
                       const VfpVfConfig *config, GError **error);
} VfpNetlinkOps;

const char *vfp_vf_field_to_string(VfpVfField field);

extern const VfpNetlinkOps vfp_netlink_linux;

const VfpNetlinkOps *vfp_netlink_get(void);
void vfp_netlink_set(const VfpNetlinkOps *ops);
