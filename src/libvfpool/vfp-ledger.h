/* The ledger: the host's record of which running domain holds which VF, with the VF's state
 * from before the domain got it. One JSON file in the state directory, changed only under an
 * exclusive flock and replaced atomically (temporary file, fsync, rename). */
#pragma once

#include <glib.h>

#include "vfp-statedir.h"
#include "vfp-vfconfig.h"

#define VFP_LEDGER_VERSION 1

typedef struct {
    char *address;
    char *pf;
    guint index;
    char *pool;
    char *domain;
    char *uuid;
    char *alias;
    char *step;         /* the lifecycle step that wrote the claim: prepare, reconnect, ... */
    gint64 time;        /* seconds since the epoch */
    gint64 pid;         /* of the process that wrote it */
    gboolean pending;   /* written ahead of changing the VF: a killed hook leaves it behind */
    guint applied;      /* VfpVfField bits vfpool changed on the VF, restored at release */
    char *bound_driver; /* the driver vfpool bound the VF to, NULL if it did not rebind */
    gboolean has_saved;
    char *saved_driver; /* the VF's driver before the domain got it; NULL: none */
    VfpVfConfig saved;
} VfpClaim;

typedef enum {
    VFP_LEDGER_READ,  /* shared lock, commit refused */
    VFP_LEDGER_WRITE, /* exclusive lock */
} VfpLedgerMode;

typedef struct _VfpLedger VfpLedger;

VfpClaim *vfp_claim_new(void);
void vfp_claim_free(VfpClaim *claim);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfpClaim, vfp_claim_free)

VfpLedger *vfp_ledger_open(VfpLedgerMode mode, GError **error);
void vfp_ledger_free(VfpLedger *ledger);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfpLedger, vfp_ledger_free)

const char *vfp_ledger_path(const VfpLedger *ledger);
GPtrArray *vfp_ledger_get_claims(const VfpLedger *ledger);
VfpClaim *vfp_ledger_lookup(const VfpLedger *ledger, const char *address);
gboolean vfp_ledger_claim(VfpLedger *ledger, VfpClaim *claim, GError **error);
guint vfp_ledger_release_domain(VfpLedger *ledger, const char *uuid);
gboolean vfp_ledger_release(VfpLedger *ledger, const char *address);
gboolean vfp_ledger_commit(VfpLedger *ledger, GError **error);

char *vfp_ledger_to_json(const VfpLedger *ledger);
