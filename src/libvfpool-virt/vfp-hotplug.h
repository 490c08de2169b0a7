/* vfpool attach and detach: a VF of a pool hot-plugged into a running domain for a new
 * request, or hot-unplugged and given back, each planned as a one-step journal for the
 * operation engine; and the same request added to or dropped from the persistent definition. */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

#include "vfp-domain.h"
#include "vfp-operation.h"

/* What vfpool attach asks for: a request as the vfpool:vf element would say it. */
typedef struct {
    const char *pool;
    const char *alias;             /* NULL: the first ua-vfpool-N the domain does not use */
    const char *const *attributes; /* name and value pairs (mac, vlan, trust, ...), NULL-ended */
} VfpAttachSpec;

gboolean vfp_hotplug_check_spec(const char *domain, const VfpAttachSpec *spec, GError **error);
/* FLAGS: virDomainModificationImpact, as for virsh attach-interface (CURRENT, LIVE, CONFIG). */
gboolean vfp_hotplug_attach(virConnectPtr conn, const char *domain, const VfpAttachSpec *spec,
                            unsigned int flags, VfpOperationReport *report, GError **error);
gboolean vfp_hotplug_detach(virConnectPtr conn, const char *domain, const char *alias,
                            unsigned int flags, VfpOperationReport *report, GError **error);
/* A VF a running domain holds without its device (vfpool migrate's destination), plugged. */
gboolean vfp_hotplug_plug_held(virDomainPtr dom, const char *name, const char *alias,
                               const char *address, const VfpDeviceInfo *kind, char **plugged,
                               gboolean *already, GError **error);
