#!/bin/sh
# Hook benchmarks, each a ratio measured in this one run (these machines are noisy):
#  1. the hook on a ~6 KB domain without vfpool metadata against /bin/true (goal <= 1.5x);
#  2. prepare + release of one VF on pools of 8, 64, 512 and 4096 VFs (goal: no worse than
#     linear growth, under 20 ms at 4096), on fake sysfs with the fake netlink;
#  3. 64 domains starting at once on a 32-VF pool: wall time, and no VF handed out twice (as
#     'vfpool status' shows the held VFs: nothing here reads the ledger's files).
set -eu
srcdir=${abs_top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${abs_top_builddir:-$srcdir/_build/default}
. "$srcdir/tests/fakesys.sh"
spawn=$builddir/bench/spawn-time
hook=$builddir/vfpool-hook
worker=$builddir/tests/vfpool-hook-test
tmpbase=/dev/shm
[ -w "$tmpbase" ] || tmpbase=${TMPDIR:-/tmp}
tmp=$(mktemp -d "$tmpbase/vfpool-bench-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export abs_top_srcdir=$srcdir

# --- 1. the fast path
{
    echo "<domain type='kvm'><name>plain</name><uuid>5a3e9d7c-0000-4000-8000-000000000001</uuid>"
    os="<os><type arch='x86_64' machine='q35'>hvm</type></os>"
    echo "<memory unit='KiB'>4194304</memory><vcpu>4</vcpu>$os"
    echo "<devices><emulator>/usr/bin/qemu-system-x86_64</emulator>"
    disk="<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
    img=/var/lib/libvirt/images
    i=0
    while [ $i -lt 40 ]; do
        echo "$disk<source file='$img/disk$i.qcow2'/><target dev='vd$i' bus='virtio'/></disk>"
        i=$((i + 1))
    done
    echo "</devices></domain>"
} >"$tmp/plain.xml"
set -- $("$spawn" 2000 "$tmp/plain.xml" -- /bin/true -- "$hook" plain prepare begin -)
awk -v t="$1" -v h="$2" -v size="$(wc -c <"$tmp/plain.xml")" 'BEGIN {
    printf "hook fast path: domain XML %d bytes, median /bin/true %d us, ", size, t
    printf "vfpool-hook %d us, ratio %.2f (goal <= 1.5)\n", h, h / t }'

# --- 2. prepare + release against pool size
echo "prepare+release of one VF (median of 30, fake sysfs + fake netlink):"
base=""
for size in 8 64 512 4096; do
    root=$tmp/root$size
    fakesys_init "$root"
    fakesys_pf "$root" 0000:40:00.0 0x15b3 0x101d 0x020000 0 mlx5_core 1 "$size" "$size" 2 1 101e -
    fakesys_netdev "$root" 0000:40:00.0 enpbench0 0c:42:a1:40:00:00 1
    mkdir -p "$tmp/conf$size/pools.d"
    printf "<pool name='big'><pf address='0000:40:00.0'/><net spoofchk='on'/></pool>\n" \
        >"$tmp/conf$size/pools.d/big.xml"
    last=$((size - 1))
    addr=$(fakesys_vf_address 0000:40:00.0 2 1 $last)
    bus=${addr#0000:} slot=${bus#*:} bus=${bus%%:*} fn=${slot#*.} slot=${slot%.*}
    cat >"$tmp/d$size.xml" <<XML
<domain><name>bench</name><uuid>5a3e9d7c-0000-4000-8000-000000000002</uuid>
<metadata><v:vfpool xmlns:v='http://vfpool.org/xmlns/libvirt/domain/1.0'>
<v:vf alias='ua-vf0' pool='big' trust='on'/>
<v:reservation alias='ua-vf0' address='$addr' pf='0000:40:00.0' index='$last'/>
</v:vfpool></metadata><devices><hostdev mode='subsystem' type='pci' managed='yes'>
<source><address domain='0x0000' bus='0x$bus' slot='0x$slot' function='0x$fn'/></source>
<alias name='ua-vf0'/></hostdev></devices></domain>
XML
    export VFPOOL_SYSFS_ROOT=$root VFPOOL_CONF_DIR=$tmp/conf$size VFPOOL_STATE_DIR=$tmp/state$size
    set -- $("$spawn" 30 "$tmp/d$size.xml" -- "$worker" bench prepare begin - -- \
        "$worker" bench release end -)
    total=$(($1 + $2))
    [ -n "$base" ] || base=$total
    awk -v size="$size" -v p="$1" -v r="$2" -v base="$base" 'BEGIN {
        printf "  %5d VFs: prepare %6.2f ms, release %6.2f ms, ", size, p / 1000, r / 1000
        printf "total %6.2f ms, x%.2f of 8 VFs (pool x%d)\n",
            (p + r) / 1000, (p + r) / base, size / 8 }'
done

# --- 3. many hooks at once
root=$tmp/rootc
fakesys_init "$root"
fakesys_pf "$root" 0000:40:00.0 0x15b3 0x101d 0x020000 0 mlx5_core 1 32 32 2 1 101e -
mkdir -p "$tmp/confc/pools.d"
printf "<pool name='c32'><pf address='0000:40:00.0'/></pool>\n" >"$tmp/confc/pools.d/c32.xml"
export VFPOOL_SYSFS_ROOT=$root VFPOOL_CONF_DIR=$tmp/confc VFPOOL_STATE_DIR=$tmp/statec
i=0
while [ $i -lt 64 ]; do
    vf=$((i % 32))
    addr=$(fakesys_vf_address 0000:40:00.0 2 1 $vf)
    bus=${addr#0000:} slot=${bus#*:} bus=${bus%%:*} fn=${slot#*.} slot=${slot%.*}
    {
        printf "<domain><name>c%d</name><uuid>5a3e9d7c-0000-4000-8000-0000000001%02x</uuid>" $i $i
        printf "<metadata><v:vfpool xmlns:v='http://vfpool.org/xmlns/libvirt/domain/1.0'>"
        printf "<v:vf alias='ua-vf0' pool='c32'/>"
        printf "<v:reservation alias='ua-vf0' address='%s' pf='0000:40:00.0' index='%d'/>" \
            "$addr" $vf
        printf "</v:vfpool></metadata><devices><hostdev mode='subsystem' type='pci' managed='yes'>"
        printf "<source><address domain='0x0000' bus='0x%s' slot='0x%s' function='0x%s'/>" \
            "$bus" "$slot" "$fn"
        printf "</source><alias name='ua-vf0'/></hostdev></devices></domain>"
    } >"$tmp/c$i.xml"
    i=$((i + 1))
done
start=$(date +%s%N)
i=0
while [ $i -lt 64 ]; do
    ("$worker" c$i prepare begin - <"$tmp/c$i.xml" >/dev/null 2>&1; echo $? >"$tmp/c$i.rc") &
    i=$((i + 1))
done
wait
end=$(date +%s%N)
won=$(cat "$tmp"/c*.rc | grep -c '^0$' || true)
# The held VFs as vfpool shows them, whatever the ledger's format: one line per VF, so a VF
# handed out twice makes fewer held VFs than successful prepares.
held=$(LIBVIRT_DEFAULT_URI=test:///default "$builddir/vfpool" status 2>/dev/null |
    grep -c "held by running domain" || true)
[ "$held" = "$won" ] && twice="no VF handed out twice" || twice="A VF WAS HANDED OUT TWICE"
echo "64 concurrent prepares on a 32-VF pool: $((($end - $start) / 1000000)) ms wall," \
    "$won succeeded, $held VFs held (vfpool status): $twice"
