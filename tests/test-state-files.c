/* The state directory as an attacker or a careless administrator leaves it: private modes
 * whatever the umask, planted symlinks, foreign or world-writable files and directories, the
 * per-domain entries, and operation journals that are not what vfpool writes. */
#include "config.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vfp-error.h"
#include "vfp-journal.h"
#include "vfp-ledger.h"

#define UUID "6d8b3a0e-7f36-4a43-9d0a-000000000001"

typedef struct {
    char *dir;
} Fixture;

static void
fixture_set_up(Fixture *fixture, gconstpointer data)
{
    g_autoptr(GError) error = NULL;

    fixture->dir = g_dir_make_tmp("vfpool-state-XXXXXX", &error);
    g_assert_no_error(error);
    g_setenv("VFPOOL_STATE_DIR", fixture->dir, TRUE);
}

static void
fixture_tear_down(Fixture *fixture, gconstpointer data)
{
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", fixture->dir);

    g_assert_cmpint(system(cmd), ==, 0);
    g_free(fixture->dir);
}

static char *
state_file(const Fixture *fixture, const char *name)
{
    return g_build_filename(fixture->dir, name, NULL);
}

static VfpClaim *
new_claim(const char *address)
{
    VfpClaim *claim = vfp_claim_new();

    claim->address = g_strdup(address);
    claim->pf = g_strdup("0000:3b:00.0");
    claim->domain = g_strdup("vm1");
    claim->uuid = g_strdup(UUID);
    claim->time = 1700000000;
    claim->pid = 42;
    return claim;
}

static void
commit_one_claim(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfpLedger) ledger = vfp_ledger_open(VFP_LEDGER_WRITE, &error);

    g_assert_no_error(error);
    g_assert_true(vfp_ledger_claim(ledger, new_claim("0000:3c:10.0"), &error));
    g_assert_true(vfp_ledger_commit(ledger, &error));
    g_assert_no_error(error);
}

static guint
mode_of(const char *path)
{
    struct stat st;

    g_assert_cmpint(lstat(path, &st), ==, 0);
    return st.st_mode & 07777;
}

#define RECORD "claims/0000:3c:10.0"

static void
test_private_modes(Fixture *fixture, gconstpointer data)
{
    g_autofree char *record = state_file(fixture, RECORD);
    g_autofree char *claims = state_file(fixture, "claims");
    g_autofree char *lock = state_file(fixture, "ledger.lock");
    g_autofree char *vf_lock = state_file(fixture, "locks/vf-0000:3c:10.0");
    g_autofree char *entry = state_file(fixture, "domains/" UUID);
    mode_t old = umask(0);

    g_assert_cmpint(g_chmod(fixture->dir, 0755), ==, 0); /* as an older vfpool made it */
    commit_one_claim();
    umask(old);
    g_assert_cmpuint(mode_of(fixture->dir), ==, 0700);
    g_assert_cmpuint(mode_of(claims), ==, 0700);
    g_assert_cmpuint(mode_of(entry), ==, 0700);
    g_assert_cmpuint(mode_of(record), ==, 0600);
    g_assert_cmpuint(mode_of(lock), ==, 0600);
    g_assert_cmpuint(mode_of(vf_lock), ==, 0600);
}

/* A symlink planted where a record goes is replaced, never followed. */
static void
test_planted_record_symlink(Fixture *fixture, gconstpointer data)
{
    g_autofree char *victim = state_file(fixture, "victim");
    g_autofree char *claims = state_file(fixture, "claims");
    g_autofree char *planted = state_file(fixture, RECORD);
    g_autofree char *contents = NULL;

    g_assert_true(g_file_set_contents(victim, "precious", -1, NULL));
    g_assert_cmpint(g_mkdir(claims, 0700), ==, 0);
    g_assert_cmpint(symlink(victim, planted), ==, 0);
    g_test_expect_message("vfpool", G_LOG_LEVEL_WARNING, "*symbolic link*");
    {
        g_autoptr(GError) error = NULL;
        g_autoptr(VfpLedger) ledger = vfp_ledger_open(VFP_LEDGER_WRITE, &error);

        /* Held by nobody known: refused, never read through the link. */
        g_assert_false(vfp_ledger_claim(ledger, new_claim("0000:3c:10.0"), &error));
        g_assert_error(error, VFP_ERROR, VFP_ERROR_BUSY);
        g_assert_true(vfp_ledger_release(ledger, "0000:3c:10.0"));
        g_assert_true(vfp_ledger_commit(ledger, NULL));
    }
    g_test_assert_expected_messages();
    commit_one_claim();
    g_assert_true(g_file_get_contents(victim, &contents, NULL, NULL));
    g_assert_cmpstr(contents, ==, "precious");
    g_assert_true(g_file_test(planted, G_FILE_TEST_IS_REGULAR));
    g_assert_false(g_file_test(planted, G_FILE_TEST_IS_SYMLINK));
}

static void
assert_open_refused(const char *fragment)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfpLedger) ledger = vfp_ledger_open(VFP_LEDGER_WRITE, &error);

    g_assert_null(ledger);
    g_assert_error(error, VFP_ERROR, VFP_ERROR_LEDGER);
    if (!strstr(error->message, fragment))
        g_error("'%s' does not say '%s'", error->message, fragment);
    g_assert_null(strchr(error->message, '\n'));
}

/* A claims directory that is not the real one: its records are never read through it, so the
 * VF stays held and nothing is written there. */
static void
assert_claim_refused(const char *fragment)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfpLedger) ledger = vfp_ledger_open(VFP_LEDGER_WRITE, &error);
    g_autofree char *pattern = g_strdup_printf("*%s*", fragment);

    g_assert_no_error(error);
    g_test_expect_message("vfpool", G_LOG_LEVEL_WARNING, pattern);
    g_assert_false(vfp_ledger_claim(ledger, new_claim("0000:3c:10.2"), &error));
    g_test_assert_expected_messages();
    g_assert_error(error, VFP_ERROR, VFP_ERROR_BUSY);
}

static void
test_symlinks_refused(Fixture *fixture, gconstpointer data)
{
    g_autofree char *lock = state_file(fixture, "ledger.lock");
    g_autofree char *claims = state_file(fixture, "claims");
    g_autofree char *elsewhere = state_file(fixture, "elsewhere");

    commit_one_claim();
    g_assert_cmpint(g_rename(claims, elsewhere), ==, 0);
    g_assert_cmpint(symlink(elsewhere, claims), ==, 0);
    assert_claim_refused("symbolic link");
    g_assert_cmpint(unlink(lock), ==, 0);
    g_assert_cmpint(symlink(elsewhere, lock), ==, 0);
    assert_open_refused("symbolic link");
}

static void
test_writable_by_others_refused(Fixture *fixture, gconstpointer data)
{
    g_autofree char *record = state_file(fixture, RECORD);

    commit_one_claim();
    g_assert_cmpint(g_chmod(record, 0666), ==, 0);
    {
        g_autoptr(GError) error = NULL;
        g_autoptr(VfpLedger) ledger = vfp_ledger_open(VFP_LEDGER_READ, &error);
        VfpClaim *claim;

        g_test_expect_message("vfpool", G_LOG_LEVEL_WARNING,
                              "*is writable by other users (mode 0666)*");
        claim = vfp_ledger_lookup(ledger, "0000:3c:10.0");
        g_test_assert_expected_messages();
        g_assert_cmpstr(claim->domain, ==, "(unreadable claim record)");
    }
    g_assert_cmpint(g_chmod(record, 0600), ==, 0);
    g_assert_cmpint(g_chmod(fixture->dir, 0777), ==, 0);
    assert_open_refused("is writable by other users (mode 0777)");
}

static void
test_foreign_owner_refused(Fixture *fixture, gconstpointer data)
{
    if (geteuid() != 0) {
        g_test_skip("changing owners needs root");
        return;
    }
    g_assert_cmpint(chown(fixture->dir, 65534, 65534), ==, 0);
    assert_open_refused("is owned by uid 65534");
}

/* The hook front finds a domain holding VFs by its entry, whatever its XML says; the entry
 * lists the VFs, so release reads only that domain's claims. */
static void
test_domain_entry_follows_claims(Fixture *fixture, gconstpointer data)
{
    g_autofree char *entry = g_build_filename(fixture->dir, "domains", UUID, NULL);
    g_autofree char *vf = g_build_filename(entry, "0000:3c:10.0", NULL);
    g_autoptr(GError) error = NULL;

    commit_one_claim();
    g_assert_true(g_file_test(entry, G_FILE_TEST_IS_DIR));
    g_assert_true(g_file_test(vf, G_FILE_TEST_IS_REGULAR));
    {
        g_autoptr(VfpLedger) ledger = vfp_ledger_open(VFP_LEDGER_WRITE, &error);

        g_assert_no_error(error);
        g_assert_cmpuint(vfp_ledger_release_domain(ledger, UUID), ==, 1);
        g_assert_true(vfp_ledger_commit(ledger, &error));
    }
    g_assert_false(g_file_test(entry, G_FILE_TEST_EXISTS));
}

/* Each is refused in one line, without a GLib critical (fatal in the tests). */
static void
test_journal_strict(Fixture *fixture, gconstpointer data)
{
    static const char *const bad[] = {
        "",
        "{}",
        "[]",
        "null",
        "{\"operation\": 5}",
        "{\"operation\": \"move\", \"pid\": \"1\", \"started\": 1, \"resize-pf\": null, "
        "\"resize-count\": 0, \"resized\": false, \"steps\": [], \"paused\": []}",
        "{\"operation\": \"move\", \"pid\": 1, \"started\": 1, \"resize-pf\": null, "
        "\"resize-count\": 0, \"resized\": false, \"steps\": {}, \"paused\": []}",
        "{\"operation\": \"move\", \"pid\": 1, \"started\": 1, \"resize-pf\": null, "
        "\"resize-count\": 0, \"resized\": false, \"steps\": [{\"kind\": \"plug\"}], "
        "\"paused\": []}",
        "{\"operation\": \"move\", \"pid\": 1, \"started\": 1, \"resize-pf\": null, "
        "\"resize-count\": 0, \"resized\": false, \"steps\": [], \"paused\": [7]}",
        /* a step without the device it unplugged: reconcile would have nothing to put back */
        "{\"operation\": \"move\", \"pid\": 1, \"started\": 1, \"resize-count\": 0, "
        "\"resized\": false, \"steps\": [{\"kind\": \"unplug\", \"state\": \"done\", "
        "\"domain\": \"a\", \"alias\": \"ua-a\", \"metadata\": \"<vfpool/>\", "
        "\"in-place\": false}], \"paused\": []}",
    };
    g_autofree char *path = state_file(fixture, "operation.json");

    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(VfpJournal) journal = NULL;
        gboolean found = FALSE;

        g_assert_true(g_file_set_contents(path, bad[i], -1, NULL));
        g_assert_cmpint(g_chmod(path, 0600), ==, 0);
        journal = vfp_journal_load(&found, &error);
        if (journal)
            g_error("journal '%s' was accepted as operation '%s'", bad[i], journal->operation);
        g_assert_true(found);
        g_assert_error(error, VFP_ERROR, VFP_ERROR_LEDGER);
        g_assert_nonnull(strstr(error->message, "is unreadable"));
    }
}

static void
test_journal_round_trip(Fixture *fixture, gconstpointer data)
{
    g_autoptr(VfpJournal) journal = vfp_journal_new("move ua-a --from a --to b");
    g_autoptr(VfpJournal) read = NULL;
    g_autoptr(GError) error = NULL;
    gboolean found = FALSE;
    VfpStep *step;

    step = vfp_journal_add_step(journal, VFP_STEP_UNPLUG, "a", UUID, "ua-a", "0000:3c:10.0",
                                "<hostdev/>", "<vfpool/>");
    step->keep_request = TRUE;
    step->dest_address = g_strdup("0000:5e:00.3");
    journal->migrate_to = g_strdup("qemu+ssh://b/system");
    journal->migrated = TRUE;
    journal->dest_defined = TRUE;
    journal->dest_previous = g_strdup("<domain/>");
    g_ptr_array_add(journal->paused, g_strdup("b"));
    g_assert_true(vfp_journal_save(journal, &error));
    read = vfp_journal_load(&found, &error);
    g_assert_no_error(error);
    g_assert_nonnull(read);
    g_assert_cmpstr(read->operation, ==, journal->operation);
    g_assert_cmpuint(read->steps->len, ==, 1);
    step = g_ptr_array_index(read->steps, 0);
    g_assert_cmpstr(step->device_xml, ==, "<hostdev/>");
    g_assert_true(step->keep_request);
    g_assert_cmpstr(step->dest_address, ==, "0000:5e:00.3");
    g_assert_cmpstr(read->migrate_to, ==, "qemu+ssh://b/system");
    g_assert_true(read->migrated);
    g_assert_true(read->dest_defined);
    g_assert_cmpstr(read->dest_previous, ==, "<domain/>");
    g_assert_cmpstr(g_ptr_array_index(read->paused, 0), ==, "b");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, func) g_test_add(path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
    ADD("/state/private-modes", test_private_modes);
    ADD("/state/planted-temporary-symlink", test_planted_record_symlink);
    ADD("/state/ledger-symlink", test_symlinks_refused);
    ADD("/state/writable-by-others", test_writable_by_others_refused);
    ADD("/state/foreign-owner", test_foreign_owner_refused);
    ADD("/state/domain-entry", test_domain_entry_follows_claims);
    ADD("/journal/strict", test_journal_strict);
    ADD("/journal/round-trip", test_journal_round_trip);
#undef ADD
    return g_test_run();
}
