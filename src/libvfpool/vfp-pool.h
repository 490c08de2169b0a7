/* Pools: the administrator's description, one file each in $VFPOOL_CONF_DIR/pools.d, of which
 * PFs feed a pool, which VF indexes belong to it, how many VFs to create on demand, the driver,
 * the selection policy and the default network settings. */
#pragma once

#include <glib.h>

#include "vfp-host.h"
#include "vfp-vfconfig.h"

typedef enum {
    VFP_POLICY_PACK,   /* fill the busiest PF first: keeps whole PFs free for resizing */
    VFP_POLICY_SPREAD, /* least busy PF first: spreads bandwidth over ports */
} VfpPolicy;

typedef enum {
    VFP_NUMA_PREFERRED,
    VFP_NUMA_REQUIRED,
    VFP_NUMA_IGNORE,
} VfpNumaMode;

typedef struct {
    char *address; /* one of: address, netdev, vendor+device */
    char *netdev;
    int vendor_id; /* -1 when not a vendor selector */
    int device_id;
} VfpPfSelector;

typedef struct {
    guint first;
    guint last;
} VfpIndexRange;

typedef struct {
    char *name;
    char *file;
    GPtrArray *selectors;    /* VfpPfSelector * */
    GArray *ranges;          /* VfpIndexRange; empty: every index */
    guint create;            /* create VFs on demand up to this count; 0: never */
    char *driver;            /* "vfio-pci" or a vfio variant driver */
    gboolean take_from_host; /* VFs without a netdev may be taken from their host driver */
    gboolean migratable;     /* the driver migrates the device state: see vfp_pool_load_file */
    VfpPolicy policy;
    VfpNumaMode numa;
    VfpVfConfig net; /* defaults for network VFs */
    gboolean has_net;
} VfpPool;

void vfp_pool_free(VfpPool *pool);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfpPool, vfp_pool_free)

/* Where the hook remembers which pool file contents passed validation (vfp-pool.c). */
#define VFP_POOL_CHECKS "pool-checks"

void vfp_pool_set_remember_checks(gboolean remember);
char *vfp_pool_check_digest(const char *contents, gsize length);
VfpPool *vfp_pool_load_file(const char *path, GError **error);
GPtrArray *vfp_pool_load_all(GError **error);
VfpPool *vfp_pool_find(GPtrArray *pools, const char *name);

gboolean vfp_pool_has_index(const VfpPool *pool, guint index);
gboolean vfp_pool_driver_is_managed(const VfpPool *pool);
VfpHostDriverRule vfp_pool_host_driver_rule(const VfpPool *pool);
GPtrArray *vfp_pool_get_pfs(const VfpPool *pool, VfpHost *host, GError **error);
gboolean vfp_pool_selects_pf(const VfpPool *pool, const VfpPf *pf);
gboolean vfp_pool_owns_vf(const VfpPool *pool, const VfpVf *vf);
guint vfp_pool_vf_limit(const VfpPool *pool, const VfpPf *pf);

const char *vfp_policy_to_string(VfpPolicy policy);
const char *vfp_numa_mode_to_string(VfpNumaMode mode);
