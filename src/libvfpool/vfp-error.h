/* The one GError domain of libvfpool: every failure a user can hit carries one of these codes
 * and a message that names the domain, pool or VF, what is wrong and what to do. The hook
 * appends the code's tag ("[vfpool:busy]") to its refusal: keep the codes' meaning stable. */
#pragma once

#include <glib.h>

#define VFP_ERROR (vfp_error_quark())

typedef enum {
    VFP_ERROR_FAILED,      /* anything else */
    VFP_ERROR_INVALID,     /* malformed or contradictory input (XML, MAC, VLAN, ...) */
    VFP_ERROR_NOT_FOUND,   /* unknown pool, domain, VF, PF */
    VFP_ERROR_SYSFS,       /* a sysfs file is missing or unreadable */
    VFP_ERROR_EXHAUSTED,   /* no VF left in a pool for a request */
    VFP_ERROR_BUSY,        /* a VF is held by another running domain */
    VFP_ERROR_LEDGER,      /* the ledger cannot be read, locked or written */
    VFP_ERROR_UNSUPPORTED, /* the kernel or driver refuses a setting */
} VfpErrorCode;

GQuark vfp_error_quark(void);
char *vfp_error_tag(const GError *error);
