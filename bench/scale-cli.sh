#!/bin/sh
# vfpool command scale benchmark: 'vfpool pools', 'vfpool status' and 'vfpool resolve --xml
# FILE' on fake sysfs hosts of 64 VFs (1 PF), 512 (2 PFs x 256) and 4,096 (16 PFs x 256), one
# pool over all of a host's VFs, libvirt's in-process test driver (no domain reserves
# anything). The 9 commands run interleaved in one run (these machines are noisy); printed
# per command: the median time at each size, the time per VF, the ratio to 64 VFs, and the
# cost each added VF brings from 64 to 512 and from 512 to 4,096 (goal: linear growth, i.e.
# the added cost per VF does not grow). 'vfpool resolve DOMAIN' against 50 and 1,000 defined
# domains needs libvirtd: bench/scale-vfpoold.sh measures it.
set -eu
srcdir=${abs_top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${abs_top_builddir:-$srcdir/_build/default}
. "$srcdir/tests/fakesys.sh"
spawn=$builddir/bench/spawn-time
vfpool=$builddir/vfpool
rounds=${BENCH_ROUNDS:-11}
tmpbase=/dev/shm
[ -w "$tmpbase" ] || tmpbase=${TMPDIR:-/tmp}
tmp=$(mktemp -d "$tmpbase/vfpool-bench-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export LIBVIRT_DEFAULT_URI=test:///default

# host SIZE PFS VFS-PER-PF: root$SIZE and conf$SIZE
host() {
    fakesys_init "$tmp/root$1"
    pool="<pool name='big'>"
    k=0
    while [ $k -lt "$2" ]; do
        bus=$((16 + 4 * k))
        pf=$(printf '0000:%02x:00.0' $bus)
        fakesys_pf "$tmp/root$1" "$pf" 0x15b3 0x101d 0x020000 $((k % 2)) mlx5_core $bus "$3" "$3" \
            2 1 101e -
        fakesys_netdev "$tmp/root$1" "$pf" "enpbench$bus" "$(printf '0c:42:a1:%02x:00:00' $bus)" 1
        pool="$pool<pf address='$pf'/>"
        k=$((k + 1))
    done
    mkdir -p "$tmp/conf$1/pools.d" "$tmp/state$1"
    echo "$pool<select policy='spread'/></pool>" >"$tmp/conf$1/pools.d/big.xml"
}
host 64 1 64
host 512 2 256
host 4096 16 256
cat >"$tmp/domain.xml" <<XML
<domain type='kvm'><name>bench</name><uuid>5a3e9d7c-0000-4000-8000-000000000004</uuid>
<metadata><vfpool:vfpool xmlns:vfpool='http://vfpool.org/xmlns/libvirt/domain/1.0'>
<vfpool:vf alias='ua-vfpool-net0' pool='big' mac='52:54:00:12:34:56' vlan='42'/>
</vfpool:vfpool></metadata><memory unit='MiB'>512</memory><devices/></domain>
XML

c() { # c SIZE COMMAND...: a spawn-time command running vfpool on that host
    size=$1
    shift
    printf '%s\n' -- env "VFPOOL_SYSFS_ROOT=$tmp/root$size" "VFPOOL_CONF_DIR=$tmp/conf$size" \
        "VFPOOL_STATE_DIR=$tmp/state$size" "$vfpool" "$@"
}
for size in 64 512 4096; do # each must work before it is timed
    for command in pools status "resolve --xml $tmp/domain.xml"; do
        # shellcheck disable=SC2046,SC2086
        env $(c $size $command | tail -n +3) >/dev/null 2>"$tmp/err" ||
            { echo "scale-cli: vfpool $command on $size VFs: $(cat "$tmp/err")" >&2; exit 1; }
    done
done
# shellcheck disable=SC2046
set -- $("$spawn" "$rounds" /dev/null \
    $(c 64 pools) $(c 512 pools) $(c 4096 pools) \
    $(c 64 status) $(c 512 status) $(c 4096 status) \
    $(c 64 resolve --xml "$tmp/domain.xml") $(c 512 resolve --xml "$tmp/domain.xml") \
    $(c 4096 resolve --xml "$tmp/domain.xml"))
for command in pools status "resolve --xml FILE"; do
    awk -v c="$command" -v a="$1" -v b="$2" -v d="$3" -v n="$rounds" 'BEGIN {
        printf "vfpool %s (median of %d, interleaved): 64 VFs %.1f ms (%.0f us/VF),", c, n,
            a / 1000, a / 64
        printf " 512 VFs %.1f ms (%.0f us/VF) x%.2f of 64,", b / 1000, b / 512, b / a
        printf " 4096 VFs %.1f ms (%.0f us/VF) x%.2f of 64 (VFs x8, x64)\n", d / 1000, d / 4096,
            d / a
        printf "  added per VF: 64 to 512 %.1f us, 512 to 4096 %.1f us, x%.2f", (b - a) / 448,
            (d - b) / 3584, ((d - b) / 3584) / ((b - a) / 448)
        printf " (goal: linear growth, x1 or less)\n" }'
    shift 3
done
