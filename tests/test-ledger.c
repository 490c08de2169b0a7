/* The ledger: round trip, conflicts, release, per-VF records and locks (parallel claims of
 * different VFs, claims killed half-way), unreadable records, the upgrade from an older
 * vfpool's one-file ledger, and atomic claims from many processes at once. */
#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/file.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test-helpers.h"
#include "vfp-error.h"
#include "vfp-ledger-json.h"
#include "vfp-ledger.h"

#define UUID1 "5a3e9d7c-0000-4000-8000-000000000001"

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

/* An older vfpool's ledger that cannot be read is refused, never overwritten: the
 * administrator decides. */
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

/* A host upgraded while domains run: the old file becomes one record per claim (a pending one
 * stays pending, to be undone), the old per-domain entry becomes a directory, and the old
 * file is gone. */
static void
test_upgrade(void)
{
    g_autofree char *dir = make_state_dir();
    g_autofree char *path = g_build_filename(dir, "ledger.json", NULL);
    g_autofree char *domains = g_build_filename(dir, "domains", NULL);
    g_autofree char *marker = g_build_filename(domains, UUID1, NULL);
    g_autofree char *entry = g_build_filename(marker, "0000:3c:10.0", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(VfpLedger) ledger = NULL;
    g_autoptr(GPtrArray) abandoned = NULL;
    VfpClaim *claim;

    g_assert_cmpint(g_mkdir_with_parents(domains, 0700), ==, 0);
    g_assert_true(g_file_set_contents(marker, "", 0, NULL));
    g_assert_true(g_file_set_contents(
        path,
        "{\"version\": 1, \"claims\": ["
        "{\"address\": \"0000:3c:10.0\", \"pf\": \"0000:3c:00.0\", \"index\": 0, "
        "\"pool\": \"net\", \"domain\": \"vm1\", \"uuid\": \"" UUID1 "\", "
        "\"alias\": \"ua-net0\", \"step\": \"prepare\", \"time\": 1700000000, "
        "\"pid\": 42, \"applied\": 4, \"saved\": {\"driver\": \"igbvf\", \"trust\": \"off\"}},"
        "{\"address\": \"0000:3c:10.2\", \"pf\": \"0000:3c:00.0\", \"index\": 1, "
        "\"domain\": \"vm2\", \"uuid\": \"uuid-vm2\", \"time\": 1, \"pid\": 43, "
        "\"pending\": true}]}",
        -1, NULL));

    vfp_ledger_set_old_reader(NULL);
    g_assert_null(vfp_ledger_open(VFP_LEDGER_READ, &error));
    g_assert_error(error, VFP_ERROR, VFP_ERROR_LEDGER);
    g_assert_nonnull(strstr(error->message, "older vfpool"));
    g_assert_true(g_file_test(path, G_FILE_TEST_EXISTS));
    g_clear_error(&error);

    vfp_ledger_set_old_reader(vfp_ledger_json_read);
    ledger = vfp_ledger_open(VFP_LEDGER_WRITE, &error);
    g_assert_no_error(error);
    g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
    g_assert_true(g_file_test(marker, G_FILE_TEST_IS_DIR));
    g_assert_true(g_file_test(entry, G_FILE_TEST_IS_REGULAR));
    g_assert_cmpuint(vfp_ledger_get_claims(ledger)->len, ==, 2);
    claim = vfp_ledger_lookup(ledger, "0000:3c:10.0");
    g_assert_cmpstr(claim->domain, ==, "vm1");
    g_assert_cmpstr(claim->saved_driver, ==, "igbvf");
    g_assert_cmpint(claim->saved.trust, ==, VFP_TRISTATE_OFF);
    g_assert_cmpuint(claim->applied, ==, 4);
    abandoned = vfp_ledger_get_abandoned(ledger);
    g_assert_cmpuint(abandoned->len, ==, 1);
    g_assert_cmpstr(((VfpClaim *)g_ptr_array_index(abandoned, 0))->domain, ==, "vm2");
    g_assert_cmpuint(vfp_ledger_release_domain(ledger, UUID1), ==, 1);
    g_assert_true(vfp_ledger_commit(ledger, &error));
    g_assert_false(g_file_test(marker, G_FILE_TEST_EXISTS));
    remove_dir(dir);
}

/* A record nobody can read keeps its VF held (by an unknown domain) until reconcile removes
 * it; the other records are unaffected. */
static void
test_unreadable_record(void)
{
    g_autofree char *dir = make_state_dir();
    g_autofree char *claims = g_build_filename(dir, "claims", NULL);
    g_autofree char *bad = g_build_filename(claims, "0000:3c:10.0", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(VfpLedger) ledger = NULL;
    VfpClaim *claim;

    {
        g_autoptr(VfpLedger) writer = vfp_ledger_open(VFP_LEDGER_WRITE, &error);

        g_assert_true(vfp_ledger_claim(writer, new_claim("0000:3c:10.2", "vm2"), &error));
        g_assert_true(vfp_ledger_commit(writer, &error));
    }
    g_assert_true(g_file_set_contents(bad, "[claim]\naddress=0000:3c:10.0\nindex=x\n", -1, NULL));
    ledger = vfp_ledger_open(VFP_LEDGER_EXCLUSIVE, &error);
    g_assert_no_error(error);
    g_test_expect_message("vfpool", G_LOG_LEVEL_WARNING, "*0000:3c:10.0 is unreadable*");
    claim = vfp_ledger_lookup(ledger, "0000:3c:10.0");
    g_test_assert_expected_messages();
    g_assert_nonnull(claim);
    g_assert_cmpstr(claim->domain, ==, "(unreadable claim record)");
    g_assert_false(vfp_ledger_claim(ledger, new_claim("0000:3c:10.0", "vm1"), &error));
    g_assert_error(error, VFP_ERROR, VFP_ERROR_BUSY);
    g_assert_cmpstr(vfp_ledger_lookup(ledger, "0000:3c:10.2")->domain, ==, "vm2");
    g_assert_true(vfp_ledger_release(ledger, "0000:3c:10.0"));
    g_assert_true(vfp_ledger_commit(ledger, &error));
    g_assert_false(g_file_test(bad, G_FILE_TEST_EXISTS));
    remove_dir(dir);
}

static void
wait_child(pid_t pid, int expected)
{
    int status;

    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, expected);
}

/* Two steps taking different VFs do not wait for each other: a child holds VF 10.0 claimed
 * and pending while the parent takes 10.2 and commits, then lets the child finish. A third
 * process wanting 10.0 meanwhile would wait: its lock is held. */
static void
test_parallel_vfs(void)
{
    g_autofree char *dir = make_state_dir();
    g_autofree char *vf_lock = g_build_filename(dir, "locks", "vf-0000:3c:10.0", NULL);
    g_autoptr(GError) error = NULL;
    int held[2], done[2];
    char byte = 0;
    pid_t pid;

    g_assert_cmpint(pipe(held), ==, 0);
    g_assert_cmpint(pipe(done), ==, 0);
    pid = fork();
    if (pid == 0) {
        g_autoptr(VfpLedger) mine = vfp_ledger_open(VFP_LEDGER_WRITE, NULL);
        VfpClaim *claim = new_claim("0000:3c:10.0", "vm1");

        claim->pending = TRUE;
        if (!mine || !vfp_ledger_claim(mine, claim, NULL) || !vfp_ledger_commit(mine, NULL))
            _exit(2);
        if (write(held[1], &byte, 1) != 1 || read(done[0], &byte, 1) != 1)
            _exit(3);
        vfp_ledger_lookup(mine, "0000:3c:10.0")->pending = FALSE;
        _exit(vfp_ledger_commit(mine, NULL) ? 0 : 4);
    }
    g_assert_cmpint(read(held[0], &byte, 1), ==, 1);
    {
        g_autoptr(VfpLedger) ledger = vfp_ledger_open(VFP_LEDGER_WRITE, &error);
        g_autoptr(GPtrArray) abandoned = NULL;
        int fd = open(vf_lock, O_RDONLY);

        g_assert_no_error(error);
        g_assert_cmpint(fd, >=, 0);
        g_assert_cmpint(flock(fd, LOCK_EX | LOCK_NB), ==, -1);
        close(fd);
        /* The child's pending claim is at work, not abandoned. */
        abandoned = vfp_ledger_get_abandoned(ledger);
        g_assert_cmpuint(abandoned->len, ==, 0);
        g_assert_true(vfp_ledger_claim(ledger, new_claim("0000:3c:10.2", "vm2"), &error));
        g_assert_true(vfp_ledger_commit(ledger, &error));
    }
    g_assert_cmpint(write(done[1], &byte, 1), ==, 1);
    wait_child(pid, 0);
    {
        g_autoptr(VfpLedger) ledger = vfp_ledger_open(VFP_LEDGER_READ, &error);

        g_assert_cmpuint(vfp_ledger_get_claims(ledger)->len, ==, 2);
        g_assert_false(vfp_ledger_lookup(ledger, "0000:3c:10.0")->pending);
    }
    remove_dir(dir);
}

/* A process killed between writing its claim ahead and finishing it leaves a pending claim
 * whose lock is free: the next writer gets it as abandoned, once. */
static void
test_abandoned(void)
{
    g_autofree char *dir = make_state_dir();
    g_autoptr(GError) error = NULL;
    g_autoptr(VfpLedger) ledger = NULL;
    g_autoptr(GPtrArray) abandoned = NULL;
    pid_t pid = fork();

    if (pid == 0) {
        g_autoptr(VfpLedger) mine = vfp_ledger_open(VFP_LEDGER_WRITE, NULL);
        VfpClaim *claim = new_claim("0000:3c:10.4", "vm4");

        claim->pending = TRUE;
        if (!mine || !vfp_ledger_claim(mine, claim, NULL) || !vfp_ledger_commit(mine, NULL))
            _exit(2);
        _exit(0); /* as if killed: nothing finished */
    }
    wait_child(pid, 0);
    ledger = vfp_ledger_open(VFP_LEDGER_WRITE, &error);
    g_assert_no_error(error);
    abandoned = vfp_ledger_get_abandoned(ledger);
    g_assert_cmpuint(abandoned->len, ==, 1);
    g_assert_cmpstr(((VfpClaim *)g_ptr_array_index(abandoned, 0))->domain, ==, "vm4");
    g_assert_true(vfp_ledger_release(ledger, "0000:3c:10.4"));
    g_assert_true(vfp_ledger_commit(ledger, &error));
    g_clear_pointer(&abandoned, g_ptr_array_unref);
    abandoned = vfp_ledger_get_abandoned(ledger);
    g_assert_cmpuint(abandoned->len, ==, 0);
    g_assert_null(vfp_ledger_lookup(ledger, "0000:3c:10.4"));
    remove_dir(dir);
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

                /* The lookup is a peek; the claim decides, under the VF's lock. */
                if (!vfp_ledger_lookup(mine, address) &&
                    vfp_ledger_claim(mine, new_claim(address, domain), NULL))
                    _exit(vfp_ledger_commit(mine, NULL) ? 0 : 2);
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
    vfp_ledger_set_old_reader(vfp_ledger_json_read);
    g_test_add_func("/ledger/empty", test_empty_without_state_dir);
    g_test_add_func("/ledger/round-trip", test_round_trip);
    g_test_add_func("/ledger/conflict-release", test_conflict_and_release);
    g_test_add_func("/ledger/corrupt", test_corrupt_refused);
    g_test_add_func("/ledger/concurrent", test_concurrent_claims);
    g_test_add_func("/ledger/upgrade", test_upgrade);
    g_test_add_func("/ledger/unreadable-record", test_unreadable_record);
    g_test_add_func("/ledger/parallel-vfs", test_parallel_vfs);
    g_test_add_func("/ledger/abandoned", test_abandoned);
    return g_test_run();
}
