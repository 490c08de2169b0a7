/* A domain's vfpool status element (<vfpool:status state= since= message=/>): written into
 * the persistent metadata by vfpoold and vfpool, read by vfpool status and by people. */
#include "config.h"

#include <libxml/tree.h>

#include "vfp-domain.h"
#include "vfp-xml.h"

static const char *const state_names[] = {
    [VFP_STATUS_NONE] = "none",
    [VFP_STATUS_WAITING] = "waiting",
    [VFP_STATUS_RELEASED] = "released",
    [VFP_STATUS_DROPPED] = "dropped",
};

const char *
vfp_status_state_to_string(VfpStatusState state)
{
    return state_names[state];
}

static char *
format_time(gint64 seconds)
{
    g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc(seconds);

    return time ? g_date_time_format_iso8601(time) : g_strdup("");
}

static gint64
parse_time(const char *text)
{
    g_autoptr(GDateTime) time = text ? g_date_time_new_from_iso8601(text, NULL) : NULL;

    return time ? g_date_time_to_unix(time) : 0;
}

/* NODE was validated against the schema: its state is one of the names. */
void
vfp_domain_status_read(VfpDomain *domain, xmlNode *node)
{
    g_autofree char *state = vfp_xml_get_prop(node, "state");
    g_autofree char *since = vfp_xml_get_prop(node, "since");

    for (guint i = 0; i < G_N_ELEMENTS(state_names); i++) {
        if (g_strcmp0(state, state_names[i]) == 0)
            domain->status.state = i;
    }
    domain->status.since = parse_time(since);
    g_free(domain->status.message);
    domain->status.message = vfp_xml_get_prop(node, "message");
    /* vfpool wrote it as one line, but the domain's author may rewrite it: errors quote it. */
    for (char *c = domain->status.message; c && *c; c++) {
        if (g_ascii_iscntrl(*c))
            *c = ' ';
    }
}

/* Replaces the status (VFP_STATUS_NONE: removes it). A state that stays keeps its since. */
void
vfp_domain_set_status(VfpDomain *domain, VfpStatusState state, const char *message)
{
    xmlNode *vfpool = vfp_domain_metadata_node(domain);
    xmlNs *ns =
        vfpool ? xmlSearchNsByHref(domain->doc, vfpool, (const xmlChar *)VFP_DOMAIN_NS) : NULL;
    const char *prefix = ns && ns->prefix ? (const char *)ns->prefix : NULL;
    gint64 since = state == domain->status.state && domain->status.since
                       ? domain->status.since
                       : g_get_real_time() / G_USEC_PER_SEC;
    g_autofree char *snippet = NULL;
    g_autofree char *since_text = NULL;
    xmlNode *node;

    if (!vfpool)
        return;
    for (node = vfpool->children; node;) {
        xmlNode *next = node->next;

        if (vfp_xml_is_element(node, VFP_DOMAIN_NS, "status"))
            vfp_xml_remove_node(node);
        node = next;
    }
    g_clear_pointer(&domain->status.message, g_free);
    domain->status.state = state;
    domain->status.since = 0;
    if (state == VFP_STATUS_NONE)
        return;
    snippet = g_strdup_printf("<%s%sstatus/>", prefix ? prefix : "", prefix ? ":" : "");
    node = vfp_xml_insert_snippet(vfpool, NULL, snippet);
    if (!node)
        return;
    since_text = format_time(since);
    /* xmlSetProp escapes: the message may quote anything a domain's author wrote. */
    xmlSetProp(node, (const xmlChar *)"state", (const xmlChar *)state_names[state]);
    xmlSetProp(node, (const xmlChar *)"since", (const xmlChar *)since_text);
    if (message)
        xmlSetProp(node, (const xmlChar *)"message", (const xmlChar *)message);
    domain->status.since = since;
    domain->status.message = g_strdup(message);
}
