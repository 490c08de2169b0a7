/* The libvirt hook steps vfpool acts at, alone (plain C, no GLib) so the hook front and the
 * worker share one table. */
#pragma once

typedef enum {
    VFP_HOOK_IGNORED,   /* a step vfpool does nothing at */
    VFP_HOOK_PREPARE,   /* prepare begin */
    VFP_HOOK_RELEASE,   /* release end */
    VFP_HOOK_MIGRATE,   /* migrate begin, on the destination */
    VFP_HOOK_RESTORE,   /* restore begin */
    VFP_HOOK_RECONNECT, /* reconnect begin, after libvirtd restarted */
} VfpHookStep;

static const struct {
    const char *op;
    const char *subop;
    VfpHookStep step;
} vfp_hook_steps[] = {
    {"prepare", "begin", VFP_HOOK_PREPARE},     {"release", "end", VFP_HOOK_RELEASE},
    {"migrate", "begin", VFP_HOOK_MIGRATE},     {"restore", "begin", VFP_HOOK_RESTORE},
    {"reconnect", "begin", VFP_HOOK_RECONNECT},
};

/* Whether a failure at STEP stops the domain, so that libvirt shows the hook's message. */
#define VFP_HOOK_STEP_BLOCKS(step)                                                                 \
    ((step) == VFP_HOOK_PREPARE || (step) == VFP_HOOK_MIGRATE || (step) == VFP_HOOK_RESTORE)
