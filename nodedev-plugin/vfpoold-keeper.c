/* vfpoold's decisions: evaluated in memory under a read of the ledger, then carried out
 * through libvirt (never while the ledger is open: a starting domain's hook may wait for it
 * while libvirt holds that domain), re-reading only the domains they touch. */
#include "config.h"

#include "vfp-error.h"
#include "vfp-libvirt.h"
#include "vfp-pool.h"
#include "vfpoold-keeper.h"

typedef enum {
    VERDICT_OK,
    VERDICT_RESOLVE,  /* WHY says what is wrong */
    VERDICT_DROP,     /* DROPS lists requests whose device the user removed */
    VERDICT_RELEASED, /* released by the user: resolved only with VFs nobody waits for */
    VERDICT_FOLLOW,   /* running; its definition reserves other VFs than it holds for some */
} Verdict;

typedef struct {
    char *name;
    Verdict verdict;
    char *why;
    GPtrArray *drops; /* char *: the requests to drop (DROP) */
    VfpStatusState status;
    gint64 since;
} Decision;

static void
decision_free(Decision *decision)
{
    g_free(decision->name);
    g_free(decision->why);
    g_clear_pointer(&decision->drops, g_ptr_array_unref);
    g_free(decision);
}

void
vfpd_work_init(VfpdWork *work)
{
    work->all = work->freed = FALSE;
    work->dirty = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    work->exempt = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
}

void
vfpd_work_clear(VfpdWork *work)
{
    work->all = work->freed = FALSE;
    g_hash_table_remove_all(work->dirty);
    g_hash_table_remove_all(work->exempt);
}

gboolean
vfpd_work_pending(const VfpdWork *work)
{
    return work->all || work->freed || g_hash_table_size(work->dirty) > 0;
}

/* Logs NOTE for DOMAIN unless it was the last thing logged about it. vfpool's errors name
 * the domain already. */
static void
note_once(VfpdDomain *domain, GLogLevelFlags level, const char *note)
{
    g_autofree char *named = g_strdup_printf("domain '%s'", domain->name);

    if (g_strcmp0(domain->last_note, note) == 0)
        return;
    g_free(domain->last_note);
    domain->last_note = g_strdup(note);
    if (g_str_has_prefix(note, named))
        g_log(G_LOG_DOMAIN, level, "%s", note);
    else
        g_log(G_LOG_DOMAIN, level, "%s: %s", named, note);
}

/* The first domain other than SELF among USERS of ADDRESS that is running, else the first by
 * name. */
static const char *
other_user(VfpdIndex *index, GHashTable *users, const char *address, const char *self,
           gboolean *running)
{
    GPtrArray *names = g_hash_table_lookup(users, address);
    const char *first = NULL;

    *running = FALSE;
    for (guint i = 0; names && i < names->len; i++) {
        const char *name = g_ptr_array_index(names, i);
        VfpdDomain *other = vfpd_index_lookup(index, name);

        if (g_str_equal(name, self))
            continue;
        if (other && other->active) {
            *running = TRUE;
            return name;
        }
        if (!first || g_strcmp0(name, first) < 0)
            first = name;
    }
    return first;
}

/* What DOMAIN (stopped, annotated) needs, from the index, the ledger and sysfs. */
static Verdict
evaluate(VfpdIndex *index, VfpdDomain *domain, GHashTable *users, VfpLedger *ledger, VfpHost *host,
         char **why, GPtrArray **drops)
{
    const VfpDomain *config = domain->config;
    gboolean released = FALSE;

    for (guint i = 0; i < config->requests->len; i++) {
        const VfpRequest *request = g_ptr_array_index(config->requests, i);
        const VfpReservation *reservation = vfp_domain_find_reservation(config, request->alias);
        g_auto(VfpDeviceInfo) device = {0};
        const VfpClaim *claim;
        const char *other;
        gboolean running;
        VfpPf *pf;

        vfp_domain_get_device(config, request->alias, &device);
        if (reservation && !device.found) {
            if (!*drops)
                *drops = g_ptr_array_new_with_free_func(g_free);
            g_ptr_array_add(*drops, g_strdup(request->alias));
            continue;
        }
        if (!reservation && config->status.state == VFP_STATUS_RELEASED) {
            released = TRUE;
            continue;
        }
        if (*why)
            continue;
        if (!reservation || g_strcmp0(device.address, reservation->address) != 0) {
            *why = g_strdup_printf("vf '%s' is not resolved", request->alias);
            continue;
        }
        claim = vfp_ledger_lookup(ledger, reservation->address);
        if (claim && g_strcmp0(claim->uuid, vfp_domain_key(config)) != 0) {
            *why = g_strdup_printf("its VF %s is held by running domain '%s'", reservation->address,
                                   claim->domain);
            continue;
        }
        other = other_user(index, users, reservation->address, domain->name, &running);
        /* A running domain passing the VF through keeps it, whatever the names; between two
         * stopped domains, the one later by name gives way, so both agree. */
        if (other && running) {
            *why = g_strdup_printf("its VF %s is passed through to running domain '%s'",
                                   reservation->address, other);
            continue;
        }
        if (other && g_strcmp0(domain->name, other) > 0) {
            *why = g_strdup_printf("its VF %s is also reserved by domain '%s'",
                                   reservation->address, other);
            continue;
        }
        pf = vfp_host_get_pf(host, reservation->pf, NULL);
        if (!pf || (reservation->index < pf->num_vfs &&
                    !vfp_host_get_vf(host, reservation->address, NULL)))
            *why = g_strdup_printf("its VF %s no longer exists", reservation->address);
    }
    if (*drops)
        return VERDICT_DROP;
    if (*why)
        return VERDICT_RESOLVE;
    return released ? VERDICT_RELEASED : VERDICT_OK;
}

/* The user removed the device of a request that had a VF: the domain no longer wants it.
 * Checked again on a fresh read of the definition before anything is written. Returns whether
 * VFs freed up. */
static gboolean
drop_requests(VfpdIndex *index, virConnectPtr conn, VfpdDomain *domain, GPtrArray *aliases)
{
    g_autoptr(VirDomain) dom = virDomainLookupByName(conn, domain->name);
    g_autoptr(VfpDomain) fresh = dom ? vfp_libvirt_load(dom, VFP_XML_PERSISTENT, NULL) : NULL;
    g_autoptr(GString) what = g_string_new(NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *message = NULL;

    if (!fresh)
        return FALSE;
    for (guint i = 0; i < aliases->len; i++) {
        const char *alias = g_ptr_array_index(aliases, i);
        const VfpReservation *reservation = vfp_domain_find_reservation(fresh, alias);
        const VfpRequest *request = vfp_domain_find_request(fresh, alias);
        g_auto(VfpDeviceInfo) device = {0};

        vfp_domain_get_device(fresh, alias, &device);
        if (!request || !reservation || device.found)
            continue;
        g_string_append_printf(what, "%svf '%s' (pool %s, VF %s)", what->len ? ", " : "", alias,
                               request->pool, reservation->address);
        if (!vfp_domain_remove_request(fresh, alias, &error))
            break;
    }
    if (!error && what->len == 0)
        return FALSE;
    if (!error) {
        message = g_strdup_printf("dropped %s: its device was removed from the definition; add "
                                  "the request again to get a VF",
                                  what->str);
        vfp_domain_set_status(fresh, VFP_STATUS_DROPPED, message);
    }
    if (error || !vfp_libvirt_define(conn, fresh, &error)) {
        note_once(domain, G_LOG_LEVEL_WARNING, error->message);
        return FALSE;
    }
    note_once(domain, G_LOG_LEVEL_MESSAGE, message);
    return vfpd_index_set_config(index, domain->name, g_steal_pointer(&fresh), TRUE);
}

/* Records why DOMAIN waits, in its metadata, when that changed. */
static void
set_waiting(VfpdIndex *index, virConnectPtr conn, VfpdDomain *domain, const char *message)
{
    g_autoptr(VirDomain) dom = virDomainLookupByName(conn, domain->name);
    g_autoptr(VfpDomain) fresh = dom ? vfp_libvirt_load(dom, VFP_XML_PERSISTENT, NULL) : NULL;
    g_autoptr(GError) error = NULL;

    if (!fresh || (fresh->status.state == VFP_STATUS_WAITING &&
                   g_strcmp0(fresh->status.message, message) == 0))
        return;
    vfp_domain_set_status(fresh, VFP_STATUS_WAITING, message);
    if (!vfp_libvirt_define(conn, fresh, &error)) {
        g_warning("domain '%s': cannot record that it waits for a VF: %s", domain->name,
                  error->message);
        return;
    }
    vfpd_index_set_config(index, domain->name, g_steal_pointer(&fresh), TRUE);
}

/* The running DOMAIN's persistent definition reserves other VFs than the ones it holds (or
 * none) for some requests: libvirt defined it from elsewhere, such as the copy a migration
 * with --persistent brings from the source host, which the hook never sees. It gets the VFs
 * the domain runs with, which stay its own until it stops. Checked again on fresh reads.
 * Returns whether VFs freed up. */
static gboolean
follow_live(VfpdIndex *index, virConnectPtr conn, VfpdDomain *domain)
{
    g_autoptr(VirDomain) dom = virDomainLookupByName(conn, domain->name);
    g_autoptr(VfpDomain) live = dom ? vfp_libvirt_load(dom, VFP_XML_LIVE, NULL) : NULL;
    g_autoptr(VfpDomain) fresh = live ? vfp_libvirt_load(dom, VFP_XML_PERSISTENT, NULL) : NULL;
    g_autoptr(GPtrArray) aliases = fresh ? vfp_domain_stale_reservations(fresh, live) : NULL;
    g_autoptr(GString) what = g_string_new(NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *message = NULL;

    if (!aliases || virDomainIsActive(dom) != 1)
        return FALSE;
    for (guint i = 0; i < aliases->len && !error; i++) {
        const char *alias = g_ptr_array_index(aliases, i);

        g_string_append_printf(what, "%svf '%s' VF %s", what->len ? ", " : "", alias,
                               vfp_domain_find_reservation(live, alias)->address);
        vfp_domain_copy_reservation(fresh, live, alias, &error);
    }
    if (error || !vfp_libvirt_define(conn, fresh, &error)) {
        note_once(domain, G_LOG_LEVEL_WARNING, error->message);
        return FALSE;
    }
    message = g_strdup_printf("its definition now reserves the VFs it runs with: %s", what->str);
    note_once(domain, G_LOG_LEVEL_MESSAGE, message);
    return vfpd_index_set_config(index, domain->name, g_steal_pointer(&fresh), TRUE);
}

/* SHARED holds the pass's sysfs and pools; the reservations come from the index, as the
 * resolves before this one left it. Returns whether VFs freed up (the domain moved). */
static gboolean
resolve(VfpdIndex *index, virConnectPtr conn, VfpdDomain *domain, const char *why, gboolean quietly,
        VfpResolveShared *shared)
{
    g_autoptr(VirDomain) dom = virDomainLookupByName(conn, domain->name);
    g_autoptr(GHashTable) reserved = vfpd_index_reserved_by(index, domain->name);
    g_autoptr(VfpResolution) resolution = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *note = NULL;

    if (!dom)
        return FALSE;
    shared->reserved = reserved;
    resolution = vfp_libvirt_resolve(conn, dom, shared, &error);
    shared->reserved = NULL;
    if (!resolution) {
        if (quietly)
            return FALSE;
        note_once(domain, G_LOG_LEVEL_WARNING, error->message);
        set_waiting(index, conn, domain, error->message);
        return FALSE;
    }
    note = g_strdup_printf("%s: resolved%s", why, resolution->changed ? "" : " (no change)");
    note_once(domain, G_LOG_LEVEL_MESSAGE, note);
    return vfpd_index_set_config(index, domain->name, g_steal_pointer(&resolution->domain),
                                 resolution->changed);
}

/* Running domains first: what they hold is settled before stopped domains are resolved
 * around it. Then waiting domains, the longest waiting first; then the others by name;
 * domains that released their VFs last, those that released first before the others. */
static int
rank(const Decision *decision)
{
    if (decision->verdict == VERDICT_FOLLOW)
        return -1;
    if (decision->verdict == VERDICT_RELEASED)
        return 2;
    return decision->status == VFP_STATUS_WAITING ? 0 : 1;
}

static int
compare_decisions(gconstpointer pa, gconstpointer pb)
{
    const Decision *a = *(Decision *const *)pa;
    const Decision *b = *(Decision *const *)pb;
    int rank_a = rank(a);
    int rank_b = rank(b);

    if (rank_a != rank_b)
        return rank_a - rank_b;
    if (rank_a >= 0 && rank_a != 1 && a->since != b->since)
        return a->since < b->since ? -1 : 1;
    return g_strcmp0(a->name, b->name);
}

static gboolean
in_scope(const VfpdWork *work, const VfpdDomain *domain)
{
    VfpStatusState state = domain->config->status.state;

    return work->all || g_hash_table_contains(work->dirty, domain->name) ||
           (work->freed && (state == VFP_STATUS_WAITING || state == VFP_STATUS_RELEASED));
}

/* The decisions about the annotated domains WORK concerns, made under one read of the
 * ledger. */
static GPtrArray *
decide(VfpdIndex *index, const VfpdWork *work, VfpHost *host)
{
    g_autoptr(GPtrArray) decisions = g_ptr_array_new_with_free_func((GDestroyNotify)decision_free);
    g_autoptr(GPtrArray) domains = vfpd_index_domains(index);
    g_autoptr(GHashTable) users = vfpd_index_users(index);
    g_autoptr(GError) error = NULL;
    g_autoptr(VfpLedger) ledger = vfp_ledger_open(VFP_LEDGER_READ, &error);

    if (!ledger) {
        g_warning("%s", error->message);
        return NULL;
    }
    for (guint i = 0; i < domains->len; i++) {
        VfpdDomain *domain = g_ptr_array_index(domains, i);
        Decision *decision;
        char *why = NULL;
        GPtrArray *drops = NULL;
        Verdict verdict;

        if (!domain->config || domain->config->requests->len == 0 || !in_scope(work, domain))
            continue;
        if (domain->active) {
            /* Only whether there are any: follow_live works out which on fresh reads. */
            g_autoptr(GPtrArray) stale =
                domain->live ? vfp_domain_stale_reservations(domain->config, domain->live) : NULL;

            verdict = stale ? VERDICT_FOLLOW : VERDICT_OK;
        } else {
            verdict = evaluate(index, domain, users, ledger, host, &why, &drops);
        }
        if (verdict == VERDICT_OK ||
            (verdict == VERDICT_RELEASED &&
             (!work->freed || g_hash_table_contains(work->exempt, domain->name)))) {
            g_free(why);
            continue;
        }
        decision = g_new0(Decision, 1);
        decision->name = g_strdup(domain->name);
        decision->verdict = verdict;
        decision->why = why || verdict != VERDICT_RELEASED
                            ? why
                            : g_strdup("it had released its VFs, and a VF nobody waits for "
                                       "freed up");
        decision->drops = drops;
        decision->status = domain->config->status.state;
        decision->since = domain->config->status.since;
        g_ptr_array_add(decisions, decision);
    }
    g_ptr_array_sort(decisions, compare_decisions);
    return g_steal_pointer(&decisions);
}

/* One read of sysfs and of the pool files serves the whole pass: each resolve reading them
 * again cost thousands of file opens per domain on a large host. */
void
vfpd_keeper_run(VfpdIndex *index, virConnectPtr conn, VfpdWork *work)
{
    g_autoptr(VfpHost) host = vfp_host_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) pools = vfp_pool_load_all(&error);
    g_autoptr(GPtrArray) decisions = NULL;
    VfpResolveShared shared = {NULL, host, pools};

    /* Without them, each resolve reads them itself and says what is wrong with them. */
    if (!pools)
        g_debug("%s", error->message);
    decisions = decide(index, work, host);
    /* What this pass writes is in the index at once (no fetch on its DEFINED event): what it
     * frees is left in WORK for the next pass. */
    vfpd_work_clear(work);

    for (guint i = 0; decisions && i < decisions->len; i++) {
        const Decision *decision = g_ptr_array_index(decisions, i);
        VfpdDomain *domain = vfpd_index_lookup(index, decision->name);

        if (!domain)
            continue;
        switch (decision->verdict) {
        case VERDICT_DROP:
            work->freed |= drop_requests(index, conn, domain, decision->drops);
            break;
        case VERDICT_FOLLOW:
            work->freed |= follow_live(index, conn, domain);
            break;
        case VERDICT_RESOLVE:
            work->freed |= resolve(index, conn, domain, decision->why, FALSE, &shared);
            break;
        case VERDICT_RELEASED:
            work->freed |= resolve(index, conn, domain, decision->why, TRUE, &shared);
            break;
        case VERDICT_OK:
            break;
        }
    }
}
