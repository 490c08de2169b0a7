/* Fuzz target: the domain XML libvirt passes the hook at release, read by vfpool-hook-release
 * with GLib's GMarkup rather than libxml2: never a crash, and a domain's claim is given back
 * only for XML that names it (its <name> the hook's argument, its <uuid> the claim's), as far
 * as the input's bytes show it. */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "vfp-hook.h"
#include "vfp-ledger.h"

#define NAME "web01"
#define UUID "6d8b3a0e-7f36-4a43-9d0a-000000000001"
#define ADDRESS "0000:3b:02.3"

static void
claim_again(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfpLedger) ledger = vfp_ledger_open(VFP_LEDGER_WRITE, &error);
    VfpClaim *claim;

    if (ledger && vfp_ledger_lookup(ledger, ADDRESS))
        return;
    claim = vfp_claim_new();
    claim->address = g_strdup(ADDRESS);
    claim->pf = g_strdup("0000:3b:00.0");
    claim->index = 3;
    claim->pool = g_strdup("net-a");
    claim->domain = g_strdup(NAME);
    claim->uuid = g_strdup(UUID);
    claim->alias = g_strdup("ua-vfpool-net0");
    if (!ledger || !vfp_ledger_claim(ledger, claim, &error) || !vfp_ledger_commit(ledger, &error))
        fuzz_fail("cannot write the ledger: %s", error->message);
}

static gboolean
claimed(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfpLedger) ledger = vfp_ledger_open(VFP_LEDGER_READ, &error);

    if (!ledger)
        fuzz_fail("the ledger does not open: %s", error->message);
    return vfp_ledger_lookup(ledger, ADDRESS) != NULL;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_init();
    fuzz_fake_host();
    g_free(fuzz_make_dir("state", "VFPOOL_STATE_DIR"));
    return 0;
}

/* Without entity references, CDATA sections, comments or processing instructions, the text
 * of <name> and <uuid> as the release step reads it is a run of the input's bytes. */
static gboolean
plain(const uint8_t *data, size_t size)
{
    return !memchr(data, '&', size) && !memmem(data, size, "<!", 2) && !memmem(data, size, "<?", 2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    claim_again();
    vfp_hook_release(NAME, (const char *)data, size);
    /* Given back: the input must name the domain and its UUID, whatever else it says. */
    if (!claimed() && plain(data, size) &&
        (!memmem(data, size, NAME, strlen(NAME)) || !memmem(data, size, UUID, strlen(UUID))))
        fuzz_fail("the claim of '%s' went for XML that does not name it:\n%.*s", NAME, (int)size,
                  (const char *)data);
    return 0;
}
