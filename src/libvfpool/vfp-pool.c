/* Loading and querying pool files (schema: xml/pool.rng). */
#include "config.h"

#include <errno.h>
#include <libxml/parser.h>
#include <string.h>

#include "vfp-address.h"
#include "vfp-error.h"
#include "vfp-config.h"
#include "vfp-pool.h"
#include "vfp-statedir.h"
#include "vfp-xml.h"

static const char *const policy_names[] = {"pack", "spread"};
static const char *const numa_names[] = {"preferred", "required", "ignore"};

/* VFIO variant drivers in Linux that implement device state migration (VFIO_MIGRATION_STOP_COPY):
 * a domain using them migrates with its VF, which libvirt allows once QEMU reports no blocker. */
static const char *const migratable_drivers[] = {
    "mlx5_vfio_pci",     /* NVIDIA/Mellanox ConnectX-7 and BlueField-3 VFs */
    "hisi_acc_vfio_pci", /* HiSilicon accelerators */
    "pds_vfio_pci",      /* AMD/Pensando DSC VFs */
    NULL,
};

const char *
vfp_policy_to_string(VfpPolicy policy)
{
    return policy_names[policy];
}

const char *
vfp_numa_mode_to_string(VfpNumaMode mode)
{
    return numa_names[mode];
}

static void
vfp_pf_selector_free(VfpPfSelector *selector)
{
    g_free(selector->address);
    g_free(selector->netdev);
    g_free(selector);
}

void
vfp_pool_free(VfpPool *pool)
{
    if (!pool)
        return;
    g_free(pool->name);
    g_free(pool->file);
    g_clear_pointer(&pool->selectors, g_ptr_array_unref);
    g_clear_pointer(&pool->ranges, g_array_unref);
    g_free(pool->driver);
    vfp_vf_config_clear(&pool->net);
    g_free(pool);
}

static gboolean
parse_id(const char *text, int *value)
{
    char *end = NULL;
    guint64 number;

    if (!text)
        return FALSE;
    errno = 0;
    number = g_ascii_strtoull(text, &end, 16);
    if (errno || end == text || *end || number > 0xffff)
        return FALSE;
    *value = number;
    return TRUE;
}

/* "0-15", "3", "0-3,8-11". */
static gboolean
parse_ranges(const char *text, GArray *ranges)
{
    g_auto(GStrv) parts = g_strsplit(text, ",", -1);

    for (guint i = 0; parts[i]; i++) {
        VfpIndexRange range;
        guint64 first, last;
        char *end = NULL;

        if (!g_ascii_isdigit(parts[i][0]))
            return FALSE;
        first = g_ascii_strtoull(parts[i], &end, 10);
        last = first;
        if (*end == '-') {
            char *dash = end;

            if (!g_ascii_isdigit(dash[1]))
                return FALSE;
            last = g_ascii_strtoull(dash + 1, &end, 10);
        }
        if (*end || first > last || last > 65535)
            return FALSE;
        range.first = first;
        range.last = last;
        g_array_append_val(ranges, range);
    }
    return ranges->len > 0;
}

static gboolean
parse_pf_selector(VfpPool *pool, xmlNode *node, GError **error)
{
    g_autofree char *address = vfp_xml_get_prop(node, "address");
    g_autofree char *netdev = vfp_xml_get_prop(node, "netdev");
    g_autofree char *vendor = vfp_xml_get_prop(node, "vendor");
    g_autofree char *device = vfp_xml_get_prop(node, "device");
    VfpPfSelector *selector = g_new0(VfpPfSelector, 1);

    selector->vendor_id = -1;
    selector->device_id = -1;
    g_ptr_array_add(pool->selectors, selector);
    if (address) {
        selector->address = vfp_pci_address_normalize(address);
        if (!selector->address) {
            g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                        "pool '%s' (%s): pf address '%s' is not a PCI address like 0000:3b:00.0",
                        pool->name, pool->file, address);
            return FALSE;
        }
    } else if (netdev) {
        selector->netdev = g_steal_pointer(&netdev);
    } else if (!parse_id(vendor, &selector->vendor_id) || !parse_id(device, &selector->device_id)) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                    "pool '%s' (%s): pf vendor '%s' device '%s' must be hexadecimal IDs like "
                    "0x8086",
                    pool->name, pool->file, vendor ? vendor : "", device ? device : "");
        return FALSE;
    }
    return TRUE;
}

static gboolean
parse_pool(VfpPool *pool, xmlNode *root, GError **error)
{
    for (xmlNode *node = root->children; node; node = node->next) {
        g_autofree char *what = NULL;

        if (node->type != XML_ELEMENT_NODE)
            continue;
        if (vfp_xml_is_element(node, NULL, "pf")) {
            if (!parse_pf_selector(pool, node, error))
                return FALSE;
        } else if (vfp_xml_is_element(node, NULL, "vfs")) {
            g_autofree char *create = vfp_xml_get_prop(node, "create");
            g_autofree char *range = vfp_xml_get_prop(node, "range");

            if (create)
                pool->create = g_ascii_strtoull(create, NULL, 10);
            if (range && !parse_ranges(range, pool->ranges)) {
                g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                            "pool '%s' (%s): vfs range '%s' must look like 0-15 or 0-3,8-11",
                            pool->name, pool->file, range);
                return FALSE;
            }
        } else if (vfp_xml_is_element(node, NULL, "driver")) {
            g_autofree char *take = vfp_xml_get_prop(node, "take-from-host");
            g_autofree char *migratable = vfp_xml_get_prop(node, "migratable");

            g_free(pool->driver);
            pool->driver = vfp_xml_get_prop(node, "name");
            pool->take_from_host = g_strcmp0(take, "yes") == 0;
            pool->migratable = migratable ? g_str_equal(migratable, "yes")
                                          : g_strv_contains(migratable_drivers, pool->driver);
        } else if (vfp_xml_is_element(node, NULL, "select")) {
            g_autofree char *policy = vfp_xml_get_prop(node, "policy");
            g_autofree char *numa = vfp_xml_get_prop(node, "numa");

            for (guint i = 0; policy && i < G_N_ELEMENTS(policy_names); i++) {
                if (g_str_equal(policy, policy_names[i]))
                    pool->policy = i;
            }
            for (guint i = 0; numa && i < G_N_ELEMENTS(numa_names); i++) {
                if (g_str_equal(numa, numa_names[i]))
                    pool->numa = i;
            }
        } else if (vfp_xml_is_element(node, NULL, "net")) {
            what = g_strdup_printf("pool '%s' (%s): net", pool->name, pool->file);
            if (!vfp_vf_config_read(&pool->net, node, what, error))
                return FALSE;
            pool->has_net = TRUE;
        }
    }
    return TRUE;
}

/* ---- validations remembered --------------------------------------------------------------- */

/* The hook worker is a fresh process at every step of every pooled domain: validating the pool
 * files means compiling pool.rng first, which costs more than the rest of loading them. It
 * remembers, in the state directory, which pool file contents passed: one entry per pool file
 * (VFP_POOL_CHECKS/NAME.xml) holding the digest of what passed. The digest covers the schema,
 * libxml2's version and the file's bytes, so any change to one of them (whatever the file's
 * timestamps say) validates again. Entries are trusted as the ledger is: read without
 * following symlinks, only when vfpool's uid owns them and nobody else may write them, in the
 * state directory that is root's alone. Off unless the program asks (the fuzzers, the tests
 * and the listings must not write the state directory for it). */
static gboolean remember_checks;

void
vfp_pool_set_remember_checks(gboolean remember)
{
    remember_checks = remember;
}

char *
vfp_pool_check_digest(const char *contents, gsize length)
{
    g_autoptr(GChecksum) checksum = g_checksum_new(G_CHECKSUM_SHA256);

    /* The schema by its digest, computed at build time: hashing its text here would cost as
     * much as the rest of reading a pool file. Neither it nor the version has a newline, so
     * the parts cannot run into each other. */
    g_checksum_update(checksum, (const guchar *)vfp_xml_schema_sha256("pool.rng"), -1);
    g_checksum_update(checksum, (const guchar *)"\n", 1);
    g_checksum_update(checksum, (const guchar *)xmlParserVersion, -1);
    g_checksum_update(checksum, (const guchar *)"\n", 1);
    g_checksum_update(checksum, (const guchar *)contents, length);
    return g_strdup_printf("sha256 %s", g_checksum_get_string(checksum));
}

static char *
check_entry(const char *path)
{
    g_autofree char *base = g_path_get_basename(path);

    return g_build_filename(VFP_POOL_CHECKS, base, NULL);
}

/* Whether the entry for PATH says that DIGEST passed. What cannot be trusted is only logged:
 * the file is then validated, as if there were no entry. */
static gboolean
check_remembered(const char *path, const char *digest)
{
    g_autofree char *entry = check_entry(path);
    g_autofree char *contents = NULL;
    g_autoptr(GError) error = NULL;
    gboolean found = FALSE;
    gsize length = 0;

    if (!vfp_state_read(entry, &contents, &length, &found, &error)) {
        g_message("validating pool file %s again: %s", path, error->message);
        return FALSE;
    }
    return found && length == strlen(digest) + 1 && strncmp(contents, digest, length - 1) == 0 &&
           contents[length - 1] == '\n';
}

/* Best effort: a state directory vfpool cannot write (a listing run by a user) only costs the
 * next run the validation. */
static void
check_remember(const char *path, const char *digest)
{
    g_autofree char *entry = check_entry(path);
    g_autofree char *line = g_strconcat(digest, "\n", NULL);
    g_autoptr(GError) error = NULL;

    if (!vfp_state_write(entry, line, strlen(line), &error))
        g_debug("not remembering the validation of pool file %s: %s", path, error->message);
}

/* Reads and parses PATH, and validates it against pool.rng unless a remembered check says
 * these very bytes passed. */
static xmlDoc *
read_pool_file(const char *path, GError **error)
{
    g_autofree char *contents = NULL;
    g_autofree char *digest = NULL;
    g_autofree char *what = NULL;
    g_autoptr(GError) local = NULL;
    g_autoptr(xmlDoc) doc = NULL;
    gsize length = 0;

    if (!remember_checks) {
        doc = vfp_xml_parse_file(path, error);
    } else if (!g_file_get_contents(path, &contents, &length, &local)) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_NOT_FOUND,
                    "cannot read pool file %s: %s; check that it exists and root can read it", path,
                    local->message);
        return NULL;
    } else {
        doc = vfp_xml_parse_memory(path, contents, length, error);
        digest = doc ? vfp_pool_check_digest(contents, length) : NULL;
        if (digest && check_remembered(path, digest))
            return g_steal_pointer(&doc);
    }
    if (!doc)
        return NULL;
    what = g_strdup_printf("pool file %s", path);
    if (!vfp_xml_validate(doc, "pool.rng", what, error))
        return NULL;
    if (digest)
        check_remember(path, digest);
    return g_steal_pointer(&doc);
}

/* ---- loading ------------------------------------------------------------------------------- */

VfpPool *
vfp_pool_load_file(const char *path, GError **error)
{
    g_autoptr(xmlDoc) doc = read_pool_file(path, error);
    g_autoptr(VfpPool) pool = NULL;
    g_autofree char *base = NULL;
    xmlNode *root;

    if (!doc)
        return NULL;
    root = xmlDocGetRootElement(doc);
    pool = g_new0(VfpPool, 1);
    pool->file = g_strdup(path);
    pool->name = vfp_xml_get_prop(root, "name");
    pool->driver = g_strdup("vfio-pci");
    pool->selectors = g_ptr_array_new_with_free_func((GDestroyNotify)vfp_pf_selector_free);
    pool->ranges = g_array_new(FALSE, FALSE, sizeof(VfpIndexRange));
    vfp_vf_config_init(&pool->net);

    /* The file name is the pool's identity on disk; two names for one pool confuse people. */
    base = g_path_get_basename(path);
    if (!g_str_has_suffix(base, ".xml") || strlen(base) != strlen(pool->name) + 4 ||
        strncmp(base, pool->name, strlen(pool->name)) != 0) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                    "pool file %s defines pool '%s'; rename the file to %s.xml or change the name",
                    path, pool->name, pool->name);
        return NULL;
    }
    if (!parse_pool(pool, root, error))
        return NULL;
    return g_steal_pointer(&pool);
}

static int
compare_pool_names(gconstpointer a, gconstpointer b)
{
    return g_strcmp0((*(VfpPool *const *)a)->name, (*(VfpPool *const *)b)->name);
}

/* Every pool of the host, sorted by name. No pools at all is an error: nothing can be
 * resolved, and the administrator should hear why. */
GPtrArray *
vfp_pool_load_all(GError **error)
{
    g_autofree char *dir_path = g_build_filename(vfp_conf_dir(), "pools.d", NULL);
    g_autoptr(GPtrArray) pools = g_ptr_array_new_with_free_func((GDestroyNotify)vfp_pool_free);
    g_autoptr(GError) local = NULL;
    g_autoptr(GDir) dir = g_dir_open(dir_path, 0, &local);
    const char *name;

    if (!dir) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_NOT_FOUND,
                    "cannot read the pool directory %s (%s); create it and add a pool file",
                    dir_path, local->message);
        return NULL;
    }
    while ((name = g_dir_read_name(dir))) {
        g_autofree char *path = NULL;
        VfpPool *pool;

        if (!g_str_has_suffix(name, ".xml") || name[0] == '.')
            continue;
        path = g_build_filename(dir_path, name, NULL);
        pool = vfp_pool_load_file(path, error);
        if (!pool)
            return NULL;
        g_ptr_array_add(pools, pool);
    }
    if (pools->len == 0) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_NOT_FOUND,
                    "no pools are defined in %s; add a pool file (see the examples in "
                    "vfpool(1))",
                    dir_path);
        return NULL;
    }
    g_ptr_array_sort(pools, compare_pool_names);
    return g_steal_pointer(&pools);
}

VfpPool *
vfp_pool_find(GPtrArray *pools, const char *name)
{
    for (guint i = 0; pools && i < pools->len; i++) {
        VfpPool *pool = g_ptr_array_index(pools, i);

        if (g_strcmp0(pool->name, name) == 0)
            return pool;
    }
    return NULL;
}

gboolean
vfp_pool_has_index(const VfpPool *pool, guint index)
{
    if (pool->ranges->len == 0)
        return TRUE;
    for (guint i = 0; i < pool->ranges->len; i++) {
        const VfpIndexRange *range = &g_array_index(pool->ranges, VfpIndexRange, i);

        if (index >= range->first && index <= range->last)
            return TRUE;
    }
    return FALSE;
}

/* How the pool treats VFs without a netdev that a host driver serves. */
VfpHostDriverRule
vfp_pool_host_driver_rule(const VfpPool *pool)
{
    return pool && pool->take_from_host ? VFP_HOST_DRIVER_MAY_BE_TAKEN
                                        : VFP_HOST_DRIVER_IS_HOST_USE;
}

/* libvirt binds managed hostdevs to vfio-pci itself; any other driver (a vfio variant) is
 * bound by the hook and handed to libvirt unmanaged. */
gboolean
vfp_pool_driver_is_managed(const VfpPool *pool)
{
    return g_strcmp0(pool->driver, "vfio-pci") == 0;
}

static gboolean
selector_matches(const VfpPfSelector *selector, const VfpPf *pf)
{
    if (selector->address)
        return g_str_equal(selector->address, pf->address);
    if (selector->netdev)
        return g_strcmp0(selector->netdev, pf->netdev) == 0;
    return (guint)selector->vendor_id == pf->vendor_id &&
           (guint)selector->device_id == pf->device_id;
}

/* The PFs that feed POOL, sorted by address. A selector that matches no device on this host is
 * not an error: pool files are often shared between hosts. */
GPtrArray *
vfp_pool_get_pfs(const VfpPool *pool, VfpHost *host, GError **error)
{
    GPtrArray *all = vfp_host_get_pfs(host, error);
    g_autoptr(GPtrArray) matched = NULL;

    if (!all)
        return NULL;
    matched = g_ptr_array_new();
    for (guint i = 0; i < all->len; i++) {
        VfpPf *pf = g_ptr_array_index(all, i);

        if (vfp_pool_selects_pf(pool, pf))
            g_ptr_array_add(matched, pf);
    }
    return g_steal_pointer(&matched);
}

/* Whether VF belongs to POOL: its PF is selected and its index is in the pool's range. Cheap
 * enough for the hook: it never scans the host. */
gboolean
vfp_pool_owns_vf(const VfpPool *pool, const VfpVf *vf)
{
    return vfp_pool_has_index(pool, vf->index) && vfp_pool_selects_pf(pool, vf->pf);
}

gboolean
vfp_pool_selects_pf(const VfpPool *pool, const VfpPf *pf)
{
    for (guint j = 0; j < pool->selectors->len; j++) {
        if (selector_matches(g_ptr_array_index(pool->selectors, j), pf))
            return TRUE;
    }
    return FALSE;
}

/* How many VFs PF may have for this pool: what exists, or up to the pool's on-demand count. */
guint
vfp_pool_vf_limit(const VfpPool *pool, const VfpPf *pf)
{
    return MAX(pf->num_vfs, MIN(pool->create, pf->total_vfs));
}
