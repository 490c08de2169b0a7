/* Vendor and device names of PCI IDs, for the listings. Apart from vfp-host so the hook
 * worker, which never shows a name, does not load libpci (and libudev with it). */
#pragma once

#include <glib.h>

typedef struct _VfpPciNames VfpPciNames;

VfpPciNames *vfp_pci_names_new(void);
void vfp_pci_names_free(VfpPciNames *names);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfpPciNames, vfp_pci_names_free)

char *vfp_pci_names_device(VfpPciNames *names, guint vendor_id, guint device_id);
