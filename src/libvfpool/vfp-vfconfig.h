/* The L2 settings of one VF as the PF driver holds them (MAC, VLAN, spoof check, trust, link
 * state, rates): what a pool sets by default, what a domain asks for, and what the hook saves
 * and restores. Every field can be unset. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

typedef enum {
    VFP_TRISTATE_UNSET = 0,
    VFP_TRISTATE_ON,
    VFP_TRISTATE_OFF,
} VfpTristate;

typedef enum {
    VFP_LINK_STATE_UNSET = 0,
    VFP_LINK_STATE_AUTO,
    VFP_LINK_STATE_ENABLE,
    VFP_LINK_STATE_DISABLE,
} VfpLinkState;

typedef struct {
    char *mac;    /* "52:54:00:12:34:56", lower case */
    int vlan;     /* 0-4095, -1 unset */
    int vlan_qos; /* 0-7, -1 unset */
    VfpTristate spoofchk;
    VfpTristate trust;
    VfpLinkState link_state;
    gint64 min_tx_rate; /* Mbit/s, -1 unset */
    gint64 max_tx_rate;
} VfpVfConfig;

void vfp_vf_config_init(VfpVfConfig *config);
void vfp_vf_config_clear(VfpVfConfig *config);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(VfpVfConfig, vfp_vf_config_clear)
void vfp_vf_config_merge(VfpVfConfig *config, const VfpVfConfig *defaults);

gboolean vfp_tristate_parse(const char *text, VfpTristate *value);
const char *vfp_tristate_to_string(VfpTristate value);
gboolean vfp_link_state_parse(const char *text, VfpLinkState *value);
const char *vfp_link_state_to_string(VfpLinkState value);

char *vfp_mac_normalize(const char *text);
gboolean vfp_vlan_parse(const char *text, int *vlan);
gboolean vfp_rate_parse(const char *text, gint64 *rate);
gboolean vfp_qos_parse(const char *text, int *qos);
/* vfp-vfconfig-xml.c */
gboolean vfp_vf_config_read(VfpVfConfig *config, xmlNode *node, const char *what, GError **error);
