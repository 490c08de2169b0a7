/* Access to sysfs. Every /sys path is built by vfp_sysfs_path(), which alone knows about
 * VFPOOL_SYSFS_ROOT, so tests can point the whole library at a fake tree. */
#pragma once

#include <glib.h>

const char *vfp_sysfs_root(void);
char *vfp_sysfs_path(const char *format, ...) G_GNUC_PRINTF(1, 2);
char *vfp_sysfs_pci_file(const char *address, const char *file);

gboolean vfp_sysfs_read_string(const char *path, char **value, GError **error);
gboolean vfp_sysfs_read_int(const char *path, gint64 *value, GError **error);
gboolean vfp_sysfs_read_int_optional(const char *path, gint64 fallback, gint64 *value,
                                     GError **error);
gboolean vfp_sysfs_write(const char *path, const char *value, GError **error);
char *vfp_sysfs_link_name(const char *path);

/* Tests install an observer that plays the kernel's part after each write (creating VFs,
 * binding drivers) on a fake tree, as libvirt's virpcimock does. */
typedef void (*VfpSysfsWriteObserver)(const char *path, const char *value);
void vfp_sysfs_set_write_observer(VfpSysfsWriteObserver observer);
gboolean vfp_sysfs_exists(const char *path);
