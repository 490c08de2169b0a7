/* The libvfpool error domain, and the tokens that name its codes to other programs. */
#include "vfp-error.h"

G_DEFINE_QUARK(vfpool - error - quark, vfp_error)

static const char *const error_tokens[] = {
    [VFP_ERROR_FAILED] = "failed",       [VFP_ERROR_INVALID] = "invalid",
    [VFP_ERROR_NOT_FOUND] = "not-found", [VFP_ERROR_SYSFS] = "sysfs",
    [VFP_ERROR_EXHAUSTED] = "exhausted", [VFP_ERROR_BUSY] = "busy",
    [VFP_ERROR_LEDGER] = "ledger",       [VFP_ERROR_UNSUPPORTED] = "unsupported",
};

/* "[vfpool:busy]": what the hook appends to the line libvirt shows, so that programs (vfpool
 * start among them) can tell why a start failed without reading the English. */
char *
vfp_error_tag(const GError *error)
{
    const char *token = "failed";

    if (error->domain == VFP_ERROR && error->code >= 0 &&
        error->code < (int)G_N_ELEMENTS(error_tokens))
        token = error_tokens[error->code];
    return g_strdup_printf("[vfpool:%s]", token);
}
