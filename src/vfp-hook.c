/* The hook steps. prepare holds the ledger lock from the first check to the last change, so
 * concurrent starts are serialized; claims are written ahead (pending) with the VF's saved
 * state before anything on the VF changes, so a killed hook leaves what the next one can undo. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "vfp-error.h"
#include "vfp-hook.h"
#include "vfp-netlink.h"
#include "vfp-select.h"
#include "vfp-vfio.h"
#include "vfp-vfstate.h"

VfpHookStep
vfp_hook_step_parse(const char *op, const char *subop)
{
    static const struct {
        const char *op;
        const char *subop;
        VfpHookStep step;
    } steps[] = {
        {"prepare", "begin", VFP_HOOK_PREPARE},   {"release", "end", VFP_HOOK_RELEASE},
        {"migrate", "begin", VFP_HOOK_MIGRATE},   {"restore", "begin", VFP_HOOK_RESTORE},
        {"reconnect", "begin", VFP_HOOK_RECONNECT},
    };

    for (guint i = 0; i < G_N_ELEMENTS(steps); i++) {
        if (g_strcmp0(op, steps[i].op) == 0 && g_strcmp0(subop, steps[i].subop) == 0)
            return steps[i].step;
    }
    return VFP_HOOK_IGNORED;
}

/* One request of the domain being started, and what this call did for it. */
typedef struct {
    const VfpRequest *request;
    const VfpReservation *reservation;
    const VfpPool *pool;
    VfpPf *pf;
    VfpDeviceInfo device;
    VfpClaim *claim; /* in the ledger, once written */
} PreparedVf;

static void
prepared_vf_clear(PreparedVf *vf)
{
    vfp_device_info_clear(&vf->device);
}

/* ---- prepare ------------------------------------------------------------------------------- */

static gboolean
check_resolved(const VfpDomain *domain, GArray *vfs, GError **error)
{
    for (guint i = 0; i < domain->requests->len; i++) {
        PreparedVf vf = {0};

        vf.request = g_ptr_array_index(domain->requests, i);
        vf.reservation = vfp_domain_find_reservation(domain, vf.request->alias);
        vfp_domain_get_device(domain, vf.request->alias, &vf.device);
        if (!vf.reservation || !vf.device.found) {
            g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                        "domain '%s': vf '%s' (pool %s) is not resolved; run 'vfpool resolve %s' "
                        "or start vfpoold, then start the domain again",
                        domain->name, vf.request->alias, vf.request->pool, domain->name);
            prepared_vf_clear(&vf);
            return FALSE;
        }
        if (g_strcmp0(vf.device.address, vf.reservation->address) != 0) {
            g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                        "domain '%s': device '%s' points at %s but its reservation is VF %s; run "
                        "'vfpool resolve %s' to make them agree",
                        domain->name, vf.request->alias,
                        vf.device.address ? vf.device.address : "no VF", vf.reservation->address,
                        domain->name);
            prepared_vf_clear(&vf);
            return FALSE;
        }
        g_array_append_val(vfs, vf);
    }
    return TRUE;
}

/* Checks each reservation against the pools and the ledger, and finds which PFs need VFs
 * created (PF -> count, in CREATE). */
static gboolean
validate_reservations(const VfpDomain *domain, GPtrArray *pools, VfpHost *host,
                      VfpLedger *ledger, GArray *vfs, GHashTable *create, GError **error)
{
    for (guint i = 0; i < vfs->len; i++) {
        PreparedVf *vf = &g_array_index(vfs, PreparedVf, i);
        const VfpReservation *reservation = vf->reservation;
        const VfpClaim *claim = vfp_ledger_lookup(ledger, reservation->address);
        g_autoptr(GError) local = NULL;

        vf->pool = vfp_pool_find(pools, vf->request->pool);
        if (!vf->pool) {
            g_set_error(error, VFP_ERROR, VFP_ERROR_NOT_FOUND,
                        "domain '%s': vf '%s' asks for pool '%s', which is not defined on this "
                        "host; add the pool or fix the request, then run 'vfpool resolve %s'",
                        domain->name, vf->request->alias, vf->request->pool, domain->name);
            return FALSE;
        }
        if (claim && g_strcmp0(claim->uuid, vfp_domain_key(domain)) != 0) {
            g_set_error(error, VFP_ERROR, VFP_ERROR_BUSY,
                        "domain '%s': VF %s (pool %s) is held by running domain '%s'; stop that "
                        "domain, or run 'vfpool resolve %s' to pick another VF",
                        domain->name, reservation->address, vf->pool->name, claim->domain,
                        domain->name);
            return FALSE;
        }
        vf->pf = vfp_host_get_pf(host, reservation->pf, &local);
        if (!vf->pf || !vfp_pool_selects_pf(vf->pool, vf->pf) ||
            !vfp_pool_has_index(vf->pool, reservation->index) ||
            reservation->index >= vfp_pool_vf_limit(vf->pool, vf->pf)) {
            g_set_error(error, VFP_ERROR, VFP_ERROR_NOT_FOUND,
                        "domain '%s': reserved VF %s (PF %s VF %u) is not a VF of pool '%s' on "
                        "this host%s%s; run 'vfpool resolve %s' to pick another",
                        domain->name, reservation->address, reservation->pf, reservation->index,
                        vf->pool->name, local ? ": " : "", local ? local->message : "",
                        domain->name);
            return FALSE;
        }
        if (reservation->index >= vf->pf->num_vfs) {
            guint count = MIN(vf->pool->create, vf->pf->total_vfs);
            guint planned = GPOINTER_TO_UINT(g_hash_table_lookup(create, vf->pf));

            g_hash_table_insert(create, vf->pf, GUINT_TO_POINTER(MAX(count, planned)));
        }
    }
    return TRUE;
}

static gboolean
create_vfs(const VfpDomain *domain, VfpLedger *ledger, GHashTable *create, GError **error)
{
    GHashTableIter iter;
    gpointer key, value;

    g_hash_table_iter_init(&iter, create);
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        VfpPf *pf = key;
        GPtrArray *claims = vfp_ledger_get_claims(ledger);
        guint before = pf->num_vfs;

        for (guint i = 0; i < claims->len; i++) {
            const VfpClaim *claim = g_ptr_array_index(claims, i);

            if (g_strcmp0(claim->pf, pf->address) == 0) {
                g_set_error(error, VFP_ERROR, VFP_ERROR_BUSY,
                            "domain '%s': PF %s needs %u VFs but has %u, and its VF %s is held "
                            "by running domain '%s'; run 'vfpool resolve %s' to pick an "
                            "existing VF",
                            domain->name, pf->address, GPOINTER_TO_UINT(value), pf->num_vfs,
                            claim->address, claim->domain, domain->name);
                return FALSE;
            }
        }
        if (!vfp_pf_set_num_vfs(pf, GPOINTER_TO_UINT(value), error)) {
            g_prefix_error(error, "domain '%s': cannot create VFs: ", domain->name);
            return FALSE;
        }
        g_message("domain '%s': created %u VFs on PF %s (had %u)", domain->name,
                  GPOINTER_TO_UINT(value), pf->address, before);
    }
    return TRUE;
}

/* The VF must be usable now: it exists at the reserved address, the host does not use it,
 * and its IOMMU group has no device outside the pool. */
static gboolean
check_vf(const VfpDomain *domain, VfpHost *host, VfpLedger *ledger, PreparedVf *vf, VfpVf **out,
         GError **error)
{
    g_autoptr(GError) local = NULL;
    g_autofree char *why = NULL;
    VfpVf *found = vfp_pf_get_vf(vf->pf, vf->reservation->index, &local);

    if (!found || g_strcmp0(found->address, vf->reservation->address) != 0) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_NOT_FOUND,
                    "domain '%s': reserved VF %s is not VF %u of PF %s any more%s%s; run "
                    "'vfpool resolve %s'",
                    domain->name, vf->reservation->address, vf->reservation->index,
                    vf->pf->address, local ? ": " : "", local ? local->message : "",
                    domain->name);
        return FALSE;
    }
    if (vfp_vf_in_host_use(found, &why)) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_BUSY,
                    "domain '%s': VF %s (pool %s) is in use by the host: %s; bring that device "
                    "down or run 'vfpool resolve %s' to pick another VF",
                    domain->name, found->address, vf->pool->name, why, domain->name);
        return FALSE;
    }
    for (guint i = 0; found->iommu_peers && i < found->iommu_peers->len; i++) {
        const char *peer_address = g_ptr_array_index(found->iommu_peers, i);
        VfpVf *peer = vfp_host_get_vf(host, peer_address, NULL);
        const VfpClaim *claim = vfp_ledger_lookup(ledger, peer_address);

        if (!peer || !vfp_pool_owns_vf(vf->pool, peer) ||
            (claim && g_strcmp0(claim->uuid, vfp_domain_key(domain)) != 0)) {
            g_set_error(error, VFP_ERROR, VFP_ERROR_BUSY,
                        "domain '%s': VF %s shares IOMMU group %d with %s%s%s; run 'vfpool "
                        "resolve %s' to pick another VF",
                        domain->name, found->address, found->iommu_group, peer_address,
                        claim ? ", held by running domain " : ", which is outside the pool",
                        claim ? claim->domain : "", domain->name);
            return FALSE;
        }
    }
    *out = found;
    return TRUE;
}

static VfpClaim *
new_claim(const VfpDomain *domain, const PreparedVf *vf, const VfpVf *found, const char *step)
{
    VfpClaim *claim = vfp_claim_new();

    claim->address = g_strdup(found->address);
    claim->pf = g_strdup(vf->pf->address);
    claim->index = found->index;
    claim->pool = g_strdup(vf->pool->name);
    claim->domain = g_strdup(domain->name);
    claim->uuid = g_strdup(vfp_domain_key(domain));
    claim->alias = g_strdup(vf->request->alias);
    claim->step = g_strdup(step);
    claim->time = g_get_real_time() / G_USEC_PER_SEC;
    claim->pid = getpid();
    return claim;
}

static guint
planned_fields(const PreparedVf *vf)
{
    g_auto(VfpVfConfig) config = {0};
    guint fields, requested;

    if (!vf->pf->netdev)
        return 0;
    vfp_vf_state_plan(vf->request, vf->pool, vf->device.network, &config, &fields, &requested);
    return fields;
}

static gboolean
field_matches(VfpVfField field, const VfpVfConfig *want, const VfpVfConfig *got)
{
    switch (field) {
    case VFP_VF_FIELD_MAC:
        return g_strcmp0(want->mac, got->mac) == 0;
    case VFP_VF_FIELD_VLAN:
        return want->vlan == got->vlan && MAX(want->vlan_qos, 0) == MAX(got->vlan_qos, 0);
    case VFP_VF_FIELD_SPOOFCHK:
        return got->spoofchk == VFP_TRISTATE_UNSET || want->spoofchk == got->spoofchk;
    case VFP_VF_FIELD_TRUST:
        return got->trust == VFP_TRISTATE_UNSET || want->trust == got->trust;
    case VFP_VF_FIELD_LINK_STATE:
        return got->link_state == VFP_LINK_STATE_UNSET || want->link_state == got->link_state;
    case VFP_VF_FIELD_RATE:
        return (got->max_tx_rate < 0 || MAX(want->max_tx_rate, 0) == got->max_tx_rate) &&
               (got->min_tx_rate < 0 || MAX(want->min_tx_rate, 0) == got->min_tx_rate);
    }
    return FALSE;
}

/* Applies the L2 settings through the PF and reads them back. */
static gboolean
apply_settings(const VfpDomain *domain, PreparedVf *vf, GError **error)
{
    const VfpNetlinkOps *ops = vfp_netlink_get();
    g_auto(VfpVfConfig) config = {0};
    guint fields, requested;

    vfp_vf_state_plan(vf->request, vf->pool, vf->device.network, &config, &fields, &requested);
    if (!fields)
        return TRUE;
    if (!vf->pf->netdev) {
        if (!requested)
            return TRUE;
        g_set_error(error, VFP_ERROR, VFP_ERROR_UNSUPPORTED,
                    "domain '%s': vf '%s' asks for network settings, but PF %s of pool '%s' has "
                    "no network device; remove them from the request",
                    domain->name, vf->request->alias, vf->pf->address, vf->pool->name);
        return FALSE;
    }
    for (guint i = 0; i < VFP_VF_FIELD_COUNT; i++) {
        VfpVfField field = 1 << i;
        g_autoptr(GError) local = NULL;
        g_auto(VfpVfConfig) got = {0};

        if (!(fields & field))
            continue;
        vfp_vf_config_init(&got);
        if (ops->vf_set(vf->pf->netdev, vf->reservation->index, field, &config, &local) &&
            ops->vf_get(vf->pf->netdev, vf->reservation->index, &got, &local) &&
            !field_matches(field, &config, &got))
            g_set_error(&local, VFP_ERROR, VFP_ERROR_UNSUPPORTED,
                        "PF %s accepted %s on VF %u but reads back another value",
                        vf->pf->netdev, vfp_vf_field_to_string(field), vf->reservation->index);
        if (!local) {
            g_message("domain '%s': VF %s: set %s", domain->name, vf->claim->address,
                      vfp_vf_field_to_string(field));
            continue;
        }
        if (requested & field) {
            g_set_error(error, VFP_ERROR, local->code,
                        "domain '%s': VF %s (pool %s): %s (PF driver %s); remove %s from vf "
                        "'%s' or use a pool whose PFs support it",
                        domain->name, vf->claim->address, vf->pool->name, local->message,
                        vf->pf->driver ? vf->pf->driver : "unknown",
                        vfp_vf_field_to_string(field), vf->request->alias);
            return FALSE;
        }
        vf->claim->applied &= ~field; /* refused: nothing to restore */
        g_warning("domain '%s': pool '%s' default %s skipped on VF %s: %s", domain->name,
                  vf->pool->name, vfp_vf_field_to_string(field), vf->claim->address,
                  local->message);
    }
    return TRUE;
}

/* Unmanaged devices (variant drivers, managed='no') are ours to bind; libvirt binds managed
 * ones to vfio-pci after this hook. */
static gboolean
bind_if_unmanaged(const VfpDomain *domain, PreparedVf *vf, GError **error)
{
    if (vf->device.managed)
        return TRUE;
    if (!vfp_pci_bind_driver(vf->claim->address, vf->pool->driver, error)) {
        g_prefix_error(error, "domain '%s': ", domain->name);
        return FALSE;
    }
    g_message("domain '%s': VF %s bound to %s", domain->name, vf->claim->address,
              vf->pool->driver);
    return TRUE;
}

static void
rollback(VfpLedger *ledger, VfpHost *host, GArray *vfs)
{
    for (guint i = 0; i < vfs->len; i++) {
        PreparedVf *vf = &g_array_index(vfs, PreparedVf, i);

        if (!vf->claim)
            continue;
        vfp_vf_state_restore(host, vf->claim);
        vfp_ledger_release(ledger, vf->claim->address);
        vf->claim = NULL;
    }
}

static gboolean
hook_prepare(const VfpDomain *domain, GError **error)
{
    g_autoptr(GArray) vfs = g_array_new(FALSE, TRUE, sizeof(PreparedVf));
    g_autoptr(GHashTable) create = g_hash_table_new(NULL, NULL);
    g_autoptr(GPtrArray) pools = NULL;
    g_autoptr(VfpLedger) ledger = NULL;
    g_autoptr(VfpHost) host = vfp_host_new();
    g_autoptr(GError) local = NULL;

    g_array_set_clear_func(vfs, (GDestroyNotify)prepared_vf_clear);
    if (!check_resolved(domain, vfs, error))
        return FALSE;
    if (!(pools = vfp_pool_load_all(error)) || !(ledger = vfp_ledger_open(VFP_LEDGER_WRITE, error)))
        return FALSE;
    vfp_vf_state_sweep_pending(ledger, host);
    if (!validate_reservations(domain, pools, host, ledger, vfs, create, error) ||
        !create_vfs(domain, ledger, create, error))
        goto fail;

    /* Write ahead: every claim with the VF's saved state, before the VF changes. */
    for (guint i = 0; i < vfs->len; i++) {
        PreparedVf *vf = &g_array_index(vfs, PreparedVf, i);
        VfpVf *found = NULL;
        VfpClaim *claim;

        if (!check_vf(domain, host, ledger, vf, &found, error))
            goto fail;
        claim = new_claim(domain, vf, found, "prepare");
        claim->pending = TRUE;
        claim->has_saved = TRUE;
        /* Everything this call may change, so a hook killed half-way is undone in full. */
        claim->applied = planned_fields(vf);
        claim->bound_driver = vf->device.managed ? NULL : g_strdup(vf->pool->driver);
        claim->saved_driver = g_strdup(found->driver);
        if (vf->pf->netdev &&
            !vfp_netlink_get()->vf_get(vf->pf->netdev, found->index, &claim->saved, &local)) {
            g_set_error(error, VFP_ERROR, local->code,
                        "domain '%s': cannot read the settings of VF %s: %s", domain->name,
                        found->address, local->message);
            vfp_claim_free(claim);
            goto fail;
        }
        if (!vfp_ledger_claim(ledger, claim, error))
            goto fail;
        vf->claim = vfp_ledger_lookup(ledger, found->address);
    }
    if (!vfp_ledger_commit(ledger, error))
        goto fail;

    for (guint i = 0; i < vfs->len; i++) {
        PreparedVf *vf = &g_array_index(vfs, PreparedVf, i);

        if (!apply_settings(domain, vf, error) || !bind_if_unmanaged(domain, vf, error))
            goto fail;
    }
    for (guint i = 0; i < vfs->len; i++) {
        PreparedVf *vf = &g_array_index(vfs, PreparedVf, i);

        vf->claim->pending = FALSE;
        g_message("domain '%s': step prepare: holds VF %s (pool %s) for '%s'", domain->name,
                  vf->claim->address, vf->pool->name, vf->request->alias);
    }
    if (!vfp_ledger_commit(ledger, error))
        goto fail;
    return TRUE;

fail:
    rollback(ledger, host, vfs);
    if (!vfp_ledger_commit(ledger, &local))
        g_warning("domain '%s': %s", domain->name, local->message);
    return FALSE;
}

/* ---- the other steps ---------------------------------------------------------------------- */

/* release end: never fails; what cannot be restored is logged. */
static gboolean
hook_release(const VfpDomain *domain, GError **error)
{
    g_autoptr(VfpLedger) ledger = vfp_ledger_open(VFP_LEDGER_WRITE, error);
    g_autoptr(VfpHost) host = vfp_host_new();
    GPtrArray *claims;
    guint released = 0;

    if (!ledger)
        return FALSE;
    vfp_vf_state_sweep_pending(ledger, host);
    claims = vfp_ledger_get_claims(ledger);
    for (guint i = 0; i < claims->len;) {
        VfpClaim *claim = g_ptr_array_index(claims, i);

        if (g_strcmp0(claim->uuid, vfp_domain_key(domain)) != 0) {
            i++;
            continue;
        }
        vfp_vf_state_restore(host, claim);
        g_message("domain '%s': step release: gave back VF %s (pool %s)", domain->name,
                  claim->address, claim->pool);
        g_ptr_array_remove_index(claims, i);
        released++;
    }
    return vfp_ledger_commit(ledger, error);
}

/* migrate begin (destination) and restore begin: choose local VFs without claiming them (the
 * prepare that follows claims them) and print the rewritten XML. For restore, print nothing
 * when every reservation still holds. */
static gboolean
hook_rewrite(VfpDomain *domain, gboolean only_if_changed, GString *output, GError **error)
{
    g_autoptr(GPtrArray) pools = vfp_pool_load_all(error);
    g_autoptr(VfpLedger) ledger = pools ? vfp_ledger_open(VFP_LEDGER_READ, error) : NULL;
    g_autoptr(VfpHost) host = vfp_host_new();
    g_autoptr(GPtrArray) choices = NULL;
    g_autofree char *xml = NULL;
    VfpSelectContext context = {host, pools, ledger, NULL};
    gboolean all_kept = TRUE;

    if (!ledger)
        return FALSE;
    choices = vfp_select_resolve(&context, domain, error);
    if (!choices)
        return FALSE;
    for (guint i = 0; i < choices->len; i++) {
        const VfpChoice *choice = g_ptr_array_index(choices, i);
        VfpReservation *reservation = vfp_domain_find_reservation(domain, choice->request->alias);

        all_kept &= choice->kept && reservation &&
                    g_strcmp0(reservation->address, choice->address) == 0;
    }
    if (only_if_changed && all_kept)
        return TRUE;
    if (!vfp_select_apply(domain, choices, error))
        return FALSE;
    xml = vfp_domain_to_string(domain);
    g_string_append(output, xml);
    for (guint i = 0; i < choices->len; i++) {
        const VfpChoice *choice = g_ptr_array_index(choices, i);

        g_message("domain '%s': vf '%s' now uses VF %s (pool %s)", domain->name,
                  choice->request->alias, choice->address, choice->pool->name);
    }
    return TRUE;
}

/* reconnect begin: libvirtd restarted while the domain runs. The ledger may be new (a wiped
 * /run) or intact; either way the domain holds its reserved VFs. Must not fail: libvirt kills
 * a domain whose reconnect hook fails. */
static gboolean
hook_reconnect(const VfpDomain *domain, GError **error)
{
    g_autoptr(VfpLedger) ledger = vfp_ledger_open(VFP_LEDGER_WRITE, error);
    g_autoptr(VfpHost) host = vfp_host_new();

    if (!ledger)
        return FALSE;
    vfp_vf_state_sweep_pending(ledger, host);
    {
        g_autoptr(GPtrArray) pools = vfp_pool_load_all(NULL);

        vfp_vf_state_adopt(ledger, host, pools, domain, "reconnect");
    }
    return vfp_ledger_commit(ledger, error);
}

/* ---- entry --------------------------------------------------------------------------------- */

/* Runs STEP for domain NAME with its XML. Returns the exit code for libvirt; what libvirt
 * should use as the new domain XML goes to OUTPUT. A failing blocking step sets FAILURE, whose
 * one-line message libvirt shows to the user; the others only log. */
int
vfp_hook_run(const char *name, VfpHookStep step, const char *xml, gsize length,
             GString *output, GError **failure)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfpDomain) domain = NULL;
    gboolean blocking = step == VFP_HOOK_PREPARE || step == VFP_HOOK_MIGRATE ||
                        step == VFP_HOOK_RESTORE;
    gboolean ok = FALSE;

    if (step == VFP_HOOK_IGNORED)
        return 0;
    domain = vfp_domain_parse(xml, length, &error);
    if (domain && g_strcmp0(domain->name, name) != 0) {
        g_set_error(&error, VFP_ERROR, VFP_ERROR_INVALID,
                    "hook called for domain '%s' with the XML of domain '%s'; nothing done",
                    name, domain->name);
        g_clear_pointer(&domain, vfp_domain_free);
    }
    if (!domain) {
        g_prefix_error(&error, "domain '%s': ", name);
    } else if (domain->requests->len == 0) {
        return 0;
    } else {
        switch (step) {
        case VFP_HOOK_PREPARE:
            ok = hook_prepare(domain, &error);
            break;
        case VFP_HOOK_RELEASE:
            ok = hook_release(domain, &error);
            break;
        case VFP_HOOK_MIGRATE:
            ok = hook_rewrite(domain, FALSE, output, &error);
            break;
        case VFP_HOOK_RESTORE:
            ok = hook_rewrite(domain, TRUE, output, &error);
            break;
        case VFP_HOOK_RECONNECT:
            ok = hook_reconnect(domain, &error);
            break;
        case VFP_HOOK_IGNORED:
            break;
        }
    }
    if (ok)
        return 0;
    g_string_truncate(output, 0);
    if (!blocking) {
        g_warning("%s", error->message);
        return 0;
    }
    g_propagate_error(failure, g_steal_pointer(&error));
    return 1;
}
