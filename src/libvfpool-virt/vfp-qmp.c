/* QMP commands sent through libvirt (virDomainQemuMonitorCommand): a QEMU's own VFIO
 * pause/resume, for the QEMUs that offer it. */
#include "config.h"

#include <json-glib/json-glib.h>
#include <libvirt/libvirt-qemu.h>

#include "vfp-error.h"
#include "vfp-json.h"
#include "vfp-libvirt.h"
#include "vfp-qmp.h"

/* Runs {"execute": COMMAND, "arguments": {"id": ALIAS[, "host": HOST]}} in the domain's QEMU.
 * libvirt names each device's QEMU id after its alias. */
gboolean
vfp_qmp_device_command(virDomainPtr dom, const char *name, const char *command, const char *alias,
                       const char *host, GError **error)
{
    g_autoptr(JsonBuilder) builder = json_builder_new();
    g_autoptr(JsonNode) root = NULL;
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autofree char *request = NULL;
    g_autofree char *reply = NULL;
    JsonNode *reply_root;

    json_builder_begin_object(builder);
    vfp_json_add_string(builder, "execute", command);
    json_builder_set_member_name(builder, "arguments");
    json_builder_begin_object(builder);
    vfp_json_add_string(builder, "id", alias);
    if (host)
        vfp_json_add_string(builder, "host", host);
    json_builder_end_object(builder);
    json_builder_end_object(builder);
    root = json_builder_get_root(builder);
    request = json_to_string(root, FALSE);
    if (virDomainQemuMonitorCommand(dom, request, &reply, 0) < 0) {
        vfp_libvirt_set_error(error, "domain '%s': QMP %s for device '%s' failed", name, command,
                              alias);
        return FALSE;
    }
    if (json_parser_load_from_data(parser, reply, -1, NULL) &&
        (reply_root = json_parser_get_root(parser)) && JSON_NODE_HOLDS_OBJECT(reply_root) &&
        json_object_has_member(json_node_get_object(reply_root), "return"))
        return TRUE;
    g_set_error(error, VFP_ERROR, VFP_ERROR_FAILED,
                "domain '%s': QEMU refused %s for device '%s': %s; check vfio-pause-command and "
                "vfio-resume-command in vfpool.conf",
                name, command, alias, reply);
    return FALSE;
}

/* Whether the domain's QEMU lists both configured VFIO commands in query-commands. */
gboolean
vfp_qmp_has_vfio_pause(virConnectPtr conn, const char *name, const VfpConfig *config)
{
    g_autoptr(VirDomain) dom = virDomainLookupByName(conn, name);
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autofree char *reply = NULL;
    gboolean pause = FALSE, resume = FALSE;
    JsonNode *root;
    JsonArray *commands;

    if (!config->vfio_pause_command || !dom ||
        virDomainQemuMonitorCommand(dom, "{\"execute\": \"query-commands\"}", &reply, 0) < 0 ||
        !json_parser_load_from_data(parser, reply, -1, NULL) ||
        !(root = json_parser_get_root(parser)) || !JSON_NODE_HOLDS_OBJECT(root) ||
        !(commands = json_object_get_array_member(json_node_get_object(root), "return")))
        return FALSE;
    for (guint i = 0; i < json_array_get_length(commands); i++) {
        JsonObject *command = json_array_get_object_element(commands, i);
        const char *command_name = command ? vfp_json_get_string(command, "name") : NULL;

        pause |= g_strcmp0(command_name, config->vfio_pause_command) == 0;
        resume |= g_strcmp0(command_name, config->vfio_resume_command) == 0;
    }
    return pause && resume;
}
