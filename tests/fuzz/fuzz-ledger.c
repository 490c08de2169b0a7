/* Fuzz target: the ledger's files in $VFPOOL_STATE_DIR, read as every vfpool command and the
 * hook read them (a crash or a reboot can leave anything there): a claim record, looked up as
 * a step would, must write back as it reads and read back the same; the same bytes read as an
 * older vfpool's one-file ledger must be a list of claims or an error, never a crash. */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "vfp-ledger-json.h"
#include "vfp-ledger.h"

#define ADDRESS "0000:3b:02.3"
#define RECORD "claims/" ADDRESS /* as src/libvfpool/vfp-ledger.c names it */

static char *dir;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    g_autofree char *claims = NULL;

    fuzz_init();
    dir = fuzz_make_dir("state", "VFPOOL_STATE_DIR");
    claims = g_build_filename(dir, "claims", NULL);
    g_mkdir_with_parents(claims, 0700);
    return 0;
}

/* Reads DATA as the record of ADDRESS through the ledger; returns what a commit would write. */
static char *
load(const uint8_t *data, size_t size, gboolean must)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfpLedger) ledger = NULL;
    g_autoptr(VfpClaim) parsed = vfp_claim_from_data((const char *)data, size, &error);
    const VfpClaim *claim;
    gsize length;

    g_free(fuzz_write_file(dir, RECORD, data, size));
    ledger = vfp_ledger_open(VFP_LEDGER_READ, &error);
    if (!ledger)
        fuzz_fail("the ledger does not open: %s", error->message);
    claim = vfp_ledger_lookup(ledger, ADDRESS);
    if (!claim)
        fuzz_fail("a record file was not seen as a claim of %s", ADDRESS);
    if (!parsed || g_strcmp0(parsed->address, ADDRESS) != 0) {
        if (must)
            fuzz_fail("the record as written does not load:\n%.*s", (int)size, (const char *)data);
        return NULL;
    }
    if (vfp_ledger_get_claims(ledger)->len != 1)
        fuzz_fail("one record, %u claims", vfp_ledger_get_claims(ledger)->len);
    return vfp_claim_to_data(claim, &length);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(GPtrArray) old = vfp_ledger_json_read((const char *)data, size, NULL);
    g_autofree char *record = load(data, size, FALSE);
    g_autofree char *again = NULL;

    /* What the old format gives is what the upgrade writes as records: they must read back. */
    for (guint i = 0; old && i < old->len; i++) {
        gsize length;
        g_autofree char *text = vfp_claim_to_data(g_ptr_array_index(old, i), &length);
        g_autoptr(VfpClaim) back = vfp_claim_from_data(text, length, NULL);

        if (!back)
            fuzz_fail("a claim of the old format does not read back as a record:\n%s", text);
    }
    if (!record)
        return 0;
    again = load((const uint8_t *)record, strlen(record), TRUE);
    if (strcmp(record, again) != 0)
        fuzz_fail("the record reads back differently:\n%s\n---\n%s", record, again);
    return 0;
}
