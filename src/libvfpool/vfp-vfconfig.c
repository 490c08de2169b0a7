/* Parsing and merging VF L2 settings; reading them from XML is in vfp-vfconfig-xml.c, apart so
 * that what only restores VFs (vfpool-hook-release) does not load libxml2. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "vfp-error.h"
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

gboolean
vfp_qos_parse(const char *text, int *qos)
{
    gint64 value;

    if (!parse_bounded(text, 0, 7, &value))
        return FALSE;
    *qos = value;
    return TRUE;
}
