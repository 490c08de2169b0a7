/* Taking the VFs of a domain's requests and undoing it: the last checks, the claims written
 * ahead with the VF's saved state, the L2 settings through the PF and the driver binding. The
 * hook's prepare takes every VF of a starting domain this way; vfpool move/reassign/resize take
 * one for a running domain before hot-plugging it. */
#pragma once

#include <glib.h>

#include "vfp-domain.h"
#include "vfp-host.h"
#include "vfp-ledger.h"
#include "vfp-pool.h"

typedef struct {
    const VfpRequest *request;
    const VfpReservation *reservation; /* the VF to take */
    const VfpPool *pool;
    VfpPf *pf;
    VfpDeviceInfo device; /* how the domain passes the VF through */
    VfpClaim *claim;      /* in the ledger, once written */
} VfpTake;

void vfp_take_clear(VfpTake *take);
gboolean vfp_take_check_pool(const VfpDomain *domain, GPtrArray *pools, VfpHost *host,
                             VfpTake *take, GError **error);
gboolean vfp_take_check_existing(const VfpDomain *domain, GPtrArray *pools, VfpHost *host,
                                 VfpTake *take, GError **error);
gboolean vfp_take_check(const VfpDomain *domain, VfpHost *host, VfpLedger *ledger, VfpTake *take,
                        GError **error);
gboolean vfp_take_all(const VfpDomain *domain, VfpHost *host, VfpLedger *ledger, GArray *takes,
                      const char *step, GError **error);
void vfp_take_abandon(const VfpDomain *domain, VfpHost *host, VfpLedger *ledger, GArray *takes);
guint vfp_take_adopt(VfpLedger *ledger, VfpHost *host, GPtrArray *pools, const VfpDomain *domain,
                     const char *step);
