/* Reading the ledger of vfpool before per-VF records (one ledger.json), so that a host upgraded
 * while domains run keeps their claims. json-glib lives here, out of the hook worker's way. */
#pragma once

#include <glib.h>

GPtrArray *vfp_ledger_json_read(const char *data, gsize length, GError **error);
