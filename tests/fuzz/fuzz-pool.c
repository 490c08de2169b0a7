/* Fuzz target: a pool file of $VFPOOL_CONF_DIR/pools.d, as an administrator wrote it. Stored
 * under the name its root element gives (the loader refuses a file named otherwise), loaded,
 * and matched against the PFs of the fake host1. */
#include "config.h"

#include <libxml/parser.h>
#include <stdio.h>
#include <string.h>

#include "fuzz-common.h"
#include "vfp-pool.h"
#include "vfp-xml.h"

static char *dir;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_init();
    fuzz_fake_host();
    dir = fuzz_make_dir("pools.d", NULL);
    return 0;
}

/* NAME.xml for <pool name='NAME'>, when NAME is a file name; "fuzz.xml" otherwise. */
static char *
file_name(const uint8_t *data, size_t size)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autofree char *name = NULL;

    if (size <= G_MAXINT)
        doc = xmlReadMemory((const char *)data, size, "pool.xml", NULL,
                            XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR);
    if (doc && xmlDocGetRootElement(doc))
        name = vfp_xml_get_prop(xmlDocGetRootElement(doc), "name");
    if (!name || !*name || strlen(name) > 64 || name[0] == '.' ||
        strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") !=
            strlen(name))
        return g_strdup("fuzz.xml");
    return g_strdup_printf("%s.xml", name);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *name = file_name(data, size);
    g_autofree char *path = fuzz_write_file(dir, name, data, size);
    g_autoptr(VfpPool) pool = vfp_pool_load_file(path, &error);
    g_autoptr(VfpHost) host = NULL;
    g_autoptr(GPtrArray) pfs = NULL;

    remove(path);
    if (!pool)
        return 0;
    vfp_policy_to_string(pool->policy);
    vfp_numa_mode_to_string(pool->numa);
    vfp_pool_driver_is_managed(pool);
    for (guint index = 0; index < 300; index += 7)
        vfp_pool_has_index(pool, index);
    host = vfp_host_new();
    pfs = vfp_pool_get_pfs(pool, host, &error);
    for (guint i = 0; pfs && i < pfs->len; i++) {
        VfpPf *pf = g_ptr_array_index(pfs, i);

        if (!vfp_pool_selects_pf(pool, pf))
            fuzz_fail("pool '%s' got PF %s that it does not select", pool->name, pf->address);
        vfp_pool_vf_limit(pool, pf);
    }
    return 0;
}
