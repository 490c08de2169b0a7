#!/bin/sh
# The libvirt hook, step by step, on the fake host1 with the fake kernel and netlink: exit
# codes, stdout, the ledger, sysfs and VF settings; bad input; 64 concurrent starts; a hook
# killed at any point.
set -u
srcdir=${abs_top_srcdir:-.}
builddir=${abs_top_builddir:-.}
. "$srcdir/tests/tap.sh"
. "$srcdir/tests/ledger.sh"
. "$srcdir/tests/fakesys.sh"

data=$srcdir/tests/data
expected=$data/expected
hook=$builddir/tests/vfpool-hook-test
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vfpool-hook-XXXXXX")
trap 'rm -rf "$tmp"' EXIT

sh "$data/host1.sh" "$tmp/root"
export VFPOOL_SYSFS_ROOT=$tmp/root
export VFPOOL_CONF_DIR=$data/conf1
export VFPOOL_STATE_DIR=$tmp/state
state=$tmp/state
netlink=$tmp/root/fake-netlink.ini
pci=$tmp/root/sys/bus/pci/devices

# step NAME OP SUBOP XMLFILE: runs the hook; leaves rc, $tmp/out and $tmp/err.
step() {
    "$hook" "$1" "$2" "$3" - <"$4" >"$tmp/out" 2>"$tmp/err"
    rc=$?
}

# expect DESC RC [FRAGMENT]: the last step exited RC; with FRAGMENT, it printed exactly one
# 'vfpool:' line on stderr containing it, and nothing on stdout.
expect() {
    if [ "$rc" -ne "$2" ]; then
        tap_not_ok "$1" "exit $rc, want $2" "$(cat "$tmp/err")"
    elif [ $# -ge 3 ] && { [ "$(wc -l <"$tmp/err")" -ne 1 ] || [ -s "$tmp/out" ] ||
        ! grep -q '^vfpool: ' "$tmp/err" || ! grep -qF -- "$3" "$tmp/err"; }; then
        tap_not_ok "$1" "stderr:" "$(cat "$tmp/err")" "stdout: $(head -c 200 "$tmp/out")"
    elif [ $# -lt 3 ] && [ -s "$tmp/err" ]; then
        tap_not_ok "$1" "unexpected stderr:" "$(cat "$tmp/err")"
    else
        tap_ok "$1"
    fi
}

claims() {
    ledger_count "$state"
}

setting() { # setting PFNETDEV/INDEX KEY
    sed -n "/^\[$(printf '%s' "$1" | sed 's|/|\\/|')\]/,/^\[/s/^$2=//p" "$netlink"
}

# --- prepare and release of a network VF (interface type='hostdev', managed)
step net-numa prepare begin "$expected/net-numa.xml"
expect "prepare claims the reserved VF" 0
tap_check "ledger holds 0000:b0:10.0 for net-numa" \
    test "$(ledger_claims "$state")" = "0000:b0:10.0 net-numa prepare"
tap_check "claim is final" sh -c "! grep -q pending '$state/claims/0000:b0:10.0'"
tap_check "original state saved" grep -qx 'driver=igbvf' "$state/claims/0000:b0:10.0"
tap_check "trust on applied via the PF" test "$(setting enp175s0f0/0 trust)" = on
tap_check "pool default spoofchk applied" test "$(setting enp175s0f0/0 spoofchk)" = on
tap_check "MAC and VLAN left to libvirt" test -z "$(setting enp175s0f0/0 mac)"
step net-numa prepare begin "$expected/net-numa.xml"
expect "prepare again for the same domain is fine" 0
tap_check "still one claim" test "$(claims)" = 1

sed "s/<name>net-numa</<name>other</; s/000000000001/000000000099/" \
    "$expected/net-numa.xml" >"$tmp/other.xml"
step other prepare begin "$tmp/other.xml"
expect "a VF held by a running domain is refused" 1 \
    "VF 0000:b0:10.0 (pool net-a) is held by running domain 'net-numa'"
tap_check "the refused start claimed nothing" test "$(claims)" = 1

step net-numa release end "$expected/net-numa.xml"
expect "release" 0
tap_check "ledger empty after release" test "$(claims)" = 0
tap_check "trust restored" test "$(setting enp175s0f0/0 trust)" = off
step net-numa release end "$expected/net-numa.xml"
expect "release of a domain holding nothing" 0

# --- VFs created on demand (nvme PF at sriov_numvfs=0)
step nvme-create prepare begin "$expected/nvme-create.xml"
expect "prepare creates VFs on demand" 0
tap_check "sriov_numvfs is 4" test "$(cat "$pci/0000:5e:00.0/sriov_numvfs")" = 4
tap_check "autoprobe turned off first" \
    test "$(cat "$pci/0000:5e:00.0/sriov_drivers_autoprobe")" = 0
tap_check "created VF claimed" test -f "$state/claims/0000:5e:00.1"
step nvme-create release end "$expected/nvme-create.xml"
expect "release of the nvme VF" 0

# --- unmanaged VF of a variant-driver pool is bound, then given back
step multi prepare begin "$expected/multi.xml"
expect "prepare of a two-VF domain" 0
tap_check "unmanaged VF bound to mlx5_vfio_pci" \
    test "$(basename "$(readlink "$pci/0000:d8:02.2/driver")")" = mlx5_vfio_pci
tap_check "driver_override cleared after binding" \
    test "$(cat "$pci/0000:d8:02.2/driver_override")" = "(null)"
step multi release end "$expected/multi.xml"
tap_check "unbound again at release" test ! -e "$pci/0000:d8:02.2/driver"
tap_check "ledger empty" test "$(claims)" = 0

# --- settings the driver refuses
printf '[enp175s0f0]\nrefuse=trust;\n' >"$netlink"
step net-numa prepare begin "$expected/net-numa.xml"
expect "a refused requested setting fails the start" 1 "trust"
tap_check "the message names the PF driver" grep -q 'PF driver igb' "$tmp/err"
tap_check "nothing claimed after the failure" test "$(claims)" = 0
tap_check "settings applied before the failure rolled back" \
    test "$(setting enp175s0f0/0 spoofchk)" = on
printf '[enp175s0f0]\nrefuse=link-state;\n' >"$netlink"
step net-numa prepare begin "$expected/net-numa.xml"
expect "a refused pool default is skipped" 0
step net-numa release end "$expected/net-numa.xml"
rm -f "$netlink"

# --- domains prepare cannot start
step net-numa prepare begin "$data/domains/net-numa.xml"
expect "an unresolved domain: the exact command to run" 1 \
    "has no VF yet; start it with 'vfpool start net-numa'"
sed "s/bus=\"0xb0\" slot=\"0x10\" function=\"0x0\"/bus=\"0xb0\" slot=\"0x10\" function=\"0x2\"/" \
    "$expected/net-numa.xml" >"$tmp/mismatch.xml"
step net-numa prepare begin "$tmp/mismatch.xml"
expect "device and reservation disagree" 1 "points at 0000:b0:10.2 but its reservation"
sed "s/0000:b0:10.0/0000:3c:11.2/; s/0000:af:00.0/0000:3b:00.0/; s/index=\"0\"/index=\"5\"/;
     s/bus=\"0xb0\" slot=\"0x10\" function=\"0x0\"/bus=\"0x3c\" slot=\"0x11\" function=\"0x2\"/" \
    "$expected/net-numa.xml" >"$tmp/hostuse.xml"
step net-numa prepare begin "$tmp/hostuse.xml"
expect "a VF the host uses" 1 "in use outside vfpool: its host network device vfpt3bv5 is up"
tap_check "still nothing claimed" test "$(claims)" = 0
# A VF a VM holds through VFIO without vfpool (libvirt's own hostdev network, say): vfio-pci
# enables a device while a user has it open.
mkdir -p "$tmp/root/sys/bus/pci/drivers/vfio-pci"
ln -sfn "$tmp/root/sys/bus/pci/drivers/vfio-pci" "$pci/0000:b0:10.0/driver"
echo 1 >"$pci/0000:b0:10.0/enable"
cat "$netlink" >"$tmp/netlink.before" 2>/dev/null
step net-numa prepare begin "$expected/net-numa.xml"
expect "a VF open through VFIO outside vfpool" 1 \
    "VF 0000:b0:10.0 (pool net-a) is in use outside vfpool: it is open through vfio-pci"
untouched() {
    [ "$(claims)" = 0 ] && [ "$(cat "$netlink" 2>/dev/null)" = "$(cat "$tmp/netlink.before")" ]
}
tap_check "nothing claimed and none of its settings touched" untouched
rm -f "$pci/0000:b0:10.0/enable"
ln -sfn "$tmp/root/sys/bus/pci/drivers/igbvf" "$pci/0000:b0:10.0/driver"

# --- migrate: addresses of another host are rewritten to local VFs, nothing claimed
sed "s/0000:b0:10.0/0000:99:10.0/; s/0000:af:00.0/0000:99:00.0/;
     s/bus=\"0xb0\" slot=\"0x10\" function=\"0x0\"/bus=\"0x99\" slot=\"0x10\" function=\"0x0\"/" \
    "$expected/net-numa.xml" >"$tmp/incoming.xml"
step net-numa migrate begin "$tmp/incoming.xml"
expect "migrate begin rewrites the XML" 0
tap_check "migrated XML equals the locally resolved one" diff -u "$expected/net-numa.xml" "$tmp/out"
tap_check "alias, MAC and VLAN kept" grep -q 'mac address="52:54:00:12:34:56"' "$tmp/out"
tap_check "migrate claims nothing" test "$(claims)" = 0
sed "s/pool=\"net-a\"/pool=\"gone\"/" "$tmp/incoming.xml" >"$tmp/nopool.xml"
step net-numa migrate begin "$tmp/nopool.xml"
expect "migrate to a host without the pool is refused" 1 "pool 'gone', which is not defined"

# --- migrate of a domain whose VF vfpool migrate unplugged: the request arrives holding,
# without a device (hotplug='pending'), the VF vfpool migrate reserved on this host; the
# migrate step keeps it, prepare claims it, and vfpool migrate then plugs that very VF
sed '/<interface type="hostdev"/,/<\/interface>/d
     s|index="0"/>|index="0" hotplug="pending"/>|' "$tmp/incoming.xml" >"$tmp/foreign.xml"
step net-numa migrate begin "$tmp/foreign.xml"
expect "migrate of a VF held without a device that is not free here is refused" 1 \
    "VF 0000:99:10.0, which vfpool migrate reserved here for 'ua-vfpool-net0', is not free in"
sed '/<interface type="hostdev"/,/<\/interface>/d
     s|index="0"/>|index="0" hotplug="pending"/>|' "$expected/net-numa.xml" >"$tmp/unplugged.xml"
step net-numa migrate begin "$tmp/unplugged.xml"
expect "migrate begin of a domain whose VF was unplugged for the migration" 0
cp "$tmp/out" "$tmp/arrived.xml"
tap_check "migrate keeps the VF held without a device: a local VF, marked pending" \
    grep -q 'address="0000:b0:10.0" pf="0000:af:00.0" index="0" hotplug="pending"' \
    "$tmp/arrived.xml"
tap_check "migrate writes no device for the pending VF (QEMU must match the source)" \
    sh -c "! grep -q '<interface' '$tmp/arrived.xml'"
step net-numa prepare begin "$tmp/arrived.xml"
expect "prepare of an arriving domain claims the VF it holds without a device" 0
tap_check "ledger holds 0000:b0:10.0 for net-numa, the VF to be plugged" \
    test "$(ledger_claims "$state")" = "0000:b0:10.0 net-numa prepare"
tap_check "the claim applied trust on (vfpool's setting; libvirt sets MAC and VLAN at the plug)" \
    test "$(setting enp175s0f0/0 trust)" = on
step net-numa release end "$tmp/arrived.xml"
tap_check "release gives the VF held without a device back" test "$(claims)" = 0
sed '/<interface type="hostdev"/,/<\/interface>/d' "$expected/net-numa.xml" >"$tmp/nodevice.xml"
step net-numa prepare begin "$tmp/nodevice.xml"
expect "prepare of a request with neither device nor pending VF is still refused" 1 \
    "vf 'ua-vfpool-net0' (pool net-a) has no VF yet"

# --- migrate with a VFIO variant driver that migrates the device state (mlx5_vfio_pci): the
# VF stays in the domain, so the destination gives it a VF of the same model
sed 's/0000:d8:02.2/0000:99:02.2/; s/pf="0000:d8:00.0"/pf="0000:99:00.0"/
     s/bus="0xd8" slot="0x02" function="0x2"/bus="0x99" slot="0x02" function="0x2"/' \
    "$expected/multi.xml" >"$tmp/incoming-multi.xml"
step multi migrate begin "$tmp/incoming-multi.xml"
expect "migrate begin with a device-state VF" 0
tap_check "the migrated XML has a local VF of the same model, its driver kept (managed='no')" \
    diff -u "$expected/multi.xml" "$tmp/out"
sed 's/device="0x101e"/device="0x1018"/' "$tmp/incoming-multi.xml" >"$tmp/other-model.xml"
step multi migrate begin "$tmp/other-model.xml"
why="pool 'mlx-range' has no free VF for vf 'ua-vfpool-acc0' (256 turned down: 240 range,"
why="$why 16 device-model); move the domain to a host whose pool has VFs of its device's model"
expect "migrate of device state onto another model is refused" 1 "$why"
tap_check "migrate claims nothing" test "$(claims)" = 0

# --- restore: nothing printed while the reservation holds; a new VF once it is taken
step net-numa restore begin "$expected/net-numa.xml"
expect "restore with a free reserved VF keeps the XML" 0
tap_check "restore printed nothing" test ! -s "$tmp/out"
step other prepare begin "$tmp/other.xml"
step net-numa restore begin "$expected/net-numa.xml"
expect "restore with the VF taken meanwhile" 0
tap_check "restore chose another VF" \
    grep -q 'reservation alias="ua-vfpool-net0" address="0000:b0:10.2"' "$tmp/out"
step other release end "$tmp/other.xml"

# --- reconnect rebuilds the ledger (here: lost while net-numa ran with trust on)
step net-numa prepare begin "$expected/net-numa.xml"
rm -rf "$state"
step net-numa reconnect begin "$expected/net-numa.xml"
expect "reconnect" 0
tap_check "reconnect re-claims the VF" \
    test "$(ledger_claims "$state")" = "0000:b0:10.0 net-numa reconnect"
step other reconnect begin "$tmp/other.xml"
expect "reconnect of a conflicting domain never fails" 0
step net-numa release end "$expected/net-numa.xml"
tap_check "release after a lost ledger puts a fresh VF's trust back" \
    test "$(setting enp175s0f0/0 trust)" = off
# Reconnect holds only a VF of the request's pool that libvirt passes through to the domain:
# the live metadata is the domain's author's to write. Here it names the host's AHCI
# controller, for a request of an unmanaged pool without a device, which release would unbind.
reserve() { # reserve ADDRESS FILE: net-numa's request of pool mlx-range reserves ADDRESS, as
    # VF 16 of the ConnectX PF, and its device is some other device
    _old='address="0000:b0:10.0" pf="0000:af:00.0" index="0"'
    _new="address=\"$1\" pf=\"0000:d8:00.0\" index=\"16\""
    sed -e 's/pool="net-a"/pool="mlx-range"/' -e "s/$_old/$_new/" \
        -e 's/<alias name="ua-vfpool-net0"/<alias name="ua-other"/' "$expected/net-numa.xml" >"$2"
}
reserve 0000:00:1f.2 "$tmp/adopt-host.xml"
rm -rf "$state"
step net-numa reconnect begin "$tmp/adopt-host.xml"
tap_check "reconnect of a reservation naming a host device exits 0 and holds nothing" \
    test "$rc:$(claims)" = 0:0
step net-numa release end "$tmp/adopt-host.xml"
tap_check "and release leaves the device on its driver" \
    test "$(basename "$(readlink "$pci/0000:00:1f.2/driver")")" = ahci
# nor a VF of the pool that the domain has no device for
reserve 0000:d8:02.2 "$tmp/adopt-nodev.xml"
step net-numa reconnect begin "$tmp/adopt-nodev.xml"
tap_check "reconnect holds no VF that libvirt does not pass through" test "$rc:$(claims)" = 0:0

# --- bad input
head -c 700 "$expected/net-numa.xml" >"$tmp/truncated.xml"
step net-numa prepare begin "$tmp/truncated.xml"
expect "truncated XML" 1 "domain 'net-numa': the domain XML is not well-formed"
step someone-else prepare begin "$expected/net-numa.xml"
expect "argv domain differs from the XML" 1 \
    "hook called for domain 'someone-else' with the XML of domain 'net-numa'"
sed "s/pool=\"net-a\"/pool=\"net-a'; rm -rf \/\"/" "$expected/net-numa.xml" >"$tmp/hostile.xml"
step net-numa prepare begin "$tmp/hostile.xml"
expect "hostile pool name" 1 "does not follow its schema"
sed "s/mac=\"52:54:00:12:34:56\"/mac=\"\&lt;script\&gt;\"/" "$expected/net-numa.xml" \
    >"$tmp/hostile2.xml"
step net-numa prepare begin "$tmp/hostile2.xml"
expect "hostile MAC" 1 "is not a unicast MAC address"
step net-numa frobnicate begin "$expected/net-numa.xml"
expect "unknown step: nothing done" 0
step net-numa release end "$tmp/truncated.xml"
expect "release never fails, even on garbage" 0
tap_check "the ledger is still valid" ledger_valid "$state"
# Release reads the name and UUID alone (GMarkup, vfp-hook-release.c), as libxml2 would.
step net-numa prepare begin "$expected/net-numa.xml"
step someone-else release end "$expected/net-numa.xml"
tap_check "release with another domain's XML gives nothing back" test "$rc/$(claims)" = 0/1
sed 's|<name>net-numa</name>|<name><![CDATA[net-numa]]></name>|' "$expected/net-numa.xml" \
    >"$tmp/cdata.xml"
step net-numa release end "$tmp/cdata.xml"
tap_check "release reads a name in CDATA" test "$rc/$(claims)" = 0/0

# --- pool files are validated once per content: a changed one is validated again
cp -R "$data/conf1" "$tmp/conf-copy"
export VFPOOL_CONF_DIR=$tmp/conf-copy
step net-numa prepare begin "$expected/net-numa.xml"
expect "prepare with the pool files copied" 0
tap_check "the check of the pool file is remembered" test -s "$state/pool-checks/net-a.xml"
step net-numa release end "$expected/net-numa.xml"
sed 's|</pool>|<frobnicate/></pool>|' "$data/conf1/pools.d/net-a.xml" \
    >"$tmp/conf-copy/pools.d/net-a.xml"
step net-numa prepare begin "$expected/net-numa.xml"
expect "a pool file changed after its check is validated again" 1 "does not follow its schema"
tap_check "the refused start claimed nothing" test "$(claims)" = 0
export VFPOOL_CONF_DIR=$data/conf1
step net-numa release end "$expected/net-numa.xml"
expect "release after the refused start" 0

# --- the front: no vfpool metadata means exit at once; otherwise it hands over to the worker
front=$builddir/vfpool-hook
printf '<domain><name>plain</name><devices/></domain>' >"$tmp/plain.xml"
rm -rf "$tmp/state"
"$front" plain prepare begin - <"$tmp/plain.xml" >"$tmp/out" 2>&1
rc=$?
expect "front: a domain without vfpool metadata" 0
tap_check "front touched no state" test ! -e "$tmp/state"
"$front" net-numa migrate begin - <"$tmp/incoming.xml" >"$tmp/out" 2>"$tmp/err"
rc=$?
expect "front hands vfpool domains to the worker" 0
tap_check "worker output comes back through the front" diff -u "$expected/net-numa.xml" "$tmp/out"
"$front" net-numa started begin - <"$expected/net-numa.xml" >"$tmp/out" 2>"$tmp/err"
rc=$?
expect "front ignores steps vfpool does not handle" 0

# --- a host upgraded while a domain runs: the real worker has vfpool-ledger-upgrade convert the
# older vfpool's ledger.json once, and the claim it held keeps holding
rm -rf "$state"
mkdir -m 700 -p "$state/domains"
: >"$state/domains/6d8b3a0e-7f36-4a43-9d0a-000000000001"
cat >"$state/ledger.json" <<'JSON'
{"version": 1, "claims": [{"address": "0000:b0:10.0", "pf": "0000:af:00.0", "index": 0,
 "pool": "net-a", "domain": "net-numa", "uuid": "6d8b3a0e-7f36-4a43-9d0a-000000000001",
 "alias": "ua-vfpool-net0", "step": "prepare", "time": 1700000000, "pid": 1}]}
JSON
"$front" other prepare begin - <"$tmp/other.xml" >"$tmp/out" 2>"$tmp/err"
rc=$?
expect "after an upgrade, the old ledger's claim still holds the VF" 1 \
    "VF 0000:b0:10.0 (pool net-a) is held by running domain 'net-numa'"
tap_check "the old ledger was converted into one record" \
    test "$(ls "$state")/$(ledger_claims "$state")" = \
    "$(printf 'claims\ndomains\nledger.lock\nlocks\npool-checks')/0000:b0:10.0 net-numa prepare"
# At release the front runs vfpool-hook-release: alone next to a copy of the front, it releases.
mkdir "$tmp/release-only"
cp "$front" "$tmp/release-only/vfpool-hook"
ln -s "$(cd "$builddir" && pwd)/vfpool-hook-release" "$tmp/release-only/vfpool-hook-release"
"$tmp/release-only/vfpool-hook" net-numa release end - <"$expected/net-numa.xml" \
    >"$tmp/out" 2>"$tmp/err"
rc=$?
expect "release of the upgraded claim" 0
tap_check "frees it and its domain entry" \
    test "$(claims)/$(ls "$state/domains")" = 0/

# The release program must not load libxml2 (nor the ICU and libstdc++ it brings): its start-up
# is most of a release.
tap_check "vfpool-hook-release loads neither libxml2 nor ICU" sh -c \
    "! LD_TRACE_LOADED_OBJECTS=1 '$builddir/vfpool-hook-release' | grep -E 'libxml2|libicu'"

# --- 64 concurrent starts on a 32-VF pool: 32 win, 32 get a clear refusal
mkdir -p "$tmp/conf/pools.d"
printf "<pool name='c32'><pf address='0000:d8:00.0'/><vfs range='0-31'/></pool>\n" \
    >"$tmp/conf/pools.d/c32.xml"
i=0
while [ $i -lt 64 ]; do
    vf=$((i % 32))
    addr=$(fakesys_vf_address 0000:d8:00.0 2 1 $vf)
    bus=${addr#0000:} slot=${bus#*:} bus=${bus%%:*} fn=${slot#*.} slot=${slot%.*}
    cat >"$tmp/c$i.xml" <<XML
<domain><name>c$i</name><uuid>00000000-0000-4000-8000-0000000000$(printf %02x $i)</uuid>
<metadata><v:vfpool xmlns:v='http://vfpool.org/xmlns/libvirt/domain/1.0'>
<v:vf alias='ua-vf0' pool='c32'/>
<v:reservation alias='ua-vf0' address='$addr' pf='0000:d8:00.0' index='$vf'/>
</v:vfpool></metadata><devices><hostdev mode='subsystem' type='pci' managed='yes'>
<source><address domain='0x0000' bus='0x$bus' slot='0x$slot' function='0x$fn'/></source>
<alias name='ua-vf0'/></hostdev></devices></domain>
XML
    i=$((i + 1))
done
i=0
while [ $i -lt 64 ]; do
    (VFPOOL_CONF_DIR=$tmp/conf "$hook" c$i prepare begin - <"$tmp/c$i.xml" \
        >"$tmp/c$i.out" 2>"$tmp/c$i.err"; echo $? >"$tmp/c$i.rc") &
    i=$((i + 1))
done
wait
won=$(cat "$tmp"/c*.rc | grep -c '^0$')
lost=$(cat "$tmp"/c*.rc | grep -c '^1$')
tap_check "64 concurrent prepares: 32 succeed, 32 fail (got $won/$lost)" test "$won/$lost" = 32/32
tap_check "every failure says who holds the VF" \
    test "$(cat "$tmp"/c*.err | grep -c "is held by running domain 'c")" = 32
tap_check "ledger valid with 32 distinct VFs" sh -c \
    ". '$srcdir/tests/ledger.sh'; ledger_valid '$state' && test \$(ledger_count '$state') = 32 &&
    test \$(ledger_text '$state' | grep '^address=' | sort -u | wc -l) = 32"

# --- a hook killed at any point leaves nothing the next run cannot clean up
rm -rf "$state"
for delay in 0.01 0.05 0.1 0.2 0.3 0.5; do
    printf '[enp175s0f0]\ndelay-ms=60\n' >"$netlink"
    "$hook" net-numa prepare begin - <"$expected/net-numa.xml" >/dev/null 2>&1 &
    pid=$!
    sleep $delay
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
    ok=1
    # Killed at any point, it leaves valid records (or none).
    ledger_valid "$state" || ok=0
    # The next hook sweeps an unfinished claim, and 'other' gets the VF; a finished one
    # still blocks 'other'.
    want=0
    if ledger_text "$state" | grep -qx 'domain=net-numa' &&
        ! ledger_text "$state" | grep -q pending; then
        want=1
    fi
    step other prepare begin "$tmp/other.xml"
    [ "$rc" = "$want" ] || ok=0
    if ledger_text "$state" | grep -q pending; then ok=0; fi
    step net-numa release end "$expected/net-numa.xml"
    step other release end "$tmp/other.xml"
    [ "$(claims)" = 0 ] || ok=0
    # What a kill between writing a record and renaming it left, the steps after removed.
    [ -z "$(ledger_leftovers "$state")" ] || ok=0
    [ "$(setting enp175s0f0/0 trust)" != on ] || ok=0
    if [ $ok = 1 ]; then
        tap_ok "killed after ${delay}s: cleaned up, VF restored"
    else
        tap_not_ok "killed after ${delay}s" "other: exit $rc, want $want" \
            "$(ledger_text "$state")" "leftovers: $(ledger_leftovers "$state")" \
            "$(cat "$netlink")"
    fi
done

tap_done
