/* The ledger's records and locks. In the state directory:
 *   claims/ADDRESS        one claim (vfp-claim.c), replaced atomically (temporary file, fsync,
 *                         rename), removed at release;
 *   pending/ADDRESS       the claim of ADDRESS is written ahead of changing the VF: the few a
 *                         step must check for a killed writer, without reading every claim;
 *   domains/UUID/ADDRESS  the VFs a domain holds (vfp-statedir.c), for release;
 *   locks/vf-ADDRESS      held by the process changing that VF, from its first read to its
 *                         last write: a pending claim whose lock is free was left by a process
 *                         that died;
 *   locks/pf-ADDRESS      shared by the processes taking a VF of that PF, exclusive while one
 *                         changes its VF count;
 *   ledger.lock           shared by every ledger user, exclusive for reconcile and upgrades. */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "vfp-address.h"
#include "vfp-error.h"
#include "vfp-ledger.h"
#include "vfp-statedir.h"

#define LOCK_FILE "ledger.lock"
#define OLD_LEDGER_FILE "ledger.json" /* vfpool 0.x: every claim in one file */
#define CLAIMS_DIR "claims"
#define PENDING_DIR "pending"
#define LOCKS_DIR "locks"

typedef struct {
    char *address;
    VfpClaim *claim;   /* NULL: nobody holds the VF */
    char *stored_uuid; /* whose claim the file holds, for the domain entries */
    gboolean dirty;    /* claimed or released here: written at every commit, since callers
                        * finish a claim in place (pending, applied) */
    gboolean ours;     /* the pending claim on file was written by this ledger */
    gboolean read;     /* CLAIM is what the file held when last read (or written) */
    VfpLock *lock;     /* locks/vf-ADDRESS, WRITE mode */
} Record;

struct _VfpLedger {
    VfpLedgerMode mode;
    VfpLock *lock;
    GHashTable *records;  /* address -> Record */
    GHashTable *pf_locks; /* PF address -> VfpLock */
    gboolean all_read;
    GPtrArray *claims;  /* the last vfp_ledger_get_claims() */
    GPtrArray *retired; /* claims replaced or released: callers may still point at them */
};

static VfpLedgerOldReader old_reader;

static void
record_free(Record *record)
{
    g_free(record->address);
    vfp_claim_free(record->claim);
    g_free(record->stored_uuid);
    vfp_lock_free(record->lock);
    g_free(record);
}

void
vfp_ledger_free(VfpLedger *ledger)
{
    if (!ledger)
        return;
    g_hash_table_unref(ledger->records);
    g_hash_table_unref(ledger->pf_locks);
    g_clear_pointer(&ledger->claims, g_ptr_array_unref);
    g_ptr_array_unref(ledger->retired);
    vfp_lock_free(ledger->lock);
    g_free(ledger);
}

/* Record names come from domain XML (reservations): only a canonical PCI address names one. */
static gboolean
is_address(const char *text)
{
    g_autofree char *canonical = text ? vfp_pci_address_normalize(text) : NULL;

    return canonical && strcmp(canonical, text) == 0;
}

static char *
claim_file(const char *address)
{
    return g_build_filename(CLAIMS_DIR, address, NULL);
}

static void
retire(VfpLedger *ledger, Record *record)
{
    if (record->claim)
        g_ptr_array_add(ledger->retired, g_steal_pointer(&record->claim));
}

/* Reads ADDRESS's claim file into RECORD. A record nobody can read keeps its VF from being
 * handed out (and reconcile removes it): it becomes a claim by an unknown domain. */
static void
read_record(Record *record)
{
    g_autofree char *name = claim_file(record->address);
    g_autofree char *data = NULL;
    g_autoptr(GError) error = NULL;
    gboolean found;
    gsize length;
    VfpClaim *claim = NULL;

    if (vfp_state_read(name, &data, &length, &found, &error) && found) {
        claim = vfp_claim_from_data(data, length, &error);
        if (claim && g_strcmp0(claim->address, record->address) != 0) {
            g_set_error(&error, VFP_ERROR, VFP_ERROR_LEDGER, "it names VF %s", claim->address);
            g_clear_pointer(&claim, vfp_claim_free);
        }
    }
    if (error) {
        g_warning("claim record %s/%s is unreadable (%s); VF %s stays held until 'vfpool "
                  "reconcile' removes the record",
                  vfp_state_dir(), name, error->message, record->address);
        claim = vfp_claim_new();
        claim->address = g_strdup(record->address);
        claim->domain = g_strdup("(unreadable claim record)");
        claim->uuid = g_strdup("");
    }
    record->claim = claim;
    g_free(record->stored_uuid);
    record->stored_uuid = claim ? g_strdup(claim->uuid) : NULL;
    record->ours = FALSE;
}

static Record *
find_record(VfpLedger *ledger, const char *address)
{
    Record *record = g_hash_table_lookup(ledger->records, address);

    if (record || !is_address(address))
        return record;
    record = g_new0(Record, 1);
    record->address = g_strdup(address);
    g_hash_table_insert(ledger->records, record->address, record);
    return record;
}

/* The record of ADDRESS, read on first use; NULL for what is not a PCI address. */
static Record *
get_record(VfpLedger *ledger, const char *address)
{
    Record *record = find_record(ledger, address);

    if (record && !record->read) {
        read_record(record);
        record->read = TRUE;
    }
    return record;
}

/* The record of ADDRESS with its VF locked (WRITE mode) and read afresh under the lock: only
 * now is it certain. NULL for what is not a PCI address, and with ERROR set when the lock
 * fails (MODE VFP_LOCK_TRY: NULL without ERROR when another process holds it). */
static Record *
get_locked_record(VfpLedger *ledger, const char *address, VfpLockMode mode, GError **error)
{
    Record *record = find_record(ledger, address);
    g_autofree char *name = NULL;

    if (!record || ledger->mode != VFP_LEDGER_WRITE || record->lock)
        return record ? get_record(ledger, address) : NULL;
    name = g_strdup_printf("%s/vf-%s", LOCKS_DIR, record->address);
    record->lock = vfp_state_lock(name, mode, error);
    if (!record->lock)
        return NULL;
    if (!record->dirty) {
        retire(ledger, record);
        record->read = FALSE;
    }
    return get_record(ledger, address);
}

/* ---- upgrading from one ledger file --------------------------------------------------------- */

/* Programs that can read the format of an older vfpool set its reader; without one, a host
 * upgraded while domains run is refused until one of them has converted it. */
void
vfp_ledger_set_old_reader(VfpLedgerOldReader reader)
{
    old_reader = reader;
}

gboolean
vfp_ledger_has_old_format(void)
{
    g_autofree char *path = vfp_state_path(OLD_LEDGER_FILE);

    return g_file_test(path, G_FILE_TEST_EXISTS);
}

static VfpLedger *ledger_new(VfpLedgerMode mode, GError **error);
static gboolean write_record(Record *record, GError **error);

/* Converts the old file once, under the exclusive lock, and removes it only when every claim
 * it held is a record. What cannot be read stays as it is, for the administrator. */
static gboolean
upgrade_old_format(GError **error)
{
    g_autoptr(VfpLedger) ledger = ledger_new(VFP_LEDGER_EXCLUSIVE, error);
    g_autofree char *path = vfp_state_path(OLD_LEDGER_FILE);
    g_autoptr(GPtrArray) claims = NULL;
    g_autoptr(GError) local = NULL;
    g_autofree char *data = NULL;
    gboolean found;
    gsize length;

    if (!ledger || !vfp_state_read(OLD_LEDGER_FILE, &data, &length, &found, error))
        return FALSE;
    if (!found)
        return TRUE; /* converted by another process meanwhile */
    if (!old_reader) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_LEDGER,
                    "ledger %s was written by an older vfpool; run 'vfpool reconcile' once to "
                    "convert it",
                    path);
        return FALSE;
    }
    claims = old_reader(data, length, &local);
    if (!claims) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_LEDGER,
                    "ledger %s is corrupt (%s); move it aside and run 'vfpool reconcile' to "
                    "rebuild it from the running domains",
                    path, local->message);
        return FALSE;
    }
    for (guint i = 0; i < claims->len; i++) {
        VfpClaim *claim = g_steal_pointer(&g_ptr_array_index(claims, i));
        Record *record = get_record(ledger, claim->address);

        if (!record) {
            g_warning("ledger %s: claim of '%s' names no VF (%s); dropped", path, claim->domain,
                      claim->address);
            vfp_claim_free(claim);
            continue;
        }
        retire(ledger, record);
        record->claim = claim;
        if (!write_record(record, error))
            return FALSE;
    }
    return vfp_state_remove(OLD_LEDGER_FILE, error);
}

/* ---- opening and locking -------------------------------------------------------------------- */

static VfpLedger *
ledger_new(VfpLedgerMode mode, GError **error)
{
    g_autoptr(VfpLedger) ledger = NULL;
    VfpLockMode lock_mode = VFP_LOCK_SHARED;

    if (mode == VFP_LEDGER_WRITE)
        lock_mode = VFP_LOCK_SHARED_WRITER;
    else if (mode == VFP_LEDGER_EXCLUSIVE)
        lock_mode = VFP_LOCK_EXCLUSIVE;
    ledger = g_new0(VfpLedger, 1);
    ledger->mode = mode;
    ledger->records =
        g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)record_free);
    ledger->pf_locks =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)vfp_lock_free);
    ledger->retired = g_ptr_array_new_with_free_func((GDestroyNotify)vfp_claim_free);
    ledger->lock = vfp_state_lock(LOCK_FILE, lock_mode, error);
    if (!ledger->lock)
        return NULL;
    return g_steal_pointer(&ledger);
}

VfpLedger *
vfp_ledger_open(VfpLedgerMode mode, GError **error)
{
    if (vfp_ledger_has_old_format() && !upgrade_old_format(error))
        return NULL;
    return ledger_new(mode, error);
}

/* Locks PF (WRITE mode): VFP_LOCK_SHARED_WRITER to take one of its VFs, VFP_LOCK_EXCLUSIVE to
 * change its VF count. Lock PFs before VFs, each in address order, so that two steps never
 * wait for each other. */
gboolean
vfp_ledger_lock_pf(VfpLedger *ledger, const char *pf, VfpLockMode mode, GError **error)
{
    g_autofree char *name = NULL;
    VfpLock *lock;

    if (ledger->mode != VFP_LEDGER_WRITE || g_hash_table_contains(ledger->pf_locks, pf))
        return TRUE;
    if (!is_address(pf)) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID, "'%s' is not a PCI address", pf);
        return FALSE;
    }
    name = g_strdup_printf("%s/pf-%s", LOCKS_DIR, pf);
    lock = vfp_state_lock(name, mode, error);
    if (!lock)
        return FALSE;
    g_hash_table_insert(ledger->pf_locks, g_strdup(pf), lock);
    return TRUE;
}

static int
compare_addresses(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
compare_claims(gconstpointer a, gconstpointer b)
{
    return strcmp((*(VfpClaim *const *)a)->address, (*(VfpClaim *const *)b)->address);
}

static int
compare_records(gconstpointer a, gconstpointer b)
{
    return strcmp((*(Record *const *)a)->address, (*(Record *const *)b)->address);
}

/* Locks the VFs at ADDRESSES, in address order (see vfp_ledger_lock_pf). */
gboolean
vfp_ledger_lock_vfs(VfpLedger *ledger, GPtrArray *addresses, GError **error)
{
    g_autoptr(GPtrArray) sorted = g_ptr_array_sized_new(addresses->len);

    g_ptr_array_extend(sorted, addresses, NULL, NULL);
    g_ptr_array_sort(sorted, compare_addresses);
    for (guint i = 0; i < sorted->len; i++) {
        g_autoptr(GError) local = NULL;

        if (!get_locked_record(ledger, g_ptr_array_index(sorted, i), VFP_LOCK_EXCLUSIVE, &local) &&
            local) {
            g_propagate_error(error, g_steal_pointer(&local));
            return FALSE;
        }
    }
    return TRUE;
}

/* ---- reading -------------------------------------------------------------------------------- */

VfpClaim *
vfp_ledger_lookup(VfpLedger *ledger, const char *address)
{
    Record *record = address ? get_record(ledger, address) : NULL;

    return record ? record->claim : NULL;
}

/* Every claim, sorted by address; valid until the ledger changes or is freed. */
GPtrArray *
vfp_ledger_get_claims(VfpLedger *ledger)
{
    GHashTableIter iter;
    gpointer value;

    if (!ledger->all_read) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) names = vfp_state_list(CLAIMS_DIR, &error);

        if (!names)
            g_warning("%s", error->message);
        for (guint i = 0; names && i < names->len; i++) {
            const char *name = g_ptr_array_index(names, i);

            if (is_address(name)) {
                get_record(ledger, name);
            } else if (ledger->mode == VFP_LEDGER_EXCLUSIVE) {
                /* Nobody else writes now: a temporary file a killed writer left. */
                g_autofree char *path = claim_file(name);

                vfp_state_remove(path, NULL);
            }
        }
        ledger->all_read = TRUE;
    }
    g_clear_pointer(&ledger->claims, g_ptr_array_unref);
    ledger->claims = g_ptr_array_new();
    g_hash_table_iter_init(&iter, ledger->records);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        Record *record = value;

        if (record->claim)
            g_ptr_array_add(ledger->claims, record->claim);
    }
    g_ptr_array_sort(ledger->claims, compare_claims);
    return ledger->claims;
}

/* The claims of the domain with UUID (a new array of the ledger's claims): those its entry
 * names, and those made here and not yet committed. */
GPtrArray *
vfp_ledger_get_domain_claims(VfpLedger *ledger, const char *uuid)
{
    g_autoptr(GPtrArray) addresses = vfp_state_list_domain(uuid);
    GPtrArray *claims = g_ptr_array_new();
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init(&iter, ledger->records);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        Record *record = value;

        if (record->claim && g_strcmp0(record->claim->uuid, uuid) == 0)
            g_ptr_array_add(addresses, g_strdup(record->address));
    }

    if (ledger->mode == VFP_LEDGER_WRITE) {
        g_autoptr(GError) error = NULL;

        if (!vfp_ledger_lock_vfs(ledger, addresses, &error))
            g_warning("%s", error->message);
    }
    for (guint i = 0; i < addresses->len; i++) {
        VfpClaim *claim = vfp_ledger_lookup(ledger, g_ptr_array_index(addresses, i));

        if (claim && g_strcmp0(claim->uuid, uuid) == 0 && !g_ptr_array_find(claims, claim, NULL))
            g_ptr_array_add(claims, claim);
    }
    return claims;
}

/* The claims written ahead by a process that died before finishing them (a new array of the
 * ledger's claims, to be undone). Found through pending/ and proven by the VF's lock being
 * free; with the ledger exclusive, nobody else can be at work. */
GPtrArray *
vfp_ledger_get_abandoned(VfpLedger *ledger)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) names = vfp_state_list(PENDING_DIR, &error);
    GPtrArray *abandoned = g_ptr_array_new();

    if (ledger->mode == VFP_LEDGER_READ)
        return abandoned; /* a reader cannot tell a killed writer from a slow one */
    if (!names) {
        g_warning("%s", error->message);
        return abandoned;
    }
    for (guint i = 0; i < names->len; i++) {
        const char *address = g_ptr_array_index(names, i);
        g_autofree char *marker = g_build_filename(PENDING_DIR, address, NULL);
        g_autoptr(GError) local = NULL;
        Record *record = find_record(ledger, address);

        if (!record || record->dirty || record->ours)
            continue;
        record = get_locked_record(ledger, address, VFP_LOCK_TRY, &local);
        if (!record) {
            if (local)
                g_warning("%s", local->message);
            continue; /* its writer is at work */
        }
        {
            g_autofree char *name = claim_file(address);

            vfp_state_remove_temporaries(name);
        }
        if (record->claim && record->claim->pending)
            g_ptr_array_add(abandoned, record->claim);
        else
            vfp_state_remove(marker, NULL); /* finished, or never written */
    }
    return abandoned;
}

/* ---- changing ------------------------------------------------------------------------------- */

/* Takes CLAIM. A VF held by another domain is refused; the same domain claiming again (a
 * retried step) keeps the originally saved state and what was changed on the VF. */
gboolean
vfp_ledger_claim(VfpLedger *ledger, VfpClaim *claim, GError **error)
{
    g_autoptr(VfpClaim) owned = claim;
    Record *record;

    g_return_val_if_fail(ledger->mode != VFP_LEDGER_READ, FALSE);
    if (!is_address(claim->address)) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID, "'%s' is not a PCI address",
                    claim->address);
        return FALSE;
    }
    record = get_locked_record(ledger, claim->address, VFP_LOCK_EXCLUSIVE, error);
    if (!record)
        return FALSE;
    if (record->claim && g_strcmp0(record->claim->uuid, claim->uuid) != 0) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_BUSY,
                    "VF %s is held by running domain '%s'; stop that domain or choose another VF",
                    claim->address, record->claim->domain);
        return FALSE;
    }
    if (record->claim)
        vfp_claim_keep_original(claim, record->claim);
    retire(ledger, record);
    record->claim = g_steal_pointer(&owned);
    record->dirty = TRUE;
    return TRUE;
}

gboolean
vfp_ledger_release(VfpLedger *ledger, const char *address)
{
    g_autoptr(GError) error = NULL;
    Record *record;

    g_return_val_if_fail(ledger->mode != VFP_LEDGER_READ, FALSE);
    record = get_locked_record(ledger, address, VFP_LOCK_EXCLUSIVE, &error);
    if (error)
        g_warning("%s", error->message);
    if (!record || !record->claim)
        return FALSE;
    retire(ledger, record);
    record->dirty = TRUE;
    return TRUE;
}

guint
vfp_ledger_release_domain(VfpLedger *ledger, const char *uuid)
{
    g_autoptr(GPtrArray) claims = vfp_ledger_get_domain_claims(ledger, uuid);
    guint released = 0;

    for (guint i = 0; i < claims->len; i++)
        released += vfp_ledger_release(ledger, ((VfpClaim *)g_ptr_array_index(claims, i))->address);
    return released;
}

/* Writes one record so that a crash at any point leaves the ledger usable: the domain entry
 * and the pending marker are made before the claim they cover, and removed after it. */
static gboolean
write_record(Record *record, GError **error)
{
    g_autofree char *name = claim_file(record->address);
    g_autofree char *marker = g_build_filename(PENDING_DIR, record->address, NULL);
    VfpClaim *claim = record->claim;

    if (claim) {
        g_autofree char *data = NULL;
        gsize length;

        if (!vfp_state_mark_domain(claim->uuid, record->address, error) ||
            (claim->pending && !vfp_state_touch(marker, error)))
            return FALSE;
        data = vfp_claim_to_data(claim, &length);
        if (!vfp_state_write(name, data, length, error))
            return FALSE;
        if (!claim->pending && !vfp_state_remove(marker, error))
            return FALSE;
        if (record->stored_uuid && g_strcmp0(record->stored_uuid, claim->uuid) != 0)
            vfp_state_unmark_domain(record->stored_uuid, record->address);
    } else {
        if (!vfp_state_remove(name, error) || !vfp_state_remove(marker, error))
            return FALSE;
        if (record->stored_uuid)
            vfp_state_unmark_domain(record->stored_uuid, record->address);
    }
    g_free(record->stored_uuid);
    record->stored_uuid = claim ? g_strdup(claim->uuid) : NULL;
    record->ours = claim && claim->pending;
    record->read = TRUE;
    return TRUE;
}

/* Writes every record claimed or released through this ledger. */
gboolean
vfp_ledger_commit(VfpLedger *ledger, GError **error)
{
    g_autoptr(GPtrArray) dirty = g_ptr_array_new();
    GHashTableIter iter;
    gpointer value;

    g_return_val_if_fail(ledger->mode != VFP_LEDGER_READ, FALSE);
    g_hash_table_iter_init(&iter, ledger->records);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        if (((Record *)value)->dirty)
            g_ptr_array_add(dirty, value);
    }
    g_ptr_array_sort(dirty, compare_records);
    for (guint i = 0; i < dirty->len; i++) {
        if (!write_record(g_ptr_array_index(dirty, i), error))
            return FALSE;
    }
    return TRUE;
}
