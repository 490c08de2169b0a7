/* The in-memory index of domains: one cheap fetch per domain, the metadata first. */
#include "config.h"

#include <libvirt/virterror.h>
#include <stdlib.h>
#include <string.h>

#include "vfp-libvirt.h"
#include "vfpoold-index.h"

struct _VfpdIndex {
    GHashTable *domains; /* name -> VfpdDomain * */
    GHashTable *echoes;  /* name -> how many of vfpoold's own defines have yet to come back as
                          * DEFINED events, which then need no fetch */
    guint64 fetches;     /* libvirt calls that read a domain, for the benchmarks */
};

static void
vfpd_domain_free(VfpdDomain *domain)
{
    g_free(domain->name);
    vfp_domain_free(domain->config);
    vfp_domain_free(domain->live);
    g_clear_pointer(&domain->passed, g_ptr_array_unref);
    g_free(domain->last_note);
    g_free(domain);
}

VfpdIndex *
vfpd_index_new(void)
{
    VfpdIndex *index = g_new0(VfpdIndex, 1);

    index->domains =
        g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)vfpd_domain_free);
    index->echoes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    return index;
}

void
vfpd_index_free(VfpdIndex *index)
{
    if (!index)
        return;
    g_hash_table_unref(index->domains);
    g_hash_table_unref(index->echoes);
    g_free(index);
}

static gboolean
is_element(xmlNode *node, const char *name)
{
    return node->type == XML_ELEMENT_NODE && g_str_equal((const char *)node->name, name);
}

/* Drops from PARENT's children the elements KEEP rejects, and all else but elements. */
static void
prune(xmlNode *parent, gboolean (*keep)(xmlNode *node))
{
    xmlNode *next;

    for (xmlNode *node = parent->children; node; node = next) {
        next = node->next;
        if (node->type != XML_ELEMENT_NODE || !keep(node)) {
            xmlUnlinkNode(node);
            xmlFreeNode(node);
        }
    }
}

static gboolean
keep_in_domain(xmlNode *node)
{
    return is_element(node, "name") || is_element(node, "uuid") || is_element(node, "numatune") ||
           is_element(node, "metadata") || is_element(node, "devices");
}

static gboolean
keep_in_metadata(xmlNode *node)
{
    return node->ns && g_strcmp0((const char *)node->ns->href, VFP_DOMAIN_NS) == 0;
}

/* The devices a request can map to. */
static gboolean
keep_in_devices(xmlNode *node)
{
    return is_element(node, "hostdev") || is_element(node, "interface");
}

/* Keeps of CONFIG's document only what vfpoold decides from (its name, UUID, <numatune>,
 * vfpool metadata and the devices requests map to): a whole definition costs tens of KB in
 * memory per domain, and hosts define thousands. vfpoold writes only fresh reads. */
static VfpDomain *
trim(VfpDomain *config)
{
    xmlNode *root = config ? xmlDocGetRootElement(config->doc) : NULL;

    if (!root)
        return config;
    prune(root, keep_in_domain);
    for (xmlNode *node = root->children; node; node = node->next) {
        if (is_element(node, "metadata"))
            prune(node, keep_in_metadata);
        else if (is_element(node, "devices"))
            prune(node, keep_in_devices);
    }
    return config;
}

/* The persistent definition when it carries vfpool metadata: asking libvirt for the
 * metadata alone first spares fetching the whole XML of every domain vfpool does not use. */
static VfpDomain *
fetch_config(VfpdIndex *index, virDomainPtr dom)
{
    g_autoptr(GError) error = NULL;
    VfpDomain *config;

    index->fetches++;
    if (!vfp_libvirt_has_metadata(dom, VFP_XML_PERSISTENT))
        return NULL;
    index->fetches++;
    config = vfp_libvirt_load(dom, VFP_XML_PERSISTENT, &error);
    if (!config)
        g_warning("domain '%s': %s; vfpoold leaves it alone until it is fixed",
                  virDomainGetName(dom), error->message);
    return trim(config);
}

/* What the running DOMAIN passes through, vfpool's VFs or not (no one else may get those), and
 * the VFs it holds for its requests (its persistent definition should reserve them). */
static void
fetch_live(VfpdIndex *index, virDomainPtr dom, VfpdDomain *domain)
{
    g_autoptr(VfpDomain) live = NULL;

    index->fetches++;
    live = vfp_libvirt_load(dom, VFP_XML_LIVE, NULL);
    domain->passed = live ? vfp_domain_pci_sources(live) : g_ptr_array_new_with_free_func(g_free);
    if (live && live->requests->len > 0)
        domain->live = trim(g_steal_pointer(&live));
}

/* Puts DOM, running or not (ACTIVE) and persistent or not (PERSISTENT), in the index, keeping
 * what was logged about it. */
static VfpdDomain *
refresh_as(VfpdIndex *index, virDomainPtr dom, gboolean active, gboolean persistent)
{
    VfpdDomain *old = g_hash_table_lookup(index->domains, virDomainGetName(dom));
    VfpdDomain *domain = g_new0(VfpdDomain, 1);

    domain->name = g_strdup(virDomainGetName(dom));
    domain->active = active;
    domain->config = persistent ? fetch_config(index, dom) : NULL;
    if (active)
        fetch_live(index, dom, domain);
    else
        domain->passed = g_ptr_array_new_with_free_func(g_free);
    if (old)
        domain->last_note = g_steal_pointer(&old->last_note);
    g_hash_table_replace(index->domains, domain->name, domain);
    return domain;
}

/* Reads DOM again and puts it in the index, keeping what was logged about it. */
VfpdDomain *
vfpd_index_refresh(VfpdIndex *index, virDomainPtr dom)
{
    return refresh_as(index, dom, virDomainIsActive(dom) == 1, virDomainIsPersistent(dom) == 1);
}

/* One pass over every domain: at connect, and at SIGHUP. Listing the running and the stopped
 * ones apart says which is which without asking per domain; a stopped domain is persistent. */
gboolean
vfpd_index_load(VfpdIndex *index, virConnectPtr conn, GError **error)
{
    virDomainPtr *running = NULL;
    virDomainPtr *stopped = NULL;
    int n_running = virConnectListAllDomains(conn, &running, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
    int n_stopped =
        n_running < 0 ? -1
                      : virConnectListAllDomains(conn, &stopped, VIR_CONNECT_LIST_DOMAINS_INACTIVE);

    if (n_stopped < 0) {
        vfp_libvirt_set_error(error, "cannot list libvirt domains");
        for (int i = 0; i < n_running; i++)
            virDomainFree(running[i]);
        free(running);
        return FALSE;
    }
    g_hash_table_remove_all(index->domains);
    g_hash_table_remove_all(index->echoes);
    for (int i = 0; i < n_running; i++) {
        refresh_as(index, running[i], TRUE, virDomainIsPersistent(running[i]) == 1);
        virDomainFree(running[i]);
    }
    for (int i = 0; i < n_stopped; i++) {
        refresh_as(index, stopped[i], FALSE, TRUE);
        virDomainFree(stopped[i]);
    }
    free(running);
    free(stopped);
    return TRUE;
}

void
vfpd_index_forget(VfpdIndex *index, const char *name)
{
    g_hash_table_remove(index->domains, name);
    g_hash_table_remove(index->echoes, name);
}

VfpdDomain *
vfpd_index_lookup(VfpdIndex *index, const char *name)
{
    return g_hash_table_lookup(index->domains, name);
}

/* Whether a VF reserved in BEFORE is not in AFTER (either may be NULL): it freed up. */
gboolean
vfpd_reservations_shrank(const VfpDomain *before, const VfpDomain *after)
{
    for (guint i = 0; before && i < before->reservations->len; i++) {
        const VfpReservation *old = g_ptr_array_index(before->reservations, i);
        gboolean kept = FALSE;

        for (guint j = 0; after && j < after->reservations->len; j++)
            kept |=
                g_strcmp0(old->address,
                          ((VfpReservation *)g_ptr_array_index(after->reservations, j))->address) ==
                0;
        if (!kept)
            return TRUE;
    }
    return FALSE;
}

/* After vfpoold read NAME's definition, and wrote it when WRITTEN: CONFIG (taken) is what it
 * now holds, so the DEFINED event of that write needs no fetch (vfpd_index_take_echo).
 * Returns whether reservations went: VFs freed up. */
gboolean
vfpd_index_set_config(VfpdIndex *index, const char *name, VfpDomain *config, gboolean written)
{
    VfpdDomain *domain = g_hash_table_lookup(index->domains, name);
    gboolean shrank;

    if (!domain) {
        vfp_domain_free(config);
        return FALSE;
    }
    if (written)
        g_hash_table_insert(
            index->echoes, g_strdup(name),
            GUINT_TO_POINTER(GPOINTER_TO_UINT(g_hash_table_lookup(index->echoes, name)) + 1));
    shrank = vfpd_reservations_shrank(domain->config, config);
    vfp_domain_free(domain->config);
    domain->config = trim(config);
    return shrank;
}

/* Whether a DEFINED event for NAME is the echo of vfpoold's own write, which the index holds
 * already: events come in order, so a user's define after it still gets fetched. */
gboolean
vfpd_index_take_echo(VfpdIndex *index, const char *name)
{
    guint pending = GPOINTER_TO_UINT(g_hash_table_lookup(index->echoes, name));

    if (pending == 0)
        return FALSE;
    if (pending == 1)
        g_hash_table_remove(index->echoes, name);
    else
        g_hash_table_insert(index->echoes, g_strdup(name), GUINT_TO_POINTER(pending - 1));
    return TRUE;
}

static int
compare_names(gconstpointer a, gconstpointer b)
{
    return g_strcmp0((*(VfpdDomain *const *)a)->name, (*(VfpdDomain *const *)b)->name);
}

/* Every domain, by name. */
GPtrArray *
vfpd_index_domains(VfpdIndex *index)
{
    GPtrArray *all = g_ptr_array_new();
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init(&iter, index->domains);
    while (g_hash_table_iter_next(&iter, NULL, &value))
        g_ptr_array_add(all, value);
    g_ptr_array_sort(all, compare_names);
    return all;
}

static void
add_user(GHashTable *users, const char *address, const char *name)
{
    GPtrArray *names = g_hash_table_lookup(users, address);

    if (!names) {
        names = g_ptr_array_new();
        g_hash_table_insert(users, (char *)address, names);
    }
    g_ptr_array_add(names, (char *)name);
}

/* address -> GPtrArray of the names of the domains reserving it or passing it through, all
 * pointing into the index: valid until it changes. */
GHashTable *
vfpd_index_users(VfpdIndex *index)
{
    GHashTable *users =
        g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)g_ptr_array_unref);
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init(&iter, index->domains);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        const VfpdDomain *domain = value;

        for (guint i = 0; domain->config && i < domain->config->reservations->len; i++)
            add_user(
                users,
                ((VfpReservation *)g_ptr_array_index(domain->config->reservations, i))->address,
                domain->name);
        for (guint i = 0; i < domain->passed->len; i++)
            add_user(users, g_ptr_array_index(domain->passed, i), domain->name);
    }
    return users;
}

/* address -> name of a domain other than EXCEPT reserving or using it: what selection must
 * not hand out again (vfp_libvirt_reservations() without asking libvirt). */
GHashTable *
vfpd_index_reserved_by(VfpdIndex *index, const char *except)
{
    GHashTable *reserved = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init(&iter, index->domains);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        const VfpdDomain *domain = value;

        if (g_strcmp0(domain->name, except) == 0)
            continue;
        for (guint i = 0; domain->config && i < domain->config->reservations->len; i++) {
            const VfpReservation *reservation = g_ptr_array_index(domain->config->reservations, i);

            g_hash_table_insert(reserved, g_strdup(reservation->address), g_strdup(domain->name));
        }
        for (guint i = 0; i < domain->passed->len; i++)
            g_hash_table_insert(reserved, g_strdup(g_ptr_array_index(domain->passed, i)),
                                g_strdup(domain->name));
    }
    return reserved;
}

guint64
vfpd_index_fetches(VfpdIndex *index)
{
    return index->fetches;
}
