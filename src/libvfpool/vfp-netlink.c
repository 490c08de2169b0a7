/* The Linux implementation of VfpNetlinkOps on libnl-route-3: addresses of a link, and the L2
 * settings of a PF's VFs read from IFLA_VFINFO_LIST and changed with RTM_SETLINK. */
#include "config.h"

#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/sriov.h>

#include "vfp-error.h"
#include "vfp-netlink.h"

static const VfpNetlinkOps *netlink_ops = &vfp_netlink_linux;

const VfpNetlinkOps *
vfp_netlink_get(void)
{
    return netlink_ops;
}

void
vfp_netlink_set(const VfpNetlinkOps *ops)
{
    netlink_ops = ops ? ops : &vfp_netlink_linux;
}

const char *
vfp_vf_field_to_string(VfpVfField field)
{
    switch (field) {
    case VFP_VF_FIELD_MAC:
        return "mac";
    case VFP_VF_FIELD_VLAN:
        return "vlan";
    case VFP_VF_FIELD_SPOOFCHK:
        return "spoofchk";
    case VFP_VF_FIELD_TRUST:
        return "trust";
    case VFP_VF_FIELD_LINK_STATE:
        return "link-state";
    case VFP_VF_FIELD_RATE:
        return "tx-rate";
    }
    return NULL;
}

typedef struct nl_sock NlSock;
typedef struct nl_cache NlCache;
typedef struct nl_msg NlMsg;
typedef struct nl_addr NlAddr;
typedef struct rtnl_link NlLink;
typedef struct rtnl_link_vf NlLinkVf;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NlSock, nl_socket_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NlCache, nl_cache_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NlMsg, nlmsg_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NlAddr, nl_addr_put)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NlLink, rtnl_link_put)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NlLinkVf, rtnl_link_vf_put)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(nl_vf_vlans_t, rtnl_link_vf_vlan_put)

/* Opens rtnetlink and fetches IFNAME. libnl's RTM_GETLINK request carries IFLA_EXT_MASK with
 * RTEXT_FILTER_VF, so a PF comes back with IFLA_NUM_VF and its IFLA_VFINFO_LIST parsed. A
 * missing link is VFP_ERROR_NOT_FOUND. */
static gboolean
netlink_get_link(const char *ifname, struct nl_sock **sock_out, struct rtnl_link **link_out,
                 GError **error)
{
    g_autoptr(NlSock) sock = nl_socket_alloc();
    struct rtnl_link *link = NULL;
    int rc;

    if (!sock) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_FAILED, "cannot allocate a netlink socket");
        return FALSE;
    }
    rc = nl_connect(sock, NETLINK_ROUTE);
    if (rc < 0) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_FAILED, "cannot open rtnetlink: %s",
                    nl_geterror(rc));
        return FALSE;
    }
    rc = rtnl_link_get_kernel(sock, 0, ifname, &link);
    if (rc == -NLE_NODEV || rc == -NLE_OBJ_NOTFOUND) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_NOT_FOUND, "network device %s does not exist",
                    ifname);
        return FALSE;
    }
    if (rc < 0) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_FAILED, "cannot query link %s: %s", ifname,
                    nl_geterror(rc));
        return FALSE;
    }
    *sock_out = g_steal_pointer(&sock);
    *link_out = link;
    return TRUE;
}

typedef struct {
    int ifindex;
    gboolean found;
} AddressSearch;

static void
address_search_visit(struct nl_object *object, void *opaque)
{
    AddressSearch *search = opaque;

    if (rtnl_addr_get_ifindex((struct rtnl_addr *)object) == search->ifindex)
        search->found = TRUE;
}

static gboolean
linux_link_has_addresses(const char *ifname, gboolean *has_addresses, GError **error)
{
    g_autoptr(NlSock) sock = NULL;
    g_autoptr(NlLink) link = NULL;
    g_autoptr(NlCache) addresses = NULL;
    g_autoptr(GError) local = NULL;
    AddressSearch search = {0};
    int rc;

    *has_addresses = FALSE;
    if (!netlink_get_link(ifname, &sock, &link, &local)) {
        if (g_error_matches(local, VFP_ERROR, VFP_ERROR_NOT_FOUND))
            return TRUE;
        g_propagate_error(error, g_steal_pointer(&local));
        return FALSE;
    }
    search.ifindex = rtnl_link_get_ifindex(link);

    rc = rtnl_addr_alloc_cache(sock, &addresses);
    if (rc < 0) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_FAILED, "cannot list addresses of %s: %s", ifname,
                    nl_geterror(rc));
        return FALSE;
    }
    nl_cache_foreach(addresses, address_search_visit, &search);
    *has_addresses = search.found;
    return TRUE;
}

/* The PF's netdev, with VF VF_INDEX checked against the VFs the kernel says it has, so that an
 * index out of range reads as a missing VF rather than as a driver refusing a value. */
static gboolean
netlink_get_pf(const char *pf_ifname, guint vf_index, struct nl_sock **sock_out,
               struct rtnl_link **link_out, GError **error)
{
    g_autoptr(NlSock) sock = NULL;
    g_autoptr(NlLink) link = NULL;
    g_autoptr(GError) local = NULL;
    uint32_t num_vf = 0;

    if (!netlink_get_link(pf_ifname, &sock, &link, &local)) {
        g_set_error(error, VFP_ERROR, local->code, "cannot reach VF %u of PF %s: %s", vf_index,
                    pf_ifname, local->message);
        return FALSE;
    }
    if (rtnl_link_get_num_vf(link, &num_vf) < 0 || vf_index >= num_vf) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_NOT_FOUND,
                    "PF %s has no VF %u (it has %u); check its sriov_numvfs", pf_ifname, vf_index,
                    num_vf);
        return FALSE;
    }
    *sock_out = g_steal_pointer(&sock);
    *link_out = g_steal_pointer(&link);
    return TRUE;
}

/* Values a driver leaves out stay unset. libnl drops zero rates and a zero IFLA_VF_VLAN, which
 * the kernel always sends: their absence means "no limit" and "no VLAN", so they read as 0. */
static gboolean
linux_vf_get(const char *pf_ifname, guint vf_index, VfpVfConfig *config, GError **error)
{
    g_autoptr(NlSock) sock = NULL;
    g_autoptr(NlLink) link = NULL;
    g_autoptr(NlLinkVf) vf = NULL;
    g_autoptr(nl_vf_vlans_t) vlans = NULL;
    struct nl_addr *mac = NULL;
    struct nl_vf_rate rate;
    uint32_t value;

    if (!netlink_get_pf(pf_ifname, vf_index, &sock, &link, error))
        return FALSE;
    /* A driver without ndo_get_vf_config sends no IFLA_VFINFO_LIST: nothing is reported. */
    if (!rtnl_link_has_vf_list(link))
        return TRUE;
    vf = rtnl_link_vf_get(link, vf_index);
    if (!vf) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_NOT_FOUND,
                    "PF %s does not report VF %u in its VF list", pf_ifname, vf_index);
        return FALSE;
    }

    if (rtnl_link_vf_get_addr(vf, &mac) == 0 && nl_addr_get_len(mac) == ETH_ALEN &&
        !nl_addr_iszero(mac)) {
        const guint8 *b = nl_addr_get_binary_addr(mac);

        g_free(config->mac);
        config->mac =
            g_strdup_printf("%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
    }

    config->vlan = 0;
    config->vlan_qos = 0;
    if (rtnl_link_vf_get_vlans(vf, &vlans) == 0 && vlans->size > 0) {
        config->vlan = vlans->vlans[0].vf_vlan;
        config->vlan_qos = vlans->vlans[0].vf_vlan_qos;
    }

    if (rtnl_link_vf_get_spoofchk(vf, &value) == 0)
        config->spoofchk = value ? VFP_TRISTATE_ON : VFP_TRISTATE_OFF;
    if (rtnl_link_vf_get_trust(vf, &value) == 0)
        config->trust = value ? VFP_TRISTATE_ON : VFP_TRISTATE_OFF;

    if (rtnl_link_vf_get_linkstate(vf, &value) == 0) {
        switch (value) {
        case IFLA_VF_LINK_STATE_AUTO:
            config->link_state = VFP_LINK_STATE_AUTO;
            break;
        case IFLA_VF_LINK_STATE_ENABLE:
            config->link_state = VFP_LINK_STATE_ENABLE;
            break;
        case IFLA_VF_LINK_STATE_DISABLE:
            config->link_state = VFP_LINK_STATE_DISABLE;
            break;
        }
    }

    config->min_tx_rate = 0;
    config->max_tx_rate = 0;
    if (rtnl_link_vf_get_rate(vf, &rate) == 0) {
        if (rate.api == RTNL_LINK_VF_RATE_API_NEW) {
            config->min_tx_rate = rate.min_tx_rate;
            config->max_tx_rate = rate.max_tx_rate;
        } else if (rate.api == RTNL_LINK_VF_RATE_API_OLD) {
            config->max_tx_rate = rate.rate;
        }
    }
    return TRUE;
}

/* What FIELD of CONFIG would set, for messages: "52:54:00:12:34:56", "42 qos 3", "disable". */
static char *
vf_field_describe(VfpVfField field, const VfpVfConfig *config)
{
    switch (field) {
    case VFP_VF_FIELD_MAC:
        return g_strdup(config->mac ? config->mac : "00:00:00:00:00:00");
    case VFP_VF_FIELD_VLAN:
        if (config->vlan_qos > 0)
            return g_strdup_printf("%d qos %d", config->vlan, config->vlan_qos);
        return g_strdup_printf("%d", config->vlan);
    case VFP_VF_FIELD_SPOOFCHK:
        return g_strdup(vfp_tristate_to_string(config->spoofchk));
    case VFP_VF_FIELD_TRUST:
        return g_strdup(vfp_tristate_to_string(config->trust));
    case VFP_VF_FIELD_LINK_STATE:
        return g_strdup(vfp_link_state_to_string(config->link_state));
    case VFP_VF_FIELD_RATE:
        return g_strdup_printf("min %" G_GINT64_FORMAT " max %" G_GINT64_FORMAT " Mbit/s",
                               MAX(config->min_tx_rate, 0), MAX(config->max_tx_rate, 0));
    }
    return NULL;
}

/* Puts FIELD of CONFIG into VF; FALSE with *PROBLEM set when CONFIG has no usable value. */
static gboolean
vf_field_fill(struct rtnl_link_vf *vf, VfpVfField field, const VfpVfConfig *config,
              const char **problem)
{
    switch (field) {
    case VFP_VF_FIELD_MAC: {
        g_autoptr(NlAddr) mac = NULL;

        if (nl_addr_parse(config->mac ? config->mac : "00:00:00:00:00:00", AF_LLC, &mac) < 0 ||
            nl_addr_get_len(mac) != ETH_ALEN) {
            *problem = "the MAC address is malformed";
            return FALSE;
        }
        rtnl_link_vf_set_addr(vf, mac);
        return TRUE;
    }
    case VFP_VF_FIELD_VLAN: {
        g_autoptr(nl_vf_vlans_t) vlans = NULL;

        if (config->vlan < 0) {
            *problem = "no value is given";
            return FALSE;
        }
        if (rtnl_link_vf_vlan_alloc(&vlans, 1) < 0) {
            *problem = "out of memory";
            return FALSE;
        }
        vlans->vlans[0].vf_vlan = config->vlan;
        vlans->vlans[0].vf_vlan_qos = MAX(config->vlan_qos, 0);
        /* 802.1Q makes libnl send the plain IFLA_VF_VLAN that every kernel and driver knows. */
        vlans->vlans[0].vf_vlan_proto = ETH_P_8021Q;
        /* set_vlans takes its own reference; ours goes with the g_autoptr. */
        rtnl_link_vf_set_vlans(vf, vlans);
        return TRUE;
    }
    case VFP_VF_FIELD_SPOOFCHK:
        if (config->spoofchk == VFP_TRISTATE_UNSET) {
            *problem = "no value is given";
            return FALSE;
        }
        rtnl_link_vf_set_spoofchk(vf, config->spoofchk == VFP_TRISTATE_ON);
        return TRUE;
    case VFP_VF_FIELD_TRUST:
        if (config->trust == VFP_TRISTATE_UNSET) {
            *problem = "no value is given";
            return FALSE;
        }
        rtnl_link_vf_set_trust(vf, config->trust == VFP_TRISTATE_ON);
        return TRUE;
    case VFP_VF_FIELD_LINK_STATE:
        switch (config->link_state) {
        case VFP_LINK_STATE_AUTO:
            rtnl_link_vf_set_linkstate(vf, IFLA_VF_LINK_STATE_AUTO);
            return TRUE;
        case VFP_LINK_STATE_ENABLE:
            rtnl_link_vf_set_linkstate(vf, IFLA_VF_LINK_STATE_ENABLE);
            return TRUE;
        case VFP_LINK_STATE_DISABLE:
            rtnl_link_vf_set_linkstate(vf, IFLA_VF_LINK_STATE_DISABLE);
            return TRUE;
        case VFP_LINK_STATE_UNSET:
            break;
        }
        *problem = "no value is given";
        return FALSE;
    case VFP_VF_FIELD_RATE: {
        /* The new API (IFLA_VF_RATE) sets both bounds at once: an unset one is no limit. */
        struct nl_vf_rate rate = {
            .api = RTNL_LINK_VF_RATE_API_NEW,
            .min_tx_rate = MAX(config->min_tx_rate, 0),
            .max_tx_rate = MAX(config->max_tx_rate, 0),
        };

        if (config->min_tx_rate > G_MAXUINT32 || config->max_tx_rate > G_MAXUINT32) {
            *problem = "a rate is above 4294967295 Mbit/s";
            return FALSE;
        }
        rtnl_link_vf_set_rate(vf, &rate);
        return TRUE;
    }
    }
    *problem = "it is not one VF setting";
    return FALSE;
}

/* Keeps the kernel's own errno from an NLMSG_ERROR: libnl folds several into one NLE code. */
static int
netlink_save_errno(struct sockaddr_nl *who, struct nlmsgerr *nlerr, void *opaque)
{
    int *syserr = opaque;

    *syserr = -nlerr->error;
    return NL_STOP;
}

static gboolean
linux_vf_set(const char *pf_ifname, guint vf_index, VfpVfField field, const VfpVfConfig *config,
             GError **error)
{
    g_autoptr(NlSock) sock = NULL;
    g_autoptr(NlLink) link = NULL;
    g_autoptr(NlLink) changes = NULL;
    g_autoptr(NlLinkVf) vf = NULL;
    g_autoptr(NlMsg) msg = NULL;
    g_autofree char *value = NULL;
    const char *name = vfp_vf_field_to_string(field);
    const char *problem = NULL;
    int syserr = 0;
    int rc;

    if (!name) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                    "cannot set VF %u of PF %s: 0x%x is not one VF setting", vf_index, pf_ifname,
                    (unsigned int)field);
        return FALSE;
    }
    value = vf_field_describe(field, config);
    if (!netlink_get_pf(pf_ifname, vf_index, &sock, &link, error))
        return FALSE;

    changes = rtnl_link_alloc();
    vf = rtnl_link_vf_alloc();
    if (!changes || !vf) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_FAILED, "out of memory setting %s of VF %u", name,
                    vf_index);
        return FALSE;
    }
    rtnl_link_vf_set_index(vf, vf_index);
    if (!vf_field_fill(vf, field, config, &problem)) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID, "cannot set %s on VF %u of PF %s: %s",
                    name, vf_index, pf_ifname, problem);
        return FALSE;
    }
    rc = rtnl_link_vf_add(changes, vf);
    if (rc >= 0)
        rc = rtnl_link_build_change_request(link, changes, 0, &msg);
    if (rc < 0) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_FAILED,
                    "cannot build the request setting %s of VF %u of PF %s: %s", name, vf_index,
                    pf_ifname, nl_geterror(rc));
        return FALSE;
    }
    /* libnl asks with RTM_NEWLINK and retries with RTM_SETLINK on EOPNOTSUPP, which a driver
     * refusing the VF setting also answers: change an existing link with one RTM_SETLINK. */
    nlmsg_hdr(msg)->nlmsg_type = RTM_SETLINK;
    nl_socket_modify_err_cb(sock, NL_CB_CUSTOM, netlink_save_errno, &syserr);
    rc = nl_send_sync(sock, g_steal_pointer(&msg));
    if (rc >= 0)
        return TRUE;

    switch (syserr) {
    case EOPNOTSUPP:
    case EINVAL:
    case ERANGE:
#if ENOTSUP != EOPNOTSUPP
    case ENOTSUP:
#endif
        g_set_error(error, VFP_ERROR, VFP_ERROR_UNSUPPORTED, "PF %s refuses %s '%s' on VF %u: %s",
                    pf_ifname, name, value, vf_index, g_strerror(syserr));
        break;
    case ENODEV:
        g_set_error(error, VFP_ERROR, VFP_ERROR_NOT_FOUND,
                    "cannot set %s '%s' on VF %u of PF %s: %s", name, value, vf_index, pf_ifname,
                    g_strerror(syserr));
        break;
    default:
        g_set_error(error, VFP_ERROR, VFP_ERROR_FAILED, "cannot set %s '%s' on VF %u of PF %s: %s",
                    name, value, vf_index, pf_ifname,
                    syserr ? g_strerror(syserr) : nl_geterror(rc));
        break;
    }
    return FALSE;
}

const VfpNetlinkOps vfp_netlink_linux = {
    .name = "linux",
    .link_has_addresses = linux_link_has_addresses,
    .vf_get = linux_vf_get,
    .vf_set = linux_vf_set,
};
