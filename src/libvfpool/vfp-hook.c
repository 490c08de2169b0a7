/* The hook steps. prepare locks the VFs it takes (and their PFs, exclusively where it creates
 * VFs) from the first check to the last change, so concurrent starts of other VFs run in
 * parallel; claims are written ahead (pending) with the VF's saved state before anything on
 * the VF changes, so a killed hook leaves what the next one can undo. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "vfp-error.h"
#include "vfp-hook.h"
#include "vfp-log.h"
#include "vfp-netlink.h"
#include "vfp-select.h"
#include "vfp-statedir.h"
#include "vfp-pci-driver.h"
#include "vfp-take.h"
#include "vfp-vfstate.h"
#include "vfp-xml.h"

/* ---- prepare ------------------------------------------------------------------------------- */

static gboolean
check_resolved(const VfpDomain *domain, GArray *vfs, GError **error)
{
    for (guint i = 0; i < domain->requests->len; i++) {
        VfpTake vf = {0};

        vf.request = g_ptr_array_index(domain->requests, i);
        vf.reservation = vfp_domain_find_reservation(domain, vf.request->alias);
        vfp_domain_get_device(domain, vf.request->alias, &vf.device);
        if (vf.reservation && vf.reservation->hotplug_pending && !vf.device.found) {
            /* Held without its device until vfpool migrate plugs it; the kind of device it
             * will be is known once the pool is (validate_reservations). */
            g_array_append_val(vfs, vf);
            continue;
        }
        if (!vf.reservation || !vf.device.found) {
            g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                        "domain '%s': vf '%s' (pool %s) has no VF yet; start it with 'vfpool "
                        "start %s', which resolves it first ('virsh metadata %s %s' says why "
                        "vfpoold gave it none)",
                        domain->name, vf.request->alias, vf.request->pool, domain->name,
                        domain->name, VFP_DOMAIN_NS);
            vfp_take_clear(&vf);
            return FALSE;
        }
        if (g_strcmp0(vf.device.address, vf.reservation->address) != 0) {
            g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                        "domain '%s': device '%s' points at %s but its reservation is VF %s; run "
                        "'vfpool resolve %s' to make them agree",
                        domain->name, vf.request->alias,
                        vf.device.address ? vf.device.address : "no VF", vf.reservation->address,
                        domain->name);
            vfp_take_clear(&vf);
            return FALSE;
        }
        g_array_append_val(vfs, vf);
    }
    return TRUE;
}

/* Checks each reservation against the pools, the ledger and the host, all before anything
 * changes, and finds which PFs need VFs created (PF -> count, in CREATE). */
static gboolean
validate_reservations(const VfpDomain *domain, GPtrArray *pools, VfpHost *host, VfpLedger *ledger,
                      GArray *vfs, GHashTable *create, GError **error)
{
    for (guint i = 0; i < vfs->len; i++) {
        VfpTake *vf = &g_array_index(vfs, VfpTake, i);
        const VfpReservation *reservation = vf->reservation;
        const VfpClaim *claim = vfp_ledger_lookup(ledger, reservation->address);

        if (!vfp_take_check_pool(domain, pools, host, vf, error))
            return FALSE;
        if (claim && g_strcmp0(claim->uuid, vfp_domain_key(domain)) != 0) {
            g_set_error(error, VFP_ERROR, VFP_ERROR_BUSY,
                        "domain '%s': VF %s (pool %s) is held by running domain '%s'; stop that "
                        "domain, or run 'vfpool resolve %s' to pick another VF",
                        domain->name, reservation->address, vf->pool->name, claim->domain,
                        domain->name);
            return FALSE;
        }
        if (reservation->hotplug_pending) {
            vf->device.network = vf->pf->netdev != NULL;
            vf->device.managed = vfp_pool_driver_is_managed(vf->pool);
        }
        if (!vfp_take_check(domain, host, ledger, vf, error))
            return FALSE;
        if (reservation->index >= vf->pf->num_vfs) {
            guint count = MIN(vf->pool->create, vf->pf->total_vfs);
            guint planned = GPOINTER_TO_UINT(g_hash_table_lookup(create, vf->pf));

            g_hash_table_insert(create, vf->pf, GUINT_TO_POINTER(MAX(count, planned)));
        }
    }
    return TRUE;
}

/* Every reservation was checked before (vfp_take_check), the PFs' VFs unused among them. */
static gboolean
create_vfs(const VfpDomain *domain, GHashTable *create, GError **error)
{
    GHashTableIter iter;
    gpointer key, value;

    g_hash_table_iter_init(&iter, create);
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        VfpPf *pf = key;
        guint before = pf->num_vfs;

        if (!vfp_pf_set_num_vfs(pf, GPOINTER_TO_UINT(value), error)) {
            g_prefix_error(error, "domain '%s': cannot create VFs: ", domain->name);
            return FALSE;
        }
        vfp_log_event(VFP_EVENT_VFS_CREATED, G_LOG_LEVEL_MESSAGE,
                      &(VfpLogFields){domain->name, NULL, NULL, "prepare"},
                      "domain '%s': created %u VFs on PF %s (had %u)", domain->name,
                      GPOINTER_TO_UINT(value), pf->address, before);
    }
    return TRUE;
}

/* Locks the PFs of DOMAIN's reservations, exclusively those whose VF count must grow, then the
 * VFs (see vfp_ledger_lock_pf). What names no PF is left for the checks to refuse. */
static gboolean
lock_for_prepare(const VfpDomain *domain, VfpLedger *ledger, GError **error)
{
    g_autoptr(VfpHost) before = vfp_host_new();
    g_autoptr(GTree) pfs = g_tree_new((GCompareFunc)strcmp);
    g_autoptr(GPtrArray) vfs = g_ptr_array_new();

    for (guint i = 0; i < domain->reservations->len; i++) {
        const VfpReservation *reservation = g_ptr_array_index(domain->reservations, i);
        VfpPf *pf = reservation->pf ? vfp_host_get_pf(before, reservation->pf, NULL) : NULL;

        g_ptr_array_add(vfs, reservation->address);
        if (pf && (reservation->index >= pf->num_vfs ||
                   !g_tree_lookup_extended(pfs, pf->address, NULL, NULL)))
            g_tree_insert(pfs, pf->address,
                          GINT_TO_POINTER(reservation->index >= pf->num_vfs
                                              ? VFP_LOCK_EXCLUSIVE
                                              : VFP_LOCK_SHARED_WRITER));
    }
    for (GTreeNode *node = g_tree_node_first(pfs); node; node = g_tree_node_next(node)) {
        if (!vfp_ledger_lock_pf(ledger, g_tree_node_key(node),
                                GPOINTER_TO_INT(g_tree_node_value(node)), error))
            return FALSE;
    }
    return vfp_ledger_lock_vfs(ledger, vfs, error);
}

static gboolean
hook_prepare(const VfpDomain *domain, GError **error)
{
    g_autoptr(GArray) vfs = g_array_new(FALSE, TRUE, sizeof(VfpTake));
    g_autoptr(GHashTable) create = g_hash_table_new(NULL, NULL);
    g_autoptr(GPtrArray) pools = NULL;
    g_autoptr(VfpLedger) ledger = NULL;
    g_autoptr(VfpHost) host = NULL;

    g_array_set_clear_func(vfs, (GDestroyNotify)vfp_take_clear);
    if (!check_resolved(domain, vfs, error))
        return FALSE;
    if (!(pools = vfp_pool_load_all(error)) || !(ledger = vfp_ledger_open(VFP_LEDGER_WRITE, error)))
        return FALSE;
    if (!lock_for_prepare(domain, ledger, error)) {
        g_prefix_error(error, "domain '%s': ", domain->name);
        return FALSE;
    }
    host = vfp_host_new(); /* read under the locks */
    vfp_vf_state_sweep_pending(ledger, host);
    if (!validate_reservations(domain, pools, host, ledger, vfs, create, error) ||
        !create_vfs(domain, create, error)) {
        vfp_take_abandon(domain, host, ledger, vfs);
        return FALSE;
    }
    return vfp_take_all(domain, host, ledger, vfs, "prepare", error);
}

/* ---- the other steps ----------------------------------------------------------------------- */

/* migrate begin (destination) and restore begin: choose local VFs without claiming them (the
 * prepare that follows claims them) and print the rewritten XML. For restore, print nothing
 * when every reservation still holds. A migration keeps the VFs that vfpool migrate took out
 * of the guest held without their devices (hotplug='pending'): it plugs them afterwards. */
static gboolean
hook_rewrite(VfpDomain *domain, VfpHookStep step, GString *output, GError **error)
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
        gboolean kept =
            choice->kept && reservation && g_strcmp0(reservation->address, choice->address) == 0;

        /* vfpool migrate plugs, once the domain runs here, the VF it reserved here: that must
         * be the one prepare claims, or the migration does not happen. */
        if (!kept && reservation && reservation->hotplug_pending) {
            g_set_error(error, VFP_ERROR, VFP_ERROR_BUSY,
                        "domain '%s': VF %s, which vfpool migrate reserved here for '%s', is not "
                        "free in pool '%s' any more; run vfpool migrate again",
                        domain->name, reservation->address, choice->request->alias,
                        choice->pool->name);
            return FALSE;
        }
        all_kept &= kept;
    }
    if (step == VFP_HOOK_RESTORE && all_kept)
        return TRUE;
    if (!vfp_select_apply(domain, choices, step == VFP_HOOK_MIGRATE, error))
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

        vfp_take_adopt(ledger, host, pools, domain, "reconnect");
    }
    return vfp_ledger_commit(ledger, error);
}

/* ---- entry --------------------------------------------------------------------------------- */

/* Runs STEP for domain NAME with its XML. Returns the exit code for libvirt; what libvirt
 * should use as the new domain XML goes to OUTPUT. A failing blocking step sets FAILURE, whose
 * one-line message libvirt shows to the user; the others only log. */
int
vfp_hook_run(const char *name, VfpHookStep step, const char *xml, gsize length, GString *output,
             GError **failure)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfpDomain) domain = NULL;
    gboolean blocking = VFP_HOOK_STEP_BLOCKS(step);
    gboolean ok = FALSE;

    if (step == VFP_HOOK_IGNORED)
        return 0;
    if (step == VFP_HOOK_RELEASE) {
        vfp_hook_release(name, xml, length);
        return 0;
    }
    domain = vfp_domain_parse(xml, length, &error);
    if (domain && g_strcmp0(domain->name, name) != 0) {
        g_set_error(&error, VFP_ERROR, VFP_ERROR_INVALID,
                    "hook called for domain '%s' with the XML of domain '%s'; nothing done", name,
                    domain->name);
        g_clear_pointer(&domain, vfp_domain_free);
    }
    if (!domain) {
        g_autofree char *named = g_strdup_printf("domain '%s'", name);

        /* Errors found once the XML's <name> is known name it already. */
        if (!strstr(error->message, named))
            g_prefix_error(&error, "%s: ", named);
    } else if (domain->requests->len == 0) {
        return 0;
    } else {
        switch (step) {
        case VFP_HOOK_PREPARE:
            ok = hook_prepare(domain, &error);
            break;
        case VFP_HOOK_MIGRATE:
            ok = hook_rewrite(domain, step, output, &error);
            break;
        case VFP_HOOK_RESTORE:
            ok = hook_rewrite(domain, step, output, &error);
            break;
        case VFP_HOOK_RECONNECT:
            ok = hook_reconnect(domain, &error);
            break;
        case VFP_HOOK_RELEASE: /* above */
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
