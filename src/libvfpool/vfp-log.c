/* Structured log events, and a writer for programs without a terminal to talk to. */
#include "config.h"

#include <syslog.h>

#include "vfp-log.h"

/* Stable: documented in vfpool(1) for journalctl MESSAGE_ID=... */
static const char *const message_ids[] = {
    [VFP_EVENT_VF_CLAIMED] = "12703366ac474093b6e6efaee0c3a0f8",
    [VFP_EVENT_VF_RELEASED] = "7e3642050f0c44f5a7e6eee4196b3dc2",
    [VFP_EVENT_VF_REFUSED] = "3a82688c26ae4f7e99f31b2f946984ba",
    [VFP_EVENT_VFS_CREATED] = "19559ab4b4b940bbb4219698b77d0280",
    [VFP_EVENT_GUEST_PAUSED] = "d82b29e925d946d08e77701f2c5cfad7",
    [VFP_EVENT_GUEST_RESUMED] = "ab5bc27d0f9c4b289faae60fe6bea61d",
    [VFP_EVENT_RECONCILE_REPAIR] = "c9248c1c50074b229b3970ec2c4c4250",
};

static void
add_field(GLogField *fields, gsize *n, const char *key, const char *value)
{
    if (!value)
        return;
    fields[*n] = (GLogField){key, value, -1};
    (*n)++;
}

void
vfp_log_event(VfpEvent event, GLogLevelFlags level, const VfpLogFields *about, const char *format,
              ...)
{
    g_autofree char *message = NULL;
    GLogField fields[8];
    gsize n = 0;
    va_list args;

    va_start(args, format);
    message = g_strdup_vprintf(format, args);
    va_end(args);
    add_field(fields, &n, "GLIB_DOMAIN", G_LOG_DOMAIN);
    add_field(fields, &n, "MESSAGE", message);
    add_field(fields, &n, "MESSAGE_ID", message_ids[event]);
    add_field(fields, &n, "VFPOOL_DOMAIN", about->domain);
    add_field(fields, &n, "VFPOOL_POOL", about->pool);
    add_field(fields, &n, "VFPOOL_VF", about->vf);
    add_field(fields, &n, "VFPOOL_STEP", about->step);
    g_log_structured_array(level, fields, n);
}

static int
syslog_priority(GLogLevelFlags level)
{
    if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
        return LOG_ERR;
    if (level & G_LOG_LEVEL_WARNING)
        return LOG_WARNING;
    if (level & G_LOG_LEVEL_DEBUG)
        return LOG_DEBUG;
    return LOG_INFO;
}

/* The journal, with every field; syslog (MESSAGE only) where there is no journal. IDENT is
 * the syslog tag. Debug messages are dropped unless G_MESSAGES_DEBUG asks for them. */
GLogWriterOutput
vfp_log_writer_system(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer ident)
{
    static gboolean syslog_open;
    const char *message = NULL;

    if ((level & G_LOG_LEVEL_DEBUG) && !g_getenv("G_MESSAGES_DEBUG"))
        return G_LOG_WRITER_HANDLED;
    if (g_log_writer_journald(level, fields, n_fields, NULL) == G_LOG_WRITER_HANDLED)
        return G_LOG_WRITER_HANDLED;
    for (gsize i = 0; i < n_fields; i++) {
        if (g_str_equal(fields[i].key, "MESSAGE"))
            message = fields[i].value;
    }
    if (!syslog_open) {
        openlog(ident, LOG_PID, LOG_DAEMON);
        syslog_open = TRUE;
    }
    syslog(syslog_priority(level), "%s", message ? message : "");
    return G_LOG_WRITER_HANDLED;
}
