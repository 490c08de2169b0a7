/* Parsing and merging VF L2 settings. The same attribute names are used in pool files and in
 * domain metadata, so both go through vfp_vf_config_read(). */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "vfp-error.h"
#include "vfp-xml.h"
#include "vfp-vfconfig.h"

void
vfp_vf_config_init(VfpVfConfig *config)
{
    memset(config, 0, sizeof(*config));
    config->vlan = -1;
    config->vlan_qos = -1;
    config->min_tx_rate = -1;
    config->max_tx_rate = -1;
}

void
vfp_vf_config_clear(VfpVfConfig *config)
{
    g_clear_pointer(&config->mac, g_free);
    vfp_vf_config_init(config);
}

/* Fills what CONFIG leaves unset from DEFAULTS: a domain's request wins over its pool. */
void
vfp_vf_config_merge(VfpVfConfig *config, const VfpVfConfig *defaults)
{
    if (!config->mac && defaults->mac)
        config->mac = g_strdup(defaults->mac);
    if (config->vlan < 0) {
        config->vlan = defaults->vlan;
        if (config->vlan_qos < 0)
            config->vlan_qos = defaults->vlan_qos;
    }
    if (config->spoofchk == VFP_TRISTATE_UNSET)
        config->spoofchk = defaults->spoofchk;
    if (config->trust == VFP_TRISTATE_UNSET)
        config->trust = defaults->trust;
    if (config->link_state == VFP_LINK_STATE_UNSET)
        config->link_state = defaults->link_state;
    if (config->min_tx_rate < 0)
        config->min_tx_rate = defaults->min_tx_rate;
    if (config->max_tx_rate < 0)
        config->max_tx_rate = defaults->max_tx_rate;
}

gboolean
vfp_tristate_parse(const char *text, VfpTristate *value)
{
    if (g_strcmp0(text, "on") == 0)
        *value = VFP_TRISTATE_ON;
    else if (g_strcmp0(text, "off") == 0)
        *value = VFP_TRISTATE_OFF;
    else
        return FALSE;
    return TRUE;
}

const char *
vfp_tristate_to_string(VfpTristate value)
{
    switch (value) {
    case VFP_TRISTATE_ON:
        return "on";
    case VFP_TRISTATE_OFF:
        return "off";
    case VFP_TRISTATE_UNSET:
        break;
    }
    return NULL;
}

static const char *const link_state_names[] = {NULL, "auto", "enable", "disable"};

gboolean
vfp_link_state_parse(const char *text, VfpLinkState *value)
{
    for (guint i = 1; i < G_N_ELEMENTS(link_state_names); i++) {
        if (g_strcmp0(text, link_state_names[i]) == 0) {
            *value = i;
            return TRUE;
        }
    }
    return FALSE;
}

const char *
vfp_link_state_to_string(VfpLinkState value)
{
    return value < G_N_ELEMENTS(link_state_names) ? link_state_names[value] : NULL;
}

/* A unicast MAC in canonical form, or NULL: multicast and all-zero addresses cannot be given
 * to a VF. */
char *
vfp_mac_normalize(const char *text)
{
    unsigned int bytes[6];
    int consumed = 0;

    if (!text ||
        sscanf(text, "%2x:%2x:%2x:%2x:%2x:%2x%n", &bytes[0], &bytes[1], &bytes[2], &bytes[3],
               &bytes[4], &bytes[5], &consumed) != 6 ||
        text[consumed] != '\0' || strlen(text) != 17)
        return NULL;
    if (bytes[0] & 1)
        return NULL;
    if ((bytes[0] | bytes[1] | bytes[2] | bytes[3] | bytes[4] | bytes[5]) == 0)
        return NULL;
    return g_strdup_printf("%02x:%02x:%02x:%02x:%02x:%02x", bytes[0], bytes[1], bytes[2], bytes[3],
                           bytes[4], bytes[5]);
}

static gboolean
parse_bounded(const char *text, gint64 min, gint64 max, gint64 *value)
{
    char *end = NULL;

    if (!text || !g_ascii_isdigit(text[0]))
        return FALSE;
    errno = 0;
    *value = g_ascii_strtoll(text, &end, 10);
    return errno == 0 && *end == '\0' && *value >= min && *value <= max;
}

/* VLAN 0 means "untagged" to PF drivers; 4095 is reserved by 802.1Q. */
gboolean
vfp_vlan_parse(const char *text, int *vlan)
{
    gint64 value;

    if (!parse_bounded(text, 0, 4094, &value))
        return FALSE;
    *vlan = value;
    return TRUE;
}

gboolean
vfp_rate_parse(const char *text, gint64 *rate)
{
    return parse_bounded(text, 0, G_MAXUINT32, rate);
}

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
    gint64 qos;

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
    if ((text = get(node, "qos"))) {
        if (!parse_bounded(text, 0, 7, &qos)) {
            g_set_error(error, VFP_ERROR, VFP_ERROR_INVALID,
                        "%s: qos '%s' is not an 802.1p priority; use a number from 0 to 7", what,
                        text);
            return FALSE;
        }
        config->vlan_qos = qos;
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
