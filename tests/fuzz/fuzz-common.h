/* What the fuzz targets share: the libFuzzer entry points, a private temporary directory, files
 * holding the input, and the fake host of the unit tests (tests/data/host1.sh). The same target
 * runs under libFuzzer (./configure --enable-fuzzing) and under tests/fuzz/replay.c. */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* GLib criticals abort (a critical is a bug libFuzzer must see), chatter is dropped. */
void fuzz_init(void);
const char *fuzz_top_srcdir(void);
/* A directory of this process, removed at exit. */
const char *fuzz_tmpdir(void);
/* DIR/NAME under fuzz_tmpdir(), created; set in the environment variable VARIABLE if not NULL. */
char *fuzz_make_dir(const char *name, const char *variable);
/* Writes DATA into DIR/NAME; returns the path. */
char *fuzz_write_file(const char *dir, const char *name, const uint8_t *data, size_t size);
/* Builds tests/data/host1.sh once under fuzz_tmpdir(), points VFPOOL_SYSFS_ROOT at it and
 * installs a netlink whose links have no addresses. */
void fuzz_fake_host(void);
/* Reports a broken invariant and aborts, so libFuzzer keeps the input. */
void fuzz_fail(const char *format, ...) G_GNUC_PRINTF(1, 2) G_GNUC_NORETURN;
