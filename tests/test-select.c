/* Selection policy on the fake host1: pack and spread, the NUMA modes, and every reason a VF is
 * turned down (range, IOMMU group, host use, held, reserved, not creatable). */
#include "config.h"

#include <string.h>

#include "test-helpers.h"
#include "vfp-error.h"
#include "vfp-select.h"

#define NET_PFS "<pf address='0000:3b:00.0'/><pf address='0000:af:00.0'/>"

static char *
domain_xml(const char *name, const char *requests, const char *extra)
{
    return g_strdup_printf(
        "<domain type='kvm'><name>%s</name><uuid>00000000-0000-4000-8000-%012x</uuid>%s"
        "<metadata><vfpool:vfpool xmlns:vfpool='http://vfpool.org/xmlns/libvirt/domain/1.0'>"
        "%s</vfpool:vfpool></metadata><devices/></domain>",
        name, g_str_hash(name) & 0xffffff, extra ? extra : "", requests);
}

static GPtrArray *
resolve_full(const char *name, const char *requests, const char *extra, GHashTable *reserved,
             VfpDomain **domain_out, GError **error)
{
    g_autoptr(VfpHost) host = vfp_host_new();
    g_autoptr(GPtrArray) pools = vfp_pool_load_all(error);
    g_autoptr(VfpLedger) ledger = NULL;
    g_autofree char *xml = domain_xml(name, requests, extra);
    g_autoptr(VfpDomain) domain = NULL;
    VfpSelectContext context;
    GPtrArray *choices;

    g_assert_nonnull(pools);
    ledger = vfp_ledger_open(VFP_LEDGER_READ, error);
    g_assert_nonnull(ledger);
    domain = vfp_domain_parse(xml, strlen(xml), error);
    g_assert_nonnull(domain);
    context = (VfpSelectContext){host, pools, ledger, reserved};
    choices = vfp_select_resolve(&context, domain, error);
    if (choices && domain_out)
        *domain_out = g_steal_pointer(&domain);
    return choices;
}

/* The address chosen for a one-request domain, or NULL with ERROR set. */
static char *
choose_one(const char *pool, const char *attrs, const char *extra, GHashTable *reserved,
           GError **error)
{
    g_autofree char *request =
        g_strdup_printf("<vfpool:vf alias='ua-t0' pool='%s' %s/>", pool, attrs ? attrs : "");
    g_autoptr(GPtrArray) choices = resolve_full("t", request, extra, reserved, NULL, error);

    if (!choices)
        return NULL;
    g_assert_cmpuint(choices->len, ==, 1);
    return g_strdup(((VfpChoice *)g_ptr_array_index(choices, 0))->address);
}

static void
claim(const char *address, const char *pf, const char *domain)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfpLedger) ledger = vfp_ledger_open(VFP_LEDGER_WRITE, &error);
    VfpClaim *entry = vfp_claim_new();

    g_assert_no_error(error);
    entry->address = g_strdup(address);
    entry->pf = g_strdup(pf);
    entry->domain = g_strdup(domain);
    entry->uuid = g_strdup_printf("uuid-%s", domain);
    entry->pool = g_strdup("p");
    g_assert_true(vfp_ledger_claim(ledger, entry, &error));
    g_assert_true(vfp_ledger_commit(ledger, &error));
}

static void
assert_choice(const char *pool, const char *attrs, const char *extra, const char *expected)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *address = choose_one(pool, attrs, extra, NULL, &error);

    g_assert_no_error(error);
    g_assert_cmpstr(address, ==, expected);
}

static void
assert_exhausted(const char *pool, const char *attrs, const char *extra, const char *reason)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *address = choose_one(pool, attrs, extra, NULL, &error);

    g_assert_null(address);
    g_assert_error(error, VFP_ERROR, VFP_ERROR_EXHAUSTED);
    g_assert_nonnull(strstr(error->message, reason));
    g_assert_nonnull(strstr(error->message, "pool"));
}

static void
test_pack_fills_busiest_pf(void)
{
    g_autoptr(TestHost) host = test_host_new();

    test_host_write_pool(host, "p", "<pool name='p'>" NET_PFS "<select numa='ignore'/></pool>");
    /* Nothing in use: the first PF by address, its first VF. */
    assert_choice("p", NULL, NULL, "0000:3c:10.0");
    claim("0000:b0:10.0", "0000:af:00.0", "other");
    assert_choice("p", NULL, NULL, "0000:b0:10.2");
}

static void
test_spread_picks_idlest_pf(void)
{
    g_autoptr(TestHost) host = test_host_new();

    test_host_write_pool(
        host, "p", "<pool name='p'>" NET_PFS "<select policy='spread' numa='ignore'/></pool>");
    claim("0000:3c:10.0", "0000:3b:00.0", "a");
    claim("0000:3c:10.2", "0000:3b:00.0", "b");
    assert_choice("p", NULL, NULL, "0000:b0:10.0");
    claim("0000:b0:10.0", "0000:af:00.0", "c");
    claim("0000:b0:10.2", "0000:af:00.0", "d");
    claim("0000:b0:10.4", "0000:af:00.0", "e");
    assert_choice("p", NULL, NULL, "0000:3c:10.4");
}

/* Spread counts stopped domains' reservations by PF too, and a VF both claimed and reserved
 * (a running domain's) once: 3b holds two, af one, so af is the idlest. */
static void
test_spread_counts_reservations(void)
{
    g_autoptr(TestHost) host = test_host_new();
    g_autoptr(GHashTable) reserved = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GError) error = NULL;
    g_autofree char *address = NULL;

    test_host_write_pool(
        host, "p", "<pool name='p'>" NET_PFS "<select policy='spread' numa='ignore'/></pool>");
    g_hash_table_insert(reserved, (char *)"0000:3c:10.0", (char *)"a");
    g_hash_table_insert(reserved, (char *)"0000:3c:10.2", (char *)"b");
    claim("0000:b0:10.0", "0000:af:00.0", "c");
    g_hash_table_insert(reserved, (char *)"0000:b0:10.0", (char *)"c");
    address = choose_one("p", NULL, NULL, reserved, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(address, ==, "0000:b0:10.2");
}

static void
test_numa_preferred(void)
{
    g_autoptr(TestHost) host = test_host_new();
    const char *node1 = "<numatune><memory mode='strict' nodeset='1'/></numatune>";

    test_host_write_pool(host, "p", "<pool name='p'>" NET_PFS "</pool>");
    assert_choice("p", NULL, node1, "0000:b0:10.0");
    assert_choice("p", "numa='0'", node1, "0000:3c:10.0");
    /* Node 1 full: preferred falls back to node 0. */
    claim("0000:b0:10.0", "0000:af:00.0", "a");
    claim("0000:b0:10.2", "0000:af:00.0", "b");
    claim("0000:b0:10.4", "0000:af:00.0", "c");
    claim("0000:b0:10.6", "0000:af:00.0", "d");
    assert_choice("p", NULL, node1, "0000:3c:10.0");
}

static void
test_numa_required(void)
{
    g_autoptr(TestHost) host = test_host_new();
    const char *node1 = "<numatune><memory mode='strict' nodeset='1'/></numatune>";

    test_host_write_pool(host, "p", "<pool name='p'>" NET_PFS "<select numa='required'/></pool>");
    assert_choice("p", NULL, node1, "0000:b0:10.0");
    /* No locality asked for: any node will do. */
    assert_choice("p", NULL, NULL, "0000:3c:10.0");
    claim("0000:b0:10.0", "0000:af:00.0", "a");
    claim("0000:b0:10.2", "0000:af:00.0", "b");
    claim("0000:b0:10.4", "0000:af:00.0", "c");
    claim("0000:b0:10.6", "0000:af:00.0", "d");
    assert_exhausted("p", NULL, node1, "numa");
}

static void
test_numa_ignore(void)
{
    g_autoptr(TestHost) host = test_host_new();
    const char *node1 = "<numatune><memory mode='strict' nodeset='1'/></numatune>";

    test_host_write_pool(host, "p", "<pool name='p'>" NET_PFS "<select numa='ignore'/></pool>");
    assert_choice("p", NULL, node1, "0000:3c:10.0");
}

static void
test_rejections_explained(void)
{
    g_autoptr(TestHost) host = test_host_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(GHashTable) reserved = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GPtrArray) choices = NULL;
    const char *expected[][2] = {
        {"0000:3c:10.0", "held"},        {"0000:3c:10.2", "reserved"}, {"0000:3c:11.2", "host-use"},
        {"0000:3c:11.4", "iommu-group"}, {"0000:3c:11.6", "range"},
    };
    VfpChoice *choice;

    test_host_write_pool(host, "p",
                         "<pool name='p'><pf address='0000:3b:00.0'/><vfs range='0-6'/></pool>");
    claim("0000:3c:10.0", "0000:3b:00.0", "running");
    g_hash_table_insert(reserved, (char *)"0000:3c:10.2", (char *)"stopped");
    choices =
        resolve_full("t", "<vfpool:vf alias='ua-t0' pool='p'/>", NULL, reserved, NULL, &error);
    g_assert_no_error(error);
    choice = g_ptr_array_index(choices, 0);
    g_assert_cmpstr(choice->address, ==, "0000:3c:10.4");
    g_assert_cmpuint(choice->available, ==, 3); /* VFs 2, 3, 4 */
    g_assert_cmpuint(choice->rejections->len, ==, G_N_ELEMENTS(expected));
    for (guint i = 0; i < G_N_ELEMENTS(expected); i++) {
        VfpRejection *rejection = g_ptr_array_index(choice->rejections, i);

        g_assert_cmpstr(rejection->address, ==, expected[i][0]);
        g_assert_cmpstr(vfp_reject_reason_to_string(rejection->reason), ==, expected[i][1]);
        g_assert_nonnull(rejection->detail);
    }
}

/* A VF open through VFIO by a VM that did not get it from vfpool (libvirt's own hostdev
 * network, say) is in use; one only bound to vfio-pci ahead of time is free. */
static void
test_vfio_open_outside_vfpool(void)
{
    g_autoptr(TestHost) host = test_host_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) choices = NULL;
    VfpRejection *rejection;

    test_host_write_pool(host, "p", "<pool name='p'><pf address='0000:3b:00.0'/></pool>");
    test_host_sh(host, "fakesys_driver \"$ROOT\" vfio-pci; "
                       "d=\"$ROOT/sys/bus/pci/devices/0000:3c:10.0\"; "
                       "ln -sfn \"$ROOT/sys/bus/pci/drivers/vfio-pci\" \"$d/driver\"; "
                       "echo 1 >\"$d/enable\"");
    choices = resolve_full("t", "<vfpool:vf alias='ua-t0' pool='p'/>", NULL, NULL, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(((VfpChoice *)g_ptr_array_index(choices, 0))->address, ==, "0000:3c:10.2");
    rejection = g_ptr_array_index(((VfpChoice *)g_ptr_array_index(choices, 0))->rejections, 0);
    g_assert_cmpstr(rejection->address, ==, "0000:3c:10.0");
    g_assert_cmpstr(vfp_reject_reason_to_string(rejection->reason), ==, "host-use");
    g_assert_nonnull(strstr(rejection->detail, "open through vfio-pci"));

    test_host_sh(host, "echo 0 >\"$ROOT/sys/bus/pci/devices/0000:3c:10.0/enable\"");
    assert_choice("p", NULL, NULL, "0000:3c:10.0");
}

/* VFs 2 and 3 of PF af share a group: fine inside one pool, but not once another domain holds
 * one of them. */
static void
test_iommu_group_held_sibling(void)
{
    g_autoptr(TestHost) host = test_host_new();

    test_host_write_pool(host, "p",
                         "<pool name='p'><pf address='0000:af:00.0'/><vfs range='2-3'/></pool>");
    assert_choice("p", NULL, NULL, "0000:b0:10.4");
    claim("0000:b0:10.4", "0000:af:00.0", "a");
    assert_exhausted("p", NULL, NULL, "iommu-group");
}

static void
test_two_requests_distinct(void)
{
    g_autoptr(TestHost) host = test_host_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) choices = NULL;

    test_host_write_pool(host, "p", "<pool name='p'><pf address='0000:af:00.0'/></pool>");
    choices =
        resolve_full("t", "<vfpool:vf alias='ua-a' pool='p'/><vfpool:vf alias='ua-b' pool='p'/>",
                     NULL, NULL, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(((VfpChoice *)choices->pdata[0])->address, ==, "0000:b0:10.0");
    g_assert_cmpstr(((VfpChoice *)choices->pdata[1])->address, ==, "0000:b0:10.2");
}

static void
test_reservation_kept(void)
{
    g_autoptr(TestHost) host = test_host_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) choices = NULL;
    g_autoptr(GPtrArray) again = NULL;
    const char *requests = "<vfpool:vf alias='ua-a' pool='p'/>"
                           "<vfpool:reservation alias='ua-a' address='0000:b0:10.6' "
                           "pf='0000:af:00.0' index='3'/>";

    test_host_write_pool(host, "p", "<pool name='p'><pf address='0000:af:00.0'/></pool>");
    choices = resolve_full("t", requests, NULL, NULL, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(((VfpChoice *)choices->pdata[0])->address, ==, "0000:b0:10.6");
    g_assert_true(((VfpChoice *)choices->pdata[0])->kept);

    /* Taken by a running domain meanwhile: a new VF is chosen. */
    claim("0000:b0:10.6", "0000:af:00.0", "thief");
    again = resolve_full("t", requests, NULL, NULL, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(((VfpChoice *)again->pdata[0])->address, ==, "0000:b0:10.0");
    g_assert_false(((VfpChoice *)again->pdata[0])->kept);
}

#define MANUAL_EDIT_XML                                                                            \
    "<domain><name>t</name><metadata><v:vfpool "                                                   \
    "xmlns:v='http://vfpool.org/xmlns/libvirt/domain/1.0'><v:vf alias='ua-a' pool='p'/>"           \
    "<v:reservation alias='ua-a' address='0000:3c:10.0' pf='0000:3b:00.0' index='0'/>"             \
    "</v:vfpool></metadata><devices><hostdev mode='subsystem' type='pci'><source>"                 \
    "<address domain='0x0000' bus='0x3c' slot='0x%s' function='0x%s'/></source>"                   \
    "<alias name='ua-a'/></hostdev></devices></domain>"

/* An administrator pointed the device at another VF by hand: kept when acceptable. */
static void
test_manual_edit_kept(void)
{
    g_autoptr(TestHost) host = test_host_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(VfpHost) vhost = vfp_host_new();
    g_autoptr(GPtrArray) pools = NULL;
    g_autoptr(VfpLedger) ledger = NULL;
    const char *cases[][3] = {
        {"10", "6", "0000:3c:10.6"}, /* a free VF of the pool: the edit stays */
        {"11", "2", "0000:3c:10.0"}, /* VF 5, used by the host: back to the reservation */
    };

    test_host_write_pool(host, "p", "<pool name='p'><pf address='0000:3b:00.0'/></pool>");
    pools = vfp_pool_load_all(&error);
    ledger = vfp_ledger_open(VFP_LEDGER_READ, &error);
    g_assert_no_error(error);
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *xml = g_strdup_printf(MANUAL_EDIT_XML, cases[i][0], cases[i][1]);
        g_autoptr(VfpDomain) domain = vfp_domain_parse(xml, strlen(xml), &error);
        VfpSelectContext context = {vhost, pools, ledger, NULL};
        g_autoptr(GPtrArray) choices = vfp_select_resolve(&context, domain, &error);

        g_assert_no_error(error);
        g_assert_cmpstr(((VfpChoice *)choices->pdata[0])->address, ==, cases[i][2]);
        g_assert_true(((VfpChoice *)choices->pdata[0])->kept);
    }
}

static void
test_create_on_demand(void)
{
    g_autoptr(TestHost) host = test_host_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) choices = NULL;
    VfpChoice *choice;

    test_host_write_pool(host, "nv",
                         "<pool name='nv'><pf address='0000:5e:00.0'/><vfs create='2'/></pool>");
    choices = resolve_full("t",
                           "<vfpool:vf alias='ua-a' pool='nv'/><vfpool:vf alias='ua-b' "
                           "pool='nv'/>",
                           NULL, NULL, NULL, &error);
    g_assert_no_error(error);
    choice = g_ptr_array_index(choices, 0);
    g_assert_cmpstr(choice->address, ==, "0000:5e:00.1");
    g_assert_false(choice->exists);
    g_assert_false(choice->network);
    g_assert_cmpstr(((VfpChoice *)choices->pdata[1])->address, ==, "0000:5e:00.2");
    assert_choice("nv", NULL, NULL, "0000:5e:00.1");

    /* Creating VFs rewrites sriov_numvfs: not while a running domain holds one of them. */
    claim("0000:5e:00.1", "0000:5e:00.0", "running");
    assert_exhausted("nv", NULL, NULL, "not-creatable");
}

static void
test_no_creation_without_create(void)
{
    g_autoptr(TestHost) host = test_host_new();
    g_autoptr(GError) error = NULL;
    g_autofree char *address = NULL;

    test_host_write_pool(host, "nv", "<pool name='nv'><pf address='0000:5e:00.0'/></pool>");
    address = choose_one("nv", NULL, NULL, NULL, &error);
    g_assert_null(address);
    g_assert_error(error, VFP_ERROR, VFP_ERROR_EXHAUSTED);
    /* Nothing was turned down: the message says why there is nothing to choose from. */
    g_assert_nonnull(strstr(error->message, "pool 'nv' has no VF for vf 'ua-t0'"));
    g_assert_nonnull(strstr(error->message, "<vfs create='N'/>"));
}

static void
test_unknown_pool(void)
{
    g_autoptr(TestHost) host = test_host_new();
    g_autoptr(GError) error = NULL;
    g_autofree char *address = NULL;

    test_host_write_pool(host, "p", "<pool name='p'><pf address='0000:af:00.0'/></pool>");
    address = choose_one("nope", NULL, NULL, NULL, &error);
    g_assert_error(error, VFP_ERROR, VFP_ERROR_NOT_FOUND);
    g_assert_nonnull(strstr(error->message, "'nope'"));
}

/* The same choice in separate processes, each on its own copy of the host (its own
 * directory order, its own addresses), not just the same call repeated in one process. */
static void
test_deterministic(void)
{
    if (g_test_subprocess()) {
        g_autoptr(TestHost) host = test_host_new();

        test_host_write_pool(host, "p",
                             "<pool name='p'><pf vendor='0x8086' device='0x10c9'/>"
                             "<pf netdev='enp216s0f0np0'/><select policy='spread'/></pool>");
        claim("0000:d8:00.2", "0000:d8:00.0", "a");
        assert_choice("p", NULL, NULL, "0000:3c:10.0");
        return;
    }
    for (int i = 0; i < 5; i++) {
        g_test_trap_subprocess(NULL, 0, 0);
        g_test_trap_assert_passed();
    }
}

static void
test_census(void)
{
    g_autoptr(TestHost) host = test_host_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(VfpHost) vhost = vfp_host_new();
    g_autoptr(GPtrArray) pools = NULL;
    g_autoptr(VfpLedger) ledger = NULL;
    g_autoptr(GHashTable) reserved = g_hash_table_new(g_str_hash, g_str_equal);
    VfpSelectContext context;
    VfpPoolCensus census;

    test_host_write_pool(host, "p", "<pool name='p'>" NET_PFS "<vfs create='8'/></pool>");
    claim("0000:b0:10.0", "0000:af:00.0", "a");
    g_hash_table_insert(reserved, (char *)"0000:3c:10.0", (char *)"b");
    pools = vfp_pool_load_all(&error);
    ledger = vfp_ledger_open(VFP_LEDGER_READ, &error);
    g_assert_no_error(error);
    context = (VfpSelectContext){vhost, pools, ledger, reserved};
    g_assert_true(vfp_select_pool_census(&context, pools->pdata[0], &census, &error));
    g_assert_cmpuint(census.total, ==, 16);
    g_assert_cmpuint(census.existing, ==, 12);
    g_assert_cmpuint(census.held, ==, 1);
    g_assert_cmpuint(census.reserved, ==, 1);
    /* 16 - held - reserved - host use (3b VF 5) - iommu (3b VF 6) - 4 uncreatable on af. */
    g_assert_cmpuint(census.free, ==, 8);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/select/pack", test_pack_fills_busiest_pf);
    g_test_add_func("/select/spread", test_spread_picks_idlest_pf);
    g_test_add_func("/select/spread-reservations", test_spread_counts_reservations);
    g_test_add_func("/select/numa-preferred", test_numa_preferred);
    g_test_add_func("/select/numa-required", test_numa_required);
    g_test_add_func("/select/numa-ignore", test_numa_ignore);
    g_test_add_func("/select/rejections", test_rejections_explained);
    g_test_add_func("/select/iommu-held-sibling", test_iommu_group_held_sibling);
    g_test_add_func("/select/vfio-open", test_vfio_open_outside_vfpool);
    g_test_add_func("/select/two-requests", test_two_requests_distinct);
    g_test_add_func("/select/reservation-kept", test_reservation_kept);
    g_test_add_func("/select/manual-edit", test_manual_edit_kept);
    g_test_add_func("/select/create-on-demand", test_create_on_demand);
    g_test_add_func("/select/no-create", test_no_creation_without_create);
    g_test_add_func("/select/unknown-pool", test_unknown_pool);
    g_test_add_func("/select/deterministic", test_deterministic);
    g_test_add_func("/select/census", test_census);
    return g_test_run();
}
