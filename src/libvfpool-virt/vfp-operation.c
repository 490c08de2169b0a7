/* The engine of operations on running domains (vfpool move, reassign, resize, attach, detach):
 * a journal of steps (unplug, plug) run in order, the guests that get a device paused around
 * the plug and resumed whatever happens, every failure undone by plugging the original devices
 * back, the persistent definitions brought in line, and the recovery of an operation whose
 * process died. A device plugged on its own (attach) needs no pause: its guest has nothing
 * to lose meanwhile; and a step may leave the persistent definition alone (--live only).
 *
 * With stock QEMU a VF leaves a running guest by PCIe hot-unplug, which the guest OS must
 * acknowledge, so unplugs run with the guest running; the guests that get a device are then
 * paused (QMP stop through virDomainSuspend) from before the host-side change (VF count, L2
 * settings, claim) until their devices are plugged back, and the pause window is reported.
 * A QEMU offering VFIO pause/resume commands (named in vfpool.conf) lets resize keep the
 * device in the guest instead: the guest is paused first, the device paused in place, the VF
 * re-created and handed back to the same device. */
#include "config.h"

#include <libvirt/virterror.h>
#include <string.h>

#include "vfp-error.h"
#include "vfp-libvirt.h"
#include "vfp-log.h"
#include "vfp-operation.h"
#include "vfp-pci-driver.h"
#include "vfp-qmp.h"
#include "vfp-take.h"
#include "vfp-vfstate.h"

static void
pause_window_free(VfpPauseWindow *window)
{
    g_free(window->domain);
    g_free(window);
}

VfpOperationReport *
vfp_operation_report_new(void)
{
    VfpOperationReport *report = g_new0(VfpOperationReport, 1);

    report->changes = g_ptr_array_new_with_free_func(g_free);
    report->paused = g_ptr_array_new_with_free_func((GDestroyNotify)pause_window_free);
    return report;
}

void
vfp_operation_report_free(VfpOperationReport *report)
{
    if (!report)
        return;
    g_ptr_array_unref(report->changes);
    g_ptr_array_unref(report->paused);
    g_free(report);
}

typedef struct {
    virConnectPtr conn;
    VfpJournal *journal;
    VfpOperationReport *report;
    VfpConfig *config;
    GHashTable *paused_at;     /* domain name -> monotonic time of its suspend, in µs */
    gboolean recovering;       /* finishing the journal of a process that died */
    VfpOperationStage between; /* run once the unplugs are done, or NULL */
    gpointer between_data;
    gboolean rolled_back; /* an interrupted migration was undone, as it should be */
} Operation;

static void G_GNUC_PRINTF(2, 3) note_change(Operation *op, const char *format, ...)
{
    g_autofree char *line = NULL;
    va_list args;

    va_start(args, format);
    line = g_strdup_vprintf(format, args);
    va_end(args);
    g_message("%s: %s", op->journal->operation, line);
    g_ptr_array_add(op->report->changes, g_steal_pointer(&line));
}

static gboolean
save(Operation *op, GError **error)
{
    return vfp_journal_save(op->journal, error);
}

static gboolean
has_device(virDomainPtr dom, const char *alias, GError **error)
{
    g_autoptr(VfpDomain) live = vfp_libvirt_load(dom, VFP_XML_LIVE, error);
    g_auto(VfpDeviceInfo) device = {0};

    if (!live)
        return FALSE;
    vfp_domain_get_device(live, alias, &device);
    return device.found;
}

/* ---- giving a VF back and taking one, in the ledger ---------------------------------------- */

static void
give_back(const char *domain, const char *uuid, const char *address)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfpLedger) ledger = vfp_ledger_open(VFP_LEDGER_WRITE, &error);
    g_autoptr(VfpHost) host = vfp_host_new();
    const VfpClaim *claim;

    if (!ledger) {
        g_warning("domain '%s': VF %s stays claimed: %s", domain, address, error->message);
        return;
    }
    vfp_vf_state_sweep_pending(ledger, host);
    claim = vfp_ledger_lookup(ledger, address);
    if (!claim || g_strcmp0(claim->uuid, uuid) != 0)
        return;
    vfp_vf_state_restore(host, claim);
    vfp_log_event(VFP_EVENT_VF_RELEASED, G_LOG_LEVEL_MESSAGE,
                  &(VfpLogFields){domain, claim->pool, address, "hotplug"},
                  "domain '%s': gave back VF %s (pool %s)", domain, address, claim->pool);
    vfp_ledger_release(ledger, address);
    if (!vfp_ledger_commit(ledger, &error))
        g_warning("domain '%s': %s", domain, error->message);
}

/* Takes VF ADDRESS, which ALIAS's reservation in LIVE names, for that request, as prepare
 * would at start. */
static gboolean
take(const VfpDomain *live, const char *alias, const char *address, const char *device_xml,
     const char *step, GError **error)
{
    g_autoptr(GPtrArray) pools = vfp_pool_load_all(error);
    g_autoptr(VfpLedger) ledger = pools ? vfp_ledger_open(VFP_LEDGER_WRITE, error) : NULL;
    g_autoptr(VfpHost) host = vfp_host_new();
    g_autoptr(GArray) takes = g_array_new(FALSE, TRUE, sizeof(VfpTake));
    const VfpClaim *claim;
    VfpTake *vf;

    if (!ledger)
        return FALSE;
    g_array_set_clear_func(takes, (GDestroyNotify)vfp_take_clear);
    g_array_set_size(takes, 1);
    vf = &g_array_index(takes, VfpTake, 0);
    vf->reservation = vfp_domain_find_reservation(live, alias);
    vf->request = vfp_domain_find_request(live, alias);
    if (!vf->request || !vf->reservation) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                    "domain '%s': no vfpool request or reservation '%s' in its live XML",
                    live->name, alias);
        return FALSE;
    }
    /* The live metadata was just written, but its author may write it too: what is claimed
     * must be what is plugged. */
    if (g_strcmp0(vf->reservation->address, address) != 0) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_BUSY,
                    "domain '%s': its live vfpool metadata names VF %s for '%s' while VF %s was "
                    "being plugged; nothing plugged: run the command again",
                    live->name, vf->reservation->address, alias, address);
        return FALSE;
    }
    if (!vfp_take_check_pool(live, pools, host, vf, error))
        return FALSE;
    vfp_device_info_from_xml(device_xml, &vf->device);
    vfp_vf_state_sweep_pending(ledger, host);
    claim = vfp_ledger_lookup(ledger, address);
    if (claim && !claim->pending && g_strcmp0(claim->uuid, vfp_domain_key(live)) == 0) {
        if (g_strcmp0(claim->alias, alias) == 0)
            return TRUE; /* taken before the process that wrote the journal died */
        g_set_error(error, VFP_ERROR, VFP_ERROR_BUSY,
                    "domain '%s': VF %s is held for its '%s' already, not for '%s'; nothing "
                    "plugged: 'vfpool status' shows what it holds",
                    live->name, address, claim->alias, alias);
        return FALSE;
    }
    return vfp_take_all(live, host, ledger, takes, step, error);
}

/* ---- the steps ----------------------------------------------------------------------------- */

/* Linux pciehp alone waits 5 s after QEMU presses the slot's attention button. */
static gboolean
wait_unplugged(Operation *op, virDomainPtr dom, const char *name, const char *alias, GError **error)
{
    gint64 deadline = g_get_monotonic_time() + op->config->unplug_timeout * G_USEC_PER_SEC;

    while (TRUE) {
        g_autoptr(GError) local = NULL;
        gboolean present = has_device(dom, alias, &local);

        if (local) {
            g_propagate_error(error, g_steal_pointer(&local));
            return FALSE;
        }
        if (!present)
            return TRUE;
        if (g_get_monotonic_time() > deadline) {
            g_set_error(error, VFP_ERROR, VFP_ERROR_BUSY,
                        "domain '%s': the guest did not release device '%s' within %u s; its OS "
                        "must handle PCIe hot-unplug (is it booted?)",
                        name, alias, op->config->unplug_timeout);
            return FALSE;
        }
        g_usleep(100 * 1000);
    }
}

/* Takes the device out of the running guest, gives its VF back and drops the request from
 * the live metadata (a plug step puts it back where the request stays with the domain). */
static gboolean
run_unplug(Operation *op, VfpStep *step, GError **error)
{
    g_autoptr(VirDomain) dom = vfp_libvirt_lookup_running(op->conn, step->domain, error);
    g_autoptr(VfpDomain) live = NULL;
    g_autofree char *metadata = NULL;
    gboolean present;
    g_autoptr(GError) local = NULL;

    if (!dom)
        return FALSE;
    if (step->in_place) {
        /* The guest keeps the device; QEMU lets go of the VF behind it. */
        if (!vfp_qmp_device_command(dom, step->domain, op->config->vfio_pause_command, step->alias,
                                    NULL, error))
            return FALSE;
        give_back(step->domain, step->uuid, step->address);
        note_change(op, "domain '%s': VFIO device '%s' paused in place (VF %s)", step->domain,
                    step->alias, step->address);
        step->state = VFP_STEP_DONE;
        return save(op, error);
    }
    present = has_device(dom, step->alias, &local);
    if (local) {
        g_propagate_error(error, g_steal_pointer(&local));
        return FALSE;
    }
    if (present) {
        /* Journaled first: whoever finishes the operation knows the guest may be letting go. */
        if (!step->requested) {
            step->requested = TRUE;
            if (!save(op, error))
                return FALSE;
        }
        /* Recovering, the dead process may have asked already: then the guest is on it. */
        if (virDomainDetachDeviceFlags(dom, step->device_xml, VIR_DOMAIN_AFFECT_LIVE) < 0 &&
            !op->recovering) {
            vfp_libvirt_set_error(error, "domain '%s': cannot hot-unplug device '%s'", step->domain,
                                  step->alias);
            return FALSE;
        }
        if (!wait_unplugged(op, dom, step->domain, step->alias, error))
            return FALSE;
    }
    /* A request that stays keeps its VF claimed, so that nothing takes it meanwhile: a
     * migration that fails plugs it back; the release step frees it once the domain left. */
    if (!step->keep_request)
        give_back(step->domain, step->uuid, step->address);
    if (!(live = vfp_libvirt_load(dom, VFP_XML_LIVE, error)) ||
        !(step->keep_request ? vfp_domain_set_hotplug_pending(live, step->alias, TRUE, error)
                             : vfp_domain_remove_request(live, step->alias, error)))
        return FALSE;
    metadata = vfp_domain_metadata_to_string(live);
    if (!vfp_libvirt_set_live_metadata(dom, step->domain, metadata, error))
        return FALSE;
    note_change(op, "domain '%s': unplugged '%s' (VF %s)", step->domain, step->alias,
                step->address);
    step->state = VFP_STEP_DONE;
    step->done_at = g_get_monotonic_time();
    return save(op, error);
}

/* Hands VF ADDRESS to the device ALIAS of the running domain NAME: in place through the
 * QEMU's VFIO resume command, or by hot-plugging DEVICE unless it is there already. */
static gboolean
attach_vf(Operation *op, virDomainPtr dom, const char *name, const char *alias, const char *device,
          const char *address, gboolean in_place, GError **error)
{
    g_autoptr(GError) local = NULL;
    gboolean present;

    if (in_place) {
        /* libvirt bound the VF at start; this one is new, and the device gets it as is. */
        if (!vfp_pci_driver_bind(address, "vfio-pci", error) ||
            !vfp_qmp_device_command(dom, name, op->config->vfio_resume_command, alias, address,
                                    error))
            return FALSE;
        note_change(op, "domain '%s': VFIO device '%s' resumed on VF %s", name, alias, address);
        return TRUE;
    }
    present = has_device(dom, alias, &local);
    if (local) {
        g_propagate_error(error, g_steal_pointer(&local));
        return FALSE;
    }
    if (!present && virDomainAttachDeviceFlags(dom, device, VIR_DOMAIN_AFFECT_LIVE) < 0) {
        vfp_libvirt_set_error(error, "domain '%s': cannot hot-plug VF %s as '%s'", name, address,
                              alias);
        return FALSE;
    }
    note_change(op, "domain '%s': plugged VF %s as '%s'", name, address, alias);
    return TRUE;
}

/* Writes METADATA into the running domain, takes the VF for its request and plugs DEVICE. On
 * failure the domain is as it was: no claim, and metadata that does not reserve the VF. */
static gboolean
plug(Operation *op, const char *name, const char *alias, const char *metadata, const char *device,
     const char *address, gboolean in_place, GError **error)
{
    g_autoptr(VirDomain) dom = vfp_libvirt_lookup_running(op->conn, name, error);
    g_autoptr(VfpDomain) before = dom ? vfp_libvirt_load(dom, VFP_XML_LIVE, error) : NULL;
    g_autofree char *metadata_before = before ? vfp_domain_metadata_to_string(before) : NULL;
    g_autoptr(VfpDomain) live = NULL;

    if (!before || !vfp_libvirt_set_live_metadata(dom, name, metadata, error))
        return FALSE;
    live = vfp_libvirt_load(dom, VFP_XML_LIVE, error);
    if (live && take(live, alias, address, device, "hotplug", error)) {
        if (attach_vf(op, dom, name, alias, device, address, in_place, error))
            return TRUE;
        give_back(name, vfp_domain_key(live), address);
    }
    vfp_libvirt_set_live_metadata(dom, name, metadata_before, NULL);
    return FALSE;
}

static gboolean
run_plug(Operation *op, VfpStep *step, GError **error)
{
    if (!plug(op, step->domain, step->alias, step->metadata_xml, step->device_xml, step->address,
              step->in_place, error))
        return FALSE;
    step->state = VFP_STEP_DONE;
    return save(op, error);
}

/* Plugs back the device an unplug step took out, unless the domain got its request back. */
static void
undo_unplug(Operation *op, VfpStep *unplug)
{
    g_autoptr(GError) error = NULL;

    for (guint i = 0; i < op->journal->steps->len; i++) {
        const VfpStep *step = g_ptr_array_index(op->journal->steps, i);

        if (step->kind == VFP_STEP_PLUG && step->state == VFP_STEP_DONE &&
            g_str_equal(step->domain, unplug->domain) && g_str_equal(step->alias, unplug->alias))
            return;
    }
    if (!plug(op, unplug->domain, unplug->alias, unplug->metadata_xml, unplug->device_xml,
              unplug->address, unplug->in_place, &error)) {
        g_warning("%s: could not give device '%s' (VF %s) back to domain '%s': %s",
                  op->journal->operation, unplug->alias, unplug->address, unplug->domain,
                  error->message);
        return;
    }
    unplug->state = VFP_STEP_UNDONE;
    save(op, NULL);
}

/* ---- pausing ------------------------------------------------------------------------------- */

static gboolean
pause_domain(Operation *op, const char *name, GError **error)
{
    g_autoptr(VirDomain) dom = vfp_libvirt_lookup_running(op->conn, name, error);
    int state, reason;

    if (!dom || virDomainGetState(dom, &state, &reason, 0) < 0)
        return FALSE;
    if (state != VIR_DOMAIN_RUNNING || g_hash_table_contains(op->paused_at, name))
        return TRUE; /* paused by someone else: theirs to resume */
    /* Journaled first: a crash right after the suspend must still resume it. */
    g_ptr_array_add(op->journal->paused, g_strdup(name));
    if (!save(op, error))
        return FALSE;
    if (virDomainSuspend(dom) < 0) {
        vfp_libvirt_set_error(error, "domain '%s': cannot pause the guest", name);
        g_ptr_array_remove_index(op->journal->paused, op->journal->paused->len - 1);
        save(op, NULL);
        return FALSE;
    }
    g_hash_table_insert(op->paused_at, g_strdup(name),
                        g_memdup2(&(gint64){g_get_monotonic_time()}, sizeof(gint64)));
    vfp_log_event(VFP_EVENT_GUEST_PAUSED, G_LOG_LEVEL_MESSAGE,
                  &(VfpLogFields){name, NULL, NULL, op->journal->operation},
                  "%s: domain '%s' paused", op->journal->operation, name);
    return TRUE;
}

/* Resumes every guest the operation paused; never stops at the first failure. */
static gboolean
resume_all(Operation *op, GError **error)
{
    gboolean ok = TRUE;

    while (op->journal->paused->len > 0) {
        const char *name = g_ptr_array_index(op->journal->paused, 0);
        g_autoptr(VirDomain) dom = virDomainLookupByName(op->conn, name);
        const gint64 *since = g_hash_table_lookup(op->paused_at, name);
        int state = VIR_DOMAIN_NOSTATE, reason;

        if (dom)
            virDomainGetState(dom, &state, &reason, 0);
        if (state == VIR_DOMAIN_PAUSED && virDomainResume(dom) < 0) {
            g_autoptr(GError) local = NULL;

            vfp_libvirt_set_error(&local,
                                  "domain '%s': cannot resume the guest; run 'virsh resume'", name);
            g_warning("%s", local->message);
            if (ok)
                g_propagate_error(error, g_steal_pointer(&local));
            ok = FALSE;
        } else if (since) {
            VfpPauseWindow *window = g_new0(VfpPauseWindow, 1);

            window->domain = g_strdup(name);
            window->usec = g_get_monotonic_time() - *since;
            vfp_log_event(VFP_EVENT_GUEST_RESUMED, G_LOG_LEVEL_MESSAGE,
                          &(VfpLogFields){name, NULL, NULL, op->journal->operation},
                          "%s: domain '%s' was paused for %.3f s", op->journal->operation, name,
                          window->usec / 1e6);
            g_ptr_array_add(op->report->paused, window);
        } else if (state == VIR_DOMAIN_PAUSED) {
            note_change(op, "domain '%s': resumed (left paused by an interrupted operation)", name);
        }
        g_ptr_array_remove_index(op->journal->paused, 0);
        save(op, NULL);
    }
    return ok;
}

/* ---- the persistent definitions ------------------------------------------------------------ */

/* Makes the persistent definition of a domain the operation touched agree with what it now
 * runs: the request and its VF where the live domain has the device, no request where the
 * request left with its device. Otherwise the next start would claim a VF another guest has. */
static void
sync_definition(Operation *op, const char *name)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VirDomain) dom = virDomainLookupByName(op->conn, name);
    g_autoptr(VfpDomain) live = NULL;
    g_autoptr(VfpDomain) config = NULL;
    g_autoptr(GHashTable) aliases = g_hash_table_new(g_str_hash, g_str_equal);
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;
    GHashTableIter iter;
    gpointer alias;

    for (guint i = 0; i < op->journal->steps->len; i++) {
        const VfpStep *step = g_ptr_array_index(op->journal->steps, i);

        if (g_str_equal(step->domain, name) && !step->keep_definition)
            g_hash_table_add(aliases, step->alias);
    }
    if (g_hash_table_size(aliases) == 0 || !dom || virDomainIsPersistent(dom) != 1 ||
        !(live = vfp_libvirt_load(dom, VFP_XML_LIVE, &error)) ||
        !(config = vfp_libvirt_load(dom, VFP_XML_PERSISTENT, &error)))
        goto out;
    before = vfp_domain_to_string(config);
    g_hash_table_iter_init(&iter, aliases);
    while (g_hash_table_iter_next(&iter, &alias, NULL)) {
        const VfpRequest *request = vfp_domain_find_request(live, alias);
        g_auto(VfpDeviceInfo) device = {0};

        vfp_domain_get_device(live, alias, &device);
        if (!request) {
            if (!vfp_domain_remove_request(config, alias, &error))
                goto out;
            continue;
        }
        if (!device.found || !vfp_domain_find_reservation(live, alias))
            continue; /* a device that could not be plugged back: keep the definition */
        if (!vfp_domain_find_request(config, alias) &&
            !vfp_domain_add_request(config, live, alias, &error))
            goto out;
        if (g_strcmp0(vfp_domain_find_request(config, alias)->pool, request->pool) != 0 &&
            !vfp_domain_set_request_pool(config, alias, request->pool, &error))
            goto out;
        if (!vfp_domain_copy_reservation(config, live, alias, &error))
            goto out;
    }
    after = vfp_domain_to_string(config);
    if (!g_str_equal(before, after)) {
        if (!vfp_libvirt_define(op->conn, config, &error))
            goto out;
        note_change(op, "domain '%s': definition updated for its next start", name);
    }
out:
    if (error)
        g_warning("%s: domain '%s': the persistent definition was not updated: %s; run 'vfpool "
                  "resolve %s' once it is stopped",
                  op->journal->operation, name, error->message, name);
}

/* ---- running an operation ------------------------------------------------------------------ */

static gboolean
run_resize(Operation *op, GError **error)
{
    g_autoptr(VfpLedger) ledger = NULL;
    g_autoptr(VfpHost) host = NULL;
    VfpPf *pf;

    if (!op->journal->resize_pf || op->journal->resized)
        return TRUE;
    /* No start may take a VF of the PF while its VF count changes. */
    if (!(ledger = vfp_ledger_open(VFP_LEDGER_WRITE, error)) ||
        !vfp_ledger_lock_pf(ledger, op->journal->resize_pf, VFP_LOCK_EXCLUSIVE, error))
        return FALSE;
    host = vfp_host_new();
    pf = vfp_host_get_pf(host, op->journal->resize_pf, error);
    if (!pf || !vfp_pf_set_num_vfs(pf, op->journal->resize_count, error)) {
        g_prefix_error(error, "PF %s: ", op->journal->resize_pf);
        return FALSE;
    }
    note_change(op, "PF %s: now has %u VFs", op->journal->resize_pf, op->journal->resize_count);
    op->journal->resized = TRUE;
    return save(op, error);
}

static gboolean
steps_of(Operation *op, VfpStepKind kind, gboolean (*run)(Operation *, VfpStep *, GError **),
         GError **error)
{
    for (guint i = 0; i < op->journal->steps->len; i++) {
        VfpStep *step = g_ptr_array_index(op->journal->steps, i);

        if (step->kind != kind || step->state != VFP_STEP_TODO)
            continue;
        if (kind == VFP_STEP_PLUG) {
            gboolean held_back = FALSE;

            /* Its VF never left the domain it was to be taken from. */
            for (guint j = 0; j < op->journal->steps->len; j++) {
                const VfpStep *other = g_ptr_array_index(op->journal->steps, j);

                held_back |= other->kind == VFP_STEP_UNPLUG && other->state == VFP_STEP_UNDONE &&
                             g_strcmp0(other->address, step->address) == 0;
            }
            if (held_back)
                continue;
        }
        if (!run(op, step, error))
            return FALSE;
    }
    return TRUE;
}

/* Finishing a migration whose process died before the switch-over: it goes back to where it
 * was. The unplugs it had not asked for yet are not made; those it had asked for are finished,
 * then undone with the rest. */
static gboolean
rolls_back(const Operation *op)
{
    return op->recovering && op->journal->migrate_to && !op->journal->migrated;
}

static void
skip_unrequested_unplugs(Operation *op)
{
    for (guint i = 0; rolls_back(op) && i < op->journal->steps->len; i++) {
        VfpStep *step = g_ptr_array_index(op->journal->steps, i);

        if (step->kind == VFP_STEP_UNPLUG && step->state == VFP_STEP_TODO && !step->requested)
            step->state = VFP_STEP_UNDONE;
    }
}

static gboolean
migration_interrupted(Operation *op, GError **error)
{
    if (!rolls_back(op))
        return FALSE;
    g_set_error(error, VFP_ERROR, VFP_ERROR_FAILED,
                "interrupted before the domain moved; its VFs go back");
    op->rolled_back = TRUE;
    return TRUE;
}

/* Runs what the journal has still to do; on failure plugs the original devices back. Every
 * guest it paused is resumed whatever happens. */
static gboolean
operation_run(Operation *op, GError **error)
{
    g_autoptr(GError) failure = NULL;
    g_autoptr(GHashTable) domains = g_hash_table_new(g_str_hash, g_str_equal);
    GHashTableIter iter;
    gpointer name;

    /* In place, the guest is paused before its device lets go of the VF. */
    for (guint i = 0; i < op->journal->steps->len && !failure; i++) {
        const VfpStep *step = g_ptr_array_index(op->journal->steps, i);

        if (step->in_place && step->state == VFP_STEP_TODO)
            pause_domain(op, step->domain, &failure);
    }
    skip_unrequested_unplugs(op);
    if (!failure && save(op, &failure) && steps_of(op, VFP_STEP_UNPLUG, run_unplug, &failure) &&
        !migration_interrupted(op, &failure) &&
        (!op->between || op->between(op->between_data, op->journal, op->report, &failure))) {
        for (guint i = 0; !failure && i < op->journal->steps->len; i++) {
            const VfpStep *step = g_ptr_array_index(op->journal->steps, i);

            if (step->kind == VFP_STEP_PLUG && step->state == VFP_STEP_TODO && !step->keep_running)
                pause_domain(op, step->domain, &failure);
        }
        if (!failure && run_resize(op, &failure))
            steps_of(op, VFP_STEP_PLUG, run_plug, &failure);
    }
    if (failure) {
        for (guint i = 0; i < op->journal->steps->len; i++) {
            VfpStep *step = g_ptr_array_index(op->journal->steps, i);

            if (step->kind == VFP_STEP_UNPLUG && step->state == VFP_STEP_DONE)
                undo_unplug(op, step);
        }
    }
    resume_all(op, failure ? NULL : &failure);
    for (guint i = 0; i < op->journal->steps->len; i++)
        g_hash_table_add(domains, ((VfpStep *)g_ptr_array_index(op->journal->steps, i))->domain);
    g_hash_table_iter_init(&iter, domains);
    while (g_hash_table_iter_next(&iter, &name, NULL))
        sync_definition(op, name);
    if (op->journal->paused->len == 0)
        vfp_journal_remove(NULL);
    if (op->rolled_back) {
        note_change(op, "interrupted before the domain moved: its VFs are back in it");
        g_clear_error(&failure);
    }
    if (failure) {
        g_propagate_prefixed_error(error, g_steal_pointer(&failure),
                                   "%s failed: ", op->journal->operation);
        return FALSE;
    }
    return TRUE;
}

/* A VF leaves a guest by hot-unplug, which the guest OS must acknowledge: a guest paused by
 * someone else never would, and its unplug would only time out. A plug that does not pause
 * the guest (attach) is refused too: whoever paused it meant it to stay as it is. */
gboolean
vfp_operation_check_running(virConnectPtr conn, const char *name, VfpStepKind kind, GError **error)
{
    g_autoptr(VirDomain) dom = virDomainLookupByName(conn, name);
    int state, reason;

    if (!dom || virDomainGetState(dom, &state, &reason, 0) < 0 || state != VIR_DOMAIN_PAUSED)
        return TRUE;
    g_set_error(
        error, VFP_ERROR, VFP_ERROR_BUSY,
        "domain '%s' is paused, and a VF %s; resume it ('virsh resume %s') and try again", name,
        kind == VFP_STEP_UNPLUG ? "leaves a guest only when its running OS lets go of it"
                                : "is hot-plugged only into a running guest, whose OS takes it",
        name);
    return FALSE;
}

static gboolean
check_guests_run(virConnectPtr conn, const VfpJournal *journal, GError **error)
{
    for (guint i = 0; i < journal->steps->len; i++) {
        const VfpStep *step = g_ptr_array_index(journal->steps, i);

        if (!step->in_place && (step->kind == VFP_STEP_UNPLUG || step->keep_running) &&
            !vfp_operation_check_running(conn, step->domain, step->kind, error))
            return FALSE;
    }
    return TRUE;
}

/* Runs a planned journal; the caller holds the operation lock (vfp_operation_lock). BEFORE,
 * when not NULL, makes what changes ahead of the steps (attach --config: the persistent
 * definition), once the guests were checked and the journal is on disk, so that a failure
 * there changes nothing else and a crash after it is finished by reconcile. BETWEEN, when not
 * NULL, runs between the unplugs and the plugs (vfpool migrate: the migration itself); its
 * failure is undone as a failed plug is. */
static gboolean
operation_start(virConnectPtr conn, VfpJournal *journal, VfpConfig *config,
                VfpOperationBefore before, VfpOperationStage between, gpointer data,
                VfpOperationReport *report, GError **error)
{
    g_autoptr(GHashTable) paused_at =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    Operation op = {conn, journal, report, config, paused_at, FALSE, between, data, FALSE};

    /* A journal saved ahead (vfpool migrate's) goes too: nothing was done. */
    if (!check_guests_run(conn, journal, error)) {
        vfp_journal_remove(NULL);
        return FALSE;
    }
    if (before && (!save(&op, error) || !before(data, error))) {
        vfp_journal_remove(NULL);
        return FALSE;
    }
    return operation_run(&op, error);
}

gboolean
vfp_operation_start_with(virConnectPtr conn, VfpJournal *journal, VfpConfig *config,
                         VfpOperationBefore before, gpointer data, VfpOperationReport *report,
                         GError **error)
{
    return operation_start(conn, journal, config, before, NULL, data, report, error);
}

gboolean
vfp_operation_start_around(virConnectPtr conn, VfpJournal *journal, VfpConfig *config,
                           VfpOperationStage between, gpointer data, VfpOperationReport *report,
                           GError **error)
{
    return operation_start(conn, journal, config, NULL, between, data, report, error);
}

gboolean
vfp_operation_start(virConnectPtr conn, VfpJournal *journal, VfpConfig *config,
                    VfpOperationReport *report, GError **error)
{
    return operation_start(conn, journal, config, NULL, NULL, NULL, report, error);
}

/* The operation lock, once no interrupted operation waits for reconcile; and vfpool.conf. */
VfpLock *
vfp_operation_lock(VfpConfig **config, GError **error)
{
    g_autoptr(GError) local = NULL;
    gboolean found;
    g_autoptr(VfpJournal) left = NULL;
    VfpLock *lock;

    if (!(*config = vfp_config_load(error)) ||
        !(lock = vfp_state_lock("operation.lock", VFP_LOCK_EXCLUSIVE, error)))
        return NULL;
    left = vfp_journal_load(&found, &local);
    if (found) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_BUSY,
                    "an interrupted operation (%s) is not finished; run 'vfpool reconcile' first",
                    left ? left->operation : "unreadable journal");
        vfp_lock_free(lock);
        return NULL;
    }
    return lock;
}

/* Finishes JOURNAL, the operation a dead process left: what it had unplugged is plugged in
 * where it was going (or back where it was), paused guests are resumed. The caller holds the
 * operation lock. */
gboolean
vfp_operation_finish(virConnectPtr conn, VfpConfig *config, VfpJournal *journal, gboolean dry_run,
                     VfpOperationReport *report, GError **error)
{
    g_autoptr(GHashTable) paused_at =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    Operation op = {conn, journal, report, config, paused_at, TRUE, NULL, NULL, FALSE};

    if (dry_run) {
        g_ptr_array_add(report->changes,
                        g_strdup_printf("would finish the interrupted operation '%s' (pid "
                                        "%" G_GINT64_FORMAT ")",
                                        journal->operation, journal->pid));
        return TRUE;
    }
    note_change(&op, "finishing the interrupted operation (pid %" G_GINT64_FORMAT ")",
                journal->pid);
    return operation_run(&op, error);
}

/* Finishes the operation a dead process left in the journal, if any. An interrupted
 * migration is left to vfpool reconcile (vfp_migrate_recover), which reaches its
 * destination. */
gboolean
vfp_operation_recover(virConnectPtr conn, gboolean dry_run, VfpOperationReport *report,
                      GError **error)
{
    g_autoptr(VfpConfig) config = vfp_config_load(error);
    g_autoptr(VfpLock) lock =
        config ? vfp_state_lock("operation.lock", VFP_LOCK_EXCLUSIVE, error) : NULL;
    g_autoptr(VfpJournal) journal = NULL;
    gboolean found;

    if (!lock || (!(journal = vfp_journal_load(&found, error)) && found))
        return FALSE;
    if (!found)
        return TRUE;
    if (journal->migrate_to) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_BUSY,
                    "the interrupted operation '%s' is not finished: run 'vfpool reconcile', "
                    "which also reaches %s",
                    journal->operation, journal->migrate_to);
        return FALSE;
    }
    return vfp_operation_finish(conn, config, journal, dry_run, report, error);
}
