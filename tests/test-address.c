/* PCI addresses, VF address prediction and the L2 value parsers. */
#include "config.h"

#include "vfp-address.h"
#include "vfp-vfconfig.h"

static void
test_parse_format(void)
{
    VfpPciAddress address;
    g_autofree char *text = NULL;
    g_autofree char *short_form = vfp_pci_address_normalize("3B:02.3");

    g_assert_true(vfp_pci_address_parse("0000:3b:02.3", &address));
    g_assert_cmpuint(address.bus, ==, 0x3b);
    g_assert_cmpuint(address.slot, ==, 2);
    g_assert_cmpuint(address.function, ==, 3);
    text = vfp_pci_address_format(&address);
    g_assert_cmpstr(text, ==, "0000:3b:02.3");
    g_assert_cmpstr(short_form, ==, "0000:3b:02.3");
    for (const char *const *bad = (const char *const[]){"", "0000:3b:20.0", "0000:3b:02.8",
                                                        "0000:3b:02.3x", "x", "1:2", NULL};
         *bad; bad++)
        g_assert_false(vfp_pci_address_parse(*bad, &address));
    g_assert_false(vfp_pci_address_parse(NULL, &address));
}

static void
test_routing_id(void)
{
    VfpPciAddress pf, vf;

    vfp_pci_address_parse("0000:3b:00.0", &pf);
    /* 82576: First VF Offset 0x180, stride 2. */
    vf = vfp_pci_address_from_routing_id(0, vfp_pci_address_routing_id(&pf) + 0x180 + 5 * 2);
    g_assert_cmpuint(vf.bus, ==, 0x3c);
    g_assert_cmpuint(vf.slot, ==, 0x11);
    g_assert_cmpuint(vf.function, ==, 2);
}

static void
test_mac(void)
{
    g_autofree char *upper = vfp_mac_normalize("52:54:00:AB:cd:EF");

    g_assert_cmpstr(upper, ==, "52:54:00:ab:cd:ef");
    for (const char *const *bad =
             (const char *const[]){"01:00:5e:00:00:01", "00:00:00:00:00:00", "52:54:00:ab:cd",
                                   "52:54:00:ab:cd:ef:01", "52-54-00-ab-cd-ef", "5:54:00:ab:cd:ef",
                                   "zz:54:00:ab:cd:ef", "", NULL};
         *bad; bad++) {
        g_autofree char *mac = vfp_mac_normalize(*bad);

        g_assert_null(mac);
    }
}

static void
test_vlan_rate(void)
{
    int vlan;
    gint64 rate;

    g_assert_true(vfp_vlan_parse("0", &vlan) && vlan == 0);
    g_assert_true(vfp_vlan_parse("4094", &vlan) && vlan == 4094);
    g_assert_false(vfp_vlan_parse("4095", &vlan));
    g_assert_false(vfp_vlan_parse("-1", &vlan));
    g_assert_false(vfp_vlan_parse("42abc", &vlan));
    g_assert_false(vfp_vlan_parse("99999999999999999999", &vlan));
    g_assert_false(vfp_vlan_parse("", &vlan));
    g_assert_true(vfp_rate_parse("10000", &rate) && rate == 10000);
    g_assert_false(vfp_rate_parse("1e3", &rate));
}

static void
test_config_merge(void)
{
    VfpVfConfig request, pool;

    vfp_vf_config_init(&request);
    vfp_vf_config_init(&pool);
    request.trust = VFP_TRISTATE_ON;
    pool.trust = VFP_TRISTATE_OFF;
    pool.spoofchk = VFP_TRISTATE_ON;
    pool.max_tx_rate = 100;
    vfp_vf_config_merge(&request, &pool);
    g_assert_cmpint(request.trust, ==, VFP_TRISTATE_ON);
    g_assert_cmpint(request.spoofchk, ==, VFP_TRISTATE_ON);
    g_assert_cmpint(request.max_tx_rate, ==, 100);
    g_assert_cmpint(request.vlan, ==, -1);
    vfp_vf_config_clear(&request);
    vfp_vf_config_clear(&pool);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/address/parse-format", test_parse_format);
    g_test_add_func("/address/routing-id", test_routing_id);
    g_test_add_func("/vfconfig/mac", test_mac);
    g_test_add_func("/vfconfig/vlan-rate", test_vlan_rate);
    g_test_add_func("/vfconfig/merge", test_config_merge);
    return g_test_run();
}
