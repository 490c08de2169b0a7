/* Fuzz target: the operation journal in $VFPOOL_STATE_DIR, read by 'vfpool reconcile' after a
 * move/reassign/resize died (it may be cut short or hand-edited). What loads must save and load
 * back the same. */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "vfp-journal.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_init();
    g_free(fuzz_make_dir("state", "VFPOOL_STATE_DIR"));
    return 0;
}

/* Saves JOURNAL and returns the file's text. */
static char *
save(const VfpJournal *journal)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *path = vfp_journal_path();
    char *text = NULL;

    if (!vfp_journal_save(journal, &error) || !g_file_get_contents(path, &text, NULL, &error))
        fuzz_fail("cannot save the journal: %s", error->message);
    return text;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *path = vfp_journal_path();
    g_autoptr(VfpJournal) journal = NULL;
    g_autoptr(VfpJournal) again = NULL;
    g_autofree char *saved = NULL;
    g_autofree char *resaved = NULL;
    gboolean found;

    if (!g_file_set_contents(path, (const char *)data, size, &error))
        fuzz_fail("cannot write %s: %s", path, error->message);
    journal = vfp_journal_load(&found, &error);
    if (!found)
        fuzz_fail("the journal %s is not found", path);
    if (!journal)
        return 0;
    for (guint i = 0; i < journal->steps->len; i++)
        vfp_step_kind_to_string(((VfpStep *)g_ptr_array_index(journal->steps, i))->kind);
    saved = save(journal);
    again = vfp_journal_load(&found, &error);
    if (!again)
        fuzz_fail("the saved journal does not load: %s\n%s", error->message, saved);
    resaved = save(again);
    if (strcmp(saved, resaved) != 0)
        fuzz_fail("the journal reads back differently:\n%s\n---\n%s", saved, resaved);
    return 0;
}
