/* Checks vfp_netlink_linux against a real PF inside the emulated hypervisor: reads a VF, sets
 * each L2 setting through its own RTM_SETLINK, reads back, compares with `ip link show`, then
 * restores the original settings. Prints PASS/FAIL/SKIP lines; exits 1 if anything failed.
 * Usage: netlink-check PF_IFNAME [VF_INDEX]  (built by tests/vm/netlink-check.sh) */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vfp-error.h"
#include "vfp-netlink.h"
#include "vfp-vfconfig.h"

static int failures;

static void report(gboolean ok, const char *format, ...) G_GNUC_PRINTF(2, 3);

static void
report(gboolean ok, const char *format, ...)
{
    va_list args;
    g_autofree char *text = NULL;

    va_start(args, format);
    text = g_strdup_vprintf(format, args);
    va_end(args);
    printf("%s: %s\n", ok ? "PASS" : "FAIL", text);
    if (!ok)
        failures++;
}

static char *
config_describe(const VfpVfConfig *c)
{
    return g_strdup_printf("mac=%s vlan=%d qos=%d spoofchk=%s trust=%s link-state=%s "
                           "min=%" G_GINT64_FORMAT " max=%" G_GINT64_FORMAT,
                           c->mac ? c->mac : "(none)", c->vlan, c->vlan_qos,
                           vfp_tristate_to_string(c->spoofchk) ?: "(unset)",
                           vfp_tristate_to_string(c->trust) ?: "(unset)",
                           vfp_link_state_to_string(c->link_state) ?: "(unset)", c->min_tx_rate,
                           c->max_tx_rate);
}

/* Whether FIELD holds the same value in A and B. */
static gboolean
field_equal(VfpVfField field, const VfpVfConfig *a, const VfpVfConfig *b)
{
    switch (field) {
    case VFP_VF_FIELD_MAC:
        return g_strcmp0(a->mac, b->mac) == 0;
    case VFP_VF_FIELD_VLAN:
        return a->vlan == b->vlan && MAX(a->vlan_qos, 0) == MAX(b->vlan_qos, 0);
    case VFP_VF_FIELD_SPOOFCHK:
        return a->spoofchk == b->spoofchk;
    case VFP_VF_FIELD_TRUST:
        return a->trust == b->trust;
    case VFP_VF_FIELD_LINK_STATE:
        return a->link_state == b->link_state;
    case VFP_VF_FIELD_RATE:
        return MAX(a->min_tx_rate, 0) == MAX(b->min_tx_rate, 0) &&
               MAX(a->max_tx_rate, 0) == MAX(b->max_tx_rate, 0);
    }
    return FALSE;
}

static gboolean
field_is_set(VfpVfField field, const VfpVfConfig *c)
{
    switch (field) {
    case VFP_VF_FIELD_MAC:
        return TRUE; /* NULL is "no MAC": it is restored as 00:00:00:00:00:00 */
    case VFP_VF_FIELD_VLAN:
        return c->vlan >= 0;
    case VFP_VF_FIELD_SPOOFCHK:
        return c->spoofchk != VFP_TRISTATE_UNSET;
    case VFP_VF_FIELD_TRUST:
        return c->trust != VFP_TRISTATE_UNSET;
    case VFP_VF_FIELD_LINK_STATE:
        return c->link_state != VFP_LINK_STATE_UNSET;
    case VFP_VF_FIELD_RATE:
        return c->min_tx_rate >= 0 || c->max_tx_rate >= 0;
    }
    return FALSE;
}

static gboolean
vf_read(const char *pf, guint vf, VfpVfConfig *config, const char *what)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *text = NULL;

    vfp_vf_config_clear(config);
    if (!vfp_netlink_linux.vf_get(pf, vf, config, &error)) {
        report(FALSE, "read VF %u of %s (%s): %s", vf, pf, what, error->message);
        return FALSE;
    }
    text = config_describe(config);
    report(TRUE, "read VF %u of %s (%s): %s", vf, pf, what, text);
    return TRUE;
}

/* The line of `ip link show PF` about VF VF. */
static char *
ip_vf_line(const char *pf, guint vf)
{
    g_autofree char *command = g_strdup_printf("ip -d link show %s", pf);
    g_autofree char *out = NULL;
    g_autofree char *prefix = g_strdup_printf("vf %u ", vf);
    g_auto(GStrv) lines = NULL;

    if (!g_spawn_command_line_sync(command, &out, NULL, NULL, NULL))
        return NULL;
    lines = g_strsplit(out, "\n", -1);
    for (guint i = 0; lines[i]; i++) {
        if (g_str_has_prefix(g_strchug(lines[i]), prefix))
            return g_strdup(lines[i]);
    }
    return NULL;
}

/* What `ip link show` prints for FIELD of C, or NULL when there is nothing to look for. */
static char *
ip_expect(VfpVfField field, const VfpVfConfig *c)
{
    switch (field) {
    case VFP_VF_FIELD_MAC:
        return g_strdup_printf("link/ether %s", c->mac ? c->mac : "00:00:00:00:00:00");
    case VFP_VF_FIELD_VLAN:
        if (c->vlan <= 0 && c->vlan_qos <= 0)
            return NULL; /* ip prints no vlan then */
        return c->vlan_qos > 0 ? g_strdup_printf("vlan %d, qos %d", c->vlan, c->vlan_qos)
                               : g_strdup_printf("vlan %d,", c->vlan);
    case VFP_VF_FIELD_SPOOFCHK:
        return g_strdup_printf("spoof checking %s", vfp_tristate_to_string(c->spoofchk));
    case VFP_VF_FIELD_TRUST:
        return g_strdup_printf("trust %s", vfp_tristate_to_string(c->trust));
    case VFP_VF_FIELD_LINK_STATE:
        return g_strdup_printf("link-state %s", vfp_link_state_to_string(c->link_state));
    case VFP_VF_FIELD_RATE:
        if (c->max_tx_rate <= 0)
            return NULL;
        return g_strdup_printf("max_tx_rate %" G_GINT64_FORMAT "Mbps", c->max_tx_rate);
    }
    return NULL;
}

static const VfpVfField fields[] = {
    VFP_VF_FIELD_MAC,   VFP_VF_FIELD_VLAN,       VFP_VF_FIELD_SPOOFCHK,
    VFP_VF_FIELD_TRUST, VFP_VF_FIELD_LINK_STATE, VFP_VF_FIELD_RATE,
};

/* Reports whether the last call failed with CODE; the message goes into the line. */
static void
expect_error(gboolean ok, GError **error, int code, const char *what)
{
    report(!ok && g_error_matches(*error, VFP_ERROR, code), "%s (%s)", what,
           *error ? (*error)->message : "no error");
    g_clear_error(error);
}

static void
check_errors(const char *pf, guint vf)
{
    g_autoptr(GError) error = NULL;
    VfpVfConfig config;
    gboolean has = TRUE;
    gboolean ok;

    vfp_vf_config_init(&config);
    ok = vfp_netlink_linux.vf_get("vfpnosuch0", vf, &config, &error);
    expect_error(ok, &error, VFP_ERROR_NOT_FOUND, "vf_get on a missing PF is NOT_FOUND");
    ok = vfp_netlink_linux.vf_get(pf, 999, &config, &error);
    expect_error(ok, &error, VFP_ERROR_NOT_FOUND, "vf_get of VF 999 is NOT_FOUND");
    config.trust = VFP_TRISTATE_ON;
    ok = vfp_netlink_linux.vf_set("vfpnosuch0", vf, VFP_VF_FIELD_TRUST, &config, &error);
    expect_error(ok, &error, VFP_ERROR_NOT_FOUND, "vf_set on a missing PF is NOT_FOUND");
    ok = vfp_netlink_linux.vf_set(pf, 999, VFP_VF_FIELD_TRUST, &config, &error);
    expect_error(ok, &error, VFP_ERROR_NOT_FOUND, "vf_set on VF 999 is NOT_FOUND");
    ok = vfp_netlink_linux.vf_set(pf, vf, VFP_VF_FIELD_SPOOFCHK, &config, &error);
    expect_error(ok, &error, VFP_ERROR_INVALID, "vf_set of an unset spoofchk is INVALID");
    config.vlan = 4096;
    config.vlan_qos = 0;
    ok = vfp_netlink_linux.vf_set(pf, vf, VFP_VF_FIELD_VLAN, &config, &error);
    expect_error(ok, &error, VFP_ERROR_UNSUPPORTED, "vf_set vlan 4096 is UNSUPPORTED");
    config.vlan = 42;
    config.vlan_qos = 8;
    ok = vfp_netlink_linux.vf_set(pf, vf, VFP_VF_FIELD_VLAN, &config, &error);
    expect_error(ok, &error, VFP_ERROR_UNSUPPORTED, "vf_set vlan 42 qos 8 is UNSUPPORTED");
    config.min_tx_rate = 10;
    config.max_tx_rate = 100;
    ok = vfp_netlink_linux.vf_set(pf, vf, VFP_VF_FIELD_RATE, &config, &error);
    printf("INFO: min_tx_rate 10: %s\n", ok ? "accepted" : error->message);
    g_clear_error(&error);
    ok = vfp_netlink_linux.link_has_addresses("lo", &has, &error);
    report(ok && has, "link_has_addresses(lo) is TRUE");
    g_clear_error(&error);
    ok = vfp_netlink_linux.link_has_addresses("vfpnosuch0", &has, &error);
    report(ok && !has, "link_has_addresses of a missing link is FALSE without error");
    g_clear_error(&error);
    vfp_vf_config_clear(&config);
}

int
main(int argc, char **argv)
{
    const char *pf;
    guint vf = 1;
    VfpVfConfig original, wanted, now;
    VfpVfField accepted = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: %s PF_IFNAME [VF_INDEX]\n", argv[0]);
        return 2;
    }
    pf = argv[1];
    if (argc > 2)
        vf = atoi(argv[2]);
    vfp_vf_config_init(&original);
    vfp_vf_config_init(&now);
    vfp_vf_config_init(&wanted);

    if (!vf_read(pf, vf, &original, "original"))
        return 1;

    /* The settings asked for below may equal the original ones: first flip the two switches
     * so that a set the driver ignores shows up. */
    for (guint i = 0; i < 2; i++) {
        g_autoptr(GError) error = NULL;
        VfpVfField field = i ? VFP_VF_FIELD_TRUST : VFP_VF_FIELD_SPOOFCHK;
        VfpTristate *from = i ? &original.trust : &original.spoofchk;
        VfpTristate *to = i ? &wanted.trust : &wanted.spoofchk;
        const char *name = vfp_vf_field_to_string(field);

        if (*from == VFP_TRISTATE_UNSET)
            continue;
        *to = *from == VFP_TRISTATE_ON ? VFP_TRISTATE_OFF : VFP_TRISTATE_ON;
        if (!vfp_netlink_linux.vf_set(pf, vf, field, &wanted, &error)) {
            report(FALSE, "flip %s to %s: %s", name, vfp_tristate_to_string(*to), error->message);
            continue;
        }
        if (vf_read(pf, vf, &now, "after a flip"))
            report(field_equal(field, &now, &wanted), "%s flipped to %s", name,
                   vfp_tristate_to_string(*to));
    }

    wanted.mac = g_strdup("52:54:00:c0:ff:ee");
    wanted.vlan = 42;
    wanted.vlan_qos = 3;
    wanted.spoofchk = VFP_TRISTATE_ON;
    wanted.trust = VFP_TRISTATE_ON;
    wanted.link_state = VFP_LINK_STATE_DISABLE;
    wanted.min_tx_rate = 0;
    wanted.max_tx_rate = 100;
    for (guint i = 0; i < G_N_ELEMENTS(fields); i++) {
        g_autoptr(GError) error = NULL;
        const char *name = vfp_vf_field_to_string(fields[i]);

        if (vfp_netlink_linux.vf_set(pf, vf, fields[i], &wanted, &error)) {
            accepted |= fields[i];
            report(TRUE, "set %s on VF %u", name, vf);
        } else if (g_error_matches(error, VFP_ERROR, VFP_ERROR_UNSUPPORTED)) {
            printf("SKIP: set %s refused by the driver (UNSUPPORTED): %s\n", name, error->message);
        } else {
            report(FALSE, "set %s on VF %u: %s (code %d)", name, vf, error->message, error->code);
        }
    }

    if (vf_read(pf, vf, &now, "after setting")) {
        g_autofree char *line = ip_vf_line(pf, vf);

        printf("ip: %s\n", line ? line : "(no vf line)");
        for (guint i = 0; i < G_N_ELEMENTS(fields); i++) {
            const char *name = vfp_vf_field_to_string(fields[i]);
            g_autofree char *expect = NULL;

            if (!(accepted & fields[i]))
                continue;
            report(field_equal(fields[i], &now, &wanted), "read back %s as set", name);
            expect = ip_expect(fields[i], &now);
            if (expect)
                report(line && strstr(line, expect), "ip link shows '%s'", expect);
        }
    }

    check_errors(pf, vf);

    /* Restore: the hook's job at release, field by field, from what vf_get saved. */
    for (guint i = 0; i < G_N_ELEMENTS(fields); i++) {
        g_autoptr(GError) error = NULL;
        const char *name = vfp_vf_field_to_string(fields[i]);

        if (!field_is_set(fields[i], &original))
            continue;
        if (!(accepted & fields[i]))
            continue;
        report(vfp_netlink_linux.vf_set(pf, vf, fields[i], &original, &error),
               "restore %s on VF %u%s%s", name, vf, error ? ": " : "", error ? error->message : "");
    }
    if (vf_read(pf, vf, &now, "after restoring")) {
        g_autofree char *line = ip_vf_line(pf, vf);

        printf("ip: %s\n", line ? line : "(no vf line)");
        for (guint i = 0; i < G_N_ELEMENTS(fields); i++) {
            const char *name = vfp_vf_field_to_string(fields[i]);
            g_autofree char *expect = NULL;

            report(field_equal(fields[i], &now, &original), "%s is back to the original", name);
            expect = ip_expect(fields[i], &now);
            if (expect)
                report(line && strstr(line, expect), "ip link shows '%s'", expect);
        }
    }

    vfp_vf_config_clear(&original);
    vfp_vf_config_clear(&wanted);
    vfp_vf_config_clear(&now);
    printf("%d failed\n", failures);
    return failures ? 1 : 0;
}
