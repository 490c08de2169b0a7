/* Runs a fuzz target without libFuzzer, with any compiler, for `make check`: calls
 * LLVMFuzzerTestOneInput() on each file given (each file of a directory given), or with none
 * given on the target's regressions and seeds, as tests/fuzz/targets.list lists them. The target
 * is named by the program: replay-TARGET. Prints TAP; a crash is a failure of the test, and so
 * is an input that takes more than REPLAY_SECONDS (or, without ASan, 2 GiB of memory). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "fuzz-common.h"

#define REPLAY_SECONDS 10

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define REPLAY_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define REPLAY_ASAN 1
#endif

static guint count;

static void
replay_file(const char *path)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *contents = NULL;
    g_autofree uint8_t *data = NULL;
    const char *top = fuzz_top_srcdir();
    const char *name = path;
    gsize size;

    if (g_str_has_prefix(path, top) && path[strlen(top)] == '/')
        name += strlen(top) + 1; /* a seed of the source tree */
    if (!g_file_get_contents(path, &contents, &size, &error)) {
        printf("ok %u - %s # SKIP %s\n", ++count, name, error->message);
        return;
    }
    /* Exactly SIZE bytes, as libFuzzer passes them, so reading past the end is caught. */
    data = g_malloc(MAX(size, 1));
    memcpy(data, contents, size);
    printf("# %s\n", name);
    fflush(stdout);
    alarm(REPLAY_SECONDS);
    LLVMFuzzerTestOneInput(data, size);
    alarm(0);
    printf("ok %u - %s\n", ++count, name);
}

static int
compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void
replay(const char *path)
{
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *name;

    if (!dir) {
        replay_file(path);
        return;
    }
    while ((name = g_dir_read_name(dir))) {
        if (name[0] != '.' && !g_str_has_prefix(name, "README"))
            g_ptr_array_add(names, g_build_filename(path, name, NULL));
    }
    g_ptr_array_sort(names, compare_names);
    for (guint i = 0; i < names->len; i++) {
        const char *file = g_ptr_array_index(names, i);

        if (g_file_test(file, G_FILE_TEST_IS_REGULAR))
            replay_file(file);
    }
}

/* The regressions, the corpus and the seeds of TARGET, from the source tree. */
static void
replay_target(const char *target)
{
    g_autofree char *list = g_build_filename(fuzz_top_srcdir(), "tests/fuzz/targets.list", NULL);
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    g_autoptr(GError) error = NULL;

    if (!g_file_get_contents(list, &text, NULL, &error)) {
        printf("Bail out! %s\n", error->message);
        exit(1);
    }
    lines = g_strsplit(text, "\n", -1);
    for (guint i = 0; lines[i]; i++) {
        g_auto(GStrv) fields = g_regex_split_simple("\\s+", g_strstrip(lines[i]), 0, 0);
        const char *dirs[] = {"tests/fuzz/regressions", "tests/fuzz/corpus"};

        if (!fields[0] || !g_str_equal(fields[0], target))
            continue;
        for (guint j = 0; j < G_N_ELEMENTS(dirs); j++) {
            g_autofree char *path = g_build_filename(fuzz_top_srcdir(), dirs[j], target, NULL);

            if (g_file_test(path, G_FILE_TEST_IS_DIR))
                replay(path);
        }
        for (guint j = 3; fields[1] && fields[2] && fields[j]; j++) {
            g_autofree char *path = g_build_filename(fuzz_top_srcdir(), fields[j], NULL);

            replay(path);
        }
        return;
    }
    printf("Bail out! no target '%s' in %s\n", target, list);
    exit(1);
}

int
main(int argc, char **argv)
{
    g_autofree char *target = g_path_get_basename(argv[0]);
    gboolean given = FALSE;

#ifndef REPLAY_ASAN /* ASan reserves terabytes of address space */
    const struct rlimit memory = {2048UL << 20, 2048UL << 20};

    setrlimit(RLIMIT_AS, &memory);
#endif
    LLVMFuzzerInitialize(&argc, &argv);
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] != '-') {
            replay(argv[i]);
            given = TRUE;
        }
    }
    if (!given) {
        const char *name = target;

        name += g_str_has_prefix(name, "lt-") ? 3 : 0;
        name += g_str_has_prefix(name, "replay-") ? 7 : 0;
        replay_target(name);
    }
    printf("1..%u\n", count);
    return 0;
}
