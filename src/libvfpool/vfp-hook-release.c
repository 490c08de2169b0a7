/* The hook's release step, apart from the others: it needs neither the schemas nor libxml2,
 * so vfpool-hook-release, which the front runs at every stop of a pooled domain, loads only
 * GLib and libnl (libxml2 brings ICU and libstdc++, most of the worker's start-up). */
#include "config.h"

#include <string.h>

#include "vfp-error.h"
#include "vfp-hook.h"
#include "vfp-log.h"
#include "vfp-statedir.h"
#include "vfp-vfstate.h"

/* release end: never fails; what cannot be restored is logged. The domain's claims are found
 * by its UUID alone, whatever its XML says by then (even without vfpool metadata), so the
 * XML is not checked against the schema: that would cost more than the release itself. */
static gboolean
hook_release(const char *name, const char *uuid, GError **error)
{
    g_autoptr(VfpLedger) ledger = vfp_ledger_open(VFP_LEDGER_WRITE, error);
    g_autoptr(VfpHost) host = vfp_host_new();
    g_autoptr(GPtrArray) claims = NULL;

    if (!ledger)
        return FALSE;
    claims = vfp_ledger_get_domain_claims(ledger, uuid);
    vfp_vf_state_sweep_pending(ledger, host);
    for (guint i = 0; i < claims->len; i++) {
        VfpClaim *claim = g_ptr_array_index(claims, i);

        if (vfp_ledger_lookup(ledger, claim->address) != claim)
            continue; /* an unfinished claim, undone by the sweep */
        vfp_vf_state_restore(host, claim);
        vfp_log_event(VFP_EVENT_VF_RELEASED, G_LOG_LEVEL_MESSAGE,
                      &(VfpLogFields){name, claim->pool, claim->address, "release"},
                      "domain '%s': step release: gave back VF %s (pool %s)", name, claim->address,
                      claim->pool);
        vfp_ledger_release(ledger, claim->address);
    }
    if (!vfp_ledger_commit(ledger, error))
        return FALSE;
    /* Also what a hook killed between the entry and the claim left behind. */
    vfp_state_unmark_domain(uuid, NULL);
    return TRUE;
}

/* The first <name> and <uuid> children of the root <domain>, read by GLib's GMarkup: a
 * well-formedness check without DTDs or entities beyond XML's five, as libxml2 is set up. */
typedef struct {
    int depth;
    gboolean domain;
    GString *name;
    GString *uuid;
    GString *text; /* the element being read: name or uuid, NULL elsewhere */
} Identity;

static void
identity_start(GMarkupParseContext *context, const char *element, const char **names,
               const char **values, gpointer data, GError **error)
{
    Identity *identity = data;

    identity->depth++;
    identity->text = NULL;
    if (identity->depth == 1) {
        /* A <domain> in a namespace is not libvirt's. */
        identity->domain = g_str_equal(element, "domain") && !g_strv_contains(names, "xmlns");
    } else if (identity->depth == 2 && identity->domain) {
        if (g_str_equal(element, "name") && !identity->name)
            identity->text = identity->name = g_string_new(NULL);
        else if (g_str_equal(element, "uuid") && !identity->uuid)
            identity->text = identity->uuid = g_string_new(NULL);
    }
}

static void
identity_end(GMarkupParseContext *context, const char *element, gpointer data, GError **error)
{
    Identity *identity = data;

    identity->depth--;
    identity->text = NULL;
}

static void
identity_text(GMarkupParseContext *context, const char *text, gsize length, gpointer data,
              GError **error)
{
    Identity *identity = data;

    if (identity->text)
        g_string_append_len(identity->text, text, length);
}

static gboolean
read_identity(const char *xml, gsize length, char **name, char **uuid, GError **error)
{
    static const GMarkupParser parser = {identity_start, identity_end, identity_text, NULL, NULL};
    Identity identity = {0};
    g_autoptr(GMarkupParseContext) context =
        g_markup_parse_context_new(&parser, G_MARKUP_TREAT_CDATA_AS_TEXT, &identity, NULL);
    g_autoptr(GError) local = NULL;
    gboolean ok;

    ok = length <= G_MAXSSIZE && g_markup_parse_context_parse(context, xml, length, &local) &&
         g_markup_parse_context_end_parse(context, &local);
    if (!ok) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                    "the domain XML is not well-formed XML: %s",
                    local ? local->message : "too large");
    } else if (!identity.domain || !identity.name) {
        g_set_error_literal(error, VFP_ERROR, VFP_ERROR_INVALID,
                            "the domain XML has no <domain><name>");
        ok = FALSE;
    } else {
        *name = g_strdup(identity.name->str);
        *uuid = g_strdup(identity.uuid ? identity.uuid->str : identity.name->str);
    }
    if (identity.name)
        g_string_free(identity.name, TRUE);
    if (identity.uuid)
        g_string_free(identity.uuid, TRUE);
    return ok;
}

void
vfp_hook_release(const char *name, const char *xml, gsize length)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *xml_name = NULL;
    g_autofree char *uuid = NULL;

    if (read_identity(xml, length, &xml_name, &uuid, &error) && g_strcmp0(xml_name, name) != 0)
        g_set_error(&error, VFP_ERROR, VFP_ERROR_INVALID,
                    "hook called for domain '%s' with the XML of domain '%s'; nothing done", name,
                    xml_name);
    if (!error)
        hook_release(name, uuid, &error);
    if (error)
        g_warning("domain '%s': step release: %s", name, error->message);
}

int
vfp_hook_run_release(const char *name, VfpHookStep step, const char *xml, gsize length,
                     GString *output, GError **failure)
{
    if (step == VFP_HOOK_RELEASE)
        vfp_hook_release(name, xml, length);
    else if (step != VFP_HOOK_IGNORED)
        g_warning("domain '%s': vfpool-hook-release runs only the release step; nothing done",
                  name);
    return 0;
}
