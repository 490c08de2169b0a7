/* Reading and writing sysfs attributes below an optional fake root. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vfp-error.h"
#include "vfp-sysfs.h"

static VfpSysfsWriteObserver write_observer;

void
vfp_sysfs_set_write_observer(VfpSysfsWriteObserver observer)
{
    write_observer = observer;
}

const char *
vfp_sysfs_root(void)
{
    const char *root = g_getenv("VFPOOL_SYSFS_ROOT");

    return root ? root : "";
}

/* FORMAT is an absolute path below /sys, e.g. "/bus/pci/devices/%s/%s". */
char *
vfp_sysfs_path(const char *format, ...)
{
    va_list args;
    g_autofree char *relative = NULL;

    va_start(args, format);
    relative = g_strdup_vprintf(format, args);
    va_end(args);
    return g_strconcat(vfp_sysfs_root(), "/sys", relative, NULL);
}

char *
vfp_sysfs_pci_file(const char *address, const char *file)
{
    if (file)
        return vfp_sysfs_path("/bus/pci/devices/%s/%s", address, file);
    return vfp_sysfs_path("/bus/pci/devices/%s", address);
}

gboolean
vfp_sysfs_read_string(const char *path, char **value, GError **error)
{
    g_autoptr(GError) local = NULL;
    char *contents = NULL;

    if (!g_file_get_contents(path, &contents, NULL, &local)) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_SYSFS, "cannot read %s: %s", path,
                    g_strerror(local->code == G_FILE_ERROR_NOENT ? ENOENT : EIO));
        return FALSE;
    }
    *value = g_strchomp(contents);
    return TRUE;
}

gboolean
vfp_sysfs_read_int(const char *path, gint64 *value, GError **error)
{
    g_autofree char *text = NULL;
    char *end = NULL;

    if (!vfp_sysfs_read_string(path, &text, error))
        return FALSE;
    errno = 0;
    *value = g_ascii_strtoll(text, &end, 0);
    if (errno != 0 || end == text || *end != '\0') {
        g_set_error(error, VFP_ERROR, VFP_ERROR_SYSFS, "%s holds '%s', not a number", path, text);
        return FALSE;
    }
    return TRUE;
}

/* For attributes that older kernels or some devices lack: a missing file gives FALLBACK, an
 * unreadable or garbled one is still an error. */
gboolean
vfp_sysfs_read_int_optional(const char *path, gint64 fallback, gint64 *value, GError **error)
{
    if (!vfp_sysfs_exists(path)) {
        *value = fallback;
        return TRUE;
    }
    return vfp_sysfs_read_int(path, value, error);
}

gboolean
vfp_sysfs_write(const char *path, const char *value, GError **error)
{
    /* O_TRUNC means nothing to sysfs but keeps a fake tree's regular files exact. */
    int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
    size_t len = strlen(value);
    ssize_t written;

    if (fd < 0) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_SYSFS, "cannot open %s for writing: %s", path,
                    g_strerror(errno));
        return FALSE;
    }
    /* sysfs attributes take one write; a short write is the kernel refusing the value. */
    written = write(fd, value, len);
    if (written < 0 || (size_t)written != len) {
        int saved = written < 0 ? errno : EIO;

        close(fd);
        g_set_error(error, VFP_ERROR, VFP_ERROR_SYSFS, "cannot write '%s' to %s: %s", value, path,
                    g_strerror(saved));
        return FALSE;
    }
    if (close(fd) < 0) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_SYSFS, "cannot write '%s' to %s: %s", value, path,
                    g_strerror(errno));
        return FALSE;
    }
    if (write_observer)
        write_observer(path, value);
    return TRUE;
}

/* The last component of a symlink's target ("driver" -> "../../bus/pci/drivers/igb" gives
 * "igb"), or NULL when PATH is not a link. */
char *
vfp_sysfs_link_name(const char *path)
{
    g_autofree char *target = g_file_read_link(path, NULL);

    if (!target)
        return NULL;
    return g_path_get_basename(target);
}

gboolean
vfp_sysfs_exists(const char *path)
{
    return access(path, F_OK) == 0;
}
