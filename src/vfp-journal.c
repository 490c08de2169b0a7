/* Writing and reading the operation journal (JSON, replaced atomically at each step). */
#include "config.h"

#include <errno.h>
#include <json-glib/json-glib.h>
#include <unistd.h>

#include "vfp-error.h"
#include "vfp-journal.h"
#include "vfp-json.h"
#include "vfp-ledger.h"

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
vfp_journal_add_step(VfpJournal *journal, VfpStepKind kind, const char *domain,
                     const char *uuid, const char *alias, const char *address,
                     const char *device_xml, const char *metadata_xml)
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
    return g_build_filename(vfp_state_dir(), "operation.json", NULL);
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
    json_builder_set_member_name(builder, "resized");
    json_builder_add_boolean_value(builder, journal->resized);
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
        json_builder_set_member_name(builder, "in-place");
        json_builder_add_boolean_value(builder, step->in_place);
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
    g_autofree char *path = vfp_journal_path();
    g_autofree char *json = journal_to_json(journal);
    g_autoptr(GError) local = NULL;

    if (!g_file_set_contents_full(path, json, -1,
                                  G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                  0644, &local)) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_LEDGER, "cannot write the operation journal: %s",
                    local->message);
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

/* The journal of an unfinished operation; NULL with *FOUND FALSE when there is none. */
VfpJournal *
vfp_journal_load(gboolean *found, GError **error)
{
    g_autofree char *path = vfp_journal_path();
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) local = NULL;
    g_autoptr(VfpJournal) journal = NULL;
    JsonObject *root;
    JsonArray *array;
    gint64 value;

    *found = g_file_test(path, G_FILE_TEST_EXISTS);
    if (!*found)
        return NULL;
    if (!json_parser_load_from_file(parser, path, &local) ||
        !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)))
        goto corrupt;
    root = json_node_get_object(json_parser_get_root(parser));
    journal = vfp_journal_new(vfp_json_get_string(root, "operation"));
    journal->pid = vfp_json_get_int(root, "pid", &value) ? value : 0;
    journal->started = vfp_json_get_int(root, "started", &value) ? value : 0;
    journal->resize_pf = g_strdup(vfp_json_get_string(root, "resize-pf"));
    journal->resize_count = vfp_json_get_int(root, "resize-count", &value) ? value : 0;
    journal->resized = json_object_get_boolean_member_with_default(root, "resized", FALSE);
    array = json_object_get_array_member(root, "steps");
    for (guint i = 0; array && i < json_array_get_length(array); i++) {
        JsonObject *object = json_array_get_object_element(array, i);
        int kind, state;
        VfpStep *step;

        if (!object)
            goto corrupt;
        kind = lookup_name(step_kinds, G_N_ELEMENTS(step_kinds),
                           vfp_json_get_string(object, "kind"));
        state = lookup_name(step_states, G_N_ELEMENTS(step_states),
                            vfp_json_get_string(object, "state"));
        if (kind < 0 || state < 0 || !vfp_json_get_string(object, "domain") ||
            !vfp_json_get_string(object, "alias"))
            goto corrupt;
        step = vfp_journal_add_step(journal, kind, vfp_json_get_string(object, "domain"),
                                    vfp_json_get_string(object, "uuid"),
                                    vfp_json_get_string(object, "alias"),
                                    vfp_json_get_string(object, "address"),
                                    vfp_json_get_string(object, "device"),
                                    vfp_json_get_string(object, "metadata"));
        step->state = state;
        step->in_place = json_object_get_boolean_member_with_default(object, "in-place", FALSE);
    }
    array = json_object_get_array_member(root, "paused");
    for (guint i = 0; array && i < json_array_get_length(array); i++) {
        const char *name = json_array_get_string_element(array, i);

        if (name)
            g_ptr_array_add(journal->paused, g_strdup(name));
    }
    return g_steal_pointer(&journal);

corrupt:
    g_set_error(error, VFP_ERROR, VFP_ERROR_LEDGER,
                "the operation journal %s is unreadable%s%s; check the guests with 'virsh list' "
                "(resume paused ones with 'virsh resume'), then remove it",
                path, local ? ": " : "", local ? local->message : "");
    return NULL;
}

gboolean
vfp_journal_remove(GError **error)
{
    g_autofree char *path = vfp_journal_path();

    if (unlink(path) < 0 && errno != ENOENT) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_LEDGER, "cannot remove %s: %s", path,
                    g_strerror(errno));
        return FALSE;
    }
    return TRUE;
}
