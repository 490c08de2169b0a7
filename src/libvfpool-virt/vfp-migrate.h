/* vfpool migrate: live migration of a domain whose pooled VFs cannot migrate themselves (no
 * failover, no migratable variant driver): VFs reserved on the destination first, unplugged
 * here, the domain migrated, the destination's VFs plugged there. */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

#include "vfp-operation.h"

/* What vfpool migrate was asked for, as virsh migrate says it. */
typedef struct {
    gboolean live;            /* --live */
    gboolean persistent;      /* --persistent: the destination keeps a definition */
    gboolean undefine_source; /* --undefinesource */
    const char *migrate_uri;  /* --migrateuri: where QEMU sends the migration stream, or NULL */
    guint reserve_timeout;    /* seconds the destination's vfpoold has to reserve the VFs */
} VfpMigrateOptions;

gboolean vfp_migrate(virConnectPtr conn, const char *name, const char *dest_uri,
                     const VfpMigrateOptions *options, VfpOperationReport *report, GError **error);
gboolean vfp_migrate_recover(virConnectPtr conn, gboolean dry_run, VfpOperationReport *report,
                             GError **error);
