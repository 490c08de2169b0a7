/* Building and printing the pools, status and explain reports. */
#include "config.h"

#include <stdio.h>

#include "vfp-json.h"
#include "vfp-pci-names.h"
#include "vfp-report.h"

static void
add_node_or_null(JsonBuilder *builder, const char *name, int numa_node)
{
    json_builder_set_member_name(builder, name);
    if (numa_node >= 0)
        json_builder_add_int_value(builder, numa_node);
    else
        json_builder_add_null_value(builder);
}

/* ---- pools --------------------------------------------------------------------------------- */

static void
build_pool(JsonBuilder *builder, const VfpSelectContext *context, const VfpPool *pool,
           GPtrArray *pfs, const VfpPoolCensus *census)
{
    g_autoptr(GArray) nodes = g_array_new(FALSE, FALSE, sizeof(int));

    json_builder_begin_object(builder);
    vfp_json_add_string(builder, "name", pool->name);
    vfp_json_add_string(builder, "file", pool->file);
    vfp_json_add_string(builder, "policy", vfp_policy_to_string(pool->policy));
    vfp_json_add_string(builder, "numa", vfp_numa_mode_to_string(pool->numa));
    vfp_json_add_string(builder, "driver", pool->driver);
    vfp_json_add_int(builder, "create", pool->create);
    json_builder_set_member_name(builder, "pfs");
    json_builder_begin_array(builder);
    for (guint i = 0; i < pfs->len; i++) {
        const VfpPf *pf = g_ptr_array_index(pfs, i);

        json_builder_add_string_value(builder, pf->address);
        if (pf->numa_node >= 0) {
            gboolean seen = FALSE;

            for (guint j = 0; j < nodes->len; j++)
                seen |= g_array_index(nodes, int, j) == pf->numa_node;
            if (!seen)
                g_array_append_val(nodes, pf->numa_node);
        }
    }
    json_builder_end_array(builder);
    vfp_json_add_int(builder, "total", census->total);
    vfp_json_add_int(builder, "existing", census->existing);
    vfp_json_add_int(builder, "free", census->free);
    vfp_json_add_int(builder, "held", census->held);
    vfp_json_add_int(builder, "reserved", census->reserved);
    vfp_json_add_int(builder, "creatable", census->creatable);
    vfp_json_add_int(builder, "host_use", census->host_use);
    vfp_json_add_int(builder, "blocked", census->blocked);
    json_builder_set_member_name(builder, "numa_nodes");
    json_builder_begin_array(builder);
    for (guint j = 0; j < nodes->len; j++)
        json_builder_add_int_value(builder, g_array_index(nodes, int, j));
    json_builder_end_array(builder);
    json_builder_end_object(builder);
}

JsonNode *
vfp_report_pools(const VfpSelectContext *context, GError **error)
{
    g_autoptr(JsonBuilder) builder = json_builder_new();

    json_builder_begin_object(builder);
    vfp_json_add_string(builder, "report", "pools");
    json_builder_set_member_name(builder, "pools");
    json_builder_begin_array(builder);
    for (guint i = 0; i < context->pools->len; i++) {
        const VfpPool *pool = g_ptr_array_index(context->pools, i);
        g_autoptr(GPtrArray) pfs = vfp_pool_get_pfs(pool, context->host, error);
        VfpPoolCensus census;

        if (!pfs || !vfp_select_pool_census(context, pool, &census, error))
            return NULL;
        build_pool(builder, context, pool, pfs, &census);
    }
    json_builder_end_array(builder);
    json_builder_end_object(builder);
    return json_builder_get_root(builder);
}

/* ---- status -------------------------------------------------------------------------------- */

static char *
pools_of_vf(const VfpSelectContext *context, const VfpVf *vf)
{
    GString *names = g_string_new(NULL);

    for (guint i = 0; i < context->pools->len; i++) {
        const VfpPool *pool = g_ptr_array_index(context->pools, i);

        if (vfp_pool_owns_vf(pool, vf))
            g_string_append_printf(names, "%s%s", names->len ? "," : "", pool->name);
    }
    return g_string_free(names, names->len == 0);
}

static void
build_vf(JsonBuilder *builder, const VfpSelectContext *context, const VfpVf *vf)
{
    g_autofree char *detail = NULL;
    g_autofree char *pools = pools_of_vf(context, vf);
    const VfpClaim *claim =
        context->ledger ? vfp_ledger_lookup(context->ledger, vf->address) : NULL;
    const char *state = vfp_select_vf_label(context, vf, &detail);

    json_builder_begin_object(builder);
    vfp_json_add_int(builder, "index", vf->index);
    vfp_json_add_string(builder, "address", vf->address);
    vfp_json_add_string(builder, "driver", vf->driver);
    vfp_json_add_string(builder, "netdev", vf->netdev);
    vfp_json_add_bool(builder, "netdev_up", vf->netdev_up);
    add_node_or_null(builder, "numa_node", vf->numa_node);
    add_node_or_null(builder, "iommu_group", vf->iommu_group);
    vfp_json_add_string(builder, "pools", pools);
    vfp_json_add_string(builder, "state", state);
    vfp_json_add_string(builder, "detail", detail);
    vfp_json_add_string(builder, "holder", claim ? claim->domain : NULL);
    vfp_json_add_string(builder, "alias", claim ? claim->alias : NULL);
    json_builder_end_object(builder);
}

/* Defined domains with something to say: waiting for a VF, released, a request dropped. */
static void
build_domain_statuses(JsonBuilder *builder, GPtrArray *defined)
{
    json_builder_set_member_name(builder, "domains");
    json_builder_begin_array(builder);
    for (guint i = 0; defined && i < defined->len; i++) {
        const VfpDomain *domain = g_ptr_array_index(defined, i);
        g_autoptr(GDateTime) since = NULL;
        g_autofree char *since_text = NULL;

        if (domain->status.state == VFP_STATUS_NONE)
            continue;
        since = g_date_time_new_from_unix_utc(domain->status.since);
        since_text = since ? g_date_time_format_iso8601(since) : NULL;
        json_builder_begin_object(builder);
        vfp_json_add_string(builder, "domain", domain->name);
        vfp_json_add_string(builder, "state", vfp_status_state_to_string(domain->status.state));
        vfp_json_add_string(builder, "since", since_text);
        vfp_json_add_string(builder, "message", domain->status.message);
        json_builder_end_object(builder);
    }
    json_builder_end_array(builder);
}

JsonNode *
vfp_report_status(const VfpSelectContext *context, GPtrArray *defined, GError **error)
{
    g_autoptr(JsonBuilder) builder = json_builder_new();
    g_autoptr(VfpPciNames) names = vfp_pci_names_new();
    GPtrArray *pfs = vfp_host_get_pfs(context->host, error);

    if (!pfs)
        return NULL;
    json_builder_begin_object(builder);
    vfp_json_add_string(builder, "report", "status");
    json_builder_set_member_name(builder, "pfs");
    json_builder_begin_array(builder);
    for (guint i = 0; i < pfs->len; i++) {
        VfpPf *pf = g_ptr_array_index(pfs, i);
        g_autofree char *name = vfp_pci_names_device(names, pf->vendor_id, pf->device_id);
        GPtrArray *vfs = vfp_pf_get_vfs(pf, error);

        if (!vfs)
            return NULL;
        json_builder_begin_object(builder);
        vfp_json_add_string(builder, "address", pf->address);
        vfp_json_add_string(builder, "name", name);
        vfp_json_add_string(builder, "driver", pf->driver);
        vfp_json_add_string(builder, "netdev", pf->netdev);
        add_node_or_null(builder, "numa_node", pf->numa_node);
        vfp_json_add_int(builder, "total_vfs", pf->total_vfs);
        vfp_json_add_int(builder, "num_vfs", pf->num_vfs);
        json_builder_set_member_name(builder, "vfs");
        json_builder_begin_array(builder);
        for (guint j = 0; j < vfs->len; j++)
            build_vf(builder, context, g_ptr_array_index(vfs, j));
        json_builder_end_array(builder);
        json_builder_end_object(builder);
    }
    json_builder_end_array(builder);
    build_domain_statuses(builder, defined);
    json_builder_end_object(builder);
    return json_builder_get_root(builder);
}

/* ---- explain ------------------------------------------------------------------------------- */

static void
build_choice(JsonBuilder *builder, const VfpChoice *choice)
{
    json_builder_begin_object(builder);
    vfp_json_add_string(builder, "alias", choice->request->alias);
    vfp_json_add_string(builder, "pool", choice->pool->name);
    vfp_json_add_string(builder, "address", choice->address);
    vfp_json_add_string(builder, "pf", choice->pf);
    vfp_json_add_int(builder, "index", choice->index);
    add_node_or_null(builder, "numa_node", choice->numa_node);
    vfp_json_add_bool(builder, "create", !choice->exists);
    vfp_json_add_bool(builder, "kept", choice->kept);
    vfp_json_add_int(builder, "available", choice->available);
    json_builder_set_member_name(builder, "rejected");
    json_builder_begin_array(builder);
    for (guint i = 0; choice->rejections && i < choice->rejections->len; i++) {
        const VfpRejection *rejection = g_ptr_array_index(choice->rejections, i);

        json_builder_begin_object(builder);
        vfp_json_add_string(builder, "address", rejection->address);
        vfp_json_add_string(builder, "pf", rejection->pf);
        vfp_json_add_int(builder, "index", rejection->index);
        vfp_json_add_string(builder, "reason", vfp_reject_reason_to_string(rejection->reason));
        vfp_json_add_string(builder, "detail", rejection->detail);
        json_builder_end_object(builder);
    }
    json_builder_end_array(builder);
    json_builder_end_object(builder);
}

JsonNode *
vfp_report_explain(const VfpSelectContext *context, const VfpDomain *domain, GError **error)
{
    g_autoptr(JsonBuilder) builder = json_builder_new();
    g_autoptr(GPtrArray) choices = vfp_select_resolve(context, domain, error);

    if (!choices)
        return NULL;
    json_builder_begin_object(builder);
    vfp_json_add_string(builder, "report", "explain");
    vfp_json_add_string(builder, "domain", domain->name);
    json_builder_set_member_name(builder, "requests");
    json_builder_begin_array(builder);
    for (guint i = 0; i < choices->len; i++)
        build_choice(builder, g_ptr_array_index(choices, i));
    json_builder_end_array(builder);
    json_builder_end_object(builder);
    return json_builder_get_root(builder);
}

/* ---- printing ------------------------------------------------------------------------------ */

static const char *
str(JsonObject *object, const char *name)
{
    const char *value = json_object_get_string_member_with_default(object, name, NULL);

    return value ? value : "-";
}

static char *
numa_text(JsonObject *object, const char *name)
{
    JsonNode *node = json_object_get_member(object, name);

    if (!node || JSON_NODE_HOLDS_NULL(node))
        return g_strdup("-");
    return g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(node));
}

static void
print_pools(JsonObject *report)
{
    JsonArray *pools = json_object_get_array_member(report, "pools");

    printf("%-16s %-7s %-10s %-14s %6s %8s %5s %5s %8s  %-6s %s\n", "POOL", "POLICY", "NUMA",
           "DRIVER", "TOTAL", "EXISTING", "FREE", "HELD", "RESERVED", "NODES", "PFS");
    for (guint i = 0; i < json_array_get_length(pools); i++) {
        JsonObject *pool = json_array_get_object_element(pools, i);
        JsonArray *pfs = json_object_get_array_member(pool, "pfs");
        JsonArray *nodes = json_object_get_array_member(pool, "numa_nodes");
        g_autoptr(GString) pf_list = g_string_new(NULL);
        g_autoptr(GString) node_list = g_string_new(NULL);

        for (guint j = 0; j < json_array_get_length(pfs); j++)
            g_string_append_printf(pf_list, "%s%s", j ? "," : "",
                                   json_array_get_string_element(pfs, j));
        for (guint j = 0; j < json_array_get_length(nodes); j++)
            g_string_append_printf(node_list, "%s%" G_GINT64_FORMAT, j ? "," : "",
                                   json_array_get_int_element(nodes, j));
        printf("%-16s %-7s %-10s %-14s %6" G_GINT64_FORMAT " %8" G_GINT64_FORMAT
               " %5" G_GINT64_FORMAT " %5" G_GINT64_FORMAT " %8" G_GINT64_FORMAT "  %-6s %s\n",
               str(pool, "name"), str(pool, "policy"), str(pool, "numa"), str(pool, "driver"),
               json_object_get_int_member(pool, "total"),
               json_object_get_int_member(pool, "existing"),
               json_object_get_int_member(pool, "free"), json_object_get_int_member(pool, "held"),
               json_object_get_int_member(pool, "reserved"), node_list->len ? node_list->str : "-",
               pf_list->len ? pf_list->str : "(no PF here)");
    }
}

static void
print_status(JsonObject *report)
{
    JsonArray *pfs = json_object_get_array_member(report, "pfs");
    JsonArray *domains = json_object_get_array_member(report, "domains");

    for (guint i = 0; i < json_array_get_length(pfs); i++) {
        JsonObject *pf = json_array_get_object_element(pfs, i);
        JsonArray *vfs = json_object_get_array_member(pf, "vfs");
        g_autofree char *numa = numa_text(pf, "numa_node");

        printf("PF %s  %s  driver %s  netdev %s  NUMA %s  VFs %" G_GINT64_FORMAT
               "/%" G_GINT64_FORMAT "\n",
               str(pf, "address"), str(pf, "name"), str(pf, "driver"), str(pf, "netdev"), numa,
               json_object_get_int_member(pf, "num_vfs"),
               json_object_get_int_member(pf, "total_vfs"));
        for (guint j = 0; j < json_array_get_length(vfs); j++) {
            JsonObject *vf = json_array_get_object_element(vfs, j);
            gboolean last = j + 1 == json_array_get_length(vfs);
            const char *detail = json_object_get_string_member_with_default(vf, "detail", NULL);

            printf("  %s VF %-3" G_GINT64_FORMAT " %s  %-9s %-12s pool %-10s %s%s%s\n",
                   last ? "`-" : "|-", json_object_get_int_member(vf, "index"), str(vf, "address"),
                   str(vf, "driver"), str(vf, "netdev"), str(vf, "pools"), str(vf, "state"),
                   detail ? ": " : "", detail ? detail : "");
        }
    }
    for (guint i = 0; i < json_array_get_length(domains); i++) {
        JsonObject *domain = json_array_get_object_element(domains, i);

        printf("domain '%s': %s since %s: %s\n", str(domain, "domain"), str(domain, "state"),
               str(domain, "since"), str(domain, "message"));
    }
}

static void
print_explain(JsonObject *report)
{
    JsonArray *requests = json_object_get_array_member(report, "requests");

    printf("domain '%s'\n", str(report, "domain"));
    for (guint i = 0; i < json_array_get_length(requests); i++) {
        JsonObject *request = json_array_get_object_element(requests, i);
        JsonArray *rejected = json_object_get_array_member(request, "rejected");
        g_autofree char *numa = numa_text(request, "numa_node");

        printf("%s (pool %s): %s  PF %s VF %" G_GINT64_FORMAT ", NUMA %s%s%s; %" G_GINT64_FORMAT
               " acceptable\n",
               str(request, "alias"), str(request, "pool"), str(request, "address"),
               str(request, "pf"), json_object_get_int_member(request, "index"), numa,
               json_object_get_boolean_member(request, "create") ? ", created on demand" : "",
               json_object_get_boolean_member(request, "kept") ? ", reservation kept" : "",
               json_object_get_int_member(request, "available"));
        for (guint j = 0; j < json_array_get_length(rejected); j++) {
            JsonObject *rejection = json_array_get_object_element(rejected, j);

            printf("  turned down %s (PF %s VF %" G_GINT64_FORMAT "): %s: %s\n",
                   str(rejection, "address"), str(rejection, "pf"),
                   json_object_get_int_member(rejection, "index"), str(rejection, "reason"),
                   str(rejection, "detail"));
        }
    }
}

void
vfp_report_print(JsonNode *report, gboolean json)
{
    JsonObject *object = json_node_get_object(report);
    const char *kind = json_object_get_string_member(object, "report");

    if (json) {
        g_autofree char *text = json_to_string(report, TRUE);

        printf("%s\n", text);
    } else if (g_str_equal(kind, "pools")) {
        print_pools(object);
    } else if (g_str_equal(kind, "status")) {
        print_status(object);
    } else {
        print_explain(object);
    }
}
