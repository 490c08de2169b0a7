/* Taking the VFs of a domain's requests: checks, write-ahead claims, settings, binding. */
#include "config.h"

#include <unistd.h>

#include "vfp-error.h"
#include "vfp-log.h"
#include "vfp-netlink.h"
#include "vfp-select.h"
#include "vfp-take.h"
#include "vfp-pci-driver.h"
#include "vfp-vfstate.h"

void
vfp_take_clear(VfpTake *take)
{
    vfp_device_info_clear(&take->device);
}

/* The existing VF TAKE's reservation names: VF INDEX of its PF, at the reserved address. */
static VfpVf *
find_reserved_vf(const VfpDomain *domain, VfpTake *take, GError **error)
{
    g_autoptr(GError) local = NULL;
    VfpVf *found = vfp_pf_get_vf(take->pf, take->reservation->index, &local);

    if (!found || g_strcmp0(found->address, take->reservation->address) != 0) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_NOT_FOUND,
                    "domain '%s': reserved VF %s is not VF %u of PF %s any more%s%s; run "
                    "'vfpool resolve %s'",
                    domain->name, take->reservation->address, take->reservation->index,
                    take->pf->address, local ? ": " : "", local ? local->message : "",
                    domain->name);
        return NULL;
    }
    return found;
}

/* The VF must be usable now: it exists at the reserved address, the host does not use it,
 * and its IOMMU group has no device outside the pool. */
static gboolean
check_vf(const VfpDomain *domain, VfpHost *host, VfpLedger *ledger, VfpTake *vf, VfpVf **out,
         GError **error)
{
    g_autofree char *why = NULL;
    g_autofree char *group = NULL;
    VfpVf *found = find_reserved_vf(domain, vf, error);

    if (!found)
        return FALSE;
    if (vfp_vf_used_outside_vfpool(found, vfp_pool_host_driver_rule(vf->pool), &why)) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_BUSY,
                    "domain '%s': VF %s (pool %s) is in use outside vfpool: %s; free it or run "
                    "'vfpool resolve %s' to pick another VF",
                    domain->name, found->address, vf->pool->name, why, domain->name);
        return FALSE;
    }
    group = vfp_select_iommu_blocker(host, ledger, vf->pool, found, vfp_domain_key(domain));
    if (group) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_BUSY,
                    "domain '%s': VF %s %s; run 'vfpool resolve %s' to pick another VF",
                    domain->name, found->address, group, domain->name);
        return FALSE;
    }
    *out = found;
    return TRUE;
}

/* A VF that does not exist yet must appear at the reserved address once the PF's VF count
 * changes, and the count may change only while none of the PF's VFs is in use. */
static gboolean
check_creatable(const VfpDomain *domain, VfpLedger *ledger, VfpTake *take, GError **error)
{
    g_autofree char *predicted = vfp_pf_predict_vf_address(take->pf, take->reservation->index);
    g_autofree char *blocker = NULL;

    if (g_strcmp0(predicted, take->reservation->address) != 0) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                    "domain '%s': vf '%s' reserves %s, but VF %u of PF %s would be %s; run "
                    "'vfpool resolve %s'",
                    domain->name, take->request->alias, take->reservation->address,
                    take->reservation->index, take->pf->address,
                    predicted ? predicted : "at an unknown address", domain->name);
        return FALSE;
    }
    blocker = vfp_select_pf_resize_blocker(ledger, take->pool, take->pf);
    if (blocker) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_BUSY,
                    "domain '%s': VF %s (pool %s) must be created, but %s; run 'vfpool resolve "
                    "%s' to pick an existing VF",
                    domain->name, take->reservation->address, take->pool->name, blocker,
                    domain->name);
        return FALSE;
    }
    return TRUE;
}

/* TAKE's reservation names VF INDEX of a PF that its request's pool selects on this host,
 * within the pool's range: sets TAKE's pool and PF. The XML is its author's, and a
 * reservation may name any address, PF and index. */
gboolean
vfp_take_check_pool(const VfpDomain *domain, GPtrArray *pools, VfpHost *host, VfpTake *take,
                    GError **error)
{
    const VfpReservation *reservation = take->reservation;
    g_autoptr(GError) local = NULL;

    take->pool = vfp_pool_find(pools, take->request->pool);
    if (!take->pool) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_NOT_FOUND,
                    "domain '%s': vf '%s' asks for pool '%s', which is not defined on this "
                    "host; add the pool or fix the request, then run 'vfpool resolve %s'",
                    domain->name, take->request->alias, take->request->pool, domain->name);
        return FALSE;
    }
    take->pf = vfp_host_get_pf(host, reservation->pf, &local);
    if (!take->pf || !vfp_pool_selects_pf(take->pool, take->pf) ||
        !vfp_pool_has_index(take->pool, reservation->index) ||
        reservation->index >= vfp_pool_vf_limit(take->pool, take->pf)) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_NOT_FOUND,
                    "domain '%s': reserved VF %s (PF %s VF %u) is not a VF of pool '%s' on "
                    "this host%s%s; run 'vfpool resolve %s' to pick another",
                    domain->name, reservation->address, reservation->pf, reservation->index,
                    take->pool->name, local ? ": " : "", local ? local->message : "", domain->name);
        return FALSE;
    }
    return TRUE;
}

/* The same, for a VF that must exist already (a running domain holds it): it is VF INDEX of
 * its PF at the reserved address. */
gboolean
vfp_take_check_existing(const VfpDomain *domain, GPtrArray *pools, VfpHost *host, VfpTake *take,
                        GError **error)
{
    return vfp_take_check_pool(domain, pools, host, take, error) &&
           find_reserved_vf(domain, take, error) != NULL;
}

/* Every check of TAKE that can be made before anything on the host changes: an existing VF
 * is checked as it is, one to be created where it will appear. */
gboolean
vfp_take_check(const VfpDomain *domain, VfpHost *host, VfpLedger *ledger, VfpTake *take,
               GError **error)
{
    VfpVf *found;

    if (take->reservation->index >= take->pf->num_vfs)
        return check_creatable(domain, ledger, take, error);
    return check_vf(domain, host, ledger, take, &found, error);
}

/* Two takes of one VF would claim it twice and configure it for two requests. */
static gboolean
check_distinct(const VfpDomain *domain, GArray *takes, GError **error)
{
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

    for (guint i = 0; i < takes->len; i++) {
        const VfpTake *take = &g_array_index(takes, VfpTake, i);
        const VfpTake *other = g_hash_table_lookup(seen, take->reservation->address);

        if (other) {
            g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                        "domain '%s': vf '%s' and vf '%s' both reserve VF %s; run 'vfpool "
                        "resolve %s' to give each its own VF",
                        domain->name, other->request->alias, take->request->alias,
                        take->reservation->address, domain->name);
            return FALSE;
        }
        g_hash_table_insert(seen, take->reservation->address, (gpointer)take);
    }
    return TRUE;
}

static VfpClaim *
new_claim(const VfpDomain *domain, const VfpTake *vf, const VfpVf *found, const char *step)
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
planned_fields(const VfpTake *vf)
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
apply_settings(const VfpDomain *domain, VfpTake *vf, GError **error)
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
                        "PF %s accepted %s on VF %u but reads back another value", vf->pf->netdev,
                        vfp_vf_field_to_string(field), vf->reservation->index);
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
                        vf->pf->driver ? vf->pf->driver : "unknown", vfp_vf_field_to_string(field),
                        vf->request->alias);
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
bind_if_unmanaged(const VfpDomain *domain, VfpTake *vf, GError **error)
{
    if (vf->device.managed)
        return TRUE;
    if (!vfp_pci_driver_bind(vf->claim->address, vf->pool->driver, error)) {
        g_prefix_error(error, "domain '%s': ", domain->name);
        return FALSE;
    }
    g_message("domain '%s': VF %s bound to %s", domain->name, vf->claim->address, vf->pool->driver);
    return TRUE;
}

/* Writes the claim of TAKE, marked pending and carrying the VF's state from before and
 * everything this take may change, so that a process killed half-way is undone in full by the
 * next one holding the ledger lock. The caller commits. */
static gboolean
write_claim(const VfpDomain *domain, VfpHost *host, VfpLedger *ledger, VfpTake *take,
            const char *step, GError **error)
{
    g_autoptr(GError) local = NULL;
    VfpVf *found = NULL;
    VfpClaim *claim;

    if (!check_vf(domain, host, ledger, take, &found, error))
        return FALSE;
    claim = new_claim(domain, take, found, step);
    claim->pending = TRUE;
    claim->has_saved = TRUE;
    claim->applied = planned_fields(take);
    claim->bound_driver = take->device.managed ? NULL : g_strdup(take->pool->driver);
    claim->saved_driver = g_strdup(found->driver);
    if (take->pf->netdev &&
        !vfp_netlink_get()->vf_get(take->pf->netdev, found->index, &claim->saved, &local)) {
        g_set_error(error, VFP_ERROR, local->code,
                    "domain '%s': cannot read the settings of VF %s: %s", domain->name,
                    found->address, local->message);
        vfp_claim_free(claim);
        return FALSE;
    }
    if (!vfp_ledger_claim(ledger, claim, error))
        return FALSE;
    take->claim = vfp_ledger_lookup(ledger, found->address);
    return TRUE;
}

/* The VF is the domain's: its claim is final (the caller commits). */
static void
finish(const VfpDomain *domain, VfpTake *take, const char *step)
{
    VfpLogFields about = {domain->name, take->pool->name, take->claim->address, step};

    take->claim->pending = FALSE;
    vfp_log_event(VFP_EVENT_VF_CLAIMED, G_LOG_LEVEL_MESSAGE, &about,
                  "domain '%s': step %s: holds VF %s (pool %s) for '%s'", domain->name, step,
                  take->claim->address, take->pool->name, take->request->alias);
}

static int
compare_addresses(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(char *const *)a, *(char *const *)b);
}

/* Locks the PFs of TAKES, then their VFs, all before the first claim (see vfp_ledger_lock_pf);
 * what the caller locked already stays as it is. */
static gboolean
lock_takes(const VfpDomain *domain, VfpLedger *ledger, GArray *takes, GError **error)
{
    g_autoptr(GPtrArray) pfs = g_ptr_array_new();
    g_autoptr(GPtrArray) vfs = g_ptr_array_new();

    for (guint i = 0; i < takes->len; i++) {
        VfpTake *take = &g_array_index(takes, VfpTake, i);

        g_ptr_array_add(pfs, take->pf->address);
        g_ptr_array_add(vfs, take->reservation->address);
    }
    g_ptr_array_sort(pfs, compare_addresses);
    for (guint i = 0; i < pfs->len; i++) {
        if (!vfp_ledger_lock_pf(ledger, g_ptr_array_index(pfs, i), VFP_LOCK_SHARED_WRITER, error))
            goto fail;
    }
    if (vfp_ledger_lock_vfs(ledger, vfs, error))
        return TRUE;
fail:
    g_prefix_error(error, "domain '%s': ", domain->name);
    return FALSE;
}

/* Takes every VF of TAKES for DOMAIN at lifecycle STEP: all claims are written ahead and
 * committed before any VF changes, then each VF is configured, then the claims are final.
 * On failure every claim of TAKES is undone and ERROR says why. */
gboolean
vfp_take_all(const VfpDomain *domain, VfpHost *host, VfpLedger *ledger, GArray *takes,
             const char *step, GError **error)
{
    if (!check_distinct(domain, takes, error) || !lock_takes(domain, ledger, takes, error))
        return FALSE;
    for (guint i = 0; i < takes->len; i++) {
        if (!write_claim(domain, host, ledger, &g_array_index(takes, VfpTake, i), step, error))
            goto fail;
    }
    if (!vfp_ledger_commit(ledger, error))
        goto fail;
    for (guint i = 0; i < takes->len; i++) {
        VfpTake *take = &g_array_index(takes, VfpTake, i);

        if (!apply_settings(domain, take, error) || !bind_if_unmanaged(domain, take, error))
            goto fail;
    }
    for (guint i = 0; i < takes->len; i++)
        finish(domain, &g_array_index(takes, VfpTake, i), step);
    if (!vfp_ledger_commit(ledger, error))
        goto fail;
    return TRUE;

fail:
    vfp_take_abandon(domain, host, ledger, takes);
    return FALSE;
}

/* Undoes every claim of TAKES written so far and commits the ledger; a commit that fails is
 * logged (the pending claims are undone by the next process holding the ledger lock). */
void
vfp_take_abandon(const VfpDomain *domain, VfpHost *host, VfpLedger *ledger, GArray *takes)
{
    g_autoptr(GError) local = NULL;

    for (guint i = 0; i < takes->len; i++) {
        VfpTake *take = &g_array_index(takes, VfpTake, i);

        if (!take->claim)
            continue;
        vfp_vf_state_restore(host, take->claim);
        vfp_ledger_release(ledger, take->claim->address);
        take->claim = NULL;
    }
    if (!vfp_ledger_commit(ledger, &local))
        g_warning("domain '%s': %s", domain->name, local->message);
}

/* A VF just created, as PF drivers set it up: what to restore to when the real state from
 * before is lost. */
static void
fresh_vf_state(VfpVfConfig *config)
{
    vfp_vf_config_init(config);
    config->vlan = 0;
    config->vlan_qos = 0;
    config->spoofchk = VFP_TRISTATE_ON;
    config->trust = VFP_TRISTATE_OFF;
    config->link_state = VFP_LINK_STATE_AUTO;
    config->min_tx_rate = 0;
    config->max_tx_rate = 0;
}

/* Why TAKE's reservation is not a VF the running DOMAIN holds, or NULL: its live metadata is
 * the domain's author's to write, so only what libvirt passes through to it counts, and only a
 * VF of the request's pool. Sets TAKE's pool and PF and DEVICE. */
static const char *
not_held(const VfpDomain *domain, GPtrArray *pools, VfpHost *host, VfpTake *take,
         VfpDeviceInfo *device)
{
    g_autoptr(GError) local = NULL;

    if (!take->request)
        return "no vfpool:vf request has its alias";
    if (!vfp_take_check_existing(domain, pools, host, take, &local))
        return "it is not a VF of the request's pool on this host";
    vfp_domain_get_device(domain, take->request->alias, device);
    if (!device->found || g_strcmp0(device->address, take->reservation->address) != 0)
        return "libvirt does not pass it through to the domain";
    return NULL;
}

/* Claims for a running domain the VFs its reservations name, as the hook's prepare would have
 * (after libvirtd restarted with a lost ledger, or for reconcile), each checked as prepare
 * checks it and passed through to the domain. What the VF looked like before is unknown, so
 * release will put what vfpool set back to a fresh VF's defaults. Returns how many VFs were
 * adopted. */
guint
vfp_take_adopt(VfpLedger *ledger, VfpHost *host, GPtrArray *pools, const VfpDomain *domain,
               const char *step)
{
    g_autoptr(GPtrArray) addresses = g_ptr_array_new();
    g_autoptr(GError) error = NULL;
    guint adopted = 0;

    for (guint i = 0; i < domain->reservations->len; i++)
        g_ptr_array_add(addresses,
                        ((VfpReservation *)g_ptr_array_index(domain->reservations, i))->address);
    if (!vfp_ledger_lock_vfs(ledger, addresses, &error))
        g_warning("domain '%s': step %s: %s", domain->name, step, error->message);
    for (guint i = 0; i < domain->reservations->len; i++) {
        const VfpReservation *reservation = g_ptr_array_index(domain->reservations, i);
        const VfpClaim *existing = vfp_ledger_lookup(ledger, reservation->address);
        VfpTake take = {vfp_domain_find_request(domain, reservation->alias), reservation};
        g_auto(VfpDeviceInfo) device = {0};
        g_auto(VfpVfConfig) planned = {0};
        const char *why;
        guint requested;
        VfpClaim *claim;

        if (existing && g_strcmp0(existing->uuid, vfp_domain_key(domain)) == 0)
            continue;
        if (existing) {
            g_warning("domain '%s': step %s: VF %s is also claimed by '%s'; run 'vfpool "
                      "reconcile'",
                      domain->name, step, reservation->address, existing->domain);
            continue;
        }
        if ((why = not_held(domain, pools, host, &take, &device))) {
            g_warning("domain '%s': step %s: its reservation of VF %s for '%s' is not held: %s",
                      domain->name, step, reservation->address, reservation->alias, why);
            continue;
        }
        claim = vfp_claim_new();
        claim->address = g_strdup(reservation->address);
        claim->pf = g_strdup(take.pf->address);
        claim->index = reservation->index;
        claim->pool = g_strdup(take.pool->name);
        if (take.pf->netdev) {
            vfp_vf_state_plan(take.request, take.pool, device.network, &planned, &claim->applied,
                              &requested);
            claim->has_saved = TRUE;
            fresh_vf_state(&claim->saved);
        }
        if (!device.managed && !vfp_pool_driver_is_managed(take.pool))
            claim->bound_driver = g_strdup(take.pool->driver);
        claim->domain = g_strdup(domain->name);
        claim->uuid = g_strdup(vfp_domain_key(domain));
        claim->alias = g_strdup(reservation->alias);
        claim->step = g_strdup(step);
        claim->time = g_get_real_time() / G_USEC_PER_SEC;
        claim->pid = getpid();
        vfp_ledger_claim(ledger, claim, NULL);
        vfp_log_event(VFP_EVENT_VF_CLAIMED, G_LOG_LEVEL_MESSAGE,
                      &(VfpLogFields){domain->name, claim->pool, reservation->address, step},
                      "domain '%s': step %s: holds VF %s again", domain->name, step,
                      reservation->address);
        adopted++;
    }
    return adopted;
}
