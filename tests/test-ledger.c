/* The ledger: round trip, conflicts, release, refusal of corrupt or foreign files, and atomic
 * claims from many processes at once. */
#include "config.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test-helpers.h"
#include "vfp-error.h"
#include "vfp-ledger.h"

static char *
make_state_dir(void)
{
    g_autoptr(GError) error = NULL;
    char *dir = g_dir_make_tmp("vfpool-ledger-XXXXXX", &error);

    g_assert_no_error(error);
    g_setenv("VFPOOL_STATE_DIR", dir, TRUE);
    return dir;
}

static VfpClaim *
new_claim(const char *address, const char *domain)
{
    VfpClaim *claim = vfp_claim_new();

    claim->address = g_strdup(address);
    claim->pf = g_strdup("0000:3b:00.0");
    claim->domain = g_strdup(domain);
    claim->uuid = g_strdup_printf("uuid-%s", domain);
    claim->alias = g_strdup("ua-net0");
    claim->step = g_strdup("prepare");
    claim->time = 1700000000;
    claim->pid = 42;
    return claim;
}

static void
remove_dir(const char *dir)
{
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);

    g_assert_cmpint(system(cmd), ==, 0);
}

static void
test_empty_without_state_dir(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfpLedger) ledger = NULL;

    g_setenv("VFPOOL_STATE_DIR", "/nonexistent/vfpool-state", TRUE);
    ledger = vfp_ledger_open(VFP_LEDGER_READ, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(vfp_ledger_get_claims(ledger)->len, ==, 0);
}

static void
test_round_trip(void)
{
    g_autofree char *dir = make_state_dir();
    g_autoptr(GError) error = NULL;
    VfpLedger *ledger = vfp_ledger_open(VFP_LEDGER_WRITE, &error);
    VfpClaim *claim = new_claim("0000:3c:10.0", "vm1");
    VfpClaim *read;

    claim->has_saved = TRUE;
    claim->saved_driver = g_strdup("igbvf");
    claim->saved.mac = g_strdup("02:00:00:00:00:01");
    claim->saved.vlan = 7;
    claim->saved.spoofchk = VFP_TRISTATE_ON;
    claim->saved.link_state = VFP_LINK_STATE_AUTO;
    g_assert_true(vfp_ledger_claim(ledger, claim, &error));
    g_assert_true(vfp_ledger_claim(ledger, new_claim("0000:3c:10.2", "vm2"), &error));
    g_assert_true(vfp_ledger_commit(ledger, &error));
    vfp_ledger_free(ledger);

    ledger = vfp_ledger_open(VFP_LEDGER_READ, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(vfp_ledger_get_claims(ledger)->len, ==, 2);
    read = vfp_ledger_lookup(ledger, "0000:3c:10.0");
    g_assert_nonnull(read);
    g_assert_cmpstr(read->domain, ==, "vm1");
    g_assert_cmpstr(read->saved_driver, ==, "igbvf");
    g_assert_cmpstr(read->saved.mac, ==, "02:00:00:00:00:01");
    g_assert_cmpint(read->saved.vlan, ==, 7);
    g_assert_cmpint(read->saved.spoofchk, ==, VFP_TRISTATE_ON);
    g_assert_cmpint(read->saved.trust, ==, VFP_TRISTATE_UNSET);
    g_assert_cmpint(read->saved.link_state, ==, VFP_LINK_STATE_AUTO);
    g_assert_cmpint(read->pid, ==, 42);
    vfp_ledger_free(ledger);
    remove_dir(dir);
}

static void
test_conflict_and_release(void)
{
    g_autofree char *dir = make_state_dir();
    g_autoptr(GError) error = NULL;
    g_autoptr(VfpLedger) ledger = vfp_ledger_open(VFP_LEDGER_WRITE, &error);

    g_assert_true(vfp_ledger_claim(ledger, new_claim("0000:3c:10.0", "vm1"), &error));
    g_assert_false(vfp_ledger_claim(ledger, new_claim("0000:3c:10.0", "vm2"), &error));
    g_assert_error(error, VFP_ERROR, VFP_ERROR_BUSY);
    g_assert_nonnull(strstr(error->message, "'vm1'"));
    g_clear_error(&error);
    /* The same domain again (a retried step) is not a conflict. */
    g_assert_true(vfp_ledger_claim(ledger, new_claim("0000:3c:10.0", "vm1"), &error));
    g_assert_true(vfp_ledger_claim(ledger, new_claim("0000:3c:10.2", "vm1"), &error));
    g_assert_true(vfp_ledger_claim(ledger, new_claim("0000:3c:10.4", "vm3"), &error));
    g_assert_cmpuint(vfp_ledger_get_claims(ledger)->len, ==, 3);
    g_assert_cmpuint(vfp_ledger_release_domain(ledger, "uuid-vm1"), ==, 2);
    g_assert_true(vfp_ledger_release(ledger, "0000:3c:10.4"));
    g_assert_false(vfp_ledger_release(ledger, "0000:3c:10.4"));
    g_assert_cmpuint(vfp_ledger_get_claims(ledger)->len, ==, 0);
    remove_dir(dir);
}

static void
assert_refused(const char *content, const char *fragment)
{
    g_autofree char *dir = make_state_dir();
    g_autofree char *path = g_build_filename(dir, "ledger.json", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(VfpLedger) ledger = NULL;
    g_autofree char *after = NULL;

    g_assert_true(g_file_set_contents(path, content, -1, NULL));
    ledger = vfp_ledger_open(VFP_LEDGER_WRITE, &error);
    g_assert_null(ledger);
    g_assert_error(error, VFP_ERROR, VFP_ERROR_LEDGER);
    g_assert_nonnull(strstr(error->message, fragment));
    /* Never overwritten: the administrator decides. */
    g_assert_true(g_file_get_contents(path, &after, NULL, NULL));
    g_assert_cmpstr(after, ==, content);
    remove_dir(dir);
}

static void
test_corrupt_refused(void)
{
    assert_refused("{\"version\": 1, \"claims\": [", "corrupt");
    assert_refused("", "corrupt");
    assert_refused("[1,2]", "corrupt");
    assert_refused("{\"version\": 1, \"claims\": [{\"address\": 3}]}", "corrupt");
    assert_refused("{\"version\": 99, \"claims\": []}", "version 99");
}

/* Children race to claim the VFs of a 16-VF pool, each for its own domain; the lock must let
 * exactly one win each VF and keep every claim. */
static void
test_concurrent_claims(void)
{
    g_autofree char *dir = make_state_dir();
    const int children = 24, vfs = 16;
    g_autoptr(GError) error = NULL;
    g_autoptr(VfpLedger) ledger = NULL;
    int won = 0;

    for (int i = 0; i < children; i++) {
        pid_t pid = fork();

        if (pid == 0) {
            g_autoptr(VfpLedger) mine = vfp_ledger_open(VFP_LEDGER_WRITE, NULL);
            g_autofree char *domain = g_strdup_printf("vm%d", i);

            for (int vf = 0; mine && vf < vfs; vf++) {
                g_autofree char *address = g_strdup_printf("0000:3c:%02x.0", vf);

                if (!vfp_ledger_lookup(mine, address)) {
                    vfp_ledger_claim(mine, new_claim(address, domain), NULL);
                    _exit(vfp_ledger_commit(mine, NULL) ? 0 : 2);
                }
            }
            _exit(1);
        }
    }
    for (int i = 0; i < children; i++) {
        int status;

        wait(&status);
        g_assert_true(WIFEXITED(status));
        g_assert_cmpint(WEXITSTATUS(status), !=, 2);
        won += WEXITSTATUS(status) == 0;
    }
    g_assert_cmpint(won, ==, vfs);
    ledger = vfp_ledger_open(VFP_LEDGER_READ, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(vfp_ledger_get_claims(ledger)->len, ==, vfs);
    remove_dir(dir);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/ledger/empty", test_empty_without_state_dir);
    g_test_add_func("/ledger/round-trip", test_round_trip);
    g_test_add_func("/ledger/conflict-release", test_conflict_and_release);
    g_test_add_func("/ledger/corrupt", test_corrupt_refused);
    g_test_add_func("/ledger/concurrent", test_concurrent_claims);
    return g_test_run();
}
