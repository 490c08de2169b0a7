/* The ledger: the host's record of which running domain holds which VF, with the VF's state
 * from before the domain got it. One record per claimed VF, so that a step reads and writes
 * only the VFs it touches, whatever the number of claims. */
#pragma once

#include <glib.h>

#include "vfp-claim.h"
#include "vfp-statedir.h"

typedef enum {
    VFP_LEDGER_READ,      /* reads; changes refused */
    VFP_LEDGER_WRITE,     /* changes, each VF and PF locked as it is touched: steps run in
                           * parallel unless they touch the same VF or resize the same PF */
    VFP_LEDGER_EXCLUSIVE, /* changes with every other ledger user locked out (reconcile) */
} VfpLedgerMode;

typedef struct _VfpLedger VfpLedger;

/* Reads a ledger in the format of an older vfpool into claims: see vfp_ledger_set_old_reader. */
typedef GPtrArray *(*VfpLedgerOldReader)(const char *data, gsize length, GError **error);

void vfp_ledger_set_old_reader(VfpLedgerOldReader reader);
gboolean vfp_ledger_has_old_format(void);

VfpLedger *vfp_ledger_open(VfpLedgerMode mode, GError **error);
void vfp_ledger_free(VfpLedger *ledger);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfpLedger, vfp_ledger_free)

gboolean vfp_ledger_lock_pf(VfpLedger *ledger, const char *pf, VfpLockMode mode, GError **error);
gboolean vfp_ledger_lock_vfs(VfpLedger *ledger, GPtrArray *addresses, GError **error);

GPtrArray *vfp_ledger_get_claims(VfpLedger *ledger);
GPtrArray *vfp_ledger_get_domain_claims(VfpLedger *ledger, const char *uuid);
GPtrArray *vfp_ledger_get_abandoned(VfpLedger *ledger);
VfpClaim *vfp_ledger_lookup(VfpLedger *ledger, const char *address);
gboolean vfp_ledger_claim(VfpLedger *ledger, VfpClaim *claim, GError **error);
gboolean vfp_ledger_release(VfpLedger *ledger, const char *address);
guint vfp_ledger_release_domain(VfpLedger *ledger, const char *uuid);
gboolean vfp_ledger_commit(VfpLedger *ledger, GError **error);
