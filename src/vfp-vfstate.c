/* Putting a VF back the way it was before a domain got it, from what its claim saved. */
#include "config.h"

#include <unistd.h>

#include "vfp-netlink.h"
#include "vfp-vfio.h"
#include "vfp-vfstate.h"

static char *
pf_netdev(VfpHost *host, const char *pf_address)
{
    VfpPf *pf = pf_address ? vfp_host_get_pf(host, pf_address, NULL) : NULL;

    return pf && pf->netdev ? g_strdup(pf->netdev) : NULL;
}

/* Puts back what vfpool changed on the VF of CLAIM. Best effort: a VF that vanished or a
 * driver that refuses is logged, never fatal, so a stopping domain always gets released. */
void
vfp_vf_state_restore(VfpHost *host, const VfpClaim *claim)
{
    g_autofree char *netdev = pf_netdev(host, claim->pf);
    g_autoptr(GError) error = NULL;

    for (guint i = 0; i < VFP_VF_FIELD_COUNT; i++) {
        VfpVfField field = 1 << i;

        if (!(claim->applied & field))
            continue;
        if (!netdev || !claim->has_saved ||
            !vfp_netlink_get()->vf_set(netdev, claim->index, field, &claim->saved, &error)) {
            g_warning("domain '%s': cannot restore %s of VF %s: %s", claim->domain,
                      vfp_vf_field_to_string(field), claim->address,
                      error ? error->message : "its PF has no network device any more");
            g_clear_error(&error);
        }
    }
    if (claim->bound_driver && !vfp_pci_bind_driver(claim->address, claim->saved_driver, &error)) {
        g_warning("domain '%s': cannot give VF %s back to driver %s: %s", claim->domain,
                  claim->address, claim->saved_driver ? claim->saved_driver : "(none)",
                  error->message);
        g_clear_error(&error);
    }
}

/* prepare holds the lock until its claims are final, so a pending claim seen by anyone else
 * holding the lock was left by a hook that died: undo it. */
gboolean
vfp_vf_state_sweep_pending(VfpLedger *ledger, VfpHost *host)
{
    GPtrArray *claims = vfp_ledger_get_claims(ledger);
    gboolean changed = FALSE;

    for (guint i = 0; i < claims->len;) {
        VfpClaim *claim = g_ptr_array_index(claims, i);

        if (!claim->pending) {
            i++;
            continue;
        }
        g_message("domain '%s': undoing the unfinished claim of VF %s left by hook pid %" G_GINT64_FORMAT,
                  claim->domain, claim->address, claim->pid);
        vfp_vf_state_restore(host, claim);
        g_ptr_array_remove_index(claims, i);
        changed = TRUE;
    }
    return changed;
}

/* Claims for a running domain the VFs its reservations name, as the hook's prepare would have;
 * what the VF looked like before is unknown, so nothing is restored at release but the claim.
 * Returns how many VFs were adopted. */
guint
vfp_vf_state_adopt(VfpLedger *ledger, const VfpDomain *domain, const char *step)
{
    guint adopted = 0;

    for (guint i = 0; i < domain->reservations->len; i++) {
        const VfpReservation *reservation = g_ptr_array_index(domain->reservations, i);
        const VfpClaim *existing = vfp_ledger_lookup(ledger, reservation->address);
        VfpClaim *claim;

        if (existing && g_strcmp0(existing->uuid, vfp_domain_key(domain)) == 0)
            continue;
        if (existing) {
            g_warning("domain '%s': step %s: VF %s is also claimed by '%s'; run 'vfpool "
                      "reconcile'",
                      domain->name, step, reservation->address, existing->domain);
            continue;
        }
        claim = vfp_claim_new();
        claim->address = g_strdup(reservation->address);
        claim->pf = g_strdup(reservation->pf);
        claim->index = reservation->index;
        for (guint j = 0; j < domain->requests->len; j++) {
            const VfpRequest *request = g_ptr_array_index(domain->requests, j);

            if (g_strcmp0(request->alias, reservation->alias) == 0)
                claim->pool = g_strdup(request->pool);
        }
        claim->domain = g_strdup(domain->name);
        claim->uuid = g_strdup(vfp_domain_key(domain));
        claim->alias = g_strdup(reservation->alias);
        claim->step = g_strdup(step);
        claim->time = g_get_real_time() / G_USEC_PER_SEC;
        claim->pid = getpid();
        vfp_ledger_claim(ledger, claim, NULL);
        g_message("domain '%s': step %s: holds VF %s again", domain->name, step,
                  reservation->address);
        adopted++;
    }
    return adopted;
}
