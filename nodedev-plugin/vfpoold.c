/* vfpoold: follows libvirt's domain and node-device events and keeps annotated domains
 * resolved: a domain defined with plain 'virsh define' gets its VFs, a stopped domain whose
 * VF was taken by a running one (or vanished) gets another, domains waiting for a VF get one
 * when one frees up, the longest waiting first. It only touches domains that carry vfpool
 * metadata, keeps an index of all domains in memory (vfpoold-index.c) and decides from it
 * (vfpoold-keeper.c), fetching only the domain an event names. */
#include "config.h"

#include <errno.h>
#include <libvirt/virterror.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vfp-config.h"
#include "vfp-error.h"
#include "vfp-ledger-json.h"
#include "vfp-libvirt.h"
#include "vfp-metrics.h"
#include "vfp-operation.h"
#include "vfp-reassign.h"
#include "vfp-reconcile.h"
#include "vfpoold-index.h"
#include "vfpoold-keeper.h"

#define RECONNECT_SECONDS 5
#define COALESCE_MS 50
#define SETTLE_MS 2000

static char *opt_connect;
static volatile sig_atomic_t got_hup, got_term;
/* Set while resolving or reconciling through libvirt, whose calls do not return on a signal. */
static volatile sig_atomic_t in_libvirt_work;

typedef struct {
    virConnectPtr conn;
    int domain_callback;
    int metadata_callback;
    int nodedev_callback;
    int nodedev_update_callback;
    int scan_timer;      /* coalesces bursts of events into one scan */
    gboolean scan_armed; /* by the first event since the last scan */
    int retry_timer;     /* reconnects while libvirt is away */
    gboolean closed;
    gboolean devices_changed; /* a node-device event came since the last scan */
    VfpdIndex *index;
    VfpdWork work;         /* what the next pass looks at */
    char *metrics_problem; /* why the metrics textfile was last not written, logged once */
} Daemon;

/* Under systemd, stderr is the journal: send it every field. Elsewhere, stderr with the
 * priority prefix systemd would read. */
static GLogWriterOutput
log_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
    const char *prefix = "<6>";
    const char *message = "";

    if ((level & G_LOG_LEVEL_DEBUG) && !g_getenv("G_MESSAGES_DEBUG"))
        return G_LOG_WRITER_HANDLED;
    if (g_log_writer_is_journald(fileno(stderr)) &&
        g_log_writer_journald(level, fields, n_fields, data) == G_LOG_WRITER_HANDLED)
        return G_LOG_WRITER_HANDLED;
    for (gsize i = 0; i < n_fields; i++) {
        if (g_str_equal(fields[i].key, "MESSAGE"))
            message = fields[i].value;
    }
    if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
        prefix = "<3>";
    else if (level & G_LOG_LEVEL_WARNING)
        prefix = "<4>";
    else if (level & G_LOG_LEVEL_DEBUG)
        prefix = "<7>";
    fprintf(stderr, "%svfpoold: %s\n", prefix, message);
    return G_LOG_WRITER_HANDLED;
}

/* Rewrites the metrics textfile that vfpool.conf names ([metrics] textfile), if any. */
static void
write_metrics(Daemon *daemon)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfpConfig) config = vfp_config_load(&error);
    g_autoptr(GHashTable) reserved = NULL;

    if (config && !config->metrics_textfile)
        return;
    if (config) {
        reserved = vfpd_index_reserved_by(daemon->index, NULL);
        vfp_metrics_update_textfile(config->metrics_textfile, reserved, &error);
    }
    if (!error) {
        g_clear_pointer(&daemon->metrics_problem, g_free);
    } else if (g_strcmp0(daemon->metrics_problem, error->message) != 0) {
        g_warning("metrics not written: %s", error->message);
        g_free(daemon->metrics_problem);
        daemon->metrics_problem = g_strdup(error->message);
    }
}

static void schedule_scan(Daemon *daemon);

/* Decides about the domains the events since the last pass concern, and acts; then brings the
 * metrics textfile up to date. */
static void
scan(Daemon *daemon)
{
    if (!vfpd_work_pending(&daemon->work))
        return;
    in_libvirt_work = 1;
    vfpd_keeper_run(daemon->index, daemon->conn, &daemon->work);
    in_libvirt_work = 0;
    /* VFs this pass freed go to waiting domains in the next. */
    if (vfpd_work_pending(&daemon->work))
        schedule_scan(daemon);
    write_metrics(daemon);
    g_debug("%" G_GUINT64_FORMAT " domain fetches so far", vfpd_index_fetches(daemon->index));
}

/* Rebuilds the index from every domain and looks at all of them. */
static void
scan_all(Daemon *daemon)
{
    g_autoptr(GError) error = NULL;

    in_libvirt_work = 1;
    if (!vfpd_index_load(daemon->index, daemon->conn, &error))
        g_warning("%s", error->message);
    in_libvirt_work = 0;
    daemon->work.all = TRUE;
    scan(daemon);
}

static void
scan_timer_fired(int timer, void *opaque)
{
    Daemon *daemon = opaque;

    virEventUpdateTimeout(daemon->scan_timer, -1);
    daemon->scan_armed = FALSE;
    if (daemon->conn && !daemon->closed)
        scan(daemon);
    /* The kernel announces new VFs (and the PF's change) before sriov_numvfs reads the new
     * count: look once more when it has settled. */
    if (daemon->devices_changed) {
        daemon->devices_changed = FALSE;
        daemon->work.all = daemon->work.freed = TRUE;
        if (!daemon->scan_armed)
            virEventUpdateTimeout(daemon->scan_timer, SETTLE_MS);
    }
}

/* The first event since the last scan arms the timer and later ones do not push it back: a
 * burst (a script defining many domains) is taken in one pass after COALESCE_MS, and what
 * comes during a pass in the next, yet a steady stream of events cannot hold scans off. */
static void
schedule_scan(Daemon *daemon)
{
    if (daemon->scan_armed)
        return;
    daemon->scan_armed = TRUE;
    virEventUpdateTimeout(daemon->scan_timer, COALESCE_MS);
}

/* A defined domain is read again alone. Its reservations may have gone (released, edited,
 * re-pointed): then VFs freed up; one that released them itself does not get them back. */
static void
domain_defined(Daemon *daemon, virDomainPtr dom)
{
    VfpdDomain *old = vfpd_index_lookup(daemon->index, virDomainGetName(dom));
    g_autoptr(VfpDomain) before = old ? g_steal_pointer(&old->config) : NULL;
    VfpdDomain *now = vfpd_index_refresh(daemon->index, dom);

    g_hash_table_add(daemon->work.dirty, g_strdup(now->name));
    if (vfpd_reservations_shrank(before, now->config)) {
        daemon->work.freed = TRUE;
        if (now->config && now->config->status.state == VFP_STATUS_RELEASED &&
            (!before || before->status.state != VFP_STATUS_RELEASED))
            g_hash_table_add(daemon->work.exempt, g_strdup(now->name));
    }
}

static int
domain_event(virConnectPtr conn, virDomainPtr dom, int event, int detail, void *opaque)
{
    static const char *const names[] = {"defined",   "undefined",   "started",
                                        "suspended", "resumed",     "stopped",
                                        "shutdown",  "pmsuspended", "crashed"};
    Daemon *daemon = opaque;

    /* The echo of vfpoold's own write: the index holds that definition already. Not logged
     * either: a pass ends the log when vfpoold is idle. */
    if (event == VIR_DOMAIN_EVENT_DEFINED &&
        vfpd_index_take_echo(daemon->index, virDomainGetName(dom)))
        return 0;
    g_debug("domain '%s' %s", virDomainGetName(dom),
            event >= 0 && event < (int)G_N_ELEMENTS(names) ? names[event] : "changed");
    switch (event) {
    case VIR_DOMAIN_EVENT_DEFINED:
        domain_defined(daemon, dom);
        break;
    case VIR_DOMAIN_EVENT_UNDEFINED:
        /* A transient domain still running is only no longer persistent. */
        if (virDomainIsActive(dom) == 1)
            vfpd_index_refresh(daemon->index, dom);
        else
            vfpd_index_forget(daemon->index, virDomainGetName(dom));
        daemon->work.freed = TRUE;
        break;
    case VIR_DOMAIN_EVENT_STARTED:
        /* Stopped domains reserving what it now holds or passes through must move. */
        vfpd_index_refresh(daemon->index, dom);
        daemon->work.all = TRUE;
        break;
    case VIR_DOMAIN_EVENT_STOPPED:
        if (virDomainIsPersistent(dom) == 1)
            vfpd_index_refresh(daemon->index, dom);
        else
            vfpd_index_forget(daemon->index, virDomainGetName(dom));
        daemon->work.freed = TRUE;
        break;
    default:
        return 0;
    }
    schedule_scan(daemon);
    return 0;
}

/* 'virsh metadata DOM NS --config --set ...' changes a definition without a DEFINED event. */
static void
metadata_changed(virConnectPtr conn, virDomainPtr dom, int type, const char *nsuri, void *opaque)
{
    if (type != VIR_DOMAIN_METADATA_ELEMENT || g_strcmp0(nsuri, VFP_DOMAIN_NS) != 0)
        return;
    domain_defined(opaque, dom);
    schedule_scan(opaque);
}

/* VFs appearing or vanishing (sriov_numvfs changed): pools changed. */
static void
pci_device_changed(Daemon *daemon, virNodeDevicePtr dev)
{
    if (g_str_has_prefix(virNodeDeviceGetName(dev), "pci_")) {
        daemon->devices_changed = TRUE;
        schedule_scan(daemon);
    }
}

static int
nodedev_event(virConnectPtr conn, virNodeDevicePtr dev, int event, int detail, void *opaque)
{
    pci_device_changed(opaque, dev);
    return 0;
}

/* libvirt reports a device it already knows as updated, not created: the PF whose
 * sriov_numvfs changed, and a VF back at an address libvirt never saw vanish. */
static int
nodedev_update(virConnectPtr conn, virNodeDevicePtr dev, void *opaque)
{
    pci_device_changed(opaque, dev);
    return 0;
}

static void
connection_closed(virConnectPtr conn, int reason, void *opaque)
{
    Daemon *daemon = opaque;

    g_warning("lost the connection to libvirt; reconnecting every %d s", RECONNECT_SECONDS);
    daemon->closed = TRUE;
    virEventUpdateTimeout(daemon->retry_timer, RECONNECT_SECONDS * 1000);
}

static void
disconnect(Daemon *daemon)
{
    if (!daemon->conn)
        return;
    if (daemon->domain_callback >= 0)
        virConnectDomainEventDeregisterAny(daemon->conn, daemon->domain_callback);
    if (daemon->metadata_callback >= 0)
        virConnectDomainEventDeregisterAny(daemon->conn, daemon->metadata_callback);
    if (daemon->nodedev_callback >= 0)
        virConnectNodeDeviceEventDeregisterAny(daemon->conn, daemon->nodedev_callback);
    if (daemon->nodedev_update_callback >= 0)
        virConnectNodeDeviceEventDeregisterAny(daemon->conn, daemon->nodedev_update_callback);
    virConnectUnregisterCloseCallback(daemon->conn, connection_closed);
    virConnectClose(daemon->conn);
    daemon->conn = NULL;
    daemon->domain_callback = daemon->metadata_callback = -1;
    daemon->nodedev_callback = daemon->nodedev_update_callback = -1;
}

/* Connects, subscribes to events, and catches up on what happened meanwhile: reconcile,
 * then a scan. */
static gboolean
connect_libvirt(Daemon *daemon)
{
    g_autoptr(GError) error = NULL;
    VfpOperationReport *report;
    g_autoptr(VfpReconcileReport) repairs = NULL;

    disconnect(daemon);
    daemon->closed = FALSE;
    daemon->conn = vfp_libvirt_open(opt_connect, &error);
    if (!daemon->conn) {
        g_warning("%s; retrying in %d s", error->message, RECONNECT_SECONDS);
        return FALSE;
    }
    daemon->domain_callback =
        virConnectDomainEventRegisterAny(daemon->conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                         VIR_DOMAIN_EVENT_CALLBACK(domain_event), daemon, NULL);
    daemon->metadata_callback =
        virConnectDomainEventRegisterAny(daemon->conn, NULL, VIR_DOMAIN_EVENT_ID_METADATA_CHANGE,
                                         VIR_DOMAIN_EVENT_CALLBACK(metadata_changed), daemon, NULL);
    daemon->nodedev_callback = virConnectNodeDeviceEventRegisterAny(
        daemon->conn, NULL, VIR_NODE_DEVICE_EVENT_ID_LIFECYCLE,
        VIR_NODE_DEVICE_EVENT_CALLBACK(nodedev_event), daemon, NULL);
    daemon->nodedev_update_callback = virConnectNodeDeviceEventRegisterAny(
        daemon->conn, NULL, VIR_NODE_DEVICE_EVENT_ID_UPDATE,
        VIR_NODE_DEVICE_EVENT_CALLBACK(nodedev_update), daemon, NULL);
    if (daemon->nodedev_callback < 0 || daemon->nodedev_update_callback < 0)
        g_warning("cannot follow libvirt's node-device events (%s): VFs created or removed "
                  "are noticed at the next domain event or SIGHUP",
                  virGetLastErrorMessage());
    if (daemon->domain_callback < 0 ||
        virConnectRegisterCloseCallback(daemon->conn, connection_closed, daemon, NULL) < 0) {
        g_warning("cannot follow libvirt's events: %s; retrying in %d s", virGetLastErrorMessage(),
                  RECONNECT_SECONDS);
        disconnect(daemon);
        return FALSE;
    }
    if (virConnectSetKeepAlive(daemon->conn, 5, 3) < 0)
        g_debug("no keepalive: %s", virGetLastErrorMessage());
    g_message("connected to %s", opt_connect);
    in_libvirt_work = 1;
    /* An operation whose process died may hold guests paused: finish it first (a migration
     * is left to 'vfpool reconcile': the daemon does not reach out to other hosts). */
    report = vfp_operation_report_new();
    if (!vfp_operation_recover(daemon->conn, FALSE, report, &error)) {
        g_warning("%s", error->message);
        g_clear_error(&error);
    }
    vfp_operation_report_free(report);
    repairs = vfp_reconcile_report_new();
    if (!vfp_reconcile(daemon->conn, FALSE, repairs, &error))
        g_warning("reconcile: %s", error->message); /* each repair is logged as it is made */
    in_libvirt_work = 0;
    scan_all(daemon);
    return TRUE;
}

static void
retry_timer_fired(int timer, void *opaque)
{
    Daemon *daemon = opaque;

    if (connect_libvirt(daemon))
        virEventUpdateTimeout(daemon->retry_timer, -1);
}

/* A stop request during a libvirt call (libvirtd may be stuck) ends vfpoold at once: what it
 * writes is atomic (ledger commits, libvirt's define), so this is as safe as a kill. */
static void
on_signal(int signum)
{
    static const char message[] = "vfpoold: stopping in the middle of a libvirt call\n";

    if (signum == SIGHUP) {
        got_hup = 1;
        return;
    }
    got_term = 1;
    if (in_libvirt_work) {
        if (write(STDERR_FILENO, message, sizeof(message) - 1) < 0) {
            /* nothing more to do about it */
        }
        _exit(0);
    }
}

static const GOptionEntry options[] = {
    {"connect", 'c', 0, G_OPTION_ARG_STRING, &opt_connect,
     "libvirt URI to follow (default qemu:///system)", "URI"},
    {NULL},
};

int
main(int argc, char **argv)
{
    g_autoptr(GOptionContext) context = g_option_context_new("- keep vfpool domains resolved");
    g_autoptr(GError) error = NULL;
    struct sigaction action = {.sa_handler = on_signal};
    Daemon daemon = {.domain_callback = -1,
                     .metadata_callback = -1,
                     .nodedev_callback = -1,
                     .nodedev_update_callback = -1,
                     .scan_timer = -1,
                     .retry_timer = -1};

    g_log_set_writer_func(log_writer, NULL, NULL);
    vfp_ledger_set_old_reader(vfp_ledger_json_read);
    g_option_context_add_main_entries(context, options, NULL);
    if (!g_option_context_parse(context, &argc, &argv, &error)) {
        fprintf(stderr, "vfpoold: %s; run 'vfpoold --help'\n", error->message);
        return 2;
    }
    if (!opt_connect)
        opt_connect = g_strdup(g_getenv("LIBVIRT_DEFAULT_URI") ? g_getenv("LIBVIRT_DEFAULT_URI")
                                                               : "qemu:///system");
    /* No SA_RESTART: a signal must interrupt the event loop's poll. */
    sigaction(SIGHUP, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGINT, &action, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (virEventRegisterDefaultImpl() < 0) {
        fprintf(stderr, "vfpoold: cannot start libvirt's event loop: %s\n",
                virGetLastErrorMessage());
        return 1;
    }
    daemon.index = vfpd_index_new();
    vfpd_work_init(&daemon.work);
    daemon.scan_timer = virEventAddTimeout(-1, scan_timer_fired, &daemon, NULL);
    daemon.retry_timer = virEventAddTimeout(-1, retry_timer_fired, &daemon, NULL);
    if (!connect_libvirt(&daemon))
        virEventUpdateTimeout(daemon.retry_timer, RECONNECT_SECONDS * 1000);

    while (!got_term) {
        if (virEventRunDefaultImpl() < 0 && errno != EINTR)
            g_warning("event loop: %s", virGetLastErrorMessage());
        if (got_hup) {
            got_hup = 0;
            g_message("SIGHUP: re-reading pool files and re-checking domains");
            if (daemon.conn && !daemon.closed)
                scan_all(&daemon);
        }
    }
    g_message("stopping");
    disconnect(&daemon);
    vfpd_index_free(daemon.index);
    g_hash_table_unref(daemon.work.dirty);
    g_hash_table_unref(daemon.work.exempt);
    g_free(daemon.metrics_problem);
    g_free(opt_connect);
    return 0;
}
