/* vfpoold's view of libvirt's domains, kept in memory: each domain's vfpool requests and
 * reservations (persistent definition) and, for running ones, the PCI devices they pass
 * through and the VFs they hold. Built by one pass over all domains at connect and SIGHUP, then
 * updated from the events that name one domain by fetching that domain alone, and from what vfpoold
 * writes. */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

#include "vfp-domain.h"

typedef struct {
    char *name;
    gboolean active;
    VfpDomain *config; /* the persistent definition when it carries vfpool metadata, else NULL;
                        * trimmed to what decisions read: never written back */
    VfpDomain *live;   /* the running domain's live definition when it makes vfpool requests,
                        * else NULL; trimmed as CONFIG */
    GPtrArray *passed; /* char *: PCI addresses the running domain passes through; may be empty */
    char *last_note;   /* what was last logged about it: each change is logged once */
} VfpdDomain;

typedef struct _VfpdIndex VfpdIndex;

VfpdIndex *vfpd_index_new(void);
void vfpd_index_free(VfpdIndex *index);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfpdIndex, vfpd_index_free)

gboolean vfpd_index_load(VfpdIndex *index, virConnectPtr conn, GError **error);
VfpdDomain *vfpd_index_refresh(VfpdIndex *index, virDomainPtr dom);
void vfpd_index_forget(VfpdIndex *index, const char *name);
VfpdDomain *vfpd_index_lookup(VfpdIndex *index, const char *name);
gboolean vfpd_index_set_config(VfpdIndex *index, const char *name, VfpDomain *config,
                               gboolean written);
gboolean vfpd_index_take_echo(VfpdIndex *index, const char *name);
gboolean vfpd_reservations_shrank(const VfpDomain *before, const VfpDomain *after);
GPtrArray *vfpd_index_domains(VfpdIndex *index);
GHashTable *vfpd_index_users(VfpdIndex *index);
GHashTable *vfpd_index_reserved_by(VfpdIndex *index, const char *except);
guint64 vfpd_index_fetches(VfpdIndex *index);
