/* vfpool on the libvirt API: reading annotated domains, the reservations of every defined
 * domain, and writing resolved definitions back. Used by the vfpool command and vfpoold, never
 * by the hook (libvirtd waits on hooks: calling back would deadlock). */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

#include "vfp-domain.h"
#include "vfp-select.h"

typedef struct _virConnect VirConnect;
typedef struct _virDomain VirDomain;
void vfp_libvirt_close(virConnectPtr conn);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VirConnect, vfp_libvirt_close)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VirDomain, virDomainFree)

void vfp_libvirt_set_error(GError **error, const char *format, ...) G_GNUC_PRINTF(2, 3);
virConnectPtr vfp_libvirt_open(const char *uri, GError **error);
virDomainPtr vfp_libvirt_lookup(virConnectPtr conn, const char *name, GError **error);
virDomainPtr vfp_libvirt_lookup_running(virConnectPtr conn, const char *name, GError **error);
/* Which of a domain's definitions to read. */
typedef enum {
    VFP_XML_LIVE,       /* the running domain's */
    VFP_XML_PERSISTENT, /* what it starts with next time */
} VfpXmlKind;

gboolean vfp_libvirt_set_live_metadata(virDomainPtr dom, const char *name, const char *metadata,
                                       GError **error);
gboolean vfp_libvirt_has_metadata(virDomainPtr dom, VfpXmlKind kind);
VfpDomain *vfp_libvirt_load(virDomainPtr dom, VfpXmlKind kind, GError **error);
VfpDomain *vfp_libvirt_load_metadata(virDomainPtr dom, VfpXmlKind kind, GError **error);
GHashTable *vfp_libvirt_running_uuids(virConnectPtr conn, GError **error);
GHashTable *vfp_libvirt_passed_through(virConnectPtr conn, const char *except, GError **error);
GHashTable *vfp_libvirt_reservations(virConnectPtr conn, GPtrArray *defined, const char *except,
                                     GError **error);
GPtrArray *vfp_libvirt_list_pooled(virConnectPtr conn, VfpXmlKind kind, GError **error);
GPtrArray *vfp_libvirt_list_pooled_metadata(virConnectPtr conn, VfpXmlKind kind, GError **error);

/* What resolving a domain chose; the choices point into DOMAIN. */
typedef struct {
    VfpDomain *domain;
    GPtrArray *choices; /* VfpChoice *, one per request */
    gboolean changed;   /* the definition was rewritten */
} VfpResolution;

void vfp_resolution_free(VfpResolution *resolution);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfpResolution, vfp_resolution_free)

gboolean vfp_libvirt_define(virConnectPtr conn, VfpDomain *domain, GError **error);
/* What resolves made one after the other (a vfpoold pass, reconcile) can share instead of
 * each reading it again; any member may be NULL, and so may the whole. */
typedef struct {
    GHashTable *reserved; /* what others reserve or use, see vfp_libvirt_reservations */
    VfpHost *host;        /* sysfs, read as needed and kept */
    GPtrArray *pools;     /* VfpPool *: the pool files */
} VfpResolveShared;

VfpResolution *vfp_libvirt_resolve(virConnectPtr conn, virDomainPtr dom,
                                   const VfpResolveShared *shared, GError **error);
gboolean vfp_libvirt_release(virConnectPtr conn, virDomainPtr dom, guint *dropped, GError **error);
