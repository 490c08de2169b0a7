/* The Linux implementation of VfpNetlinkOps on libnl-route-3. */
#include "config.h"

#include <errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>

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

typedef struct nl_sock NlSock;
typedef struct nl_cache NlCache;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NlSock, nl_socket_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NlCache, nl_cache_free)

static gboolean
netlink_connect(struct nl_sock **sock_out, GError **error)
{
    g_autoptr(NlSock) sock = nl_socket_alloc();
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
    *sock_out = g_steal_pointer(&sock);
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
    g_autoptr(NlCache) addresses = NULL;
    struct rtnl_link *link = NULL;
    AddressSearch search = {0};
    int rc;

    *has_addresses = FALSE;
    if (!netlink_connect(&sock, error))
        return FALSE;
    rc = rtnl_link_get_kernel(sock, 0, ifname, &link);
    if (rc == -NLE_NODEV || rc == -NLE_OBJ_NOTFOUND)
        return TRUE;
    if (rc < 0) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_FAILED, "cannot query link %s: %s", ifname,
                    nl_geterror(rc));
        return FALSE;
    }
    search.ifindex = rtnl_link_get_ifindex(link);
    rtnl_link_put(link);

    rc = rtnl_addr_alloc_cache(sock, &addresses);
    if (rc < 0) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_FAILED, "cannot list addresses of %s: %s",
                    ifname, nl_geterror(rc));
        return FALSE;
    }
    nl_cache_foreach(addresses, address_search_visit, &search);
    *has_addresses = search.found;
    return TRUE;
}

const VfpNetlinkOps vfp_netlink_linux = {
    .name = "linux",
    .link_has_addresses = linux_link_has_addresses,
};
