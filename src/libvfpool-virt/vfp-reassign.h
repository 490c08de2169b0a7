/* Moving and re-plugging VFs of running domains through libvirt: vfpool move, reassign and
 * resize, each planned as a journal of steps (unplug, plug) for the operation engine. */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

#include "vfp-operation.h"

gboolean vfp_reassign_move(virConnectPtr conn, const char *alias, const char *from, const char *to,
                           VfpOperationReport *report, GError **error);
gboolean vfp_reassign_swap(virConnectPtr conn, const char *domain, const char *alias,
                           const char *vf, const char *pool, VfpOperationReport *report,
                           GError **error);
gboolean vfp_reassign_resize(virConnectPtr conn, const char *pf, guint count, gboolean pause,
                             VfpOperationReport *report, GError **error);
