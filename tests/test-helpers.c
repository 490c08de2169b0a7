/* Fake hosts for the C unit tests. */
#include "config.h"

#include <glib/gstdio.h>
#include <stdlib.h>

#include "test-helpers.h"

static const char *
top_srcdir(void)
{
    const char *dir = g_getenv("abs_top_srcdir");

    return dir ? dir : ".";
}

static void
run_or_abort(char **argv)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    int status;

    if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status,
                      &error) ||
        !g_spawn_check_wait_status(status, &error))
        g_error("%s failed: %s\n%s", argv[0], error->message, err ? err : "");
}

TestHost *
test_host_new(void)
{
    TestHost *host = g_new0(TestHost, 1);
    g_autofree char *script = g_build_filename(top_srcdir(), "tests", "data", "host1.sh", NULL);
    g_autoptr(GError) error = NULL;
    char *argv[] = {(char *)"sh", script, NULL, NULL};

    host->dir = g_dir_make_tmp("vfpool-test-XXXXXX", &error);
    g_assert_no_error(error);
    host->sysfs_root = g_build_filename(host->dir, "root", NULL);
    host->conf_dir = g_build_filename(host->dir, "conf", NULL);
    host->state_dir = g_build_filename(host->dir, "state", NULL);
    argv[2] = host->sysfs_root;
    run_or_abort(argv);
    g_autofree char *pools_d = g_build_filename(host->conf_dir, "pools.d", NULL);
    g_mkdir_with_parents(pools_d, 0755);
    g_setenv("VFPOOL_SYSFS_ROOT", host->sysfs_root, TRUE);
    g_setenv("VFPOOL_CONF_DIR", host->conf_dir, TRUE);
    g_setenv("VFPOOL_STATE_DIR", host->state_dir, TRUE);
    return host;
}

/* Runs a shell snippet with tests/fakesys.sh loaded and $ROOT set, to change the fake host. */
void
test_host_sh(TestHost *host, const char *script)
{
    g_autofree char *lib = g_build_filename(top_srcdir(), "tests", "fakesys.sh", NULL);
    g_autofree char *full = g_strdup_printf(". '%s'; ROOT='%s'; %s", lib, host->sysfs_root, script);
    char *argv[] = {(char *)"sh", (char *)"-ec", full, NULL};

    run_or_abort(argv);
}

void
test_host_write_pool(TestHost *host, const char *name, const char *xml)
{
    g_autofree char *file = g_strdup_printf("%s.xml", name);
    g_autofree char *path = g_build_filename(host->conf_dir, "pools.d", file, NULL);
    g_autoptr(GError) error = NULL;

    g_file_set_contents(path, xml, -1, &error);
    g_assert_no_error(error);
}

void
test_host_free(TestHost *host)
{
    char *argv[] = {(char *)"rm", (char *)"-rf", host->dir, NULL};

    if (!host)
        return;
    run_or_abort(argv);
    g_free(host->dir);
    g_free(host->sysfs_root);
    g_free(host->conf_dir);
    g_free(host->state_dir);
    g_free(host);
}
