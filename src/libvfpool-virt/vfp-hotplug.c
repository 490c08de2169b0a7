/* Planning vfpool attach and detach: the new request and the VF that selection gives it, or the
 * device that goes, written as a one-step journal that the operation engine (vfp-operation.c)
 * runs without pausing the guest; --config changes the persistent definition as resolve does. */
#include "config.h"

#include <libxml/tree.h>
#include <string.h>

#include "vfp-error.h"
#include "vfp-hotplug.h"
#include "vfp-libvirt.h"
#include "vfp-select.h"

#define ALIAS_PREFIX "ua-"
#define ALIAS_MAX_LENGTH 63 /* xml/domain-metadata.rng: ua- and at most 60 more */
#define GENERATED_ALIAS "ua-vfpool-"

/* The domain a command works on, and which of its definitions it changes. */
typedef struct {
    virConnectPtr conn;
    const char *name;
    virDomainPtr dom;
    gboolean live;         /* the running domain changes */
    gboolean config;       /* the persistent definition changes */
    VfpDomain *running;    /* its live XML, when it runs */
    VfpDomain *persistent; /* its persistent definition, when it has one */
} Target;

static void
target_clear(Target *target)
{
    g_clear_pointer(&target->dom, virDomainFree);
    g_clear_pointer(&target->running, vfp_domain_free);
    g_clear_pointer(&target->persistent, vfp_domain_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Target, target_clear)

/* Looks NAME up and decides, as virsh attach-interface does, what FLAGS change: CURRENT is the
 * running domain if it runs, else the persistent definition. A running domain that someone
 * paused is refused here, before anything changes. */
static gboolean
target_open(Target *target, virConnectPtr conn, const char *name, unsigned int flags,
            VfpStepKind kind, GError **error)
{
    gboolean active, persistent;

    target->conn = conn;
    target->name = name;
    if (!(target->dom = vfp_libvirt_lookup(conn, name, error)))
        return FALSE;
    active = virDomainIsActive(target->dom) == 1;
    persistent = virDomainIsPersistent(target->dom) == 1;
    target->live = (flags & VIR_DOMAIN_AFFECT_LIVE) || (flags == 0 && active);
    target->config = (flags & VIR_DOMAIN_AFFECT_CONFIG) || (flags == 0 && !active);
    if (target->live && !active) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                    "domain '%s' is not running, and --live %s; %s", name,
                    kind == VFP_STEP_PLUG ? "hot-plugs into a running domain"
                                          : "hot-unplugs from a running domain",
                    kind == VFP_STEP_PLUG
                        ? "start it first, or use --config to add the VF to its definition"
                        : "use --config to remove the VF from its definition");
        return FALSE;
    }
    if (target->config && !persistent) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                    "domain '%s' is transient: it has no definition for --config to change; "
                    "leave --config out",
                    name);
        return FALSE;
    }
    if (active && !vfp_operation_check_running(conn, name, kind, error))
        return FALSE;
    if (active && !(target->running = vfp_libvirt_load(target->dom, VFP_XML_LIVE, error)))
        return FALSE;
    return !persistent ||
           (target->persistent = vfp_libvirt_load(target->dom, VFP_XML_PERSISTENT, error));
}

/* ---- attach -------------------------------------------------------------------------------- */

static gboolean
alias_is_valid(const char *alias)
{
    if (!g_str_has_prefix(alias, ALIAS_PREFIX) || strlen(alias) <= strlen(ALIAS_PREFIX) ||
        strlen(alias) > ALIAS_MAX_LENGTH)
        return FALSE;
    for (const char *c = alias + strlen(ALIAS_PREFIX); *c; c++) {
        if (!g_ascii_isalnum(*c) && *c != '_' && *c != '-')
            return FALSE;
    }
    return TRUE;
}

/* What vfpool attach was given, checked before anything is looked up: the alias is a libvirt
 * user alias, the settings are values a vfpool:vf element takes (VFP_ERROR_INVALID if not). */
gboolean
vfp_hotplug_check_spec(const char *domain, const VfpAttachSpec *spec, GError **error)
{
    g_autofree char *what = g_strdup_printf("domain '%s'", domain);
    g_auto(VfpVfConfig) config = {0};
    xmlNode *request;
    gboolean valid;

    if (spec->alias && !alias_is_valid(spec->alias)) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                    "%s: alias '%s' is not a libvirt user alias; give ua- and up to 60 letters, "
                    "digits, '_' or '-', such as ua-vfpool-net1",
                    what, spec->alias);
        return FALSE;
    }
    request = xmlNewNode(NULL, (const xmlChar *)"vf");
    for (guint i = 0; spec->attributes && spec->attributes[i] && spec->attributes[i + 1]; i += 2) {
        const char *name = spec->attributes[i];
        const char *value = spec->attributes[i + 1];
        guint64 node;

        if (g_str_equal(name, "numa") &&
            !g_ascii_string_to_unsigned(value, 10, 0, VFP_NUMA_NODES_MAX - 1, &node, NULL)) {
            g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                        "%s: numa '%s' is not a NUMA node; give a number from 0 to %d", what, value,
                        VFP_NUMA_NODES_MAX - 1);
            xmlFreeNode(request);
            return FALSE;
        }
        xmlSetProp(request, (const xmlChar *)name, (const xmlChar *)value);
    }
    vfp_vf_config_init(&config);
    valid = vfp_vf_config_read(&config, request, what, error);
    xmlFreeNode(request);
    return valid;
}

static gboolean
check_pool(const char *name, GError **error)
{
    g_autoptr(GPtrArray) pools = vfp_pool_load_all(error);

    if (pools && !vfp_pool_find(pools, name))
        g_set_error(error, VFP_ERROR, VFP_ERROR_NOT_FOUND,
                    "pool '%s' is not defined on this host; 'vfpool pools' lists the pools (files "
                    "in %s/pools.d)",
                    name, vfp_conf_dir());
    return pools && vfp_pool_find(pools, name);
}

/* Where TARGET uses ALIAS already (a request, a reservation or a device), or NULL. */
static const char *
alias_user(const Target *target, const char *alias)
{
    if (target->running && vfp_domain_alias_used(target->running, alias))
        return "its live XML";
    if (target->persistent && vfp_domain_alias_used(target->persistent, alias))
        return "its persistent definition";
    return NULL;
}

/* The first ua-vfpool-N that neither definition of TARGET uses, so that a later --config or
 * resolve never meets two devices of one alias. */
static char *
new_alias(const Target *target)
{
    for (guint n = 0;; n++) {
        g_autofree char *alias = g_strdup_printf(GENERATED_ALIAS "%u", n);

        if (!alias_user(target, alias))
            return g_steal_pointer(&alias);
    }
}

/* DOMAIN with its request ALIAS alone, for selection: the other requests keep what they
 * have. It goes under another key than its UUID, so that the VFs the domain holds count as
 * held (its QEMU has them open, which selection would call host use); and what it reserves,
 * in either definition, goes into RESERVED (address -> holder). */
static VfpDomain *
alone(const Target *target, const VfpDomain *domain, const char *alias, GHashTable *reserved,
      GError **error)
{
    const VfpDomain *definitions[] = {target->running, target->persistent};
    g_autofree char *xml = vfp_domain_to_string(domain);
    g_autoptr(VfpDomain) copy = vfp_domain_parse(xml, strlen(xml), error);

    for (guint i = 0; i < G_N_ELEMENTS(definitions); i++) {
        for (guint j = 0; definitions[i] && j < definitions[i]->reservations->len; j++) {
            const VfpReservation *reservation = g_ptr_array_index(definitions[i]->reservations, j);

            if (!g_str_equal(reservation->alias, alias))
                g_hash_table_insert(reserved, g_strdup(reservation->address),
                                    g_strdup(target->name));
        }
    }
    while (copy && copy->requests->len > 1) {
        const VfpRequest *first = g_ptr_array_index(copy->requests, 0);
        const VfpRequest *other =
            g_str_equal(first->alias, alias) ? g_ptr_array_index(copy->requests, 1) : first;
        g_autofree char *gone = g_strdup(other->alias);

        if (!vfp_domain_remove_request(copy, gone, error))
            return NULL;
    }
    if (copy)
        g_clear_pointer(&copy->uuid, g_free);
    return g_steal_pointer(&copy);
}

/* The VF resolve would choose for the new request ALIAS of TARGET (of its running domain if
 * that changes, else of its definition), among those no domain reserves, holds or uses. The
 * caller holds resolve.lock; the ledger is read only after libvirt was asked. */
static VfpChoice *
choose(const Target *target, const char *alias, GError **error)
{
    g_autoptr(GHashTable) reserved =
        vfp_libvirt_reservations(target->conn, NULL, target->name, error);
    g_autoptr(VfpDomain) domain =
        reserved ? alone(target, target->live ? target->running : target->persistent, alias,
                         reserved, error)
                 : NULL;
    g_autoptr(GPtrArray) pools = domain ? vfp_pool_load_all(error) : NULL;
    g_autoptr(VfpLedger) ledger = pools ? vfp_ledger_open(VFP_LEDGER_READ, error) : NULL;
    g_autoptr(VfpHost) host = vfp_host_new();
    VfpSelectContext context = {host, pools, ledger, reserved};
    g_autoptr(GPtrArray) choices = ledger ? vfp_select_resolve(&context, domain, error) : NULL;
    VfpChoice *choice;

    if (!choices)
        return NULL;
    choice = g_ptr_array_steal_index(choices, 0);
    choice->request = NULL; /* it was the copy's */
    return choice;
}

/* Writes CHOICE for ALIAS into the definitions that change: its device and its reservation,
 * as resolve writes them. */
static gboolean
assign(Target *target, const char *alias, const VfpChoice *choice, GError **error)
{
    VfpDomain *definitions[] = {target->live ? target->running : NULL,
                                target->config ? target->persistent : NULL};
    VfpAssignment assignment = vfp_choice_to_assignment(choice);

    for (guint i = 0; i < G_N_ELEMENTS(definitions); i++) {
        if (!definitions[i])
            continue;
        assignment.request = vfp_domain_find_request(definitions[i], alias);
        if (!vfp_domain_set_reservation(definitions[i], &assignment, error))
            return FALSE;
    }
    return TRUE;
}

/* The line saying what ALIAS got, at POSITION in REPORT's changes (-1: last). */
static void
note_choice(VfpOperationReport *report, int position, const char *name, const char *alias,
            const VfpChoice *choice)
{
    g_ptr_array_insert(report->changes, position,
                       g_strdup_printf("domain '%s': %s -> VF %s (pool %s, PF %s VF %u%s)", name,
                                       alias, choice->address, choice->pool->name, choice->pf,
                                       choice->index, choice->exists ? "" : ", created at start"));
}

/* Says that the definition changed, unless the engine did. */
static void
note_definition(VfpOperationReport *report, const char *name)
{
    g_autofree char *line =
        g_strdup_printf("domain '%s': definition updated for its next start", name);

    for (guint i = 0; i < report->changes->len; i++) {
        if (g_str_equal(g_ptr_array_index(report->changes, i), line))
            return;
    }
    g_ptr_array_add(report->changes, g_steal_pointer(&line));
}

static gboolean
define_persistent(gpointer data, GError **error)
{
    Target *target = data;

    return vfp_libvirt_define(target->conn, target->persistent, error);
}

/* Plugs the VF CHOICE of the new request ALIAS into the running domain through the engine:
 * one PLUG step, the guest not paused; with --config the definition is written first. */
static gboolean
attach_live(Target *target, VfpConfig *config, const char *alias, const VfpChoice *choice,
            const char *operation, VfpOperationReport *report, GError **error)
{
    g_autoptr(VfpJournal) journal = vfp_journal_new(operation);
    g_autofree char *device = NULL;
    g_autofree char *metadata = NULL;
    VfpStep *step;

    if (!choice->exists) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_EXHAUSTED,
                    "domain '%s': the VF for '%s' would be %s of pool '%s', which does not exist "
                    "yet; create VFs first ('vfpool resize %s COUNT')",
                    target->name, alias, choice->address, choice->pool->name, choice->pf);
        return FALSE;
    }
    if (!assign(target, alias, choice, error))
        return FALSE;
    device = vfp_domain_device_to_string(target->running, alias, FALSE);
    metadata = vfp_domain_metadata_to_string(target->running);
    step =
        vfp_journal_add_step(journal, VFP_STEP_PLUG, target->name, vfp_domain_key(target->running),
                             alias, choice->address, device, metadata);
    step->keep_running = TRUE;
    step->keep_definition = !target->config;
    if (!vfp_operation_start_with(target->conn, journal, config,
                                  target->config ? define_persistent : NULL, target, report, error))
        return FALSE;
    note_choice(report, 0, target->name, alias, choice);
    if (target->config)
        note_definition(report, target->name);
    return TRUE;
}

/* vfpool attach DOMAIN --pool POOL [--alias ALIAS] [settings] [--live] [--config] [--current] */
gboolean
vfp_hotplug_attach(virConnectPtr conn, const char *name, const VfpAttachSpec *spec,
                   unsigned int flags, VfpOperationReport *report, GError **error)
{
    g_autoptr(VfpConfig) config = NULL;
    g_autoptr(VfpLock) lock = NULL;
    g_autoptr(VfpLock) resolve_lock = NULL;
    g_auto(Target) target = {0};
    g_autofree char *alias = NULL;
    g_autofree char *operation = NULL;
    g_autoptr(VfpChoice) choice = NULL;
    const char *user;

    if (!vfp_hotplug_check_spec(name, spec, error) || !check_pool(spec->pool, error) ||
        !(lock = vfp_operation_lock(&config, error)) ||
        !target_open(&target, conn, name, flags, VFP_STEP_PLUG, error))
        return FALSE;
    if (spec->alias && (user = alias_user(&target, spec->alias))) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_BUSY,
                    "domain '%s' already uses alias '%s' (in %s); choose another --alias, or "
                    "leave it out for a new ua-vfpool-N",
                    name, spec->alias, user);
        return FALSE;
    }
    alias = spec->alias ? g_strdup(spec->alias) : new_alias(&target);
    if ((target.live &&
         !vfp_domain_new_request(target.running, alias, spec->pool, spec->attributes, error)) ||
        (target.config &&
         !vfp_domain_new_request(target.persistent, alias, spec->pool, spec->attributes, error)))
        return FALSE;
    /* No resolver may hand the VF to another domain between the choice and the claim. */
    if (!(resolve_lock = vfp_state_lock("resolve.lock", VFP_LOCK_EXCLUSIVE, error)) ||
        !(choice = choose(&target, alias, error)))
        return FALSE;
    if (target.live) {
        operation = g_strdup_printf("attach %s --pool %s --alias %s", name, spec->pool, alias);
        return attach_live(&target, config, alias, choice, operation, report, error);
    }
    /* --config alone: the definition gets the request, its device and its reservation. */
    if (!assign(&target, alias, choice, error) ||
        !vfp_libvirt_define(conn, target.persistent, error))
        return FALSE;
    note_choice(report, -1, name, alias, choice);
    note_definition(report, name);
    return TRUE;
}

/* ---- detach -------------------------------------------------------------------------------- */

/* vfpool detach DOMAIN ALIAS [--live] [--config] [--current]: the device leaves the running
 * guest (which must acknowledge it) and its VF is given back through the engine: one UNPLUG
 * step; --config drops the request, its reservation and its device from the definition. */
gboolean
vfp_hotplug_detach(virConnectPtr conn, const char *name, const char *alias, unsigned int flags,
                   VfpOperationReport *report, GError **error)
{
    g_autoptr(VfpConfig) config = NULL;
    g_autoptr(VfpLock) lock = NULL;
    g_auto(Target) target = {0};
    g_autoptr(VfpJournal) journal = NULL;
    g_autofree char *operation = NULL;
    g_autofree char *device_xml = NULL;
    g_autofree char *metadata = NULL;
    g_auto(VfpDeviceInfo) device = {0};
    const VfpReservation *reservation;
    VfpStep *step;

    if (!(lock = vfp_operation_lock(&config, error)) ||
        !target_open(&target, conn, name, flags, VFP_STEP_UNPLUG, error))
        return FALSE;
    if (target.config && !vfp_domain_find_request(target.persistent, alias)) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_NOT_FOUND,
                    "domain '%s' has no vfpool request '%s' in its definition; 'virsh dumpxml "
                    "--inactive %s' shows its requests%s",
                    name, alias, name, target.live ? ", or leave --config out" : "");
        return FALSE;
    }
    if (!target.live) {
        if (!vfp_domain_remove_request(target.persistent, alias, error) ||
            !vfp_libvirt_define(conn, target.persistent, error))
            return FALSE;
        g_ptr_array_add(
            report->changes,
            g_strdup_printf("domain '%s': '%s' removed from its definition", name, alias));
        return TRUE;
    }
    reservation = vfp_domain_find_reservation(target.running, alias);
    vfp_domain_get_device(target.running, alias, &device);
    if (!vfp_domain_find_request(target.running, alias) || !device.found || !reservation ||
        g_strcmp0(device.address, reservation->address) != 0) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_NOT_FOUND,
                    "running domain '%s' has no VF from a pool as '%s'; 'vfpool status' lists "
                    "the VFs running domains hold, with their aliases",
                    name, alias);
        return FALSE;
    }
    operation = g_strdup_printf("detach %s %s", name, alias);
    journal = vfp_journal_new(operation);
    device_xml = vfp_domain_device_to_string(target.running, alias, TRUE);
    metadata = vfp_domain_metadata_to_string(target.running);
    step = vfp_journal_add_step(journal, VFP_STEP_UNPLUG, name, vfp_domain_key(target.running),
                                alias, reservation->address, device_xml, metadata);
    step->keep_definition = !target.config;
    return vfp_operation_start(conn, journal, config, report, error);
}

/* ---- a VF held without its device ---------------------------------------------------------- */

/* Plugs into the running domain DOM (NAME) the VF it holds without its device for the request
 * ALIAS (hotplug='pending': it arrived by vfpool migrate, whose destination's prepare step
 * claimed the VF), as a device of KIND's sort (<interface type='hostdev'> or <hostdev>,
 * managed or not), and marks the reservation plugged. *PLUGGED gets the VF; *ALREADY says the
 * device was there already (plugged by a reconcile, or by a process that died).
 * The VF must be ADDRESS, the one the caller knows was claimed for the domain: the live
 * metadata is the domain's author's to write, and libvirt would hand any PCI device it names
 * to the guest. */
gboolean
vfp_hotplug_plug_held(virDomainPtr dom, const char *name, const char *alias, const char *address,
                      const VfpDeviceInfo *kind, char **plugged, gboolean *already, GError **error)
{
    g_autoptr(VfpDomain) live = vfp_libvirt_load(dom, VFP_XML_LIVE, error);
    const VfpReservation *held = live ? vfp_domain_find_reservation(live, alias) : NULL;
    g_auto(VfpDeviceInfo) device = {0};
    g_autofree char *pf = NULL;
    g_autofree char *device_xml = NULL;
    g_autofree char *metadata = NULL;
    VfpAssignment assignment;

    *already = FALSE;
    if (!live)
        return FALSE;
    if (!held) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_NOT_FOUND,
                    "domain '%s' holds no VF for '%s'; attach one with 'vfpool attach %s --pool "
                    "POOL --alias %s'",
                    name, alias, name, alias);
        return FALSE;
    }
    if (g_strcmp0(held->address, address) != 0) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                    "domain '%s': its live vfpool metadata holds VF %s for '%s', but VF %s was "
                    "claimed for it; not plugged: check who changed it ('virsh dumpxml %s')",
                    name, held->address, alias, address, name);
        return FALSE;
    }
    /* A copy: writing the reservation frees the one it comes from. */
    pf = g_strdup(held->pf);
    vfp_domain_get_device(live, alias, &device);
    if (device.found && g_strcmp0(device.address, address) == 0) {
        *already = TRUE;
        if (held->hotplug_pending) {
            if (!vfp_domain_set_hotplug_pending(live, alias, FALSE, error))
                return FALSE;
            metadata = vfp_domain_metadata_to_string(live);
            if (!vfp_libvirt_set_live_metadata(dom, name, metadata, error))
                return FALSE;
        }
        *plugged = g_strdup(address);
        return TRUE;
    }
    assignment = (VfpAssignment){.request = vfp_domain_find_request(live, alias),
                                 .address = address,
                                 .pf = pf,
                                 .index = held->index,
                                 .network = kind->network,
                                 .managed = kind->managed,
                                 .vendor_id = held->vendor_id,
                                 .device_id = held->device_id};
    if (!held->hotplug_pending || !assignment.request) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                    "domain '%s': '%s' is not a request holding VF %s without its device; "
                    "'virsh dumpxml %s' shows its vfpool metadata",
                    name, alias, address, name);
        return FALSE;
    }
    if (!vfp_domain_set_reservation(live, &assignment, error))
        return FALSE;
    device_xml = vfp_domain_device_to_string(live, alias, FALSE);
    metadata = vfp_domain_metadata_to_string(live);
    if (virDomainAttachDeviceFlags(dom, device_xml, VIR_DOMAIN_AFFECT_LIVE) < 0) {
        vfp_libvirt_set_error(error, "domain '%s': cannot hot-plug VF %s as '%s'", name, address,
                              alias);
        return FALSE;
    }
    if (!vfp_libvirt_set_live_metadata(dom, name, metadata, error))
        return FALSE;
    *plugged = g_strdup(address);
    return TRUE;
}
