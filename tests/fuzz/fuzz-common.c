/* Shared set-up of the fuzz targets. */
#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <glib/gstdio.h>

#include "fuzz-common.h"
#include "vfp-error.h"
#include "vfp-netlink.h"

static char *tmpdir;

static void
drop_message(const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
}

/* GLib ends a fatal message with SIGTRAP, which libFuzzer does not catch (no input saved):
 * abort instead, which it does. */
static void
abort_on_critical(const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
    g_log_default_handler(domain, level, message, data);
    if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR | G_LOG_FLAG_FATAL))
        abort();
}

static void
abort_on_trap(int signal)
{
    abort();
}

void
fuzz_init(void)
{
    static gboolean done;

    if (done)
        return;
    done = TRUE;
    g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
    g_log_set_default_handler(abort_on_critical, NULL);
    signal(SIGTRAP, abort_on_trap);
    g_log_set_handler(G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG,
                      drop_message, NULL);
}

void
fuzz_fail(const char *format, ...)
{
    va_list args;

    va_start(args, format);
    fputs("fuzz: ", stderr);
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
    va_end(args);
    abort();
}

const char *
fuzz_top_srcdir(void)
{
    const char *dir = g_getenv("abs_top_srcdir");

    return dir && *dir ? dir : FUZZ_TOP_SRCDIR;
}

static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    remove(path);
    return 0;
}

static void
remove_tmpdir(void)
{
    nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *
fuzz_tmpdir(void)
{
    g_autoptr(GError) error = NULL;

    if (!tmpdir) {
        tmpdir = g_dir_make_tmp("vfpool-fuzz-XXXXXX", &error);
        if (!tmpdir)
            fuzz_fail("cannot make a temporary directory: %s", error->message);
        atexit(remove_tmpdir);
    }
    return tmpdir;
}

char *
fuzz_make_dir(const char *name, const char *variable)
{
    char *dir = g_build_filename(fuzz_tmpdir(), name, NULL);

    if (g_mkdir_with_parents(dir, 0755) < 0)
        fuzz_fail("cannot make %s: %s", dir, g_strerror(errno));
    if (variable)
        g_setenv(variable, dir, TRUE);
    return dir;
}

char *
fuzz_write_file(const char *dir, const char *name, const uint8_t *data, size_t size)
{
    g_autoptr(GError) error = NULL;
    char *path = g_build_filename(dir, name, NULL);

    if (!g_file_set_contents(path, (const char *)data, size, &error))
        fuzz_fail("cannot write %s: %s", path, error->message);
    return path;
}

static gboolean
no_addresses(const char *ifname, gboolean *has_addresses, GError **error)
{
    *has_addresses = FALSE;
    return TRUE;
}

static gboolean
vf_get(const char *pf_ifname, guint vf_index, VfpVfConfig *config, GError **error)
{
    return TRUE;
}

static gboolean
vf_set(const char *pf_ifname, guint vf_index, VfpVfField field, const VfpVfConfig *config,
       GError **error)
{
    g_set_error(error, VFP_ERROR, VFP_ERROR_UNSUPPORTED, "the fuzz targets change no VF");
    return FALSE;
}

static const VfpNetlinkOps fuzz_netlink = {
    .name = "fuzz",
    .link_has_addresses = no_addresses,
    .vf_get = vf_get,
    .vf_set = vf_set,
};

void
fuzz_fake_host(void)
{
    static char *root;
    g_autofree char *script = NULL;
    g_autofree char *err = NULL;
    g_autoptr(GError) error = NULL;
    int status;

    if (root)
        return;
    root = g_build_filename(fuzz_tmpdir(), "sysfs", NULL);
    script = g_build_filename(fuzz_top_srcdir(), "tests", "data", "host1.sh", NULL);
    {
        char *argv[] = {(char *)"sh", script, root, NULL};

        if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                          NULL, NULL, &err, &status, &error) ||
            !g_spawn_check_wait_status(status, &error))
            fuzz_fail("%s failed (set abs_top_srcdir to the source tree): %s\n%s", script,
                      error->message, err ? err : "");
    }
    g_setenv("VFPOOL_SYSFS_ROOT", root, TRUE);
    vfp_netlink_set(&fuzz_netlink);
}
