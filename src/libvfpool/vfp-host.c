/* Loading PFs and VFs from sysfs, the way the kernel lays them out: virtfnN/physfn links,
 * driver and iommu_group links, net/ directories. */
#include "config.h"

#include <string.h>
#include <stdio.h>
#include <stdlib.h>

#include "vfp-address.h"
#include "vfp-error.h"
#include "vfp-host.h"
#include "vfp-netlink.h"
#include "vfp-sysfs.h"

#define IFF_UP_FLAG 0x1

struct _VfpHost {
    GHashTable *pfs_by_address; /* char * -> VfpPf * (owned) */
    GPtrArray *pf_list;         /* every PF, once scanned */
};

static void
vfp_vf_free(VfpVf *vf)
{
    if (!vf)
        return;
    g_free(vf->address);
    g_free(vf->driver);
    g_free(vf->netdev);
    g_clear_pointer(&vf->iommu_peers, g_ptr_array_unref);
    g_free(vf);
}

static void
vfp_pf_free(VfpPf *pf)
{
    if (!pf)
        return;
    g_free(pf->address);
    g_free(pf->driver);
    g_free(pf->netdev);
    g_clear_pointer(&pf->vfs, g_ptr_array_unref);
    g_free(pf);
}

VfpHost *
vfp_host_new(void)
{
    VfpHost *host = g_new0(VfpHost, 1);

    host->pfs_by_address =
        g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)vfp_pf_free);
    return host;
}

void
vfp_host_free(VfpHost *host)
{
    if (!host)
        return;
    g_clear_pointer(&host->pf_list, g_ptr_array_unref);
    g_hash_table_unref(host->pfs_by_address);
    g_free(host);
}

static gboolean
read_device_int(const char *address, const char *file, gint64 *value, GError **error)
{
    g_autofree char *path = vfp_sysfs_pci_file(address, file);

    return vfp_sysfs_read_int(path, value, error);
}

static gboolean
read_device_int_optional(const char *address, const char *file, gint64 fallback, gint64 *value,
                         GError **error)
{
    g_autofree char *path = vfp_sysfs_pci_file(address, file);

    return vfp_sysfs_read_int_optional(path, fallback, value, error);
}

static char *
read_device_link(const char *address, const char *link)
{
    g_autofree char *path = vfp_sysfs_pci_file(address, link);

    return vfp_sysfs_link_name(path);
}

/* The first network device under ADDRESS/net, and whether it is administratively up. */
static gboolean
read_device_netdev(const char *address, char **netdev, gboolean *up, GError **error)
{
    g_autofree char *net_dir = vfp_sysfs_pci_file(address, "net");
    g_autoptr(GDir) dir = g_dir_open(net_dir, 0, NULL);
    g_autofree char *flags_path = NULL;
    const char *name;
    gint64 flags;

    *netdev = NULL;
    *up = FALSE;
    if (!dir)
        return TRUE;
    name = g_dir_read_name(dir);
    if (!name)
        return TRUE;
    flags_path = g_build_filename(net_dir, name, "flags", NULL);
    if (!vfp_sysfs_read_int(flags_path, &flags, error))
        return FALSE;
    *netdev = g_strdup(name);
    *up = (flags & IFF_UP_FLAG) != 0;
    return TRUE;
}

static GPtrArray *
read_iommu_peers(int group, const char *address)
{
    g_autofree char *dir_path = vfp_sysfs_path("/kernel/iommu_groups/%d/devices", group);
    g_autoptr(GDir) dir = g_dir_open(dir_path, 0, NULL);
    GPtrArray *peers = g_ptr_array_new_with_free_func(g_free);
    const char *name;

    while (dir && (name = g_dir_read_name(dir))) {
        if (g_strcmp0(name, address) != 0)
            g_ptr_array_add(peers, g_strdup(name));
    }
    g_ptr_array_sort(peers, (GCompareFunc)g_strcmp0);
    return peers;
}

static VfpVf *
vfp_vf_load(VfpPf *pf, guint index, GError **error)
{
    g_autofree char *link = g_strdup_printf("virtfn%u", index);
    g_autoptr(GError) local = NULL;
    g_autofree char *group = NULL;
    VfpVf *vf = g_new0(VfpVf, 1);
    gint64 value;

    vf->pf = pf;
    vf->index = index;
    vf->iommu_group = -1;
    vf->address = read_device_link(pf->address, link);
    if (!vf->address) {
        g_autofree char *path = vfp_sysfs_pci_file(pf->address, link);

        g_set_error(&local, VFP_ERROR, VFP_ERROR_SYSFS, "%s is missing", path);
        goto fail;
    }
    if (!read_device_int(vf->address, "vendor", &value, &local))
        goto fail;
    vf->vendor_id = value;
    if (!read_device_int(vf->address, "device", &value, &local))
        goto fail;
    vf->device_id = value;
    if (!read_device_int_optional(vf->address, "numa_node", -1, &value, &local))
        goto fail;
    vf->numa_node = value;
    vf->driver = read_device_link(vf->address, "driver");
    if (!read_device_netdev(vf->address, &vf->netdev, &vf->netdev_up, &local))
        goto fail;
    /* vfio-pci (and its variants) enable the device when a user opens it, and disable it
     * when the last user closes it. */
    if (vf->driver && strstr(vf->driver, "vfio")) {
        if (!read_device_int_optional(vf->address, "enable", 0, &value, &local))
            goto fail;
        vf->vfio_open = value > 0;
    }
    group = read_device_link(vf->address, "iommu_group");
    if (group) {
        vf->iommu_group = atoi(group);
        vf->iommu_peers = read_iommu_peers(vf->iommu_group, vf->address);
    }
    return vf;

fail:
    g_set_error(error, VFP_ERROR, VFP_ERROR_SYSFS, "VF %u of PF %s: %s", index, pf->address,
                local->message);
    vfp_vf_free(vf);
    return NULL;
}

static VfpPf *
vfp_pf_load(VfpHost *host, const char *address, GError **error)
{
    g_autoptr(GError) local = NULL;
    VfpPf *pf = g_new0(VfpPf, 1);
    gint64 value;

    pf->host = host;
    pf->address = g_strdup(address);
    if (!read_device_int(address, "vendor", &value, &local))
        goto fail;
    pf->vendor_id = value;
    if (!read_device_int(address, "device", &value, &local))
        goto fail;
    pf->device_id = value;
    if (!read_device_int_optional(address, "numa_node", -1, &value, &local))
        goto fail;
    pf->numa_node = value;
    if (!read_device_int(address, "sriov_totalvfs", &value, &local))
        goto fail;
    pf->total_vfs = value;
    if (!read_device_int(address, "sriov_numvfs", &value, &local))
        goto fail;
    pf->num_vfs = MIN((guint64)value, pf->total_vfs);
    if (!read_device_int_optional(address, "sriov_drivers_autoprobe", -1, &value, &local))
        goto fail;
    pf->drivers_autoprobe = value;
    if (!read_device_int_optional(address, "sriov_offset", 0, &value, &local))
        goto fail;
    pf->vf_offset = value;
    if (!read_device_int_optional(address, "sriov_stride", 0, &value, &local))
        goto fail;
    pf->vf_stride = value;
    {
        /* The kernel prints the VF device ID as bare hex ("10ca"). */
        g_autofree char *path = vfp_sysfs_pci_file(address, "sriov_vf_device");
        g_autofree char *text = NULL;

        if (vfp_sysfs_exists(path) && vfp_sysfs_read_string(path, &text, NULL))
            pf->vf_device_id = g_ascii_strtoull(text, NULL, 16);
    }
    pf->driver = read_device_link(address, "driver");
    if (!read_device_netdev(address, &pf->netdev, &pf->netdev_up, &local))
        goto fail;
    pf->vfs = g_ptr_array_new_with_free_func((GDestroyNotify)vfp_vf_free);
    g_ptr_array_set_size(pf->vfs, pf->num_vfs);
    return pf;

fail:
    g_set_error(error, VFP_ERROR, VFP_ERROR_SYSFS, "PF %s: %s", address, local->message);
    vfp_pf_free(pf);
    return NULL;
}

static gboolean
is_sriov_capable(const char *address)
{
    g_autofree char *path = vfp_sysfs_pci_file(address, "sriov_totalvfs");

    return vfp_sysfs_exists(path);
}

VfpPf *
vfp_host_get_pf(VfpHost *host, const char *address, GError **error)
{
    g_autofree char *normalized = vfp_pci_address_normalize(address);
    VfpPf *pf;

    if (!normalized) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID, "'%s' is not a PCI address", address);
        return NULL;
    }
    pf = g_hash_table_lookup(host->pfs_by_address, normalized);
    if (pf)
        return pf;
    if (!is_sriov_capable(normalized)) {
        g_autofree char *device = vfp_sysfs_pci_file(normalized, NULL);

        if (vfp_sysfs_exists(device))
            g_set_error(error, VFP_ERROR, VFP_ERROR_NOT_FOUND, "PF %s has no SR-IOV capability",
                        normalized);
        else
            g_set_error(error, VFP_ERROR, VFP_ERROR_NOT_FOUND, "PF %s does not exist on this host",
                        normalized);
        return NULL;
    }
    pf = vfp_pf_load(host, normalized, error);
    if (pf)
        g_hash_table_insert(host->pfs_by_address, pf->address, pf);
    return pf;
}

static int
compare_pf_address(gconstpointer a, gconstpointer b)
{
    const VfpPf *pa = *(VfpPf *const *)a;
    const VfpPf *pb = *(VfpPf *const *)b;

    return g_strcmp0(pa->address, pb->address);
}

/* Every SR-IOV capable device, sorted by address. */
GPtrArray *
vfp_host_get_pfs(VfpHost *host, GError **error)
{
    g_autofree char *devices = NULL;
    g_autoptr(GDir) dir = NULL;
    g_autoptr(GPtrArray) list = NULL;
    const char *name;

    if (host->pf_list)
        return host->pf_list;
    devices = vfp_sysfs_path("/bus/pci/devices");
    dir = g_dir_open(devices, 0, NULL);
    if (!dir) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_SYSFS, "cannot list PCI devices in %s", devices);
        return NULL;
    }
    list = g_ptr_array_new();
    while ((name = g_dir_read_name(dir))) {
        VfpPf *pf;

        if (!is_sriov_capable(name))
            continue;
        pf = vfp_host_get_pf(host, name, error);
        if (!pf)
            return NULL;
        g_ptr_array_add(list, pf);
    }
    g_ptr_array_sort(list, compare_pf_address);
    host->pf_list = g_steal_pointer(&list);
    return host->pf_list;
}

VfpPf *
vfp_host_find_pf_by_netdev(VfpHost *host, const char *netdev, GError **error)
{
    g_autofree char *device = vfp_sysfs_path("/class/net/%s/device", netdev);
    g_autofree char *address = vfp_sysfs_link_name(device);

    if (!address) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_NOT_FOUND,
                    "network device %s does not exist or is not a PCI device", netdev);
        return NULL;
    }
    return vfp_host_get_pf(host, address, error);
}

VfpVf *
vfp_pf_get_vf(VfpPf *pf, guint index, GError **error)
{
    VfpVf *vf;

    if (index >= pf->num_vfs) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_NOT_FOUND, "PF %s has no VF %u (it has %u)",
                    pf->address, index, pf->num_vfs);
        return NULL;
    }
    vf = g_ptr_array_index(pf->vfs, index);
    if (!vf) {
        vf = vfp_vf_load(pf, index, error);
        if (!vf)
            return NULL;
        g_ptr_array_index(pf->vfs, index) = vf;
    }
    return vf;
}

GPtrArray *
vfp_pf_get_vfs(VfpPf *pf, GError **error)
{
    if (!pf->vfs_complete) {
        for (guint i = 0; i < pf->num_vfs; i++) {
            if (!vfp_pf_get_vf(pf, i, error))
                return NULL;
        }
        pf->vfs_complete = TRUE;
    }
    return pf->vfs;
}

/* Where VF INDEX will appear once created: the PF's routing ID plus the SR-IOV capability's
 * First VF Offset and VF Stride. NULL when the kernel does not expose them. */
char *
vfp_pf_predict_vf_address(const VfpPf *pf, guint index)
{
    VfpPciAddress address;
    VfpPciAddress vf_address;
    guint routing_id;

    if (pf->vf_offset == 0 || !vfp_pci_address_parse(pf->address, &address))
        return NULL;
    routing_id = vfp_pci_address_routing_id(&address) + pf->vf_offset + index * pf->vf_stride;
    if (routing_id > 0xffff)
        return NULL;
    vf_address = vfp_pci_address_from_routing_id(address.domain, routing_id);
    return vfp_pci_address_format(&vf_address);
}

#define VF_APPEAR_TIMEOUT_US (10 * G_USEC_PER_SEC)

/* Gives PF COUNT VFs. The kernel only changes sriov_numvfs from or to 0, and new VFs must not
 * be grabbed by a host driver before we hand them out, hence autoprobe off first. Waits, with
 * a bound, for the last virtfn link: udev and the PF driver create VFs asynchronously. */
gboolean
vfp_pf_set_num_vfs(VfpPf *pf, guint count, GError **error)
{
    g_autofree char *numvfs = vfp_sysfs_pci_file(pf->address, "sriov_numvfs");
    g_autofree char *autoprobe = vfp_sysfs_pci_file(pf->address, "sriov_drivers_autoprobe");
    g_autofree char *value = g_strdup_printf("%u", count);
    g_autofree char *last = NULL;
    gint64 deadline;

    if (count > pf->total_vfs) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID, "PF %s supports at most %u VFs, not %u",
                    pf->address, pf->total_vfs, count);
        return FALSE;
    }
    if (pf->drivers_autoprobe > 0) {
        if (!vfp_sysfs_write(autoprobe, "0", error))
            return FALSE;
        pf->drivers_autoprobe = 0;
    }
    if (pf->num_vfs != 0 && !vfp_sysfs_write(numvfs, "0", error))
        return FALSE;
    g_ptr_array_set_size(pf->vfs, 0);
    pf->num_vfs = 0;
    pf->vfs_complete = FALSE;
    if (count == 0)
        return TRUE;
    if (!vfp_sysfs_write(numvfs, value, error))
        return FALSE;

    last = vfp_sysfs_path("/bus/pci/devices/%s/virtfn%u", pf->address, count - 1);
    deadline = g_get_monotonic_time() + VF_APPEAR_TIMEOUT_US;
    while (!vfp_sysfs_exists(last)) {
        if (g_get_monotonic_time() > deadline) {
            g_set_error(error, VFP_ERROR, VFP_ERROR_SYSFS,
                        "PF %s accepted %u VFs but they did not appear within %d s", pf->address,
                        count, (int)(VF_APPEAR_TIMEOUT_US / G_USEC_PER_SEC));
            return FALSE;
        }
        g_usleep(10000);
    }
    pf->num_vfs = count;
    g_ptr_array_set_size(pf->vfs, count);
    return TRUE;
}

VfpVf *
vfp_host_get_vf(VfpHost *host, const char *address, GError **error)
{
    g_autofree char *normalized = vfp_pci_address_normalize(address);
    g_autofree char *pf_address = NULL;
    VfpPciAddress vf_pci, pf_pci;
    VfpPf *pf;
    gint64 distance;

    if (!normalized) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID, "'%s' is not a PCI address", address);
        return NULL;
    }
    pf_address = read_device_link(normalized, "physfn");
    if (!pf_address) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_NOT_FOUND, "VF %s does not exist on this host",
                    normalized);
        return NULL;
    }
    pf = vfp_host_get_pf(host, pf_address, error);
    if (!pf)
        return NULL;

    /* Go straight to the right virtfnN when offset and stride say which it is. */
    vfp_pci_address_parse(normalized, &vf_pci);
    vfp_pci_address_parse(pf->address, &pf_pci);
    distance = (gint64)vfp_pci_address_routing_id(&vf_pci) - vfp_pci_address_routing_id(&pf_pci) -
               pf->vf_offset;
    if (pf->vf_offset && pf->vf_stride && distance >= 0 && distance % pf->vf_stride == 0 &&
        distance / pf->vf_stride < pf->num_vfs) {
        VfpVf *vf = vfp_pf_get_vf(pf, distance / pf->vf_stride, error);

        if (!vf)
            return NULL;
        if (g_str_equal(vf->address, normalized))
            return vf;
    }
    for (guint i = 0; i < pf->num_vfs; i++) {
        VfpVf *vf = vfp_pf_get_vf(pf, i, error);

        if (!vf)
            return NULL;
        if (g_str_equal(vf->address, normalized))
            return vf;
    }
    g_set_error(error, VFP_ERROR, VFP_ERROR_NOT_FOUND, "%s is not listed as a VF of PF %s",
                normalized, pf->address);
    return NULL;
}

/* The PF of the VF at ADDRESS from its physfn link alone, or NULL: for callers that only count
 * VFs by PF, one link read instead of loading every attribute of the VF. */
VfpPf *
vfp_host_get_vf_pf(VfpHost *host, const char *address)
{
    g_autofree char *normalized = vfp_pci_address_normalize(address);
    g_autofree char *pf_address = normalized ? read_device_link(normalized, "physfn") : NULL;

    return pf_address ? vfp_host_get_pf(host, pf_address, NULL) : NULL;
}

gboolean
vfp_vf_has_addresses(const VfpVf *vf, GError **error)
{
    gboolean has = FALSE;

    if (!vf->netdev)
        return FALSE;
    if (!vfp_netlink_get()->link_has_addresses(vf->netdev, &has, error))
        return FALSE;
    return has;
}

/* A VF in use outside vfpool is never handed to a guest: the host's own (its netdev is up or
 * has addresses, or it has no netdev and a host driver serves it), where unbinding it would
 * cut the host off, or one a running VM got some other way (libvirt's own hostdev network,
 * say), whose settings vfpool would change under that VM. Callers ask the ledger first: VFs
 * of vfpool's own domains are held. */
gboolean
vfp_vf_used_outside_vfpool(const VfpVf *vf, VfpHostDriverRule rule, char **why)
{
    g_autoptr(GError) local = NULL;

    if (vf->vfio_open) {
        *why = g_strdup_printf("it is open through %s (by a running VM that did not get it "
                               "from vfpool?)",
                               vf->driver);
        return TRUE;
    }
    if (!vf->netdev && vf->driver && !strstr(vf->driver, "vfio") &&
        rule == VFP_HOST_DRIVER_IS_HOST_USE) {
        *why = g_strdup_printf("it is bound to the host driver %s, which may be serving the "
                               "host (unbind it, or let its pool take such VFs with <driver "
                               "take-from-host='yes'/>)",
                               vf->driver);
        return TRUE;
    }
    if (!vf->netdev)
        return FALSE;
    if (vf->netdev_up) {
        *why = g_strdup_printf("its host network device %s is up", vf->netdev);
        return TRUE;
    }
    if (vfp_vf_has_addresses(vf, &local)) {
        *why = g_strdup_printf("its host network device %s has IP addresses", vf->netdev);
        return TRUE;
    }
    if (local) {
        *why =
            g_strdup_printf("the addresses of %s cannot be read (%s)", vf->netdev, local->message);
        return TRUE;
    }
    return FALSE;
}
