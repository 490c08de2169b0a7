/* Fuzz target: a PCI address as text, as users, pool files, domain XML and sysfs links give it.
 * What parses must format to a form that normalizes to itself and parses to the same numbers. */
#include "config.h"

#include "fuzz-common.h"
#include "vfp-address.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_init();
    return 0;
}

static gboolean
same(const VfpPciAddress *a, const VfpPciAddress *b)
{
    return a->domain == b->domain && a->bus == b->bus && a->slot == b->slot &&
           a->function == b->function;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *text = g_strndup((const char *)data, size);
    g_autofree char *normalized = vfp_pci_address_normalize(text);
    g_autofree char *formatted = NULL;
    g_autofree char *again = NULL;
    VfpPciAddress address, reparsed, routed;

    if (!vfp_pci_address_parse(text, &address)) {
        if (normalized)
            fuzz_fail("'%s' does not parse but normalizes to '%s'", text, normalized);
        return 0;
    }
    formatted = vfp_pci_address_format(&address);
    if (g_strcmp0(normalized, formatted) != 0)
        fuzz_fail("'%s' normalizes to '%s' but formats as '%s'", text, normalized, formatted);
    again = vfp_pci_address_normalize(formatted);
    if (g_strcmp0(again, formatted) != 0)
        fuzz_fail("'%s' normalizes to '%s', not to itself", formatted, again);
    if (!vfp_pci_address_parse(formatted, &reparsed) || !same(&address, &reparsed))
        fuzz_fail("'%s' does not parse back to the numbers of '%s'", formatted, text);
    routed = vfp_pci_address_from_routing_id(address.domain, vfp_pci_address_routing_id(&address));
    if (!same(&address, &routed))
        fuzz_fail("the routing ID of '%s' gives another address", formatted);
    return 0;
}
