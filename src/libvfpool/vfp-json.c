/* Adding members to a JSON object under construction, and reading them back. */
#include "config.h"

#include "vfp-json.h"

/* A NULL VALUE is written as null. */
void
vfp_json_add_string(JsonBuilder *builder, const char *name, const char *value)
{
    json_builder_set_member_name(builder, name);
    if (value)
        json_builder_add_string_value(builder, value);
    else
        json_builder_add_null_value(builder);
}

void
vfp_json_add_int(JsonBuilder *builder, const char *name, gint64 value)
{
    json_builder_set_member_name(builder, name);
    json_builder_add_int_value(builder, value);
}

void
vfp_json_add_bool(JsonBuilder *builder, const char *name, gboolean value)
{
    json_builder_set_member_name(builder, name);
    json_builder_add_boolean_value(builder, value);
}

/* NULL when NAME is missing or not a string. */
const char *
vfp_json_get_string(JsonObject *object, const char *name)
{
    JsonNode *node = json_object_get_member(object, name);

    if (!node || !JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING)
        return NULL;
    return json_node_get_string(node);
}

gboolean
vfp_json_get_int(JsonObject *object, const char *name, gint64 *value)
{
    JsonNode *node = json_object_get_member(object, name);

    if (!node || !JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_INT64)
        return FALSE;
    *value = json_node_get_int(node);
    return TRUE;
}

gboolean
vfp_json_get_bool(JsonObject *object, const char *name, gboolean *value)
{
    JsonNode *node = json_object_get_member(object, name);

    if (!node || !JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_BOOLEAN)
        return FALSE;
    *value = json_node_get_boolean(node);
    return TRUE;
}

/* FALSE only when NAME is there with another type than string: missing and null give NULL. */
gboolean
vfp_json_get_optional_string(JsonObject *object, const char *name, const char **value)
{
    JsonNode *node = json_object_get_member(object, name);

    *value = NULL;
    if (!node || JSON_NODE_HOLDS_NULL(node))
        return TRUE;
    *value = vfp_json_get_string(object, name);
    return *value != NULL;
}

/* NULL when NAME is missing or not an array. */
JsonArray *
vfp_json_get_array(JsonObject *object, const char *name)
{
    JsonNode *node = json_object_get_member(object, name);

    return node && JSON_NODE_HOLDS_ARRAY(node) ? json_node_get_array(node) : NULL;
}
