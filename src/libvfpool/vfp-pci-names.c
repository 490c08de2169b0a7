/* Vendor and device names from the pci.ids database through libpci. Only the listings use
 * them: the hook worker must not link this file's libpci (see README.md). */
#include "config.h"

#include <pci/pci.h>
#include <setjmp.h>

#include "vfp-pci-names.h"
#include "vfp-sysfs.h"

struct _VfpPciNames {
    struct pci_access *pci; /* created on first lookup */
    gboolean broken;        /* libpci failed once: names are numeric */
};

VfpPciNames *
vfp_pci_names_new(void)
{
    return g_new0(VfpPciNames, 1);
}

void
vfp_pci_names_free(VfpPciNames *names)
{
    if (!names)
        return;
    if (names->pci)
        pci_cleanup(names->pci);
    g_free(names);
}

static void
pci_message_ignore(char *msg, ...)
{
}

/* libpci's error callback must not return (a broken pci.ids makes it fail), and the library
 * never exits: jump back to the lookup, which falls back to the numeric IDs. */
static sigjmp_buf pci_failure;

G_GNUC_NORETURN static void
pci_error_jump(char *msg, ...)
{
    siglongjmp(pci_failure, 1);
}

/* "Intel Corporation 82576 Virtual Function", from the pci.ids database via libpci; the sysfs
 * backend is pointed at the same root so nothing is read from the real host by mistake. The
 * numeric "[8086:10ca]" when the database does not say, or cannot be read. */
char *
vfp_pci_names_device(VfpPciNames *names, guint vendor_id, guint device_id)
{
    char vendor[128], device[256];

    if (!names->pci && !names->broken) {
        g_autofree char *bus = vfp_sysfs_path("/bus/pci");

        names->pci = pci_alloc();
        names->pci->error = pci_error_jump;
        names->pci->warning = pci_message_ignore;
        names->pci->debug = pci_message_ignore;
        pci_set_param(names->pci, "sysfs.path", bus);
    }
    if (names->broken)
        return g_strdup_printf("[%04x:%04x]", vendor_id, device_id);
    if (sigsetjmp(pci_failure, 0) != 0) {
        /* Whatever libpci held is abandoned with it; names stay numeric from now on. */
        g_warning("libpci cannot read the PCI ID database (pci.ids): device names are "
                  "shown as numbers");
        names->pci = NULL;
        names->broken = TRUE;
        return g_strdup_printf("[%04x:%04x]", vendor_id, device_id);
    }
    if (!pci_lookup_name(names->pci, vendor, sizeof(vendor), PCI_LOOKUP_VENDOR | PCI_LOOKUP_NO_HWDB,
                         vendor_id) ||
        !pci_lookup_name(names->pci, device, sizeof(device), PCI_LOOKUP_DEVICE | PCI_LOOKUP_NO_HWDB,
                         vendor_id, device_id))
        return g_strdup_printf("[%04x:%04x]", vendor_id, device_id);
    return g_strdup_printf("%s %s", vendor, device);
}
