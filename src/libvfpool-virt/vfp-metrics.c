/* The Prometheus text exposition of pools, PFs and running domains' VFs. Every pool and PF gets
 * a sample for every state, zero included, so that series do not come and go. */
#include "config.h"

#include <stdarg.h>

#include "vfp-config.h"
#include "vfp-error.h"
#include "vfp-metrics.h"

/* The states a pool's VFs are counted in; they add up to the pool's total. */
static const char *const pool_states[] = {"free",     "creatable", "held",
                                          "reserved", "host_use",  "blocked"};

/* The states 'vfpool status' gives an existing VF, in the exposition's spelling ('-' -> '_');
 * a state not listed here is added after them. */
static const char *const pf_states[] = {"free", "held", "reserved", "host_use", "iommu_group"};

static void
add_header(GString *out, const char *metric, const char *help)
{
    g_string_append_printf(out, "# HELP %s %s\n# TYPE %s gauge\n", metric, help, metric);
}

/* A label value with backslash, double quote and line feed escaped. */
static void
append_label_value(GString *out, const char *value)
{
    for (const char *p = value ? value : ""; *p; p++) {
        if (*p == '\\')
            g_string_append(out, "\\\\");
        else if (*p == '"')
            g_string_append(out, "\\\"");
        else if (*p == '\n')
            g_string_append(out, "\\n");
        else
            g_string_append_c(out, *p);
    }
}

/* add_sample(OUT, METRIC, VALUE, NAME, VALUE, ..., NULL): one sample line. */
static void G_GNUC_NULL_TERMINATED
add_sample(GString *out, const char *metric, guint64 value, ...)
{
    const char *name;
    const char *separator = "{";
    va_list labels;

    g_string_append(out, metric);
    va_start(labels, value);
    while ((name = va_arg(labels, const char *))) {
        g_string_append_printf(out, "%s%s=\"", separator, name);
        append_label_value(out, va_arg(labels, const char *));
        g_string_append_c(out, '"');
        separator = ",";
    }
    va_end(labels);
    g_string_append_printf(out, "%s %" G_GUINT64_FORMAT "\n", *separator == ',' ? "}" : "", value);
}

static gboolean
add_pools(GString *out, const VfpSelectContext *context, GError **error)
{
    g_autoptr(GArray) censuses = g_array_new(FALSE, TRUE, sizeof(VfpPoolCensus));

    for (guint i = 0; i < context->pools->len; i++) {
        VfpPoolCensus census;

        if (!vfp_select_pool_census(context, g_ptr_array_index(context->pools, i), &census, error))
            return FALSE;
        g_array_append_val(censuses, census);
    }
    add_header(out, "vfpool_pool_vfs",
               "VFs of the pool by state: free (exists, can be given to a domain now), creatable "
               "(does not exist yet, created on demand), held (by a running domain), reserved "
               "(by a defined domain), host_use (by the host or a VM outside vfpool), blocked "
               "(IOMMU group, unreadable, cannot be created now). They add up to the pool's "
               "total; vfpool pools shows FREE as free plus creatable.");
    for (guint i = 0; i < context->pools->len; i++) {
        const VfpPool *pool = g_ptr_array_index(context->pools, i);
        const VfpPoolCensus *census = &g_array_index(censuses, VfpPoolCensus, i);
        const guint counts[] = {census->free - census->creatable,
                                census->creatable,
                                census->held,
                                census->reserved,
                                census->host_use,
                                census->blocked};

        G_STATIC_ASSERT(G_N_ELEMENTS(counts) == G_N_ELEMENTS(pool_states));
        for (guint j = 0; j < G_N_ELEMENTS(pool_states); j++)
            add_sample(out, "vfpool_pool_vfs", counts[j], "pool", pool->name, "state",
                       pool_states[j], NULL);
    }
    add_header(out, "vfpool_pool_existing_vfs",
               "VFs of the pool that exist now (the others are created on demand).");
    for (guint i = 0; i < context->pools->len; i++) {
        const VfpPool *pool = g_ptr_array_index(context->pools, i);

        add_sample(out, "vfpool_pool_existing_vfs",
                   g_array_index(censuses, VfpPoolCensus, i).existing, "pool", pool->name, NULL);
    }
    return TRUE;
}

/* The state of each VF of PF as vfpool status labels it, counted: STATES holds the names in
 * order, COUNTS the numbers. */
static gboolean
count_pf_states(const VfpSelectContext *context, VfpPf *pf, GPtrArray *states, GArray *counts,
                GError **error)
{
    GPtrArray *vfs = vfp_pf_get_vfs(pf, error);

    if (!vfs)
        return FALSE;
    for (guint i = 0; i < G_N_ELEMENTS(pf_states); i++) {
        guint zero = 0;

        g_ptr_array_add(states, g_strdup(pf_states[i]));
        g_array_append_val(counts, zero);
    }
    for (guint i = 0; i < vfs->len; i++) {
        g_autofree char *detail = NULL;
        const char *label = vfp_select_vf_label(context, g_ptr_array_index(vfs, i), &detail);
        g_autofree char *state = g_strdelimit(g_strdup(label), "-", '_');
        guint slot;

        for (slot = 0; slot < states->len; slot++) {
            if (g_str_equal(g_ptr_array_index(states, slot), state))
                break;
        }
        if (slot == states->len) {
            guint zero = 0;

            g_ptr_array_add(states, g_steal_pointer(&state));
            g_array_append_val(counts, zero);
        }
        g_array_index(counts, guint, slot)++;
    }
    return TRUE;
}

static gboolean
add_pfs(GString *out, const VfpSelectContext *context, GError **error)
{
    GPtrArray *pfs = vfp_host_get_pfs(context->host, error);
    g_autoptr(GString) numvfs = g_string_new(NULL);
    g_autoptr(GString) totalvfs = g_string_new(NULL);

    if (!pfs)
        return FALSE;
    add_header(out, "vfpool_pf_vfs",
               "Existing VFs of the SR-IOV PF by the state vfpool status shows: free, held, "
               "reserved, host_use, iommu_group.");
    for (guint i = 0; i < pfs->len; i++) {
        VfpPf *pf = g_ptr_array_index(pfs, i);
        g_autoptr(GPtrArray) states = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GArray) counts = g_array_new(FALSE, FALSE, sizeof(guint));

        if (!count_pf_states(context, pf, states, counts, error))
            return FALSE;
        for (guint j = 0; j < states->len; j++)
            add_sample(out, "vfpool_pf_vfs", g_array_index(counts, guint, j), "pf", pf->address,
                       "state", (const char *)g_ptr_array_index(states, j), NULL);
        add_sample(numvfs, "vfpool_pf_sriov_numvfs", pf->num_vfs, "pf", pf->address, NULL);
        add_sample(totalvfs, "vfpool_pf_sriov_totalvfs", pf->total_vfs, "pf", pf->address, NULL);
    }
    add_header(out, "vfpool_pf_sriov_numvfs", "VFs enabled on the SR-IOV PF (sriov_numvfs).");
    g_string_append_len(out, numvfs->str, numvfs->len);
    add_header(out, "vfpool_pf_sriov_totalvfs", "VFs the SR-IOV PF can have (sriov_totalvfs).");
    g_string_append_len(out, totalvfs->str, totalvfs->len);
    return TRUE;
}

static int
compare_claims(gconstpointer pa, gconstpointer pb)
{
    const VfpClaim *a = *(const VfpClaim *const *)pa;
    const VfpClaim *b = *(const VfpClaim *const *)pb;
    int order = g_strcmp0(a->domain, b->domain);

    return order ? order : g_strcmp0(a->pool, b->pool);
}

/* The ledger's claims counted by domain and pool. */
static void
add_domains(GString *out, const VfpSelectContext *context)
{
    GPtrArray *claims = context->ledger ? vfp_ledger_get_claims(context->ledger) : NULL;
    g_autoptr(GPtrArray) sorted = g_ptr_array_new();

    add_header(out, "vfpool_domain_vfs",
               "VFs a running domain holds, by pool (the claims of vfpool's ledger).");
    for (guint i = 0; claims && i < claims->len; i++)
        g_ptr_array_add(sorted, g_ptr_array_index(claims, i));
    g_ptr_array_sort(sorted, compare_claims);
    for (guint i = 0; i < sorted->len;) {
        const VfpClaim *first = g_ptr_array_index(sorted, i);
        guint count = 0;

        while (i < sorted->len && compare_claims(&first, &g_ptr_array_index(sorted, i)) == 0) {
            count++;
            i++;
        }
        add_sample(out, "vfpool_domain_vfs", count, "domain", first->domain, "pool", first->pool,
                   NULL);
    }
}

/* The whole exposition, or NULL when a pool's PFs or a PF's VFs cannot be read. */
char *
vfp_metrics_build(const VfpSelectContext *context, GError **error)
{
    g_autoptr(GString) out = g_string_new(NULL);

    if (!add_pools(out, context, error) || !add_pfs(out, context, error))
        return NULL;
    add_domains(out, context);
    return g_string_free(g_steal_pointer(&out), FALSE);
}

/* Replaces PATH atomically and durably (a temporary file in its directory, fsync,
 * rename), for node_exporter's textfile collector, which must never read half a file. */
gboolean
vfp_metrics_write_textfile(const char *path, const char *text, GError **error)
{
    g_autoptr(GError) local = NULL;

    if (!g_file_set_contents_full(path, text, -1,
                                  G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                  0644, &local)) {
        /* GLib's message names its temporary file, a new name each time: say it without. */
        switch (local->code) {
        case G_FILE_ERROR_NOENT:
        case G_FILE_ERROR_NOTDIR:
            g_set_error(error, VFP_ERROR, VFP_ERROR_FAILED,
                        "cannot write the metrics file %s: its directory does not exist; create "
                        "it",
                        path);
            break;
        case G_FILE_ERROR_ACCES:
        case G_FILE_ERROR_PERM:
        case G_FILE_ERROR_ROFS:
            g_set_error(error, VFP_ERROR, VFP_ERROR_FAILED,
                        "cannot write the metrics file %s: its directory is not writable", path);
            break;
        case G_FILE_ERROR_NOSPC:
            g_set_error(error, VFP_ERROR, VFP_ERROR_FAILED,
                        "cannot write the metrics file %s: no space left on its file system", path);
            break;
        default:
            g_set_error(error, VFP_ERROR, VFP_ERROR_FAILED, "cannot write the metrics file %s: %s",
                        path, local->message);
            break;
        }
        return FALSE;
    }
    return TRUE;
}

/* Reads the pools, the ledger and sysfs afresh and rewrites PATH, vfpool.conf's [metrics]
 * textfile; RESERVED_BY (address -> domain) gives the defined domains' reservations, as the
 * caller knows them. */
gboolean
vfp_metrics_update_textfile(const char *path, GHashTable *reserved_by, GError **error)
{
    g_autoptr(VfpHost) host = vfp_host_new();
    g_autoptr(GPtrArray) pools = NULL;
    g_autoptr(VfpLedger) ledger = NULL;
    g_autofree char *text = NULL;
    VfpSelectContext context;

    if (!g_path_is_absolute(path)) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                    "%s/vfpool.conf: [metrics] textfile '%s' is not an absolute path; give one "
                    "such as /var/lib/prometheus/node-exporter/vfpool.prom",
                    vfp_conf_dir(), path);
        return FALSE;
    }
    if (!(pools = vfp_pool_load_all(error)) || !(ledger = vfp_ledger_open(VFP_LEDGER_READ, error)))
        return FALSE;
    context = (VfpSelectContext){host, pools, ledger, reserved_by};
    text = vfp_metrics_build(&context, error);
    /* The ledger's shared lock is not held while writing. */
    g_clear_pointer(&ledger, vfp_ledger_free);
    return text && vfp_metrics_write_textfile(path, text, error);
}
