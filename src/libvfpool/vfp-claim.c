/* Claims and their records: GKeyFile text, one group for the claim and one for the VF's saved
 * state, unset fields left out. */
#include "config.h"

#include "vfp-address.h"
#include "vfp-claim.h"
#include "vfp-error.h"

#define CLAIM_GROUP "claim"
#define SAVED_GROUP "saved"

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

/* CLAIM replaces EARLIER, made by the same domain (a retried step): the state from before the
 * domain first got the VF is the one to restore, and what either changed must be put back. */
void
vfp_claim_keep_original(VfpClaim *claim, VfpClaim *earlier)
{
    if (earlier->has_saved) {
        g_free(claim->saved_driver);
        vfp_vf_config_clear(&claim->saved);
        claim->has_saved = TRUE;
        claim->saved_driver = g_steal_pointer(&earlier->saved_driver);
        claim->saved = earlier->saved;
        vfp_vf_config_init(&earlier->saved);
    }
    claim->applied |= earlier->applied;
    if (!claim->bound_driver)
        claim->bound_driver = g_steal_pointer(&earlier->bound_driver);
}

/* ---- writing -------------------------------------------------------------------------------- */

static void
set_string(GKeyFile *file, const char *group, const char *key, const char *value)
{
    if (value)
        g_key_file_set_string(file, group, key, value);
}

static void
set_int(GKeyFile *file, const char *group, const char *key, gint64 value)
{
    if (value >= 0)
        g_key_file_set_int64(file, group, key, value);
}

char *
vfp_claim_to_data(const VfpClaim *claim, gsize *length)
{
    g_autoptr(GKeyFile) file = g_key_file_new();
    const VfpVfConfig *saved = &claim->saved;

    set_string(file, CLAIM_GROUP, "address", claim->address);
    set_string(file, CLAIM_GROUP, "pf", claim->pf);
    set_int(file, CLAIM_GROUP, "index", claim->index);
    set_string(file, CLAIM_GROUP, "pool", claim->pool);
    set_string(file, CLAIM_GROUP, "domain", claim->domain);
    set_string(file, CLAIM_GROUP, "uuid", claim->uuid);
    set_string(file, CLAIM_GROUP, "alias", claim->alias);
    set_string(file, CLAIM_GROUP, "step", claim->step);
    set_int(file, CLAIM_GROUP, "time", claim->time);
    set_int(file, CLAIM_GROUP, "pid", claim->pid);
    if (claim->pending)
        g_key_file_set_boolean(file, CLAIM_GROUP, "pending", TRUE);
    if (claim->applied)
        set_int(file, CLAIM_GROUP, "applied", claim->applied);
    set_string(file, CLAIM_GROUP, "bound-driver", claim->bound_driver);
    if (claim->has_saved) {
        /* The group is there even when empty: "saved, and there was nothing". */
        g_key_file_set_comment(file, SAVED_GROUP, NULL, " the VF before the domain got it", NULL);
        set_string(file, SAVED_GROUP, "driver", claim->saved_driver);
        set_string(file, SAVED_GROUP, "mac", saved->mac);
        set_int(file, SAVED_GROUP, "vlan", saved->vlan);
        set_int(file, SAVED_GROUP, "qos", saved->vlan_qos);
        set_string(file, SAVED_GROUP, "spoofchk", vfp_tristate_to_string(saved->spoofchk));
        set_string(file, SAVED_GROUP, "trust", vfp_tristate_to_string(saved->trust));
        set_string(file, SAVED_GROUP, "link-state", vfp_link_state_to_string(saved->link_state));
        set_int(file, SAVED_GROUP, "min-tx-rate", saved->min_tx_rate);
        set_int(file, SAVED_GROUP, "max-tx-rate", saved->max_tx_rate);
    }
    return g_key_file_to_data(file, length, NULL);
}

/* ---- reading -------------------------------------------------------------------------------- */

static char *
get_string(GKeyFile *file, const char *group, const char *key)
{
    return g_key_file_get_string(file, group, key, NULL);
}

/* An optional number: FALSE only when the key is there and not a number in [0, MAX]. */
static gboolean
get_int(GKeyFile *file, const char *group, const char *key, gint64 max, gint64 *value)
{
    g_autoptr(GError) error = NULL;
    gint64 read;

    if (!g_key_file_has_key(file, group, key, NULL))
        return TRUE;
    read = g_key_file_get_int64(file, group, key, &error);
    if (error || read < 0 || read > max)
        return FALSE;
    *value = read;
    return TRUE;
}

static gboolean
read_saved(GKeyFile *file, VfpClaim *claim)
{
    VfpVfConfig *saved = &claim->saved;
    g_autofree char *spoofchk = get_string(file, SAVED_GROUP, "spoofchk");
    g_autofree char *trust = get_string(file, SAVED_GROUP, "trust");
    g_autofree char *link_state = get_string(file, SAVED_GROUP, "link-state");
    gint64 vlan = -1, qos = -1;

    claim->has_saved = TRUE;
    claim->saved_driver = get_string(file, SAVED_GROUP, "driver");
    claim->saved.mac = get_string(file, SAVED_GROUP, "mac");
    if (!get_int(file, SAVED_GROUP, "vlan", 4095, &vlan) ||
        !get_int(file, SAVED_GROUP, "qos", 7, &qos) ||
        !get_int(file, SAVED_GROUP, "min-tx-rate", G_MAXINT64, &saved->min_tx_rate) ||
        !get_int(file, SAVED_GROUP, "max-tx-rate", G_MAXINT64, &saved->max_tx_rate) ||
        (spoofchk && !vfp_tristate_parse(spoofchk, &saved->spoofchk)) ||
        (trust && !vfp_tristate_parse(trust, &saved->trust)) ||
        (link_state && !vfp_link_state_parse(link_state, &saved->link_state)))
        return FALSE;
    saved->vlan = vlan;
    saved->vlan_qos = qos;
    return TRUE;
}

/* Parses a record. Whatever a crash or a person left there is refused as unreadable, never
 * half used. */
VfpClaim *
vfp_claim_from_data(const char *data, gsize length, GError **error)
{
    g_autoptr(GKeyFile) file = g_key_file_new();
    g_autoptr(VfpClaim) claim = vfp_claim_new();
    g_autoptr(GError) local = NULL;
    VfpPciAddress parsed;
    gint64 index = -1, applied = 0;

    if (!g_key_file_load_from_data(file, data, length, G_KEY_FILE_NONE, &local)) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_LEDGER, "%s", local->message);
        return NULL;
    }
    claim->address = get_string(file, CLAIM_GROUP, "address");
    claim->pf = get_string(file, CLAIM_GROUP, "pf");
    claim->pool = get_string(file, CLAIM_GROUP, "pool");
    claim->domain = get_string(file, CLAIM_GROUP, "domain");
    claim->uuid = get_string(file, CLAIM_GROUP, "uuid");
    claim->alias = get_string(file, CLAIM_GROUP, "alias");
    claim->step = get_string(file, CLAIM_GROUP, "step");
    claim->bound_driver = get_string(file, CLAIM_GROUP, "bound-driver");
    claim->time = claim->pid = -1;
    if (!claim->address || !vfp_pci_address_parse(claim->address, &parsed) || !claim->domain ||
        !claim->uuid || !get_int(file, CLAIM_GROUP, "index", G_MAXUINT16, &index) || index < 0 ||
        !get_int(file, CLAIM_GROUP, "time", G_MAXINT64, &claim->time) || claim->time < 0 ||
        !get_int(file, CLAIM_GROUP, "pid", G_MAXINT32, &claim->pid) || claim->pid < 0 ||
        !get_int(file, CLAIM_GROUP, "applied", G_MAXUINT16, &applied) ||
        (g_key_file_has_group(file, SAVED_GROUP) && !read_saved(file, claim))) {
        g_set_error_literal(error, VFP_ERROR, VFP_ERROR_LEDGER,
                            "a field is missing or has a wrong value");
        return NULL;
    }
    claim->index = index;
    claim->applied = applied;
    claim->pending = g_key_file_get_boolean(file, CLAIM_GROUP, "pending", NULL);
    return g_steal_pointer(&claim);
}
