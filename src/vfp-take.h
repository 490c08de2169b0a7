/* Taking a VF for one request of a domain and undoing it: the last checks, the claim written
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
gboolean vfp_take_write_claim(const VfpDomain *domain, VfpHost *host, VfpLedger *ledger,
                              VfpTake *take, const char *step, GError **error);
gboolean vfp_take_configure(const VfpDomain *domain, VfpTake *take, GError **error);
void vfp_take_finish(const VfpDomain *domain, VfpTake *take, const char *step);
void vfp_take_rollback(VfpLedger *ledger, VfpHost *host, GArray *takes);
