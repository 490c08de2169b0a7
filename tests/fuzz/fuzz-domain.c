/* Fuzz target: a domain's XML, from libvirt or from a user (virsh define, vfpool --xml). Parsed,
 * queried as the hook and vfpoold do, resolved against the fake host1 with the pools of
 * tests/data/conf1 (one VF held in the ledger, one reserved by another domain), no VF chosen
 * twice, written back, and the written XML must parse again. */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "vfp-select.h"

static GPtrArray *pools;
static VfpLedger *ledger;
static GHashTable *reserved_by;

static void
hold(const char *address, const char *pf, guint index)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfpLedger) writer = vfp_ledger_open(VFP_LEDGER_WRITE, &error);
    VfpClaim *claim = vfp_claim_new();

    claim->address = g_strdup(address);
    claim->pf = g_strdup(pf);
    claim->index = index;
    claim->pool = g_strdup("net-a");
    claim->domain = g_strdup("running");
    claim->uuid = g_strdup("6d8b3a0e-7f36-4a43-9d0a-0000000000ff");
    claim->alias = g_strdup("ua-vfpool-net0");
    if (!writer || !vfp_ledger_claim(writer, claim, &error) || !vfp_ledger_commit(writer, &error))
        fuzz_fail("cannot write the ledger: %s", error->message);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *conf = NULL;
    g_autofree char *state = NULL;

    fuzz_init();
    fuzz_fake_host();
    conf = g_build_filename(fuzz_top_srcdir(), "tests", "data", "conf1", NULL);
    g_setenv("VFPOOL_CONF_DIR", conf, TRUE);
    state = fuzz_make_dir("state", "VFPOOL_STATE_DIR");
    pools = vfp_pool_load_all(&error);
    if (!pools)
        fuzz_fail("cannot load the pools of %s: %s", conf, error->message);
    hold("0000:b0:10.2", "0000:af:00.0", 1);
    ledger = vfp_ledger_open(VFP_LEDGER_READ, &error);
    if (!ledger)
        fuzz_fail("cannot read the ledger: %s", error->message);
    reserved_by = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_hash_table_insert(reserved_by, g_strdup("0000:3c:10.2"), g_strdup("defined"));
    return 0;
}

/* What the hook and vfpoold read besides the requests: every device and its summary, which
 * must survive being cut out of the document. */
static void
query(const VfpDomain *domain)
{
    g_ptr_array_unref(vfp_domain_pci_sources(domain));
    g_free(vfp_domain_metadata_to_string(domain));
    vfp_domain_key(domain);
    for (guint i = 0; i < domain->requests->len; i++) {
        const VfpRequest *request = g_ptr_array_index(domain->requests, i);
        g_auto(VfpDeviceInfo) info = {0};
        g_auto(VfpDeviceInfo) alone = {0};
        g_autofree char *device = vfp_domain_device_to_string(domain, request->alias, TRUE);

        vfp_domain_request_numa(domain, request);
        vfp_domain_numa_allows(domain, request, 1);
        vfp_domain_find_reservation(domain, request->alias);
        vfp_domain_get_device(domain, request->alias, &info);
        if (!device)
            continue;
        vfp_device_info_from_xml(device, &alone);
        if (alone.found != info.found || alone.network != info.network ||
            alone.managed != info.managed || g_strcmp0(alone.address, info.address) != 0)
            fuzz_fail("device '%s' reads differently on its own:\n%s", request->alias, device);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfpDomain) domain = vfp_domain_parse((const char *)data, size, &error);
    g_autoptr(VfpDomain) again = NULL;
    g_autoptr(VfpHost) host = NULL;
    g_autoptr(GPtrArray) choices = NULL;
    g_autofree char *xml = NULL;
    VfpSelectContext context;

    if (!domain)
        return 0;
    query(domain);
    host = vfp_host_new();
    context = (VfpSelectContext){host, pools, ledger, reserved_by};
    choices = vfp_select_resolve(&context, domain, &error);
    if (!choices)
        return 0;
    /* A VF goes to one request at most: the hook would take it twice. */
    for (guint i = 0; i < choices->len; i++) {
        for (guint j = 0; j < i; j++) {
            const VfpChoice *a = g_ptr_array_index(choices, i);
            const VfpChoice *b = g_ptr_array_index(choices, j);

            if (a->address && g_strcmp0(a->address, b->address) == 0)
                fuzz_fail("VF %s was chosen for both '%s' and '%s'", a->address, a->request->alias,
                          b->request->alias);
        }
    }
    if (!vfp_select_apply(domain, choices, FALSE, &error))
        return 0;
    xml = vfp_domain_to_string(domain);
    again = vfp_domain_parse(xml, strlen(xml), &error);
    if (!again)
        fuzz_fail("the resolved domain XML does not parse: %s\n%s", error->message, xml);
    if (again->requests->len != domain->requests->len)
        fuzz_fail("the resolved domain XML has %u requests, not %u:\n%s", again->requests->len,
                  domain->requests->len, xml);
    return 0;
}
