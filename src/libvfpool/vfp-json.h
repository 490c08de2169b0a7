/* Small json-glib helpers shared by the ledger, the operation journal and the reports. */
#pragma once

#include <json-glib/json-glib.h>

void vfp_json_add_string(JsonBuilder *builder, const char *name, const char *value);
void vfp_json_add_int(JsonBuilder *builder, const char *name, gint64 value);
void vfp_json_add_bool(JsonBuilder *builder, const char *name, gboolean value);
const char *vfp_json_get_string(JsonObject *object, const char *name);
gboolean vfp_json_get_int(JsonObject *object, const char *name, gint64 *value);
gboolean vfp_json_get_bool(JsonObject *object, const char *name, gboolean *value);
gboolean vfp_json_get_optional_string(JsonObject *object, const char *name, const char **value);
JsonArray *vfp_json_get_array(JsonObject *object, const char *name);
