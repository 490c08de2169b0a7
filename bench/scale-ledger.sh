#!/bin/bash
# Ledger scale benchmark, ratios measured in this one run (these machines are noisy):
#  1. filling the ledger with 1,000 claims, one prepare of a new domain at a time: the time
#     per prepare of the first 100 and of the last 100 (goal: flat, i.e. a linear total);
#  2. prepare + release of one VF with 0, 100 and 1,000 claims already held by other domains,
#     interleaved (goal: 1,000 claims <= 1.2x of 0; 100 claims printed too).
# Every claim is made by the real hook steps (the test worker: fake sysfs of 4 PFs x 256 VFs,
# fake netlink), never written by hand: nothing here depends on the ledger's on-disk format.
# Each state directory has its own copy of the fake sysfs. The fake netlink keeps the settings
# of every VF it configured in one file there, which it parses and rewrites at each call: a
# cost of the tests' fake, not of vfpool, that grows with the claims. So that file is emptied
# before each timed prepare of the fill and before part 2 (no VF's settings matter to the next
# prepare: a prepare saves and sets only its own VF's).
set -eu
srcdir=${abs_top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${abs_top_builddir:-$srcdir/_build/default}
. "$srcdir/tests/fakesys.sh"
spawn=$builddir/bench/spawn-time
worker=$builddir/tests/vfpool-hook-test
rounds=${BENCH_ROUNDS:-30}
tmpbase=/dev/shm
[ -w "$tmpbase" ] || tmpbase=${TMPDIR:-/tmp}
tmp=$(mktemp -d "$tmpbase/vfpool-bench-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export abs_top_srcdir=$srcdir

# --- the host: 4 PFs x 256 VFs, one pool over them all
buses="64 68 72 76" # 0x40, 0x44, 0x48, 0x4c
fakesys_init "$tmp/root"
pool="<pool name='big'>"
for bus in $buses; do
    pf=$(printf '0000:%02x:00.0' "$bus")
    fakesys_pf "$tmp/root" "$pf" 0x15b3 0x101d 0x020000 0 mlx5_core "$bus" 256 256 2 1 101e -
    fakesys_netdev "$tmp/root" "$pf" "enpbench$bus" "$(printf '0c:42:a1:%02x:00:00' "$bus")" 1
    pool="$pool<pf address='$pf'/>"
done
mkdir -p "$tmp/conf/pools.d"
echo "$pool<net spoofchk='on'/></pool>" >"$tmp/conf/pools.d/big.xml"
export VFPOOL_CONF_DIR=$tmp/conf
for claims in 0 100 1000; do
    cp -a "$tmp/root" "$tmp/root$claims"
    mkdir -m 700 "$tmp/state$claims"
done
rm -rf "$tmp/root"

# NAME.xml for the domains held0000..held0999 (VFs 0-999, 256 per PF) and bench (VF 1023):
# one request and its reservation each, as the hook receives them; written by one awk.
awk -v dir="$tmp" -v buses="$buses" '
    function domain(name, serial, vf,   file, bus, idx, rid, b, s, f) {
        file = dir "/" name ".xml"
        bus = pfbus[int(vf / 256) + 1]; idx = vf % 256
        rid = bus * 256 + 2 + idx; b = int(rid / 256); s = int(rid / 8) % 32; f = rid % 8
        printf "<domain><name>%s</name><uuid>5a3e9d7c-0000-4000-8000-%012d</uuid>\n",
            name, serial >file
        printf "<metadata><v:vfpool xmlns:v=\"%s\">\n", ns >file
        printf "<v:vf alias=\"ua-vf0\" pool=\"big\" trust=\"on\"/>\n" >file
        printf "<v:reservation alias=\"ua-vf0\" address=\"0000:%02x:%02x.%d\"", b, s, f >file
        printf " pf=\"0000:%02x:00.0\" index=\"%d\"/>\n", bus, idx >file
        printf "</v:vfpool></metadata><devices>\n" >file
        printf "<hostdev mode=\"subsystem\" type=\"pci\" managed=\"yes\"><source>" >file
        printf "<address domain=\"0x0000\" bus=\"0x%02x\" slot=\"0x%02x\" function=\"0x%d\"/>",
            b, s, f >file
        printf "</source><alias name=\"ua-vf0\"/></hostdev></devices></domain>\n" >file
        close(file)
    }
    BEGIN {
        ns = "http://vfpool.org/xmlns/libvirt/domain/1.0"
        split(buses, pfbus, " ")
        for (i = 0; i < 1000; i++)
            domain(sprintf("held%04d", i), i + 1, i)
        domain("bench", 9999, 1023)
    }'

# step NAME CLAIMS OP SUBOP: a hook step of domain NAME on the host with CLAIMS claims.
step() {
    VFPOOL_SYSFS_ROOT=$tmp/root$2 VFPOOL_STATE_DIR=$tmp/state$2 \
        "$worker" "$1" "$3" "$4" - <"$tmp/$1.xml" >/dev/null 2>"$tmp/err" || {
        echo "scale-ledger: $3 of $1 failed: $(cat "$tmp/err")" >&2
        exit 1
    }
}
forget_netlink() { # forget_netlink CLAIMS: the fake netlink forgets every VF's settings
    : >"$tmp/root$1/fake-netlink.ini"
}
usec() { # usec EPOCHREALTIME-VALUE: as an integer of microseconds (in $usec)
    usec=${1/./}
    usec=${usec#"${usec%%[!0]*}"}
}
timed() { # timed FILE COMMAND...: appends the microseconds COMMAND took to FILE
    local file=$1 t0
    shift
    usec "$EPOCHREALTIME"
    t0=$usec
    "$@"
    usec "$EPOCHREALTIME"
    echo $((usec - t0)) >>"$file"
}

# --- 1. the fill: 1,000 prepares one after the other, each timed by bash's clock (no process
# per reading); the same prepares fill the 100-claim state for part 2. The fill cannot be
# interleaved with itself: during the first and the last 100, each prepare alternates with a
# reference prepare (and an untimed release) of one domain at 0 claims, whose cost does not
# change, so that what the machine's load did meanwhile divides out.
: >"$tmp/fill.us"
: >"$tmp/ref.us"
i=0
while [ $i -lt 1000 ]; do
    printf -v name "held%04d" $i
    if [ $i -lt 100 ] || [ $i -ge 900 ]; then
        timed "$tmp/ref.us" step bench 0 prepare begin
        step bench 0 release end
    fi
    forget_netlink 1000
    timed "$tmp/fill.us" step "$name" 1000 prepare begin
    [ $i -ge 100 ] || step "$name" 100 prepare begin
    i=$((i + 1))
done
awk 'FNR == 1 { f++ } f == 1 { t[FNR] = $1; s += $1 } f == 2 { r[FNR] = $1 }
    END {
        for (i = 1; i <= 100; i++) {
            a += t[i]; b += t[900 + i]; ra += r[i]; rb += r[100 + i]
        }
        printf "ledger fill to 1000 claims, one prepare at a time: total %.2f s;", s / 1e6
        printf " per prepare: first 100 %.2f ms, last 100 %.2f ms, x%.2f\n", a / 1e5, b / 1e5,
            b / a
        printf "  against the reference prepare timed beside them (%.2f ms, then %.2f ms):",
            ra / 1e5, rb / 1e5
        printf " last 100 x%.2f of first 100 (goal: flat, <= 1.2)\n", (b / rb) / (a / ra)
    }' "$tmp/fill.us" "$tmp/ref.us"

# --- 2. prepare + release of one more domain's VF at 0, 100 and 1,000 claims, interleaved
for claims in 0 100 1000; do forget_netlink $claims; done
w() { # w CLAIMS STEP SUBSTEP: a spawn-time command running the worker on that state
    printf '%s\n' -- env "VFPOOL_SYSFS_ROOT=$tmp/root$1" "VFPOOL_STATE_DIR=$tmp/state$1" \
        "$worker" bench "$2" "$3" -
}
# shellcheck disable=SC2046
set -- $("$spawn" "$rounds" "$tmp/bench.xml" $(w 0 prepare begin) $(w 0 release end) \
    $(w 100 prepare begin) $(w 100 release end) $(w 1000 prepare begin) $(w 1000 release end))
awk -v p0="$1" -v r0="$2" -v p1="$3" -v r1="$4" -v p2="$5" -v r2="$6" -v n="$rounds" 'BEGIN {
    printf "prepare+release of one VF (median of %d, interleaved): 0 claims %.2f ms", n,
        (p0 + r0) / 1000
    printf " (prepare %.2f, release %.2f)\n", p0 / 1000, r0 / 1000
    printf "  100 claims %.2f ms (prepare %.2f, release %.2f): x%.2f of 0 claims\n",
        (p1 + r1) / 1000, p1 / 1000, r1 / 1000, (p1 + r1) / (p0 + r0)
    printf "  1000 claims %.2f ms (prepare %.2f, release %.2f): x%.2f of 0 claims (goal <= 1.2)\n",
        (p2 + r2) / 1000, p2 / 1000, r2 / 1000, (p2 + r2) / (p0 + r0) }'
