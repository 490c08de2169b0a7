/* PCI address parsing and the routing-ID arithmetic SR-IOV uses to place VFs. */
#include "config.h"

#include <stdio.h>

#include "vfp-address.h"

/* Accepts "DDDD:BB:SS.F" and the short "BB:SS.F" (domain 0), as lspci prints them. */
gboolean
vfp_pci_address_parse(const char *text, VfpPciAddress *address)
{
    unsigned int domain = 0, bus, slot, function;
    int consumed = 0;

    if (!text)
        return FALSE;
    if (sscanf(text, "%x:%x:%x.%x%n", &domain, &bus, &slot, &function, &consumed) != 4 ||
        text[consumed] != '\0') {
        domain = 0;
        consumed = 0;
        if (sscanf(text, "%x:%x.%x%n", &bus, &slot, &function, &consumed) != 3 ||
            text[consumed] != '\0')
            return FALSE;
    }
    if (domain > 0xffff || bus > 0xff || slot > 0x1f || function > 7)
        return FALSE;
    address->domain = domain;
    address->bus = bus;
    address->slot = slot;
    address->function = function;
    return TRUE;
}

char *
vfp_pci_address_format(const VfpPciAddress *address)
{
    return g_strdup_printf("%04x:%02x:%02x.%x", address->domain, address->bus, address->slot,
                           address->function);
}

/* The canonical lower-case long form, or NULL if TEXT is not a PCI address. */
char *
vfp_pci_address_normalize(const char *text)
{
    VfpPciAddress address;

    if (!vfp_pci_address_parse(text, &address))
        return NULL;
    return vfp_pci_address_format(&address);
}

guint
vfp_pci_address_routing_id(const VfpPciAddress *address)
{
    return address->bus << 8 | address->slot << 3 | address->function;
}

VfpPciAddress
vfp_pci_address_from_routing_id(guint domain, guint routing_id)
{
    VfpPciAddress address = {
        .domain = domain,
        .bus = (routing_id >> 8) & 0xff,
        .slot = (routing_id >> 3) & 0x1f,
        .function = routing_id & 7,
    };

    return address;
}
