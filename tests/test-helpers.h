/* Shared set-up for the C unit tests: a fake host built by tests/data/host1.sh, a private
 * configuration and state directory, and pool files written on the fly. */
#pragma once

#include <glib.h>

typedef struct {
    char *dir;
    char *sysfs_root;
    char *conf_dir;
    char *state_dir;
} TestHost;

TestHost *test_host_new(void);
void test_host_free(TestHost *host);
void test_host_write_pool(TestHost *host, const char *name, const char *xml);
void test_host_sh(TestHost *host, const char *script);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TestHost, test_host_free)
