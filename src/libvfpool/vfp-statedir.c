/* The state directory: ownership and mode checks, reads that never follow symlinks, atomic
 * replacement, locks and per-domain entries. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vfp-error.h"
#include "vfp-statedir.h"

#define DIR_MODE 0700
#define FILE_MODE 0600

const char *
vfp_state_dir(void)
{
    const char *dir = g_getenv(VFP_STATE_DIR_ENV);

    return dir && *dir ? dir : VFP_STATE_DIR_DEFAULT;
}

char *
vfp_state_path(const char *name)
{
    return g_build_filename(vfp_state_dir(), name, NULL);
}

/* What another user owns or may write could have been planted: refuse it. What is merely
 * readable by others (an older vfpool made it 0755/0644) is ours: tighten it. */
static gboolean
check_owned(int fd, const char *path, gboolean directory, GError **error)
{
    mode_t want = directory ? DIR_MODE : FILE_MODE;
    struct stat st;

    if (fstat(fd, &st) < 0) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_LEDGER, "cannot check %s: %s", path,
                    g_strerror(errno));
        return FALSE;
    }
    if (directory ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_LEDGER,
                    "state %s %s is not a %s; remove it (vfpool recreates it)",
                    directory ? "directory" : "file", path,
                    directory ? "directory" : "regular file");
        return FALSE;
    }
    if (st.st_uid != geteuid()) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_LEDGER,
                    "state %s %s is owned by uid %u, not by vfpool's uid %u; check who made it, "
                    "then remove it or 'chown %u' it",
                    directory ? "directory" : "file", path, (unsigned)st.st_uid,
                    (unsigned)geteuid(), (unsigned)geteuid());
        return FALSE;
    }
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_LEDGER,
                    "state %s %s is writable by other users (mode %04o); check who changed it, "
                    "then 'chmod %04o %s'",
                    directory ? "directory" : "file", path, (unsigned)(st.st_mode & 07777),
                    (unsigned)want, path);
        return FALSE;
    }
    if ((st.st_mode & 07777) != want && fchmod(fd, want) < 0) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_LEDGER, "cannot make %s private: %s", path,
                    g_strerror(errno));
        return FALSE;
    }
    return TRUE;
}

/* Checks DIR (creating it when CREATE); FALSE without ERROR set when it does not exist. */
static gboolean
open_dir(const char *dir, gboolean create, GError **error)
{
    int fd;
    gboolean ok;

    if (create && g_mkdir_with_parents(dir, DIR_MODE) < 0) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_LEDGER,
                    "cannot create the state directory %s: %s; run vfpool as root", dir,
                    g_strerror(errno));
        return FALSE;
    }
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT && !create)
            return FALSE;
        g_set_error(error, VFP_ERROR, VFP_ERROR_LEDGER,
                    "cannot open the state directory %s: %s; %s", dir, g_strerror(errno),
                    errno == ELOOP || errno == ENOTDIR ? "it must be a real directory, not a "
                                                         "symbolic link or a file"
                                                       : "run vfpool as root");
        return FALSE;
    }
    ok = check_owned(fd, dir, TRUE, error);
    close(fd);
    return ok;
}

gboolean
vfp_state_dir_ensure(GError **error)
{
    return open_dir(vfp_state_dir(), TRUE, error);
}

/* Creates and checks the directory holding PATH: the state directory or one below it. */
static gboolean
ensure_parent(const char *path, GError **error)
{
    g_autofree char *parent = g_path_get_dirname(path);

    if (!vfp_state_dir_ensure(error))
        return FALSE;
    return strcmp(parent, vfp_state_dir()) == 0 || open_dir(parent, TRUE, error);
}

static int
compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in the state directory's subdirectory DIR, sorted; empty when it does not exist.
 * The caller picks its own (a temporary file being written may be there too). */
GPtrArray *
vfp_state_list(const char *dir, GError **error)
{
    g_autofree char *path = vfp_state_path(dir);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) local = NULL;
    g_autoptr(GDir) listing = NULL;
    const char *name;

    if (!open_dir(vfp_state_dir(), FALSE, &local) || !open_dir(path, FALSE, &local)) {
        if (!local)
            return g_steal_pointer(&names);
        g_propagate_error(error, g_steal_pointer(&local));
        return NULL;
    }
    listing = g_dir_open(path, 0, &local);
    if (!listing) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_LEDGER, "cannot list %s: %s", path, local->message);
        return NULL;
    }
    while ((name = g_dir_read_name(listing))) {
        g_ptr_array_add(names, g_strdup(name));
    }
    g_ptr_array_sort(names, compare_names);
    return g_steal_pointer(&names);
}

/* Opens NAME in the state directory without following a symlink, and checks it. -1 with
 * ERROR unset: it does not exist (and FLAGS does not create it). */
static int
open_state_file(const char *path, int flags, GError **error)
{
    int fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC, FILE_MODE);

    if (fd < 0) {
        if (errno == ENOENT && !(flags & O_CREAT))
            return -1;
        g_set_error(error, VFP_ERROR, VFP_ERROR_LEDGER, "cannot open %s: %s%s", path,
                    g_strerror(errno),
                    errno == ELOOP ? " (a symbolic link: remove it)" : "; run vfpool as root");
        return -1;
    }
    if (!check_owned(fd, path, FALSE, error)) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Reads NAME whole. *FOUND is FALSE (and TRUE is returned) when neither it nor the directory
 * exists. */
gboolean
vfp_state_read(const char *name, char **contents, gsize *length, gboolean *found, GError **error)
{
    g_autofree char *path = vfp_state_path(name);
    g_autoptr(GString) data = NULL;
    g_autoptr(GError) local = NULL;
    int fd = -1;

    g_autofree char *parent = g_path_get_dirname(path);

    *found = FALSE;
    *contents = NULL;
    *length = 0;
    if (open_dir(vfp_state_dir(), FALSE, &local) &&
        (strcmp(parent, vfp_state_dir()) == 0 || open_dir(parent, FALSE, &local)))
        fd = open_state_file(path, O_RDONLY, &local);
    if (fd < 0) {
        if (!local)
            return TRUE;
        g_propagate_error(error, g_steal_pointer(&local));
        return FALSE;
    }
    data = g_string_new(NULL);
    for (;;) {
        char buffer[65536];
        gssize n = read(fd, buffer, sizeof(buffer));

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || data->len + n > VFP_STATE_FILE_MAX) {
            g_set_error(error, VFP_ERROR, VFP_ERROR_LEDGER, "cannot read %s: %s", path,
                        n < 0 ? g_strerror(errno) : "larger than 64 MiB");
            close(fd);
            return FALSE;
        }
        if (n == 0)
            break;
        g_string_append_len(data, buffer, n);
    }
    close(fd);
    *found = TRUE;
    *length = data->len;
    *contents = g_string_free(g_steal_pointer(&data), FALSE);
    return TRUE;
}

static void
fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* Replaces NAME atomically and durably: GLib writes a temporary file it creates exclusively
 * under a random name (never a symlink someone planted), fsyncs and renames it over NAME. */
gboolean
vfp_state_write(const char *name, const char *contents, gsize length, GError **error)
{
    g_autofree char *path = vfp_state_path(name);
    g_autoptr(GError) local = NULL;

    if (!ensure_parent(path, error))
        return FALSE;
    if (!g_file_set_contents_full(path, contents, length,
                                  G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                  FILE_MODE, &local)) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_LEDGER, "cannot write %s: %s", path,
                    local->message);
        return FALSE;
    }
    {
        g_autofree char *parent = g_path_get_dirname(path);

        fsync_dir(parent);
    }
    return TRUE;
}

/* Makes NAME exist as an empty file (its presence is what counts: no temporary file). */
gboolean
vfp_state_touch(const char *name, GError **error)
{
    g_autofree char *path = vfp_state_path(name);
    int fd;

    if (!ensure_parent(path, error))
        return FALSE;
    fd = open_state_file(path, O_WRONLY | O_CREAT, error);
    if (fd < 0)
        return FALSE;
    close(fd);
    return TRUE;
}

/* Removes what a writer killed between writing NAME's temporary file and renaming it left
 * behind (GLib names it NAME.XXXXXX). The caller holds the lock that covers NAME. */
void
vfp_state_remove_temporaries(const char *name)
{
    g_autofree char *dir = g_path_get_dirname(name);
    g_autofree char *base = g_path_get_basename(name);
    g_autoptr(GPtrArray) names = vfp_state_list(dir, NULL);
    gsize length = strlen(base);

    for (guint i = 0; names && i < names->len; i++) {
        const char *entry = g_ptr_array_index(names, i);
        g_autofree char *path = NULL;

        if (strlen(entry) != length + 7 || strncmp(entry, base, length) != 0 ||
            entry[length] != '.')
            continue;
        path = g_build_filename(vfp_state_dir(), dir, entry, NULL);
        if (unlink(path) == 0)
            g_message("removed %s, left by a process that died while writing it", path);
    }
}

gboolean
vfp_state_remove(const char *name, GError **error)
{
    g_autofree char *path = vfp_state_path(name);

    if (unlink(path) < 0 && errno != ENOENT) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_LEDGER, "cannot remove %s: %s", path,
                    g_strerror(errno));
        return FALSE;
    }
    return TRUE;
}

/* ---- per-domain entries -------------------------------------------------------------------- */

/* Only UUIDs name entries: the hook front looks them up by the <uuid> libvirt gives it. An
 * entry is a directory holding one empty file per VF the domain holds, so release finds that
 * domain's claims without reading anyone else's. */
static char *
domain_entry(const char *uuid, const char *address)
{
    return g_build_filename(vfp_state_dir(), VFP_STATE_DOMAINS, uuid, address, NULL);
}

gboolean
vfp_state_mark_domain(const char *uuid, const char *address, GError **error)
{
    g_autofree char *dir = domain_entry(uuid, NULL);
    g_autofree char *name = NULL;
    struct stat st;

    if (!uuid || !g_uuid_string_is_valid(uuid))
        return TRUE;
    /* An older vfpool made the entry an empty file. */
    if (lstat(dir, &st) == 0 && S_ISREG(st.st_mode))
        unlink(dir);
    name = g_build_filename(VFP_STATE_DOMAINS, uuid, address, NULL);
    return vfp_state_touch(name, error);
}

/* Removes ADDRESS from the domain's entry, or with ADDRESS NULL every one; the entry goes with
 * its last VF. */
void
vfp_state_unmark_domain(const char *uuid, const char *address)
{
    g_autofree char *dir = NULL;

    if (!uuid || !g_uuid_string_is_valid(uuid))
        return;
    dir = domain_entry(uuid, NULL);
    if (address) {
        g_autofree char *path = domain_entry(uuid, address);

        if (unlink(path) < 0 && errno != ENOENT)
            g_warning("cannot remove %s: %s", path, g_strerror(errno));
    } else {
        g_autoptr(GPtrArray) names = vfp_state_list_domain(uuid);

        for (guint i = 0; i < names->len; i++)
            vfp_state_unmark_domain(uuid, g_ptr_array_index(names, i));
        if (unlink(dir) == 0)
            return; /* an older vfpool's entry */
    }
    if (rmdir(dir) < 0 && errno != ENOENT && errno != ENOTEMPTY && errno != ENOTDIR)
        g_warning("cannot remove %s: %s", dir, g_strerror(errno));
}

/* The VFs (addresses) the domain's entry names; empty if it has none. */
GPtrArray *
vfp_state_list_domain(const char *uuid)
{
    g_autofree char *dir = NULL;
    g_autoptr(GError) error = NULL;
    GPtrArray *names;

    if (!uuid || !g_uuid_string_is_valid(uuid))
        return g_ptr_array_new_with_free_func(g_free);
    dir = g_build_filename(VFP_STATE_DOMAINS, uuid, NULL);
    names = vfp_state_list(dir, &error);
    if (!names) {
        g_warning("%s", error->message);
        return g_ptr_array_new_with_free_func(g_free);
    }
    return names;
}

/* ---- locks --------------------------------------------------------------------------------- */

struct _VfpLock {
    int fd; /* -1: a shared lock on a file nobody created, so there is nobody to lock out */
};

void
vfp_lock_free(VfpLock *lock)
{
    if (!lock)
        return;
    if (lock->fd >= 0)
        close(lock->fd); /* drops the flock */
    g_free(lock);
}

VfpLock *
vfp_state_lock(const char *name, VfpLockMode mode, GError **error)
{
    g_autofree char *path = vfp_state_path(name);
    g_autoptr(VfpLock) lock = g_new(VfpLock, 1);
    g_autoptr(GError) local = NULL;
    gboolean creates = mode != VFP_LOCK_SHARED;
    int operation = mode == VFP_LOCK_SHARED || mode == VFP_LOCK_SHARED_WRITER ? LOCK_SH : LOCK_EX;

    if (mode == VFP_LOCK_TRY)
        operation |= LOCK_NB;
    lock->fd = -1;
    if (creates ? ensure_parent(path, &local) : open_dir(vfp_state_dir(), FALSE, &local))
        lock->fd = open_state_file(path, creates ? O_RDWR | O_CREAT : O_RDONLY, &local);
    if (lock->fd < 0) {
        if (!local)
            return g_steal_pointer(&lock);
        g_propagate_error(error, g_steal_pointer(&local));
        return NULL;
    }
    while (flock(lock->fd, operation) < 0) {
        if (errno == EWOULDBLOCK && mode == VFP_LOCK_TRY)
            return NULL; /* held by a live process */
        if (errno != EINTR) {
            g_set_error(error, VFP_ERROR, VFP_ERROR_LEDGER, "cannot lock %s: %s", path,
                        g_strerror(errno));
            return NULL;
        }
    }
    return g_steal_pointer(&lock);
}
