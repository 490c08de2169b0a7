/* Pool files: what they say, and every way they can be wrong. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "test-helpers.h"
#include "vfp-error.h"
#include "vfp-pool.h"

static void
test_full_pool(void)
{
    g_autoptr(TestHost) host = test_host_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) pools = NULL;
    g_autoptr(VfpHost) vhost = vfp_host_new();
    g_autoptr(GPtrArray) pfs = NULL;
    VfpPool *pool;

    test_host_write_pool(host, "net-a",
                         "<pool name='net-a'>\n"
                         "  <pf address='3b:00.0'/>\n"
                         "  <pf netdev='enp175s0f0'/>\n"
                         "  <pf vendor='0x15b3' device='101d'/>\n"
                         "  <vfs create='16' range='0-3,8'/>\n"
                         "  <driver name='vfio-pci'/>\n"
                         "  <select policy='spread' numa='required'/>\n"
                         "  <net spoofchk='on' trust='off' link-state='disable' "
                         "min-tx-rate='10' max-tx-rate='100'/>\n"
                         "</pool>\n");
    pools = vfp_pool_load_all(&error);
    g_assert_no_error(error);
    g_assert_cmpuint(pools->len, ==, 1);
    pool = g_ptr_array_index(pools, 0);
    g_assert_cmpstr(pool->name, ==, "net-a");
    g_assert_cmpuint(pool->create, ==, 16);
    g_assert_true(vfp_pool_has_index(pool, 3));
    g_assert_false(vfp_pool_has_index(pool, 4));
    g_assert_true(vfp_pool_has_index(pool, 8));
    g_assert_cmpint(pool->policy, ==, VFP_POLICY_SPREAD);
    g_assert_cmpint(pool->numa, ==, VFP_NUMA_REQUIRED);
    g_assert_cmpint(pool->net.spoofchk, ==, VFP_TRISTATE_ON);
    g_assert_cmpint(pool->net.trust, ==, VFP_TRISTATE_OFF);
    g_assert_cmpint(pool->net.link_state, ==, VFP_LINK_STATE_DISABLE);
    g_assert_cmpint(pool->net.max_tx_rate, ==, 100);
    g_assert_true(vfp_pool_driver_is_managed(pool));
    pfs = vfp_pool_get_pfs(pool, vhost, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(pfs->len, ==, 3);
    g_assert_cmpstr(((VfpPf *)pfs->pdata[0])->address, ==, "0000:3b:00.0");
    g_assert_cmpstr(((VfpPf *)pfs->pdata[1])->address, ==, "0000:af:00.0");
    g_assert_cmpstr(((VfpPf *)pfs->pdata[2])->address, ==, "0000:d8:00.0");
    g_assert_cmpuint(vfp_pool_vf_limit(pool, pfs->pdata[1]), ==, 8);
}

static void
assert_bad_pool(const char *xml, const char *fragment)
{
    g_autoptr(TestHost) host = test_host_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) pools = NULL;

    test_host_write_pool(host, "p", xml);
    pools = vfp_pool_load_all(&error);
    g_assert_null(pools);
    g_assert_error(error, VFP_ERROR, VFP_ERROR_INVALID);
    if (!strstr(error->message, fragment))
        g_error("'%s' does not mention '%s'", error->message, fragment);
    g_assert_null(strchr(error->message, '\n'));
    g_assert_nonnull(strstr(error->message, "p.xml"));
}

static void
test_bad_pools(void)
{
    assert_bad_pool("<pool name='p'><pf address='0000:3b:00.0'>", "not well-formed");
    assert_bad_pool("<pool name='p'/>", "schema");
    assert_bad_pool("<pool name='p'><pf address='zz'/></pool>", "schema");
    assert_bad_pool("<pool name='p'><pf address='0000:3b:00.0'/><select policy='random'/></pool>",
                    "schema");
    assert_bad_pool("<pool name='q'><pf address='0000:3b:00.0'/></pool>", "rename");
    assert_bad_pool("<pool name='p'><pf address='0000:3b:00.0'/><vfs range='9-3'/></pool>",
                    "range");
    assert_bad_pool("<pool name='p'><pf address='0000:3b:00.0'/><net min-tx-rate='50' "
                    "max-tx-rate='10'/></pool>",
                    "min-tx-rate");
    assert_bad_pool("<?xml version='1.0'?><!DOCTYPE p [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>"
                    "<pool name='p'><pf netdev='&e;'/></pool>",
                    "p.xml");
}

/* The hook reads pool files with remembered checks: the same refusals, in the same words. */
static void
test_bad_pools_remembered(void)
{
    vfp_pool_set_remember_checks(TRUE);
    test_bad_pools();
    vfp_pool_set_remember_checks(FALSE);
}

static void
assert_pool_loads(gboolean loads, const char *why)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) pools = vfp_pool_load_all(&error);

    if (loads != (pools != NULL))
        g_error("%s: the pool %s (%s)", why, pools ? "loads" : "does not load",
                error ? error->message : "no error");
    if (!loads)
        g_assert_nonnull(strstr(error->message, "schema"));
}

/* An entry in the state directory saying that BYTES passed, as vfpool would write it. */
static char *
write_check(TestHost *host, const char *bytes)
{
    g_autofree char *digest = vfp_pool_check_digest(bytes, strlen(bytes));
    g_autofree char *line = g_strconcat(digest, "\n", NULL);
    char *path = g_build_filename(host->state_dir, VFP_POOL_CHECKS, "p.xml", NULL);

    g_unlink(path);
    g_assert_true(g_file_set_contents(path, line, -1, NULL));
    g_assert_cmpint(g_chmod(path, 0600), ==, 0);
    return path;
}

/* A pool file validated once is not validated again while its bytes stay the same; a changed
 * one is, and an entry vfpool did not write itself is not believed. */
static void
test_remembered_checks(void)
{
    static const char valid[] = "<pool name='p'><pf address='0000:3b:00.0'/></pool>";
    /* Refused by the schema (no <pf>), accepted by the code after it. */
    static const char invalid[] = "<pool name='p'/>";
    g_autoptr(TestHost) host = test_host_new();
    g_autofree char *entry = g_build_filename(host->state_dir, VFP_POOL_CHECKS, "p.xml", NULL);
    g_autofree char *elsewhere = g_build_filename(host->dir, "elsewhere", NULL);
    g_autofree char *contents = NULL;
    g_autofree char *digest = NULL;

    vfp_pool_set_remember_checks(TRUE);
    test_host_write_pool(host, "p", valid);
    assert_pool_loads(TRUE, "a valid pool file");
    g_assert_true(g_file_get_contents(entry, &contents, NULL, NULL));
    digest = vfp_pool_check_digest(valid, strlen(valid));
    g_assert_true(g_str_has_prefix(contents, digest));

    test_host_write_pool(host, "p", invalid);
    assert_pool_loads(FALSE, "a pool file changed after its check");

    /* Proof that the entry is what spares the validation: one for these bytes is believed. */
    g_free(write_check(host, invalid));
    assert_pool_loads(TRUE, "a pool file with a trusted entry for its bytes");

    g_assert_cmpint(g_rename(entry, elsewhere), ==, 0);
    g_assert_cmpint(symlink(elsewhere, entry), ==, 0);
    assert_pool_loads(FALSE, "an entry that is a symbolic link");

    g_free(write_check(host, invalid));
    g_assert_cmpint(g_chmod(entry, 0666), ==, 0);
    assert_pool_loads(FALSE, "an entry others may write");

    if (geteuid() == 0) {
        g_free(write_check(host, invalid));
        g_assert_cmpint(chown(entry, 65534, 65534), ==, 0);
        assert_pool_loads(FALSE, "an entry owned by another user");
    }
    vfp_pool_set_remember_checks(FALSE);
}

static void
test_no_pools(void)
{
    g_autoptr(TestHost) host = test_host_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) pools = vfp_pool_load_all(&error);

    g_assert_null(pools);
    g_assert_error(error, VFP_ERROR, VFP_ERROR_NOT_FOUND);
    g_assert_nonnull(strstr(error->message, "no pools"));
    g_clear_error(&error);
    g_setenv("VFPOOL_CONF_DIR", "/nonexistent/vfpool", TRUE);
    g_assert_null(vfp_pool_load_all(&error));
    g_assert_nonnull(strstr(error->message, "/nonexistent/vfpool/pools.d"));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pool/full", test_full_pool);
    g_test_add_func("/pool/bad", test_bad_pools);
    g_test_add_func("/pool/bad-remembered", test_bad_pools_remembered);
    g_test_add_func("/pool/remembered-checks", test_remembered_checks);
    g_test_add_func("/pool/none", test_no_pools);
    return g_test_run();
}
