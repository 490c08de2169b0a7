/* A libvirt domain's XML as vfpool sees it: the VF requests and reservations in its vfpool
 * <metadata>, the devices they map to by user alias, and the rewrite that resolves them while
 * leaving the rest of the document as it was. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "vfp-domain-ns.h"
#include "vfp-vfconfig.h"

/* Bounds on what a domain's author can make the hook read. */
#define VFP_DOMAIN_REQUESTS_MAX 256 /* vfpool:vf requests per domain */
#define VFP_NUMA_NODES_MAX 1024     /* NUMA nodes in a <numatune> nodeset */
#define VFP_NODESET_MAX_LENGTH 8192

typedef struct {
    char *alias;
    char *pool;
    VfpVfConfig config;
    int numa_node; /* -1: take the domain's <numatune> */
} VfpRequest;

typedef struct {
    char *alias;
    char *address;
    char *pf;
    guint index;
    guint vendor_id; /* the VF's model, for pools that migrate the device state; 0: unknown */
    guint device_id;
    gboolean hotplug_pending; /* the running domain holds the VF without its device, which
                               * vfpool migrate plugs once the domain is on this host */
} VfpReservation;

/* What vfpoold or vfpool last had to say about a stopped domain, kept in its metadata so
 * that virsh metadata, virt-manager's XML tab and vfpool status show it. */
typedef enum {
    VFP_STATUS_NONE,
    VFP_STATUS_WAITING,  /* a request found no free VF: MESSAGE says why and what would help */
    VFP_STATUS_RELEASED, /* vfpool release gave its VFs to others: resolved only when asked */
    VFP_STATUS_DROPPED,  /* its device was removed, so vfpoold dropped the request */
} VfpStatusState;

typedef struct {
    VfpStatusState state;
    gint64 since; /* seconds since the epoch */
    char *message;
} VfpDomainStatus;

typedef struct {
    xmlDoc *doc;
    char *name;
    char *uuid;
    GPtrArray *requests;     /* VfpRequest * */
    GPtrArray *reservations; /* VfpReservation * */
    GArray *numa_nodes;      /* int: the nodes of <numatune><memory nodeset=...>, maybe empty */
    VfpDomainStatus status;
} VfpDomain;

/* What a request was resolved to, for vfp_domain_apply(). */
typedef struct {
    const VfpRequest *request;
    const char *address;
    const char *pf;
    guint index;
    gboolean network; /* <interface type='hostdev'> rather than <hostdev> */
    gboolean managed; /* libvirt binds vfio-pci itself */
    guint vendor_id;  /* written into the reservation when not 0 (see VfpReservation) */
    guint device_id;
    gboolean hotplug_pending; /* a reservation without its device (see VfpReservation) */
} VfpAssignment;

/* The device a request maps to, as the domain XML has it. */
typedef struct {
    gboolean found;
    gboolean network; /* <interface type='hostdev'> */
    gboolean managed; /* managed='yes' */
    char *address;    /* <source><address>, normalized; NULL when missing */
} VfpDeviceInfo;

void vfp_device_info_clear(VfpDeviceInfo *info);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(VfpDeviceInfo, vfp_device_info_clear)

void vfp_domain_free(VfpDomain *domain);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfpDomain, vfp_domain_free)

VfpDomain *vfp_domain_parse(const char *xml, gsize length, GError **error);
VfpDomain *vfp_domain_parse_file(const char *path, GError **error);

const char *vfp_domain_key(const VfpDomain *domain);
int vfp_domain_request_numa(const VfpDomain *domain, const VfpRequest *request);
gboolean vfp_domain_numa_allows(const VfpDomain *domain, const VfpRequest *request, int node);
const VfpRequest *vfp_domain_find_request(const VfpDomain *domain, const char *alias);
VfpReservation *vfp_domain_find_reservation(const VfpDomain *domain, const char *alias);

GPtrArray *vfp_domain_pci_sources(const VfpDomain *domain);
void vfp_domain_get_device(const VfpDomain *domain, const char *alias, VfpDeviceInfo *info);
void vfp_device_info_from_xml(const char *xml, VfpDeviceInfo *info);
void vfp_domain_clear_reservations(VfpDomain *domain);
gboolean vfp_domain_apply(VfpDomain *domain, const VfpAssignment *assignments, guint count,
                          GError **error);
char *vfp_domain_to_string(const VfpDomain *domain);
xmlNode *vfp_domain_metadata_node(const VfpDomain *domain);

const char *vfp_status_state_to_string(VfpStatusState state);
void vfp_domain_status_read(VfpDomain *domain, xmlNode *node);
void vfp_domain_set_status(VfpDomain *domain, VfpStatusState state, const char *message);

char *vfp_domain_device_to_string(const VfpDomain *domain, const char *alias,
                                  gboolean keep_guest_address);
char *vfp_domain_metadata_to_string(const VfpDomain *domain);
gboolean vfp_domain_set_reservation(VfpDomain *domain, const VfpAssignment *assignment,
                                    GError **error);
gboolean vfp_domain_copy_reservation(VfpDomain *domain, const VfpDomain *from, const char *alias,
                                     GError **error);
GPtrArray *vfp_domain_stale_reservations(const VfpDomain *config, const VfpDomain *live);
gboolean vfp_domain_set_request_pool(VfpDomain *domain, const char *alias, const char *pool,
                                     GError **error);
gboolean vfp_domain_set_hotplug_pending(VfpDomain *domain, const char *alias, gboolean pending,
                                        GError **error);
gboolean vfp_domain_remove_request(VfpDomain *domain, const char *alias, GError **error);
gboolean vfp_domain_add_request(VfpDomain *domain, const VfpDomain *from, const char *alias,
                                GError **error);
gboolean vfp_domain_new_request(VfpDomain *domain, const char *alias, const char *pool,
                                const char *const *attributes, GError **error);
gboolean vfp_domain_alias_used(const VfpDomain *domain, const char *alias);
