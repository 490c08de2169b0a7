/* Putting a VF back the way it was before a domain got it, from what its claim saved. */
#include "config.h"

#include <unistd.h>

#include "vfp-log.h"
#include "vfp-netlink.h"
#include "vfp-pci-driver.h"
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
    if (claim->bound_driver && !vfp_pci_driver_bind(claim->address, claim->saved_driver, &error)) {
        g_warning("domain '%s': cannot give VF %s back to driver %s: %s", claim->domain,
                  claim->address, claim->saved_driver ? claim->saved_driver : "(none)",
                  error->message);
        g_clear_error(&error);
    }
}

/* Undoes the claims written ahead by processes that died before finishing them. */
gboolean
vfp_vf_state_sweep_pending(VfpLedger *ledger, VfpHost *host)
{
    g_autoptr(GPtrArray) abandoned = vfp_ledger_get_abandoned(ledger);
    g_autoptr(GError) error = NULL;

    for (guint i = 0; i < abandoned->len; i++) {
        VfpClaim *claim = g_ptr_array_index(abandoned, i);

        g_message("domain '%s': undoing the unfinished claim of VF %s left by hook pid "
                  "%" G_GINT64_FORMAT,
                  claim->domain, claim->address, claim->pid);
        vfp_vf_state_restore(host, claim);
        vfp_ledger_release(ledger, claim->address);
    }
    if (abandoned->len && !vfp_ledger_commit(ledger, &error))
        g_warning("%s", error->message);
    return abandoned->len > 0;
}

/* Which settings to apply, and whether each came from the request (a refusal fails the start)
 * or from the pool's defaults (a refusal is logged). libvirt sets MAC and VLAN itself for an
 * <interface type='hostdev'>, and restores them, so those stay libvirt's. */
void
vfp_vf_state_plan(const VfpRequest *request, const VfpPool *pool, gboolean network_device,
                  VfpVfConfig *config, guint *fields, guint *requested)
{
    const VfpVfConfig *asked = &request->config;

    vfp_vf_config_init(config);
    config->mac = g_strdup(asked->mac);
    config->vlan = asked->vlan;
    config->vlan_qos = asked->vlan_qos;
    config->spoofchk = asked->spoofchk;
    config->trust = asked->trust;
    config->link_state = asked->link_state;
    config->min_tx_rate = asked->min_tx_rate;
    config->max_tx_rate = asked->max_tx_rate;
    *requested = 0;
    if (asked->spoofchk)
        *requested |= VFP_VF_FIELD_SPOOFCHK;
    if (asked->trust)
        *requested |= VFP_VF_FIELD_TRUST;
    if (asked->link_state)
        *requested |= VFP_VF_FIELD_LINK_STATE;
    if (asked->min_tx_rate >= 0 || asked->max_tx_rate >= 0)
        *requested |= VFP_VF_FIELD_RATE;
    if (!network_device) {
        if (asked->mac)
            *requested |= VFP_VF_FIELD_MAC;
        if (asked->vlan >= 0)
            *requested |= VFP_VF_FIELD_VLAN;
    } else if (asked->vlan_qos >= 0) {
        /* libvirt's <vlan> has no priority: a qos= needs the VLAN set by us. */
        *requested |= VFP_VF_FIELD_VLAN;
    }
    vfp_vf_config_merge(config, &pool->net);
    *fields = *requested;
    if (config->spoofchk)
        *fields |= VFP_VF_FIELD_SPOOFCHK;
    if (config->trust)
        *fields |= VFP_VF_FIELD_TRUST;
    if (config->link_state)
        *fields |= VFP_VF_FIELD_LINK_STATE;
    if (config->min_tx_rate >= 0 || config->max_tx_rate >= 0)
        *fields |= VFP_VF_FIELD_RATE;
}
