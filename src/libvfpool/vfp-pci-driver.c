/* Binding VFs to vfio-pci (or a variant driver) and back to their host driver. */
#include "config.h"

#include "vfp-error.h"
#include "vfp-sysfs.h"
#include "vfp-pci-driver.h"

char *
vfp_pci_driver_get(const char *address)
{
    g_autofree char *link = vfp_sysfs_pci_file(address, "driver");

    return vfp_sysfs_link_name(link);
}

static gboolean
write_pci_file(const char *address, const char *file, const char *value, GError **error)
{
    g_autofree char *path = vfp_sysfs_pci_file(address, file);

    return vfp_sysfs_write(path, value, error);
}

/* Binds ADDRESS to DRIVER; a NULL DRIVER leaves the function unbound. driver_override is
 * cleared again afterwards so a later probe (or reboot) does what the host would do. */
gboolean
vfp_pci_driver_bind(const char *address, const char *driver, GError **error)
{
    g_autofree char *current = vfp_pci_driver_get(address);
    g_autofree char *probe = NULL;
    g_autofree char *bound = NULL;

    if (g_strcmp0(current, driver) == 0)
        return TRUE;
    if (!write_pci_file(address, "driver_override", driver ? driver : "\n", error))
        return FALSE;
    if (current && !write_pci_file(address, "driver/unbind", address, error))
        return FALSE;
    if (!driver)
        return TRUE;
    probe = vfp_sysfs_path("/bus/pci/drivers_probe");
    if (!vfp_sysfs_write(probe, address, error))
        return FALSE;
    bound = vfp_pci_driver_get(address);
    write_pci_file(address, "driver_override", "\n", NULL);
    if (g_strcmp0(bound, driver) != 0) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_FAILED,
                    "VF %s did not bind to %s (it has %s); is the %s module loaded?", address,
                    driver, bound ? bound : "no driver", driver);
        return FALSE;
    }
    return TRUE;
}

/* Unbinds ADDRESS and lets the kernel pick its own driver again, as after hot-plug. */
gboolean
vfp_pci_driver_give_back(const char *address, GError **error)
{
    g_autofree char *probe = vfp_sysfs_path("/bus/pci/drivers_probe");
    g_autofree char *current = vfp_pci_driver_get(address);

    if (!write_pci_file(address, "driver_override", "\n", error))
        return FALSE;
    if (current && !write_pci_file(address, "driver/unbind", address, error))
        return FALSE;
    return vfp_sysfs_write(probe, address, error);
}
