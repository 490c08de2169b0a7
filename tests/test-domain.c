/* Domain XML: requests, reservations, NUMA from <numatune>, and bad input. */
#include "config.h"

#include <string.h>

#include "vfp-domain.h"
#include "vfp-error.h"

#define NS "xmlns:v='http://vfpool.org/xmlns/libvirt/domain/1.0'"

static VfpDomain *
parse(const char *xml, GError **error)
{
    return vfp_domain_parse(xml, strlen(xml), error);
}

static void
test_requests(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfpDomain) domain =
        parse("<domain><name>d</name><uuid>u</uuid>"
              "<numatune><memory nodeset='2-3,^2,5'/></numatune><metadata><v:vfpool " NS ">"
              "<v:vf alias='ua-a' pool='p' mac='52:54:00:AA:00:01' vlan='42' qos='3' trust='on'/>"
              "<v:vf alias='ua-b' pool='q' numa='1' link-state='disable'/>"
              "<v:reservation alias='ua-a' address='0000:3c:10.0' pf='0000:3b:00.0' index='0'/>"
              "</v:vfpool></metadata></domain>",
              &error);
    VfpRequest *a, *b;

    g_assert_no_error(error);
    g_assert_cmpstr(domain->name, ==, "d");
    g_assert_cmpuint(domain->requests->len, ==, 2);
    a = g_ptr_array_index(domain->requests, 0);
    b = g_ptr_array_index(domain->requests, 1);
    g_assert_cmpstr(a->config.mac, ==, "52:54:00:aa:00:01");
    g_assert_cmpint(a->config.vlan, ==, 42);
    g_assert_cmpint(a->config.vlan_qos, ==, 3);
    g_assert_cmpint(a->config.trust, ==, VFP_TRISTATE_ON);
    g_assert_cmpint(b->config.link_state, ==, VFP_LINK_STATE_DISABLE);
    g_assert_cmpint(vfp_domain_request_numa(domain, a), ==, 3);
    g_assert_true(vfp_domain_numa_allows(domain, a, 5));
    g_assert_false(vfp_domain_numa_allows(domain, a, 2));
    g_assert_cmpint(vfp_domain_request_numa(domain, b), ==, 1);
    g_assert_false(vfp_domain_numa_allows(domain, b, 3));
    g_assert_cmpstr(vfp_domain_find_reservation(domain, "ua-a")->address, ==, "0000:3c:10.0");
    g_assert_null(vfp_domain_find_reservation(domain, "ua-b"));
}

/* The status message is quoted in one-line errors: its author cannot add lines to them. */
static void
test_status_message(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfpDomain) domain =
        parse("<domain><name>d</name><metadata><v:vfpool " NS "><v:vf alias='ua-a' pool='p'/>"
              "<v:status state='waiting' since='2026-01-01T00:00:00Z' "
              "message='full&#10;vfpool: forged&#13;&#9;line'/></v:vfpool></metadata></domain>",
              &error);

    g_assert_no_error(error);
    g_assert_cmpint(domain->status.state, ==, VFP_STATUS_WAITING);
    g_assert_cmpstr(domain->status.message, ==, "full vfpool: forged  line");
}

static void
test_plain_domain(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfpDomain) domain = parse(
        "<domain><name>plain</name><metadata><x:y xmlns:x='urn:x'/></metadata></domain>", &error);

    g_assert_no_error(error);
    g_assert_cmpuint(domain->requests->len, ==, 0);
}

static void
assert_bad(const char *xml, const char *fragment)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfpDomain) domain = parse(xml, &error);

    g_assert_null(domain);
    g_assert_nonnull(error);
    if (!strstr(error->message, fragment))
        g_error("'%s' does not mention '%s'", error->message, fragment);
    g_assert_null(strchr(error->message, '\n'));
}

#define WRAP(requests)                                                                             \
    "<domain><name>d</name><metadata><v:vfpool " NS ">" requests "</v:vfpool></metadata></domain>"

static void
test_bad_input(void)
{
    assert_bad("", "not well-formed");
    assert_bad("<domain><name>d</name>", "not well-formed");
    assert_bad("<network/>", "not a libvirt <domain>");
    assert_bad("<domain/>", "no <name>");
    assert_bad(WRAP("<v:vf alias='ua-a' pool='p'/><v:vf alias='ua-a' pool='q'/>"),
               "alias 'ua-a' is used by two");
    assert_bad(WRAP("<v:vf alias='ua-a' pool='p' mac='ff:ff:ff:ff:ff:ff'/>"), "mac");
    assert_bad(WRAP("<v:vf alias='ua-a' pool='p' vlan='4095'/>"), "vlan '4095'");
    assert_bad(WRAP("<v:vf alias='ua-a' pool='p' vlan='-1'/>"), "vlan");
    assert_bad(WRAP("<v:vf alias='ua-a' pool='p' trust='yes'/>"), "trust");
    assert_bad(WRAP("<v:vf alias='a' pool='p'/>"), "schema");
    assert_bad(WRAP("<v:vf alias='ua-a'/>"), "schema");
    assert_bad(WRAP("<v:vf alias='ua-a' pool='../../etc'/>"), "schema");
    assert_bad(WRAP("<v:vf alias='ua-a' pool='p' bogus='1'/>"), "schema");
    assert_bad(WRAP("<v:reservation alias='ua-a' address='0000:3c:10.0' pf='x' index='0'/>"),
               "schema");
    assert_bad("<domain><name>d</name><numatune><memory nodeset='a-b'/></numatune></domain>",
               "nodeset");
}

/* What hot-plug edits: moving a request to a domain without vfpool metadata, pointing it at
 * another VF, the device and metadata handed to libvirt, and removing it again. */
static void
test_edit_requests(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfpDomain) from =
        parse("<domain><name>a</name><metadata><v:vfpool " NS ">"
              "<v:vf alias='ua-net' pool='p' mac='52:54:00:aa:00:01' vlan='7'/>"
              "<v:reservation alias='ua-net' address='0000:3c:10.0' pf='0000:3b:00.0' index='0'/>"
              "</v:vfpool></metadata><devices>"
              "<interface type='hostdev' managed='yes'><mac address='52:54:00:aa:00:01'/>"
              "<source><address type='pci' domain='0x0000' bus='0x3c' slot='0x10' function='0x0'/>"
              "</source><alias name='ua-net'/>"
              "<address type='pci' domain='0x0000' bus='0x07' slot='0x00' function='0x0'/>"
              "</interface></devices></domain>",
              &error);
    g_autoptr(VfpDomain) to =
        parse("<domain><name>b</name><memory>1</memory><devices/></domain>", &error);
    g_auto(VfpDeviceInfo) device = {0};
    g_autofree char *with_address = NULL;
    g_autofree char *without_address = NULL;
    g_autofree char *metadata = NULL;
    VfpAssignment assignment = {0};

    g_assert_no_error(error);
    with_address = vfp_domain_device_to_string(from, "ua-net", TRUE);
    without_address = vfp_domain_device_to_string(from, "ua-net", FALSE);
    g_assert_nonnull(strstr(with_address, "bus=\"0x07\""));
    g_assert_null(strstr(without_address, "bus=\"0x07\""));
    g_assert_nonnull(strstr(without_address, "bus=\"0x3c\""));
    vfp_device_info_from_xml(without_address, &device);
    g_assert_true(device.found && device.network && device.managed);
    g_assert_cmpstr(device.address, ==, "0000:3c:10.0");

    g_assert_true(vfp_domain_add_request(to, from, "ua-net", &error));
    g_assert_no_error(error);
    g_assert_nonnull(vfp_domain_find_request(to, "ua-net"));
    assignment = (VfpAssignment){
        vfp_domain_find_request(to, "ua-net"), "0000:3c:10.2", "0000:3b:00.0", 1, TRUE, TRUE};
    g_assert_true(vfp_domain_set_reservation(to, &assignment, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(vfp_domain_find_reservation(to, "ua-net")->address, ==, "0000:3c:10.2");
    vfp_device_info_clear(&device);
    vfp_domain_get_device(to, "ua-net", &device);
    g_assert_cmpstr(device.address, ==, "0000:3c:10.2");

    /* libvirt adds the vfpool: prefix itself and refuses a declared one. */
    metadata = vfp_domain_metadata_to_string(to);
    g_assert_true(g_str_has_prefix(
        metadata, "<vfpool xmlns=\"http://vfpool.org/xmlns/libvirt/domain/1.0\">"));
    g_assert_null(strstr(metadata, "xmlns:"));
    g_assert_nonnull(strstr(metadata, "<reservation alias=\"ua-net\" address=\"0000:3c:10.2\""));

    g_assert_true(vfp_domain_set_request_pool(to, "ua-net", "q", &error));
    g_assert_cmpstr(vfp_domain_find_request(to, "ua-net")->pool, ==, "q");
    g_assert_true(vfp_domain_remove_request(from, "ua-net", &error));
    g_assert_no_error(error);
    g_assert_null(vfp_domain_find_request(from, "ua-net"));
    g_assert_null(vfp_domain_find_reservation(from, "ua-net"));
    vfp_device_info_clear(&device);
    vfp_domain_get_device(from, "ua-net", &device);
    g_assert_false(device.found);
    g_assert_false(vfp_domain_add_request(to, from, "ua-net", &error));
    g_assert_error(error, VFP_ERROR, VFP_ERROR_NOT_FOUND);
}

/* A domain as it runs (LIVE_VF in its device and reservation) or as its definition says. */
static VfpDomain *
parse_with_vf(const char *vf, const char *pool, const char *extra_request, GError **error)
{
    g_autofree char *bus = g_strndup(vf + 5, 2);
    g_autofree char *slot = g_strndup(vf + 8, 2);
    g_autofree char *xml = g_strdup_printf(
        "<domain><name>d</name><uuid>u</uuid><metadata><v:vfpool " NS ">"
        "<v:vf alias='ua-net' pool='%s'/>%s"
        "<v:reservation alias='ua-net' address='%s' pf='0000:3b:00.0' index='1' vendor='0x8086' "
        "device='0x10ca'/></v:vfpool></metadata><devices>"
        "<hostdev mode='subsystem' type='pci' managed='yes'><source>"
        "<address type='pci' domain='0x0000' bus='0x%s' slot='0x%s' function='0x%c'/></source>"
        "<alias name='ua-net'/></hostdev></devices></domain>",
        pool, extra_request, vf, bus, slot, vf[11]);

    return parse(xml, error);
}

/* After a migration the running domain holds one VF and its definition names another: the
 * definition is made to reserve the held one, and only for requests both make from the
 * same pool. */
static void
test_stale_reservations(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfpDomain) live = parse_with_vf("0000:3c:10.2", "p", "", &error);
    g_autoptr(VfpDomain) config =
        parse_with_vf("0000:3c:10.4", "p", "<v:vf alias='ua-new' pool='p'/>", &error);
    g_autoptr(VfpDomain) same = parse_with_vf("0000:3c:10.2", "p", "", &error);
    g_autoptr(VfpDomain) other_pool = parse_with_vf("0000:3c:10.4", "q", "", &error);
    g_autoptr(GPtrArray) stale = NULL;
    g_auto(VfpDeviceInfo) device = {0};
    const VfpReservation *reservation;

    g_assert_no_error(error);
    g_assert_null(vfp_domain_stale_reservations(same, live));
    g_assert_null(vfp_domain_stale_reservations(other_pool, live));
    stale = vfp_domain_stale_reservations(config, live);
    g_assert_nonnull(stale);
    g_assert_cmpuint(stale->len, ==, 1);
    g_assert_cmpstr(g_ptr_array_index(stale, 0), ==, "ua-net");

    g_assert_true(vfp_domain_copy_reservation(config, live, "ua-net", &error));
    g_assert_no_error(error);
    reservation = vfp_domain_find_reservation(config, "ua-net");
    g_assert_cmpstr(reservation->address, ==, "0000:3c:10.2");
    g_assert_cmpuint(reservation->vendor_id, ==, 0x8086);
    g_assert_cmpuint(reservation->device_id, ==, 0x10ca);
    vfp_domain_get_device(config, "ua-net", &device);
    g_assert_cmpstr(device.address, ==, "0000:3c:10.2");
    g_assert_nonnull(vfp_domain_find_request(config, "ua-new"));
    g_assert_null(vfp_domain_stale_reservations(config, live));

    g_assert_false(vfp_domain_copy_reservation(config, live, "ua-new", &error));
    g_assert_error(error, VFP_ERROR, VFP_ERROR_NOT_FOUND);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/domain/requests", test_requests);
    g_test_add_func("/domain/plain", test_plain_domain);
    g_test_add_func("/domain/status-message", test_status_message);
    g_test_add_func("/domain/bad", test_bad_input);
    g_test_add_func("/domain/edit", test_edit_requests);
    g_test_add_func("/domain/stale-reservations", test_stale_reservations);
    return g_test_run();
}
