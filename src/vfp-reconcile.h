/* vfpool reconcile: brings the ledger, the domains' reservations and the VFs back in line
 * with what libvirt runs, after crashes, manual edits or a lost /run. */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

gboolean vfp_reconcile(virConnectPtr conn, gboolean dry_run, GError **error);
