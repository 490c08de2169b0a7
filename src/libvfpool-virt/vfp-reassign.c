/* Planning vfpool move, reassign and resize: which devices leave which running domain, which
 * VF each request gets, written as a journal that the operation engine (vfp-operation.c)
 * runs. */
#include "config.h"

#include <string.h>

#include "vfp-error.h"
#include "vfp-libvirt.h"
#include "vfp-qmp.h"
#include "vfp-reassign.h"
#include "vfp-select.h"

/* The unplug step of ALIAS of the running LIVE domain, with what it had then. */
static VfpStep *
plan_unplug(VfpJournal *journal, const VfpDomain *live, const char *alias, GError **error)
{
    g_auto(VfpDeviceInfo) device = {0};
    const VfpReservation *reservation = vfp_domain_find_reservation(live, alias);
    g_autofree char *device_xml = vfp_domain_device_to_string(live, alias, TRUE);
    g_autofree char *metadata = vfp_domain_metadata_to_string(live);

    vfp_domain_get_device(live, alias, &device);
    if (!vfp_domain_find_request(live, alias) || !device.found || !reservation ||
        g_strcmp0(device.address, reservation->address) != 0) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_NOT_FOUND,
                    "domain '%s' has no vfpool device '%s' with a VF; 'vfpool status' lists "
                    "the VFs of running domains",
                    live->name, alias);
        return NULL;
    }
    return vfp_journal_add_step(journal, VFP_STEP_UNPLUG, live->name, vfp_domain_key(live), alias,
                                device.address, device_xml, metadata);
}

/* The plug step that gives TARGET (the running domain's live XML, edited) the VF its
 * reservation of ALIAS names. */
static VfpStep *
plan_plug(VfpJournal *journal, const VfpDomain *target, const char *alias,
          gboolean keep_guest_address)
{
    const VfpReservation *reservation = vfp_domain_find_reservation(target, alias);
    g_autofree char *device_xml = vfp_domain_device_to_string(target, alias, keep_guest_address);
    g_autofree char *metadata = vfp_domain_metadata_to_string(target);

    return vfp_journal_add_step(journal, VFP_STEP_PLUG, target->name, vfp_domain_key(target), alias,
                                reservation->address, device_xml, metadata);
}

static VfpDomain *
load_running(virConnectPtr conn, const char *name, GError **error)
{
    g_autoptr(VirDomain) dom = vfp_libvirt_lookup_running(conn, name, error);

    return dom ? vfp_libvirt_load(dom, VFP_XML_LIVE, error) : NULL;
}

static VfpAssignment
assignment_for(const VfpDomain *domain, const char *alias, const VfpReservation *vf,
               const VfpDeviceInfo *device)
{
    return (VfpAssignment){vfp_domain_find_request(domain, alias),
                           vf->address,
                           vf->pf,
                           vf->index,
                           device->network,
                           device->managed,
                           vf->vendor_id,
                           vf->device_id};
}

/* vfpool move ALIAS --from FROM --to TO: the device and its request leave FROM for TO, which
 * is paused around the plug. TO's own request of that alias, when it has one without a
 * device, says how the VF is configured; otherwise FROM's request goes with it. */
gboolean
vfp_reassign_move(virConnectPtr conn, const char *alias, const char *from, const char *to,
                  VfpOperationReport *report, GError **error)
{
    g_autofree char *operation = g_strdup_printf("move %s --from %s --to %s", alias, from, to);
    g_autoptr(VfpJournal) journal = vfp_journal_new(operation);
    g_autoptr(VfpLock) lock = NULL;
    g_autoptr(VfpConfig) config = NULL;
    g_autoptr(VfpDomain) source = NULL;
    g_autoptr(VfpDomain) target = NULL;
    g_auto(VfpDeviceInfo) device = {0};
    g_auto(VfpDeviceInfo) present = {0};
    VfpAssignment assignment;
    const VfpReservation *reservation;

    if (g_strcmp0(from, to) == 0) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                    "domain '%s': --from and --to name the same domain; use 'vfpool reassign' to "
                    "give it another VF",
                    from);
        return FALSE;
    }
    if (!(lock = vfp_operation_lock(&config, error)) ||
        !(source = load_running(conn, from, error)) || !(target = load_running(conn, to, error)) ||
        !plan_unplug(journal, source, alias, error))
        return FALSE;
    vfp_domain_get_device(target, alias, &present);
    if (present.found) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_BUSY,
                    "domain '%s' already has a device '%s'; move that one away first or rename "
                    "the alias",
                    to, alias);
        return FALSE;
    }
    if (!vfp_domain_find_request(target, alias) &&
        !vfp_domain_add_request(target, source, alias, error))
        return FALSE;
    reservation = vfp_domain_find_reservation(source, alias);
    vfp_domain_get_device(source, alias, &device);
    assignment = assignment_for(target, alias, reservation, &device);
    if (!vfp_domain_set_reservation(target, &assignment, error))
        return FALSE;
    plan_plug(journal, target, alias, FALSE);
    return vfp_operation_start(conn, journal, config, report, error);
}

/* The VF selection would give REQUEST of LIVE other than the one it has (or exactly VF). */
static gboolean
choose_other_vf(virConnectPtr conn, VfpDomain *live, const char *alias, const char *vf,
                VfpReservation *chosen, GError **error)
{
    const VfpReservation *current = vfp_domain_find_reservation(live, alias);
    g_autoptr(GHashTable) reserved = vfp_libvirt_reservations(conn, NULL, live->name, error);
    g_autoptr(GPtrArray) pools = reserved ? vfp_pool_load_all(error) : NULL;
    g_autoptr(VfpLedger) ledger = NULL;
    g_autoptr(VfpHost) host = vfp_host_new();
    g_autoptr(GPtrArray) choices = NULL;
    VfpSelectContext context;

    if (!pools)
        return FALSE;
    if (g_strcmp0(vf, current->address) == 0) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                    "domain '%s': VF %s already serves '%s'; name another VF or leave --vf out",
                    live->name, vf, alias);
        return FALSE;
    }
    /* Anything but what it has now (selection ignores a domain's own reservations). */
    g_hash_table_insert(reserved, g_strdup(current->address),
                        g_strdup_printf("%s, as its current VF", live->name));
    if (vf) {
        g_auto(VfpDeviceInfo) device = {0};
        VfpReservation wanted = {(char *)alias, (char *)vf, NULL, 0};
        VfpVf *found = vfp_host_get_vf(host, vf, NULL);
        VfpAssignment assignment;

        if (!found) {
            g_set_error(error, VFP_ERROR, VFP_ERROR_NOT_FOUND,
                        "VF %s is not a VF on this host; 'vfpool pools' lists them", vf);
            return FALSE;
        }
        wanted.pf = found->pf->address;
        wanted.index = found->index;
        vfp_domain_get_device(live, alias, &device);
        assignment = assignment_for(live, alias, &wanted, &device);
        if (!vfp_domain_set_reservation(live, &assignment, error))
            return FALSE;
    }
    if (!(ledger = vfp_ledger_open(VFP_LEDGER_READ, error)))
        return FALSE;
    context = (VfpSelectContext){host, pools, ledger, reserved};
    choices = vfp_select_resolve(&context, live, error);
    g_clear_pointer(&ledger, vfp_ledger_free);
    if (!choices)
        return FALSE;
    for (guint i = 0; i < choices->len; i++) {
        const VfpChoice *choice = g_ptr_array_index(choices, i);

        if (!g_str_equal(choice->request->alias, alias))
            continue;
        if (vf && g_strcmp0(choice->address, vf) != 0) {
            const char *why = "it is not acceptable";

            for (guint j = 0; j < choice->rejections->len; j++) {
                const VfpRejection *rejection = g_ptr_array_index(choice->rejections, j);

                if (g_strcmp0(rejection->address, vf) == 0)
                    why = rejection->detail ? rejection->detail
                                            : vfp_reject_reason_to_string(rejection->reason);
            }
            g_set_error(error, VFP_ERROR, VFP_ERROR_BUSY,
                        "domain '%s': VF %s cannot serve '%s' (pool %s): %s; pick another with "
                        "'vfpool explain %s'",
                        live->name, vf, alias, choice->pool->name, why, live->name);
            return FALSE;
        }
        if (!choice->exists) {
            g_set_error(error, VFP_ERROR, VFP_ERROR_EXHAUSTED,
                        "domain '%s': the only VF for '%s' would be %s, which does not exist yet; "
                        "create VFs with 'vfpool resize' first",
                        live->name, alias, choice->address);
            return FALSE;
        }
        chosen->alias = g_strdup(alias);
        chosen->address = g_strdup(choice->address);
        chosen->pf = g_strdup(choice->pf);
        chosen->index = choice->index;
        return TRUE;
    }
    g_set_error(error, VFP_ERROR, VFP_ERROR_NOT_FOUND, "domain '%s' has no request '%s'",
                live->name, alias);
    return FALSE;
}

/* vfpool reassign DOMAIN ALIAS [--vf BDF | --pool POOL]: another VF for a request of a running
 * domain, at the same guest PCI address, the guest paused from the unplug's end to the plug. */
gboolean
vfp_reassign_swap(virConnectPtr conn, const char *name, const char *alias, const char *vf,
                  const char *pool, VfpOperationReport *report, GError **error)
{
    g_autofree char *operation =
        g_strdup_printf("reassign %s %s%s%s%s%s", name, alias, vf ? " --vf " : "", vf ? vf : "",
                        pool ? " --pool " : "", pool ? pool : "");
    g_autoptr(VfpJournal) journal = vfp_journal_new(operation);
    g_autoptr(VfpLock) lock = NULL;
    g_autoptr(VfpConfig) config = NULL;
    g_autoptr(VfpDomain) live = NULL;
    g_auto(VfpDeviceInfo) device = {0};
    VfpReservation chosen = {0};
    VfpAssignment assignment;
    gboolean ok;

    if (!(lock = vfp_operation_lock(&config, error)) || !(live = load_running(conn, name, error)) ||
        !plan_unplug(journal, live, alias, error))
        return FALSE;
    if (pool && !vfp_domain_set_request_pool(live, alias, pool, error))
        return FALSE;
    vfp_domain_get_device(live, alias, &device);
    if (!choose_other_vf(conn, live, alias, vf, &chosen, error))
        return FALSE;
    assignment = assignment_for(live, alias, &chosen, &device);
    ok = vfp_domain_set_reservation(live, &assignment, error);
    g_free(chosen.alias);
    g_free(chosen.address);
    g_free(chosen.pf);
    if (!ok)
        return FALSE;
    plan_plug(journal, live, alias, TRUE);
    return vfp_operation_start(conn, journal, config, report, error);
}

/* vfpool resize PF COUNT [--pause]. */
gboolean
vfp_reassign_resize(virConnectPtr conn, const char *pf_name, guint count, gboolean pause,
                    VfpOperationReport *report, GError **error)
{
    g_autofree char *operation = g_strdup_printf("resize %s %u", pf_name, count);
    g_autoptr(VfpJournal) journal = vfp_journal_new(operation);
    g_autoptr(VfpLock) lock = NULL;
    g_autoptr(VfpConfig) config = NULL;
    g_autoptr(VfpHost) host = vfp_host_new();
    g_autoptr(GHashTable) passed = NULL;
    g_autoptr(GPtrArray) held = g_ptr_array_new_with_free_func((GDestroyNotify)vfp_claim_free);
    g_autoptr(VfpLedger) ledger = NULL;
    g_autoptr(GString) holders = g_string_new(NULL);
    gboolean in_place = TRUE;
    VfpStep *unplug;
    VfpPf *pf;
    GHashTableIter iter;
    gpointer address, domain;

    if (!(lock = vfp_operation_lock(&config, error)))
        return FALSE;
    pf = strchr(pf_name, ':') ? vfp_host_get_pf(host, pf_name, error)
                              : vfp_host_find_pf_by_netdev(host, pf_name, error);
    if (!pf)
        return FALSE;
    if (count > pf->total_vfs) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                    "PF %s supports at most %u VFs, not %u; choose a smaller count", pf->address,
                    pf->total_vfs, count);
        return FALSE;
    }
    if (!(passed = vfp_libvirt_passed_through(conn, NULL, error)) ||
        !(ledger = vfp_ledger_open(VFP_LEDGER_READ, error)))
        return FALSE;
    for (guint i = 0; i < vfp_ledger_get_claims(ledger)->len; i++) {
        const VfpClaim *claim = g_ptr_array_index(vfp_ledger_get_claims(ledger), i);
        VfpClaim *copy;

        if (g_strcmp0(claim->pf, pf->address) != 0)
            continue;
        copy = vfp_claim_new();
        copy->address = g_strdup(claim->address);
        copy->domain = g_strdup(claim->domain);
        copy->alias = g_strdup(claim->alias);
        copy->index = claim->index;
        g_ptr_array_add(held, copy);
        g_string_append_printf(holders, "%s%s (domain '%s')", holders->len ? ", " : "",
                               claim->address, claim->domain);
    }
    g_clear_pointer(&ledger, vfp_ledger_free);
    /* A VF passed through by hand is not vfpool's to unplug and plug back. */
    g_hash_table_iter_init(&iter, passed);
    while (g_hash_table_iter_next(&iter, &address, &domain)) {
        VfpVf *vf = vfp_host_get_vf(host, address, NULL);
        gboolean ours = FALSE;

        for (guint i = 0; i < held->len; i++)
            ours |= g_str_equal(((VfpClaim *)g_ptr_array_index(held, i))->address, address);
        if (vf && vf->pf == pf && !ours) {
            g_set_error(error, VFP_ERROR, VFP_ERROR_BUSY,
                        "PF %s: VF %s is passed through to domain '%s' outside vfpool; detach it "
                        "from that domain first",
                        pf->address, (char *)address, (char *)domain);
            return FALSE;
        }
    }
    if (held->len > 0 && !pause) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_BUSY,
                    "PF %s: VFs in use by running domains: %s; stop them, or add --pause to "
                    "unplug them, change the count and plug them back",
                    pf->address, holders->str);
        return FALSE;
    }
    for (guint i = 0; i < held->len; i++) {
        const VfpClaim *claim = g_ptr_array_index(held, i);
        g_autoptr(VfpDomain) live = NULL;

        if (claim->index >= count) {
            g_set_error(error, VFP_ERROR, VFP_ERROR_BUSY,
                        "PF %s: VF %s (index %u) is held by domain '%s' and would not exist with "
                        "%u VFs; move it first ('vfpool reassign %s %s') or choose at least %u",
                        pf->address, claim->address, claim->index, claim->domain, count,
                        claim->domain, claim->alias, claim->index + 1);
            return FALSE;
        }
        if (!(live = load_running(conn, claim->domain, error)) ||
            !(unplug = plan_unplug(journal, live, claim->alias, error)))
            return FALSE;
        unplug->in_place = vfp_qmp_has_vfio_pause(conn, claim->domain, config);
        plan_plug(journal, live, claim->alias, TRUE)->in_place = unplug->in_place;
    }
    /* One way for all: a guest paused before an unplug could not acknowledge it. */
    for (guint i = 0; i < journal->steps->len; i++)
        in_place &= ((VfpStep *)g_ptr_array_index(journal->steps, i))->in_place;
    for (guint i = 0; i < journal->steps->len; i++)
        ((VfpStep *)g_ptr_array_index(journal->steps, i))->in_place = in_place;
    journal->resize_pf = g_strdup(pf->address);
    journal->resize_count = count;
    return vfp_operation_start(conn, journal, config, report, error);
}
