/* Restoring VFs from their claims: at release, on rollback, for claims a killed hook left
 * (pending), and for claims whose domain is gone (reconcile). */
#pragma once

#include "vfp-domain.h"
#include "vfp-host.h"
#include "vfp-ledger.h"
#include "vfp-pool.h"

void vfp_vf_state_restore(VfpHost *host, const VfpClaim *claim);
gboolean vfp_vf_state_sweep_pending(VfpLedger *ledger, VfpHost *host);
void vfp_vf_state_plan(const VfpRequest *request, const VfpPool *pool, gboolean network_device,
                       VfpVfConfig *config, guint *fields, guint *requested);
