/* What the vfpool listing commands show. Each report is built once as a JSON tree (json-glib)
 * and then printed either as JSON (--json) or as text for people, so both always agree. */
#pragma once

#include <json-glib/json-glib.h>

#include "vfp-select.h"

JsonNode *vfp_report_pools(const VfpSelectContext *context, GError **error);
JsonNode *vfp_report_status(const VfpSelectContext *context, GPtrArray *defined, GError **error);
JsonNode *vfp_report_explain(const VfpSelectContext *context, const VfpDomain *domain,
                             GError **error);

void vfp_report_print(JsonNode *report, gboolean json);
