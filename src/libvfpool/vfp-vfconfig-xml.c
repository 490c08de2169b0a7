/* Reading VF L2 settings from XML attributes: pool files and domain metadata use the same
 * names, so both go through vfp_vf_config_read(). */
#include "config.h"

#include "vfp-error.h"
#include "vfp-vfconfig.h"
#include "vfp-xml.h"

/* The L2 attributes (mac, vlan, qos, spoofchk, trust, link-state, min-tx-rate, max-tx-rate)
 * read from NODE; WHAT names the element in error messages. */
static const char *
get(xmlNode *node, const char *name)
{
    xmlAttr *attr = xmlHasProp(node, (const xmlChar *)name);

    if (!attr || !attr->children || !attr->children->content)
        return attr ? "" : NULL;
    return (const char *)attr->children->content;
}

gboolean
vfp_vf_config_read(VfpVfConfig *config, xmlNode *node, const char *what, GError **error)
{
    const char *text;

    if ((text = get(node, "mac"))) {
        config->mac = vfp_mac_normalize(text);
        if (!config->mac) {
            g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                        "%s: mac '%s' is not a unicast MAC address; use the form "
                        "52:54:00:xx:xx:xx",
                        what, text);
            return FALSE;
        }
    }
    if ((text = get(node, "vlan")) && !vfp_vlan_parse(text, &config->vlan)) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                    "%s: vlan '%s' is not a VLAN ID; use a number from 0 to 4094", what, text);
        return FALSE;
    }
    if ((text = get(node, "qos")) && !vfp_qos_parse(text, &config->vlan_qos)) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                    "%s: qos '%s' is not an 802.1p priority; use a number from 0 to 7", what, text);
        return FALSE;
    }
    if ((text = get(node, "spoofchk")) && !vfp_tristate_parse(text, &config->spoofchk)) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID, "%s: spoofchk '%s' must be on or off",
                    what, text);
        return FALSE;
    }
    if ((text = get(node, "trust")) && !vfp_tristate_parse(text, &config->trust)) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID, "%s: trust '%s' must be on or off", what,
                    text);
        return FALSE;
    }
    if ((text = get(node, "link-state")) && !vfp_link_state_parse(text, &config->link_state)) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                    "%s: link-state '%s' must be auto, enable or disable", what, text);
        return FALSE;
    }
    if ((text = get(node, "min-tx-rate")) && !vfp_rate_parse(text, &config->min_tx_rate)) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                    "%s: min-tx-rate '%s' must be a rate in Mbit/s", what, text);
        return FALSE;
    }
    if ((text = get(node, "max-tx-rate")) && !vfp_rate_parse(text, &config->max_tx_rate)) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                    "%s: max-tx-rate '%s' must be a rate in Mbit/s", what, text);
        return FALSE;
    }
    if (config->min_tx_rate > 0 && config->max_tx_rate > 0 &&
        config->min_tx_rate > config->max_tx_rate) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                    "%s: min-tx-rate %" G_GINT64_FORMAT " is above max-tx-rate %" G_GINT64_FORMAT,
                    what, config->min_tx_rate, config->max_tx_rate);
        return FALSE;
    }
    return TRUE;
}
