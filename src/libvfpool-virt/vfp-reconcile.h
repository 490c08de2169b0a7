/* vfpool reconcile: brings the ledger, the domains' reservations and the VFs back in line
 * with what libvirt runs, after crashes, manual edits or a lost /run. */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

typedef struct {
    gboolean dry_run;   /* the repairs were found, not made */
    GPtrArray *repairs; /* char *: one line per repair, for the user */
} VfpReconcileReport;

VfpReconcileReport *vfp_reconcile_report_new(void);
void vfp_reconcile_report_free(VfpReconcileReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfpReconcileReport, vfp_reconcile_report_free)

gboolean vfp_reconcile(virConnectPtr conn, gboolean dry_run, VfpReconcileReport *report,
                       GError **error);
