#!/bin/sh
# The installed hook's cost against /bin/true, interleaved in one run (these machines are
# noisy): libvirt runs vfpool-hook (the front) at every step of every domain; for a pooled
# domain it execs the real vfpool-hook-worker (vfpool-hook-release at release). Measured, each
# fed its domain XML on stdin:
#  - /bin/true;
#  - the front on a domain without vfpool metadata (goal <= 1.1x /bin/true);
#  - prepare + release of one VF through the front and the real programs (goal <= 6x one
#    /bin/true run); and the worker and the release program doing nothing (a step they
#    ignore), which is what loading them and their libraries costs; and prepare + release of
#    a domain that declares the vfpool namespace but requests no VF: what every pooled domain
#    pays before any VF work (the front, both programs started and the XML read);
#  - the same prepare + release linked as --enable-static-hook-worker links them
#    (bench/vfpool-hook-worker-static, bench/vfpool-hook-release-static), where the static
#    libraries are installed.
# The host is a fake sysfs with an NVMe-like PF of 64 VFs and no netdev: no netlink call is
# needed, so the real worker runs unchanged; the state directory is on tmpfs, like /run.
set -eu
srcdir=${abs_top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${abs_top_builddir:-$srcdir/_build/default}
. "$srcdir/tests/fakesys.sh"
spawn=$builddir/bench/spawn-time
hook=$builddir/vfpool-hook
worker=$builddir/vfpool-hook-worker
release=$builddir/vfpool-hook-release
rounds=${BENCH_ROUNDS:-300}
tmpbase=/dev/shm
[ -w "$tmpbase" ] || tmpbase=${TMPDIR:-/tmp}
tmp=$(mktemp -d "$tmpbase/vfpool-bench-XXXXXX")
trap 'rm -rf "$tmp"' EXIT

pf=0000:5e:00.0
fakesys_init "$tmp/root"
fakesys_pf "$tmp/root" $pf 0x1b36 0x0010 0x010802 0 nvme 40 64 64 1 1 0010 -
mkdir -p "$tmp/conf/pools.d"
echo "<pool name='nvme'><pf address='$pf'/></pool>" >"$tmp/conf/pools.d/nvme.xml"
addr=$(fakesys_vf_address $pf 1 1 63)
bus=${addr#0000:} slot=${bus#*:} bus=${bus%%:*} fn=${slot#*.} slot=${slot%.*}
source="<source><address domain='0x0000' bus='0x$bus' slot='0x$slot' function='0x$fn'/></source>"
head="<domain type='kvm'><name>bench</name><uuid>5a3e9d7c-0000-4000-8000-000000000003</uuid>"
cat >"$tmp/pooled.xml" <<XML
$head
<metadata><v:vfpool xmlns:v='http://vfpool.org/xmlns/libvirt/domain/1.0'>
<v:vf alias='ua-vf0' pool='nvme'/>
<v:reservation alias='ua-vf0' address='$addr' pf='$pf' index='63'/>
</v:vfpool></metadata>
<devices><hostdev mode='subsystem' type='pci' managed='yes'>$source
<alias name='ua-vf0'/></hostdev></devices></domain>
XML
# Declares the vfpool namespace, requests nothing: the front hands it on, and the programs run
# every step up to finding no VF to take or give back.
cat >"$tmp/empty.xml" <<XML
$head
<metadata><v:vfpool xmlns:v='http://vfpool.org/xmlns/libvirt/domain/1.0'/></metadata>
<devices><hostdev mode='subsystem' type='pci' managed='yes'>$source
<alias name='ua-vf0'/></hostdev></devices></domain>
XML
cat >"$tmp/plain.xml" <<XML
$head
<devices><hostdev mode='subsystem' type='pci' managed='yes'>$source
<alias name='hostdev0'/></hostdev></devices></domain>
XML
export VFPOOL_SYSFS_ROOT=$tmp/root VFPOOL_CONF_DIR=$tmp/conf VFPOOL_STATE_DIR=$tmp/state
# One prepare first: it must succeed (spawn-time stops at a failing command).
"$hook" bench prepare begin - <"$tmp/pooled.xml" >/dev/null
"$hook" bench release end - <"$tmp/pooled.xml" >/dev/null

# The same worker linked as --enable-static-hook-worker links it, when make built it: run
# through a copy of the front next to it, as the installed hook would be.
static=$builddir/bench/vfpool-hook-worker-static
static_hook=""
if [ -x "$static" ]; then
    mkdir "$tmp/static"
    cp "$hook" "$tmp/static/vfpool-hook"
    ln -s "$static" "$tmp/static/vfpool-hook-worker"
    ln -s "$builddir/bench/vfpool-hook-release-static" "$tmp/static/vfpool-hook-release"
    static_hook=$tmp/static/vfpool-hook
    "$static_hook" bench prepare begin - <"$tmp/pooled.xml" >/dev/null
    "$static_hook" bench release end - <"$tmp/pooled.xml" >/dev/null
fi

# shellcheck disable=SC2046
set -- $("$spawn" "$rounds" "$tmp/pooled.xml" -- "<$tmp/plain.xml" /bin/true \
    -- "<$tmp/plain.xml" "$hook" bench prepare begin - \
    -- "$hook" bench prepare begin - -- "$hook" bench release end - \
    -- "$worker" bench started begin - -- "$release" bench started begin - \
    -- "<$tmp/empty.xml" "$hook" bench prepare begin - \
    -- "<$tmp/empty.xml" "$hook" bench release end - \
    ${static_hook:+-- "$static_hook" bench prepare begin -} \
    ${static_hook:+-- "$static_hook" bench release end -})
awk -v t="$1" -v f="$2" -v p="$3" -v r="$4" -v w="$5" -v wr="$6" -v ep="$7" -v er="$8" \
    -v sp="${9:-}" -v sr="${10:-}" -v n="$rounds" 'BEGIN {
    printf "hook cost (median of %d, interleaved): /bin/true %.2f ms;", n, t / 1000
    printf " front on a domain without vfpool metadata %.2f ms, x%.2f (goal <= 1.1)\n", f / 1000,
        f / t
    printf "  prepare+release of one VF (real programs, 64-VF pool without netdev): %.2f ms",
        (p + r) / 1000
    printf " (prepare %.2f, release %.2f), x%.2f of one /bin/true (goal <= 6)", p / 1000,
        r / 1000, (p + r) / t
    printf "; per step x%.2f\n", (p + r) / 2 / t
    printf "  worker startup alone (a step it ignores) %.2f ms, x%.2f of /bin/true;", w / 1000,
        w / t
    printf " release program alone %.2f ms, x%.2f; their starts are %.0f%% of prepare+release\n",
        wr / 1000, wr / t, 100 * (w + wr) / (p + r)
    printf "  the same two steps for a domain that requests no VF (the programs started through"
    printf " the front, the XML read, no VF taken): %.2f ms, x%.2f of /bin/true\n",
        (ep + er) / 1000, (ep + er) / t
    if (sp != "") {
        printf "  with --enable-static-hook-worker: prepare+release %.2f ms (prepare %.2f,",
            (sp + sr) / 1000, sp / 1000
        printf " release %.2f), x%.2f of one /bin/true (goal <= 6)\n", sr / 1000, (sp + sr) / t
    } }'
