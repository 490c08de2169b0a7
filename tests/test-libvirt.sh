#!/bin/sh
# vfpool's libvirt side against a real libvirtd, started by this test in a private mount
# namespace (its own /run/libvirt, /var/lib/libvirt, /etc/libvirt copy; no hooks), with the
# fake host1 for VFs: define/resolve/release round trips, metadata through virsh, vfpoold
# resolving a plain 'virsh define', re-pointing when a holder starts, reconnecting after
# libvirtd restarts, and reconcile repairing each kind of inconsistency.
set -u
srcdir=${abs_top_srcdir:-.}
builddir=${abs_top_builddir:-.}

if [ "${1:-}" != --inside ]; then
    if [ "$(id -u)" != 0 ] || ! command -v libvirtd >/dev/null || ! command -v unshare >/dev/null ||
        ! command -v qemu-system-x86_64 >/dev/null; then
        echo "1..0 # SKIP needs root, libvirtd, qemu-system-x86_64 and unshare"
        exit 0
    fi
    exec unshare -m sh "$0" --inside
fi

. "$srcdir/tests/tap.sh"
. "$srcdir/tests/ledger.sh"
. "$srcdir/tests/fakesys.sh"
. "$srcdir/bench/private-libvirtd.sh" # stop_pidfile
data=$srcdir/tests/data
vfpool=$builddir/vfpool
NS=http://vfpool.org/xmlns/libvirt/domain/1.0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vfpool-libvirt-XXXXXX")
daemon_pid=
cleanup() {
    [ -z "$daemon_pid" ] || kill "$daemon_pid" 2>/dev/null
    stop_pidfile "$tmp/libvirtd.pid"
    stop_pidfile "$tmp/virtlogd.pid"
    rm -rf "$tmp"
}
trap cleanup EXIT

# --- a private libvirtd
for dir in /run/libvirt /var/lib/libvirt /var/log/libvirt; do
    mkdir -p "$dir" && mount -t tmpfs tmpfs "$dir"
done
mkdir -p /var/lib/libvirt/qemu /var/log/libvirt/qemu "$builddir/tests/libvirt-cache"
# QEMU's capabilities take long to probe: keep them between runs.
mkdir -p /var/cache/libvirt && mount --bind "$builddir/tests/libvirt-cache" /var/cache/libvirt
cp -a /etc/libvirt "$tmp/etc-libvirt"
rm -rf "$tmp/etc-libvirt/hooks" "$tmp/etc-libvirt/qemu/"*.xml "$tmp/etc-libvirt/qemu/autostart" \
    "$tmp/etc-libvirt/qemu/networks/autostart"
printf 'user = "root"\ngroup = "root"\n' >>"$tmp/etc-libvirt/qemu.conf"
mount --bind "$tmp/etc-libvirt" /etc/libvirt
start_libvirtd() {
    virtlogd -d -p "$tmp/virtlogd.pid" 2>/dev/null
    libvirtd -d -p "$tmp/libvirtd.pid"
    i=0
    while ! virsh -c qemu:///system version >/dev/null 2>&1; do
        i=$((i + 1))
        [ $i -lt 300 ] || return 1
        sleep 0.2
    done
}
start_libvirtd || { echo "Bail out! libvirtd did not start"; exit 1; }
export LIBVIRT_DEFAULT_URI=qemu:///system

sh "$data/host1.sh" "$tmp/root"
export VFPOOL_SYSFS_ROOT=$tmp/root VFPOOL_CONF_DIR=$data/conf1 VFPOOL_STATE_DIR=$tmp/state
mkdir -p "$tmp/state"
pci=$tmp/root/sys/bus/pci/devices

# libvirt-ready domain NAME with one request (REQUEST attributes), optional reservation and
# device; the fake VFs do not exist on this host, so only domains without a device start.
domain() { # domain NAME UUID-SUFFIX REQUEST-ATTRS [RESERVATION-ATTRS [DEVICE-XML]]
    cat <<XML
<domain type='qemu'>
  <name>$1</name>
  <uuid>6d8b3a0e-7f36-4a43-9d0a-0000000000$2</uuid>
  <metadata>
    <vfpool:vfpool xmlns:vfpool='$NS'>
      <vfpool:vf alias='ua-vfpool-net0' $3/>${4:+
      <vfpool:reservation alias='ua-vfpool-net0' $4/>}
    </vfpool:vfpool>
  </metadata>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <features><acpi/></features>
  <devices>${5:-}</devices>
</domain>
XML
}
metadata() { virsh metadata "$1" "$NS" 2>/dev/null; }
reserved_address() { metadata "$1" | sed -n "s/.*reservation .*address=.\([0-9a-f:.]*\).*/\1/p"; }
reserves() { test "$(reserved_address "$1")" = "$2"; } # reserves DOMAIN ADDRESS

# --- define / resolve / release
domain net1 01 "pool='net-a' mac='52:54:00:00:00:01' vlan='42'" >"$tmp/net1.xml"
"$vfpool" define "$tmp/net1.xml" >"$tmp/out" 2>&1
tap_check "vfpool define resolves at once" \
    grep -q "ua-vfpool-net0 -> VF 0000:3c:10.0 (pool net-a" "$tmp/out"
want="reservation alias=.ua-vfpool-net0. address=.0000:3c:10.0."
tap_check "virsh metadata shows the reservation" \
    sh -c "virsh metadata net1 $NS | grep -q \"$want\""
tap_check "the persistent XML has the VF as interface source" \
    sh -c "virsh dumpxml --inactive net1 | grep -q \"bus='0x3c' slot='0x10' function='0x0'\""
"$vfpool" resolve net1 >"$tmp/out" 2>&1
tap_check "resolving again changes nothing" grep -q "domain 'net1': already resolved" "$tmp/out"
"$vfpool" status >"$tmp/out" 2>&1
tap_check "status shows the reservation" \
    grep -q "0000:3c:10.0 .*reserved by domain 'net1'" "$tmp/out"
domain net2 02 "pool='net-a'" >"$tmp/net2.xml"
"$vfpool" define "$tmp/net2.xml" >"$tmp/out" 2>&1
tap_check "a second domain gets another VF" grep -q "net0 -> VF 0000:3c:10.2" "$tmp/out"
"$vfpool" release net2 >"$tmp/out" 2>&1
tap_check "release drops the reservation" grep -q "1 reservation dropped" "$tmp/out"
tap_check "metadata without reservation after release" \
    sh -c "! virsh metadata net2 $NS | grep -q reservation"
# --- other domains' reservations, read from many domains at once, all keep their VFs: 15
# domains reserve VFs 16-30 of the 16 in mlx-range (one spells the address in capitals, which
# libvirt keeps as given; one has a second reservation that names no VF), 10 more carry no
# vfpool metadata; the next one gets VF 31.
mlx_vf() { fakesys_vf_address 0000:d8:00.0 2 1 "$1"; }
bogus="<vfpool:reservation alias='ua-x' address='no-vf' pf='0000:d8:00.0' index='0'/>"
for i in $(seq 0 14); do
    address=$(mlx_vf $((16 + i)))
    [ "$i" -ne 7 ] || address=$(echo "$address" | tr a-f A-F)
    domain "many$i" "c$(printf %x "$i")" "pool='mlx-range'" \
        "address='$address' pf='0000:d8:00.0' index='$((16 + i))'" |
        if [ "$i" -eq 3 ]; then sed "s|</vfpool:vfpool>|$bogus&|"; else cat; fi >"$tmp/many$i.xml"
    echo "define $tmp/many$i.xml"
done >"$tmp/many.virsh"
for i in $(seq 0 9); do
    printf '%s' "<domain type='qemu'><name>bare$i</name>" \
        "<uuid>6d8b3a0e-7f36-4a43-9d0a-0000000000d$i</uuid><memory unit='MiB'>64</memory>" \
        "<os><type arch='x86_64' machine='q35'>hvm</type></os></domain>" >"$tmp/bare$i.xml"
    echo "define $tmp/bare$i.xml"
done >>"$tmp/many.virsh"
virsh -q <"$tmp/many.virsh" >/dev/null
domain manyx cf "pool='mlx-range'" >"$tmp/manyx.xml"
"$vfpool" define "$tmp/manyx.xml" >"$tmp/out" 2>&1
tap_check "a new domain gets the one VF none of 25 other domains reserves" \
    grep -q "ua-vfpool-net0 -> VF $(mlx_vf 31) (pool mlx-range" "$tmp/out"
tap_check "and says it passed over the reservation that names no VF" \
    grep -q "domain 'many3': passing over a vfpool reservation whose address 'no-vf'" "$tmp/out"
# status reads them at once too: all but the two its schema refuses (capitals, no VF), each
# named in a warning, and the new one
"$vfpool" status >"$tmp/out" 2>&1
tap_check "status shows the reservations of 14 of them, read at once" \
    test "$(grep -c "reserved: reserved by domain 'many" "$tmp/out")" = 14
sed 's/^define [^ ]*\/\([^/ ]*\)\.xml$/undefine \1/' "$tmp/many.virsh" | virsh -q >/dev/null
virsh undefine manyx >/dev/null
"$vfpool" resolve nosuchdomain >"$tmp/out" 2>&1
want="vfpool: domain 'nosuchdomain' is not defined in libvirt; check 'virsh list --all'"
tap_check "unknown domain: one clear line" grep -qx "$want" "$tmp/out"

# --- attach and detach on a stopped domain: --current (the default) means --config, which
# annotates and resolves the persistent definition; --live is refused, changing nothing
printf '%s' "<domain type='qemu'><name>hot1</name>" \
    "<uuid>6d8b3a0e-7f36-4a43-9d0a-000000000041</uuid><memory unit='MiB'>64</memory>" \
    "<os><type arch='x86_64' machine='q35'>hvm</type></os><devices/></domain>" >"$tmp/hot1.xml"
virsh define "$tmp/hot1.xml" >/dev/null
one_line() { # one_line RC PATTERN: the command exited RC and printed one line, matching PATTERN
    [ "$rc" = "$1" ] && [ "$(grep -c . "$tmp/out")" = 1 ] && grep -q -- "$2" "$tmp/out"
}
"$vfpool" attach hot1 --pool net-a --live >"$tmp/out" 2>&1
rc=$?
tap_check "attach --live to a stopped domain: one line, exit 1" one_line 1 \
    "^vfpool: domain 'hot1' is not running, and --live hot-plugs into a running domain;"
tap_check "and its definition is unchanged" sh -c "! virsh metadata hot1 $NS >/dev/null 2>&1"
"$vfpool" attach hot1 --pool net-a --mac 52:54:00:00:00:41 --vlan 7 --trust on >"$tmp/out" 2>&1
rc=$?
hot=$(reserved_address hot1)
tap_check "attach to a stopped domain resolves the new request ua-vfpool-0 (VF $hot)" \
    sh -c "[ $rc = 0 ] && [ -n '$hot' ] &&
        grep -q \"^domain 'hot1': ua-vfpool-0 -> VF $hot (pool net-a\" '$tmp/out'"
want="vf alias=.ua-vfpool-0. pool=.net-a. mac=.52:54:00:00:00:41. vlan=.7. trust=.on."
tap_check "its definition has the request with its settings" \
    sh -c "virsh metadata hot1 $NS | grep -q \"$want\""
virsh dumpxml --inactive hot1 |
    xmllint --xpath "//interface[@type='hostdev'][alias/@name='ua-vfpool-0']" - >"$tmp/dev" 2>&1
hot_source=$(echo "$hot" | sed "s/^\([0-9a-f]*\):\([0-9a-f]*\):\([0-9a-f]*\)\.\(.\)$/\
domain=.0x\1. bus=.0x\2. slot=.0x\3. function=.0x\4./")
tap_check "and the device resolve writes: hostdev interface with the MAC, VLAN and VF" \
    sh -c "grep -q 'mac address=.52:54:00:00:00:41.' '$tmp/dev' &&
        grep -q 'tag id=.7.' '$tmp/dev' && grep -q '$hot_source' '$tmp/dev'"
"$vfpool" attach hot1 --pool net-a --alias ua-vfpool-0 >"$tmp/out" 2>&1
rc=$?
tap_check "an alias the domain uses already is refused in one line" one_line 1 \
    "^vfpool: domain 'hot1' already uses alias 'ua-vfpool-0' (in its persistent definition)"
"$vfpool" attach hot1 --pool nvme --config >"$tmp/out" 2>&1
tap_check "the next attach gets the next free alias" \
    grep -q "^domain 'hot1': ua-vfpool-1 -> VF .* (pool nvme" "$tmp/out"
"$vfpool" detach hot1 ua-vfpool-0 --live >"$tmp/out" 2>&1
rc=$?
tap_check "detach --live from a stopped domain: one line, exit 1" one_line 1 \
    "^vfpool: domain 'hot1' is not running, and --live hot-unplugs from a running domain;"
"$vfpool" detach hot1 ua-vfpool-0 >"$tmp/out" 2>&1
rc=$?
tap_check "detach from a stopped domain drops the request, its reservation and its device" \
    sh -c "[ $rc = 0 ] && ! virsh metadata hot1 $NS | grep -q \"alias=.ua-vfpool-0.\" &&
        ! virsh dumpxml --inactive hot1 | grep -q \"alias name='ua-vfpool-0'\""
tap_check "and keeps the other request" \
    sh -c "virsh metadata hot1 $NS | grep -q \"reservation alias=.ua-vfpool-1.\" &&
        virsh dumpxml --inactive hot1 | grep -q \"alias name='ua-vfpool-1'\""
"$vfpool" detach hot1 ua-vfpool-0 --config >"$tmp/out" 2>&1
rc=$?
tap_check "detach of a request the definition does not have: one line, exit 1" one_line 1 \
    "^vfpool: domain 'hot1' has no vfpool request 'ua-vfpool-0' in its definition"
virsh undefine hot1 >/dev/null

# --- vfpoold
"$builddir/vfpoold" >"$tmp/vfpoold.log" 2>&1 &
daemon_pid=$!
wait_for 30 grep -q "connected to" "$tmp/vfpoold.log"
# net2 was released above: vfpoold leaves it alone until the user asks.
domain plain3 03 "pool='nvme'" >"$tmp/plain3.xml"
virsh define "$tmp/plain3.xml" >/dev/null
tap_check "vfpoold resolves a domain defined with plain virsh define" \
    wait_for 30 sh -c "virsh metadata plain3 $NS | grep -q \"address=.0000:5e:00.1.\""
tap_check "the device was added to the definition" \
    sh -c "virsh dumpxml --inactive plain3 | grep -q \"<alias name='ua-vfpool-net0'/>\""
# Annotating an existing domain the way README shows, with virsh metadata.
printf '%s' "<domain type='qemu'><name>meta5</name>" \
    "<uuid>6d8b3a0e-7f36-4a43-9d0a-000000000031</uuid><memory unit='MiB'>64</memory>" \
    "<os><type arch='x86_64' machine='q35'>hvm</type></os><devices/></domain>" >"$tmp/meta5.xml"
virsh define "$tmp/meta5.xml" >/dev/null
virsh metadata meta5 "$NS" --key vfpool --config \
    --set "<vfpool xmlns='$NS'><vf alias='ua-vfpool-net0' pool='nvme'/></vfpool>" >/dev/null
tap_check "a request added with 'virsh metadata --set' is resolved by vfpoold" \
    wait_for 30 sh -c "virsh metadata meta5 $NS | grep -q reservation"
tap_check "vfpoold did not resolve the domain released before it started" \
    sh -c "! virsh metadata net2 $NS | grep -q reservation &&
        virsh metadata net2 $NS | grep -q \"status state=.released.\""

# The user removes the VF's device (virt-manager's Remove Hardware): the domain no longer
# wants it. vfpoold drops the request instead of putting the device back.
virsh dumpxml --inactive plain3 |
    sed '/<hostdev /,/<\/hostdev>/d' >"$tmp/plain3-nodev.xml"
virsh define "$tmp/plain3-nodev.xml" >/dev/null
tap_check "a removed device makes vfpoold drop its request and reservation" \
    wait_for 30 sh -c "virsh metadata plain3 $NS | grep -q \"status state=.dropped.\""
sleep 2
tap_check "and the device stays removed" \
    sh -c "! virsh dumpxml --inactive plain3 | grep -q \"<alias name='ua-vfpool-net0'/>\" &&
        ! virsh metadata plain3 $NS | grep -q '<vfpool:vf '"
"$vfpool" status >"$tmp/out" 2>&1
tap_check "vfpool status says what was dropped" \
    grep -q "^domain 'plain3': dropped since .*vf 'ua-vfpool-net0' (pool nvme" "$tmp/out"

# A domain starts holding net1's VF (the ledger claim is what the hook would write).
printf '%s' "<domain type='qemu'><name>holder</name>" \
    "<uuid>6d8b3a0e-7f36-4a43-9d0a-0000000000ff</uuid><memory unit='MiB'>64</memory>" \
    "<os><type arch='x86_64' machine='q35'>hvm</type></os><features><acpi/></features>" \
    "<devices/></domain>" >"$tmp/holder.xml"
virsh define "$tmp/holder.xml" >/dev/null
cat >"$tmp/state/ledger.json" <<JSON
{"version": 1, "claims": [{"address": "0000:3c:10.0", "pf": "0000:3b:00.0", "index": 0,
  "pool": "net-a", "domain": "holder", "uuid": "6d8b3a0e-7f36-4a43-9d0a-0000000000ff",
  "alias": "ua-x", "step": "prepare", "time": 1700000000, "pid": 1}]}
JSON
if virsh start holder >"$tmp/out" 2>&1; then
    addr_re='s/.*reservation .*address=.\([0-9a-f:.]*\).*/\1/p'
    tap_check "vfpoold re-points a stopped domain whose VF a started domain holds" \
        wait_for 30 sh -c "test \"\$(virsh metadata net1 $NS | sed -n '$addr_re')\" != 0000:3c:10.0"
    virsh destroy holder >/dev/null 2>&1
else
    tap_not_ok "the holder domain starts under QEMU TCG" "$(cat "$tmp/out")"
fi
rm -rf "$tmp/state/claims" "$tmp/state/domains"

# libvirtd restarts: vfpoold reconnects and goes on resolving.
stop_pidfile "$tmp/libvirtd.pid"
wait_for 20 grep -q "lost the connection" "$tmp/vfpoold.log"
start_libvirtd
tap_check "vfpoold reconnects after libvirtd restarts" \
    wait_for 40 sh -c "test \$(grep -c 'connected to' '$tmp/vfpoold.log') -ge 2"
domain plain4 04 "pool='nvme'" >"$tmp/plain4.xml"
virsh define "$tmp/plain4.xml" >/dev/null
tap_check "and resolves domains defined afterwards" \
    wait_for 30 sh -c "virsh metadata plain4 $NS | grep -q reservation"
kill -HUP "$daemon_pid"
tap_check "SIGHUP re-reads the pools" wait_for 10 grep -q "SIGHUP" "$tmp/vfpoold.log"
kill "$daemon_pid"
wait "$daemon_pid" 2>/dev/null
daemon_pid=
tap_check "vfpoold stops on SIGTERM" grep -q "stopping" "$tmp/vfpoold.log"

# --- reconcile (vfpoold stopped, so nothing else repairs behind our back)
cat >"$tmp/state/ledger.json" <<JSON
{"version": 1, "claims": [{"address": "0000:b0:10.0", "pf": "0000:af:00.0", "index": 0,
  "pool": "net-a", "domain": "ghost", "uuid": "u-ghost", "alias": "ua-x", "step": "prepare",
  "time": 1700000000, "pid": 1}]}
JSON
"$vfpool" reconcile --dry-run >"$tmp/out" 2>&1
want="would repair: ledger: VF 0000:b0:10.0 was claimed by domain 'ghost', which is not running"
tap_check "reconcile --dry-run reports a claim with no running holder" \
    grep -q "$want" "$tmp/out"
tap_check "dry run changes nothing" sh -c ". '$srcdir/tests/ledger.sh'
    ledger_text '$tmp/state' | grep -qx domain=ghost"

domain holder2 05 "pool='net-a'" "address='0000:b0:10.2' pf='0000:af:00.0' index='1'" \
    >"$tmp/holder2.xml"
virsh define "$tmp/holder2.xml" >/dev/null && virsh start holder2 >/dev/null 2>&1
dev="<hostdev mode='subsystem' type='pci' managed='yes'>"
dev="$dev<source><address domain='0x0000' bus='0xb0' slot='0x10' function='0x4'/></source>"
dev="$dev<alias name='ua-vfpool-net0'/></hostdev>"
domain dupa 06 "pool='net-a'" "address='0000:b0:10.4' pf='0000:af:00.0' index='2'" \
    "$dev" >"$tmp/dupa.xml"
sed "s/<name>dupa</<name>dupb</; s/000000000006</000000000007</" "$tmp/dupa.xml" >"$tmp/dupb.xml"
virsh define "$tmp/dupa.xml" >/dev/null && virsh define "$tmp/dupb.xml" >/dev/null
fakesys_probe_to() { # bind a fake VF to DRIVER as if by hand
    fakesys_driver "$tmp/root" "$2"
    ln -sfn "../../../bus/pci/drivers/$2" "$pci/$1/driver"
}
fakesys_probe_to 0000:3c:11.0 vfio-pci
echo 1 >"$pci/0000:3c:11.0/enable"
"$vfpool" reconcile --dry-run >"$tmp/out" 2>&1
tap_check "reconcile leaves alone a VF that a process outside libvirt has open through VFIO" \
    sh -c "grep -q 'would repair' '$tmp/out' && ! grep -q 0000:3c:11.0 '$tmp/out'"
rm -f "$pci/0000:3c:11.0/enable"

"$vfpool" reconcile >"$tmp/out" 2>&1
rc=$?
tap_check "reconcile exits 0" test $rc = 0
tap_check "reconcile drops the claim of a domain that is not running" \
    sh -c "grep -q \"repaired: ledger: VF 0000:b0:10.0 was claimed by domain 'ghost'\" '$tmp/out' &&
        . '$srcdir/tests/ledger.sh' && ! ledger_text '$tmp/state' | grep -q ghost"
# holder2 runs with a reservation but no device (the fake VF is not this host's): adopting it
# would claim, and at its stop reset and unbind, a VF the domain does not have. The hook's test
# shows a domain that has its VF adopted.
want="domain 'holder2': step reconcile: its reservation of VF 0000:b0:10.2 for 'ua-vfpool-net0'"
want="$want is not held: libvirt does not pass it through to the domain"
tap_check "reconcile adopts no reservation of a running domain that libvirt does not pass through" \
    sh -c "grep -q \"$want\" '$tmp/out' &&
        . '$srcdir/tests/ledger.sh' && ! ledger_text '$tmp/state' | grep -q holder2"
tap_check "reconcile re-resolves the second of two domains reserving one VF" \
    sh -c "grep -q \"domain 'dupb' reserved a VF that domain 'dupa' also reserves\" '$tmp/out' &&
        test \"\$(virsh metadata dupb $NS | grep -c 0000:b0:10.4)\" = 0"
want='VF 0000:3c:11.0 (pool net-a) was left bound to vfio-pci by no domain'
tap_check "reconcile gives back a VF left on vfio-pci" \
    sh -c "grep -q '$want' '$tmp/out' &&
        grep -q 0000:3c:11.0 '$tmp/root/sys/bus/pci/drivers/vfio-pci/unbind'"
"$vfpool" reconcile >"$tmp/out" 2>&1
tap_check "a second reconcile finds nothing (but the VF the fake kernel did not unbind)" \
    grep -q "reconcile: 1 repair" "$tmp/out"
# A domain that arrived by vfpool migrate holds its VF without the device until it is plugged:
# reconcile plugs it, but only a VF that the hook's prepare step claimed for it (the live
# metadata is the domain's author's to write). Here libvirt cannot plug it: the fake VF is not
# on this host.
virsh metadata holder2 "$NS" --key vfpool --live --set "<vfpool><vf alias='ua-vfpool-net0' \
pool='net-a'/><reservation alias='ua-vfpool-net0' address='0000:b0:10.2' pf='0000:af:00.0' \
index='1' hotplug='pending'/></vfpool>" >/dev/null
"$vfpool" reconcile >"$tmp/out" 2>&1
tap_check "reconcile plugs no VF held without its device that no start claimed" \
    sh -c "grep -q \"^vfpool: domain 'holder2' holds VF 0000:b0:10.2 for 'ua-vfpool-net0' \
without its device, but no start claimed it for it here: not plugged\" '$tmp/out' &&
        ! grep -q 'cannot hot-plug' '$tmp/out'"
rm -rf "$tmp/state/claims" "$tmp/state/domains"
cat >"$tmp/state/ledger.json" <<JSON
{"version": 1, "claims": [{"address": "0000:b0:10.2", "pf": "0000:af:00.0", "index": 1,
  "pool": "net-a", "domain": "holder2", "uuid": "6d8b3a0e-7f36-4a43-9d0a-000000000005",
  "alias": "ua-vfpool-net0", "step": "prepare", "time": 1700000000, "pid": 1}]}
JSON
"$vfpool" reconcile --dry-run >"$tmp/out" 2>&1
want="would repair: domain 'holder2' holds VF 0000:b0:10.2 for 'ua-vfpool-net0' without its device"
tap_check "reconcile --dry-run finds the VF that prepare claimed for a domain that arrived" \
    grep -q "$want" "$tmp/out"
"$vfpool" reconcile >"$tmp/out" 2>&1
tap_check "reconcile hot-plugs it (libvirt refuses the fake VF, in one line)" \
    grep -q "^vfpool: domain 'holder2': cannot hot-plug VF 0000:b0:10.2 as 'ua-vfpool-net0'" \
        "$tmp/out"
# vfpool migrate died after the switch-over: reconcile plugs on the destination (this libvirt)
# the VF the migration reserved there, and no other, whatever the live metadata says by then.
pending_metadata() { # pending_metadata ADDRESS INDEX: holder2's live metadata holds it pending
    virsh metadata holder2 "$NS" --key vfpool --live --set "<vfpool><vf alias='ua-vfpool-net0' \
pool='net-a'/><reservation alias='ua-vfpool-net0' address='$1' pf='0000:af:00.0' index='$2' \
hotplug='pending'/></vfpool>" >/dev/null
}
migrate_journal() { # migrate_journal DEST-ADDRESS: a migration of holder2 that died after it
    printf '%s' '{"operation": "migrate holder2 qemu:///system", "pid": 1, "started": 1,' \
        ' "resize-count": 0, "resized": false, "migrate-to": "qemu:///system",' \
        ' "migrated": true, "dest-keep": true, "steps": [{"kind": "unplug", "state": "done",' \
        ' "domain": "holder2", "uuid": "6d8b3a0e-7f36-4a43-9d0a-000000000005",' \
        ' "alias": "ua-vfpool-net0", "address": "0000:b0:10.2", "in-place": false,' \
        ' "device": "<hostdev mode=\u0027subsystem\u0027 type=\u0027pci\u0027/>",' \
        ' "metadata": "<vfpool/>",' \
        " \"keep-request\": true, \"dest-address\": \"$1\"}], \"paused\": []}" \
        >"$tmp/state/operation.json"
}
pending_metadata 0000:b0:10.3 2
migrate_journal 0000:b0:10.2
"$vfpool" reconcile >"$tmp/out" 2>&1
want="^vfpool: domain 'holder2': its live vfpool metadata holds VF 0000:b0:10.3 for"
want="$want 'ua-vfpool-net0', but VF 0000:b0:10.2 was claimed for it; not plugged"
tap_check "after a migration, reconcile plugs no VF but the one reserved on the destination" \
    sh -c "grep -q \"$want\" '$tmp/out' && ! grep -q 'cannot hot-plug VF 0000:b0:10.3' '$tmp/out' &&
        test ! -e '$tmp/state/operation.json'"
pending_metadata 0000:b0:10.2 1
migrate_journal 0000:b0:10.2
"$vfpool" reconcile >"$tmp/out" 2>&1
tap_check "and plugs that one (libvirt refuses the fake VF, in one line)" \
    sh -c "grep -q \"finishing the interrupted 'migrate holder2\" '$tmp/out' &&
        grep -q \"^vfpool: domain 'holder2': cannot hot-plug VF 0000:b0:10.2 as\" '$tmp/out' &&
        test ! -e '$tmp/state/operation.json'"
# An operation plugs only a VF it claims for that very request: here the journal of an attach
# that died plugs as 'ua-vfpool-acc1' the VF holder2 holds for 'ua-vfpool-net0' (whose
# reservation its author took out of the live metadata). Taking it "again" and failing to plug
# it would give back a VF the guest has.
res="address='0000:b0:10.2' pf='0000:af:00.0' index='1'"
src="<source><address domain='0x0000' bus='0xb0' slot='0x10' function='0x2'/></source>"
dev="<hostdev mode='subsystem' type='pci' managed='yes'>$src<alias name='ua-vfpool-acc1'/>"
dev="$dev</hostdev>"
md="<vfpool xmlns='$NS'><vf alias='ua-vfpool-net0' pool='net-a'/>"
md="$md<vf alias='ua-vfpool-acc1' pool='net-a'/><reservation alias='ua-vfpool-acc1' $res/>"
md="$md</vfpool>"
# JSON strings cannot hold the XML's quotes as they are: \u0027 stands for each.
sed "s/'/\\\\u0027/g" >"$tmp/state/operation.json" <<JSON
{"operation": "attach holder2 --pool net-a", "pid": 1, "started": 1, "resize-count": 0,
 "resized": false, "steps": [{"kind": "plug", "state": "todo", "domain": "holder2",
 "uuid": "6d8b3a0e-7f36-4a43-9d0a-000000000005", "alias": "ua-vfpool-acc1",
 "address": "0000:b0:10.2", "in-place": false, "keep-running": true, "keep-definition": true,
 "device": "$dev", "metadata": "$md"}],
 "paused": []}
JSON
"$vfpool" reconcile >"$tmp/out" 2>&1
want="^vfpool: .*domain 'holder2': VF 0000:b0:10.2 is held for its 'ua-vfpool-net0' already,"
tap_check "an interrupted plug of a VF the domain holds for another request is refused" \
    sh -c "grep -q \"$want\" '$tmp/out' && . '$srcdir/tests/ledger.sh' &&
        ledger_claims '$tmp/state' | grep -qx '0000:b0:10.2 holder2 prepare'"
rm -f "$tmp/state/operation.json"
# A running domain whose live metadata vfpool cannot read (its author wrote it) still runs
# with its VFs: reconcile keeps its claims.
virsh metadata holder2 "$NS" --key vfpool --live --set "<vfpool><vf alias='ua-vfpool-net0' \
pool='net-a'/><vf alias='ua-vfpool-net0' pool='net-a'/></vfpool>" >/dev/null
"$vfpool" reconcile >"$tmp/out" 2>&1
tap_check "reconcile keeps the claims of a running domain whose metadata it cannot read" \
    sh -c "! grep -q \"claimed by domain 'holder2'\" '$tmp/out' && . '$srcdir/tests/ledger.sh' &&
        ledger_claims '$tmp/state' | grep -qx '0000:b0:10.2 holder2 prepare'"
pending_metadata 0000:b0:10.2 1
# move, reassign and resize refuse what they cannot do, before touching anything.
"$vfpool" resize 0000:af:00.0 1 >"$tmp/out" 2>&1
rc=$?
want="^vfpool: PF 0000:af:00.0: VFs in use by running domains: 0000:b0:10.2 (domain 'holder2');"
want="$want stop them, or add --pause"
tap_check "resize refuses while a running domain holds a VF of the PF, and names it" \
    sh -c "[ $rc = 1 ] && grep -q \"$want\" '$tmp/out'"
"$vfpool" resize 0000:af:00.0 1 --pause >"$tmp/out" 2>&1
rc=$?
tap_check "resize --pause refuses to remove a VF in use" \
    sh -c "[ $rc = 1 ] &&
        grep -q 'held by domain .holder2. and would not exist with 1 VFs' '$tmp/out'"
"$vfpool" move ua-vfpool-net0 --from holder2 --to dupa >"$tmp/out" 2>&1
rc=$?
tap_check "move refuses a target that is not running" \
    sh -c "[ $rc = 1 ] && grep -q \"^vfpool: domain 'dupa' is not running\" '$tmp/out'"
tap_check "no operation journal after refusals" test ! -e "$tmp/state/operation.json"
# attach and detach refuse a guest the administrator paused, at once and changing nothing.
virsh dumpxml holder2 >"$tmp/holder2-before.xml"
virsh suspend holder2 >/dev/null
"$vfpool" attach holder2 --pool net-a >"$tmp/out" 2>&1
rc=$?
tap_check "attach to a paused domain is refused in one line" one_line 1 \
    "^vfpool: domain 'holder2' is paused, and a VF is hot-plugged only into a running guest"
"$vfpool" detach holder2 ua-vfpool-net0 >"$tmp/out" 2>&1
rc=$?
tap_check "detach from a paused domain too" one_line 1 \
    "^vfpool: domain 'holder2' is paused, and a VF leaves a guest only when its running OS"
tap_check "neither changed anything: still paused, the same live XML, no journal" \
    sh -c "virsh domstate holder2 | grep -q paused &&
        virsh dumpxml holder2 | cmp -s '$tmp/holder2-before.xml' - &&
        test ! -e '$tmp/state/operation.json'"
virsh resume holder2 >/dev/null
# The fake host's VFs are not this kernel's: taking one fails (its PF has no netdev here),
# after the new request went into the live metadata; all of it must be undone.
claims_before=$(ls "$tmp/state/claims" 2>/dev/null | wc -l)
"$vfpool" attach holder2 --pool net-a --live >"$tmp/out" 2>&1
rc=$?
tap_check "a live attach that fails: exit 1, the error line names the operation" \
    sh -c "[ $rc = 1 ] && grep -q '^vfpool: attach holder2 --pool net-a .* failed: ' '$tmp/out'"
# libvirt writes the metadata given back in its own way: compare what it says.
put_back() {
    virsh dumpxml holder2 >"$tmp/holder2-after.xml" &&
        [ "$(xmllint --xpath //devices "$tmp/holder2-before.xml")" = \
            "$(xmllint --xpath //devices "$tmp/holder2-after.xml")" ] &&
        ! grep -q ua-vfpool-0 "$tmp/holder2-after.xml" &&
        grep -q "reservation alias=.ua-vfpool-net0. address=.0000:b0:10.2." \
            "$tmp/holder2-after.xml" &&
        [ "$(ls "$tmp/state/claims" | wc -l)" = "$claims_before" ] &&
        [ ! -e "$tmp/state/operation.json" ]
}
tap_check "and puts everything back: devices, metadata, ledger, no journal" put_back

# An operation whose process died left a guest paused: reconcile resumes it.
virsh suspend holder2 >/dev/null
printf '%s' '{"operation": "move ua-x --from holder2 --to dupa", "pid": 1, "started": 1,' \
    ' "resize-pf": null, "resize-count": 0, "resized": false, "steps": [], "paused": ["holder2"]}' \
    >"$tmp/state/operation.json"
"$vfpool" reassign holder2 ua-vfpool-net0 >"$tmp/out" 2>&1
want="^vfpool: an interrupted operation (move ua-x --from holder2 --to dupa) is not finished;"
want="$want run 'vfpool reconcile' first"
tap_check "a new operation is refused while an interrupted one is not finished" \
    grep -q "$want" "$tmp/out"
"$vfpool" reconcile --dry-run >"$tmp/out" 2>&1
tap_check "reconcile --dry-run only says it would finish it" \
    sh -c "grep -q 'would finish the interrupted operation' '$tmp/out' &&
        virsh domstate holder2 | grep -q paused"
"$vfpool" reconcile >"$tmp/out" 2>&1
tap_check "reconcile resumes the guest the dead operation paused and drops the journal" \
    sh -c "grep -q \"domain 'holder2': resumed\" '$tmp/out' &&
        virsh domstate holder2 | grep -q running && test ! -e '$tmp/state/operation.json'"
echo 'not json' >"$tmp/state/operation.json"
"$vfpool" reconcile >"$tmp/out" 2>&1
rc=$?
tap_check "an unreadable journal is one error line, and reconcile stops there" \
    sh -c "[ $rc = 1 ] && [ \$(grep -c . '$tmp/out') = 1 ] &&
        grep -q '^vfpool: the operation journal .* is unreadable' '$tmp/out'"
rm -f "$tmp/state/operation.json"
mkdir -p "$tmp/conf" && cp -r "$data/conf1/pools.d" "$tmp/conf/"
printf '[hotplug]\nvfio-pause-command=x-pause\n' >"$tmp/conf/vfpool.conf"
VFPOOL_CONF_DIR=$tmp/conf "$vfpool" resize 0000:af:00.0 1 >"$tmp/out" 2>&1
want='^vfpool: .*vfpool.conf: vfio-pause-command and vfio-resume-command go together;'
want=$want' set both or neither$'
tap_check "a vfpool.conf with only one of the VFIO commands is one error line" \
    grep -q "$want" "$tmp/out"
virsh suspend holder2 >/dev/null
printf '%s' '{"operation": "resize 0000:af:00.0 2", "pid": 1, "started": 1, "resize-pf": null,' \
    ' "resize-count": 0, "resized": false, "steps": [], "paused": ["holder2"]}' \
    >"$tmp/state/operation.json"
"$builddir/vfpoold" >"$tmp/vfpoold2.log" 2>&1 &
vfpoold_pid=$!
tap_check \
    "vfpoold finishes an interrupted operation when it connects: the paused guest runs again" \
    wait_for 30 sh -c "virsh domstate holder2 | grep -q running &&
        test ! -e '$tmp/state/operation.json'"
kill -TERM "$vfpoold_pid" 2>/dev/null
wait "$vfpoold_pid" 2>/dev/null
virsh destroy holder2 >/dev/null 2>&1

# --- a pool with one VF: waiting, released, in order
mkdir -p "$tmp/conf3/pools.d"
printf "<pool name='tiny'><pf address='0000:d8:00.0'/><vfs range='200'/></pool>\n" \
    >"$tmp/conf3/pools.d/tiny.xml"
tiny=$(fakesys_vf_address 0000:d8:00.0 2 1 200)
export VFPOOL_CONF_DIR=$tmp/conf3
"$builddir/vfpoold" >"$tmp/vfpoold3.log" 2>&1 &
daemon_pid=$!
wait_for 30 grep -q "connected to" "$tmp/vfpoold3.log"
domain wa 21 "pool='tiny'" >"$tmp/wa.xml"
virsh define "$tmp/wa.xml" >/dev/null
tap_check "the first domain of the one-VF pool gets the VF" wait_for 30 reserves wa "$tiny"
domain wb 22 "pool='tiny'" >"$tmp/wb.xml"
virsh define "$tmp/wb.xml" >/dev/null
want="status state=.waiting..*run 'vfpool release' on a stopped domain that reserves one ('wa')"
tap_check "the second waits, and its metadata says why and what would help" \
    wait_for 30 sh -c "virsh metadata wb $NS | grep -q \"$want\""
for i in 1 2 3; do
    printf '%s' "<domain type='qemu'><name>other$i</name><memory unit='MiB'>64</memory>" \
        "<os><type arch='x86_64' machine='q35'>hvm</type></os><devices/></domain>" \
        >"$tmp/other$i.xml"
    virsh define "$tmp/other$i.xml" >/dev/null
    sleep 1
done
tap_check "the wait is logged once, not at every unrelated event" \
    test "$(grep -c "domain 'wb': .*has no free VF" "$tmp/vfpoold3.log")" = 1
"$vfpool" status >"$tmp/out" 2>&1
tap_check "vfpool status shows the waiting domain" \
    grep -q "^domain 'wb': waiting since .*has no free VF for vf 'ua-vfpool-net0'" "$tmp/out"
"$vfpool" release wa >/dev/null 2>&1
tap_check "a released VF goes to the domain that waited" wait_for 30 reserves wb "$tiny"
sleep 2
tap_check "and the released domain does not take it back" \
    sh -c "! virsh metadata wa $NS | grep -q reservation &&
        virsh metadata wa $NS | grep -q \"status state=.released.\""
tap_check "the domain that got the VF has no status left" \
    sh -c "! virsh metadata wb $NS | grep -q status"
kill "$daemon_pid"
wait "$daemon_pid" 2>/dev/null
daemon_pid=

# --- vfpoold keeps the metrics textfile that vfpool.conf names current
mkdir -p "$tmp/conf4/pools.d" "$tmp/metrics"
cp "$tmp/conf3/pools.d/tiny.xml" "$data/conf1/pools.d/nvme.xml" "$tmp/conf4/pools.d/"
prom=$tmp/metrics/vfpool.prom
printf '[metrics]\ntextfile=%s\n' "$prom" >"$tmp/conf4/vfpool.conf"
export VFPOOL_CONF_DIR=$tmp/conf4
"$builddir/vfpoold" >"$tmp/vfpoold4.log" 2>&1 &
daemon_pid=$!
tap_check "vfpoold writes the metrics textfile that vfpool.conf names when it connects" \
    wait_for 30 grep -q '^vfpool_pool_vfs{pool="tiny",state="reserved"} 1$' "$prom"
nvme_reserved=$(sed -n 's/^vfpool_pool_vfs{pool="nvme",state="reserved"} //p' "$prom")
domain met6 26 "pool='nvme'" >"$tmp/met6.xml"
virsh define "$tmp/met6.xml" >/dev/null
want="^vfpool_pool_vfs{pool=\"nvme\",state=\"reserved\"} $((${nvme_reserved:-0} + 1))\$"
tap_check "and rewrites it after the pass that resolved a domain defined later" \
    wait_for 30 grep -q "$want" "$prom"
kill "$daemon_pid"
wait "$daemon_pid" 2>/dev/null
daemon_pid=

if [ "$tap_failed" -gt 0 ]; then
    for log in "$tmp"/vfpoold*.log; do
        echo "# --- $log"
        tail -n 40 "$log" | sed 's/^/# /'
    done
fi
tap_done
