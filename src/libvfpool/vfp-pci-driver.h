/* Moving a PCI function between drivers the way the kernel wants it (libvirt's protocol):
 * driver_override, unbind, drivers_probe — never new_id, which would grab every device with
 * the same IDs. */
#pragma once

#include <glib.h>

char *vfp_pci_driver_get(const char *address);
gboolean vfp_pci_driver_bind(const char *address, const char *driver, GError **error);
gboolean vfp_pci_driver_give_back(const char *address, GError **error);
