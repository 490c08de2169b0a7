/* The libvirt QEMU hook's work: one lifecycle step of one domain, from argv and the domain
 * XML on stdin. Never calls libvirt (libvirtd waits on the hook). */
#pragma once

#include <glib.h>

#include "vfp-hook-steps.h"

VfpHookStep vfp_hook_step_parse(const char *op, const char *subop);
int vfp_hook_run(const char *name, VfpHookStep step, const char *xml, gsize length, GString *output,
                 GError **failure);
