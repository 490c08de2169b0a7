/* Resolving and releasing domains through libvirt. */
#include "config.h"

#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <string.h>

#include "vfp-address.h"
#include "vfp-error.h"
#include "vfp-libvirt.h"
#include "vfp-xml.h"

void
vfp_libvirt_close(virConnectPtr conn)
{
    if (conn)
        virConnectClose(conn);
}

/* Sets ERROR to the formatted message followed by libvirt's last error. */
void
vfp_libvirt_set_error(GError **error, const char *format, ...)
{
    g_autofree char *what = NULL;
    va_list args;

    va_start(args, format);
    what = g_strdup_vprintf(format, args);
    va_end(args);
    g_set_error(error, VFP_ERROR, VFP_ERROR_FAILED, "%s: %s", what, virGetLastErrorMessage());
}

/* libvirt prints its errors on stderr by default; ours say it in one line instead. */
static void
ignore_libvirt_error(void *opaque, virErrorPtr err)
{
}

virConnectPtr
vfp_libvirt_open(const char *uri, GError **error)
{
    virConnectPtr conn;

    virSetErrorFunc(NULL, ignore_libvirt_error);
    conn = virConnectOpen(uri);
    if (!conn)
        vfp_libvirt_set_error(
            error, "cannot connect to libvirt at %s (is libvirtd or virtqemud running?)", uri);
    return conn;
}

virDomainPtr
vfp_libvirt_lookup(virConnectPtr conn, const char *name, GError **error)
{
    virDomainPtr dom = virDomainLookupByName(conn, name);

    if (!dom)
        g_set_error(error, VFP_ERROR, VFP_ERROR_NOT_FOUND,
                    "domain '%s' is not defined in libvirt; check 'virsh list --all'", name);
    return dom;
}

/* NAME, which must be running: move, reassign and resize act on running domains only. */
virDomainPtr
vfp_libvirt_lookup_running(virConnectPtr conn, const char *name, GError **error)
{
    virDomainPtr dom = vfp_libvirt_lookup(conn, name, error);

    if (dom && virDomainIsActive(dom) != 1) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                    "domain '%s' is not running; vfpool moves VFs of running domains only (for a "
                    "stopped one, edit its request and run 'vfpool resolve %s')",
                    name, name);
        virDomainFree(dom);
        return NULL;
    }
    return dom;
}

/* Replaces the vfpool metadata of the running domain DOM (NAME) with METADATA (NULL: none). */
gboolean
vfp_libvirt_set_live_metadata(virDomainPtr dom, const char *name, const char *metadata,
                              GError **error)
{
    if (virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, metadata,
                             metadata ? VFP_DOMAIN_NS_PREFIX : NULL, VFP_DOMAIN_NS,
                             VIR_DOMAIN_AFFECT_LIVE) < 0) {
        vfp_libvirt_set_error(error, "domain '%s': cannot update its vfpool metadata", name);
        return FALSE;
    }
    return TRUE;
}

/* Whether DOM's definition of KIND carries vfpool metadata. */
gboolean
vfp_libvirt_has_metadata(virDomainPtr dom, VfpXmlKind kind)
{
    g_autofree char *metadata = virDomainGetMetadata(
        dom, VIR_DOMAIN_METADATA_ELEMENT, VFP_DOMAIN_NS,
        kind == VFP_XML_PERSISTENT ? VIR_DOMAIN_AFFECT_CONFIG : VIR_DOMAIN_AFFECT_LIVE);

    return metadata != NULL;
}

/* The domain as vfpool sees it: its persistent definition, or the live one. */
VfpDomain *
vfp_libvirt_load(virDomainPtr dom, VfpXmlKind kind, GError **error)
{
    g_autofree char *xml =
        virDomainGetXMLDesc(dom, kind == VFP_XML_PERSISTENT ? VIR_DOMAIN_XML_INACTIVE : 0);

    if (!xml) {
        vfp_libvirt_set_error(error, "cannot read the XML of domain '%s'", virDomainGetName(dom));
        return NULL;
    }
    return vfp_domain_parse(xml, strlen(xml), error);
}

/* libvirt hands an element of metadata back without its namespace: put it back on every
 * element that lacks one. */
static void
set_namespace(xmlNode *node, xmlNs *ns)
{
    for (; node; node = node->next) {
        if (node->type != XML_ELEMENT_NODE)
            continue;
        if (!node->ns)
            xmlSetNs(node, ns);
        set_namespace(node->children, ns);
    }
}

/* DOM's vfpool METADATA (as virDomainGetMetadata returns it), as a VfpDomain whose document
 * holds its name, UUID and that metadata. */
static VfpDomain *
domain_from_metadata(virDomainPtr dom, const char *metadata, GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlDoc) wrapper = NULL;
    char uuid[VIR_UUID_STRING_BUFLEN] = "";
    xmlChar *xml = NULL;
    xmlNode *root;
    xmlNode *vfpool;
    VfpDomain *domain;
    int length = 0;

    if (!(doc = vfp_xml_parse_memory("the vfpool metadata", metadata, strlen(metadata), error)))
        return NULL;
    wrapper = xmlNewDoc((const xmlChar *)"1.0");
    root = xmlNewDocNode(wrapper, NULL, (const xmlChar *)"domain", NULL);
    xmlDocSetRootElement(wrapper, root);
    xmlNewTextChild(root, NULL, (const xmlChar *)"name", (const xmlChar *)virDomainGetName(dom));
    /* Local to the handle: no call to libvirt. */
    if (virDomainGetUUIDString(dom, uuid) == 0)
        xmlNewTextChild(root, NULL, (const xmlChar *)"uuid", (const xmlChar *)uuid);
    vfpool = xmlDocCopyNode(xmlDocGetRootElement(doc), wrapper, 1);
    xmlAddChild(xmlNewChild(root, NULL, (const xmlChar *)"metadata", NULL), vfpool);
    set_namespace(vfpool,
                  xmlNewNs(vfpool, (const xmlChar *)VFP_DOMAIN_NS, (const xmlChar *)"vfpool"));
    xmlDocDumpMemory(wrapper, &xml, &length);
    domain = vfp_domain_parse((const char *)xml, length, error);
    xmlFree(xml);
    return domain;
}

/* DOM's vfpool metadata of KIND alone, as a VfpDomain whose document holds its name, UUID and
 * that metadata: its requests, reservations and status, without fetching or parsing the
 * whole definition. NULL without ERROR when it carries no vfpool metadata. */
VfpDomain *
vfp_libvirt_load_metadata(virDomainPtr dom, VfpXmlKind kind, GError **error)
{
    g_autofree char *metadata = virDomainGetMetadata(
        dom, VIR_DOMAIN_METADATA_ELEMENT, VFP_DOMAIN_NS,
        kind == VFP_XML_PERSISTENT ? VIR_DOMAIN_AFFECT_CONFIG : VIR_DOMAIN_AFFECT_LIVE);

    return metadata ? domain_from_metadata(dom, metadata, error) : NULL;
}

/* ---- reading many domains at once ------------------------------------------------------- */

/* libvirt has no call that returns the metadata or XML of many domains, so each costs a round
 * trip to the daemon; its remote driver keeps the calls of several threads on one connection
 * in flight together, and the daemon serves a few of them at once (max_client_requests, 5 by
 * default). So the calls go out from this many threads, the caller's among them. */
#define FETCH_THREADS 4

typedef char *(*FetchFunc)(virDomainPtr dom, VfpXmlKind kind);
/* What a fetching thread makes of a domain's text, in that thread, while other calls are in
 * flight; WARNINGS (char *) are reported by the caller, in the domains' order. */
typedef gpointer (*DigestFunc)(virDomainPtr dom, const char *text, GPtrArray *warnings);

typedef struct {
    virDomainPtr *doms;
    int count;
    const char *except; /* a domain name not to fetch, or NULL */
    VfpXmlKind kind;    /* which definition to fetch */
    FetchFunc fetch;
    DigestFunc digest;    /* NULL: the results are the texts */
    GDestroyNotify clear; /* frees a result */
    gpointer *results;    /* per domain; NULL where the fetch failed */
    int *codes;           /* libvirt's error code where FETCH returned NULL */
    char **messages;      /* and its message */
    GPtrArray **warnings; /* per domain, see DigestFunc */
    gint next;            /* the next domain to fetch */
} Fetch;

static gpointer
fetch_worker(gpointer data)
{
    Fetch *fetch = data;
    int i;

    while ((i = g_atomic_int_add(&fetch->next, 1)) < fetch->count) {
        virDomainPtr dom = fetch->doms[i];
        char *text;

        if (g_strcmp0(virDomainGetName(dom), fetch->except) == 0)
            continue;
        text = fetch->fetch(dom, fetch->kind);
        if (!text) {
            /* libvirt keeps the last error per thread. */
            virErrorPtr err = virGetLastError();

            fetch->codes[i] = err ? err->code : VIR_ERR_INTERNAL_ERROR;
            fetch->messages[i] = g_strdup(virGetLastErrorMessage());
        } else if (fetch->digest) {
            fetch->warnings[i] = g_ptr_array_new_with_free_func(g_free);
            fetch->results[i] = fetch->digest(dom, text, fetch->warnings[i]);
            free(text);
        } else {
            fetch->results[i] = text;
        }
    }
    return NULL;
}

/* Calls FETCH (and DIGEST, may be NULL) for every domain of DOMS but the one named EXCEPT,
 * from several threads, and keeps what each returned (or its error) in FETCH. */
static void
fetch_all(Fetch *fetch, virDomainPtr *doms, int count, const char *except, VfpXmlKind kind,
          FetchFunc func, DigestFunc digest, GDestroyNotify clear)
{
    GThread *threads[FETCH_THREADS - 1] = {NULL};
    /* A thread for fewer domains than this costs more than it saves. */
    int helpers = MIN(FETCH_THREADS - 1, count / 8);

    *fetch = (Fetch){doms, count, except, kind, func, digest, clear};
    fetch->results = g_new0(gpointer, count);
    fetch->codes = g_new0(int, count);
    fetch->messages = g_new0(char *, count);
    fetch->warnings = g_new0(GPtrArray *, count);
    /* libxml2 sets itself up on first use, which must not happen in two threads at once. */
    if (digest)
        xmlInitParser();
    for (int t = 0; t < helpers; t++)
        threads[t] = g_thread_try_new("vfpool-fetch", fetch_worker, fetch, NULL);
    fetch_worker(fetch);
    for (int t = 0; t < helpers; t++) {
        if (threads[t])
            g_thread_join(threads[t]);
    }
}

static void
fetch_clear(Fetch *fetch)
{
    for (int i = 0; i < fetch->count; i++) {
        if (fetch->results[i])
            fetch->clear(fetch->results[i]);
        g_free(fetch->messages[i]);
        if (fetch->warnings[i])
            g_ptr_array_unref(fetch->warnings[i]);
    }
    g_free(fetch->results);
    g_free(fetch->codes);
    g_free(fetch->messages);
    g_free(fetch->warnings);
}

static char *
fetch_xml(virDomainPtr dom, VfpXmlKind kind)
{
    return virDomainGetXMLDesc(dom, kind == VFP_XML_PERSISTENT ? VIR_DOMAIN_XML_INACTIVE : 0);
}

static char *
fetch_metadata(virDomainPtr dom, VfpXmlKind kind)
{
    return virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, VFP_DOMAIN_NS,
                                kind == VFP_XML_PERSISTENT ? VIR_DOMAIN_AFFECT_CONFIG
                                                           : VIR_DOMAIN_AFFECT_LIVE);
}

/* The whole XML of a domain that carries vfpool metadata: the metadata alone first, as most
 * domains carry none and cost this one small call. */
static char *
fetch_pooled_xml(virDomainPtr dom, VfpXmlKind kind)
{
    g_autofree char *metadata = fetch_metadata(dom, kind);

    return metadata ? fetch_xml(dom, kind) : NULL;
}

/* Every domain with vfpool requests (or a vfpool status): persistent definitions, or the
 * live XML of running domains; with METADATA_ONLY, only their vfpool metadata (see
 * vfp_libvirt_load_metadata). Domains whose XML vfpool cannot read are skipped with a
 * warning. */
static GPtrArray *
list_pooled(virConnectPtr conn, VfpXmlKind kind, gboolean metadata_only, GError **error)
{
    g_autoptr(GPtrArray) pooled = g_ptr_array_new_with_free_func((GDestroyNotify)vfp_domain_free);
    virDomainPtr *doms = NULL;
    int count =
        virConnectListAllDomains(conn, &doms,
                                 kind == VFP_XML_PERSISTENT ? VIR_CONNECT_LIST_DOMAINS_PERSISTENT
                                                            : VIR_CONNECT_LIST_DOMAINS_ACTIVE);
    Fetch fetch;

    if (count < 0) {
        vfp_libvirt_set_error(error, "cannot list libvirt domains");
        return NULL;
    }
    fetch_all(&fetch, doms, count, NULL, kind, metadata_only ? fetch_metadata : fetch_pooled_xml,
              NULL, free);
    for (int i = 0; i < count; i++) {
        const char *text = fetch.results[i];
        g_autoptr(GError) local = NULL;
        VfpDomain *domain = NULL;

        if (text && metadata_only)
            domain = domain_from_metadata(doms[i], text, &local);
        else if (text)
            domain = vfp_domain_parse(text, strlen(text), &local);

        if (local)
            g_warning("skipping domain '%s': %s", virDomainGetName(doms[i]), local->message);
        else if (domain && domain->requests->len == 0 && domain->status.state == VFP_STATUS_NONE)
            g_clear_pointer(&domain, vfp_domain_free);
        if (domain)
            g_ptr_array_add(pooled, domain);
        virDomainFree(doms[i]);
    }
    fetch_clear(&fetch);
    free(doms);
    return g_steal_pointer(&pooled);
}

GPtrArray *
vfp_libvirt_list_pooled(virConnectPtr conn, VfpXmlKind kind, GError **error)
{
    return list_pooled(conn, kind, FALSE, error);
}

/* The same, with their vfpool metadata only: enough for their reservations and status. */
GPtrArray *
vfp_libvirt_list_pooled_metadata(virConnectPtr conn, VfpXmlKind kind, GError **error)
{
    return list_pooled(conn, kind, TRUE, error);
}

/* The UUIDs (char *) of every running domain, whatever its XML says: a domain whose vfpool
 * metadata vfpool cannot read runs all the same, with the VFs it holds. */
GHashTable *
vfp_libvirt_running_uuids(virConnectPtr conn, GError **error)
{
    g_autoptr(GHashTable) uuids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    virDomainPtr *doms = NULL;
    int count = virConnectListAllDomains(conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);

    if (count < 0) {
        vfp_libvirt_set_error(error, "cannot list running libvirt domains");
        return NULL;
    }
    for (int i = 0; i < count; i++) {
        char uuid[VIR_UUID_STRING_BUFLEN];

        if (virDomainGetUUIDString(doms[i], uuid) == 0)
            g_hash_table_add(uuids, g_strdup(uuid));
        virDomainFree(doms[i]);
    }
    free(doms);
    return g_steal_pointer(&uuids);
}

/* address -> name of the running domain, for every PCI device a running domain but EXCEPT
 * passes through: vfpool's VFs (a running domain's device is its reservation, prepare checks
 * that) and any other, such as a plain <hostdev> written by hand. */
GHashTable *
vfp_libvirt_passed_through(virConnectPtr conn, const char *except, GError **error)
{
    g_autoptr(GHashTable) passed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    virDomainPtr *doms = NULL;
    int count = virConnectListAllDomains(conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
    Fetch fetch;

    if (count < 0) {
        vfp_libvirt_set_error(error, "cannot list running libvirt domains");
        return NULL;
    }
    /* A domain that stopped meanwhile has no live XML, and passes nothing through. */
    fetch_all(&fetch, doms, count, except, VFP_XML_LIVE, fetch_xml, NULL, free);
    for (int i = 0; i < count; i++) {
        const char *xml = fetch.results[i];
        g_autoptr(VfpDomain) domain = xml ? vfp_domain_parse(xml, strlen(xml), NULL) : NULL;
        g_autoptr(GPtrArray) sources = domain ? vfp_domain_pci_sources(domain) : NULL;

        for (guint j = 0; sources && j < sources->len; j++)
            g_hash_table_insert(passed, g_strdup(g_ptr_array_index(sources, j)),
                                g_strdup(domain->name));
        virDomainFree(doms[i]);
    }
    fetch_clear(&fetch);
    free(doms);
    return g_steal_pointer(&passed);
}

static gboolean
is_vfpool_element(xmlNode *node, const char *name)
{
    /* libvirt hands an element of metadata back without its namespace. */
    return vfp_xml_is_element(node, NULL, name) || vfp_xml_is_element(node, VFP_DOMAIN_NS, name);
}

/* The VFs (canonical addresses, char *) that DOM's vfpool METADATA, as virDomainGetMetadata
 * returns it, reserves. Other domains' reservations only keep VFs from being chosen, so only
 * their addresses are read, without the schema, which costs more than the rest of a resolve
 * when a thousand domains are defined. What the schema would refuse is still refused where
 * it matters: metadata that is not XML or has more elements than a domain may have skips the
 * domain, as its full reading does; a reservation whose address is not a PCI address is
 * passed over; an address in another spelling counts as the canonical one. Runs in fetching
 * threads: libxml2 keeps its error handler per thread. */
static gpointer
read_reservations(virDomainPtr dom, const char *metadata, GPtrArray *warnings)
{
    const char *name = virDomainGetName(dom);
    g_autoptr(GPtrArray) addresses = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) local = NULL;
    g_autoptr(xmlDoc) doc =
        vfp_xml_parse_memory("its vfpool metadata", metadata, strlen(metadata), &local);
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    guint children = 0;

    if (!doc) {
        g_ptr_array_add(warnings,
                        g_strdup_printf("skipping domain '%s': %s", name, local->message));
        return g_steal_pointer(&addresses);
    }
    if (!is_vfpool_element(root, "vfpool")) {
        g_ptr_array_add(
            warnings, g_strdup_printf("skipping domain '%s': its vfpool metadata is a <%s>, not a "
                                      "<vfpool>",
                                      name, (const char *)root->name));
        return g_steal_pointer(&addresses);
    }
    for (xmlNode *node = root->children; node; node = node->next)
        children += node->type == XML_ELEMENT_NODE;
    if (children > 2 * VFP_DOMAIN_REQUESTS_MAX) {
        g_ptr_array_add(warnings,
                        g_strdup_printf("skipping domain '%s': its vfpool metadata has %u "
                                        "elements; a domain may have at most %u requests, each "
                                        "with one reservation",
                                        name, children, VFP_DOMAIN_REQUESTS_MAX));
        return g_steal_pointer(&addresses);
    }
    for (xmlNode *node = root->children; node; node = node->next) {
        g_autofree char *text = NULL;
        char *address;

        if (!is_vfpool_element(node, "reservation"))
            continue;
        text = vfp_xml_get_prop(node, "address");
        if ((address = vfp_pci_address_normalize(text)))
            g_ptr_array_add(addresses, address);
        else
            g_ptr_array_add(warnings,
                            g_strdup_printf("domain '%s': passing over a vfpool reservation whose "
                                            "address '%.32s' is not a PCI address; fix it with "
                                            "'virsh edit %s'",
                                            name, text ? text : "", name));
    }
    return g_steal_pointer(&addresses);
}

/* Adds the reservations of every defined domain but EXCEPT to RESERVED, reading their vfpool
 * metadata alone. */
static gboolean
add_defined_reservations(virConnectPtr conn, GHashTable *reserved, const char *except,
                         GError **error)
{
    virDomainPtr *doms = NULL;
    int count = virConnectListAllDomains(conn, &doms, VIR_CONNECT_LIST_DOMAINS_PERSISTENT);
    gboolean ok = TRUE;
    Fetch fetch;

    if (count < 0) {
        vfp_libvirt_set_error(error, "cannot list libvirt domains");
        return FALSE;
    }
    fetch_all(&fetch, doms, count, except, VFP_XML_PERSISTENT, fetch_metadata, read_reservations,
              (GDestroyNotify)g_ptr_array_unref);
    for (int i = 0; i < count; i++) {
        const char *name = virDomainGetName(doms[i]);
        GPtrArray *addresses = fetch.results[i];

        for (guint j = 0; fetch.warnings[i] && j < fetch.warnings[i]->len; j++)
            g_warning("%s", (const char *)g_ptr_array_index(fetch.warnings[i], j));
        for (guint j = 0; addresses && j < addresses->len; j++)
            g_hash_table_insert(reserved, g_strdup(g_ptr_array_index(addresses, j)),
                                g_strdup(name));
        /* Without vfpool metadata, or undefined since the listing, it reserves nothing; any
         * other failure could hide a reservation. */
        if (ok && fetch.messages[i] && fetch.codes[i] != VIR_ERR_NO_DOMAIN_METADATA &&
            fetch.codes[i] != VIR_ERR_NO_DOMAIN) {
            g_set_error(error, VFP_ERROR, VFP_ERROR_FAILED,
                        "cannot read the vfpool metadata of domain '%s' to see which VFs it "
                        "reserves (%s); run the command again once libvirt answers",
                        name, fetch.messages[i]);
            ok = FALSE;
        }
        virDomainFree(doms[i]);
    }
    fetch_clear(&fetch);
    free(doms);
    return ok;
}

/* address -> name of the domain reserving or using it, for every defined or running domain
 * but EXCEPT: what selection must not hand out again. DEFINED, when the caller listed the
 * pooled definitions already (vfp_libvirt_list_pooled_metadata), spares listing them again; else
 * their metadata alone is read, for the reservations only. */
GHashTable *
vfp_libvirt_reservations(virConnectPtr conn, GPtrArray *defined, const char *except, GError **error)
{
    g_autoptr(GHashTable) reserved = vfp_libvirt_passed_through(conn, except, error);

    if (!reserved)
        return NULL;
    if (!defined)
        return add_defined_reservations(conn, reserved, except, error) ? g_steal_pointer(&reserved)
                                                                       : NULL;
    for (guint i = 0; i < defined->len; i++) {
        const VfpDomain *domain = g_ptr_array_index(defined, i);

        if (g_strcmp0(domain->name, except) == 0)
            continue;
        for (guint j = 0; j < domain->reservations->len; j++) {
            const VfpReservation *reservation = g_ptr_array_index(domain->reservations, j);

            g_hash_table_insert(reserved, g_strdup(reservation->address), g_strdup(domain->name));
        }
    }
    return g_steal_pointer(&reserved);
}

/* Writes DOMAIN as the persistent definition. */
gboolean
vfp_libvirt_define(virConnectPtr conn, VfpDomain *domain, GError **error)
{
    g_autofree char *xml = vfp_domain_to_string(domain);
    virDomainPtr defined = virDomainDefineXML(conn, xml);

    if (!defined) {
        vfp_libvirt_set_error(error, "domain '%s': libvirt refused the resolved definition",
                              domain->name);
        return FALSE;
    }
    virDomainFree(defined);
    return TRUE;
}

void
vfp_resolution_free(VfpResolution *resolution)
{
    if (!resolution)
        return;
    g_clear_pointer(&resolution->choices, g_ptr_array_unref);
    vfp_domain_free(resolution->domain);
    g_free(resolution);
}

/* Chooses VFs for DOM's requests and writes devices and reservations into its persistent
 * definition, when they change; a status it had (waiting, released) goes. What SHARED (may be
 * NULL) lacks is read afresh: the other domains' reservations from libvirt, the pools and
 * sysfs. */
VfpResolution *
vfp_libvirt_resolve(virConnectPtr conn, virDomainPtr dom, const VfpResolveShared *shared,
                    GError **error)
{
    g_autoptr(VfpResolution) resolution = g_new0(VfpResolution, 1);
    g_autoptr(GPtrArray) pools = NULL;
    g_autoptr(VfpLedger) ledger = NULL;
    g_autoptr(GHashTable) reserved = NULL;
    g_autoptr(VfpHost) own_host = NULL;
    g_autoptr(VfpLock) resolve_lock = NULL;
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;
    VfpHost *host = shared && shared->host ? shared->host : (own_host = vfp_host_new());
    VfpSelectContext context;
    VfpDomain *domain;

    domain = resolution->domain = vfp_libvirt_load(dom, VFP_XML_PERSISTENT, error);
    if (!domain)
        return NULL;
    if (domain->requests->len == 0) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                    "domain '%s' has no vfpool:vf request in its <metadata>; add one (see "
                    "vfpool(1))",
                    domain->name);
        return NULL;
    }
    /* Resolvers exclude each other with their own lock; the ledger is only read, and never
     * while calling libvirt: a starting domain's hook may be waiting for it while libvirt
     * holds that domain. */
    if (!(resolve_lock = vfp_state_lock("resolve.lock", VFP_LOCK_EXCLUSIVE, error)) ||
        !(reserved = shared && shared->reserved
                         ? g_hash_table_ref(shared->reserved)
                         : vfp_libvirt_reservations(conn, NULL, domain->name, error)) ||
        !(pools = shared && shared->pools ? g_ptr_array_ref(shared->pools)
                                          : vfp_pool_load_all(error)) ||
        !(ledger = vfp_ledger_open(VFP_LEDGER_READ, error)))
        return NULL;
    context = (VfpSelectContext){host, pools, ledger, reserved};
    resolution->choices = vfp_select_resolve(&context, domain, error);
    g_clear_pointer(&ledger, vfp_ledger_free);
    before = vfp_domain_to_string(domain);
    if (!resolution->choices || !vfp_select_apply(domain, resolution->choices, FALSE, error))
        return NULL;
    vfp_domain_set_status(domain, VFP_STATUS_NONE, NULL);
    after = vfp_domain_to_string(domain);
    if (!g_str_equal(before, after)) {
        if (!vfp_libvirt_define(conn, domain, error))
            return NULL;
        resolution->changed = TRUE;
    }
    return g_steal_pointer(&resolution);
}

/* Drops the reservations of a stopped domain so other domains can have its VFs; its devices
 * keep their last addresses until it is resolved again, which vfpoold leaves to the user
 * (the released status says so) unless a VF nobody waits for frees up later. */
gboolean
vfp_libvirt_release(virConnectPtr conn, virDomainPtr dom, guint *dropped, GError **error)
{
    g_autoptr(VfpDomain) domain = NULL;
    g_autofree char *message = NULL;

    if (virDomainIsActive(dom) == 1) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_BUSY,
                    "domain '%s' is running and holds its VFs; stop it first ('virsh shutdown "
                    "%s')",
                    virDomainGetName(dom), virDomainGetName(dom));
        return FALSE;
    }
    domain = vfp_libvirt_load(dom, VFP_XML_PERSISTENT, error);
    if (!domain)
        return FALSE;
    *dropped = domain->reservations->len;
    if (*dropped == 0)
        return TRUE;
    vfp_domain_clear_reservations(domain);
    message = g_strdup_printf("'vfpool release' gave its VFs to other domains; run 'vfpool "
                              "resolve %s' or 'vfpool start %s' to get VFs again",
                              domain->name, domain->name);
    vfp_domain_set_status(domain, VFP_STATUS_RELEASED, message);
    return vfp_libvirt_define(conn, domain, error);
}
