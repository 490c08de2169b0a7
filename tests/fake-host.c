/* A fake kernel for the hook tests: VF settings live in $VFPOOL_SYSFS_ROOT/fake-netlink.ini
 * (group "PFNETDEV/INDEX"); a group "PFNETDEV" may list settings the "driver" refuses
 * (refuse=link-state;...) and a delay per operation (delay-ms) for kill tests. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "fake-host.h"
#include "vfp-error.h"
#include "vfp-sysfs.h"

static char *
state_path(void)
{
    return g_build_filename(vfp_sysfs_root(), "fake-netlink.ini", NULL);
}

static GKeyFile *
state_load(void)
{
    g_autofree char *path = state_path();
    GKeyFile *state = g_key_file_new();

    g_key_file_load_from_file(state, path, G_KEY_FILE_NONE, NULL);
    return state;
}

static gboolean
pf_exists(const char *pf_ifname)
{
    g_autofree char *path = vfp_sysfs_path("/class/net/%s", pf_ifname);

    return vfp_sysfs_exists(path);
}

static void
pf_delay(GKeyFile *state, const char *pf_ifname)
{
    gint delay = g_key_file_get_integer(state, pf_ifname, "delay-ms", NULL);

    if (delay > 0)
        g_usleep(delay * 1000);
}

static gboolean
fake_link_has_addresses(const char *ifname, gboolean *has_addresses, GError **error)
{
    g_autoptr(GKeyFile) state = state_load();

    *has_addresses = g_key_file_get_boolean(state, ifname, "addresses", NULL);
    return TRUE;
}

static gint64
get_int(GKeyFile *state, const char *group, const char *key)
{
    g_autoptr(GError) error = NULL;
    gint64 value = g_key_file_get_int64(state, group, key, &error);

    return error ? -1 : value;
}

static gboolean
fake_vf_get(const char *pf_ifname, guint vf_index, VfpVfConfig *config, GError **error)
{
    g_autoptr(GKeyFile) state = state_load();
    g_autofree char *group = g_strdup_printf("%s/%u", pf_ifname, vf_index);
    g_autofree char *text = NULL;

    if (!pf_exists(pf_ifname)) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_NOT_FOUND, "PF %s does not exist", pf_ifname);
        return FALSE;
    }
    /* A fresh VF, as igb reports it. */
    config->mac = g_key_file_get_string(state, group, "mac", NULL);
    config->vlan = MAX(get_int(state, group, "vlan"), 0);
    config->vlan_qos = MAX(get_int(state, group, "qos"), 0);
    text = g_key_file_get_string(state, group, "spoofchk", NULL);
    if (!text || !vfp_tristate_parse(text, &config->spoofchk))
        config->spoofchk = VFP_TRISTATE_ON;
    g_free(text);
    text = g_key_file_get_string(state, group, "trust", NULL);
    if (!text || !vfp_tristate_parse(text, &config->trust))
        config->trust = VFP_TRISTATE_OFF;
    g_free(text);
    text = g_key_file_get_string(state, group, "link-state", NULL);
    if (!text || !vfp_link_state_parse(text, &config->link_state))
        config->link_state = VFP_LINK_STATE_AUTO;
    config->min_tx_rate = MAX(get_int(state, group, "min-tx-rate"), 0);
    config->max_tx_rate = MAX(get_int(state, group, "max-tx-rate"), 0);
    return TRUE;
}

static gboolean
fake_vf_set(const char *pf_ifname, guint vf_index, VfpVfField field, const VfpVfConfig *config,
            GError **error)
{
    g_autoptr(GKeyFile) state = state_load();
    g_autofree char *group = g_strdup_printf("%s/%u", pf_ifname, vf_index);
    g_autofree char *path = state_path();
    g_auto(GStrv) refused = g_key_file_get_string_list(state, pf_ifname, "refuse", NULL, NULL);
    const char *name = vfp_vf_field_to_string(field);

    pf_delay(state, pf_ifname);
    if (!pf_exists(pf_ifname)) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_NOT_FOUND, "PF %s does not exist", pf_ifname);
        return FALSE;
    }
    if (refused && g_strv_contains((const char *const *)refused, name)) {
        g_set_error(error, VFP_ERROR, VFP_ERROR_UNSUPPORTED, "PF %s refuses %s on VF %u: %s",
                    pf_ifname, name, vf_index, g_strerror(EOPNOTSUPP));
        return FALSE;
    }
    switch (field) {
    case VFP_VF_FIELD_MAC:
        g_key_file_set_string(state, group, "mac", config->mac ? config->mac : "");
        if (!config->mac)
            g_key_file_remove_key(state, group, "mac", NULL);
        break;
    case VFP_VF_FIELD_VLAN:
        g_key_file_set_int64(state, group, "vlan", MAX(config->vlan, 0));
        g_key_file_set_int64(state, group, "qos", MAX(config->vlan_qos, 0));
        break;
    case VFP_VF_FIELD_SPOOFCHK:
        g_key_file_set_string(state, group, "spoofchk", vfp_tristate_to_string(config->spoofchk));
        break;
    case VFP_VF_FIELD_TRUST:
        g_key_file_set_string(state, group, "trust", vfp_tristate_to_string(config->trust));
        break;
    case VFP_VF_FIELD_LINK_STATE:
        g_key_file_set_string(state, group, "link-state",
                              vfp_link_state_to_string(config->link_state));
        break;
    case VFP_VF_FIELD_RATE:
        g_key_file_set_int64(state, group, "min-tx-rate", MAX(config->min_tx_rate, 0));
        g_key_file_set_int64(state, group, "max-tx-rate", MAX(config->max_tx_rate, 0));
        break;
    }
    return g_key_file_save_to_file(state, path, error);
}

const VfpNetlinkOps fake_netlink = {
    .name = "fake",
    .link_has_addresses = fake_link_has_addresses,
    .vf_get = fake_vf_get,
    .vf_set = fake_vf_set,
};

/* Plays the kernel after a sysfs write by calling the matching tests/fakesys.sh function. */
static void
fake_kernel_observe(const char *path, const char *value)
{
    const char *srcdir = g_getenv("abs_top_srcdir");
    const char *root = vfp_sysfs_root();
    g_autofree char *device = NULL;
    g_autofree char *script = NULL;
    g_autofree char *address = g_strstrip(g_strdup(value));
    g_autoptr(GError) error = NULL;
    const char *function = NULL;
    int status;

    if (g_str_has_suffix(path, "/sriov_numvfs")) {
        g_autofree char *dir = g_path_get_dirname(path);

        device = g_path_get_basename(dir);
        script = g_strdup_printf("fakesys_set_numvfs '%s' '%s' '%s'", root, device, address);
    } else if (g_str_has_suffix(path, "/driver/unbind")) {
        function = "fakesys_unbind";
    } else if (g_str_has_suffix(path, "/bus/pci/drivers_probe")) {
        function = "fakesys_probe";
    } else if (g_str_has_suffix(path, "/driver_override") && !*address) {
        g_file_set_contents(path, "(null)\n", -1, NULL);
        return;
    } else {
        return;
    }
    if (function)
        script = g_strdup_printf("%s '%s' '%s'", function, root, address);
    {
        g_autofree char *full =
            g_strdup_printf(". '%s/tests/fakesys.sh' && %s", srcdir ? srcdir : ".", script);
        char *argv[] = {(char *)"sh", (char *)"-c", full, NULL};

        if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &status,
                          &error) ||
            !g_spawn_check_wait_status(status, &error))
            g_warning("fake kernel: %s: %s", script, error->message);
    }
}

void
fake_kernel_install(void)
{
    vfp_sysfs_set_write_observer(fake_kernel_observe);
}
