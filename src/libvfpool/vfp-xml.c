/* libxml2 helpers shared by pool files and domain XML: parsing, validation, attributes, and
 * edits that keep the indentation of a document someone else wrote. */
#include "config.h"

#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/xmlsave.h>
#include <string.h>

#include "vfp-error.h"
#include "vfp-schemas.h"
#include "vfp-xml.h"

/* libxml2 reports through callbacks; keep the first error, which is the cause. */
typedef struct {
    char *message;
    int line;
} XmlErrorCapture;

static void
capture_structured_error(void *opaque, xmlErrorPtr err)
{
    XmlErrorCapture *capture = opaque;
    g_autofree char *message = NULL;
    g_auto(GStrv) lines = NULL;

    if (capture->message || !err || !err->message)
        return;
    /* Some of libxml2's messages span lines ("...encoding !\nBytes: 0xFF ..."), and every
     * error vfpool reports is one line. */
    message = g_strdup(err->message);
    lines = g_strsplit(g_strstrip(message), "\n", -1);
    capture->message = g_strjoinv("; ", lines);
    capture->line = err->line;
}

static void
set_xml_error(GError **error, const char *what, const char *verb, XmlErrorCapture *capture)
{
    if (capture->line > 0)
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID, "%s %s at line %d: %s", what, verb,
                    capture->line, capture->message ? capture->message : "unknown error");
    else
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID, "%s %s: %s", what, verb,
                    capture->message ? capture->message : "unknown error");
    g_free(capture->message);
}

static xmlDoc *
parse_with(const char *what, const char *path, const char *buffer, gsize length, GError **error)
{
    xmlParserCtxt *ctxt = xmlNewParserCtxt();
    XmlErrorCapture capture = {0};
    /* No network, no entity expansion, no DTD loading: domain XML reaches us from libvirt and
     * from users, and pool files are root's, but none of them need any of it. */
    int options = XML_PARSE_NONET | XML_PARSE_NOWARNING;
    xmlDoc *doc;

    if (!ctxt) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_FAILED, "out of memory parsing %s", what);
        return NULL;
    }
    xmlSetStructuredErrorFunc(&capture, capture_structured_error);
    if (path)
        doc = xmlCtxtReadFile(ctxt, path, NULL, options);
    else if (length > G_MAXINT)
        doc = NULL;
    else
        doc = xmlCtxtReadMemory(ctxt, buffer, length, "domain.xml", NULL, options);
    xmlSetStructuredErrorFunc(NULL, NULL);
    xmlFreeParserCtxt(ctxt);
    if (!doc || !xmlDocGetRootElement(doc)) {
        if (!capture.message)
            capture.message = g_strdup(length > G_MAXINT ? "document too large" : "empty document");
        set_xml_error(error, what, "is not well-formed XML", &capture);
        xmlFreeDoc(doc);
        return NULL;
    }
    g_free(capture.message);
    return doc;
}

xmlDoc *
vfp_xml_parse_file(const char *path, GError **error)
{
    return parse_with(path, path, NULL, 0, error);
}

xmlDoc *
vfp_xml_parse_memory(const char *what, const char *buffer, gsize length, GError **error)
{
    return parse_with(what, NULL, buffer, length, error);
}

/* SCHEMA ("pool.rng") as built in, without its terminating NUL; NULL if there is none. */
GBytes *
vfp_xml_schema_bytes(const char *schema)
{
    for (const VfpSchemaText *entry = vfp_schema_texts; entry->name; entry++) {
        if (g_str_equal(entry->name, schema))
            return g_bytes_new_static(entry->text, strlen(entry->text));
    }
    return NULL;
}

/* The SHA-256 of SCHEMA's text, computed when it was built in; NULL if there is none. */
const char *
vfp_xml_schema_sha256(const char *schema)
{
    for (const VfpSchemaText *entry = vfp_schema_texts; entry->name; entry++) {
        if (g_str_equal(entry->name, schema))
            return entry->sha256;
    }
    return NULL;
}

/* Validates DOC against SCHEMA ("pool.rng"), compiled into the library so an uninstalled
 * build validates exactly like an installed one. */
/* The compiled SCHEMA, compiled once per process: vfpoold and the listings validate the
 * metadata of every domain. */
static xmlRelaxNG *
compiled_schema(const char *schema, GError **error)
{
    static GHashTable *compiled; /* schema name -> xmlRelaxNG *, for the process's life */
    G_LOCK_DEFINE_STATIC(compiled);
    g_autoptr(GBytes) bytes = NULL;
    xmlRelaxNGParserCtxt *parser;
    xmlRelaxNG *rng;
    gsize size;
    const char *data;

    G_LOCK(compiled);
    if (!compiled)
        compiled = g_hash_table_new(g_str_hash, g_str_equal);
    rng = g_hash_table_lookup(compiled, schema);
    if (rng) {
        G_UNLOCK(compiled);
        return rng;
    }
    bytes = vfp_xml_schema_bytes(schema);
    if (!bytes) {
        G_UNLOCK(compiled);
        g_set_error(error, VFP_ERROR, VFP_ERROR_FAILED, "schema %s is not built in", schema);
        return NULL;
    }
    data = g_bytes_get_data(bytes, &size);
    parser = xmlRelaxNGNewMemParserCtxt(data, size);
    rng = xmlRelaxNGParse(parser);
    xmlRelaxNGFreeParserCtxt(parser);
    if (rng)
        g_hash_table_insert(compiled, g_strdup(schema), rng);
    G_UNLOCK(compiled);
    if (!rng)
        g_set_error(error, VFP_ERROR, VFP_ERROR_FAILED, "built-in schema %s is broken", schema);
    return rng;
}

gboolean
vfp_xml_validate(xmlDoc *doc, const char *schema, const char *what, GError **error)
{
    xmlRelaxNG *rng = compiled_schema(schema, error);
    xmlRelaxNGValidCtxt *valid;
    XmlErrorCapture capture = {0};
    int rc;

    if (!rng)
        return FALSE;
    valid = xmlRelaxNGNewValidCtxt(rng);
    xmlRelaxNGSetValidStructuredErrors(valid, capture_structured_error, &capture);
    rc = xmlRelaxNGValidateDoc(valid, doc);
    xmlRelaxNGFreeValidCtxt(valid);
    if (rc != 0) {
        set_xml_error(error, what, "does not follow its schema", &capture);
        return FALSE;
    }
    g_free(capture.message);
    return TRUE;
}

/* A g_malloc'ed copy of an attribute, so callers never mix xmlFree and g_free. */
char *
vfp_xml_get_prop(xmlNode *node, const char *name)
{
    g_autoptr(xmlChar) value = xmlGetNoNsProp(node, (const xmlChar *)name);

    return value ? g_strdup((const char *)value) : NULL;
}

gboolean
vfp_xml_is_element(xmlNode *node, const char *ns_uri, const char *name)
{
    if (!node || node->type != XML_ELEMENT_NODE || !xmlStrEqual(node->name, (const xmlChar *)name))
        return FALSE;
    if (!ns_uri)
        return node->ns == NULL;
    return node->ns && xmlStrEqual(node->ns->href, (const xmlChar *)ns_uri);
}

xmlNode *
vfp_xml_first_child(xmlNode *parent, const char *ns_uri, const char *name)
{
    for (xmlNode *child = parent ? parent->children : NULL; child; child = child->next) {
        if (vfp_xml_is_element(child, ns_uri, name))
            return child;
    }
    return NULL;
}

/* ---- editing that keeps the document's indentation ---------------------------------------- */

/* The whitespace that indents NODE: what follows the last newline of the text before it. */
static char *
indent_of(xmlNode *node)
{
    const char *text;
    const char *newline;

    if (!node || !node->prev || node->prev->type != XML_TEXT_NODE || !node->prev->content)
        return g_strdup("");
    text = (const char *)node->prev->content;
    newline = strrchr(text, '\n');
    return g_strdup(newline ? newline + 1 : "");
}

static char *
indent_of_children(xmlNode *parent)
{
    g_autofree char *parent_indent = NULL;

    for (xmlNode *child = parent->children; child; child = child->next) {
        if (child->type == XML_ELEMENT_NODE)
            return indent_of(child);
    }
    parent_indent = indent_of(parent);
    return g_strconcat(parent_indent, "  ", NULL);
}

static gboolean
is_blank(xmlNode *node)
{
    return node && node->type == XML_TEXT_NODE && xmlIsBlankNode(node);
}

/* Parses SNIPPET (written with two-space indentation from column 0) in PARENT's context,
 * indents it like PARENT's other children and inserts it before BEFORE (NULL: at the end). */
xmlNode *
vfp_xml_insert_snippet(xmlNode *parent, xmlNode *before, const char *snippet)
{
    g_autofree char *indent = indent_of_children(parent);
    g_autofree char *newline_indent = g_strconcat("\n", indent, NULL);
    g_auto(GStrv) lines = g_strsplit(snippet, "\n", -1);
    g_autofree char *indented = g_strjoinv(newline_indent, lines);
    xmlNode *list = NULL;
    xmlNode *element;
    xmlNode *blank;

    if (xmlParseInNodeContext(parent, indented, strlen(indented), XML_PARSE_NONET, &list) !=
            XML_ERR_OK ||
        !list)
        return NULL;
    element = list;
    xmlFreeNodeList(element->next);
    element->next = NULL;
    blank = xmlNewDocText(parent->doc, (const xmlChar *)newline_indent);

    if (!parent->children) {
        g_autofree char *parent_indent = indent_of(parent);
        g_autofree char *closing = g_strconcat("\n", parent_indent, NULL);

        xmlAddChild(parent, blank);
        xmlAddChild(parent, element);
        xmlAddChild(parent, xmlNewDocText(parent->doc, (const xmlChar *)closing));
    } else if (!before && !is_blank(parent->last)) {
        xmlAddChild(parent, blank);
        xmlAddChild(parent, element);
    } else if (!before || (is_blank(before) && !before->next)) {
        /* Before the whitespace that indents the parent's closing tag. libxml2 merges adjacent
         * text nodes, so the indentation goes in after the element, onto its left side. */
        before = before ? before : parent->last;
        xmlAddPrevSibling(before, element);
        xmlAddPrevSibling(element, blank);
    } else {
        xmlAddPrevSibling(before, element);
        xmlAddNextSibling(element, blank);
    }
    return element;
}

/* Removes NODE with the whitespace that indented it. */
void
vfp_xml_remove_node(xmlNode *node)
{
    if (is_blank(node->prev)) {
        xmlNode *blank = node->prev;

        xmlUnlinkNode(blank);
        xmlFreeNode(blank);
    }
    xmlUnlinkNode(node);
    xmlFreeNode(node);
}

/* Serializes without an XML declaration, as virsh dumpxml prints domains. */
char *
vfp_xml_to_string(xmlDoc *doc)
{
    xmlBuffer *buffer = xmlBufferCreate();
    xmlSaveCtxt *save = xmlSaveToBuffer(buffer, "UTF-8", XML_SAVE_NO_DECL);
    char *text;

    xmlSaveDoc(save, doc);
    xmlSaveClose(save);
    text = g_strdup((const char *)xmlBufferContent(buffer));
    xmlBufferFree(buffer);
    return text;
}
