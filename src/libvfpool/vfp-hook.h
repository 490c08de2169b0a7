/* The libvirt QEMU hook's work: one lifecycle step of one domain, from argv and the domain
 * XML on stdin. Never calls libvirt (libvirtd waits on the hook). */
#pragma once

#include <glib.h>

#include "vfp-hook-steps.h"

/* How a program runs one step (vfp_hook_main): every step, or only release. */
typedef int (*VfpHookRun)(const char *name, VfpHookStep step, const char *xml, gsize length,
                          GString *output, GError **failure);

int vfp_hook_run(const char *name, VfpHookStep step, const char *xml, gsize length, GString *output,
                 GError **failure);

/* vfp-hook-steps.c: here, not in vfp-hook-steps.h, which the front includes and cannot link. */
VfpHookStep vfp_hook_step_parse(const char *op, const char *subop);

/* vfp-hook-release.c, which needs no libxml2 (vfpool-hook-release). */
void vfp_hook_release(const char *name, const char *xml, gsize length);
int vfp_hook_run_release(const char *name, VfpHookStep step, const char *xml, gsize length,
                         GString *output, GError **failure);
