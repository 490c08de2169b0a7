/* vfpool move, reassign and resize, and the recovery of an interrupted one.
 *
 * With stock QEMU a VF leaves a running guest by PCIe hot-unplug, which the guest OS must
 * acknowledge, so unplugs run with the guest running; the guests that get a device are then
 * paused (QMP stop through virDomainSuspend) from before the host-side change (VF count, L2
 * settings, claim) until their devices are plugged back, and the pause window is reported.
 * A QEMU offering VFIO pause/resume commands (named in vfpool.conf) lets resize keep the
 * device in the guest instead: the guest is paused first, the device paused in place, the VF
 * re-created and handed back to the same device. */
#include "config.h"

#include <json-glib/json-glib.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>
#include <string.h>

#include "vfp-config.h"
#include "vfp-error.h"
#include "vfp-journal.h"
#include "vfp-json.h"
#include "vfp-libvirt.h"
#include "vfp-reassign.h"
#include "vfp-select.h"
#include "vfp-take.h"
#include "vfp-pci-driver.h"
#include "vfp-vfstate.h"

static void
pause_window_free(VfpPauseWindow *window)
{
    g_free(window->domain);
    g_free(window);
}

VfpReassignReport *
vfp_reassign_report_new(void)
{
    VfpReassignReport *report = g_new0(VfpReassignReport, 1);

    report->changes = g_ptr_array_new_with_free_func(g_free);
    report->paused = g_ptr_array_new_with_free_func((GDestroyNotify)pause_window_free);
    return report;
}

void
vfp_reassign_report_free(VfpReassignReport *report)
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
    VfpReassignReport *report;
    VfpConfig *config;
    GHashTable *paused_at; /* domain name -> monotonic time of its suspend, in µs */
    gboolean recovering;   /* finishing the journal of a process that died */
} Operation;

static void G_GNUC_PRINTF(2, 3)
note_change(Operation *op, const char *format, ...)
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

static virDomainPtr
lookup_running(virConnectPtr conn, const char *name, GError **error)
{
    virDomainPtr dom = vfp_libvirt_lookup(conn, name, error);

    if (dom && virDomainIsActive(dom) != 1) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                    "domain '%s' is not running; vfpool moves VFs of running domains only (for a "
                    "stopped one, edit its request and run 'vfpool resolve %s')",
                    name, name);
        virDomainFree(dom);
        return NULL;
    }
    return dom;
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

static gboolean
set_live_metadata(virDomainPtr dom, const char *name, const char *metadata, GError **error)
{
    if (virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, metadata,
                             metadata ? VFP_DOMAIN_NS_PREFIX : NULL, VFP_DOMAIN_NS,
                             VIR_DOMAIN_AFFECT_LIVE) < 0) {
        vfp_libvirt_set_error(error, "domain '%s': cannot update its vfpool metadata", name);
        return FALSE;
    }
    return TRUE;
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
    vfp_ledger_release(ledger, address);
    if (!vfp_ledger_commit(ledger, &error))
        g_warning("domain '%s': %s", domain, error->message);
}

/* Takes the VF of ALIAS's reservation in LIVE for that request, as prepare would at start. */
static gboolean
take(const VfpDomain *live, const char *alias, const char *device_xml, const char *step,
     GError **error)
{
    g_autoptr(GPtrArray) pools = vfp_pool_load_all(error);
    g_autoptr(VfpLedger) ledger = pools ? vfp_ledger_open(VFP_LEDGER_WRITE, error) : NULL;
    g_autoptr(VfpHost) host = vfp_host_new();
    g_autoptr(GArray) takes = g_array_new(FALSE, TRUE, sizeof(VfpTake));
    g_autoptr(GError) local = NULL;
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
    vf->pool = vfp_pool_find(pools, vf->request->pool);
    vf->pf = vfp_host_get_pf(host, vf->reservation->pf, &local);
    if (!vf->pool || !vf->pf) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_NOT_FOUND,
                    "domain '%s': VF %s of pool '%s' is not on this host%s%s", live->name,
                    vf->reservation->address, vf->request->pool, local ? ": " : "",
                    local ? local->message : "");
        return FALSE;
    }
    vfp_device_info_from_xml(device_xml, &vf->device);
    vfp_vf_state_sweep_pending(ledger, host);
    claim = vfp_ledger_lookup(ledger, vf->reservation->address);
    if (claim && !claim->pending && g_strcmp0(claim->uuid, vfp_domain_key(live)) == 0)
        return TRUE; /* taken before the process that wrote the journal died */
    return vfp_take_all(live, host, ledger, takes, step, error);
}

/* ---- a QEMU's own VFIO pause/resume -------------------------------------------------------- */

/* Runs {"execute": COMMAND, "arguments": {"id": ALIAS[, "host": HOST]}} in the domain's QEMU.
 * libvirt names each device's QEMU id after its alias. */
static gboolean
qmp_device_command(virDomainPtr dom, const char *name, const char *command, const char *alias,
                   const char *host, GError **error)
{
    g_autoptr(JsonBuilder) builder = json_builder_new();
    g_autoptr(JsonNode) root = NULL;
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autofree char *request = NULL;
    g_autofree char *reply = NULL;
    JsonNode *reply_root;

    json_builder_begin_object(builder);
    vfp_json_add_string(builder, "execute", command);
    json_builder_set_member_name(builder, "arguments");
    json_builder_begin_object(builder);
    vfp_json_add_string(builder, "id", alias);
    if (host)
        vfp_json_add_string(builder, "host", host);
    json_builder_end_object(builder);
    json_builder_end_object(builder);
    root = json_builder_get_root(builder);
    request = json_to_string(root, FALSE);
    if (virDomainQemuMonitorCommand(dom, request, &reply, 0) < 0) {
        vfp_libvirt_set_error(error, "domain '%s': QMP %s for device '%s' failed", name, command,
                              alias);
        return FALSE;
    }
    if (json_parser_load_from_data(parser, reply, -1, NULL) &&
        (reply_root = json_parser_get_root(parser)) && JSON_NODE_HOLDS_OBJECT(reply_root) &&
        json_object_has_member(json_node_get_object(reply_root), "return"))
        return TRUE;
    g_set_error(error, VFP_ERROR, VFP_ERROR_FAILED,
                "domain '%s': QEMU refused %s for device '%s': %s; check vfio-pause-command and "
                "vfio-resume-command in vfpool.conf",
                name, command, alias, reply);
    return FALSE;
}

/* Whether the domain's QEMU lists both configured VFIO commands in query-commands. */
static gboolean
qemu_has_vfio_pause(virConnectPtr conn, const char *name, const VfpConfig *config)
{
    g_autoptr(VirDomain) dom = virDomainLookupByName(conn, name);
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autofree char *reply = NULL;
    gboolean pause = FALSE, resume = FALSE;
    JsonNode *root;
    JsonArray *commands;

    if (!config->vfio_pause_command || !dom ||
        virDomainQemuMonitorCommand(dom, "{\"execute\": \"query-commands\"}", &reply, 0) < 0 ||
        !json_parser_load_from_data(parser, reply, -1, NULL) ||
        !(root = json_parser_get_root(parser)) || !JSON_NODE_HOLDS_OBJECT(root) ||
        !(commands = json_object_get_array_member(json_node_get_object(root), "return")))
        return FALSE;
    for (guint i = 0; i < json_array_get_length(commands); i++) {
        JsonObject *command = json_array_get_object_element(commands, i);
        const char *command_name = command ? vfp_json_get_string(command, "name") : NULL;

        pause |= g_strcmp0(command_name, config->vfio_pause_command) == 0;
        resume |= g_strcmp0(command_name, config->vfio_resume_command) == 0;
    }
    return pause && resume;
}

/* ---- the steps ----------------------------------------------------------------------------- */

/* Linux pciehp alone waits 5 s after QEMU presses the slot's attention button. */
static gboolean
wait_unplugged(Operation *op, virDomainPtr dom, const char *name, const char *alias,
               GError **error)
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
    g_autoptr(VirDomain) dom = lookup_running(op->conn, step->domain, error);
    g_autoptr(VfpDomain) live = NULL;
    g_autofree char *metadata = NULL;
    gboolean present;
    g_autoptr(GError) local = NULL;

    if (!dom)
        return FALSE;
    if (step->in_place) {
        /* The guest keeps the device; QEMU lets go of the VF behind it. */
        if (!qmp_device_command(dom, step->domain, op->config->vfio_pause_command, step->alias,
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
        /* Recovering, the dead process may have asked already: then the guest is on it. */
        if (virDomainDetachDeviceFlags(dom, step->device_xml, VIR_DOMAIN_AFFECT_LIVE) < 0 &&
            !op->recovering) {
            vfp_libvirt_set_error(error, "domain '%s': cannot hot-unplug device '%s'",
                                  step->domain, step->alias);
            return FALSE;
        }
        if (!wait_unplugged(op, dom, step->domain, step->alias, error))
            return FALSE;
    }
    give_back(step->domain, step->uuid, step->address);
    if (!(live = vfp_libvirt_load(dom, VFP_XML_LIVE, error)) ||
        !vfp_domain_remove_request(live, step->alias, error))
        return FALSE;
    metadata = vfp_domain_metadata_to_string(live);
    if (!set_live_metadata(dom, step->domain, metadata, error))
        return FALSE;
    note_change(op, "domain '%s': unplugged '%s' (VF %s)", step->domain, step->alias,
                step->address);
    step->state = VFP_STEP_DONE;
    return save(op, error);
}

/* Writes METADATA into the running domain, takes the VF for its request and plugs DEVICE. */
static gboolean
plug(Operation *op, const char *name, const char *alias, const char *metadata,
     const char *device, const char *address, gboolean in_place, GError **error)
{
    g_autoptr(VirDomain) dom = lookup_running(op->conn, name, error);
    g_autoptr(VfpDomain) before = dom ? vfp_libvirt_load(dom, VFP_XML_LIVE, error) : NULL;
    g_autofree char *metadata_before = before ? vfp_domain_metadata_to_string(before) : NULL;
    g_autoptr(VfpDomain) live = NULL;
    g_autoptr(GError) local = NULL;
    gboolean taken = FALSE;

    if (!before || !set_live_metadata(dom, name, metadata, error))
        return FALSE;
    if ((live = vfp_libvirt_load(dom, VFP_XML_LIVE, &local)) &&
        (taken = take(live, alias, device, "hotplug", &local)) && in_place) {
        /* libvirt bound the VF at start; this one is new, and the device gets it as is. */
        if (vfp_pci_driver_bind(address, "vfio-pci", &local) &&
            qmp_device_command(dom, name, op->config->vfio_resume_command, alias, address,
                               &local))
            note_change(op, "domain '%s': VFIO device '%s' resumed on VF %s", name, alias,
                        address);
    } else if (live && taken && !has_device(dom, alias, &local) && !local &&
               virDomainAttachDeviceFlags(dom, device, VIR_DOMAIN_AFFECT_LIVE) < 0) {
        vfp_libvirt_set_error(&local, "domain '%s': cannot hot-plug VF %s as '%s'", name, address,
                              alias);
    }
    if (local) {
        /* As it was: no claim, and metadata that does not reserve the VF. */
        if (taken)
            give_back(name, vfp_domain_key(live), address);
        set_live_metadata(dom, name, metadata_before, NULL);
        g_propagate_error(error, g_steal_pointer(&local));
        return FALSE;
    }
    if (!in_place)
        note_change(op, "domain '%s': plugged VF %s as '%s'", name, address, alias);
    return TRUE;
}

static gboolean
run_plug(Operation *op, VfpStep *step, GError **error)
{
    if (!plug(op, step->domain, step->alias, step->metadata_xml, step->device_xml,
              step->address, step->in_place, error))
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
    g_autoptr(VirDomain) dom = lookup_running(op->conn, name, error);
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
                                  "domain '%s': cannot resume the guest; run 'virsh resume'",
                                  name);
            g_warning("%s", local->message);
            if (ok)
                g_propagate_error(error, g_steal_pointer(&local));
            ok = FALSE;
        } else if (since) {
            VfpPauseWindow *window = g_new0(VfpPauseWindow, 1);

            window->domain = g_strdup(name);
            window->usec = g_get_monotonic_time() - *since;
            g_message("%s: domain '%s' was paused for %.3f s", op->journal->operation, name,
                      window->usec / 1e6);
            g_ptr_array_add(op->report->paused, window);
        } else if (state == VIR_DOMAIN_PAUSED) {
            note_change(op, "domain '%s': resumed (left paused by an interrupted operation)",
                        name);
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

    if (!dom || virDomainIsPersistent(dom) != 1 || !(live = vfp_libvirt_load(dom, VFP_XML_LIVE, &error)) ||
        !(config = vfp_libvirt_load(dom, VFP_XML_PERSISTENT, &error)))
        goto out;
    before = vfp_domain_to_string(config);
    for (guint i = 0; i < op->journal->steps->len; i++) {
        const VfpStep *step = g_ptr_array_index(op->journal->steps, i);

        if (g_str_equal(step->domain, name))
            g_hash_table_add(aliases, step->alias);
    }
    g_hash_table_iter_init(&iter, aliases);
    while (g_hash_table_iter_next(&iter, &alias, NULL)) {
        const VfpReservation *reservation = vfp_domain_find_reservation(live, alias);
        const VfpRequest *request = NULL;
        g_auto(VfpDeviceInfo) device = {0};
        VfpAssignment assignment = {0};

        vfp_domain_get_device(live, alias, &device);
        request = vfp_domain_find_request(live, alias);
        if (!request) {
            if (!vfp_domain_remove_request(config, alias, &error))
                goto out;
            continue;
        }
        if (!device.found || !reservation)
            continue; /* a device that could not be plugged back: keep the definition */
        if (!vfp_domain_find_request(config, alias) &&
            !vfp_domain_add_request(config, live, alias, &error))
            goto out;
        if (g_strcmp0(vfp_domain_find_request(config, alias)->pool, request->pool) != 0 &&
            !vfp_domain_set_request_pool(config, alias, request->pool, &error))
            goto out;
        assignment.request = vfp_domain_find_request(config, alias);
        assignment.address = reservation->address;
        assignment.pf = reservation->pf;
        assignment.index = reservation->index;
        assignment.network = device.network;
        assignment.managed = device.managed;
        if (!vfp_domain_set_reservation(config, &assignment, &error))
            goto out;
    }
    after = vfp_domain_to_string(config);
    if (!g_str_equal(before, after)) {
        virDomainPtr defined = virDomainDefineXML(op->conn, after);

        if (!defined) {
            vfp_libvirt_set_error(&error, "domain '%s': libvirt refused the updated definition",
                                  name);
            goto out;
        }
        virDomainFree(defined);
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
    g_autoptr(VfpHost) host = vfp_host_new();
    VfpPf *pf;

    if (!op->journal->resize_pf || op->journal->resized)
        return TRUE;
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

                held_back |= other->kind == VFP_STEP_UNPLUG &&
                             other->state == VFP_STEP_UNDONE &&
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
    if (!failure && save(op, &failure) && steps_of(op, VFP_STEP_UNPLUG, run_unplug, &failure)) {
        for (guint i = 0; !failure && i < op->journal->steps->len; i++) {
            const VfpStep *step = g_ptr_array_index(op->journal->steps, i);

            if (step->kind == VFP_STEP_PLUG && step->state == VFP_STEP_TODO)
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
    if (failure) {
        g_propagate_prefixed_error(error, g_steal_pointer(&failure), "%s failed: ",
                                   op->journal->operation);
        return FALSE;
    }
    return TRUE;
}

/* A VF leaves a guest by hot-unplug, which the guest OS must acknowledge: a guest paused by
 * someone else never would, and its unplug would only time out. */
static gboolean
check_guests_run(virConnectPtr conn, const VfpJournal *journal, GError **error)
{
    for (guint i = 0; i < journal->steps->len; i++) {
        const VfpStep *step = g_ptr_array_index(journal->steps, i);
        g_autoptr(VirDomain) dom = NULL;
        int state, reason;

        if (step->kind != VFP_STEP_UNPLUG || step->in_place)
            continue;
        dom = virDomainLookupByName(conn, step->domain);
        if (dom && virDomainGetState(dom, &state, &reason, 0) == 0 &&
            state == VIR_DOMAIN_PAUSED) {
            g_set_error(error, VFP_ERROR, VFP_ERROR_BUSY,
                        "domain '%s' is paused, and a VF leaves a guest only when its running OS "
                        "lets go of it; resume it ('virsh resume %s') and try again",
                        step->domain, step->domain);
            return FALSE;
        }
    }
    return TRUE;
}

/* Runs a planned journal under the operation lock: one operation at a time on the host. */
static gboolean
operation_start(virConnectPtr conn, VfpJournal *journal, VfpConfig *config,
                VfpReassignReport *report, GError **error)
{
    g_autoptr(GHashTable) paused_at = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                                            g_free);
    Operation op = {conn, journal, report, config, paused_at, FALSE};

    if (!check_guests_run(conn, journal, error))
        return FALSE;
    return operation_run(&op, error);
}

/* The operation lock, once no interrupted operation waits for reconcile; and vfpool.conf. */
static VfpLock *
operation_lock(VfpConfig **config, GError **error)
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

/* ---- planning ------------------------------------------------------------------------------ */

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
    return vfp_journal_add_step(journal, VFP_STEP_UNPLUG, live->name, vfp_domain_key(live),
                                alias, device.address, device_xml, metadata);
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

    return vfp_journal_add_step(journal, VFP_STEP_PLUG, target->name, vfp_domain_key(target),
                                alias, reservation->address, device_xml, metadata);
}

static VfpDomain *
load_running(virConnectPtr conn, const char *name, GError **error)
{
    g_autoptr(VirDomain) dom = lookup_running(conn, name, error);

    return dom ? vfp_libvirt_load(dom, VFP_XML_LIVE, error) : NULL;
}

static VfpAssignment
assignment_for(const VfpDomain *domain, const char *alias, const VfpReservation *vf,
               const VfpDeviceInfo *device)
{
    return (VfpAssignment){vfp_domain_find_request(domain, alias), vf->address, vf->pf, vf->index,
                           device->network, device->managed};
}

/* vfpool move ALIAS --from FROM --to TO: the device and its request leave FROM for TO, which
 * is paused around the plug. TO's own request of that alias, when it has one without a
 * device, says how the VF is configured; otherwise FROM's request goes with it. */
gboolean
vfp_reassign_move(virConnectPtr conn, const char *alias, const char *from, const char *to,
                  VfpReassignReport *report, GError **error)
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
    if (!(lock = operation_lock(&config, error)) || !(source = load_running(conn, from, error)) ||
        !(target = load_running(conn, to, error)) || !plan_unplug(journal, source, alias, error))
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
    return operation_start(conn, journal, config, report, error);
}

/* The VF selection would give REQUEST of LIVE other than the one it has (or exactly VF). */
static gboolean
choose_other_vf(virConnectPtr conn, VfpDomain *live, const char *alias, const char *vf,
                VfpReservation *chosen, GError **error)
{
    const VfpReservation *current = vfp_domain_find_reservation(live, alias);
    g_autoptr(GHashTable) reserved = vfp_libvirt_reservations(conn, live->name, error);
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
                  const char *pool, VfpReassignReport *report, GError **error)
{
    g_autofree char *operation = g_strdup_printf("reassign %s %s%s%s%s%s", name, alias,
                                                 vf ? " --vf " : "", vf ? vf : "",
                                                 pool ? " --pool " : "", pool ? pool : "");
    g_autoptr(VfpJournal) journal = vfp_journal_new(operation);
    g_autoptr(VfpLock) lock = NULL;
    g_autoptr(VfpConfig) config = NULL;
    g_autoptr(VfpDomain) live = NULL;
    g_auto(VfpDeviceInfo) device = {0};
    VfpReservation chosen = {0};
    VfpAssignment assignment;
    gboolean ok;

    if (!(lock = operation_lock(&config, error)) || !(live = load_running(conn, name, error)) ||
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
    return operation_start(conn, journal, config, report, error);
}

/* vfpool resize PF COUNT [--pause]. */
gboolean
vfp_reassign_resize(virConnectPtr conn, const char *pf_name, guint count, gboolean pause,
                    VfpReassignReport *report, GError **error)
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

    if (!(lock = operation_lock(&config, error)))
        return FALSE;
    pf = strchr(pf_name, ':') ? vfp_host_get_pf(host, pf_name, error)
                              : vfp_host_find_pf_by_netdev(host, pf_name, error);
    if (!pf)
        return FALSE;
    if (count > pf->total_vfs) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                    "PF %s supports at most %u VFs, not %u; choose a smaller count",
                    pf->address, pf->total_vfs, count);
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
        unplug->in_place = qemu_has_vfio_pause(conn, claim->domain, config);
        plan_plug(journal, live, claim->alias, TRUE)->in_place = unplug->in_place;
    }
    /* One way for all: a guest paused before an unplug could not acknowledge it. */
    for (guint i = 0; i < journal->steps->len; i++)
        in_place &= ((VfpStep *)g_ptr_array_index(journal->steps, i))->in_place;
    for (guint i = 0; i < journal->steps->len; i++)
        ((VfpStep *)g_ptr_array_index(journal->steps, i))->in_place = in_place;
    journal->resize_pf = g_strdup(pf->address);
    journal->resize_count = count;
    return operation_start(conn, journal, config, report, error);
}

/* Finishes the operation a dead process left in the journal: what it had unplugged is
 * plugged in where it was going (or back where it was), paused guests are resumed. */
gboolean
vfp_reassign_recover(virConnectPtr conn, gboolean dry_run, VfpReassignReport *report,
                     GError **error)
{
    g_autoptr(VfpConfig) config = vfp_config_load(error);
    g_autoptr(VfpLock) lock =
        config ? vfp_state_lock("operation.lock", VFP_LOCK_EXCLUSIVE, error) : NULL;
    g_autoptr(GHashTable) paused_at = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                                            g_free);
    g_autoptr(VfpJournal) journal = NULL;
    gboolean found;
    Operation op;

    if (!lock || (!(journal = vfp_journal_load(&found, error)) && found))
        return FALSE;
    if (!found)
        return TRUE;
    op = (Operation){conn, journal, report, config, paused_at, TRUE};
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
