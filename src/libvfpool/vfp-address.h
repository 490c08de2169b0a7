/* PCI addresses ("0000:3b:02.3") as text and as numbers. */
#pragma once

#include <glib.h>

typedef struct {
    guint domain;
    guint bus;
    guint slot;
    guint function;
} VfpPciAddress;

gboolean vfp_pci_address_parse(const char *text, VfpPciAddress *address);
char *vfp_pci_address_format(const VfpPciAddress *address);
char *vfp_pci_address_normalize(const char *text);
guint vfp_pci_address_routing_id(const VfpPciAddress *address);
VfpPciAddress vfp_pci_address_from_routing_id(guint domain, guint routing_id);
