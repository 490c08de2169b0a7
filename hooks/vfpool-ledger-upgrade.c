/* vfpool-ledger-upgrade: converts the ledger of an older vfpool (one ledger.json) into per-VF
 * records. The hook worker runs it when it finds such a ledger, so that the worker itself never
 * loads json-glib on libvirtd's start path. */
#include "config.h"

#include <stdio.h>

#include "vfp-ledger-json.h"
#include "vfp-ledger.h"

int
main(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfpLedger) ledger = NULL;

    vfp_ledger_set_old_reader(vfp_ledger_json_read);
    ledger = vfp_ledger_open(VFP_LEDGER_READ, &error);
    if (!ledger) {
        fprintf(stderr, "vfpool: %s\n", error->message);
        return 1;
    }
    return 0;
}
