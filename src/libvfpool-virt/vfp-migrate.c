/* vfpool migrate, for VFs that cannot follow a domain by themselves: libvirt refuses to migrate
 * a domain with a PCI device passed through, and runs no hook on hot-plug. So the VFs are
 * reserved on the destination first, by defining the domain there for its vfpoold to resolve;
 * then the operation engine unplugs them here (journaled, the guest acknowledging), libvirt
 * migrates the domain with those reservations marked hotplug='pending' (the destination's
 * migrate hook step keeps them, its prepare claims them without a device), and the devices
 * are plugged on the destination. A failure before the switch-over plugs the VFs back here;
 * after it, the domain stays on the destination and what could not be plugged is reported. */
#include "config.h"

#include <libvirt/virterror.h>
#include <signal.h>
#include <string.h>

#include "vfp-error.h"
#include "vfp-hotplug.h"
#include "vfp-libvirt.h"
#include "vfp-log.h"
#include "vfp-migrate.h"

#define RESERVE_POLL_USEC (100 * 1000)

typedef struct {
    virConnectPtr dconn; /* the destination's libvirt */
    const char *name;
    const char *dest_uri;
    const VfpMigrateOptions *options;
    virDomainPtr dom;
    VfpJournal *journal;  /* the operation's, which says what the destination had defined */
    VfpDomain *reserved;  /* the destination's definition, as its vfpoold resolved it */
    GError *plug_failure; /* the first VF that could not be plugged on the destination */
    gint interrupted;     /* atomic: the signal that asked to stop, or 0 */
} Migration;

static void
migration_clear(Migration *m)
{
    g_clear_pointer(&m->dconn, vfp_libvirt_close);
    g_clear_pointer(&m->dom, virDomainFree);
    g_clear_pointer(&m->reserved, vfp_domain_free);
    g_clear_error(&m->plug_failure);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Migration, migration_clear)

static void G_GNUC_PRINTF(2, 3) note(VfpOperationReport *report, const char *format, ...)
{
    g_autofree char *line = NULL;
    va_list args;

    va_start(args, format);
    line = g_strdup_vprintf(format, args);
    va_end(args);
    g_message("migrate: %s", line);
    g_ptr_array_add(report->changes, g_steal_pointer(&line));
}

/* ---- the reservations on the destination --------------------------------------------------- */

/* Puts the definition of NAME on the destination DCONN back as it was before the migration
 * was tried, as JOURNAL recorded it; says what it could not do. Returns whether it did. */
static gboolean
undo_destination(virConnectPtr dconn, const char *name, VfpJournal *journal)
{
    g_autoptr(VirDomain) dest = NULL;
    g_autoptr(GError) error = NULL;

    if (!journal->dest_defined)
        return TRUE;
    journal->dest_defined = FALSE;
    if (journal->dest_previous) {
        if ((dest = virDomainDefineXML(dconn, journal->dest_previous)))
            return TRUE;
        vfp_libvirt_set_error(&error, "domain '%s': its definition on %s could not be put back",
                              name, journal->migrate_to);
        g_warning("%s", error->message);
        return FALSE;
    }
    /* NVRAM and TPM state stay: a domain running there uses them. */
    if (!(dest = virDomainLookupByName(dconn, name)) ||
        virDomainUndefineFlags(dest,
                               VIR_DOMAIN_UNDEFINE_KEEP_NVRAM | VIR_DOMAIN_UNDEFINE_KEEP_TPM) == 0)
        return TRUE;
    vfp_libvirt_set_error(&error, "domain '%s': its definition on %s stays", name,
                          journal->migrate_to);
    g_warning("%s; remove it with 'virsh -c %s undefine %s'", error->message, journal->migrate_to,
              name);
    return FALSE;
}

/* Whether DEFINITION reserves a VF for each request the running domain LIVE makes, its
 * device pointing at it. */
static gboolean
reserves_all(const VfpDomain *definition, const VfpDomain *live)
{
    for (guint i = 0; i < live->requests->len; i++) {
        const VfpRequest *request = g_ptr_array_index(live->requests, i);
        const VfpReservation *reservation = vfp_domain_find_reservation(definition, request->alias);
        g_auto(VfpDeviceInfo) device = {0};

        vfp_domain_get_device(definition, request->alias, &device);
        if (!reservation || !device.found || g_strcmp0(device.address, reservation->address) != 0)
            return FALSE;
    }
    return TRUE;
}

/* Defines the domain on the destination as it runs here, without reservations, and waits for
 * the destination's vfpoold to reserve VFs of its pools for it: from then on no other domain
 * there can be given them, and the destination's hook claims them when the domain arrives. */
static gboolean
reserve_on_destination(Migration *m, const VfpDomain *live, GError **error)
{
    g_autoptr(VirDomain) existing = virDomainLookupByName(m->dconn, m->name);
    g_autofree char *xml =
        virDomainGetXMLDesc(m->dom, VIR_DOMAIN_XML_SECURE | VIR_DOMAIN_XML_MIGRATABLE);
    g_autoptr(VfpDomain) plan = xml ? vfp_domain_parse(xml, strlen(xml), error) : NULL;
    g_autoptr(VirDomain) defined = NULL;
    gint64 deadline;

    if (!xml)
        vfp_libvirt_set_error(error, "cannot read the XML of domain '%s'", m->name);
    if (!plan)
        return FALSE;
    if (existing && virDomainIsActive(existing) == 1) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_BUSY,
                    "domain '%s' already runs on %s; stop it there first", m->name, m->dest_uri);
        return FALSE;
    }
    if (existing && !(m->journal->dest_previous = virDomainGetXMLDesc(
                          existing, VIR_DOMAIN_XML_SECURE | VIR_DOMAIN_XML_INACTIVE))) {
        vfp_libvirt_set_error(error, "domain '%s': cannot read its definition on %s", m->name,
                              m->dest_uri);
        return FALSE;
    }
    vfp_domain_clear_reservations(plan);
    vfp_domain_set_status(plan, VFP_STATUS_NONE, NULL);
    g_free(xml);
    xml = vfp_domain_to_string(plan);
    /* Journaled first: whoever finishes an interrupted migration puts it back. */
    m->journal->dest_defined = TRUE;
    if (!vfp_journal_save(m->journal, error))
        return FALSE;
    if (!(defined = virDomainDefineXML(m->dconn, xml))) {
        vfp_libvirt_set_error(error, "domain '%s': %s refused its definition", m->name,
                              m->dest_uri);
        return FALSE;
    }
    deadline = g_get_monotonic_time() + m->options->reserve_timeout * G_USEC_PER_SEC;
    while (TRUE) {
        g_autoptr(VfpDomain) definition = vfp_libvirt_load(defined, VFP_XML_PERSISTENT, error);

        if (!definition)
            break;
        if (reserves_all(definition, live)) {
            /* Whole, with its secrets (graphics passwords): the destination keeps it. */
            g_autofree char *whole =
                virDomainGetXMLDesc(defined, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE |
                                                 VIR_DOMAIN_XML_MIGRATABLE);

            if (!whole)
                vfp_libvirt_set_error(error, "domain '%s': cannot read its definition on %s",
                                      m->name, m->dest_uri);
            else if ((m->reserved = vfp_domain_parse(whole, strlen(whole), error)))
                return TRUE;
            break;
        }
        if (definition->status.state == VFP_STATUS_WAITING) {
            g_autofree char *named = g_strdup_printf("domain '%s': ", m->name);
            const char *why = definition->status.message ? definition->status.message : "";

            g_set_error(error, VFP_ERROR, VFP_ERROR_EXHAUSTED,
                        "domain '%s': %s cannot give it VFs (%s); nothing was changed", m->name,
                        m->dest_uri, g_str_has_prefix(why, named) ? why + strlen(named) : why);
            break;
        }
        if (g_atomic_int_get(&m->interrupted)) {
            g_set_error(error, VFP_ERROR, VFP_ERROR_FAILED,
                        "domain '%s': interrupted while %s reserved VFs; nothing was changed",
                        m->name, m->dest_uri);
            break;
        }
        if (g_get_monotonic_time() > deadline) {
            g_set_error(error, VFP_ERROR, VFP_ERROR_BUSY,
                        "domain '%s': no VFs were reserved for it on %s within %u s; is vfpoold "
                        "running there ('systemctl status vfpoold')? nothing was changed",
                        m->name, m->dest_uri, m->options->reserve_timeout);
            break;
        }
        g_usleep(RESERVE_POLL_USEC);
    }
    undo_destination(m->dconn, m->name, m->journal);
    return FALSE;
}

/* ---- plugging on the destination ----------------------------------------------------------- */

/* The sort of device the destination plugs for ALIAS: as the definition its vfpoold resolved
 * there writes it (from the destination's own pools), else as it was here. */
static void
kind_on_destination(const VfpDomain *definition, const VfpStep *step, VfpDeviceInfo *kind)
{
    if (definition)
        vfp_domain_get_device(definition, step->alias, kind);
    if (!kind->found) {
        vfp_device_info_clear(kind);
        vfp_device_info_from_xml(step->device_xml, kind);
    }
}

/* Plugs into DEST, on the destination, the VF it holds for the request whose device STEP took
 * out here. */
static gboolean
plug_held(virDomainPtr dest, const VfpDomain *definition, const char *dest_uri, const VfpStep *step,
          VfpOperationReport *report, GError **error)
{
    g_auto(VfpDeviceInfo) kind = {0};
    g_autofree char *address = NULL;
    gboolean already;

    if (!step->dest_address) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_NOT_FOUND,
                    "domain '%s': the journal does not say which VF %s reserved for '%s'; not "
                    "plugged: run 'vfpool reconcile' on %s",
                    step->domain, dest_uri, step->alias, dest_uri);
        return FALSE;
    }
    kind_on_destination(definition, step, &kind);
    if (!vfp_hotplug_plug_held(dest, step->domain, step->alias, step->dest_address, &kind, &address,
                               &already, error))
        return FALSE;
    if (already) {
        note(report, "domain '%s': VF %s was plugged as '%s' already", step->domain, address,
             step->alias);
        return TRUE;
    }
    note(report, "domain '%s': plugged VF %s as '%s'", step->domain, address, step->alias);
    if (step->done_at)
        note(report, "domain '%s': '%s' was out for %.3f s (VF %s on this host, VF %s on %s)",
             step->domain, step->alias, (g_get_monotonic_time() - step->done_at) / 1e6,
             step->address, address, dest_uri);
    return TRUE;
}

/* Plugs every VF the journal's unplugs took out into the domain now running on the
 * destination; what cannot be plugged is reported, the first failure kept in FAILURE. */
static void
plug_all_held(virDomainPtr dest, const VfpDomain *definition, const VfpJournal *journal,
              VfpOperationReport *report, GError **failure)
{
    for (guint i = 0; i < journal->steps->len; i++) {
        const VfpStep *step = g_ptr_array_index(journal->steps, i);
        g_autoptr(GError) error = NULL;

        if (step->kind != VFP_STEP_UNPLUG || step->state != VFP_STEP_DONE)
            continue;
        if (plug_held(dest, definition, journal->migrate_to, step, report, &error))
            continue;
        g_warning("%s", error->message);
        if (failure && !*failure)
            g_propagate_error(failure, g_steal_pointer(&error));
    }
}

/* ---- the migration ------------------------------------------------------------------------- */

/* The XML the domain arrives with: as it runs here, its requests holding the destination's
 * reserved VFs, without devices. */
static char *
arriving_xml(Migration *m, GError **error)
{
    g_autofree char *xml =
        virDomainGetXMLDesc(m->dom, VIR_DOMAIN_XML_SECURE | VIR_DOMAIN_XML_MIGRATABLE);
    g_autoptr(VfpDomain) domain = xml ? vfp_domain_parse(xml, strlen(xml), error) : NULL;

    if (!xml)
        vfp_libvirt_set_error(error, "cannot read the XML of domain '%s'", m->name);
    if (!domain)
        return NULL;
    for (guint i = 0; i < m->reserved->reservations->len; i++) {
        const VfpReservation *reserved = g_ptr_array_index(m->reserved->reservations, i);
        VfpAssignment assignment = {.request = vfp_domain_find_request(domain, reserved->alias),
                                    .address = reserved->address,
                                    .pf = reserved->pf,
                                    .index = reserved->index,
                                    .vendor_id = reserved->vendor_id,
                                    .device_id = reserved->device_id,
                                    .hotplug_pending = TRUE};

        if (assignment.request && !vfp_domain_set_reservation(domain, &assignment, error))
            return NULL;
    }
    return vfp_domain_to_string(domain);
}

/* The definition the destination keeps with --persistent: this host's persistent definition
 * (as virsh migrate --persistent gives it), its requests reserving the destination's VFs where
 * the running domain makes them too (the destination's vfpoold resolves the others); for a
 * transient domain, the one made there for the reservations. */
static char *
persistent_xml(Migration *m, GError **error)
{
    g_autofree char *xml = NULL;
    g_autoptr(VfpDomain) definition = NULL;

    if (virDomainIsPersistent(m->dom) != 1)
        return vfp_domain_to_string(m->reserved);
    xml = virDomainGetXMLDesc(m->dom, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE |
                                          VIR_DOMAIN_XML_MIGRATABLE);
    if (!xml) {
        vfp_libvirt_set_error(error, "cannot read the definition of domain '%s'", m->name);
        return NULL;
    }
    if (!(definition = vfp_domain_parse(xml, strlen(xml), error)))
        return NULL;
    vfp_domain_clear_reservations(definition);
    vfp_domain_set_status(definition, VFP_STATUS_NONE, NULL);
    for (guint i = 0; i < m->reserved->reservations->len; i++) {
        const VfpReservation *reserved = g_ptr_array_index(m->reserved->reservations, i);

        if (vfp_domain_find_request(definition, reserved->alias) &&
            !vfp_domain_copy_reservation(definition, m->reserved, reserved->alias, error))
            return NULL;
    }
    return vfp_domain_to_string(definition);
}

/* Between the unplugs and the end of the operation: the migration itself, then the plugs on
 * the destination. Fails (and the engine plugs the VFs back here) only while the domain has
 * not moved. */
static gboolean
migrate_stage(gpointer data, VfpJournal *journal, VfpOperationReport *report, GError **error)
{
    Migration *m = data;
    g_autofree char *xml = arriving_xml(m, error);
    g_autofree char *persist_xml = NULL;
    virTypedParameterPtr params = NULL;
    int count = 0, max = 0;
    unsigned int flags = 0;
    g_autoptr(VirDomain) dest = NULL;
    g_autoptr(GError) local = NULL;

    if (!xml || (m->options->persistent && !(persist_xml = persistent_xml(m, error))))
        goto failed;
    if (g_atomic_int_get(&m->interrupted)) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_FAILED,
                    "domain '%s': interrupted before the migration began", m->name);
        goto failed;
    }
    virTypedParamsAddString(&params, &count, &max, VIR_MIGRATE_PARAM_DEST_XML, xml);
    if (persist_xml) {
        virTypedParamsAddString(&params, &count, &max, VIR_MIGRATE_PARAM_PERSIST_XML, persist_xml);
        flags |= VIR_MIGRATE_PERSIST_DEST;
    }
    if (m->options->migrate_uri)
        virTypedParamsAddString(&params, &count, &max, VIR_MIGRATE_PARAM_URI,
                                m->options->migrate_uri);
    flags |= (m->options->live ? VIR_MIGRATE_LIVE : 0) |
             (m->options->undefine_source ? VIR_MIGRATE_UNDEFINE_SOURCE : 0);
    dest = virDomainMigrate3(m->dom, m->dconn, params, count, flags);
    virTypedParamsFree(params, count);
    if (!dest) {
        vfp_libvirt_set_error(error, "domain '%s': migration to %s %s", m->name, m->dest_uri,
                              g_atomic_int_get(&m->interrupted) ? "interrupted" : "failed");
        goto failed;
    }
    journal->migrated = TRUE;
    if (!vfp_journal_save(journal, &local))
        g_warning("%s", local->message);
    note(report, "domain '%s': migrated to %s", m->name, m->dest_uri);
    /* Without --persistent the destination keeps what it had: no definition, or its own. */
    if (!journal->dest_keep) {
        undo_destination(m->dconn, m->name, journal);
        vfp_journal_save(journal, NULL);
    }
    plug_all_held(dest, m->reserved, journal, report, &m->plug_failure);
    return TRUE;

failed:
    undo_destination(m->dconn, m->name, journal);
    return FALSE;
}

/* The journal of the migration: one unplug per pooled device, which keeps its request (held
 * without the device until the destination plugs its own VF) and the definition as it is. */
static gboolean
plan_unplugs(Migration *m, const VfpDomain *live, VfpJournal *journal, GError **error)
{
    g_autofree char *metadata = vfp_domain_metadata_to_string(live);

    for (guint i = 0; i < live->requests->len; i++) {
        const VfpRequest *request = g_ptr_array_index(live->requests, i);
        const VfpReservation *reservation = vfp_domain_find_reservation(live, request->alias);
        g_auto(VfpDeviceInfo) device = {0};
        g_autofree char *device_xml = NULL;
        VfpStep *step;

        vfp_domain_get_device(live, request->alias, &device);
        if (!reservation || !device.found || g_strcmp0(device.address, reservation->address) != 0) {
            g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                        "domain '%s': '%s' has no VF plugged from pool '%s'; detach it first "
                        "('vfpool detach %s %s --live')",
                        m->name, request->alias, request->pool, m->name, request->alias);
            return FALSE;
        }
        device_xml = vfp_domain_device_to_string(live, request->alias, TRUE);
        step = vfp_journal_add_step(journal, VFP_STEP_UNPLUG, m->name, vfp_domain_key(live),
                                    request->alias, reservation->address, device_xml, metadata);
        step->keep_request = TRUE;
        step->keep_definition = TRUE;
    }
    return TRUE;
}

/* libvirt migrates no domain with a PCI device passed through: the pooled ones leave for the
 * migration, and any other makes it fail, so it is refused before anything changes. */
static gboolean
check_passthrough(const VfpDomain *live, GError **error)
{
    g_autoptr(GPtrArray) sources = vfp_domain_pci_sources(live);

    for (guint i = 0; i < sources->len; i++) {
        const char *address = g_ptr_array_index(sources, i);
        gboolean pooled = FALSE;

        for (guint j = 0; j < live->reservations->len; j++)
            pooled |= g_str_equal(
                ((const VfpReservation *)g_ptr_array_index(live->reservations, j))->address,
                address);
        if (!pooled) {
            g_set_error(error, VFP_ERROR, VFP_ERROR_UNSUPPORTED,
                        "domain '%s' has PCI device %s passed through, which is not from a "
                        "vfpool pool and which libvirt cannot migrate; detach it first",
                        live->name, address);
            return FALSE;
        }
    }
    return TRUE;
}

/* Ctrl-C (SIGINT), SIGTERM and SIGHUP during vfpool migrate stop it as they stop virsh
 * migrate: libvirt's migration job is aborted, and the VFs go back into the guest. */
typedef struct {
    Migration *migration;
    sigset_t signals;
    sigset_t before;
    gint done; /* atomic */
    GThread *thread;
} SignalWatch;

static gpointer
watch_signals(gpointer data)
{
    SignalWatch *watch = data;
    const struct timespec tick = {0, 200 * 1000 * 1000};

    while (!g_atomic_int_get(&watch->done)) {
        int signal = sigtimedwait(&watch->signals, NULL, &tick);

        if (signal <= 0)
            continue;
        g_warning("domain '%s': signal %d: stopping the migration, its VFs go back",
                  watch->migration->name, signal);
        g_atomic_int_set(&watch->migration->interrupted, signal);
        virDomainAbortJob(watch->migration->dom); /* no job yet: libvirt says so, harmlessly */
    }
    return NULL;
}

static void
signal_watch_start(SignalWatch *watch, Migration *migration)
{
    watch->migration = migration;
    sigemptyset(&watch->signals);
    sigaddset(&watch->signals, SIGINT);
    sigaddset(&watch->signals, SIGTERM);
    sigaddset(&watch->signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &watch->signals, &watch->before);
    watch->thread = g_thread_new("vfpool-signals", watch_signals, watch);
}

static void
signal_watch_stop(SignalWatch *watch)
{
    if (!watch->thread)
        return;
    g_atomic_int_set(&watch->done, 1);
    g_thread_join(g_steal_pointer(&watch->thread));
    pthread_sigmask(SIG_SETMASK, &watch->before, NULL);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(SignalWatch, signal_watch_stop)

/* vfpool migrate DOMAIN DEST-URI [--live] [--persistent] [--undefinesource] [--migrateuri] */
gboolean
vfp_migrate(virConnectPtr conn, const char *name, const char *dest_uri,
            const VfpMigrateOptions *options, VfpOperationReport *report, GError **error)
{
    g_autoptr(VfpConfig) config = NULL;
    g_autoptr(VfpLock) lock = NULL;
    g_auto(Migration) m = {NULL, name, dest_uri, options};
    g_auto(SignalWatch) watch = {0};
    g_autoptr(VfpDomain) live = NULL;
    g_autoptr(VfpJournal) journal = NULL;
    g_autofree char *operation = NULL;

    if (!(lock = vfp_operation_lock(&config, error)) ||
        !(m.dom = vfp_libvirt_lookup_running(conn, name, error)) ||
        !vfp_operation_check_running(conn, name, VFP_STEP_UNPLUG, error) ||
        !(live = vfp_libvirt_load(m.dom, VFP_XML_LIVE, error)) || !check_passthrough(live, error))
        return FALSE;
    if (live->requests->len == 0) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                    "domain '%s' has no VF from a pool; migrate it with 'virsh migrate'", name);
        return FALSE;
    }
    operation = g_strdup_printf("migrate %s %s", name, dest_uri);
    journal = vfp_journal_new(operation);
    journal->migrate_to = g_strdup(dest_uri);
    journal->dest_keep = options->persistent;
    m.journal = journal;
    if (!plan_unplugs(&m, live, journal, error) || !(m.dconn = vfp_libvirt_open(dest_uri, error)))
        return FALSE;
    signal_watch_start(&watch, &m);
    if (!reserve_on_destination(&m, live, error)) {
        vfp_journal_remove(NULL);
        return FALSE;
    }
    for (guint i = 0; i < m.reserved->reservations->len; i++) {
        const VfpReservation *reserved = g_ptr_array_index(m.reserved->reservations, i);

        note(report, "domain '%s': %s reserved VF %s for '%s'", name, dest_uri, reserved->address,
             reserved->alias);
    }
    /* What the destination plugs is what it reserved, not what its live metadata says then. */
    for (guint i = 0; i < journal->steps->len; i++) {
        VfpStep *step = g_ptr_array_index(journal->steps, i);
        const VfpReservation *reserved = vfp_domain_find_reservation(m.reserved, step->alias);

        step->dest_address = reserved ? g_strdup(reserved->address) : NULL;
    }
    if (!vfp_operation_start_around(conn, journal, config, migrate_stage, &m, report, error)) {
        undo_destination(m.dconn, m.name, m.journal);
        return FALSE;
    }
    if (m.plug_failure) {
        g_propagate_prefixed_error(error, g_steal_pointer(&m.plug_failure),
                                   "domain '%s' now runs on %s, but: ", name, dest_uri);
        return FALSE;
    }
    return TRUE;
}

/* The domain of an interrupted migration, now on the destination: its VFs plugged there, and
 * the definition made there for the reservations gone unless it was to stay. */
static gboolean
finish_on_destination(virConnectPtr dconn, const char *name, VfpJournal *journal,
                      VfpOperationReport *report, GError **error)
{
    g_autoptr(VirDomain) dest = virDomainLookupByName(dconn, name);
    g_autoptr(VfpDomain) definition = NULL;

    if (!dest || virDomainIsActive(dest) != 1) {
        note(report, "domain '%s' runs neither here nor on %s: no VF to plug", name,
             journal->migrate_to);
        undo_destination(dconn, name, journal);
        return TRUE;
    }
    if (virDomainIsPersistent(dest) == 1)
        definition = vfp_libvirt_load(dest, VFP_XML_PERSISTENT, NULL);
    plug_all_held(dest, definition, journal, report, error);
    if (!journal->dest_keep)
        undo_destination(dconn, name, journal);
    return !(error && *error);
}

/* vfpool reconcile's first step, on the source of a migration whose process died (any other
 * interrupted operation goes to the engine): before the switch-over everything goes back, the
 * VFs into the guest here and the destination's definition as it was; after it, the VFs are
 * plugged on the destination. */
gboolean
vfp_migrate_recover(virConnectPtr conn, gboolean dry_run, VfpOperationReport *report,
                    GError **error)
{
    g_autoptr(VfpConfig) config = vfp_config_load(error);
    g_autoptr(VfpLock) lock =
        config ? vfp_state_lock("operation.lock", VFP_LOCK_EXCLUSIVE, error) : NULL;
    g_autoptr(VfpJournal) journal = NULL;
    g_autoptr(VirConnect) dconn = NULL;
    g_autoptr(VirDomain) here = NULL;
    g_autoptr(GError) failure = NULL;
    const char *name;
    gboolean found;

    if (!lock || (!(journal = vfp_journal_load(&found, error)) && found))
        return FALSE;
    if (!found)
        return TRUE;
    if (!journal->migrate_to || journal->steps->len == 0)
        return vfp_operation_finish(conn, config, journal, dry_run, report, error);
    name = ((const VfpStep *)g_ptr_array_index(journal->steps, 0))->domain;
    here = virDomainLookupByName(conn, name);
    if (dry_run) {
        note(report, "would finish the interrupted '%s' (pid %" G_GINT64_FORMAT ")",
             journal->operation, journal->pid);
        return TRUE;
    }
    if (!journal->migrated && here && virDomainIsActive(here) == 1) {
        if (journal->dest_defined) {
            if (!(dconn = vfp_libvirt_open(journal->migrate_to, &failure)))
                g_warning("domain '%s': its definition on %s is left as it is: %s", name,
                          journal->migrate_to, failure->message);
            else if (undo_destination(dconn, name, journal))
                note(report, "domain '%s': its definition on %s is as it was before", name,
                     journal->migrate_to);
        }
        return vfp_operation_finish(conn, config, journal, FALSE, report, error);
    }
    note(report, "finishing the interrupted '%s' (pid %" G_GINT64_FORMAT ")", journal->operation,
         journal->pid);
    if (!(dconn = vfp_libvirt_open(journal->migrate_to, error))) {
        g_prefix_error(error,
                       "cannot finish the interrupted '%s' (run 'vfpool reconcile' again "
                       "once %s answers): ",
                       journal->operation, journal->migrate_to);
        return FALSE;
    }
    finish_on_destination(dconn, name, journal, report, &failure);
    if (!vfp_journal_remove(error))
        return FALSE;
    if (failure) {
        g_propagate_error(error, g_steal_pointer(&failure));
        return FALSE;
    }
    return TRUE;
}
