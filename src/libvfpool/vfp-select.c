/* The selection policy. Every candidate VF of a request's pool is checked; the acceptable ones
 * are ranked (NUMA locality, existing before created, the pool's pack/spread order, address,
 * index) and the first wins. The turned-down ones are kept with their reason for explain. */
#include "config.h"

#include <string.h>

#include "vfp-config.h"
#include "vfp-error.h"
#include "vfp-select.h"

static const char *const reject_reason_names[] = {
    [VFP_REJECT_RANGE] = "range",
    [VFP_REJECT_NUMA] = "numa",
    [VFP_REJECT_IOMMU] = "iommu-group",
    [VFP_REJECT_HOST_USE] = "host-use",
    [VFP_REJECT_HELD] = "held",
    [VFP_REJECT_RESERVED] = "reserved",
    [VFP_REJECT_TAKEN] = "taken",
    [VFP_REJECT_NOT_CREATABLE] = "not-creatable",
    [VFP_REJECT_UNREADABLE] = "unreadable",
    [VFP_REJECT_MODEL] = "device-model",
};

const char *
vfp_reject_reason_to_string(VfpRejectReason reason)
{
    return reject_reason_names[reason];
}

static void
vfp_rejection_free(VfpRejection *rejection)
{
    g_free(rejection->address);
    g_free(rejection->pf);
    g_free(rejection->detail);
    g_free(rejection->holder);
    g_free(rejection);
}

void
vfp_choice_free(VfpChoice *choice)
{
    if (!choice)
        return;
    g_free(choice->address);
    g_free(choice->pf);
    g_clear_pointer(&choice->rejections, g_ptr_array_unref);
    g_clear_pointer(&choice->pools, g_ptr_array_unref);
    g_free(choice);
}

/* One VF considered for one request. */
typedef struct {
    VfpPf *pf;
    guint index;
    char *address;
    gboolean exists;
    int numa_node;
    guint numa_rank; /* 0: local or locality not asked for */
    guint vendor_id;
    guint device_id;
} Candidate;

static void
candidate_clear(Candidate *candidate)
{
    g_free(candidate->address);
}

/* The state of one resolve call: what this domain already chose, and how busy each PF is. */
typedef struct {
    const VfpSelectContext *context;
    const VfpDomain *domain;
    GHashTable *taken;           /* address -> alias chosen in this call */
    GHashTable *pf_usage;        /* PF address -> GUINT_TO_POINTER(VFs in use or chosen) */
    GHashTable *resize_blockers; /* PF address -> why its VF count cannot change, "" if it can */
    gboolean usage_counted;      /* PF_USAGE holds what others use too, see count_pf_usage */
} Selection;

static void count_pf_usage(Selection *selection);

static void
pf_usage_add(Selection *selection, const char *pf)
{
    guint usage = GPOINTER_TO_UINT(g_hash_table_lookup(selection->pf_usage, pf));

    g_hash_table_insert(selection->pf_usage, g_strdup(pf), GUINT_TO_POINTER(usage + 1));
}

/* Counted on first use: only a new choice ranks PFs by use, and a domain that keeps its
 * reservations makes none. */
static guint
pf_usage(Selection *selection, const char *pf)
{
    if (!selection->usage_counted) {
        selection->usage_counted = TRUE;
        count_pf_usage(selection);
    }
    return GPOINTER_TO_UINT(g_hash_table_lookup(selection->pf_usage, pf));
}

static const VfpClaim *
claim_by_other(Selection *selection, const char *address)
{
    const VfpClaim *claim;

    if (!selection->context->ledger || !address)
        return NULL;
    claim = vfp_ledger_lookup(selection->context->ledger, address);
    if (claim && g_strcmp0(claim->uuid, vfp_domain_key(selection->domain)) != 0)
        return claim;
    return NULL;
}

static const char *
reserved_by_other(Selection *selection, const char *address)
{
    const char *holder;

    if (!selection->context->reserved_by || !address)
        return NULL;
    holder = g_hash_table_lookup(selection->context->reserved_by, address);
    if (holder && g_strcmp0(holder, selection->domain->name) != 0)
        return holder;
    return NULL;
}

/* Why PF's VF count cannot change now, or NULL: rewriting sriov_numvfs destroys every VF of
 * the PF, so it happens only while none is in use by anyone (a running domain's claim, a VM
 * outside vfpool, the host's netdev or driver). Shared by selection and by taking a VF. */
char *
vfp_select_pf_resize_blocker(VfpLedger *ledger, const VfpPool *pool, VfpPf *pf)
{
    g_autoptr(GError) local = NULL;
    GPtrArray *vfs = vfp_pf_get_vfs(pf, &local);

    if (!vfs)
        return g_strdup_printf("the VFs of PF %s cannot be checked (%s), and VFs can only be "
                               "created while none is in use",
                               pf->address, local->message);
    /* Claims are looked up by VF, not read all: every VF the PF can have, existing or not
     * (a claim outliving its VF still stands for a running domain). */
    for (guint i = 0; ledger && i < MAX(pf->total_vfs, pf->num_vfs); i++) {
        g_autofree char *address = vfp_pf_predict_vf_address(pf, i);
        const VfpClaim *claim = address ? vfp_ledger_lookup(ledger, address) : NULL;

        if (claim)
            return g_strdup_printf("PF %s has VF %s held by running domain '%s', and VFs can "
                                   "only be created while none is in use",
                                   pf->address, claim->address, claim->domain);
    }
    for (guint i = 0; i < vfs->len; i++) {
        const VfpVf *vf = g_ptr_array_index(vfs, i);
        g_autofree char *why = NULL;

        if (vfp_vf_used_outside_vfpool(vf, vfp_pool_host_driver_rule(pool), &why))
            return g_strdup_printf("PF %s has VF %s in use outside vfpool (%s), and VFs can "
                                   "only be created while none is in use",
                                   pf->address, vf->address, why);
    }
    return NULL;
}

static char *
pf_resize_blocker(Selection *selection, const VfpPool *pool, VfpPf *pf)
{
    const char *known = g_hash_table_lookup(selection->resize_blockers, pf->address);
    char *why;

    if (!known) {
        why = vfp_select_pf_resize_blocker(selection->context->ledger, pool, pf);
        known = why ? why : g_strdup("");
        g_hash_table_insert(selection->resize_blockers, g_strdup(pf->address), (char *)known);
    }
    return *known ? g_strdup(known) : NULL;
}

/* Why VF cannot go to the domain with key DOMAIN_KEY from POOL because of its IOMMU group: a
 * group member outside the pool, or one another running domain holds (a sibling the same
 * domain holds is fine: the group gets one owner). NULL when nothing stands in the way. The
 * ledger may be NULL. Shared by selection and by taking a VF. */
char *
vfp_select_iommu_blocker(VfpHost *host, VfpLedger *ledger, const VfpPool *pool, const VfpVf *vf,
                         const char *domain_key)
{
    for (guint i = 0; vf->iommu_peers && i < vf->iommu_peers->len; i++) {
        const char *peer_address = g_ptr_array_index(vf->iommu_peers, i);
        VfpVf *peer = vfp_host_get_vf(host, peer_address, NULL);
        const VfpClaim *claim = ledger ? vfp_ledger_lookup(ledger, peer_address) : NULL;

        if (!peer || !vfp_pool_owns_vf(pool, peer))
            return g_strdup_printf("shares IOMMU group %d with %s, which is not in pool '%s'",
                                   vf->iommu_group, peer_address, pool->name);
        if (claim && g_strcmp0(claim->uuid, domain_key) != 0)
            return g_strdup_printf("shares IOMMU group %d with %s, held by running domain '%s'",
                                   vf->iommu_group, peer_address, claim->domain);
    }
    return NULL;
}

static char *
iommu_blocker(Selection *selection, const VfpPool *pool, const VfpVf *vf)
{
    return vfp_select_iommu_blocker(selection->context->host, selection->context->ledger, pool, vf,
                                    vfp_domain_key(selection->domain));
}

/* Records why CANDIDATE was turned down; the caller may name the holder in what it returns. */
static VfpRejection *
add_rejection(GPtrArray *rejections, const Candidate *candidate, VfpRejectReason reason,
              char *detail)
{
    VfpRejection *rejection = g_new0(VfpRejection, 1);

    rejection->address = g_strdup(candidate->address);
    rejection->pf = g_strdup(candidate->pf->address);
    rejection->index = candidate->index;
    rejection->reason = reason;
    rejection->detail = detail;
    g_ptr_array_add(rejections, rejection);
    return rejection;
}

/* A domain whose VF's driver migrates the device state brings that state along (migrate,
 * restore): only a VF of the same model can take it. */
static char *
model_mismatch(Selection *selection, const VfpPool *pool, const VfpRequest *request,
               const Candidate *candidate)
{
    const VfpReservation *reservation =
        vfp_domain_find_reservation(selection->domain, request->alias);

    if (!pool->migratable || !reservation || !reservation->vendor_id ||
        (reservation->vendor_id == candidate->vendor_id &&
         reservation->device_id == candidate->device_id))
        return NULL;
    return g_strdup_printf("a %04x:%04x, and the device state of '%s' (driver %s) is for a "
                           "%04x:%04x",
                           candidate->vendor_id, candidate->device_id, request->alias, pool->driver,
                           reservation->vendor_id, reservation->device_id);
}

/* Fills CANDIDATE for VF INDEX of PF and says whether it may be given to REQUEST; if not,
 * the reason goes to REJECTIONS. */
static gboolean
check_candidate(Selection *selection, const VfpPool *pool, const VfpRequest *request, VfpPf *pf,
                guint index, Candidate *candidate, GPtrArray *rejections)
{
    g_autoptr(GError) local = NULL;
    const VfpClaim *claim;
    const char *holder;
    char *why = NULL;
    VfpVf *vf = NULL;

    candidate->pf = pf;
    candidate->index = index;
    candidate->exists = index < pf->num_vfs;
    candidate->numa_node = pf->numa_node;
    if (candidate->exists) {
        vf = vfp_pf_get_vf(pf, index, &local);
        if (!vf) {
            candidate->address = vfp_pf_predict_vf_address(pf, index);
            add_rejection(rejections, candidate, VFP_REJECT_UNREADABLE, g_strdup(local->message));
            return FALSE;
        }
        candidate->address = g_strdup(vf->address);
        if (vf->numa_node >= 0)
            candidate->numa_node = vf->numa_node;
    } else {
        candidate->address = vfp_pf_predict_vf_address(pf, index);
    }
    candidate->vendor_id = vf ? vf->vendor_id : pf->vendor_id;
    candidate->device_id = vf ? vf->device_id : pf->vf_device_id;

    if (!vfp_pool_has_index(pool, index)) {
        add_rejection(rejections, candidate, VFP_REJECT_RANGE,
                      g_strdup_printf("VF index %u is outside the pool's range", index));
        return FALSE;
    }
    if ((why = model_mismatch(selection, pool, request, candidate))) {
        add_rejection(rejections, candidate, VFP_REJECT_MODEL, why);
        return FALSE;
    }
    if ((claim = claim_by_other(selection, candidate->address))) {
        add_rejection(rejections, candidate, VFP_REJECT_HELD,
                      g_strdup_printf("held by running domain '%s'", claim->domain))
            ->holder = g_strdup(claim->domain);
        return FALSE;
    }
    if ((holder = reserved_by_other(selection, candidate->address))) {
        add_rejection(rejections, candidate, VFP_REJECT_RESERVED,
                      g_strdup_printf("reserved by domain '%s'", holder))
            ->holder = g_strdup(holder);
        return FALSE;
    }
    if (candidate->address && g_hash_table_contains(selection->taken, candidate->address)) {
        add_rejection(rejections, candidate, VFP_REJECT_TAKEN,
                      g_strdup_printf(
                          "already chosen for '%s' of this domain",
                          (const char *)g_hash_table_lookup(selection->taken, candidate->address)));
        return FALSE;
    }
    if (pool->numa != VFP_NUMA_IGNORE && vfp_domain_request_numa(selection->domain, request) >= 0 &&
        !vfp_domain_numa_allows(selection->domain, request, candidate->numa_node)) {
        if (pool->numa == VFP_NUMA_REQUIRED) {
            add_rejection(rejections, candidate, VFP_REJECT_NUMA,
                          g_strdup_printf("on NUMA node %d, and the pool requires node %d",
                                          candidate->numa_node,
                                          vfp_domain_request_numa(selection->domain, request)));
            return FALSE;
        }
        candidate->numa_rank = 1;
    }
    if (!candidate->exists) {
        if (!candidate->address) {
            add_rejection(rejections, candidate, VFP_REJECT_NOT_CREATABLE,
                          g_strdup_printf("PF %s does not expose sriov_offset/sriov_stride, so "
                                          "the address of a new VF is unknown",
                                          pf->address));
            return FALSE;
        }
        if ((why = pf_resize_blocker(selection, pool, pf))) {
            add_rejection(rejections, candidate, VFP_REJECT_NOT_CREATABLE, why);
            return FALSE;
        }
        return TRUE;
    }
    if (vfp_vf_used_outside_vfpool(vf, vfp_pool_host_driver_rule(pool), &why)) {
        add_rejection(rejections, candidate, VFP_REJECT_HOST_USE, why);
        return FALSE;
    }
    if ((why = iommu_blocker(selection, pool, vf))) {
        add_rejection(rejections, candidate, VFP_REJECT_IOMMU, why);
        return FALSE;
    }
    return TRUE;
}

typedef struct {
    Selection *selection;
    VfpPolicy policy;
} RankContext;

static int
compare_candidates(gconstpointer pa, gconstpointer pb, gpointer opaque)
{
    const Candidate *a = pa;
    const Candidate *b = pb;
    RankContext *rank = opaque;
    guint usage_a, usage_b;
    int order;

    if (a->numa_rank != b->numa_rank)
        return a->numa_rank < b->numa_rank ? -1 : 1;
    if (a->exists != b->exists)
        return a->exists ? -1 : 1;
    usage_a = pf_usage(rank->selection, a->pf->address);
    usage_b = pf_usage(rank->selection, b->pf->address);
    if (usage_a != usage_b) {
        order = usage_a > usage_b ? -1 : 1;
        return rank->policy == VFP_POLICY_PACK ? order : -order;
    }
    if ((order = g_strcmp0(a->pf->address, b->pf->address)) != 0)
        return order;
    return a->index < b->index ? -1 : a->index > b->index;
}

static VfpChoice *
choice_new(Selection *selection, const VfpRequest *request, const VfpPool *pool,
           const Candidate *candidate)
{
    VfpChoice *choice = g_new0(VfpChoice, 1);

    choice->request = request;
    choice->pool = pool;
    choice->pools = g_ptr_array_ref(selection->context->pools);
    choice->address = g_strdup(candidate->address);
    choice->pf = g_strdup(candidate->pf->address);
    choice->index = candidate->index;
    choice->numa_node = candidate->numa_node;
    choice->exists = candidate->exists;
    choice->network = candidate->pf->netdev != NULL;
    choice->vendor_id = candidate->vendor_id;
    choice->device_id = candidate->device_id;
    return choice;
}

static const VfpPool *
request_pool(Selection *selection, const VfpRequest *request, GError **error)
{
    const VfpPool *pool = vfp_pool_find(selection->context->pools, request->pool);

    if (!pool)
        g_set_error(error, VFP_ERROR, VFP_ERROR_NOT_FOUND,
                    "domain '%s': vf '%s' asks for pool '%s', which is not defined on this host; "
                    "add %s/pools.d/%s.xml or fix the request",
                    selection->domain->name, request->alias, request->pool, vfp_conf_dir(),
                    request->pool);
    return pool;
}

/* A choice of VF INDEX of PF at ADDRESS for REQUEST, if it is still acceptable; else NULL
 * and, in WHY, the reason. */
static VfpChoice *
keep_vf(Selection *selection, const VfpRequest *request, const VfpPool *pool, VfpPf *pf,
        guint index, const char *address, char **why)
{
    g_autoptr(GPtrArray) rejections =
        g_ptr_array_new_with_free_func((GDestroyNotify)vfp_rejection_free);
    Candidate candidate = {0};
    VfpChoice *choice = NULL;

    if (!vfp_pool_selects_pf(pool, pf) || index >= vfp_pool_vf_limit(pool, pf)) {
        *why = g_strdup_printf("VF %s is not in pool '%s'", address, pool->name);
        return NULL;
    }
    if (!check_candidate(selection, pool, request, pf, index, &candidate, rejections)) {
        const VfpRejection *rejection = g_ptr_array_index(rejections, 0);

        *why = g_strdup_printf("VF %s is %s", address, rejection->detail);
    } else if (g_strcmp0(candidate.address, address) != 0) {
        *why = g_strdup_printf("VF %u of PF %s is %s now, not %s", index, pf->address,
                               candidate.address, address);
    } else {
        choice = choice_new(selection, request, pool, &candidate);
        choice->kept = TRUE;
        choice->available = 1;
    }
    candidate_clear(&candidate);
    return choice;
}

/* The VF the domain already has for REQUEST, if it is still acceptable: the one its device
 * points at when the administrator edited that by hand, else its reservation. */
static VfpChoice *
keep_current(Selection *selection, const VfpRequest *request, const VfpPool *pool)
{
    VfpReservation *reservation = vfp_domain_find_reservation(selection->domain, request->alias);
    g_auto(VfpDeviceInfo) device = {0};
    g_autofree char *why = NULL;
    VfpChoice *choice = NULL;
    VfpPf *pf;

    vfp_domain_get_device(selection->domain, request->alias, &device);
    if (device.address && (!reservation || g_strcmp0(device.address, reservation->address))) {
        VfpVf *vf = vfp_host_get_vf(selection->context->host, device.address, NULL);

        if (vf &&
            (choice = keep_vf(selection, request, pool, vf->pf, vf->index, device.address, &why)))
            return choice;
        if (reservation)
            g_message("domain '%s': device '%s' was pointed at %s by hand, but %s; keeping "
                      "the reservation",
                      selection->domain->name, request->alias, device.address,
                      why ? why : "that is not a VF of this host");
        g_clear_pointer(&why, g_free);
    }
    if (!reservation)
        return NULL;
    pf = vfp_host_get_pf(selection->context->host, reservation->pf, NULL);
    if (pf)
        choice =
            keep_vf(selection, request, pool, pf, reservation->index, reservation->address, &why);
    return choice;
}

static char *
summarize_rejections(GPtrArray *rejections)
{
    guint counts[G_N_ELEMENTS(reject_reason_names)] = {0};
    GString *summary = g_string_new(NULL);

    for (guint i = 0; i < rejections->len; i++)
        counts[((VfpRejection *)g_ptr_array_index(rejections, i))->reason]++;
    for (guint reason = 0; reason < G_N_ELEMENTS(counts); reason++) {
        if (counts[reason])
            g_string_append_printf(summary, "%s%u %s", summary->len ? ", " : "", counts[reason],
                                   reject_reason_names[reason]);
    }
    return g_string_free(summary, FALSE);
}

/* "'a', 'b'": the distinct holders of REASON among REJECTIONS, at most a few named. */
static char *
holders_of(GPtrArray *rejections, VfpRejectReason reason)
{
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    GString *names = g_string_new(NULL);

    for (guint i = 0; i < rejections->len; i++) {
        const VfpRejection *rejection = g_ptr_array_index(rejections, i);

        if (rejection->reason != reason || !rejection->holder ||
            !g_hash_table_add(seen, rejection->holder))
            continue;
        if (g_hash_table_size(seen) <= 3)
            g_string_append_printf(names, "%s'%s'", names->len ? ", " : "", rejection->holder);
    }
    if (g_hash_table_size(seen) > 3)
        g_string_append_printf(names, " and %u more", g_hash_table_size(seen) - 3);
    return g_string_free(names, names->len == 0);
}

/* What would free a VF, true to why each was turned down: stopping a domain that holds one,
 * releasing a stopped one that only reserves it, or more VFs. */
static char *
shortage_advice(GPtrArray *rejections)
{
    g_autofree char *holding = holders_of(rejections, VFP_REJECT_HELD);
    g_autofree char *reserving = holders_of(rejections, VFP_REJECT_RESERVED);

    if (holding && reserving)
        return g_strdup_printf("stop a running domain that holds one (%s), or run 'vfpool "
                               "release' on a stopped domain that reserves one (%s)",
                               holding, reserving);
    if (holding)
        return g_strdup_printf("stop a running domain that holds one (%s)", holding);
    if (reserving)
        return g_strdup_printf("run 'vfpool release' on a stopped domain that reserves one (%s)",
                               reserving);
    for (guint i = 0; i < rejections->len; i++) {
        if (((VfpRejection *)g_ptr_array_index(rejections, i))->reason == VFP_REJECT_MODEL)
            return g_strdup("move the domain to a host whose pool has VFs of its device's model, "
                            "or detach the device before migrating");
    }
    return g_strdup("create VFs or widen the pool");
}

static VfpChoice *
choose(Selection *selection, const VfpRequest *request, const VfpPool *pool, GError **error)
{
    g_autoptr(GPtrArray) rejections =
        g_ptr_array_new_with_free_func((GDestroyNotify)vfp_rejection_free);
    g_autoptr(GArray) acceptable = g_array_new(FALSE, TRUE, sizeof(Candidate));
    g_autoptr(GPtrArray) pfs = vfp_pool_get_pfs(pool, selection->context->host, error);
    RankContext rank = {selection, pool->policy};
    VfpChoice *choice;

    if (!pfs)
        return NULL;
    g_array_set_clear_func(acceptable, (GDestroyNotify)candidate_clear);
    for (guint i = 0; i < pfs->len; i++) {
        VfpPf *pf = g_ptr_array_index(pfs, i);
        guint limit = vfp_pool_vf_limit(pool, pf);

        for (guint index = 0; index < limit; index++) {
            Candidate candidate = {0};

            if (check_candidate(selection, pool, request, pf, index, &candidate, rejections))
                g_array_append_val(acceptable, candidate);
            else
                candidate_clear(&candidate);
        }
    }
    if (acceptable->len == 0) {
        g_autofree char *summary = summarize_rejections(rejections);

        if (pfs->len == 0)
            g_set_error(error, VFP_ERROR, VFP_ERROR_EXHAUSTED,
                        "domain '%s': pool '%s' has no PF on this host for vf '%s'; check the "
                        "pool's <pf> selectors against 'vfpool status'",
                        selection->domain->name, pool->name, request->alias);
        else if (rejections->len == 0)
            g_set_error(error, VFP_ERROR, VFP_ERROR_EXHAUSTED,
                        "domain '%s': pool '%s' has no VF for vf '%s': its PFs have none and "
                        "the pool creates none; create VFs (sriov_numvfs) or give the pool "
                        "<vfs create='N'/>",
                        selection->domain->name, pool->name, request->alias);
        else {
            g_autofree char *advice = shortage_advice(rejections);

            g_set_error(error, VFP_ERROR, VFP_ERROR_EXHAUSTED,
                        "domain '%s': pool '%s' has no free VF for vf '%s' (%u turned down: %s); "
                        "%s ('vfpool explain' shows each VF)",
                        selection->domain->name, pool->name, request->alias, rejections->len,
                        summary, advice);
        }
        return NULL;
    }
    g_array_sort_with_data(acceptable, compare_candidates, &rank);
    choice = choice_new(selection, request, pool, &g_array_index(acceptable, Candidate, 0));
    choice->available = acceptable->len;
    choice->rejections = g_steal_pointer(&rejections);
    return choice;
}

static void
selection_take(Selection *selection, const VfpChoice *choice)
{
    g_hash_table_insert(selection->taken, g_strdup(choice->address),
                        g_strdup(choice->request->alias));
    pf_usage_add(selection, choice->pf);
}

/* How many VFs of each PF others hold, to spread new choices over PFs. Every defined domain's
 * reservation counts, so this runs once per reserved VF on the host: it asks sysfs only for
 * each VF's PF and looks claims up in the list already read, not claim by claim. */
static void
count_pf_usage(Selection *selection)
{
    const VfpSelectContext *context = selection->context;
    GPtrArray *claims = context->ledger ? vfp_ledger_get_claims(context->ledger) : NULL;
    g_autoptr(GHashTable) claimed = g_hash_table_new(g_str_hash, g_str_equal);
    GHashTableIter iter;
    gpointer address;

    for (guint i = 0; claims && i < claims->len; i++) {
        const VfpClaim *claim = g_ptr_array_index(claims, i);

        g_hash_table_add(claimed, claim->address);
        if (claim->pf && g_strcmp0(claim->uuid, vfp_domain_key(selection->domain)) != 0)
            pf_usage_add(selection, claim->pf);
    }
    if (!context->reserved_by)
        return;
    g_hash_table_iter_init(&iter, context->reserved_by);
    while (g_hash_table_iter_next(&iter, &address, NULL)) {
        VfpPf *pf;

        if (g_hash_table_contains(claimed, address))
            continue; /* counted above */
        pf = vfp_host_get_vf_pf(context->host, address);
        if (pf)
            pf_usage_add(selection, pf->address);
    }
}

/* One VfpChoice per request of DOMAIN, in request order. Reservations that still hold are
 * kept, so resolving a resolved domain changes nothing. */
GPtrArray *
vfp_select_resolve(const VfpSelectContext *context, const VfpDomain *domain, GError **error)
{
    g_autoptr(GPtrArray) choices = g_ptr_array_new_with_free_func((GDestroyNotify)vfp_choice_free);
    g_autoptr(GHashTable) taken = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_autoptr(GHashTable) usage = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GHashTable) blockers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    Selection selection = {context, domain, taken, usage, blockers, FALSE};

    g_ptr_array_set_size(choices, domain->requests->len);

    /* Kept reservations first, so a new choice never takes a VF this domain already holds for
     * a later request. */
    for (guint i = 0; i < domain->requests->len; i++) {
        const VfpRequest *request = g_ptr_array_index(domain->requests, i);
        const VfpPool *pool = request_pool(&selection, request, error);
        VfpChoice *choice;

        if (!pool)
            return NULL;
        choice = keep_current(&selection, request, pool);
        if (choice) {
            selection_take(&selection, choice);
            g_ptr_array_index(choices, i) = choice;
        }
    }
    for (guint i = 0; i < domain->requests->len; i++) {
        const VfpRequest *request = g_ptr_array_index(domain->requests, i);
        VfpChoice *choice;

        if (g_ptr_array_index(choices, i))
            continue;
        choice = choose(&selection, request, request_pool(&selection, request, NULL), error);
        if (!choice)
            return NULL;
        selection_take(&selection, choice);
        g_ptr_array_index(choices, i) = choice;
    }
    return g_steal_pointer(&choices);
}

/* Writes CHOICES into DOMAIN's devices and reservations. With KEEP_PENDING (a domain arriving
 * by vfpool migrate), a request whose VF the domain holds without its device gets its new VF
 * the same way, without a device, which vfpool migrate plugs once the domain runs here;
 * otherwise every request gets its device. */
gboolean
vfp_select_apply(VfpDomain *domain, GPtrArray *choices, gboolean keep_pending, GError **error)
{
    g_autofree VfpAssignment *assignments = g_new0(VfpAssignment, choices->len);

    for (guint i = 0; i < choices->len; i++) {
        const VfpChoice *choice = g_ptr_array_index(choices, i);
        const VfpReservation *before = vfp_domain_find_reservation(domain, choice->request->alias);

        assignments[i] = vfp_choice_to_assignment(choice);
        assignments[i].hotplug_pending = keep_pending && before && before->hotplug_pending;
    }
    return vfp_domain_apply(domain, assignments, choices->len, error);
}

/* What CHOICE writes into a definition, for its request: the VF's model only for a pool
 * that migrates device state, which must find the same model on the destination. */
VfpAssignment
vfp_choice_to_assignment(const VfpChoice *choice)
{
    VfpAssignment assignment = {.request = choice->request,
                                .address = choice->address,
                                .pf = choice->pf,
                                .index = choice->index,
                                .network = choice->network,
                                .managed = vfp_pool_driver_is_managed(choice->pool)};

    if (choice->pool->migratable) {
        assignment.vendor_id = choice->vendor_id;
        assignment.device_id = choice->device_id;
    }
    return assignment;
}

/* Counts a pool's VFs the way selection sees them, for a domain that holds nothing. */
gboolean
vfp_select_pool_census(const VfpSelectContext *context, const VfpPool *pool, VfpPoolCensus *census,
                       GError **error)
{
    g_autoptr(GHashTable) taken = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_autoptr(GHashTable) usage = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GPtrArray) requests = g_ptr_array_new();
    g_autoptr(GPtrArray) reservations = g_ptr_array_new();
    g_autoptr(GArray) nodes = g_array_new(FALSE, FALSE, sizeof(int));
    g_autoptr(GPtrArray) rejections =
        g_ptr_array_new_with_free_func((GDestroyNotify)vfp_rejection_free);
    g_autoptr(GPtrArray) pfs = vfp_pool_get_pfs(pool, context->host, error);
    VfpDomain nobody = {.name = (char *)"",
                        .requests = requests,
                        .reservations = reservations,
                        .numa_nodes = nodes};
    VfpRequest request = {.numa_node = -1};
    g_autoptr(GHashTable) blockers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    Selection selection = {context, &nobody, taken, usage, blockers, FALSE};

    memset(census, 0, sizeof(*census));
    if (!pfs)
        return FALSE;
    for (guint i = 0; i < pfs->len; i++) {
        VfpPf *pf = g_ptr_array_index(pfs, i);
        guint limit = vfp_pool_vf_limit(pool, pf);

        for (guint index = 0; index < limit; index++) {
            Candidate candidate = {0};
            guint before = rejections->len;

            if (!vfp_pool_has_index(pool, index))
                continue;
            census->total++;
            if (index < pf->num_vfs)
                census->existing++;
            if (check_candidate(&selection, pool, &request, pf, index, &candidate, rejections)) {
                census->free++;
                if (!candidate.exists)
                    census->creatable++;
            } else {
                VfpRejection *last = rejections->len > before
                                         ? g_ptr_array_index(rejections, rejections->len - 1)
                                         : NULL;

                if (last && last->reason == VFP_REJECT_HELD)
                    census->held++;
                else if (last && last->reason == VFP_REJECT_RESERVED)
                    census->reserved++;
                else if (last && last->reason == VFP_REJECT_HOST_USE)
                    census->host_use++;
                else
                    census->blocked++;
            }
            candidate_clear(&candidate);
        }
    }
    return TRUE;
}

/* A VF on a host driver is free for status when one of the pools it belongs to may take it. */
static VfpHostDriverRule
host_driver_rule(const VfpSelectContext *context, const VfpVf *vf)
{
    for (guint i = 0; context->pools && i < context->pools->len; i++) {
        const VfpPool *pool = g_ptr_array_index(context->pools, i);

        if (pool->take_from_host && vfp_pool_owns_vf(pool, vf))
            return VFP_HOST_DRIVER_MAY_BE_TAKEN;
    }
    return VFP_HOST_DRIVER_IS_HOST_USE;
}

/* A one-word state of an existing VF for status listings ("free", "held", "reserved",
 * "host-use", "iommu-group", ...), with a human detail. Pool membership is not considered. */
const char *
vfp_select_vf_label(const VfpSelectContext *context, const VfpVf *vf, char **detail)
{
    const VfpClaim *claim =
        context->ledger ? vfp_ledger_lookup(context->ledger, vf->address) : NULL;
    const char *holder =
        context->reserved_by ? g_hash_table_lookup(context->reserved_by, vf->address) : NULL;

    if (claim) {
        *detail = g_strdup_printf("held by running domain '%s' (%s)", claim->domain,
                                  claim->alias ? claim->alias : "?");
        return vfp_reject_reason_to_string(VFP_REJECT_HELD);
    }
    if (holder) {
        *detail = g_strdup_printf("reserved by domain '%s'", holder);
        return vfp_reject_reason_to_string(VFP_REJECT_RESERVED);
    }
    if (vfp_vf_used_outside_vfpool(vf, host_driver_rule(context, vf), detail))
        return vfp_reject_reason_to_string(VFP_REJECT_HOST_USE);
    for (guint i = 0; vf->iommu_peers && i < vf->iommu_peers->len; i++) {
        const char *peer_address = g_ptr_array_index(vf->iommu_peers, i);
        VfpVf *peer = vfp_host_get_vf(context->host, peer_address, NULL);

        if (!peer || peer->pf != vf->pf) {
            *detail =
                g_strdup_printf("shares IOMMU group %d with %s", vf->iommu_group, peer_address);
            return vfp_reject_reason_to_string(VFP_REJECT_IOMMU);
        }
    }
    *detail = NULL;
    return "free";
}
