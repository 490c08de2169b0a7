/* A claim: which running domain holds one VF, and the VF's state from before the domain got it.
 * Stored as one GKeyFile record per VF (see vfp-ledger.c). */
#pragma once

#include <glib.h>

#include "vfp-vfconfig.h"

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

VfpClaim *vfp_claim_new(void);
void vfp_claim_free(VfpClaim *claim);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfpClaim, vfp_claim_free)

void vfp_claim_keep_original(VfpClaim *claim, VfpClaim *earlier);
char *vfp_claim_to_data(const VfpClaim *claim, gsize *length);
VfpClaim *vfp_claim_from_data(const char *data, gsize length, GError **error);
