/* The operation journal: the steps of a running vfpool move/reassign/resize/attach/detach/migrate
 * and which are done, in $VFPOOL_STATE_DIR/operation.json, so that an operation whose process died
 * can be finished by 'vfpool reconcile': devices plugged back, guests resumed, never left paused.
 */
#pragma once

#include <glib.h>

typedef enum {
    VFP_STEP_UNPLUG, /* take the device out of the running domain, give its VF back */
    VFP_STEP_PLUG,   /* take the VF for the domain's request, plug the device in */
} VfpStepKind;

typedef enum {
    VFP_STEP_TODO,
    VFP_STEP_DONE,
    VFP_STEP_UNDONE, /* an unplug undone: the original device is back */
} VfpStepState;

typedef struct {
    VfpStepKind kind;
    VfpStepState state;
    char *domain;
    char *uuid;
    char *alias;
    char *address;            /* the VF */
    char *device_xml;         /* UNPLUG: the device as it was; PLUG: the device to plug */
    char *metadata_xml;       /* UNPLUG: the vfpool metadata as it was; PLUG: as it will be */
    gboolean in_place;        /* through the QEMU's VFIO pause/resume commands, not hot-plug */
    gboolean keep_running;    /* PLUG: the guest is not paused around it (vfpool attach) */
    gboolean keep_definition; /* the persistent definition is left as it is (attach, detach
                               * without --config), instead of following the live domain */
    gboolean keep_request;    /* UNPLUG: the request stays, its VF held without the device
                               * (vfpool migrate: the destination plugs its own VF) */
    gboolean requested;       /* UNPLUG: libvirt was asked to take the device out */
    char *dest_address;       /* UNPLUG of vfpool migrate: the VF the destination reserved for
                               * the request, the one plugged there */
    gint64 done_at;           /* monotonic time the step was done, in µs; not journaled */
} VfpStep;

typedef struct {
    char *operation; /* the command, for messages */
    gint64 pid;
    gint64 started;
    char *resize_pf; /* PF whose VF count changes between unplugs and plugs, or NULL */
    guint resize_count;
    gboolean resized;
    char *migrate_to;      /* vfpool migrate: the destination's libvirt URI, or NULL */
    gboolean migrated;     /* the domain runs on the destination now */
    gboolean dest_defined; /* the destination may have the definition made for reserving */
    gboolean dest_keep;    /* which it keeps once the domain runs there (--persistent) */
    char *dest_previous;   /* what it had defined before (XML), to put back; NULL: nothing */
    GPtrArray *steps;      /* VfpStep * */
    GPtrArray *paused;     /* char *: domains the operation suspended and has not resumed */
} VfpJournal;

VfpJournal *vfp_journal_new(const char *operation);
void vfp_journal_free(VfpJournal *journal);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfpJournal, vfp_journal_free)

VfpStep *vfp_journal_add_step(VfpJournal *journal, VfpStepKind kind, const char *domain,
                              const char *uuid, const char *alias, const char *address,
                              const char *device_xml, const char *metadata_xml);
const char *vfp_step_kind_to_string(VfpStepKind kind);

char *vfp_journal_path(void);
gboolean vfp_journal_save(const VfpJournal *journal, GError **error);
VfpJournal *vfp_journal_load(gboolean *found, GError **error);
gboolean vfp_journal_remove(GError **error);
