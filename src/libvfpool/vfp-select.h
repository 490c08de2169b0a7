/* Choosing VFs for a domain's requests: pool membership, on-demand creation, NUMA locality,
 * IOMMU isolation, host use, ledger claims and other domains' reservations, then the pool's
 * pack/spread policy. Deterministic: the same host, pools, ledger and domain give the same
 * choice. */
#pragma once

#include <glib.h>

#include "vfp-domain.h"
#include "vfp-host.h"
#include "vfp-ledger.h"
#include "vfp-pool.h"

typedef enum {
    VFP_REJECT_RANGE,         /* index outside the pool's range */
    VFP_REJECT_NUMA,          /* on another node and the pool requires locality */
    VFP_REJECT_IOMMU,         /* IOMMU group shared with a device outside the pool or held */
    VFP_REJECT_HOST_USE,      /* the host (netdev, driver) or a VM outside vfpool uses it */
    VFP_REJECT_HELD,          /* claimed in the ledger by a running domain */
    VFP_REJECT_RESERVED,      /* reserved by another defined domain */
    VFP_REJECT_TAKEN,         /* already chosen for another request of this domain */
    VFP_REJECT_NOT_CREATABLE, /* does not exist and cannot be created now */
    VFP_REJECT_UNREADABLE,    /* sysfs could not be read */
    VFP_REJECT_MODEL,         /* another model than the device state the domain brings */
} VfpRejectReason;

typedef struct {
    char *address; /* may be NULL for a VF whose address cannot be predicted */
    char *pf;
    guint index;
    VfpRejectReason reason;
    char *detail;
    char *holder; /* HELD, RESERVED: the domain that holds or reserves it */
} VfpRejection;

typedef struct {
    const VfpRequest *request;
    const VfpPool *pool; /* kept alive by POOLS */
    GPtrArray *pools;
    char *address;
    char *pf;
    guint index;
    int numa_node;
    gboolean exists;  /* FALSE: created on demand at start */
    gboolean network; /* the PF has a network device: <interface type='hostdev'> */
    gboolean kept;    /* the domain's existing reservation still holds */
    guint vendor_id;  /* the VF's model (for a VF yet to be created, the PF's VF ID) */
    guint device_id;
    guint available;       /* acceptable candidates, the chosen one included */
    GPtrArray *rejections; /* VfpRejection * */
} VfpChoice;

typedef struct {
    VfpHost *host;
    GPtrArray *pools;
    VfpLedger *ledger;       /* NULL: nothing is claimed */
    GHashTable *reserved_by; /* address -> name of the other domain reserving it; may be NULL */
} VfpSelectContext;

void vfp_choice_free(VfpChoice *choice);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfpChoice, vfp_choice_free)

const char *vfp_reject_reason_to_string(VfpRejectReason reason);
GPtrArray *vfp_select_resolve(const VfpSelectContext *context, const VfpDomain *domain,
                              GError **error);
gboolean vfp_select_apply(VfpDomain *domain, GPtrArray *choices, gboolean keep_pending,
                          GError **error);
VfpAssignment vfp_choice_to_assignment(const VfpChoice *choice);

/* Every VF index of the pool (within its range, existing or up to <vfs create>) counted once
 * in one of free, held, reserved, host_use or blocked: they add up to TOTAL. */
typedef struct {
    guint total; /* VF indexes of the pool that exist or can be created */
    guint existing;
    guint free;      /* could be given to a new domain now, CREATABLE ones included */
    guint creatable; /* of FREE, those that do not exist yet and would be created on demand */
    guint held;      /* claimed by running domains */
    guint reserved;  /* reserved by defined domains, not running */
    guint host_use;  /* used by the host or a VM outside vfpool */
    guint blocked;   /* anything else: IOMMU group, unreadable, not creatable now */
} VfpPoolCensus;

gboolean vfp_select_pool_census(const VfpSelectContext *context, const VfpPool *pool,
                                VfpPoolCensus *census, GError **error);
char *vfp_select_pf_resize_blocker(VfpLedger *ledger, const VfpPool *pool, VfpPf *pf);
char *vfp_select_iommu_blocker(VfpHost *host, VfpLedger *ledger, const VfpPool *pool,
                               const VfpVf *vf, const char *domain_key);
const char *vfp_select_vf_label(const VfpSelectContext *context, const VfpVf *vf, char **detail);
