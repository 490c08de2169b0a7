#!/bin/sh
# The vfpool command on the fake host1: resolve golden files, listings, and every kind of bad
# input giving exit 1 with one 'vfpool:' line. REGENERATE=1 rewrites the expected files.
set -u
srcdir=${abs_top_srcdir:-.}
builddir=${abs_top_builddir:-.}
. "$srcdir/tests/tap.sh"
. "$srcdir/tests/fakesys.sh"

data=$srcdir/tests/data
expected=$data/expected
vfpool=$builddir/vfpool
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vfpool-cli-XXXXXX")
trap 'rm -rf "$tmp"' EXIT

sh "$data/host1.sh" "$tmp/root"
export VFPOOL_SYSFS_ROOT=$tmp/root
export VFPOOL_CONF_DIR=$data/conf1
export VFPOOL_STATE_DIR=$tmp/state
# libvirt's in-process test driver: no daemon, and no domain reserving anything.
export LIBVIRT_DEFAULT_URI=test:///default

# golden FILE NAME COMMAND...: stdout of COMMAND must equal $expected/NAME.
golden() {
    name=$1
    shift
    if ! "$@" >"$tmp/out" 2>"$tmp/err"; then
        tap_not_ok "$name: command failed" "$(cat "$tmp/err")"
        return
    fi
    if [ -n "${REGENERATE:-}" ]; then
        cp "$tmp/out" "$expected/$name"
    fi
    if diff -u "$expected/$name" "$tmp/out" >"$tmp/diff"; then
        tap_ok "$name matches"
    else
        tap_not_ok "$name differs" "$(cat "$tmp/diff")"
    fi
}

# fails_with DESCRIPTION FRAGMENT EXIT COMMAND...: COMMAND exits EXIT, prints nothing on
# stdout and one 'vfpool:' line on stderr that contains FRAGMENT.
fails_with() {
    desc=$1 fragment=$2 want=$3
    shift 3
    "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    lines=$(wc -l <"$tmp/err")
    if [ "$rc" -eq "$want" ] && [ "$lines" -eq 1 ] && [ ! -s "$tmp/out" ] &&
        grep -q '^vfpool: ' "$tmp/err" && grep -qF -- "$fragment" "$tmp/err"; then
        tap_ok "$desc"
    else
        tap_not_ok "$desc" "exit $rc (want $want), $lines stderr lines:" "$(cat "$tmp/err")" \
            "stdout: $(head -c 300 "$tmp/out")"
    fi
}

# --- resolve: golden files, and resolving the result again changes nothing.
for domain in net-numa nvme-create multi resolved; do
    golden "$domain.xml" "$vfpool" resolve --xml "$data/domains/$domain.xml"
    golden "$domain.xml" "$vfpool" resolve --xml "$expected/$domain.xml"
done
golden pools.txt "$vfpool" pools
golden explain-net-numa.txt "$vfpool" explain --xml "$data/domains/net-numa.xml"
"$vfpool" status >"$tmp/status" 2>&1
tap_check "status lists 4 PFs and 268 VFs" \
    test "$(grep -c '^PF ' "$tmp/status")/$(grep -c ' VF ' "$tmp/status")" = 4/268
tap_check "status shows the VF in host use" \
    grep -q 'VF 5 .*host-use: its host network device vfpt3bv5 is up' "$tmp/status"

for command in pools status "explain --xml $data/domains/multi.xml"; do
    # shellcheck disable=SC2086
    tap_check "$command --json is valid JSON" \
        sh -c "'$vfpool' $command --json | json_pp >/dev/null"
done

# --- bad domain XML
fails_with "malformed XML" "not well-formed" 1 \
    "$vfpool" resolve --xml "$data/domains/bad-malformed.xml"
fails_with "unknown pool" "asks for pool 'no-such-pool', which is not defined" 1 \
    "$vfpool" resolve --xml "$data/domains/bad-unknown-pool.xml"
fails_with "duplicate alias" "alias 'ua-vfpool-net0' is used by two" 1 \
    "$vfpool" resolve --xml "$data/domains/bad-dup-alias.xml"
fails_with "bad MAC" "mac '01:00:5e:00:00:01' is not a unicast MAC" 1 \
    "$vfpool" explain --xml "$data/domains/bad-mac.xml"
fails_with "bad VLAN" "vlan '4096' is not a VLAN ID" 1 \
    "$vfpool" resolve --xml "$data/domains/bad-vlan.xml"
fails_with "alias without ua-" "does not follow its schema" 1 \
    "$vfpool" resolve --xml "$data/domains/bad-alias.xml"
fails_with "missing XML file" "$tmp/none.xml" 1 "$vfpool" resolve --xml "$tmp/none.xml"
printf '<domain><name>plain</name></domain>' >"$tmp/plain.xml"
fails_with "domain without requests" "has no vfpool:vf request" 1 \
    "$vfpool" resolve --xml "$tmp/plain.xml"
head -c 4096 /dev/urandom >"$tmp/garbage.xml"
fails_with "binary garbage" "not well-formed" 1 "$vfpool" resolve --xml "$tmp/garbage.xml"
# libxml2 says this one in two lines: vfpool in one.
printf '<domain><name>\377\376\375</name></domain>' >"$tmp/not-utf8.xml"
fails_with "XML that is not UTF-8" "Input is not proper UTF-8, indicate encoding !; Bytes: 0xFF" 1 \
    "$vfpool" resolve --xml "$tmp/not-utf8.xml"

# --- usage
fails_with "no command" "no command given" 2 "$vfpool"
fails_with "unknown command" "unknown command 'frobnicate'" 2 "$vfpool" frobnicate
fails_with "resolve without a domain" "needs DOMAIN" 2 "$vfpool" resolve
fails_with "resolve --json" "--json is only" 2 "$vfpool" resolve --json --xml x
fails_with "stray argument" "unexpected argument" 2 "$vfpool" pools extra

# --- attach and detach: every argument checked before anything changes, in one line (the
# in-process test driver has one running domain, 'test'; nothing it does outlives the command)
fails_with "attach: bad MAC" "domain 'test': mac '01:00:5e:00:00:01' is not a unicast MAC" 2 \
    "$vfpool" attach test --pool net-a --mac 01:00:5e:00:00:01
fails_with "attach: bad VLAN" "domain 'test': vlan '4095' is not a VLAN ID; use a number" 2 \
    "$vfpool" attach test --pool net-a --vlan 4095
fails_with "attach: bad trust" "trust 'yes' must be on or off" 2 \
    "$vfpool" attach test --pool net-a --trust yes
fails_with "attach: bad rate" "max-tx-rate 'fast' must be a rate in Mbit/s" 2 \
    "$vfpool" attach test --pool net-a --max-tx-rate fast
fails_with "attach: bad NUMA node" "numa '-1' is not a NUMA node" 2 \
    "$vfpool" attach test --pool net-a --numa -1
fails_with "attach: alias without ua-" "alias 'net0' is not a libvirt user alias; give ua-" 2 \
    "$vfpool" attach test --pool net-a --alias net0
fails_with "attach: unknown pool" "pool 'no-such-pool' is not defined on this host" 1 \
    "$vfpool" attach test --pool no-such-pool
fails_with "attach: unknown domain" \
    "domain 'no-such-vm' is not defined in libvirt; check 'virsh list --all'" 1 \
    "$vfpool" attach no-such-vm --pool net-a
fails_with "attach without --pool" "'vfpool attach' needs --pool POOL" 2 "$vfpool" attach test
fails_with "attach --current --live" "--current goes alone" 2 \
    "$vfpool" attach test --pool net-a --current --live
fails_with "request settings for another command" "only for attach" 2 \
    "$vfpool" detach test ua-x --vlan 5
fails_with "--config for another command" "only for attach and detach" 2 "$vfpool" pools --config
fails_with "detach without an alias" "'vfpool detach' needs DOMAIN ALIAS" 2 "$vfpool" detach test
fails_with "migrate without a destination" "'vfpool migrate' needs DOMAIN DEST-URI" 2 \
    "$vfpool" migrate test
fails_with "--undefinesource for another command" \
    "--persistent, --undefinesource and --migrateuri are only for migrate" 2 \
    "$vfpool" move ua-a --from a --to b --undefinesource
fails_with "--live for a listing" "--live is only for attach, detach and migrate" 2 \
    "$vfpool" status --live
fails_with "--config for migrate" "--config and --current are only for attach and detach" 2 \
    "$vfpool" migrate test qemu+ssh://b/system --config
fails_with "detach: an alias the running domain has no VF for" \
    "running domain 'test' has no VF from a pool as 'ua-x'; 'vfpool status' lists" 1 \
    "$vfpool" detach test ua-x
fails_with "attach --live: a VF that would have to be created first" \
    "the VF for 'ua-vfpool-0' would be 0000:5e:00.1 of pool 'nvme', which does not exist yet" 1 \
    "$vfpool" attach test --pool nvme --live
nothing_taken() {
    [ -z "$(ls "$tmp/state/claims" 2>/dev/null)" ] && [ ! -e "$tmp/state/operation.json" ]
}
tap_check "the refusals claimed nothing and left no journal" nothing_taken
"$vfpool" attach test --pool net-a --mac 52:54:00:00:00:07 --config >"$tmp/out" 2>&1
want="domain 'test': ua-vfpool-0 -> VF 0000:3c:10.0 (pool net-a, PF 0000:3b:00.0 VF 0)"
tap_check "attach --config resolves the new request in the definition" grep -qxF "$want" "$tmp/out"

# --- pools.d problems
mkdir -p "$tmp/empty/pools.d"
fails_with "empty pools.d" "no pools are defined in $tmp/empty/pools.d" 1 \
    env VFPOOL_CONF_DIR="$tmp/empty" "$vfpool" pools
mkdir -p "$tmp/badconf/pools.d"
printf "<pool name='broken'><pf address='0000:3b:00.0'/><select policy='random'/></pool>" \
    >"$tmp/badconf/pools.d/broken.xml"
fails_with "pool file against its schema" "pools.d/broken.xml does not follow its schema" 1 \
    env VFPOOL_CONF_DIR="$tmp/badconf" "$vfpool" pools

# --- the ledger: a held VF is skipped and shown; a corrupt ledger is refused, untouched
mkdir -p "$tmp/state"
cat >"$tmp/state/ledger.json" <<'JSON'
{"version": 1, "claims": [{"address": "0000:b0:10.0", "pf": "0000:af:00.0", "index": 0,
  "pool": "net-a", "domain": "running-vm", "uuid": "u-1", "alias": "ua-vfpool-net0",
  "step": "prepare", "time": 1700000000, "pid": 1}]}
JSON
"$vfpool" resolve --xml "$data/domains/net-numa.xml" >"$tmp/held.xml" 2>&1
tap_check "a VF held in the ledger is not chosen" \
    grep -q "address='0000:b0:10.2'\|address=\"0000:b0:10.2\"" "$tmp/held.xml"
"$vfpool" status >"$tmp/status" 2>&1
tap_check "status shows the holder" \
    grep -q "0000:b0:10.0 .*held: held by running domain 'running-vm' (ua-vfpool-net0)" \
        "$tmp/status"
echo '{"version": 1, "claims": [' >"$tmp/state/ledger.json"
fails_with "corrupt ledger" "is corrupt" 1 "$vfpool" pools
tap_check "corrupt ledger left as it was" \
    test "$(cat "$tmp/state/ledger.json")" = '{"version": 1, "claims": ['
rm -rf "$tmp/state"

# --- a missing sysfs file: listing fails with the path; resolve works around that VF
cp -a "$tmp/root" "$tmp/broken"
fakesys_rm "$tmp/broken" 0000:b0:10.0 vendor
fails_with "status with a missing sysfs file" "b0:10.0/vendor" 1 \
    env VFPOOL_SYSFS_ROOT="$tmp/broken" "$vfpool" status
VFPOOL_SYSFS_ROOT=$tmp/broken "$vfpool" explain --xml "$data/domains/net-numa.xml" >"$tmp/out" 2>&1
tap_check "explain turns down the unreadable VF and picks the next" \
    grep -q 'ua-vfpool-net0 (pool net-a): 0000:b0:10.2' "$tmp/out"
tap_check "explain says why" grep -q 'turned down 0000:b0:10.0 .*unreadable: .*vendor' "$tmp/out"
rm -f "$tmp/broken/sys/bus/pci/devices/0000:af:00.0/sriov_numvfs"
fails_with "a PF without sriov_numvfs" "sriov_numvfs" 1 \
    env VFPOOL_SYSFS_ROOT="$tmp/broken" "$vfpool" pools

tap_done
