/* The old ledger file: {"version": 1, "claims": [{...}, ...]}, read into claims. */
#include "config.h"

#include <json-glib/json-glib.h>

#include "vfp-claim.h"
#include "vfp-error.h"
#include "vfp-json.h"
#include "vfp-ledger-json.h"

#define OLD_LEDGER_VERSION 1

static gint64
member_int_or(JsonObject *object, const char *name, gint64 fallback)
{
    gint64 value;

    return vfp_json_get_int(object, name, &value) ? value : fallback;
}

static void
read_saved(VfpClaim *claim, JsonObject *saved)
{
    const char *text;

    claim->has_saved = TRUE;
    claim->saved_driver = g_strdup(vfp_json_get_string(saved, "driver"));
    claim->saved.mac = g_strdup(vfp_json_get_string(saved, "mac"));
    claim->saved.vlan = member_int_or(saved, "vlan", -1);
    claim->saved.vlan_qos = member_int_or(saved, "qos", -1);
    if ((text = vfp_json_get_string(saved, "spoofchk")))
        vfp_tristate_parse(text, &claim->saved.spoofchk);
    if ((text = vfp_json_get_string(saved, "trust")))
        vfp_tristate_parse(text, &claim->saved.trust);
    if ((text = vfp_json_get_string(saved, "link-state")))
        vfp_link_state_parse(text, &claim->saved.link_state);
    claim->saved.min_tx_rate = member_int_or(saved, "min-tx-rate", -1);
    claim->saved.max_tx_rate = member_int_or(saved, "max-tx-rate", -1);
}

static VfpClaim *
read_claim(JsonNode *node)
{
    g_autoptr(VfpClaim) claim = vfp_claim_new();
    JsonObject *object;
    JsonNode *saved;
    gint64 index;

    if (!JSON_NODE_HOLDS_OBJECT(node))
        return NULL;
    object = json_node_get_object(node);
    claim->address = g_strdup(vfp_json_get_string(object, "address"));
    claim->pf = g_strdup(vfp_json_get_string(object, "pf"));
    claim->pool = g_strdup(vfp_json_get_string(object, "pool"));
    claim->domain = g_strdup(vfp_json_get_string(object, "domain"));
    claim->uuid = g_strdup(vfp_json_get_string(object, "uuid"));
    claim->alias = g_strdup(vfp_json_get_string(object, "alias"));
    claim->step = g_strdup(vfp_json_get_string(object, "step"));
    if (!claim->address || !claim->domain || !claim->uuid ||
        !vfp_json_get_int(object, "index", &index) || index < 0 || index > G_MAXUINT16 ||
        !vfp_json_get_int(object, "time", &claim->time) ||
        !vfp_json_get_int(object, "pid", &claim->pid))
        return NULL;
    claim->index = index;
    claim->pending = json_object_get_boolean_member_with_default(object, "pending", FALSE);
    claim->applied = member_int_or(object, "applied", 0);
    claim->bound_driver = g_strdup(vfp_json_get_string(object, "bound-driver"));
    saved = json_object_get_member(object, "saved");
    if (saved && JSON_NODE_HOLDS_OBJECT(saved))
        read_saved(claim, json_node_get_object(saved));
    return g_steal_pointer(&claim);
}

/* The claims in DATA (a new array), or NULL with ERROR saying what is wrong with it. */
GPtrArray *
vfp_ledger_json_read(const char *data, gsize length, GError **error)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GPtrArray) result = g_ptr_array_new_with_free_func((GDestroyNotify)vfp_claim_free);
    JsonNode *root_node;
    JsonObject *root;
    JsonArray *claims;
    gint64 version;

    if (!json_parser_load_from_data(parser, data, length, error))
        return NULL;
    root_node = json_parser_get_root(parser);
    if (!root_node || !JSON_NODE_HOLDS_OBJECT(root_node) ||
        !vfp_json_get_int(json_node_get_object(root_node), "version", &version)) {
        g_set_error_literal(error, VFP_ERROR, VFP_ERROR_LEDGER, "unexpected content");
        return NULL;
    }
    root = json_node_get_object(root_node);
    if (version != OLD_LEDGER_VERSION) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_LEDGER,
                    "version %" G_GINT64_FORMAT ", this vfpool reads version %d", version,
                    OLD_LEDGER_VERSION);
        return NULL;
    }
    if (!json_object_has_member(root, "claims") ||
        !JSON_NODE_HOLDS_ARRAY(json_object_get_member(root, "claims"))) {
        g_set_error_literal(error, VFP_ERROR, VFP_ERROR_LEDGER, "unexpected content");
        return NULL;
    }
    claims = json_object_get_array_member(root, "claims");
    for (guint i = 0; i < json_array_get_length(claims); i++) {
        VfpClaim *claim = read_claim(json_array_get_element(claims, i));
        g_autofree char *record = NULL;
        g_autoptr(VfpClaim) back = NULL;
        gsize record_length;

        /* A claim is kept only as a record that reads back: the record's checks are the
         * ones that hold from now on. */
        if (claim) {
            record = vfp_claim_to_data(claim, &record_length);
            back = vfp_claim_from_data(record, record_length, NULL);
            if (!back)
                g_clear_pointer(&claim, vfp_claim_free);
        }
        if (!claim) {
            g_set_error(error, VFP_ERROR, VFP_ERROR_LEDGER, "claim %u: unexpected content", i);
            return NULL;
        }
        g_ptr_array_add(result, claim);
    }
    return g_steal_pointer(&result);
}
