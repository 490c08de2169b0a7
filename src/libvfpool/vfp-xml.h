/* libxml2 glue: parsing with errors turned into one-line GErrors, RELAX NG validation against
 * the schemas compiled into the library, and small attribute helpers. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlChar, xmlFree)

xmlDoc *vfp_xml_parse_file(const char *path, GError **error);
xmlDoc *vfp_xml_parse_memory(const char *what, const char *buffer, gsize length, GError **error);
gboolean vfp_xml_validate(xmlDoc *doc, const char *schema, const char *what, GError **error);
GBytes *vfp_xml_schema_bytes(const char *schema);
const char *vfp_xml_schema_sha256(const char *schema);

char *vfp_xml_get_prop(xmlNode *node, const char *name);
gboolean vfp_xml_is_element(xmlNode *node, const char *ns_uri, const char *name);
xmlNode *vfp_xml_first_child(xmlNode *parent, const char *ns_uri, const char *name);
xmlNode *vfp_xml_insert_snippet(xmlNode *parent, xmlNode *before, const char *snippet);
void vfp_xml_remove_node(xmlNode *node);
char *vfp_xml_to_string(xmlDoc *doc);
