/* The engine of operations on running domains: journaled unplug and plug steps, the guests
 * paused around the plug, failures undone, definitions synced, and recovery of an operation
 * whose process died. Planning each operation is vfp-reassign.c's (move, reassign, resize)
 * and vfp-hotplug.c's (attach, detach). */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

#include "vfp-config.h"
#include "vfp-journal.h"
#include "vfp-statedir.h"

typedef struct {
    GPtrArray *changes; /* char *: one line per thing done, for the user */
    GPtrArray *paused;  /* VfpPauseWindow *, in the order the guests were resumed */
} VfpOperationReport;

typedef struct {
    char *domain;
    gint64 usec; /* from virDomainSuspend() returning to virDomainResume() returning */
} VfpPauseWindow;

VfpOperationReport *vfp_operation_report_new(void);
void vfp_operation_report_free(VfpOperationReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfpOperationReport, vfp_operation_report_free)

/* What an operation changes before its steps run; see vfp_operation_start_with(). */
typedef gboolean (*VfpOperationBefore)(gpointer data, GError **error);
/* What runs between an operation's unplugs and its plugs; see vfp_operation_start_around(). */
typedef gboolean (*VfpOperationStage)(gpointer data, VfpJournal *journal,
                                      VfpOperationReport *report, GError **error);

VfpLock *vfp_operation_lock(VfpConfig **config, GError **error);
gboolean vfp_operation_start(virConnectPtr conn, VfpJournal *journal, VfpConfig *config,
                             VfpOperationReport *report, GError **error);
gboolean vfp_operation_start_with(virConnectPtr conn, VfpJournal *journal, VfpConfig *config,
                                  VfpOperationBefore before, gpointer data,
                                  VfpOperationReport *report, GError **error);
gboolean vfp_operation_start_around(virConnectPtr conn, VfpJournal *journal, VfpConfig *config,
                                    VfpOperationStage between, gpointer data,
                                    VfpOperationReport *report, GError **error);
gboolean vfp_operation_check_running(virConnectPtr conn, const char *name, VfpStepKind kind,
                                     GError **error);
gboolean vfp_operation_finish(virConnectPtr conn, VfpConfig *config, VfpJournal *journal,
                              gboolean dry_run, VfpOperationReport *report, GError **error);
gboolean vfp_operation_recover(virConnectPtr conn, gboolean dry_run, VfpOperationReport *report,
                               GError **error);
