#!/bin/bash
# vfpoold scale benchmark against private libvirtd daemons (QEMU driver, bench/private-libvirtd.sh)
# holding 50, 300 and 1,000 defined annotated domains, none resolved yet, on a fake sysfs of
# 4 PFs x 256 VFs (a VF for every domain). For each size, vfpoold is started once the domains
# exist, and measured:
#  - settle time: from its start to the end of its last pass (its debug line "N domain fetches
#    so far", then nothing more) with every domain resolved (goal <= 30 s at 1,000);
#  - define-to-reserved: from 'virsh define' of one more annotated domain to vfpoold's line
#    saying it resolved it (the reservation is then in libvirt: checked with 'virsh metadata');
#    median of 5 (goal <= 1 s at 1,000);
#  - libvirt calls: the RPC calls vfpoold sends (its client-side libvirt log, rpc.netclient),
#    while settling and per new domain, by procedure;
#  - peak RSS (VmHWM) of vfpoold (goal <= 64 MiB at 1,000).
# Then 'vfpool resolve DOMAIN' on a resolved domain with 50 and with 1,000 domains defined,
# interleaved between the two daemons (goal <= 3x).
# Absolute times are printed for the goals that are absolute; ratios between sizes are
# measured in this one run, but sizes run one after the other. Needs root (mount namespaces).
set -eu
srcdir=${abs_top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${abs_top_builddir:-$srcdir/_build/default}
if [ "$(id -u)" != 0 ] || ! command -v libvirtd >/dev/null || ! command -v virsh >/dev/null ||
    ! command -v unshare >/dev/null || ! command -v qemu-system-x86_64 >/dev/null; then
    echo "vfpoold scale: skipped (needs root, libvirtd, virsh, qemu-system-x86_64 and unshare)"
    exit 0
fi
. "$srcdir/tests/fakesys.sh"
. "$srcdir/bench/private-libvirtd.sh"
spawn=$builddir/bench/spawn-time
vfpool=$builddir/vfpool
sizes=${BENCH_VFPOOLD_SIZES:-50 300 1000}
NS=http://vfpool.org/xmlns/libvirt/domain/1.0
PROG=536903814 # libvirt's remote program, in its RPC log (keepalive is another program)
tmpbase=/dev/shm
[ -w "$tmpbase" ] || tmpbase=${TMPDIR:-/tmp}
tmp=$(mktemp -d "$tmpbase/vfpool-bench-XXXXXX")
vpid=
cleanup() {
    [ -z "$vpid" ] || kill "$vpid" 2>/dev/null || true
    for dir in "$tmp"/lv*; do
        [ ! -d "$dir" ] || bench_libvirtd_stop "$dir"
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
mkdir -p "$builddir/tests/libvirt-cache"
export BENCH_LIBVIRT_CACHE=$builddir/tests/libvirt-cache # shared with tests/test-libvirt.sh

# --- the host: 4 PFs x 256 VFs with a netdev each, one pool over them all
fakesys_init "$tmp/root"
pool="<pool name='big'>"
for bus in 64 68 72 76; do
    pf=$(printf '0000:%02x:00.0' "$bus")
    fakesys_pf "$tmp/root" "$pf" 0x15b3 0x101d 0x020000 0 mlx5_core "$bus" 256 256 2 1 101e -
    fakesys_netdev "$tmp/root" "$pf" "enpbench$bus" "$(printf '0c:42:a1:%02x:00:00' "$bus")" 1
    pool="$pool<pf address='$pf'/>"
done
mkdir -p "$tmp/conf/pools.d"
echo "$pool</pool>" >"$tmp/conf/pools.d/big.xml"
export VFPOOL_SYSFS_ROOT=$tmp/root VFPOOL_CONF_DIR=$tmp/conf

# domains DIR PREFIX COUNT SERIAL: PREFIX0000.xml... in DIR, annotated, not resolved: what a
# user gives 'virsh define' (one request with a MAC, a disk, nothing vfpool wrote).
domains() {
    awk -v dir="$1" -v prefix="$2" -v n="$3" -v serial="$4" -v ns="$NS" 'BEGIN {
        for (i = 0; i < n; i++) {
            name = sprintf("%s%04d", prefix, i); file = dir "/" name ".xml"
            printf "<domain type=\"qemu\"><name>%s</name>\n", name >file
            printf "<uuid>6d8b3a0e-7f36-4a43-%04x-%012d</uuid>\n", serial, i >file
            printf "<metadata><vfpool:vfpool xmlns:vfpool=\"%s\">\n", ns >file
            printf "<vfpool:vf alias=\"ua-vfpool-net0\" pool=\"big\"" >file
            printf " mac=\"52:54:00:%02x:%02x:%02x\"/>\n", serial % 256, int(i / 256), i % 256 >file
            printf "</vfpool:vfpool></metadata>\n" >file
            printf "<memory unit=\"MiB\">512</memory><vcpu>1</vcpu>\n" >file
            printf "<os><type arch=\"x86_64\" machine=\"q35\">hvm</type></os>\n" >file
            printf "<features><acpi/></features><devices><disk type=\"file\" device=\"disk\">" >file
            printf "<driver name=\"qemu\" type=\"qcow2\"/><source" >file
            printf " file=\"/var/lib/libvirt/images/%s.qcow2\"/>", name >file
            printf "<target dev=\"vda\" bus=\"virtio\"/></disk></devices></domain>\n" >file
            close(file)
        }
    }'
}
stamp() { # each line read, prefixed with the time it arrived
    while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done
}
calls() { # calls LOG: the RPC calls vfpoold sent so far
    grep -c "RPC_CLIENT_MSG_TX_QUEUE.*prog=$PROG " "$1" || true
}
by_proc() { # by_proc LOG FIRST PER: the calls after the FIRST ones by procedure, most first,
    # divided by PER; those made less than once per PER together
    grep "RPC_CLIENT_MSG_TX_QUEUE.*prog=$PROG " "$1" | tail -n +$(($2 + 1)) |
        sed 's/.* proc=\([0-9]*\) .*/\1/' | sort | uniq -c | sort -rn | awk -v per="${3:-1}" '
        BEGIN {
            name[1] = "open"; name[2] = "close"; name[11] = "DefineXML"; name[14] = "GetXMLDesc"
            name[23] = "LookupByName"; name[150] = "IsActive"; name[151] = "IsPersistent"
            name[265] = "GetMetadata"; name[273] = "ListAllDomains"; name[60] = "SupportsFeature"
        }
        $1 / per < 0.5 { other += $1; next }
        {
            n = ($2 in name) ? name[$2] : "proc " $2
            printf "%s%s %.3g", (NR > 1 ? ", " : ""), n, $1 / per
        }
        END { if (other) printf ", and %d other calls (connecting, listing)", other }'
}
# wait_idle LOG LIMIT: until LOG ends with the line of a finished pass and stays quiet 1.5 s
# (vfpoold coalesces events for 0.3 s). Sets idle_at to that line's time.
wait_idle() {
    local log=$1 limit=$((SECONDS + $2)) last size
    while [ $SECONDS -lt $limit ]; do
        last=$(tail -n 1 "$log" 2>/dev/null || true)
        size=$(stat -c %s "$log" 2>/dev/null || echo 0)
        if [[ $last == *"domain fetches so far" ]]; then
            sleep 1.5
            if [ "$(stat -c %s "$log")" = "$size" ]; then
                idle_at=${last%% *}
                return 0
            fi
        else
            sleep 0.2
        fi
    done
    echo "scale-vfpoold: vfpoold was not idle after $2 s; its log ends:" >&2
    tail -n 5 "$log" >&2
    return 1
}
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { printf "%.2f", v[int((NR + 1) / 2)] }'; }

# --- each size
summary=
for n in $sizes; do
    dir=$tmp/lv$n
    mkdir -p "$dir/xml" "$dir/state"
    uri=$(bench_libvirtd_start "$dir")
    eval "uri_$n=\$uri"
    prefix=s${n}_
    domains "$dir/xml" "$prefix" "$n" "$n"
    domains "$dir/xml" "new${n}_" 5 $((n + 1))
    t0=$EPOCHREALTIME
    bench_define "$uri" "$dir/xml/$prefix"*.xml
    echo "vfpoold $n domains: defined through one virsh process in $(secs "$t0" "$EPOCHREALTIME") s"

    export VFPOOL_STATE_DIR=$dir/state
    log=$dir/vfpoold.log rpc=$dir/rpc.log
    start=$EPOCHREALTIME
    G_MESSAGES_DEBUG=all LIBVIRT_LOG_FILTERS=2:rpc.netclient LIBVIRT_LOG_OUTPUTS="2:file:$rpc" \
        "$builddir/vfpoold" --connect "$uri" 2> >(stamp >"$log") &
    vpid=$!
    wait_idle "$log" $((60 + n / 2))
    settled=$idle_at
    resolved=$(grep -c ": resolved" "$log" || true)
    last_resolved=$(grep ": resolved" "$log" | tail -n 1 | cut -d' ' -f1)
    settle_calls=$(calls "$rpc")
    for f in "$dir/xml/$prefix"*.xml; do
        name=${f##*/}
        echo "metadata ${name%.xml} $NS"
    done | virsh -c "$uri" -q >"$dir/metadata" 2>&1 || true
    reserved=$(grep -c "reservation alias=" "$dir/metadata" || true)
    settle=$(secs "$start" "$settled")
    echo "vfpoold $n domains: settled in $settle s (goal <= 30 s at 1000): $resolved resolved" \
        "(the last at $(secs "$start" "${last_resolved:-$start}") s), $reserved of $n with a" \
        "reservation in 'virsh metadata'; $(awk -v s="$settle" -v n="$n" \
            'BEGIN { printf "%.1f", s * 1000 / n }') ms per domain"
    echo "  libvirt calls while settling: $settle_calls, per domain: $(by_proc "$rpc" 0 "$n")"

    : >"$dir/latency"
    before=$(calls "$rpc")
    for k in 0 1 2 3 4; do
        name=new${n}_000$k
        t0=$EPOCHREALTIME
        virsh -c "$uri" define "$dir/xml/$name.xml" >/dev/null
        limit=$((SECONDS + 60))
        until line=$(grep -m 1 "domain '$name': .*: resolved" "$log"); do
            [ $SECONDS -lt $limit ] || { echo "scale-vfpoold: $name not resolved" >&2; exit 1; }
            sleep 0.02
        done
        secs "$t0" "${line%% *}" >>"$dir/latency"
        echo >>"$dir/latency"
        virsh -c "$uri" metadata "$name" "$NS" | grep -q "reservation alias=" ||
            { echo "scale-vfpoold: $name has no reservation in its metadata" >&2; exit 1; }
        wait_idle "$log" 60
    done
    after=$(calls "$rpc")
    latency=$(median <"$dir/latency")
    echo "vfpoold $n domains: define-to-reserved median $latency s of 5, max" \
        "$(sort -n "$dir/latency" | tail -n 1) s (goal <= 1 s at 1000)"
    echo "  libvirt calls per new domain: $(awk -v a="$before" -v b="$after" \
        'BEGIN { print (b - a) / 5 }'): $(by_proc "$rpc" "$before" 5)"
    hwm=$(awk '/^VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$vpid/status")
    echo "vfpoold $n domains: peak RSS (VmHWM) $hwm MiB (goal <= 64 MiB at 1000)"
    kill "$vpid"
    wait "$vpid" || true
    vpid=
    summary="$summary $n $settle $latency $hwm"
    # The 50 and 1000 daemons stay for 'vfpool resolve' below.
    case " $n " in " 50 " | " 1000 ") ;; *) bench_libvirtd_stop "$dir" ;; esac
done
awk -v s="$summary" 'BEGIN {
    k = split(s, v, " ")
    for (i = 5; i <= k; i += 4)
        printf "vfpoold %d vs %d domains: settle per domain x%.2f, define-to-reserved x%.2f," \
            " peak RSS x%.2f\n", v[i], v[1], (v[i + 1] / v[i]) / (v[2] / v[1]), v[i + 2] / v[3],
            v[i + 3] / v[4]
}'

# --- vfpool resolve DOMAIN (already resolved: nothing to write) at 50 vs 1000 domains
if [ -n "${uri_50:-}" ] && [ -n "${uri_1000:-}" ]; then
    r() { # a spawn-time command: vfpool resolve on the daemon of SIZE
        printf '%s\n' -- env "LIBVIRT_DEFAULT_URI=$(eval echo "\$uri_$1")" \
            "VFPOOL_STATE_DIR=$tmp/lv$1/state" "$vfpool" resolve "s$1_0007"
    }
    for n in 50 1000; do
        LIBVIRT_DEFAULT_URI=$(eval echo "\$uri_$n") VFPOOL_STATE_DIR=$tmp/lv$n/state \
            "$vfpool" resolve "s${n}_0007" | grep -q "already resolved" ||
            { echo "scale-vfpoold: s${n}_0007 was not resolved" >&2; exit 1; }
    done
    # shellcheck disable=SC2046
    set -- $("$spawn" "${BENCH_ROUNDS:-15}" /dev/null $(r 50) $(r 1000))
    awk -v a="$1" -v b="$2" 'BEGIN {
        printf "vfpool resolve DOMAIN (median, interleaved): 50 domains %.1f ms,", a / 1000
        printf " 1000 domains %.1f ms, x%.2f (goal <= 3)\n", b / 1000, b / a }'
fi
