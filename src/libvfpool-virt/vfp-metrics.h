/* Pool capacity as Prometheus metrics (the text exposition format 0.0.4): each pool's VFs by
 * state from the census that 'vfpool pools' shows, each PF's VFs by the state 'vfpool status'
 * shows, and the VFs running domains hold. Built by 'vfpool metrics' and, when vfpool.conf
 * names a textfile for node_exporter, by vfpoold after every pass. */
#pragma once

#include <glib.h>

#include "vfp-select.h"

char *vfp_metrics_build(const VfpSelectContext *context, GError **error);
gboolean vfp_metrics_write_textfile(const char *path, const char *text, GError **error);
gboolean vfp_metrics_update_textfile(const char *path, GHashTable *reserved_by, GError **error);
