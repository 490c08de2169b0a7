/* Parsing vfpool requests out of domain XML and writing resolved devices back into it. */
#include "config.h"

#include <libxml/parser.h>
#include <string.h>

#include "vfp-address.h"
#include "vfp-domain.h"
#include "vfp-error.h"
#include "vfp-xml.h"

static void
vfp_request_free(VfpRequest *request)
{
    g_free(request->alias);
    g_free(request->pool);
    vfp_vf_config_clear(&request->config);
    g_free(request);
}

static void
vfp_reservation_free(VfpReservation *reservation)
{
    g_free(reservation->alias);
    g_free(reservation->address);
    g_free(reservation->pf);
    g_free(reservation);
}

static void
domain_free_contents(VfpDomain *domain)
{
    xmlFreeDoc(domain->doc);
    g_free(domain->name);
    g_free(domain->uuid);
    g_clear_pointer(&domain->requests, g_ptr_array_unref);
    g_clear_pointer(&domain->reservations, g_ptr_array_unref);
    g_clear_pointer(&domain->numa_nodes, g_array_unref);
    g_clear_pointer(&domain->status.message, g_free);
}

void
vfp_domain_free(VfpDomain *domain)
{
    if (!domain)
        return;
    domain_free_contents(domain);
    g_free(domain);
}

static char *
child_text(xmlNode *parent, const char *name)
{
    xmlNode *node = vfp_xml_first_child(parent, NULL, name);
    g_autoptr(xmlChar) content = node ? xmlNodeGetContent(node) : NULL;

    return content ? g_strstrip(g_strdup((const char *)content)) : NULL;
}

/* libvirt's nodeset syntax: "0", "0-3", "0,2", "0-3,^2". Kept as a set of at most
 * VFP_NUMA_NODES_MAX nodes, so no nodeset costs more than that. */
static gboolean
parse_nodeset(const char *text, GArray *nodes)
{
    g_auto(GStrv) parts = NULL;
    gboolean in_set[VFP_NUMA_NODES_MAX] = {FALSE};

    if (strlen(text) > VFP_NODESET_MAX_LENGTH)
        return FALSE;
    parts = g_strsplit(text, ",", -1);
    for (guint i = 0; parts[i]; i++) {
        const char *part = g_strstrip(parts[i]);
        gboolean exclude = part[0] == '^';
        guint64 first, last;
        char *end = NULL;

        part += exclude;
        first = g_ascii_strtoull(part, &end, 10);
        if (end == part || !g_ascii_isdigit(*part))
            return FALSE;
        last = first;
        if (*end == '-' && !exclude) {
            const char *start = end + 1;

            last = g_ascii_strtoull(start, &end, 10);
            if (end == start || !g_ascii_isdigit(*start))
                return FALSE;
        }
        if (*end || last < first || last >= VFP_NUMA_NODES_MAX)
            return FALSE;
        for (guint64 node = first; node <= last; node++)
            in_set[node] = !exclude;
    }
    for (int node = 0; node < VFP_NUMA_NODES_MAX; node++) {
        if (in_set[node])
            g_array_append_val(nodes, node);
    }
    return TRUE;
}

static gboolean
parse_request(VfpDomain *domain, xmlNode *node, GError **error)
{
    VfpRequest *request = g_new0(VfpRequest, 1);
    g_autofree char *numa = NULL;
    g_autofree char *what = NULL;

    vfp_vf_config_init(&request->config);
    request->numa_node = -1;
    request->alias = vfp_xml_get_prop(node, "alias");
    request->pool = vfp_xml_get_prop(node, "pool");
    g_ptr_array_add(domain->requests, request);

    what = g_strdup_printf("domain '%s': vf '%s'", domain->name, request->alias);
    if (!vfp_vf_config_read(&request->config, node, what, error))
        return FALSE;
    numa = vfp_xml_get_prop(node, "numa");
    if (numa)
        request->numa_node = g_ascii_strtoull(numa, NULL, 10);
    return TRUE;
}

static unsigned int
hex_prop(xmlNode *node, const char *name)
{
    g_autofree char *text = vfp_xml_get_prop(node, name);

    return text ? g_ascii_strtoull(text, NULL, 0) : 0;
}

static void
parse_reservation(VfpDomain *domain, xmlNode *node)
{
    VfpReservation *reservation = g_new0(VfpReservation, 1);
    g_autofree char *index = vfp_xml_get_prop(node, "index");

    reservation->alias = vfp_xml_get_prop(node, "alias");
    reservation->address = vfp_xml_get_prop(node, "address");
    reservation->pf = vfp_xml_get_prop(node, "pf");
    reservation->index = g_ascii_strtoull(index, NULL, 10);
    reservation->vendor_id = hex_prop(node, "vendor");
    reservation->device_id = hex_prop(node, "device");
    reservation->hotplug_pending = xmlHasProp(node, (const xmlChar *)"hotplug") != NULL;
    g_ptr_array_add(domain->reservations, reservation);
}

/* Requests and reservations must pair up one to one and name distinct VFs: two requests on
 * one alias would share a device, two reservations of one VF would take it twice. */
static gboolean
check_unique(const VfpDomain *domain, GError **error)
{
    g_autoptr(GHashTable) aliases = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GHashTable) reserved = g_hash_table_new(g_str_hash, g_str_equal);

    for (guint i = 0; i < domain->requests->len; i++) {
        const VfpRequest *request = g_ptr_array_index(domain->requests, i);

        if (!g_hash_table_add(aliases, request->alias)) {
            g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                        "domain '%s': alias '%s' is used by two vfpool:vf requests; give each "
                        "request its own ua- alias",
                        domain->name, request->alias);
            return FALSE;
        }
    }
    g_hash_table_remove_all(aliases);
    for (guint i = 0; i < domain->reservations->len; i++) {
        const VfpReservation *reservation = g_ptr_array_index(domain->reservations, i);
        const char *other = g_hash_table_lookup(reserved, reservation->address);

        if (!g_hash_table_add(aliases, reservation->alias)) {
            g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                        "domain '%s': two vfpool reservations for alias '%s'; remove both with "
                        "'virsh edit %s', then run 'vfpool resolve %s'",
                        domain->name, reservation->alias, domain->name, domain->name);
            return FALSE;
        }
        if (other) {
            g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                        "domain '%s': vf '%s' and vf '%s' both reserve VF %s; remove their "
                        "vfpool:reservation elements with 'virsh edit %s', then run 'vfpool "
                        "resolve %s'",
                        domain->name, other, reservation->alias, reservation->address, domain->name,
                        domain->name);
            return FALSE;
        }
        g_hash_table_insert(reserved, reservation->address, reservation->alias);
    }
    return TRUE;
}

/* Before anything costs more than a walk over the children: a domain cannot hold more PCI
 * devices than this, and the hook must not be made to spend time on more. */
static gboolean
check_size(const VfpDomain *domain, xmlNode *vfpool, GError **error)
{
    guint children = 0, requests = 0;

    for (xmlNode *node = vfpool->children; node; node = node->next) {
        children += node->type == XML_ELEMENT_NODE;
        requests += vfp_xml_is_element(node, VFP_DOMAIN_NS, "vf");
    }
    if (requests > VFP_DOMAIN_REQUESTS_MAX || children > 2 * VFP_DOMAIN_REQUESTS_MAX) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                    "domain '%s': its vfpool metadata has %u elements (%u vfpool:vf requests); "
                    "a domain may have at most %u requests, each with one reservation: remove "
                    "the extra ones",
                    domain->name, children, requests, VFP_DOMAIN_REQUESTS_MAX);
        return FALSE;
    }
    return TRUE;
}

static xmlNode *
find_metadata(xmlNode *root)
{
    xmlNode *metadata = vfp_xml_first_child(root, NULL, "metadata");

    return vfp_xml_first_child(metadata, VFP_DOMAIN_NS, "vfpool");
}

static gboolean
parse_metadata(VfpDomain *domain, xmlNode *vfpool, GError **error)
{
    g_autoptr(xmlDoc) copy = xmlNewDoc((const xmlChar *)"1.0");
    g_autofree char *what = g_strdup_printf("domain '%s': vfpool metadata", domain->name);

    /* Validate the vfpool subtree alone: the rest belongs to libvirt's own schema. */
    if (!check_size(domain, vfpool, error))
        return FALSE;
    xmlDocSetRootElement(copy, xmlDocCopyNode(vfpool, copy, 1));
    if (!vfp_xml_validate(copy, "domain-metadata.rng", what, error))
        return FALSE;
    for (xmlNode *node = vfpool->children; node; node = node->next) {
        if (vfp_xml_is_element(node, VFP_DOMAIN_NS, "vf")) {
            if (!parse_request(domain, node, error))
                return FALSE;
        } else if (vfp_xml_is_element(node, VFP_DOMAIN_NS, "reservation")) {
            parse_reservation(domain, node);
        } else if (vfp_xml_is_element(node, VFP_DOMAIN_NS, "status")) {
            vfp_domain_status_read(domain, node);
        }
    }
    return check_unique(domain, error);
}

/* Takes DOC, also on failure. */
static VfpDomain *
domain_from_doc(xmlDoc *doc, GError **error)
{
    g_autoptr(VfpDomain) domain = g_new0(VfpDomain, 1);
    xmlNode *root = xmlDocGetRootElement(doc);

    domain->doc = doc;
    xmlNode *vfpool;
    xmlNode *numatune;

    domain->requests = g_ptr_array_new_with_free_func((GDestroyNotify)vfp_request_free);
    domain->reservations = g_ptr_array_new_with_free_func((GDestroyNotify)vfp_reservation_free);
    domain->numa_nodes = g_array_new(FALSE, FALSE, sizeof(int));
    if (!vfp_xml_is_element(root, NULL, "domain")) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                    "the XML is a <%s>, not a libvirt <domain>", (const char *)root->name);
        return NULL;
    }
    domain->name = child_text(root, "name");
    domain->uuid = child_text(root, "uuid");
    if (!domain->name || !*domain->name) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID, "the domain XML has no <name>");
        return NULL;
    }

    numatune = vfp_xml_first_child(vfp_xml_first_child(root, NULL, "numatune"), NULL, "memory");
    if (numatune) {
        g_autofree char *nodeset = vfp_xml_get_prop(numatune, "nodeset");

        if (nodeset && !parse_nodeset(nodeset, domain->numa_nodes)) {
            g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                        "domain '%s': numatune nodeset '%.64s%s' is not a node list like 0-1,3 "
                        "of nodes below %d",
                        domain->name, nodeset, strlen(nodeset) > 64 ? "..." : "",
                        VFP_NUMA_NODES_MAX);
            return NULL;
        }
    }

    vfpool = find_metadata(root);
    if (vfpool && !parse_metadata(domain, vfpool, error))
        return NULL;
    return g_steal_pointer(&domain);
}

VfpDomain *
vfp_domain_parse(const char *xml, gsize length, GError **error)
{
    xmlDoc *doc = vfp_xml_parse_memory("the domain XML", xml, length, error);

    return doc ? domain_from_doc(doc, error) : NULL;
}

VfpDomain *
vfp_domain_parse_file(const char *path, GError **error)
{
    xmlDoc *doc = vfp_xml_parse_file(path, error);

    return doc ? domain_from_doc(doc, error) : NULL;
}

/* What claims in the ledger are keyed by: the UUID, or the name for XML without one. */
const char *
vfp_domain_key(const VfpDomain *domain)
{
    return domain->uuid ? domain->uuid : domain->name;
}

/* The NUMA node a request asks for: its own numa=, else the first node of <numatune>. */
int
vfp_domain_request_numa(const VfpDomain *domain, const VfpRequest *request)
{
    if (request->numa_node >= 0)
        return request->numa_node;
    if (domain->numa_nodes->len > 0)
        return g_array_index(domain->numa_nodes, int, 0);
    return -1;
}

/* Whether a VF on NODE is local for REQUEST: numa= names one node, <numatune> a set. */
gboolean
vfp_domain_numa_allows(const VfpDomain *domain, const VfpRequest *request, int node)
{
    if (request->numa_node >= 0)
        return node == request->numa_node;
    for (guint i = 0; i < domain->numa_nodes->len; i++) {
        if (g_array_index(domain->numa_nodes, int, i) == node)
            return TRUE;
    }
    return FALSE;
}

const VfpRequest *
vfp_domain_find_request(const VfpDomain *domain, const char *alias)
{
    for (guint i = 0; i < domain->requests->len; i++) {
        const VfpRequest *request = g_ptr_array_index(domain->requests, i);

        if (g_str_equal(request->alias, alias))
            return request;
    }
    return NULL;
}

VfpReservation *
vfp_domain_find_reservation(const VfpDomain *domain, const char *alias)
{
    for (guint i = 0; i < domain->reservations->len; i++) {
        VfpReservation *reservation = g_ptr_array_index(domain->reservations, i);

        if (g_strcmp0(reservation->alias, alias) == 0)
            return reservation;
    }
    return NULL;
}

/* ---- rewriting ----------------------------------------------------------------------------- */

static xmlNode *
find_device_by_alias(xmlNode *devices, const char *alias)
{
    for (xmlNode *device = devices ? devices->children : NULL; device; device = device->next) {
        xmlNode *alias_node = vfp_xml_first_child(device, NULL, "alias");
        g_autofree char *name = alias_node ? vfp_xml_get_prop(alias_node, "name") : NULL;

        if (device->type == XML_ELEMENT_NODE && g_strcmp0(name, alias) == 0)
            return device;
    }
    return NULL;
}

static gboolean
device_is_network_vf(xmlNode *device)
{
    g_autofree char *type = vfp_xml_get_prop(device, "type");

    return vfp_xml_is_element(device, NULL, "interface") && g_strcmp0(type, "hostdev") == 0;
}

static gboolean
device_is_pci_hostdev(xmlNode *device)
{
    g_autofree char *mode = vfp_xml_get_prop(device, "mode");
    g_autofree char *type = vfp_xml_get_prop(device, "type");

    return vfp_xml_is_element(device, NULL, "hostdev") && g_strcmp0(mode, "subsystem") == 0 &&
           g_strcmp0(type, "pci") == 0;
}

static char *
source_address_snippet(const VfpPciAddress *pci, gboolean network)
{
    /* libvirt writes type='pci' inside <interface><source>, and no type inside <hostdev>. */
    return g_strdup_printf("<address%s domain='0x%04x' bus='0x%02x' slot='0x%02x' "
                           "function='0x%x'/>",
                           network ? " type='pci'" : "", pci->domain, pci->bus, pci->slot,
                           pci->function);
}

static char *
new_device_snippet(const VfpAssignment *assignment, const VfpPciAddress *pci)
{
    const VfpRequest *request = assignment->request;
    g_autofree char *address = source_address_snippet(pci, assignment->network);
    GString *xml = g_string_new(NULL);
    const char *managed = assignment->managed ? "yes" : "no";

    if (assignment->network) {
        g_string_append_printf(xml, "<interface type='hostdev' managed='%s'>\n", managed);
        if (request->config.mac)
            g_string_append_printf(xml, "  <mac address='%s'/>\n", request->config.mac);
        g_string_append(xml, "  <driver name='vfio'/>\n");
        g_string_append_printf(xml, "  <source>\n    %s\n  </source>\n", address);
        if (request->config.vlan >= 0)
            g_string_append_printf(xml, "  <vlan>\n    <tag id='%d'/>\n  </vlan>\n",
                                   request->config.vlan);
        g_string_append_printf(xml, "  <alias name='%s'/>\n</interface>", request->alias);
    } else {
        g_string_append_printf(xml, "<hostdev mode='subsystem' type='pci' managed='%s'>\n",
                               managed);
        g_string_append(xml, "  <driver name='vfio'/>\n");
        g_string_append_printf(xml, "  <source>\n    %s\n  </source>\n", address);
        g_string_append_printf(xml, "  <alias name='%s'/>\n</hostdev>", request->alias);
    }
    return g_string_free(xml, FALSE);
}

static void
set_address_props(xmlNode *address, const VfpPciAddress *pci)
{
    g_autofree char *domain = g_strdup_printf("0x%04x", pci->domain);
    g_autofree char *bus = g_strdup_printf("0x%02x", pci->bus);
    g_autofree char *slot = g_strdup_printf("0x%02x", pci->slot);
    g_autofree char *function = g_strdup_printf("0x%x", pci->function);

    xmlSetProp(address, (const xmlChar *)"domain", (const xmlChar *)domain);
    xmlSetProp(address, (const xmlChar *)"bus", (const xmlChar *)bus);
    xmlSetProp(address, (const xmlChar *)"slot", (const xmlChar *)slot);
    xmlSetProp(address, (const xmlChar *)"function", (const xmlChar *)function);
}

/* Points an existing device at the new VF, keeping everything the user wrote around it. */
static void
update_device(xmlNode *device, const VfpAssignment *assignment, const VfpPciAddress *pci)
{
    const VfpRequest *request = assignment->request;
    xmlNode *source = vfp_xml_first_child(device, NULL, "source");
    xmlNode *address;

    if (!xmlHasProp(device, (const xmlChar *)"managed"))
        xmlSetProp(device, (const xmlChar *)"managed",
                   (const xmlChar *)(assignment->managed ? "yes" : "no"));
    if (!source) {
        xmlNode *alias = vfp_xml_first_child(device, NULL, "alias");

        source = vfp_xml_insert_snippet(device, alias, "<source/>");
    }
    address = vfp_xml_first_child(source, NULL, "address");
    if (address) {
        set_address_props(address, pci);
    } else {
        g_autofree char *snippet = source_address_snippet(pci, assignment->network);

        vfp_xml_insert_snippet(source, NULL, snippet);
    }

    if (!assignment->network)
        return;
    if (request->config.mac) {
        xmlNode *mac = vfp_xml_first_child(device, NULL, "mac");

        if (mac)
            xmlSetProp(mac, (const xmlChar *)"address", (const xmlChar *)request->config.mac);
        else {
            g_autofree char *snippet = g_strdup_printf("<mac address='%s'/>", request->config.mac);

            vfp_xml_insert_snippet(device, source, snippet);
        }
    }
    if (request->config.vlan >= 0) {
        xmlNode *vlan = vfp_xml_first_child(device, NULL, "vlan");
        g_autofree char *snippet =
            g_strdup_printf("<vlan>\n  <tag id='%d'/>\n</vlan>", request->config.vlan);

        vfp_xml_insert_snippet(device, vlan ? vlan : vfp_xml_first_child(device, NULL, "alias"),
                               snippet);
        if (vlan)
            vfp_xml_remove_node(vlan);
    }
}

static gboolean
apply_device(VfpDomain *domain, xmlNode *devices, const VfpAssignment *assignment, GError **error)
{
    const char *alias = assignment->request->alias;
    xmlNode *device = find_device_by_alias(devices, alias);
    VfpPciAddress pci;
    g_autofree char *snippet = NULL;

    if (!vfp_pci_address_parse(assignment->address, &pci)) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID, "domain '%s': '%s' is not a PCI address",
                    domain->name, assignment->address);
        return FALSE;
    }
    if (device && ((assignment->network && device_is_network_vf(device)) ||
                   (!assignment->network && device_is_pci_hostdev(device)))) {
        update_device(device, assignment, &pci);
        return TRUE;
    }
    if (device && !device_is_network_vf(device) && !device_is_pci_hostdev(device)) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                    "domain '%s': alias '%s' names a <%s>, not a VF device; rename that "
                    "device's alias or the vfpool:vf request",
                    domain->name, alias, (const char *)device->name);
        return FALSE;
    }
    /* No device yet, or one of the other kind (the pool's VFs changed from network VFs to
     * others): write the device libvirt needs for this VF, where the old one stood. */
    snippet = new_device_snippet(assignment, &pci);
    if (!vfp_xml_insert_snippet(devices, device, snippet)) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_FAILED, "domain '%s': cannot add device '%s'",
                    domain->name, alias);
        return FALSE;
    }
    if (device)
        vfp_xml_remove_node(device);
    return TRUE;
}

static void
write_reservations(VfpDomain *domain, const VfpAssignment *assignments, guint count)
{
    xmlNode *vfpool = find_metadata(xmlDocGetRootElement(domain->doc));
    xmlNs *ns = xmlSearchNsByHref(domain->doc, vfpool, (const xmlChar *)VFP_DOMAIN_NS);
    const char *prefix = ns && ns->prefix ? (const char *)ns->prefix : NULL;
    xmlNode *node = vfpool->children;

    while (node) {
        xmlNode *next = node->next;

        if (vfp_xml_is_element(node, VFP_DOMAIN_NS, "reservation"))
            vfp_xml_remove_node(node);
        node = next;
    }
    g_ptr_array_set_size(domain->reservations, 0);
    for (guint i = 0; i < count; i++) {
        const VfpAssignment *assignment = &assignments[i];
        VfpReservation *reservation = g_new0(VfpReservation, 1);
        g_autofree char *model = assignment->vendor_id
                                     ? g_strdup_printf(" vendor='0x%04x' device='0x%04x'",
                                                       assignment->vendor_id, assignment->device_id)
                                     : NULL;
        g_autofree char *snippet = g_strdup_printf(
            "<%s%sreservation alias='%s' address='%s' pf='%s' index='%u'%s%s/>",
            prefix ? prefix : "", prefix ? ":" : "", assignment->request->alias,
            assignment->address, assignment->pf, assignment->index, model ? model : "",
            assignment->hotplug_pending ? " hotplug='pending'" : "");

        vfp_xml_insert_snippet(vfpool, NULL, snippet);
        reservation->alias = g_strdup(assignment->request->alias);
        reservation->address = g_strdup(assignment->address);
        reservation->pf = g_strdup(assignment->pf);
        reservation->index = assignment->index;
        reservation->vendor_id = assignment->vendor_id;
        reservation->device_id = assignment->device_id;
        reservation->hotplug_pending = assignment->hotplug_pending;
        g_ptr_array_add(domain->reservations, reservation);
    }
}

void
vfp_device_info_clear(VfpDeviceInfo *info)
{
    g_clear_pointer(&info->address, g_free);
    info->found = FALSE;
}

static char *
source_address(xmlNode *device)
{
    xmlNode *source = vfp_xml_first_child(device, NULL, "source");
    xmlNode *address = vfp_xml_first_child(source, NULL, "address");
    VfpPciAddress pci;

    if (!address)
        return NULL;
    pci = (VfpPciAddress){hex_prop(address, "domain"), hex_prop(address, "bus"),
                          hex_prop(address, "slot"), hex_prop(address, "function")};
    return vfp_pci_address_format(&pci);
}

/* The host PCI addresses of every PCI device passed through to the domain, vfpool's or not. */
GPtrArray *
vfp_domain_pci_sources(const VfpDomain *domain)
{
    xmlNode *devices = vfp_xml_first_child(xmlDocGetRootElement(domain->doc), NULL, "devices");
    GPtrArray *addresses = g_ptr_array_new_with_free_func(g_free);

    for (xmlNode *device = devices ? devices->children : NULL; device; device = device->next) {
        char *address;

        if ((device_is_network_vf(device) || device_is_pci_hostdev(device)) &&
            (address = source_address(device)))
            g_ptr_array_add(addresses, address);
    }
    return addresses;
}

static void
device_info(xmlNode *device, VfpDeviceInfo *info)
{
    g_autofree char *managed = NULL;

    memset(info, 0, sizeof(*info));
    if (!device || !(device_is_network_vf(device) || device_is_pci_hostdev(device)))
        return;
    info->found = TRUE;
    info->network = device_is_network_vf(device);
    managed = vfp_xml_get_prop(device, "managed");
    info->managed = g_strcmp0(managed, "yes") == 0;
    info->address = source_address(device);
}

/* What the device with user alias ALIAS looks like: its kind, managed flag and VF address. */
void
vfp_domain_get_device(const VfpDomain *domain, const char *alias, VfpDeviceInfo *info)
{
    xmlNode *root = xmlDocGetRootElement(domain->doc);

    device_info(find_device_by_alias(vfp_xml_first_child(root, NULL, "devices"), alias), info);
}

/* The same for a device on its own, as vfp_domain_device_to_string() wrote it. */
void
vfp_device_info_from_xml(const char *xml, VfpDeviceInfo *info)
{
    g_autoptr(xmlDoc) doc = vfp_xml_parse_memory("the device XML", xml, strlen(xml), NULL);

    device_info(doc ? xmlDocGetRootElement(doc) : NULL, info);
}

void
vfp_domain_clear_reservations(VfpDomain *domain)
{
    if (find_metadata(xmlDocGetRootElement(domain->doc)))
        write_reservations(domain, NULL, 0);
}

/* Writes ASSIGNMENTS (one per request) into the devices and the reservations. */
gboolean
vfp_domain_apply(VfpDomain *domain, const VfpAssignment *assignments, guint count, GError **error)
{
    xmlNode *root = xmlDocGetRootElement(domain->doc);
    xmlNode *devices = vfp_xml_first_child(root, NULL, "devices");

    if (!find_metadata(root)) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                    "domain '%s' has no vfpool metadata to resolve", domain->name);
        return FALSE;
    }
    if (!devices)
        devices = vfp_xml_insert_snippet(root, NULL, "<devices>\n</devices>");
    for (guint i = 0; i < count; i++) {
        if (!assignments[i].hotplug_pending &&
            !apply_device(domain, devices, &assignments[i], error))
            return FALSE;
    }
    write_reservations(domain, assignments, count);
    return TRUE;
}

/* The <vfpool:vfpool> element of the metadata, or NULL. */
xmlNode *
vfp_domain_metadata_node(const VfpDomain *domain)
{
    return find_metadata(xmlDocGetRootElement(domain->doc));
}

char *
vfp_domain_to_string(const VfpDomain *domain)
{
    return vfp_xml_to_string(domain->doc);
}

/* ---- editing one request, for hot-plug ----------------------------------------------------- */

/* The XML of NODE alone, namespaces declared in it: what libvirt's device and metadata calls
 * take. */
static char *
node_to_string(xmlNode *node)
{
    g_autoptr(xmlDoc) copy = xmlNewDoc((const xmlChar *)"1.0");

    xmlDocSetRootElement(copy, xmlDocCopyNode(node, copy, 1));
    return g_strstrip(vfp_xml_to_string(copy));
}

/* The device of ALIAS as libvirt's attach/detach calls want it; without its guest-side
 * <address> unless KEEP_GUEST_ADDRESS, so that libvirt picks a free slot. */
char *
vfp_domain_device_to_string(const VfpDomain *domain, const char *alias, gboolean keep_guest_address)
{
    xmlNode *root = xmlDocGetRootElement(domain->doc);
    xmlNode *device = find_device_by_alias(vfp_xml_first_child(root, NULL, "devices"), alias);
    g_autoptr(xmlDoc) copy = NULL;
    xmlNode *address;

    if (!device)
        return NULL;
    copy = xmlNewDoc((const xmlChar *)"1.0");
    xmlDocSetRootElement(copy, xmlDocCopyNode(device, copy, 1));
    address = vfp_xml_first_child(xmlDocGetRootElement(copy), NULL, "address");
    if (address && !keep_guest_address)
        vfp_xml_remove_node(address);
    return g_strstrip(vfp_xml_to_string(copy));
}

/* Puts NODE and its descendants in the vfpool namespace into NS, and drops the prefixed
 * declarations of that namespace. */
static void
use_default_namespace(xmlNode *node, xmlNs *ns)
{
    xmlNs **link = &node->nsDef;

    if (node->ns && g_strcmp0((const char *)node->ns->href, VFP_DOMAIN_NS) == 0)
        node->ns = ns;
    /* Children first: they may point at this node's declarations. */
    for (xmlNode *child = node->children; child; child = child->next) {
        if (child->type == XML_ELEMENT_NODE)
            use_default_namespace(child, ns);
    }
    while (*link) {
        xmlNs *def = *link;

        if (def != ns && g_strcmp0((const char *)def->href, VFP_DOMAIN_NS) == 0) {
            *link = def->next;
            def->next = NULL;
            xmlFreeNs(def);
        } else {
            link = &def->next;
        }
    }
}

/* The vfpool element of the metadata, for virDomainSetMetadata(); NULL when there is none.
 * libvirt declares the vfpool: prefix on the element itself and refuses one declared
 * already, so the namespace is given as the default one, which the children keep. */
char *
vfp_domain_metadata_to_string(const VfpDomain *domain)
{
    xmlNode *vfpool = find_metadata(xmlDocGetRootElement(domain->doc));
    g_autoptr(xmlDoc) copy = NULL;
    xmlNode *root;

    if (!vfpool)
        return NULL;
    copy = xmlNewDoc((const xmlChar *)"1.0");
    root = xmlDocCopyNode(vfpool, copy, 1);
    xmlDocSetRootElement(copy, root);
    use_default_namespace(root, xmlNewNs(root, (const xmlChar *)VFP_DOMAIN_NS, NULL));
    return g_strstrip(vfp_xml_to_string(copy));
}

static xmlNode *
find_metadata_child(xmlNode *vfpool, const char *name, const char *alias)
{
    for (xmlNode *node = vfpool ? vfpool->children : NULL; node; node = node->next) {
        g_autofree char *value = NULL;

        if (!vfp_xml_is_element(node, VFP_DOMAIN_NS, name))
            continue;
        value = vfp_xml_get_prop(node, "alias");
        if (g_strcmp0(value, alias) == 0)
            return node;
    }
    return NULL;
}

/* Reparses the edited document, so the requests and reservations follow it. */
static gboolean
domain_reload(VfpDomain *domain, GError **error)
{
    g_autofree char *xml = vfp_domain_to_string(domain);
    g_autoptr(VfpDomain) fresh = vfp_domain_parse(xml, strlen(xml), error);

    if (!fresh)
        return FALSE;
    domain_free_contents(domain);
    *domain = *fresh;
    g_free(g_steal_pointer(&fresh));
    return TRUE;
}

/* Points the device and the reservation of one request at ASSIGNMENT's VF, leaving the
 * others as they are. */
gboolean
vfp_domain_set_reservation(VfpDomain *domain, const VfpAssignment *assignment, GError **error)
{
    xmlNode *root = xmlDocGetRootElement(domain->doc);
    xmlNode *devices = vfp_xml_first_child(root, NULL, "devices");
    g_autoptr(GArray) assignments = g_array_new(FALSE, FALSE, sizeof(VfpAssignment));
    g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func(g_free);

    if (!find_metadata(root) || !devices) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                    "domain '%s' has no vfpool metadata or no devices", domain->name);
        return FALSE;
    }
    for (guint i = 0; i < domain->reservations->len; i++) {
        const VfpReservation *reservation = g_ptr_array_index(domain->reservations, i);
        VfpAssignment other = {0};

        if (g_str_equal(reservation->alias, assignment->request->alias) ||
            !(other.request = vfp_domain_find_request(domain, reservation->alias)))
            continue;
        /* write_reservations() frees the reservations these point into. */
        other.address = g_strdup(reservation->address);
        other.pf = g_strdup(reservation->pf);
        g_ptr_array_add(kept, (char *)other.address);
        g_ptr_array_add(kept, (char *)other.pf);
        other.index = reservation->index;
        other.vendor_id = reservation->vendor_id;
        other.device_id = reservation->device_id;
        other.hotplug_pending = reservation->hotplug_pending;
        g_array_append_val(assignments, other);
    }
    g_array_append_val(assignments, *assignment);
    if (!assignment->hotplug_pending && !apply_device(domain, devices, assignment, error))
        return FALSE;
    write_reservations(domain, (const VfpAssignment *)assignments->data, assignments->len);
    return domain_reload(domain, error);
}

/* Makes DOMAIN's device and reservation for ALIAS those of FROM: the VF the running domain
 * FROM holds, for its persistent definition DOMAIN. */
gboolean
vfp_domain_copy_reservation(VfpDomain *domain, const VfpDomain *from, const char *alias,
                            GError **error)
{
    const VfpReservation *reservation = vfp_domain_find_reservation(from, alias);
    g_auto(VfpDeviceInfo) device = {0};
    VfpAssignment assignment = {0};

    vfp_domain_get_device(from, alias, &device);
    assignment.request = vfp_domain_find_request(domain, alias);
    if (!reservation || !device.found || !assignment.request) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_NOT_FOUND,
                    "domain '%s': vf '%s' has no VF and device to copy", from->name, alias);
        return FALSE;
    }
    assignment.address = reservation->address;
    assignment.pf = reservation->pf;
    assignment.index = reservation->index;
    assignment.vendor_id = reservation->vendor_id;
    assignment.device_id = reservation->device_id;
    assignment.network = device.network;
    assignment.managed = device.managed;
    return vfp_domain_set_reservation(domain, &assignment, error);
}

/* The aliases of the requests the running domain LIVE and its persistent definition CONFIG
 * both make from the same pool, where CONFIG reserves another VF than the one LIVE holds (or
 * none): a definition libvirt took from elsewhere, such as the copy a migration carries.
 * NULL when there are none. Requests only one of them makes are left alone: the user added
 * or removed them for the next start, or for this run only. */
GPtrArray *
vfp_domain_stale_reservations(const VfpDomain *config, const VfpDomain *live)
{
    GPtrArray *aliases = NULL;

    for (guint i = 0; i < live->requests->len; i++) {
        const VfpRequest *request = g_ptr_array_index(live->requests, i);
        const VfpRequest *planned = vfp_domain_find_request(config, request->alias);
        const VfpReservation *held = vfp_domain_find_reservation(live, request->alias);
        const VfpReservation *reserved = vfp_domain_find_reservation(config, request->alias);
        g_auto(VfpDeviceInfo) device = {0};

        if (!held || !planned || g_strcmp0(planned->pool, request->pool) != 0)
            continue;
        vfp_domain_get_device(config, request->alias, &device);
        if (!device.found || (reserved && g_strcmp0(reserved->address, held->address) == 0 &&
                              g_strcmp0(device.address, held->address) == 0))
            continue;
        if (!aliases)
            aliases = g_ptr_array_new_with_free_func(g_free);
        g_ptr_array_add(aliases, g_strdup(request->alias));
    }
    return aliases;
}

/* Makes the request ALIAS draw from POOL. */
gboolean
vfp_domain_set_request_pool(VfpDomain *domain, const char *alias, const char *pool, GError **error)
{
    xmlNode *request =
        find_metadata_child(find_metadata(xmlDocGetRootElement(domain->doc)), "vf", alias);

    if (!request) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_NOT_FOUND,
                    "domain '%s' has no vfpool:vf request '%s'", domain->name, alias);
        return FALSE;
    }
    xmlSetProp(request, (const xmlChar *)"pool", (const xmlChar *)pool);
    return domain_reload(domain, error);
}

/* Marks the reservation ALIAS as held without its device (PENDING), or as plugged again. */
gboolean
vfp_domain_set_hotplug_pending(VfpDomain *domain, const char *alias, gboolean pending,
                               GError **error)
{
    xmlNode *reservation =
        find_metadata_child(find_metadata(xmlDocGetRootElement(domain->doc)), "reservation", alias);

    if (!reservation) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_NOT_FOUND,
                    "domain '%s' has no vfpool reservation '%s'", domain->name, alias);
        return FALSE;
    }
    if (pending)
        xmlSetProp(reservation, (const xmlChar *)"hotplug", (const xmlChar *)"pending");
    else
        xmlUnsetProp(reservation, (const xmlChar *)"hotplug");
    return domain_reload(domain, error);
}

/* Removes the request ALIAS, its reservation and its device. */
gboolean
vfp_domain_remove_request(VfpDomain *domain, const char *alias, GError **error)
{
    xmlNode *root = xmlDocGetRootElement(domain->doc);
    xmlNode *vfpool = find_metadata(root);
    xmlNode *node;

    if ((node = find_metadata_child(vfpool, "vf", alias)))
        vfp_xml_remove_node(node);
    if ((node = find_metadata_child(vfpool, "reservation", alias)))
        vfp_xml_remove_node(node);
    if ((node = find_device_by_alias(vfp_xml_first_child(root, NULL, "devices"), alias)))
        vfp_xml_remove_node(node);
    return domain_reload(domain, error);
}

/* Inserts a copy of REQUEST, a vfpool:vf element, into DOMAIN's metadata (created if needed)
 * and reparses DOMAIN, which checks it as any request: schema, values, a unique alias. On
 * failure DOMAIN is left as it was (but for an empty vfpool element). */
static gboolean
insert_request(VfpDomain *domain, xmlNode *request, const char *alias, GError **error)
{
    xmlNode *root = xmlDocGetRootElement(domain->doc);
    xmlNode *vfpool = find_metadata(root);
    g_autofree char *snippet = node_to_string(request);
    xmlNode *metadata;
    xmlNode *inserted;

    if (!vfpool) {
        metadata = vfp_xml_first_child(root, NULL, "metadata");
        if (!metadata)
            metadata = vfp_xml_insert_snippet(root, vfp_xml_first_child(root, NULL, "memory"),
                                              "<metadata>\n</metadata>");
        vfpool =
            vfp_xml_insert_snippet(metadata, NULL,
                                   "<" VFP_DOMAIN_NS_PREFIX ":vfpool xmlns:" VFP_DOMAIN_NS_PREFIX
                                   "='" VFP_DOMAIN_NS "'>\n</" VFP_DOMAIN_NS_PREFIX ":vfpool>");
    }
    /* The copy declares the namespace itself, to be parsed on its own. */
    if (!vfpool || !(inserted = vfp_xml_insert_snippet(vfpool, NULL, snippet))) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_FAILED,
                    "domain '%s': cannot add vfpool:vf request '%s'", domain->name, alias);
        return FALSE;
    }
    /* Then it uses the metadata's own declaration, and the definition shows none twice. */
    use_default_namespace(inserted, vfpool->ns);
    if (domain_reload(domain, error))
        return TRUE;
    vfp_xml_remove_node(inserted);
    return FALSE;
}

/* Copies the request ALIAS of FROM into DOMAIN's metadata (created if needed); the device
 * and the reservation follow with vfp_domain_set_reservation(). */
gboolean
vfp_domain_add_request(VfpDomain *domain, const VfpDomain *from, const char *alias, GError **error)
{
    xmlNode *request =
        find_metadata_child(find_metadata(xmlDocGetRootElement(from->doc)), "vf", alias);

    if (!request) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_NOT_FOUND,
                    "domain '%s' has no vfpool:vf request '%s'", from->name, alias);
        return FALSE;
    }
    return insert_request(domain, request, alias, error);
}

/* Adds a new request ALIAS of POOL to DOMAIN's metadata (created if needed), with ATTRIBUTES:
 * name and value pairs of the vfpool:vf element (mac, vlan, trust, numa, ...), NULL-ended.
 * It is checked as the requests a domain's author writes are; the device and the
 * reservation follow with vfp_domain_set_reservation(). */
gboolean
vfp_domain_new_request(VfpDomain *domain, const char *alias, const char *pool,
                       const char *const *attributes, GError **error)
{
    g_autoptr(xmlDoc) scratch = xmlNewDoc((const xmlChar *)"1.0");
    xmlNode *request = xmlNewDocNode(scratch, NULL, (const xmlChar *)"vf", NULL);

    xmlDocSetRootElement(scratch, request);
    xmlSetNs(request, xmlNewNs(request, (const xmlChar *)VFP_DOMAIN_NS,
                               (const xmlChar *)VFP_DOMAIN_NS_PREFIX));
    xmlSetProp(request, (const xmlChar *)"alias", (const xmlChar *)alias);
    xmlSetProp(request, (const xmlChar *)"pool", (const xmlChar *)pool);
    for (guint i = 0; attributes && attributes[i] && attributes[i + 1]; i += 2)
        xmlSetProp(request, (const xmlChar *)attributes[i], (const xmlChar *)attributes[i + 1]);
    return insert_request(domain, request, alias, error);
}

/* Whether ALIAS names a vfpool request or reservation of DOMAIN, or one of its devices:
 * libvirt refuses two devices with one alias. */
gboolean
vfp_domain_alias_used(const VfpDomain *domain, const char *alias)
{
    xmlNode *root = xmlDocGetRootElement(domain->doc);

    return vfp_domain_find_request(domain, alias) || vfp_domain_find_reservation(domain, alias) ||
           find_device_by_alias(vfp_xml_first_child(root, NULL, "devices"), alias);
}
