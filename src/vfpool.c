/* vfpool: the administrator's command. Offline commands read sysfs, the pool files and the
 * ledger; they never change the host. */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include "vfp-error.h"
#include "vfp-report.h"
#include "vfp-xml.h"

#define EXIT_USAGE 2

static gboolean opt_json;
static char *opt_xml;

static const GOptionEntry common_options[] = {
    {"json", 0, 0, G_OPTION_ARG_NONE, &opt_json, "Print JSON instead of text", NULL},
    {"xml", 0, 0, G_OPTION_ARG_FILENAME, &opt_xml, "Domain XML file", "FILE"},
    {NULL},
};

typedef struct {
    const char *name;
    const char *summary;
    gboolean needs_xml;
    gboolean takes_json;
    int (*run)(VfpSelectContext *context, GError **error);
} Command;

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
run_pools(VfpSelectContext *context, GError **error)
{
    return print_report(vfp_report_pools(context, error));
}

static int
run_status(VfpSelectContext *context, GError **error)
{
    return print_report(vfp_report_status(context, error));
}

static int
run_explain(VfpSelectContext *context, GError **error)
{
    g_autoptr(VfpDomain) domain = load_domain(error);

    if (!domain)
        return EXIT_FAILURE;
    return print_report(vfp_report_explain(context, domain, error));
}

static int
run_resolve(VfpSelectContext *context, GError **error)
{
    g_autoptr(VfpDomain) domain = load_domain(error);
    g_autoptr(GPtrArray) choices = NULL;
    g_autofree char *xml = NULL;

    if (!domain)
        return EXIT_FAILURE;
    choices = vfp_select_resolve(context, domain, error);
    if (!choices || !vfp_select_apply(domain, choices, error))
        return EXIT_FAILURE;
    xml = vfp_domain_to_string(domain);
    fputs(xml, stdout);
    return EXIT_SUCCESS;
}

static const Command commands[] = {
    {"pools", "List pools with their PFs and VF counts", FALSE, TRUE, run_pools},
    {"status", "Show every PF and VF with its state and holder", FALSE, TRUE, run_status},
    {"explain", "Show which VF each request would get, and why others are turned down", TRUE,
     TRUE, run_explain},
    {"resolve", "Print the domain XML with VFs chosen (changes nothing)", TRUE, FALSE,
     run_resolve},
};

static void
print_usage(FILE *out)
{
    fprintf(out, "Usage: vfpool COMMAND [OPTIONS]\n\nCommands:\n");
    for (guint i = 0; i < G_N_ELEMENTS(commands); i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nOptions: --json (pools, status, explain), --xml FILE (explain, resolve)\n"
                 "Run 'vfpool COMMAND --help' for details, 'man vfpool' for the rest.\n");
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

static void
log_to_stderr(const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
    if (level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO)) {
        g_log_default_handler(domain, level, message, data);
        return;
    }
    fprintf(stderr, "vfpool: %s\n", message);
}

int
main(int argc, char **argv)
{
    g_autoptr(GOptionContext) options = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(VfpHost) host = NULL;
    g_autoptr(GPtrArray) pools = NULL;
    g_autoptr(VfpLedger) ledger = NULL;
    g_autofree char *parameter = NULL;
    VfpSelectContext context = {0};
    const Command *command;
    int rc;

    setlocale(LC_ALL, "");
    g_log_set_default_handler(log_to_stderr, NULL);
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

    parameter = g_strdup_printf("%s - %s", command->name, command->summary);
    options = g_option_context_new(parameter);
    g_option_context_add_main_entries(options, common_options, NULL);
    argv[1] = argv[0];
    argc--;
    argv++;
    if (!g_option_context_parse(options, &argc, &argv, &error))
        return usage_error(error->message);
    if (argc > 1) {
        g_autofree char *message = g_strdup_printf("unexpected argument '%s'", argv[1]);

        return usage_error(message);
    }
    if (command->needs_xml && !opt_xml)
        return usage_error("this command needs --xml FILE");
    if (!command->needs_xml && opt_xml)
        return usage_error("--xml is only for explain and resolve");
    if (opt_json && !command->takes_json)
        return usage_error("--json is only for pools, status and explain");

    host = vfp_host_new();
    pools = vfp_pool_load_all(&error);
    if (pools)
        ledger = vfp_ledger_open(VFP_LEDGER_READ, &error);
    if (!ledger) {
        fprintf(stderr, "vfpool: %s\n", error->message);
        return EXIT_FAILURE;
    }
    context.host = host;
    context.pools = pools;
    context.ledger = ledger;
    rc = command->run(&context, &error);
    if (rc != EXIT_SUCCESS && error)
        fprintf(stderr, "vfpool: %s\n", error->message);
    g_free(opt_xml);
    return rc;
}
