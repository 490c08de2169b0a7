/* Writing and reading the operation journal (JSON, replaced atomically at each step). */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>
#include <unistd.h>

#include "vfp-error.h"
#include "vfp-journal.h"
#include "vfp-json.h"
#include "vfp-statedir.h"

#define JOURNAL_FILE "operation.json"

static const char *const step_kinds[] = {"unplug", "plug"};
static const char *const step_states[] = {"todo", "done", "undone"};

static void
step_free(VfpStep *step)
{
    g_free(step->domain);
    g_free(step->uuid);
    g_free(step->alias);
    g_free(step->address);
    g_free(step->device_xml);
    g_free(step->metadata_xml);
    g_free(step->dest_address);
    g_free(step);
}

VfpJournal *
vfp_journal_new(const char *operation)
{
    VfpJournal *journal = g_new0(VfpJournal, 1);

    journal->operation = g_strdup(operation);
    journal->pid = getpid();
    journal->started = g_get_real_time() / G_USEC_PER_SEC;
    journal->steps = g_ptr_array_new_with_free_func((GDestroyNotify)step_free);
    journal->paused = g_ptr_array_new_with_free_func(g_free);
    return journal;
}

void
vfp_journal_free(VfpJournal *journal)
{
    if (!journal)
        return;
    g_free(journal->operation);
    g_free(journal->resize_pf);
    g_free(journal->migrate_to);
    g_free(journal->dest_previous);
    g_ptr_array_unref(journal->steps);
    g_ptr_array_unref(journal->paused);
    g_free(journal);
}

const char *
vfp_step_kind_to_string(VfpStepKind kind)
{
    return step_kinds[kind];
}

VfpStep *
vfp_journal_add_step(VfpJournal *journal, VfpStepKind kind, const char *domain, const char *uuid,
                     const char *alias, const char *address, const char *device_xml,
                     const char *metadata_xml)
{
    VfpStep *step = g_new0(VfpStep, 1);

    step->kind = kind;
    step->domain = g_strdup(domain);
    step->uuid = g_strdup(uuid);
    step->alias = g_strdup(alias);
    step->address = g_strdup(address);
    step->device_xml = g_strdup(device_xml);
    step->metadata_xml = g_strdup(metadata_xml);
    g_ptr_array_add(journal->steps, step);
    return step;
}

char *
vfp_journal_path(void)
{
    return vfp_state_path(JOURNAL_FILE);
}

static char *
journal_to_json(const VfpJournal *journal)
{
    g_autoptr(JsonBuilder) builder = json_builder_new();
    g_autoptr(JsonNode) root = NULL;

    json_builder_begin_object(builder);
    vfp_json_add_string(builder, "operation", journal->operation);
    vfp_json_add_int(builder, "pid", journal->pid);
    vfp_json_add_int(builder, "started", journal->started);
    vfp_json_add_string(builder, "resize-pf", journal->resize_pf);
    vfp_json_add_int(builder, "resize-count", journal->resize_count);
    vfp_json_add_bool(builder, "resized", journal->resized);
    vfp_json_add_string(builder, "migrate-to", journal->migrate_to);
    vfp_json_add_bool(builder, "migrated", journal->migrated);
    vfp_json_add_bool(builder, "dest-defined", journal->dest_defined);
    vfp_json_add_bool(builder, "dest-keep", journal->dest_keep);
    vfp_json_add_string(builder, "dest-previous", journal->dest_previous);
    json_builder_set_member_name(builder, "steps");
    json_builder_begin_array(builder);
    for (guint i = 0; i < journal->steps->len; i++) {
        const VfpStep *step = g_ptr_array_index(journal->steps, i);

        json_builder_begin_object(builder);
        vfp_json_add_string(builder, "kind", step_kinds[step->kind]);
        vfp_json_add_string(builder, "state", step_states[step->state]);
        vfp_json_add_string(builder, "domain", step->domain);
        vfp_json_add_string(builder, "uuid", step->uuid);
        vfp_json_add_string(builder, "alias", step->alias);
        vfp_json_add_string(builder, "address", step->address);
        vfp_json_add_string(builder, "device", step->device_xml);
        vfp_json_add_string(builder, "metadata", step->metadata_xml);
        vfp_json_add_bool(builder, "in-place", step->in_place);
        vfp_json_add_bool(builder, "keep-running", step->keep_running);
        vfp_json_add_bool(builder, "keep-definition", step->keep_definition);
        vfp_json_add_bool(builder, "keep-request", step->keep_request);
        vfp_json_add_bool(builder, "requested", step->requested);
        vfp_json_add_string(builder, "dest-address", step->dest_address);
        json_builder_end_object(builder);
    }
    json_builder_end_array(builder);
    json_builder_set_member_name(builder, "paused");
    json_builder_begin_array(builder);
    for (guint i = 0; i < journal->paused->len; i++)
        json_builder_add_string_value(builder, g_ptr_array_index(journal->paused, i));
    json_builder_end_array(builder);
    json_builder_end_object(builder);
    root = json_builder_get_root(builder);
    return json_to_string(root, TRUE);
}

/* Each save replaces the file atomically and durably: after a crash the journal says what
 * was done up to the last step. */
gboolean
vfp_journal_save(const VfpJournal *journal, GError **error)
{
    g_autofree char *json = journal_to_json(journal);

    if (!vfp_state_write(JOURNAL_FILE, json, strlen(json), error)) {
        g_prefix_error(error, "cannot write the operation journal: ");
        return FALSE;
    }
    return TRUE;
}

static int
lookup_name(const char *const *names, guint count, const char *name)
{
    for (guint i = 0; name && i < count; i++) {
        if (g_str_equal(names[i], name))
            return i;
    }
    return -1;
}

/* A member that journals written before it was added lack: missing means FALSE, what those
 * vfpools did. */
static gboolean
get_optional_bool(JsonObject *object, const char *name, gboolean *value)
{
    *value = FALSE;
    return !json_object_has_member(object, name) || vfp_json_get_bool(object, name, value);
}

/* One step, every member of the type the writer gives it; NULL when something is off. */
static VfpStep *
read_step(VfpJournal *journal, JsonNode *node)
{
    const char *uuid, *address, *device, *metadata, *dest_address;
    const char *domain, *alias;
    gboolean in_place, keep_running, keep_definition, keep_request, requested;
    JsonObject *object;
    int kind, state;
    VfpStep *step;

    if (!JSON_NODE_HOLDS_OBJECT(node))
        return NULL;
    object = json_node_get_object(node);
    kind = lookup_name(step_kinds, G_N_ELEMENTS(step_kinds), vfp_json_get_string(object, "kind"));
    state =
        lookup_name(step_states, G_N_ELEMENTS(step_states), vfp_json_get_string(object, "state"));
    domain = vfp_json_get_string(object, "domain");
    alias = vfp_json_get_string(object, "alias");
    /* Every step unplugs or plugs its device and puts its metadata: both are always there. */
    device = vfp_json_get_string(object, "device");
    metadata = vfp_json_get_string(object, "metadata");
    if (kind < 0 || state < 0 || !domain || !alias || !device || !metadata ||
        !vfp_json_get_optional_string(object, "uuid", &uuid) ||
        !vfp_json_get_optional_string(object, "address", &address) ||
        !vfp_json_get_bool(object, "in-place", &in_place) ||
        !get_optional_bool(object, "keep-running", &keep_running) ||
        !get_optional_bool(object, "keep-definition", &keep_definition) ||
        !get_optional_bool(object, "keep-request", &keep_request) ||
        !get_optional_bool(object, "requested", &requested) ||
        !vfp_json_get_optional_string(object, "dest-address", &dest_address))
        return NULL;
    step = vfp_journal_add_step(journal, kind, domain, uuid, alias, address, device, metadata);
    step->state = state;
    step->in_place = in_place;
    step->keep_running = keep_running;
    step->keep_definition = keep_definition;
    step->keep_request = keep_request;
    step->requested = requested;
    step->dest_address = g_strdup(dest_address);
    return step;
}

/* The whole journal, checked as strictly as the ledger: reconcile acts on it as root. */
static VfpJournal *
read_journal(JsonNode *node)
{
    g_autoptr(VfpJournal) journal = NULL;
    const char *operation, *resize_pf, *migrate_to, *dest_previous;
    gint64 pid, started, resize_count;
    JsonArray *steps, *paused;
    JsonObject *root;

    if (!node || !JSON_NODE_HOLDS_OBJECT(node))
        return NULL;
    root = json_node_get_object(node);
    operation = vfp_json_get_string(root, "operation");
    steps = vfp_json_get_array(root, "steps");
    paused = vfp_json_get_array(root, "paused");
    if (!operation || !*operation || !steps || !paused || !vfp_json_get_int(root, "pid", &pid) ||
        pid <= 0 || !vfp_json_get_int(root, "started", &started) ||
        !vfp_json_get_optional_string(root, "resize-pf", &resize_pf) ||
        !vfp_json_get_optional_string(root, "migrate-to", &migrate_to) ||
        !vfp_json_get_optional_string(root, "dest-previous", &dest_previous) ||
        !vfp_json_get_int(root, "resize-count", &resize_count) || resize_count < 0 ||
        resize_count > G_MAXUINT16)
        return NULL;
    journal = vfp_journal_new(operation);
    journal->pid = pid;
    journal->started = started;
    journal->resize_pf = g_strdup(resize_pf);
    journal->resize_count = resize_count;
    journal->migrate_to = g_strdup(migrate_to);
    journal->dest_previous = g_strdup(dest_previous);
    if (!vfp_json_get_bool(root, "resized", &journal->resized) ||
        !get_optional_bool(root, "migrated", &journal->migrated) ||
        !get_optional_bool(root, "dest-defined", &journal->dest_defined) ||
        !get_optional_bool(root, "dest-keep", &journal->dest_keep))
        return NULL;
    for (guint i = 0; i < json_array_get_length(steps); i++) {
        if (!read_step(journal, json_array_get_element(steps, i)))
            return NULL;
    }
    for (guint i = 0; i < json_array_get_length(paused); i++) {
        JsonNode *name = json_array_get_element(paused, i);

        if (!JSON_NODE_HOLDS_VALUE(name) || json_node_get_value_type(name) != G_TYPE_STRING)
            return NULL;
        g_ptr_array_add(journal->paused, g_strdup(json_node_get_string(name)));
    }
    return g_steal_pointer(&journal);
}

/* The journal of an unfinished operation; NULL with *FOUND FALSE when there is none. */
VfpJournal *
vfp_journal_load(gboolean *found, GError **error)
{
    g_autofree char *path = vfp_journal_path();
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) local = NULL;
    g_autofree char *json = NULL;
    VfpJournal *journal = NULL;
    gsize length;

    if (!vfp_state_read(JOURNAL_FILE, &json, &length, found, error)) {
        *found = TRUE;
        return NULL;
    }
    if (!*found)
        return NULL;
    if (length > 0 && json_parser_load_from_data(parser, json, length, &local))
        journal = read_journal(json_parser_get_root(parser));
    if (!journal)
        g_set_error(error, VFP_ERROR, VFP_ERROR_LEDGER,
                    "the operation journal %s is unreadable (%s); check the guests with 'virsh "
                    "list' (resume paused ones with 'virsh resume'), then remove it",
                    path,
                    local    ? local->message
                    : length ? "unexpected content"
                             : "empty file");
    return journal;
}

gboolean
vfp_journal_remove(GError **error)
{
    return vfp_state_remove(JOURNAL_FILE, error);
}
