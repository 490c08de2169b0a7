/* Reconciling in five passes: ledger claims without a running holder, running domains
 * missing from the ledger, VFs reserved twice, pool VFs left configured by nobody, and VFs a
 * domain that arrived by vfpool migrate holds without their devices. Each repair goes into the
 * report (and the log); a dry run reports them without doing them. */
#include "config.h"

#include "vfp-libvirt.h"
#include "vfp-log.h"
#include "vfp-hotplug.h"
#include "vfp-netlink.h"
#include "vfp-reconcile.h"
#include "vfp-pci-driver.h"
#include "vfp-take.h"
#include "vfp-vfstate.h"

typedef struct {
    virConnectPtr conn;
    gboolean dry_run;
    VfpReconcileReport *report;
    GPtrArray *running; /* VfpDomain *, live XML of running pooled domains */
    GPtrArray *defined; /* VfpDomain *, vfpool metadata of defined pooled domains */
    GHashTable *passed; /* address -> domain, every PCI device of every running domain */
    GHashTable *uuids;  /* the UUID of every running domain */
} Reconcile;

static void G_GNUC_PRINTF(2, 3) report(Reconcile *run, const char *format, ...)
{
    g_autofree char *message = NULL;
    va_list args;

    va_start(args, format);
    message = g_strdup_vprintf(format, args);
    va_end(args);
    if (!run->dry_run)
        vfp_log_event(VFP_EVENT_RECONCILE_REPAIR, G_LOG_LEVEL_MESSAGE,
                      &(VfpLogFields){NULL, NULL, NULL, "reconcile"}, "reconcile: %s", message);
    g_ptr_array_add(run->report->repairs, g_steal_pointer(&message));
}

VfpReconcileReport *
vfp_reconcile_report_new(void)
{
    VfpReconcileReport *report = g_new0(VfpReconcileReport, 1);

    report->repairs = g_ptr_array_new_with_free_func(g_free);
    return report;
}

void
vfp_reconcile_report_free(VfpReconcileReport *report)
{
    if (!report)
        return;
    g_ptr_array_unref(report->repairs);
    g_free(report);
}

static int
compare_domain_names(gconstpointer a, gconstpointer b)
{
    return g_strcmp0((*(VfpDomain *const *)a)->name, (*(VfpDomain *const *)b)->name);
}

static gboolean
gather(Reconcile *run, GError **error)
{
    if (!(run->running = vfp_libvirt_list_pooled(run->conn, VFP_XML_LIVE, error)) ||
        !(run->defined = vfp_libvirt_list_pooled_metadata(run->conn, VFP_XML_PERSISTENT, error)))
        return FALSE;
    /* Of two domains reserving one VF, the first by name keeps it. */
    g_ptr_array_sort(run->defined, compare_domain_names);
    run->passed = vfp_libvirt_passed_through(run->conn, NULL, error);
    /* Listed last: a domain that starts meanwhile is running for the ledger's pass. */
    run->uuids = run->passed ? vfp_libvirt_running_uuids(run->conn, error) : NULL;
    return run->uuids != NULL;
}

/* Whether the domain of a claim runs, even with live XML that vfpool cannot read (its claims
 * stay: its VFs are in its guest). */
static gboolean
is_running(Reconcile *run, const char *key)
{
    return key && g_hash_table_contains(run->uuids, key);
}

/* Passes 1 and 2, under the ledger lock (and without calling libvirt while holding it). */
static gboolean
reconcile_ledger(Reconcile *run, GError **error)
{
    g_autoptr(GPtrArray) pools = vfp_pool_load_all(error);
    g_autoptr(VfpLedger) ledger = pools ? vfp_ledger_open(VFP_LEDGER_EXCLUSIVE, error) : NULL;
    g_autoptr(VfpHost) host = vfp_host_new();
    g_autoptr(GPtrArray) claims = NULL;

    if (!ledger)
        return FALSE;
    claims = g_ptr_array_copy(vfp_ledger_get_claims(ledger), NULL, NULL);
    for (guint i = 0; i < claims->len; i++) {
        VfpClaim *claim = g_ptr_array_index(claims, i);

        if (!claim->pending && is_running(run, claim->uuid))
            continue;
        report(run,
               "ledger: VF %s was claimed by domain '%s', which is not running: VF "
               "restored and released",
               claim->address, claim->domain);
        if (!run->dry_run)
            vfp_vf_state_restore(host, claim);
        vfp_ledger_release(ledger, claim->address);
    }
    for (guint i = 0; i < run->running->len; i++) {
        const VfpDomain *domain = g_ptr_array_index(run->running, i);
        guint adopted = vfp_take_adopt(ledger, host, pools, domain, "reconcile");

        if (adopted)
            report(run, "ledger: running domain '%s' holds %u VF%s the ledger did not know of",
                   domain->name, adopted, adopted == 1 ? "" : "s");
    }
    return run->dry_run || vfp_ledger_commit(ledger, error);
}

/* Pass 3: a VF reserved by two defined domains goes to the running one, else to the first by
 * name; the other is resolved again. */
static gboolean
reconcile_reservations(Reconcile *run, GError **error)
{
    g_autoptr(GHashTable) owner = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GHashTable) loser = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(VfpHost) host = vfp_host_new();
    g_autoptr(GPtrArray) pools = NULL;
    VfpResolveShared shared = {.host = host};
    GHashTableIter iter;
    gpointer name;

    /* Running domains keep what they hold; then defined ones, in name order. */
    for (int pass = 0; pass < 2; pass++) {
        GPtrArray *domains = pass == 0 ? run->running : run->defined;

        for (guint i = 0; i < domains->len; i++) {
            const VfpDomain *domain = g_ptr_array_index(domains, i);

            for (guint j = 0; j < domain->reservations->len; j++) {
                const VfpReservation *reservation = g_ptr_array_index(domain->reservations, j);
                const char *first = g_hash_table_lookup(owner, reservation->address);

                if (!first)
                    g_hash_table_insert(owner, reservation->address, domain->name);
                else if (g_strcmp0(first, domain->name) != 0 &&
                         !is_running(run, vfp_domain_key(domain)))
                    g_hash_table_insert(loser, domain->name, (gpointer)first);
            }
        }
    }
    if (g_hash_table_size(loser) > 0 && !run->dry_run &&
        !(shared.pools = pools = vfp_pool_load_all(error)))
        return FALSE;
    g_hash_table_iter_init(&iter, loser);
    while (g_hash_table_iter_next(&iter, &name, NULL)) {
        g_autoptr(VirDomain) dom = vfp_libvirt_lookup(run->conn, name, error);
        g_autoptr(VfpResolution) resolution = NULL;

        report(run, "domain '%s' reserved a VF that domain '%s' also reserves: resolved again",
               (const char *)name, (const char *)g_hash_table_lookup(loser, name));
        if (!run->dry_run &&
            (!dom || !(resolution = vfp_libvirt_resolve(run->conn, dom, &shared, error))))
            return FALSE;
    }
    return TRUE;
}

/* Pass 4: pool VFs nobody holds or passes through, left on vfio or with a MAC/VLAN. */
static gboolean
reconcile_vfs(Reconcile *run, GError **error)
{
    g_autoptr(GPtrArray) pools = vfp_pool_load_all(error);
    g_autoptr(VfpLedger) ledger = pools ? vfp_ledger_open(VFP_LEDGER_READ, error) : NULL;
    g_autoptr(VfpHost) host = vfp_host_new();
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

    if (!ledger)
        return FALSE;
    for (guint p = 0; p < pools->len; p++) {
        const VfpPool *pool = g_ptr_array_index(pools, p);
        g_autoptr(GPtrArray) pfs = vfp_pool_get_pfs(pool, host, error);

        for (guint i = 0; pfs && i < pfs->len; i++) {
            VfpPf *pf = g_ptr_array_index(pfs, i);
            GPtrArray *vfs = vfp_pf_get_vfs(pf, NULL);

            for (guint j = 0; vfs && j < vfs->len; j++) {
                VfpVf *vf = g_ptr_array_index(vfs, j);
                g_auto(VfpVfConfig) config = {0};
                g_autoptr(GError) local = NULL;

                /* Open through VFIO by a process outside libvirt: not left over, and an
                 * unbind would wait until that process lets go. */
                if (!vfp_pool_owns_vf(pool, vf) || !g_hash_table_add(seen, vf->address) ||
                    vfp_ledger_lookup(ledger, vf->address) ||
                    g_hash_table_contains(run->passed, vf->address) || vf->vfio_open)
                    continue;
                if (g_strcmp0(vf->driver, "vfio-pci") == 0 ||
                    g_strcmp0(vf->driver, pool->driver) == 0) {
                    report(run,
                           "VF %s (pool %s) was left bound to %s by no domain: given back "
                           "to the host",
                           vf->address, pool->name, vf->driver);
                    if (!run->dry_run && !vfp_pci_driver_give_back(vf->address, &local))
                        g_warning("VF %s: %s", vf->address, local->message);
                }
                vfp_vf_config_init(&config);
                if (!pf->netdev ||
                    !vfp_netlink_get()->vf_get(pf->netdev, vf->index, &config, NULL) ||
                    (!config.mac && config.vlan <= 0))
                    continue;
                report(run, "VF %s (pool %s) had MAC %s VLAN %d set by no domain: cleared",
                       vf->address, pool->name, config.mac ? config.mac : "none",
                       MAX(config.vlan, 0));
                if (run->dry_run)
                    continue;
                g_clear_pointer(&config.mac, g_free);
                config.vlan = 0;
                config.vlan_qos = 0;
                if (!vfp_netlink_get()->vf_set(pf->netdev, vf->index, VFP_VF_FIELD_MAC, &config,
                                               &local) ||
                    !vfp_netlink_get()->vf_set(pf->netdev, vf->index, VFP_VF_FIELD_VLAN, &config,
                                               &local))
                    g_warning("VF %s: %s", vf->address, local->message);
            }
        }
    }
    return TRUE;
}

/* Whether HELD, a VF the running DOMAIN holds without its device, may be plugged: its pool's
 * on this host, and claimed for it by the hook's prepare step, which checked it as for any
 * start (the live metadata alone is the domain's author's to write). KIND gets the device's
 * sort, as prepare planned it. */
static gboolean
held_vf_checked(const VfpDomain *domain, const VfpReservation *held, GPtrArray *pools,
                VfpHost *host, VfpLedger *ledger, VfpDeviceInfo *kind)
{
    VfpTake take = {vfp_domain_find_request(domain, held->alias), held};
    const VfpClaim *claim = vfp_ledger_lookup(ledger, held->address);
    g_autoptr(GError) local = NULL;

    if (!take.request || !vfp_take_check_existing(domain, pools, host, &take, &local) || !claim ||
        claim->pending || g_strcmp0(claim->uuid, vfp_domain_key(domain)) != 0 ||
        g_strcmp0(claim->alias, held->alias) != 0 || g_strcmp0(claim->step, "prepare") != 0) {
        g_warning("domain '%s' holds VF %s for '%s' without its device, but no start claimed "
                  "it for it here: not plugged; 'vfpool detach %s %s --live' drops the request",
                  domain->name, held->address, held->alias, domain->name, held->alias);
        return FALSE;
    }
    *kind = (VfpDeviceInfo){.found = TRUE,
                            .network = take.pf->netdev != NULL,
                            .managed = vfp_pool_driver_is_managed(take.pool)};
    return TRUE;
}

typedef struct {
    const VfpDomain *domain;
    const char *alias;
    const char *address;
    VfpDeviceInfo kind;
} HeldVf;

/* Pass 5: a running domain holding a VF without its device (hotplug='pending') arrived by a
 * vfpool migrate that did not get to plug it: the device is plugged, of the sort the VF's pool
 * gives. Guests still arriving, or paused, are left alone. The ledger is read before libvirt
 * is called. */
static gboolean
reconcile_pending_plugs(Reconcile *run, GError **error)
{
    g_autoptr(GPtrArray) pools = vfp_pool_load_all(error);
    g_autoptr(VfpLedger) ledger = pools ? vfp_ledger_open(VFP_LEDGER_READ, error) : NULL;
    g_autoptr(VfpHost) host = vfp_host_new();
    g_autoptr(GArray) plugs = g_array_new(FALSE, TRUE, sizeof(HeldVf));

    if (!ledger)
        return FALSE;
    for (guint i = 0; i < run->running->len; i++) {
        const VfpDomain *domain = g_ptr_array_index(run->running, i);

        for (guint j = 0; j < domain->reservations->len; j++) {
            const VfpReservation *held = g_ptr_array_index(domain->reservations, j);
            HeldVf plug = {domain, held->alias, held->address};

            if (held->hotplug_pending &&
                held_vf_checked(domain, held, pools, host, ledger, &plug.kind))
                g_array_append_val(plugs, plug);
        }
    }
    g_clear_pointer(&ledger, vfp_ledger_free);
    for (guint i = 0; i < plugs->len; i++) {
        const HeldVf *plug = &g_array_index(plugs, HeldVf, i);
        g_autoptr(VirDomain) dom = virDomainLookupByName(run->conn, plug->domain->name);
        g_autofree char *plugged = NULL;
        g_autoptr(GError) local = NULL;
        int state = VIR_DOMAIN_NOSTATE, reason;
        gboolean already;

        if (!dom || virDomainGetState(dom, &state, &reason, 0) < 0 || state != VIR_DOMAIN_RUNNING)
            continue;
        if (run->dry_run) {
            report(run, "domain '%s' holds VF %s for '%s' without its device: plugged",
                   plug->domain->name, plug->address, plug->alias);
            continue;
        }
        if (!vfp_hotplug_plug_held(dom, plug->domain->name, plug->alias, plug->address, &plug->kind,
                                   &plugged, &already, &local)) {
            g_warning("%s", local->message);
            continue;
        }
        report(run, "domain '%s' holds VF %s for '%s' without its device: plugged",
               plug->domain->name, plugged, plug->alias);
    }
    return TRUE;
}

gboolean
vfp_reconcile(virConnectPtr conn, gboolean dry_run, VfpReconcileReport *report, GError **error)
{
    Reconcile run = {conn, dry_run, report, NULL, NULL, NULL, NULL};
    gboolean ok;

    report->dry_run = dry_run;
    ok = gather(&run, error) && reconcile_ledger(&run, error) &&
         reconcile_reservations(&run, error) && reconcile_vfs(&run, error) &&
         reconcile_pending_plugs(&run, error);
    g_clear_pointer(&run.running, g_ptr_array_unref);
    g_clear_pointer(&run.defined, g_ptr_array_unref);
    g_clear_pointer(&run.passed, g_hash_table_unref);
    g_clear_pointer(&run.uuids, g_hash_table_unref);
    return ok;
}
