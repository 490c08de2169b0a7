/* What vfpoold decides about annotated domains, from its index: resolve a stopped one that
 * needs it (never resolved, or its VF was taken, vanished or is reserved twice), drop a
 * request whose device the user removed, record why a domain waits for a VF, give freed VFs
 * to the domains that have waited longest before domains that released theirs, and make a
 * running domain's definition reserve the VFs it runs with (after a migration). */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

#include "vfpoold-index.h"

typedef struct {
    gboolean all;       /* every stopped domain (connect, SIGHUP, VFs appeared or vanished) */
    gboolean freed;     /* VFs may have freed up: waiting domains, then released ones */
    GHashTable *dirty;  /* names of domains whose definition changed */
    GHashTable *exempt; /* names of domains that just released their VFs: not given them back */
} VfpdWork;

void vfpd_work_init(VfpdWork *work);
void vfpd_work_clear(VfpdWork *work);
gboolean vfpd_work_pending(const VfpdWork *work);

void vfpd_keeper_run(VfpdIndex *index, virConnectPtr conn, VfpdWork *work);
