/* Reading, locking and atomically rewriting the ledger file. */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "vfp-error.h"
#include "vfp-json.h"
#include "vfp-ledger.h"
#include "vfp-statedir.h"

#define LEDGER_FILE "ledger.json"
#define LOCK_FILE "ledger.lock"

struct _VfpLedger {
    VfpLedgerMode mode;
    char *path;
    VfpLock *lock;
    GPtrArray *claims;       /* VfpClaim *, sorted by address when written */
    GHashTable *marked_keys; /* domain keys holding claims as last read or written */
};

VfpClaim *
vfp_claim_new(void)
{
    VfpClaim *claim = g_new0(VfpClaim, 1);

    vfp_vf_config_init(&claim->saved);
    return claim;
}

void
vfp_claim_free(VfpClaim *claim)
{
    if (!claim)
        return;
    g_free(claim->address);
    g_free(claim->pf);
    g_free(claim->pool);
    g_free(claim->domain);
    g_free(claim->uuid);
    g_free(claim->alias);
    g_free(claim->step);
    g_free(claim->saved_driver);
    g_free(claim->bound_driver);
    vfp_vf_config_clear(&claim->saved);
    g_free(claim);
}

void
vfp_ledger_free(VfpLedger *ledger)
{
    if (!ledger)
        return;
    vfp_lock_free(ledger->lock);
    g_free(ledger->path);
    g_ptr_array_unref(ledger->claims);
    g_hash_table_unref(ledger->marked_keys);
    g_free(ledger);
}

const char *
vfp_ledger_path(const VfpLedger *ledger)
{
    return ledger->path;
}

GPtrArray *
vfp_ledger_get_claims(const VfpLedger *ledger)
{
    return ledger->claims;
}

/* ---- JSON ---------------------------------------------------------------------------------- */

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
        !vfp_json_get_int(object, "index", &index) ||
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

static gboolean
ledger_load(VfpLedger *ledger, GError **error)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) local = NULL;
    g_autofree char *json = NULL;
    gboolean found;
    gsize length;
    JsonObject *root;
    JsonArray *claims;
    gint64 version;

    if (!vfp_state_read(LEDGER_FILE, &json, &length, &found, error))
        return FALSE;
    if (!found)
        return TRUE;
    if (!json_parser_load_from_data(parser, json, length, &local))
        goto corrupt;
    if (!json_parser_get_root(parser) || !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)))
        goto corrupt;
    root = json_node_get_object(json_parser_get_root(parser));
    if (!vfp_json_get_int(root, "version", &version))
        goto corrupt;
    if (version != VFP_LEDGER_VERSION) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_LEDGER,
                    "ledger %s has version %" G_GINT64_FORMAT ", this vfpool reads version %d; "
                    "use the vfpool that wrote it or run 'vfpool reconcile'",
                    ledger->path, version, VFP_LEDGER_VERSION);
        return FALSE;
    }
    if (!json_object_has_member(root, "claims") ||
        !JSON_NODE_HOLDS_ARRAY(json_object_get_member(root, "claims")))
        goto corrupt;
    claims = json_object_get_array_member(root, "claims");
    for (guint i = 0; i < json_array_get_length(claims); i++) {
        VfpClaim *claim = read_claim(json_array_get_element(claims, i));

        if (!claim)
            goto corrupt;
        g_ptr_array_add(ledger->claims, claim);
        g_hash_table_add(ledger->marked_keys, g_strdup(claim->uuid));
    }
    return TRUE;

corrupt:
    g_set_error(error, VFP_ERROR, VFP_ERROR_LEDGER,
                "ledger %s is corrupt (%s); move it aside and run 'vfpool reconcile' to rebuild "
                "it from the running domains",
                ledger->path, local ? local->message : "unexpected content");
    return FALSE;
}

/* The ledger leaves unset fields out rather than writing null. */
static void
add_string(JsonBuilder *builder, const char *name, const char *value)
{
    if (value)
        vfp_json_add_string(builder, name, value);
}

static void
write_saved(JsonBuilder *builder, const VfpClaim *claim)
{
    const VfpVfConfig *saved = &claim->saved;

    json_builder_set_member_name(builder, "saved");
    json_builder_begin_object(builder);
    add_string(builder, "driver", claim->saved_driver);
    add_string(builder, "mac", saved->mac);
    if (saved->vlan >= 0)
        vfp_json_add_int(builder, "vlan", saved->vlan);
    if (saved->vlan_qos >= 0)
        vfp_json_add_int(builder, "qos", saved->vlan_qos);
    add_string(builder, "spoofchk", vfp_tristate_to_string(saved->spoofchk));
    add_string(builder, "trust", vfp_tristate_to_string(saved->trust));
    add_string(builder, "link-state", vfp_link_state_to_string(saved->link_state));
    if (saved->min_tx_rate >= 0)
        vfp_json_add_int(builder, "min-tx-rate", saved->min_tx_rate);
    if (saved->max_tx_rate >= 0)
        vfp_json_add_int(builder, "max-tx-rate", saved->max_tx_rate);
    json_builder_end_object(builder);
}

static int
compare_claims(gconstpointer a, gconstpointer b)
{
    return g_strcmp0((*(VfpClaim *const *)a)->address, (*(VfpClaim *const *)b)->address);
}

char *
vfp_ledger_to_json(const VfpLedger *ledger)
{
    g_autoptr(JsonBuilder) builder = json_builder_new();
    g_autoptr(JsonNode) root = NULL;

    g_ptr_array_sort(ledger->claims, compare_claims);
    json_builder_begin_object(builder);
    vfp_json_add_int(builder, "version", VFP_LEDGER_VERSION);
    json_builder_set_member_name(builder, "claims");
    json_builder_begin_array(builder);
    for (guint i = 0; i < ledger->claims->len; i++) {
        const VfpClaim *claim = g_ptr_array_index(ledger->claims, i);

        json_builder_begin_object(builder);
        add_string(builder, "address", claim->address);
        add_string(builder, "pf", claim->pf);
        vfp_json_add_int(builder, "index", claim->index);
        add_string(builder, "pool", claim->pool);
        add_string(builder, "domain", claim->domain);
        add_string(builder, "uuid", claim->uuid);
        add_string(builder, "alias", claim->alias);
        add_string(builder, "step", claim->step);
        vfp_json_add_int(builder, "time", claim->time);
        vfp_json_add_int(builder, "pid", claim->pid);
        if (claim->pending) {
            json_builder_set_member_name(builder, "pending");
            json_builder_add_boolean_value(builder, TRUE);
        }
        if (claim->applied)
            vfp_json_add_int(builder, "applied", claim->applied);
        add_string(builder, "bound-driver", claim->bound_driver);
        if (claim->has_saved)
            write_saved(builder, claim);
        json_builder_end_object(builder);
    }
    json_builder_end_array(builder);
    json_builder_end_object(builder);
    root = json_builder_get_root(builder);
    return json_to_string(root, TRUE);
}

/* ---- locking and writing ------------------------------------------------------------------- */

VfpLedger *
vfp_ledger_open(VfpLedgerMode mode, GError **error)
{
    g_autoptr(VfpLedger) ledger = g_new0(VfpLedger, 1);

    ledger->mode = mode;
    ledger->path = vfp_state_path(LEDGER_FILE);
    ledger->claims = g_ptr_array_new_with_free_func((GDestroyNotify)vfp_claim_free);
    ledger->marked_keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    ledger->lock = vfp_state_lock(
        LOCK_FILE, mode == VFP_LEDGER_WRITE ? VFP_LOCK_EXCLUSIVE : VFP_LOCK_SHARED, error);
    if (!ledger->lock || !ledger_load(ledger, error))
        return NULL;
    return g_steal_pointer(&ledger);
}

VfpClaim *
vfp_ledger_lookup(const VfpLedger *ledger, const char *address)
{
    for (guint i = 0; i < ledger->claims->len; i++) {
        VfpClaim *claim = g_ptr_array_index(ledger->claims, i);

        if (g_strcmp0(claim->address, address) == 0)
            return claim;
    }
    return NULL;
}

/* Takes CLAIM. A VF held by another domain is refused; the same domain claiming again (a
 * retried step) updates its own entry in place (pointers to it stay valid) but keeps the
 * originally saved state and what was changed on the VF. */
gboolean
vfp_ledger_claim(VfpLedger *ledger, VfpClaim *claim, GError **error)
{
    g_autoptr(VfpClaim) owned = claim;
    VfpClaim *existing = vfp_ledger_lookup(ledger, claim->address);

    if (existing && g_strcmp0(existing->uuid, claim->uuid) != 0) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_BUSY,
                    "VF %s is held by running domain '%s'; stop that domain or choose another VF",
                    claim->address, existing->domain);
        return FALSE;
    }
    if (existing) {
        /* The state from before the domain first got the VF is the one to restore. */
        if (existing->has_saved) {
            g_free(claim->saved_driver);
            vfp_vf_config_clear(&claim->saved);
            claim->has_saved = TRUE;
            claim->saved_driver = g_steal_pointer(&existing->saved_driver);
            claim->saved = existing->saved;
            existing->saved.mac = NULL;
        }
        claim->applied |= existing->applied;
        if (!claim->bound_driver)
            claim->bound_driver = g_steal_pointer(&existing->bound_driver);
        {
            VfpClaim previous = *existing;

            *existing = *claim;
            *claim = previous; /* freed with OWNED */
        }
        return TRUE;
    }
    g_ptr_array_add(ledger->claims, g_steal_pointer(&owned));
    return TRUE;
}

gboolean
vfp_ledger_release(VfpLedger *ledger, const char *address)
{
    VfpClaim *claim = vfp_ledger_lookup(ledger, address);

    return claim && g_ptr_array_remove(ledger->claims, claim);
}

guint
vfp_ledger_release_domain(VfpLedger *ledger, const char *uuid)
{
    guint removed = 0;

    for (guint i = 0; i < ledger->claims->len;) {
        VfpClaim *claim = g_ptr_array_index(ledger->claims, i);

        if (g_strcmp0(claim->uuid, uuid) == 0) {
            g_ptr_array_remove_index(ledger->claims, i);
            removed++;
        } else {
            i++;
        }
    }
    return removed;
}

/* The per-domain entries follow the claims: made before a domain's first claim is written,
 * removed after its last one is gone, so the hook front finds every domain holding VFs. */
static gboolean
mark_new_keys(VfpLedger *ledger, GHashTable *keys, GError **error)
{
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init(&iter, keys);
    while (g_hash_table_iter_next(&iter, &key, NULL)) {
        if (!g_hash_table_contains(ledger->marked_keys, key) && !vfp_state_mark_domain(key, error))
            return FALSE;
    }
    return TRUE;
}

static void
unmark_old_keys(VfpLedger *ledger, GHashTable *keys)
{
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init(&iter, ledger->marked_keys);
    while (g_hash_table_iter_next(&iter, &key, NULL)) {
        if (!g_hash_table_contains(keys, key))
            vfp_state_unmark_domain(key);
    }
}

/* Replaces the ledger atomically (see vfp_state_write): after a crash it is either the old
 * one or the new one, never a mix. */
gboolean
vfp_ledger_commit(VfpLedger *ledger, GError **error)
{
    g_autoptr(GHashTable) keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autofree char *json = NULL;

    g_return_val_if_fail(ledger->mode == VFP_LEDGER_WRITE, FALSE);
    for (guint i = 0; i < ledger->claims->len; i++)
        g_hash_table_add(keys, g_strdup(((VfpClaim *)g_ptr_array_index(ledger->claims, i))->uuid));
    if (!mark_new_keys(ledger, keys, error))
        return FALSE;
    json = vfp_ledger_to_json(ledger);
    if (!vfp_state_write(LEDGER_FILE, json, strlen(json), error))
        return FALSE;
    unmark_old_keys(ledger, keys);
    g_hash_table_unref(ledger->marked_keys);
    ledger->marked_keys = g_steal_pointer(&keys);
    return TRUE;
}
