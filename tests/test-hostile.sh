#!/bin/sh
# What a domain's author (who writes requests and even reservations) and a careless
# administrator can do to the root hook and the command, on the fake host1: each case exits 1
# with one 'vfpool:' line and leaves the ledger, sysfs and the VFs' settings as they were.
set -u
srcdir=${abs_top_srcdir:-.}
builddir=${abs_top_builddir:-.}
. "$srcdir/tests/tap.sh"
. "$srcdir/tests/ledger.sh"
. "$srcdir/tests/fakesys.sh"

data=$srcdir/tests/data
expected=$data/expected
hook=$builddir/tests/vfpool-hook-test
vfpool=$builddir/vfpool
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vfpool-hostile-XXXXXX")
trap 'rm -rf "$tmp"' EXIT

sh "$data/host1.sh" "$tmp/root"
export VFPOOL_SYSFS_ROOT=$tmp/root
export VFPOOL_CONF_DIR=$data/conf1
export VFPOOL_STATE_DIR=$tmp/state
export LIBVIRT_DEFAULT_URI=test:///default
state=$tmp/state
netlink=$tmp/root/fake-netlink.ini
pci=$tmp/root/sys/bus/pci/devices

# run COMMAND...: leaves rc, $tmp/out and $tmp/err.
run() {
    "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
}

# refused DESC FRAGMENT: the last command exited 1 with exactly one 'vfpool:' line on stderr
# containing FRAGMENT, and printed nothing on stdout.
refused() {
    if [ "$rc" -eq 1 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && [ ! -s "$tmp/out" ] &&
        grep -q '^vfpool: ' "$tmp/err" && grep -qF -- "$2" "$tmp/err"; then
        tap_ok "$1"
    else
        tap_not_ok "$1" "exit $rc; stderr:" "$(head -c 2000 "$tmp/err")" \
            "stdout: $(head -c 300 "$tmp/out")"
    fi
}

claims() {
    ledger_count "$state"
}

snapshot() { # snapshot NAME: what the hook may change, to compare after a refusal
    { cat "$netlink" 2>/dev/null; echo "claims $(claims)"
      for f in "$pci"/*/sriov_numvfs "$pci"/*/sriov_drivers_autoprobe; do
          echo "$f $(cat "$f")"
      done; } >"$tmp/$1.snap"
}
unchanged() { snapshot after && diff -u "$tmp/$1.snap" "$tmp/after.snap"; }

# domain NAME METADATA DEVICES: a domain XML as libvirt hands it to the hook.
domain() {
    cat >"$tmp/$1.xml" <<XML
<domain type="kvm">
  <name>$1</name>
  <uuid>6d8b3a0e-7f36-4a43-9d0a-$(printf %012d "$(printf %s "$1" | cksum | cut -c1-8)")</uuid>
  <metadata>
    <vfpool:vfpool xmlns:vfpool="http://vfpool.org/xmlns/libvirt/domain/1.0">
$2
    </vfpool:vfpool>
  </metadata>
  <memory unit="KiB">1048576</memory>
  <os><type arch="x86_64" machine="q35">hvm</type></os>
  <devices>
$3
  </devices>
</domain>
XML
}

# hostdev ALIAS BUS SLOT FUNCTION
hostdev() {
    printf '<hostdev mode="subsystem" type="pci" managed="yes"><source><address domain="0x0000"'
    printf ' bus="0x%s" slot="0x%s" function="0x%s"/></source><alias name="%s"/></hostdev>\n' \
        "$2" "$3" "$4" "$1"
}

# --- two requests whose reservations name one VF
domain dup \
    '<vfpool:vf alias="ua-a" pool="net-a" trust="on"/>
     <vfpool:vf alias="ua-b" pool="net-a" trust="on"/>
     <vfpool:reservation alias="ua-a" address="0000:b0:10.0" pf="0000:af:00.0" index="0"/>
     <vfpool:reservation alias="ua-b" address="0000:b0:10.0" pf="0000:af:00.0" index="0"/>' \
    "$(hostdev ua-a b0 10 0; hostdev ua-b b0 10 0)"
snapshot before
run "$hook" dup prepare begin - <"$tmp/dup.xml"
refused "prepare: two reservations of one VF" \
    "domain 'dup': vf 'ua-a' and vf 'ua-b' both reserve VF 0000:b0:10.0"
tap_check "nothing claimed, no setting touched" unchanged before
tap_check "the refusal ends with its machine-readable tag" grep -q ' \[vfpool:invalid\]$' "$tmp/err"
run "$vfpool" resolve --xml "$tmp/dup.xml"
refused "resolve --xml refuses them the same way" "vf 'ua-a' and vf 'ua-b' both reserve VF"
run "$vfpool" explain --xml "$tmp/dup.xml"
refused "explain --xml too" "vf 'ua-a' and vf 'ua-b' both reserve VF"

# --- the schema error names the domain once
sed 's/pool="net-a"/pool="net-a; rm -rf \/"/' "$expected/net-numa.xml" >"$tmp/badpool.xml"
run "$hook" net-numa prepare begin - <"$tmp/badpool.xml"
refused "a schema error" "does not follow its schema"
tap_check "it names the domain once" test "$(grep -o "domain 'net-numa'" "$tmp/err" | wc -l)" = 1

# --- a reservation naming the NVMe PF itself: refused before any sysfs write
domain pfself '<vfpool:vf alias="ua-d" pool="nvme"/>
     <vfpool:reservation alias="ua-d" address="0000:5e:00.0" pf="0000:5e:00.0" index="0"/>' \
    "$(hostdev ua-d 5e 00 0)"
snapshot before
run "$hook" pfself prepare begin - <"$tmp/pfself.xml"
refused "the PF as its own VF" \
    "vf 'ua-d' reserves 0000:5e:00.0, but VF 0 of PF 0000:5e:00.0 would be 0000:5e:00.1"
tap_check "sriov_numvfs and autoprobe untouched" unchanged before

# --- VFs created on demand only on a PF none of whose VFs is in use
mkdir -p "$tmp/conf/pools.d"
printf "<pool name='grow'><pf address='0000:af:00.0'/><vfs create='8'/></pool>\n" \
    >"$tmp/conf/pools.d/grow.xml"
domain grow '<vfpool:vf alias="ua-g" pool="grow"/>' ""
echo 0x1003 >"$pci/0000:b0:10.0/net/vfptafv0/flags"
VFPOOL_CONF_DIR=$tmp/conf "$vfpool" explain --xml "$tmp/grow.xml" >"$tmp/out" 2>&1
blocked="VF 4): not-creatable: PF 0000:af:00.0 has VF 0000:b0:10.0 in use outside vfpool"
blocked="$blocked (its host network device vfptafv0 is up)"
tap_check "explain says which VF blocks creating VFs and why" grep -q "$blocked" "$tmp/out"
for i in 0 1 2 3; do
    echo 0x1003 >"$pci/$(fakesys_vf_address 0000:af:00.0 384 2 $i)/net/vfptafv$i/flags"
done
VFPOOL_CONF_DIR=$tmp/conf run "$vfpool" resolve --xml "$tmp/grow.xml"
refused "resolve offers no VF that would need the host's VFs destroyed" \
    "pool 'grow' has no free VF for vf 'ua-g'"
vf4=$(fakesys_vf_address 0000:af:00.0 384 2 4)
bus=${vf4#0000:} slot=${bus#*:} bus=${bus%%:*} fn=${slot#*.} slot=${slot%.*}
domain grow2 "<vfpool:vf alias=\"ua-g\" pool=\"grow\"/>
     <vfpool:reservation alias=\"ua-g\" address=\"$vf4\" pf=\"0000:af:00.0\" index=\"4\"/>" \
    "$(hostdev ua-g "$bus" "$slot" "$fn")"
snapshot before
VFPOOL_CONF_DIR=$tmp/conf run "$hook" grow2 prepare begin - <"$tmp/grow2.xml"
in_use="VF $vf4 (pool grow) must be created, but PF 0000:af:00.0 has VF 0000:b0:10.0"
in_use="$in_use in use outside vfpool"
refused "prepare refuses to re-create VFs the host uses" "$in_use"
tap_check "the host's VFs are still there" unchanged before
for i in 0 1 2 3; do
    echo 0x1002 >"$pci/$(fakesys_vf_address 0000:af:00.0 384 2 $i)/net/vfptafv$i/flags"
done

# --- a VF without a netdev on a host driver is the host's unless the pool says otherwise
run "$hook" nvme-create prepare begin - <"$expected/nvme-create.xml"
run "$hook" nvme-create release end - <"$expected/nvme-create.xml"
tap_check "four nvme VFs exist" test "$(cat "$pci/0000:5e:00.0/sriov_numvfs")" = 4
ln -sfn "$tmp/root/sys/bus/pci/drivers/nvme" "$pci/0000:5e:00.1/driver"
"$vfpool" explain --xml "$expected/nvme-create.xml" >"$tmp/out" 2>&1
tap_check "explain: the VF on the nvme driver is host use" \
    grep -q "0000:5e:00.1.*host-use.*bound to the host driver nvme" "$tmp/out"
"$vfpool" status >"$tmp/out" 2>&1
tap_check "status says so too" grep -q "0000:5e:00.1.*host-use" "$tmp/out"
snapshot before
run "$hook" nvme-create prepare begin - <"$expected/nvme-create.xml"
refused "prepare refuses a VF a host driver serves" \
    "VF 0000:5e:00.1 (pool nvme) is in use outside vfpool: it is bound to the host driver nvme"
tap_check "nothing changed" unchanged before
sed "s|</pool>|<driver name='vfio-pci' take-from-host='yes'/></pool>|" \
    "$data/conf1/pools.d/nvme.xml" >"$tmp/conf/pools.d/nvme.xml"
VFPOOL_CONF_DIR=$tmp/conf run "$hook" nvme-create prepare begin - <"$expected/nvme-create.xml"
tap_check "a pool with take-from-host='yes' takes it" test "$rc" = 0
VFPOOL_CONF_DIR=$tmp/conf run "$hook" nvme-create release end - <"$expected/nvme-create.xml"
rm -f "$pci/0000:5e:00.1/driver"

# --- release gives back what a domain holds even when its live XML lost the metadata
rm -rf "$tmp/state"
hookdir=$tmp/hookdir
mkdir -p "$hookdir"
cp "$builddir/vfpool-hook" "$hookdir/vfpool-hook"
# No vfpool-hook-release here: at release the front falls back to the worker, which releases too.
ln -s "$(cd "$builddir" && pwd)/tests/vfpool-hook-test" "$hookdir/vfpool-hook-worker"
run "$hookdir/vfpool-hook" net-numa prepare begin - <"$expected/net-numa.xml"
tap_check "prepare through the front" test "$rc/$(claims)" = 0/1
sed '/<metadata>/,/<\/metadata>/d' "$expected/net-numa.xml" >"$tmp/stripped.xml"
run "$hookdir/vfpool-hook" net-numa release end - <"$tmp/stripped.xml"
tap_check "release of the stripped XML frees the claim" test "$rc/$(claims)" = 0/0
tap_check "and restores the VF's trust" \
    sh -c "grep -A8 '^\[enp175s0f0/0\]' '$netlink' | grep -q '^trust=off'"
tap_check "no domain entry is left" sh -c "! ls '$tmp/state/domains/' 2>/dev/null | grep -q ."
sed 's/<name>net-numa</<name>plain</; s/000000000001/000000000077/' "$tmp/stripped.xml" \
    >"$tmp/plain.xml"
rm -rf "$state"
run "$hookdir/vfpool-hook" plain release end - <"$tmp/plain.xml"
tap_check "the front still leaves a domain vfpool never touched alone" test ! -e "$state"

# --- bounds: requests per domain, nodeset size
i=0
meta=""
while [ $i -lt 300 ]; do
    meta="$meta<vfpool:vf alias=\"ua-n$i\" pool=\"net-a\"/>"
    i=$((i + 1))
done
domain many "$meta" ""
run "$vfpool" resolve --xml "$tmp/many.xml"
refused "300 requests in one domain" "a domain may have at most 256 requests"
domain bignuma '<vfpool:vf alias="ua-n" pool="net-a"/>' ""
{ sed -n '1,/<os>/p' "$tmp/bignuma.xml" | sed '$d'
  printf "<numatune><memory mode='strict' nodeset='"
  head -c 1000000 /dev/zero | tr '\0' 'x' | sed 's/x\{8\}/0-1023,/g'
  printf "0'/></numatune>\n"
  sed -n '/<os>/,$p' "$tmp/bignuma.xml"; } >"$tmp/bignuma2.xml"
run "$vfpool" resolve --xml "$tmp/bignuma2.xml"
refused "a 1 MB nodeset" "numatune nodeset '0-1023,0-1023"

tap_done
