/* The libvirt QEMU hook's work: one lifecycle step of one domain, from argv and the domain
 * XML on stdin. Never calls libvirt (libvirtd waits on the hook). */
#pragma once

#include <glib.h>

typedef enum {
    VFP_HOOK_IGNORED,   /* a step vfpool does nothing at */
    VFP_HOOK_PREPARE,   /* prepare begin */
    VFP_HOOK_RELEASE,   /* release end */
    VFP_HOOK_MIGRATE,   /* migrate begin, on the destination */
    VFP_HOOK_RESTORE,   /* restore begin */
    VFP_HOOK_RECONNECT, /* reconnect begin, after libvirtd restarted */
} VfpHookStep;

VfpHookStep vfp_hook_step_parse(const char *op, const char *subop);
int vfp_hook_run(const char *name, VfpHookStep step, const char *xml, gsize length,
                 GString *output, GError **failure);
