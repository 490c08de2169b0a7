/* QMP commands sent through libvirt: a QEMU's own VFIO pause/resume, named in vfpool.conf. */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

#include "vfp-config.h"

gboolean vfp_qmp_device_command(virDomainPtr dom, const char *name, const char *command,
                                const char *alias, const char *host, GError **error);
gboolean vfp_qmp_has_vfio_pause(virConnectPtr conn, const char *name, const VfpConfig *config);
