/* The state directory ($VFPOOL_STATE_DIR, /run/vfpool): root's alone (0700, files 0600
 * whatever the umask), files read without following symlinks and replaced atomically, flock
 * locks, and the per-domain entries the hook front tests with one stat(). Anything owned by
 * another user or writable by others is refused, never used. */
#pragma once

#include <glib.h>

#include "vfp-state-layout.h"

#define VFP_STATE_FILE_MAX (64 << 20)

const char *vfp_state_dir(void);
char *vfp_state_path(const char *name);

gboolean vfp_state_dir_ensure(GError **error);
gboolean vfp_state_read(const char *name, char **contents, gsize *length, gboolean *found,
                        GError **error);
gboolean vfp_state_write(const char *name, const char *contents, gsize length, GError **error);
gboolean vfp_state_remove(const char *name, GError **error);
void vfp_state_remove_temporaries(const char *name);
gboolean vfp_state_touch(const char *name, GError **error);

GPtrArray *vfp_state_list(const char *dir, GError **error);

gboolean vfp_state_mark_domain(const char *uuid, const char *address, GError **error);
void vfp_state_unmark_domain(const char *uuid, const char *address);
GPtrArray *vfp_state_list_domain(const char *uuid);

typedef enum {
    VFP_LOCK_SHARED,        /* readers; a lock file nobody created yet: nobody to lock out */
    VFP_LOCK_SHARED_WRITER, /* writers that exclude only exclusive holders; creates the file */
    VFP_LOCK_EXCLUSIVE,     /* writers; creates the directory and the lock file */
    VFP_LOCK_TRY,           /* exclusive if nobody holds it: NULL without an error otherwise */
} VfpLockMode;

typedef struct _VfpLock VfpLock;
VfpLock *vfp_state_lock(const char *name, VfpLockMode mode, GError **error);
void vfp_lock_free(VfpLock *lock);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfpLock, vfp_lock_free)
