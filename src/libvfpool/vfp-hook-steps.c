/* The step libvirt names by OP and SUBOP, for the programs the hook front execs. The table is
 * in vfp-hook-steps.h, as the front, plain libc, reads it with a loop of its own. */
#include "config.h"

#include "vfp-hook.h"

VfpHookStep
vfp_hook_step_parse(const char *op, const char *subop)
{
    for (guint i = 0; i < G_N_ELEMENTS(vfp_hook_steps); i++) {
        if (g_strcmp0(op, vfp_hook_steps[i].op) == 0 &&
            g_strcmp0(subop, vfp_hook_steps[i].subop) == 0)
            return vfp_hook_steps[i].step;
    }
    return VFP_HOOK_IGNORED;
}
