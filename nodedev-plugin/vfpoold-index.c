/* The in-memory index of domains: one cheap fetch per domain, the metadata first. */
#include "config.h"

#include <libvirt/virterror.h>
#include <stdlib.h>
#include <string.h>

#include "vfp-libvirt.h"
#include "vfpoold-index.h"

struct _VfpdIndex {
    GHashTable *domains; /* name -> VfpdDomain * */
    guint64 fetches;     /* libvirt calls that read a domain, for the benchmarks */
};

static void
vfpd_domain_free(VfpdDomain *domain)
{
    g_free(domain->name);
    vfp_domain_free(domain->config);
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
    return index;
}

void
vfpd_index_free(VfpdIndex *index)
{
    if (!index)
        return;
    g_hash_table_unref(index->domains);
    g_free(index);
}

/* The persistent definition when it carries vfpool metadata: asking libvirt for the
 * metadata alone first spares fetching the whole XML of every domain vfpool does not use. */
static VfpDomain *
fetch_config(VfpdIndex *index, virDomainPtr dom)
{
    g_autoptr(GError) error = NULL;
    VfpDomain *config;

    if (virDomainIsPersistent(dom) != 1)
        return NULL;
    index->fetches++;
    if (!vfp_libvirt_has_metadata(dom, VFP_XML_PERSISTENT))
        return NULL;
    index->fetches++;
    config = vfp_libvirt_load(dom, VFP_XML_PERSISTENT, &error);
    if (!config)
        g_warning("domain '%s': %s; vfpoold leaves it alone until it is fixed",
                  virDomainGetName(dom), error->message);
    return config;
}

/* What a running domain passes through, vfpool's VFs or not: no one else may get those. */
static GPtrArray *
fetch_passed(VfpdIndex *index, virDomainPtr dom)
{
    g_autoptr(VfpDomain) live = NULL;

    if (virDomainIsActive(dom) != 1)
        return g_ptr_array_new_with_free_func(g_free);
    index->fetches++;
    live = vfp_libvirt_load(dom, VFP_XML_LIVE, NULL);
    return live ? vfp_domain_pci_sources(live) : g_ptr_array_new_with_free_func(g_free);
}

/* Reads DOM again and puts it in the index, keeping what was logged about it. */
VfpdDomain *
vfpd_index_refresh(VfpdIndex *index, virDomainPtr dom)
{
    VfpdDomain *old = g_hash_table_lookup(index->domains, virDomainGetName(dom));
    VfpdDomain *domain = g_new0(VfpdDomain, 1);

    domain->name = g_strdup(virDomainGetName(dom));
    domain->active = virDomainIsActive(dom) == 1;
    domain->config = fetch_config(index, dom);
    domain->passed = fetch_passed(index, dom);
    if (old)
        domain->last_note = g_steal_pointer(&old->last_note);
    g_hash_table_replace(index->domains, domain->name, domain);
    return domain;
}

/* One pass over every domain: at connect, and at SIGHUP. */
gboolean
vfpd_index_load(VfpdIndex *index, virConnectPtr conn, GError **error)
{
    virDomainPtr *doms = NULL;
    int count = virConnectListAllDomains(conn, &doms, 0);

    if (count < 0) {
        vfp_libvirt_set_error(error, "cannot list libvirt domains");
        return FALSE;
    }
    g_hash_table_remove_all(index->domains);
    for (int i = 0; i < count; i++) {
        vfpd_index_refresh(index, doms[i]);
        virDomainFree(doms[i]);
    }
    free(doms);
    return TRUE;
}

void
vfpd_index_forget(VfpdIndex *index, const char *name)
{
    g_hash_table_remove(index->domains, name);
}

VfpdDomain *
vfpd_index_lookup(VfpdIndex *index, const char *name)
{
    return g_hash_table_lookup(index->domains, name);
}

/* After vfpoold wrote NAME's definition itself: CONFIG (taken) is what it now holds. */
void
vfpd_index_set_config(VfpdIndex *index, const char *name, VfpDomain *config)
{
    VfpdDomain *domain = g_hash_table_lookup(index->domains, name);

    if (!domain) {
        vfp_domain_free(config);
        return;
    }
    vfp_domain_free(domain->config);
    domain->config = config;
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
