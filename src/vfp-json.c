/* Adding members to a JSON object under construction. */
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
