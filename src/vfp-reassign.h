/* Moving and re-plugging VFs of running domains through libvirt: vfpool move, reassign and
 * resize. Each is a list of journaled steps (unplug, plug) with the guests that get a device
 * paused around the plug; every failure plugs the original devices back and resumes every
 * guest, and 'vfpool reconcile' finishes an operation whose process died. */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

typedef struct {
    GPtrArray *changes; /* char *: one line per thing done, for the user */
    GPtrArray *paused;  /* VfpPauseWindow *, in the order the guests were resumed */
} VfpReassignReport;

typedef struct {
    char *domain;
    gint64 usec; /* from virDomainSuspend() returning to virDomainResume() returning */
} VfpPauseWindow;

VfpReassignReport *vfp_reassign_report_new(void);
void vfp_reassign_report_free(VfpReassignReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfpReassignReport, vfp_reassign_report_free)

gboolean vfp_reassign_move(virConnectPtr conn, const char *alias, const char *from,
                           const char *to, VfpReassignReport *report, GError **error);
gboolean vfp_reassign_swap(virConnectPtr conn, const char *domain, const char *alias,
                           const char *vf, const char *pool, VfpReassignReport *report,
                           GError **error);
gboolean vfp_reassign_resize(virConnectPtr conn, const char *pf, guint count, gboolean pause,
                             VfpReassignReport *report, GError **error);
gboolean vfp_reassign_recover(virConnectPtr conn, gboolean dry_run, VfpReassignReport *report,
                              GError **error);
