/* vfpool-hook: the libvirt QEMU hook (installed as /etc/libvirt/hooks/qemu.d/vfpool).
 *
 * libvirt runs every hook at every lifecycle step of every domain, so this front is plain libc:
 * it answers "not ours" as fast as starting /bin/true, and only for a domain whose XML carries
 * the vfpool namespace at a step vfpool handles, or that holds VFs at release whatever its XML
 * says now, does it exec vfpool-hook-worker (next to it), which has the XML parser, netlink and
 * the ledger; at release, vfpool-hook-release, which does without libxml2 and starts faster. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vfp-domain-ns.h"
#include "vfp-hook-steps.h"
#include "vfp-state-layout.h"

#define MAX_XML_SIZE (64 << 20)

static VfpHookStep
handled_step(const char *op, const char *subop)
{
    for (size_t i = 0; i < sizeof(vfp_hook_steps) / sizeof(vfp_hook_steps[0]); i++) {
        if (strcmp(op, vfp_hook_steps[i].op) == 0 && strcmp(subop, vfp_hook_steps[i].subop) == 0)
            return vfp_hook_steps[i].step;
    }
    return VFP_HOOK_IGNORED;
}

/* Whether the domain of XML has an entry in the state directory: it holds VFs, even when the
 * vfpool metadata was removed from its live XML. libvirt writes <uuid> before any element a
 * user can name, and escapes '<' in text, so the first one is the domain's. */
static int
holds_vfs(const char *xml, size_t size)
{
    static const char open_tag[] = "<uuid>";
    const char *dir = getenv(VFP_STATE_DIR_ENV);
    const char *start = memmem(xml, size, open_tag, strlen(open_tag));
    char uuid[37], path[PATH_MAX];
    struct stat st;

    if (!start || (size_t)(xml + size - start) < strlen(open_tag) + sizeof(uuid))
        return 0;
    start += strlen(open_tag);
    for (size_t i = 0; i < sizeof(uuid) - 1; i++) {
        if (start[i] == '\0' || !strchr("0123456789abcdefABCDEF-", start[i]))
            return 0;
        uuid[i] = start[i];
    }
    uuid[sizeof(uuid) - 1] = '\0';
    if (start[sizeof(uuid) - 1] != '<')
        return 0;
    if (snprintf(path, sizeof(path), "%s/%s/%s", dir && *dir ? dir : VFP_STATE_DIR_DEFAULT,
                 VFP_STATE_DOMAINS, uuid) >= (int)sizeof(path))
        return 0;
    return stat(path, &st) == 0;
}

/* Failing a blocking step stops the domain; only fail where libvirt would show it. */
static int
fail(VfpHookStep step, const char *domain, const char *what, int err)
{
    fprintf(stderr, "vfpool: domain '%s': %s: %s; reinstall vfpool or remove the hook\n", domain,
            what, strerror(err));
    return VFP_HOOK_STEP_BLOCKS(step) ? 1 : 0;
}

int
main(int argc, char **argv)
{
    char self[PATH_MAX];
    char *xml = NULL, *slash;
    size_t size = 0, capacity = 0;
    ssize_t n, len;
    VfpHookStep step;
    int fd;

    if (argc < 3 || (step = handled_step(argv[2], argc > 3 ? argv[3] : "")) == VFP_HOOK_IGNORED)
        return 0;

    for (;;) {
        if (size == capacity) {
            char *bigger;

            capacity = capacity ? capacity * 2 : 16384;
            if (capacity > MAX_XML_SIZE)
                return fail(step, argv[1], "domain XML larger than 64 MiB", EFBIG);
            bigger = realloc(xml, capacity);
            if (!bigger)
                return fail(step, argv[1], "reading the domain XML", ENOMEM);
            xml = bigger;
        }
        n = read(STDIN_FILENO, xml + size, capacity - size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return fail(step, argv[1], "reading the domain XML", errno);
        if (n == 0)
            break;
        size += n;
    }
    if (!memmem(xml, size, VFP_DOMAIN_NS, strlen(VFP_DOMAIN_NS)) &&
        !(step == VFP_HOOK_RELEASE && holds_vfs(xml, size))) {
        free(xml);
        return 0;
    }

    /* Hand the XML we consumed to the worker as its stdin. */
    fd = memfd_create("vfpool-domain-xml", MFD_CLOEXEC);
    if (fd < 0 || write(fd, xml, size) != (ssize_t)size || lseek(fd, 0, SEEK_SET) != 0 ||
        dup2(fd, STDIN_FILENO) < 0)
        return fail(step, argv[1], "passing the domain XML on", errno);
    free(xml);

    len = readlink("/proc/self/exe", self, sizeof(self) - sizeof("vfpool-hook-release") - 1);
    if (len < 0)
        return fail(step, argv[1], "finding the hook worker", errno);
    self[len] = '\0';
    slash = strrchr(self, '/');
    slash = slash ? slash + 1 : self;
    if (step == VFP_HOOK_RELEASE) {
        strcpy(slash, "vfpool-hook-release");
        execv(self, argv);
        /* The worker releases too: an install without the release program still gives back. */
        if (errno != ENOENT)
            return fail(step, argv[1], self, errno);
    }
    strcpy(slash, "vfpool-hook-worker");
    execv(self, argv);
    return fail(step, argv[1], self, errno);
}
