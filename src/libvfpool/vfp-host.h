/* The host's SR-IOV devices as sysfs shows them: Physical Functions, their Virtual Functions,
 * NUMA nodes, IOMMU groups and host use. Loaded lazily so the hook reads only what it needs. */
#pragma once

#include <glib.h>

typedef struct _VfpHost VfpHost;
typedef struct _VfpPf VfpPf;
typedef struct _VfpVf VfpVf;

struct _VfpVf {
    VfpPf *pf; /* not owned */
    guint index;
    char *address;
    guint vendor_id;
    guint device_id;
    char *driver; /* NULL when no driver is bound */
    char *netdev; /* NULL when the VF has no network device (or is bound to vfio) */
    gboolean netdev_up;
    gboolean vfio_open;     /* bound to a VFIO driver and opened by its user (a VM) */
    int numa_node;          /* -1 when the platform does not say */
    int iommu_group;        /* -1 without IOMMU */
    GPtrArray *iommu_peers; /* char *: the group's other members */
};

struct _VfpPf {
    VfpHost *host; /* not owned */
    char *address;
    guint vendor_id;
    guint device_id;
    guint vf_device_id;
    char *driver;
    char *netdev;
    gboolean netdev_up;
    int numa_node;
    guint total_vfs;
    guint num_vfs;
    int drivers_autoprobe; /* -1 when the kernel lacks the attribute */
    guint vf_offset;       /* 0 when unknown: VF addresses cannot be predicted */
    guint vf_stride;
    GPtrArray *vfs; /* VfpVf * by index, num_vfs slots, each loaded on first use */
    gboolean vfs_complete;
};

VfpHost *vfp_host_new(void);
void vfp_host_free(VfpHost *host);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfpHost, vfp_host_free)

GPtrArray *vfp_host_get_pfs(VfpHost *host, GError **error);
VfpPf *vfp_host_get_pf(VfpHost *host, const char *address, GError **error);
VfpPf *vfp_host_find_pf_by_netdev(VfpHost *host, const char *netdev, GError **error);
VfpVf *vfp_host_get_vf(VfpHost *host, const char *address, GError **error);
VfpPf *vfp_host_get_vf_pf(VfpHost *host, const char *address);

GPtrArray *vfp_pf_get_vfs(VfpPf *pf, GError **error);
VfpVf *vfp_pf_get_vf(VfpPf *pf, guint index, GError **error);
char *vfp_pf_predict_vf_address(const VfpPf *pf, guint index);
gboolean vfp_pf_set_num_vfs(VfpPf *pf, guint count, GError **error);

/* Whether a VF without a network device, bound to a driver other than VFIO, is the host's. */
typedef enum {
    VFP_HOST_DRIVER_IS_HOST_USE,  /* the host may be using it: an nvme namespace, an FPGA app */
    VFP_HOST_DRIVER_MAY_BE_TAKEN, /* the pool says such VFs may be unbound and handed out */
} VfpHostDriverRule;

gboolean vfp_vf_has_addresses(const VfpVf *vf, GError **error);
gboolean vfp_vf_used_outside_vfpool(const VfpVf *vf, VfpHostDriverRule rule, char **why);
