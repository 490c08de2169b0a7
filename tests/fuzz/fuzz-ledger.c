/* Fuzz target: the ledger in $VFPOOL_STATE_DIR, read as every vfpool command and the hook read
 * it (a crash or a reboot can leave anything there). What loads must be written back as the
 * ledger would be committed and read back the same. Keep this to the public ledger API: when
 * the ledger's files change, only LEDGER_FILE should need to. */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "vfp-ledger.h"

#define LEDGER_FILE "ledger.json" /* as src/libvfpool/vfp-ledger.c names it */

static char *dir;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_init();
    dir = fuzz_make_dir("state", "VFPOOL_STATE_DIR");
    return 0;
}

static char *
load(const uint8_t *data, size_t size, gboolean must)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfpLedger) ledger = NULL;
    GPtrArray *claims;

    g_free(fuzz_write_file(dir, LEDGER_FILE, data, size));
    ledger = vfp_ledger_open(VFP_LEDGER_READ, &error);
    if (!ledger) {
        if (must)
            fuzz_fail("the ledger as written does not load: %s\n%.*s", error->message, (int)size,
                      (const char *)data);
        return NULL;
    }
    claims = vfp_ledger_get_claims(ledger);
    for (guint i = 0; i < claims->len; i++) {
        const VfpClaim *claim = g_ptr_array_index(claims, i);

        if (claim->address && !vfp_ledger_lookup(ledger, claim->address))
            fuzz_fail("the claim of %s is not found by its address", claim->address);
    }
    return vfp_ledger_to_json(ledger);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *json = load(data, size, FALSE);
    g_autofree char *again = NULL;

    if (!json)
        return 0;
    again = load((const uint8_t *)json, strlen(json), TRUE);
    if (strcmp(json, again) != 0)
        fuzz_fail("the ledger reads back differently:\n%s\n---\n%s", json, again);
    return 0;
}
