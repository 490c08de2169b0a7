/* vfpool: the administrator's command. The listings and the --xml forms read sysfs, the pool
 * files and the ledger (plus libvirt's reservations when it answers) and change nothing; the
 * DOMAIN forms work on libvirt's domains through its API, like virsh. */
#include "config.h"

#include <libvirt/virterror.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vfp-error.h"
#include "vfp-hotplug.h"
#include "vfp-ledger-json.h"
#include "vfp-libvirt.h"
#include "vfp-metrics.h"
#include "vfp-migrate.h"
#include "vfp-operation.h"
#include "vfp-reassign.h"
#include "vfp-reconcile.h"
#include "vfp-report.h"

#define EXIT_USAGE 2

static gboolean opt_json;
static gboolean opt_dry_run;
static char *opt_xml;
static char *opt_connect;
static char *opt_from;
static char *opt_to;
static char *opt_vf;
static char *opt_pool;
static gboolean opt_pause;
static char *opt_textfile;
static char *opt_alias;
static gboolean opt_live;
static gboolean opt_config;
static gboolean opt_current;
static gboolean opt_persistent;
static gboolean opt_undefine_source;
static char *opt_migrate_uri;

/* How long vfpool migrate waits for the destination's vfpoold to reserve VFs. */
#define MIGRATE_RESERVE_TIMEOUT 60

/* attach: the request's settings, each an option named as the vfpool:vf attribute it sets. */
static struct {
    const char *attribute;
    const char *help;
    const char *placeholder;
    char *value;
} settings[] = {
    {"mac", "attach: the VF's MAC address", "MAC"},
    {"vlan", "attach: VLAN ID (0-4094)", "ID"},
    {"qos", "attach: 802.1p priority of the VLAN (0-7)", "N"},
    {"spoofchk", "attach: MAC spoof checking", "on|off"},
    {"trust", "attach: trusted VF", "on|off"},
    {"link-state", "attach: link state", "auto|enable|disable"},
    {"min-tx-rate", "attach: minimum transmit rate", "MBPS"},
    {"max-tx-rate", "attach: maximum transmit rate", "MBPS"},
    {"numa", "attach: take the VF from this NUMA node", "NODE"},
};

static const GOptionEntry common_options[] = {
    {"json", 0, 0, G_OPTION_ARG_NONE, &opt_json, "Print JSON instead of text", NULL},
    {"xml", 0, 0, G_OPTION_ARG_FILENAME, &opt_xml, "Domain XML file (offline)", "FILE"},
    {"connect", 'c', 0, G_OPTION_ARG_STRING, &opt_connect,
     "libvirt URI, as for virsh (default qemu:///system)", "URI"},
    {"dry-run", 'n', 0, G_OPTION_ARG_NONE, &opt_dry_run, "Report only, change nothing", NULL},
    {"from", 0, 0, G_OPTION_ARG_STRING, &opt_from, "move: the running domain giving the VF",
     "DOMAIN"},
    {"to", 0, 0, G_OPTION_ARG_STRING, &opt_to, "move: the running domain getting it", "DOMAIN"},
    {"vf", 0, 0, G_OPTION_ARG_STRING, &opt_vf, "reassign: this VF", "BDF"},
    {"pool", 0, 0, G_OPTION_ARG_STRING, &opt_pool, "reassign, attach: a VF of this pool", "POOL"},
    {"pause", 0, 0, G_OPTION_ARG_NONE, &opt_pause,
     "resize: unplug VFs in use, pause their guests around the change", NULL},
    {"textfile", 0, 0, G_OPTION_ARG_FILENAME, &opt_textfile,
     "metrics: replace PATH atomically instead of printing (node_exporter's textfile)", "PATH"},
    {"alias", 0, 0, G_OPTION_ARG_STRING, &opt_alias,
     "attach: the request's user alias (default: the first free ua-vfpool-N)", "ua-NAME"},
    {"live", 0, 0, G_OPTION_ARG_NONE, &opt_live,
     "attach, detach: the running domain; migrate: live migration", NULL},
    {"config", 0, 0, G_OPTION_ARG_NONE, &opt_config, "attach, detach: its persistent definition",
     NULL},
    {"current", 0, 0, G_OPTION_ARG_NONE, &opt_current,
     "attach, detach: the running domain if it runs, else its definition (the default)", NULL},
    {"persistent", 0, 0, G_OPTION_ARG_NONE, &opt_persistent,
     "migrate: the destination keeps the domain defined", NULL},
    {"undefinesource", 0, 0, G_OPTION_ARG_NONE, &opt_undefine_source,
     "migrate: undefine the domain on this host", NULL},
    {"migrateuri", 0, 0, G_OPTION_ARG_STRING, &opt_migrate_uri,
     "migrate: where QEMU sends the migration stream, as for virsh", "URI"},
    {NULL},
};

/* GOption copies the entries: they are built here from the table. */
static void
add_setting_options(GOptionContext *options)
{
    GOptionEntry entries[G_N_ELEMENTS(settings) + 1] = {{NULL}};

    for (guint i = 0; i < G_N_ELEMENTS(settings); i++)
        entries[i] = (GOptionEntry){.long_name = settings[i].attribute,
                                    .arg = G_OPTION_ARG_STRING,
                                    .arg_data = &settings[i].value,
                                    .description = settings[i].help,
                                    .arg_description = settings[i].placeholder};
    g_option_context_add_main_entries(options, entries, NULL);
}

/* What a command runs with: the selection context and, for the libvirt side, a connection. */
typedef struct {
    VfpSelectContext *context;
    virConnectPtr conn;    /* NULL for offline runs */
    const char *argument;  /* DOMAIN, FILE, ALIAS or PF */
    const char *argument2; /* reassign's ALIAS, resize's COUNT */
    GPtrArray *defined;    /* VfpDomain *: defined pooled domains, for listings; may be NULL */
} Cli;

typedef enum {
    ARG_NONE,
    ARG_XML,           /* --xml FILE */
    ARG_DOMAIN,        /* DOMAIN */
    ARG_DOMAIN_OR_XML, /* DOMAIN, or --xml FILE offline */
    ARG_FILE,          /* FILE */
    ARG_ALIAS,         /* ALIAS --from DOMAIN --to DOMAIN */
    ARG_DOMAIN_ALIAS,  /* DOMAIN ALIAS */
    ARG_PF_COUNT,      /* PF COUNT */
    ARG_DOMAIN_URI,    /* DOMAIN DEST-URI */
} ArgumentKind;

typedef enum {
    LIBVIRT_NEVER,
    LIBVIRT_IF_REACHABLE, /* listings: reservations shown when libvirt answers */
    LIBVIRT_REQUIRED,
} LibvirtUse;

typedef struct {
    const char *name;
    const char *usage;
    const char *summary;
    ArgumentKind argument;
    gboolean takes_json;
    LibvirtUse libvirt;
    int (*run)(Cli *cli, GError **error);
} Command;

static const char *
default_uri(void)
{
    /* As virsh: LIBVIRT_DEFAULT_URI when set, else the system instance. */
    if (opt_connect)
        return opt_connect;
    return g_getenv("LIBVIRT_DEFAULT_URI") ? NULL : "qemu:///system";
}

static VfpDomain *
load_domain(GError **error)
{
    g_autoptr(GError) local = NULL;
    VfpDomain *domain = vfp_domain_parse_file(opt_xml, &local);

    if (!domain) {
        g_set_error(error, VFP_ERROR, local->code, "%s: %s", opt_xml, local->message);
        return NULL;
    }
    if (domain->requests->len == 0) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                    "domain '%s' (%s) has no vfpool:vf request in its <metadata>; add one "
                    "(see vfpool(1))",
                    domain->name, opt_xml);
        vfp_domain_free(domain);
        return NULL;
    }
    return domain;
}

static int
print_report(JsonNode *report)
{
    if (!report)
        return EXIT_FAILURE;
    vfp_report_print(report, opt_json);
    json_node_unref(report);
    return EXIT_SUCCESS;
}

static int
run_pools(Cli *cli, GError **error)
{
    return print_report(vfp_report_pools(cli->context, error));
}

static int
run_status(Cli *cli, GError **error)
{
    return print_report(vfp_report_status(cli->context, cli->defined, error));
}

static int
run_explain(Cli *cli, GError **error)
{
    g_autoptr(VfpDomain) domain = load_domain(error);

    if (!domain)
        return EXIT_FAILURE;
    return print_report(vfp_report_explain(cli->context, domain, error));
}

static int
run_metrics(Cli *cli, GError **error)
{
    g_autofree char *text = vfp_metrics_build(cli->context, error);

    if (!text)
        return EXIT_FAILURE;
    if (opt_textfile)
        return vfp_metrics_write_textfile(opt_textfile, text, error) ? EXIT_SUCCESS : EXIT_FAILURE;
    fputs(text, stdout);
    return EXIT_SUCCESS;
}

static void
print_resolution(const VfpResolution *resolution)
{
    const char *name = resolution->domain->name;

    for (guint i = 0; i < resolution->choices->len; i++) {
        const VfpChoice *choice = g_ptr_array_index(resolution->choices, i);

        printf("domain '%s': %s -> VF %s (pool %s, PF %s VF %u%s)\n", name, choice->request->alias,
               choice->address, choice->pool->name, choice->pf, choice->index,
               choice->exists ? "" : ", created at start");
    }
    printf("domain '%s': %s\n", name,
           resolution->changed ? "definition updated" : "already resolved");
}

static int
run_resolve(Cli *cli, GError **error)
{
    g_autoptr(VfpDomain) domain = NULL;
    g_autoptr(GPtrArray) choices = NULL;
    g_autoptr(VirDomain) dom = NULL;
    g_autoptr(VfpResolution) resolution = NULL;
    g_autofree char *xml = NULL;

    if (!opt_xml) {
        dom = vfp_libvirt_lookup(cli->conn, cli->argument, error);
        if (!dom || !(resolution = vfp_libvirt_resolve(cli->conn, dom, NULL, error)))
            return EXIT_FAILURE;
        print_resolution(resolution);
        return EXIT_SUCCESS;
    }
    domain = load_domain(error);
    if (!domain)
        return EXIT_FAILURE;
    choices = vfp_select_resolve(cli->context, domain, error);
    if (!choices || !vfp_select_apply(domain, choices, FALSE, error))
        return EXIT_FAILURE;
    xml = vfp_domain_to_string(domain);
    fputs(xml, stdout);
    return EXIT_SUCCESS;
}

static int
run_define(Cli *cli, GError **error)
{
    g_autoptr(GError) local = NULL;
    g_autoptr(VfpDomain) domain = NULL;
    g_autoptr(VirDomain) dom = NULL;
    g_autoptr(VfpResolution) resolution = NULL;
    g_autofree char *xml = NULL;

    if (!g_file_get_contents(cli->argument, &xml, NULL, &local)) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_NOT_FOUND, "%s", local->message);
        return EXIT_FAILURE;
    }
    /* Check our part before libvirt stores anything. */
    domain = vfp_domain_parse(xml, strlen(xml), error);
    if (!domain) {
        g_prefix_error(error, "%s: ", cli->argument);
        return EXIT_FAILURE;
    }
    if (domain->requests->len == 0) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                    "%s: domain '%s' has no vfpool:vf request; use 'virsh define' for it",
                    cli->argument, domain->name);
        return EXIT_FAILURE;
    }
    dom = virDomainDefineXML(cli->conn, xml);
    if (!dom) {
        vfp_libvirt_set_error(error, "%s: libvirt refused it", cli->argument);
        return EXIT_FAILURE;
    }
    if (!(resolution = vfp_libvirt_resolve(cli->conn, dom, NULL, error))) {
        g_prefix_error(error, "domain '%s' is defined but not resolved: ", domain->name);
        return EXIT_FAILURE;
    }
    print_resolution(resolution);
    return EXIT_SUCCESS;
}

/* The ledger lock cannot be held across virDomainCreate (its hook takes it), so another start
 * may take the VF in between (the hook's refusal then carries the busy tag): resolve again. */
#define START_ATTEMPTS 3

static int
run_start(Cli *cli, GError **error)
{
    g_autoptr(VirDomain) dom = vfp_libvirt_lookup(cli->conn, cli->argument, error);
    g_autoptr(GError) busy = g_error_new_literal(VFP_ERROR, VFP_ERROR_BUSY, "");
    g_autofree char *busy_tag = vfp_error_tag(busy);

    if (!dom)
        return EXIT_FAILURE;
    for (int attempt = 1;; attempt++) {
        g_autoptr(VfpResolution) resolution = vfp_libvirt_resolve(cli->conn, dom, NULL, error);

        if (!resolution)
            return EXIT_FAILURE;
        if (virDomainCreate(dom) == 0) {
            print_resolution(resolution);
            printf("domain '%s' started\n", cli->argument);
            return EXIT_SUCCESS;
        }
        if (attempt == START_ATTEMPTS || !strstr(virGetLastErrorMessage(), busy_tag)) {
            vfp_libvirt_set_error(error, "domain '%s' did not start", cli->argument);
            return EXIT_FAILURE;
        }
    }
}

static int
run_release(Cli *cli, GError **error)
{
    g_autoptr(VirDomain) dom = vfp_libvirt_lookup(cli->conn, cli->argument, error);
    guint dropped;

    if (!dom || !vfp_libvirt_release(cli->conn, dom, &dropped, error))
        return EXIT_FAILURE;
    printf("domain '%s': %u reservation%s dropped\n", cli->argument, dropped,
           dropped == 1 ? "" : "s");
    return EXIT_SUCCESS;
}

static int
print_reassign_report(const VfpOperationReport *report, gboolean ok)
{
    for (guint i = 0; i < report->changes->len; i++)
        printf("%s\n", (char *)g_ptr_array_index(report->changes, i));
    for (guint i = 0; i < report->paused->len; i++) {
        const VfpPauseWindow *window = g_ptr_array_index(report->paused, i);

        printf("domain '%s' was paused for %.3f s\n", window->domain, window->usec / 1e6);
    }
    return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}

static void
print_reconcile_report(const VfpReconcileReport *report)
{
    guint count = report->repairs->len;

    for (guint i = 0; i < count; i++)
        printf("%s%s\n", report->dry_run ? "would repair: " : "repaired: ",
               (const char *)g_ptr_array_index(report->repairs, i));
    printf("reconcile: %u %s%s\n", count, count == 1 ? "repair" : "repairs",
           report->dry_run ? " found (dry run: nothing changed)" : "");
}

/* An operation a dead vfpool left half-done comes first: it may hold guests paused. */
static int
run_reconcile(Cli *cli, GError **error)
{
    g_autoptr(VfpOperationReport) report = vfp_operation_report_new();
    g_autoptr(VfpReconcileReport) repairs = vfp_reconcile_report_new();
    gboolean recovered = vfp_migrate_recover(cli->conn, opt_dry_run, report, error);

    print_reassign_report(report, recovered);
    if (!recovered)
        return EXIT_FAILURE;
    if (!vfp_reconcile(cli->conn, opt_dry_run, repairs, error))
        return EXIT_FAILURE;
    print_reconcile_report(repairs);
    return EXIT_SUCCESS;
}

static int
run_move(Cli *cli, GError **error)
{
    g_autoptr(VfpOperationReport) report = vfp_operation_report_new();

    return print_reassign_report(
        report, vfp_reassign_move(cli->conn, cli->argument, opt_from, opt_to, report, error));
}

static int
run_reassign(Cli *cli, GError **error)
{
    g_autoptr(VfpOperationReport) report = vfp_operation_report_new();

    return print_reassign_report(report, vfp_reassign_swap(cli->conn, cli->argument, cli->argument2,
                                                           opt_vf, opt_pool, report, error));
}

/* What attach was given: the settings, in ATTRIBUTES, point into the options. */
static VfpAttachSpec
attach_spec(GPtrArray *attributes)
{
    for (guint i = 0; i < G_N_ELEMENTS(settings); i++) {
        if (settings[i].value) {
            g_ptr_array_add(attributes, (char *)settings[i].attribute);
            g_ptr_array_add(attributes, settings[i].value);
        }
    }
    g_ptr_array_add(attributes, NULL);
    return (VfpAttachSpec){opt_pool, opt_alias, (const char *const *)attributes->pdata};
}

/* --live, --config, --current as virDomainModificationImpact, as virsh reads them. */
static unsigned int
impact(void)
{
    return (opt_live ? VIR_DOMAIN_AFFECT_LIVE : 0) | (opt_config ? VIR_DOMAIN_AFFECT_CONFIG : 0);
}

static int
run_attach(Cli *cli, GError **error)
{
    g_autoptr(VfpOperationReport) report = vfp_operation_report_new();
    g_autoptr(GPtrArray) attributes = g_ptr_array_new();
    VfpAttachSpec spec = attach_spec(attributes);

    return print_reassign_report(
        report, vfp_hotplug_attach(cli->conn, cli->argument, &spec, impact(), report, error));
}

static int
run_detach(Cli *cli, GError **error)
{
    g_autoptr(VfpOperationReport) report = vfp_operation_report_new();

    return print_reassign_report(
        report,
        vfp_hotplug_detach(cli->conn, cli->argument, cli->argument2, impact(), report, error));
}

static int
run_migrate(Cli *cli, GError **error)
{
    g_autoptr(VfpOperationReport) report = vfp_operation_report_new();
    VfpMigrateOptions options = {opt_live, opt_persistent, opt_undefine_source, opt_migrate_uri,
                                 MIGRATE_RESERVE_TIMEOUT};

    return print_reassign_report(
        report, vfp_migrate(cli->conn, cli->argument, cli->argument2, &options, report, error));
}

static int
run_resize(Cli *cli, GError **error)
{
    g_autoptr(VfpOperationReport) report = vfp_operation_report_new();
    char *end = NULL;
    guint64 count = g_ascii_strtoull(cli->argument2, &end, 10);

    if (!*cli->argument2 || *end || count > G_MAXUINT16) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                    "PF %s: '%s' is not a VF count; give a number such as 4", cli->argument,
                    cli->argument2);
        return EXIT_USAGE;
    }
    return print_reassign_report(
        report, vfp_reassign_resize(cli->conn, cli->argument, count, opt_pause, report, error));
}

static const Command commands[] = {
    {"pools", "", "List pools with their PFs and VF counts", ARG_NONE, TRUE, LIBVIRT_IF_REACHABLE,
     run_pools},
    {"status", "", "Show every PF and VF with its state and holder", ARG_NONE, TRUE,
     LIBVIRT_IF_REACHABLE, run_status},
    {"metrics", "[--textfile PATH]", "Print pool capacity as Prometheus metrics", ARG_NONE, FALSE,
     LIBVIRT_IF_REACHABLE, run_metrics},
    {"explain", "--xml FILE", "Show the VF each request would get, and why others are not", ARG_XML,
     TRUE, LIBVIRT_NEVER, run_explain},
    {"resolve", "DOMAIN|--xml FILE",
     "Choose VFs and write them into the definition (--xml: print it)", ARG_DOMAIN_OR_XML, FALSE,
     LIBVIRT_REQUIRED, run_resolve},
    {"define", "FILE", "Define an annotated domain and resolve it", ARG_FILE, FALSE,
     LIBVIRT_REQUIRED, run_define},
    {"start", "DOMAIN", "Resolve a domain, then start it", ARG_DOMAIN, FALSE, LIBVIRT_REQUIRED,
     run_start},
    {"release", "DOMAIN", "Drop a stopped domain's reservations", ARG_DOMAIN, FALSE,
     LIBVIRT_REQUIRED, run_release},
    {"reconcile", "[--dry-run]", "Repair ledger, reservations and VFs against running domains",
     ARG_NONE, FALSE, LIBVIRT_REQUIRED, run_reconcile},
    {"move", "ALIAS --from DOM --to DOM", "Move a VF between running domains", ARG_ALIAS, FALSE,
     LIBVIRT_REQUIRED, run_move},
    {"reassign", "DOMAIN ALIAS [--vf BDF|--pool POOL]",
     "Give a running domain's VF request another VF", ARG_DOMAIN_ALIAS, FALSE, LIBVIRT_REQUIRED,
     run_reassign},
    {"resize", "PF COUNT [--pause]", "Change a PF's VF count (--pause: with VFs in use)",
     ARG_PF_COUNT, FALSE, LIBVIRT_REQUIRED, run_resize},
    {"attach", "DOMAIN --pool POOL [--alias A] [--mac M] [--vlan V] ... [--live|--config]",
     "Hot-plug a VF from a pool into a domain", ARG_DOMAIN, FALSE, LIBVIRT_REQUIRED, run_attach},
    {"detach", "DOMAIN ALIAS [--live|--config]", "Hot-unplug a VF and give it back to its pool",
     ARG_DOMAIN_ALIAS, FALSE, LIBVIRT_REQUIRED, run_detach},
    {"migrate", "DOMAIN DEST-URI [--live] [--persistent] [--undefinesource] [--migrateuri URI]",
     "Migrate a domain, its VFs replaced by VFs of the destination's pools", ARG_DOMAIN_URI, FALSE,
     LIBVIRT_REQUIRED, run_migrate},
};

static void
print_usage(FILE *out)
{
    fprintf(out, "Usage: vfpool COMMAND [OPTIONS]\n\nCommands:\n");
    for (guint i = 0; i < G_N_ELEMENTS(commands); i++) {
        if (strlen(commands[i].usage) > 18)
            fprintf(out, "  %-9s %s\n  %-9s %-18s %s\n", commands[i].name, commands[i].usage, "",
                    "", commands[i].summary);
        else
            fprintf(out, "  %-9s %-18s %s\n", commands[i].name, commands[i].usage,
                    commands[i].summary);
    }
    fprintf(out, "\nOptions: --json (pools, status, explain), --connect URI (as for virsh),\n"
                 "--dry-run (reconcile), --from/--to (move), --vf/--pool (reassign),\n"
                 "--pause (resize), --textfile PATH (metrics), --pool, --alias and the\n"
                 "request's settings --mac, --vlan, --qos, --spoofchk, --trust, --link-state,\n"
                 "--min-tx-rate, --max-tx-rate, --numa (attach), --live, --config, --current\n"
                 "(attach, detach), --live, --persistent, --undefinesource, --migrateuri\n"
                 "(migrate). 'man vfpool' has the details.\n");
}

static const Command *
find_command(const char *name)
{
    for (guint i = 0; i < G_N_ELEMENTS(commands); i++) {
        if (g_str_equal(commands[i].name, name))
            return &commands[i];
    }
    return NULL;
}

static int
usage_error(const char *message)
{
    fprintf(stderr, "vfpool: %s; run 'vfpool --help' for usage\n", message);
    return EXIT_USAGE;
}

/* The library's messages are for the system log of the hook and the daemon; the command
 * prints its own report, and only warnings go to stderr. */
/* What the command does to VFs and guests goes to the journal with its fields, when there is
 * one; warnings and errors also to the terminal. */
static GLogWriterOutput
log_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
    const char *message = "";

    if (level & G_LOG_LEVEL_DEBUG)
        return G_LOG_WRITER_HANDLED;
    g_log_writer_journald(level, fields, n_fields, NULL);
    if (level & (G_LOG_LEVEL_INFO | G_LOG_LEVEL_MESSAGE))
        return G_LOG_WRITER_HANDLED;
    for (gsize i = 0; i < n_fields; i++) {
        if (g_str_equal(fields[i].key, "MESSAGE"))
            message = fields[i].value;
    }
    fprintf(stderr, "vfpool: %s\n", message);
    return G_LOG_WRITER_HANDLED;
}

/* Checks the arguments against what COMMAND takes; returns the usage error or NULL. */
static char *
check_arguments(const Command *command, int argc, char **argv)
{
    gboolean request_options = opt_alias != NULL;
    int positional = 0;

    switch (command->argument) {
    case ARG_DOMAIN:
    case ARG_FILE:
    case ARG_ALIAS:
        positional = 1;
        break;
    case ARG_DOMAIN_OR_XML:
        positional = opt_xml ? 0 : 1;
        break;
    case ARG_DOMAIN_ALIAS:
    case ARG_PF_COUNT:
    case ARG_DOMAIN_URI:
        positional = 2;
        break;
    case ARG_NONE:
    case ARG_XML:
        break;
    }
    if (argc > positional + 1)
        return g_strdup_printf("unexpected argument '%s'", argv[positional + 1]);
    if (argc < positional + 1)
        return g_strdup_printf("'vfpool %s' needs %s", command->name, command->usage);
    if ((opt_from || opt_to) && command->run != run_move)
        return g_strdup("--from and --to are only for move");
    if (command->run == run_move && (!opt_from || !opt_to))
        return g_strdup("'vfpool move' needs --from DOMAIN and --to DOMAIN");
    if (opt_vf && command->run != run_reassign)
        return g_strdup("--vf is only for reassign");
    if (opt_pool && command->run != run_reassign && command->run != run_attach)
        return g_strdup("--pool is only for reassign and attach");
    if (opt_vf && opt_pool)
        return g_strdup("give reassign either --vf or --pool, not both");
    if (command->run == run_attach && !opt_pool)
        return g_strdup("'vfpool attach' needs --pool POOL");
    for (guint i = 0; i < G_N_ELEMENTS(settings); i++)
        request_options |= settings[i].value != NULL;
    if (request_options && command->run != run_attach)
        return g_strdup("--alias and the request's settings (--mac, --vlan, ...) are only for "
                        "attach");
    if ((opt_config || opt_current) && command->run != run_attach && command->run != run_detach)
        return g_strdup("--config and --current are only for attach and detach");
    if (opt_live && command->run != run_attach && command->run != run_detach &&
        command->run != run_migrate)
        return g_strdup("--live is only for attach, detach and migrate");
    if ((opt_persistent || opt_undefine_source || opt_migrate_uri) && command->run != run_migrate)
        return g_strdup("--persistent, --undefinesource and --migrateuri are only for migrate");
    if (opt_current && (opt_live || opt_config))
        return g_strdup("--current goes alone: it means --live for a running domain, else "
                        "--config");
    if (opt_pause && command->run != run_resize)
        return g_strdup("--pause is only for resize");
    if (opt_textfile && command->run != run_metrics)
        return g_strdup("--textfile is only for metrics");
    if (command->argument == ARG_XML && !opt_xml)
        return g_strdup_printf("'vfpool %s' needs --xml FILE", command->name);
    if (opt_xml && command->argument != ARG_XML && command->argument != ARG_DOMAIN_OR_XML)
        return g_strdup("--xml is only for explain and resolve");
    if (opt_json && !command->takes_json)
        return g_strdup("--json is only for pools, status and explain");
    if (opt_dry_run && command->run != run_reconcile)
        return g_strdup("--dry-run is only for reconcile");
    return NULL;
}

int
main(int argc, char **argv)
{
    g_autoptr(GOptionContext) options = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(VfpHost) host = vfp_host_new();
    g_autoptr(GPtrArray) pools = NULL;
    g_autoptr(VfpLedger) ledger = NULL;
    g_autoptr(GHashTable) reserved = NULL;
    g_autoptr(GPtrArray) defined = NULL;
    g_autoptr(VirConnect) conn = NULL;
    g_autofree char *parameter = NULL;
    g_autofree char *problem = NULL;
    VfpSelectContext context = {0};
    Cli cli = {&context, NULL, NULL, NULL, NULL};
    const Command *command;
    gboolean online;
    int rc;

    setlocale(LC_ALL, "");
    g_log_set_writer_func(log_writer, NULL, NULL);
    vfp_ledger_set_old_reader(vfp_ledger_json_read);
    if (argc < 2)
        return usage_error("no command given");
    if (g_str_equal(argv[1], "--help") || g_str_equal(argv[1], "-h") ||
        g_str_equal(argv[1], "help")) {
        print_usage(stdout);
        return EXIT_SUCCESS;
    }
    if (g_str_equal(argv[1], "--version")) {
        printf("vfpool %s\n", PACKAGE_VERSION);
        return EXIT_SUCCESS;
    }
    command = find_command(argv[1]);
    if (!command) {
        g_autofree char *message = g_strdup_printf("unknown command '%s'", argv[1]);

        return usage_error(message);
    }

    parameter = g_strdup_printf("%s - %s", command->usage, command->summary);
    options = g_option_context_new(parameter);
    g_option_context_add_main_entries(options, common_options, NULL);
    add_setting_options(options);
    argv[1] = argv[0];
    argc--;
    argv++;
    if (!g_option_context_parse(options, &argc, &argv, &error))
        return usage_error(error->message);
    if ((problem = check_arguments(command, argc, argv)))
        return usage_error(problem);
    cli.argument = argc > 1 ? argv[1] : NULL;
    cli.argument2 = argc > 2 ? argv[2] : NULL;
    /* attach's values are checked before libvirt is asked anything: bad usage, as above. */
    if (command->run == run_attach) {
        g_autoptr(GPtrArray) attributes = g_ptr_array_new();
        VfpAttachSpec spec = attach_spec(attributes);

        if (!vfp_hotplug_check_spec(cli.argument, &spec, &error)) {
            fprintf(stderr, "vfpool: %s\n", error->message);
            return EXIT_USAGE;
        }
    }

    online = command->libvirt == LIBVIRT_REQUIRED && !opt_xml;
    /* Offline forms still avoid VFs that libvirt's domains reserve or use, when it answers. */
    if (command->libvirt != LIBVIRT_NEVER || opt_xml) {
        conn = vfp_libvirt_open(default_uri(), online ? &error : NULL);
        if (online && !conn) {
            fprintf(stderr, "vfpool: %s\n", error->message);
            return EXIT_FAILURE;
        }
        if (!conn)
            fprintf(stderr, "vfpool: libvirt is not reachable; reservations of defined "
                            "domains are not shown\n");
    }
    cli.conn = conn;

    /* The libvirt side takes the ledger lock itself, and only around its own reads. */
    if (!online) {
        /* Each defined domain is fetched once, for the reservations and the listings, which
         * need its vfpool metadata alone. */
        if (conn && (defined = vfp_libvirt_list_pooled_metadata(conn, VFP_XML_PERSISTENT, &error)))
            reserved = vfp_libvirt_reservations(conn, defined, NULL, &error);
        cli.defined = defined;
        if (!error && (pools = vfp_pool_load_all(&error)))
            ledger = vfp_ledger_open(VFP_LEDGER_READ, &error);
        if (!ledger) {
            fprintf(stderr, "vfpool: %s\n", error->message);
            return EXIT_FAILURE;
        }
        context = (VfpSelectContext){host, pools, ledger, reserved};
    }
    rc = command->run(&cli, &error);
    if (rc != EXIT_SUCCESS && error)
        fprintf(stderr, "vfpool: %s\n", error->message);
    g_free(opt_xml);
    g_free(opt_connect);
    g_free(opt_from);
    g_free(opt_to);
    g_free(opt_vf);
    g_free(opt_pool);
    g_free(opt_textfile);
    g_free(opt_alias);
    g_free(opt_migrate_uri);
    for (guint i = 0; i < G_N_ELEMENTS(settings); i++)
        g_free(settings[i].value);
    return rc;
}
