#!/bin/sh
# vfpool metrics on the fake host1: the Prometheus exposition agrees with 'vfpool pools' for
# pools with held, free, host-used, blocked and creatable VFs (a VF really claimed by the hook);
# label values escaped; --textfile replaces its file atomically; promtool accepts the output
# and the example alert rules (packaging/prometheus/vfpool-alerts.yml), when it is installed.
set -u
srcdir=${abs_top_srcdir:-.}
builddir=${abs_top_builddir:-.}
. "$srcdir/tests/tap.sh"

data=$srcdir/tests/data
vfpool=$builddir/vfpool
hook=$builddir/tests/vfpool-hook-test
rules=$srcdir/packaging/prometheus/vfpool-alerts.yml
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vfpool-metrics-XXXXXX")
trap 'rm -rf "$tmp"' EXIT

sh "$data/host1.sh" "$tmp/root"
export VFPOOL_SYSFS_ROOT=$tmp/root
export VFPOOL_CONF_DIR=$data/conf1
export VFPOOL_STATE_DIR=$tmp/state
# libvirt's in-process test driver: no daemon, and no domain reserving anything.
export LIBVIRT_DEFAULT_URI=test:///default

# value METRIC LABELS: the sample's value in $tmp/metrics ("none" when it is missing).
value() {
    v=$(grep -F "$1{$2} " "$tmp/metrics" | sed 's/.* //')
    echo "${v:-none}"
}
# expect_value DESCRIPTION METRIC LABELS WANT
expect_value() {
    got=$(value "$2" "$3")
    if [ "$got" = "$4" ]; then
        tap_ok "$1"
    else
        tap_not_ok "$1" "$2{$3} is $got, want $4"
    fi
}
# metrics: runs vfpool metrics into $tmp/metrics; fails the test run's step when it fails.
metrics() {
    if "$vfpool" metrics >"$tmp/metrics" 2>"$tmp/err"; then
        tap_ok "vfpool metrics $1 exits 0"
    else
        tap_not_ok "vfpool metrics $1 exits 0" "$(cat "$tmp/err")"
    fi
}
# agrees_with_pools: every pool's states add up to TOTAL of 'vfpool pools', free + creatable is
# its FREE, and held, reserved and existing are its HELD, RESERVED and EXISTING.
agrees_with_pools() {
    "$vfpool" pools >"$tmp/pools" 2>&1 || return 1
    pools=0
    while read -r name _ _ _ total existing free held reserved _; do
        [ "$name" != POOL ] || continue
        sum=0
        for state in free creatable held reserved host_use blocked; do
            v=$(value vfpool_pool_vfs "pool=\"$name\",state=\"$state\"")
            [ "$v" != none ] || { echo "pool $name: no $state sample"; return 1; }
            sum=$((sum + v))
        done
        f=$(value vfpool_pool_vfs "pool=\"$name\",state=\"free\"")
        c=$(value vfpool_pool_vfs "pool=\"$name\",state=\"creatable\"")
        got="$sum $(value vfpool_pool_existing_vfs "pool=\"$name\"") $((f + c))"
        got="$got $(value vfpool_pool_vfs "pool=\"$name\",state=\"held\"")"
        got="$got $(value vfpool_pool_vfs "pool=\"$name\",state=\"reserved\"")"
        want="$total $existing $free $held $reserved"
        [ "$got" = "$want" ] || { echo "pool $name: metrics say $got, pools says $want"; return 1; }
        pools=$((pools + 1))
    done <"$tmp/pools"
    [ "$pools" = 4 ] || { echo "$pools pools compared, want 4"; return 1; }
}
# described: each metric that has samples (all six but vfpool_domain_vfs at least) has one HELP
# and one TYPE gauge line, before them.
described() {
    metrics=$(grep -v '^#' "$tmp/metrics" | sed 's/[{ ].*//' | sort -u)
    [ "$(echo "$metrics" | grep -c .)" -ge 5 ] || { echo "metrics: $metrics"; return 1; }
    for metric in $metrics; do
        [ "$(grep -c "^# HELP $metric " "$tmp/metrics")" = 1 ] &&
            [ "$(grep -c "^# TYPE $metric gauge\$" "$tmp/metrics")" = 1 ] &&
            [ "$(grep -n "^# TYPE $metric " "$tmp/metrics" | cut -d: -f1)" -lt \
                "$(grep -n "^$metric[{ ]" "$tmp/metrics" | head -n 1 | cut -d: -f1)" ] ||
            { echo "$metric: HELP or TYPE missing, doubled or late"; return 1; }
    done
}
# promtool_check DESCRIPTION ARGS...: promtool ARGS must succeed ('-' for ARGS: check metrics
# on $tmp/metrics, which must not be empty); skipped without promtool.
promtool_check() {
    desc=$1
    shift
    if command -v promtool >/dev/null 2>&1 && [ "$1" = - ]; then
        tap_check "$desc" sh -c "test -s '$tmp/metrics' && promtool check metrics <'$tmp/metrics'"
    elif command -v promtool >/dev/null 2>&1; then
        tap_check "$desc" promtool "$@"
    else
        tap_ok "$desc # SKIP promtool is not installed (Debian package prometheus)"
    fi
}

# --- nothing held: host use, an IOMMU group shared outside the pool, VFs to create
metrics "on an idle host"
expect_value "net-a: 10 free VFs" vfpool_pool_vfs 'pool="net-a",state="free"' 10
expect_value "net-a: VF 5 of 3b:00.0 is up on the host" \
    vfpool_pool_vfs 'pool="net-a",state="host_use"' 1
expect_value "net-a: VF 6 of 3b:00.0 is blocked by its IOMMU group" \
    vfpool_pool_vfs 'pool="net-a",state="blocked"' 1
expect_value "nvme: 4 VFs creatable on a PF with none" \
    vfpool_pool_vfs 'pool="nvme",state="creatable"' 4
expect_value "nvme: none exists" vfpool_pool_existing_vfs 'pool="nvme"' 0
expect_value "sriov_numvfs of the nvme PF" vfpool_pf_sriov_numvfs 'pf="0000:5e:00.0"' 0
expect_value "sriov_totalvfs of the nvme PF" vfpool_pf_sriov_totalvfs 'pf="0000:5e:00.0"' 4
expect_value "3b:00.0 has one VF in host use" vfpool_pf_vfs 'pf="0000:3b:00.0",state="host_use"' 1
expect_value "3b:00.0 has one VF sharing its IOMMU group" \
    vfpool_pf_vfs 'pf="0000:3b:00.0",state="iommu_group"' 1
tap_check "no domain holds a VF" sh -c "! grep -q '^vfpool_domain_vfs' '$tmp/metrics'"
tap_check "the numbers agree with vfpool pools" agrees_with_pools
tap_check "every metric has HELP and TYPE" described
promtool_check "promtool check metrics accepts the output" -

# --- the hook really claims a VF of net-a for the running domain net-numa
"$hook" net-numa prepare begin - <"$data/expected/net-numa.xml" >"$tmp/out" 2>&1
tap_check "the hook claims a VF for net-numa" \
    sh -c ". '$srcdir/tests/ledger.sh'; ledger_text '$tmp/state' | grep -qx domain=net-numa"
metrics "with a VF held"
expect_value "net-a: 1 VF held" vfpool_pool_vfs 'pool="net-a",state="held"' 1
expect_value "net-a: 9 VFs free" vfpool_pool_vfs 'pool="net-a",state="free"' 9
expect_value "net-a: still 1 VF in host use" vfpool_pool_vfs 'pool="net-a",state="host_use"' 1
expect_value "the held VF counts in net-spread too" \
    vfpool_pool_vfs 'pool="net-spread",state="held"' 1
expect_value "af:00.0 has one VF held" vfpool_pf_vfs 'pf="0000:af:00.0",state="held"' 1
expect_value "net-numa holds one VF of net-a" vfpool_domain_vfs 'domain="net-numa",pool="net-a"' 1
tap_check "the numbers still agree with vfpool pools" agrees_with_pools
tap_check "every metric still has HELP and TYPE" described
promtool_check "promtool check metrics accepts it" -
cp "$tmp/metrics" "$tmp/held.prom"

# --- --textfile: the same text, replaced by rename (a reader of the old file keeps all of it)
mkdir -p "$tmp/textfile"
"$vfpool" metrics --textfile "$tmp/textfile/vfpool.prom" >"$tmp/out" 2>"$tmp/err"
rc=$?
tap_check "--textfile exits 0 and prints nothing" \
    sh -c "[ $rc = 0 ] && [ ! -s '$tmp/out' ] && [ ! -s '$tmp/err' ]"
tap_check "--textfile writes what vfpool metrics prints" \
    cmp "$tmp/held.prom" "$tmp/textfile/vfpool.prom"
tap_check "the file is readable by node_exporter (mode 0644)" \
    test "$(stat -c %a "$tmp/textfile/vfpool.prom")" = 644
ln "$tmp/textfile/vfpool.prom" "$tmp/old.prom"
inode=$(stat -c %i "$tmp/textfile/vfpool.prom")
"$hook" net-numa release end - <"$data/expected/net-numa.xml" >"$tmp/out" 2>&1
"$vfpool" metrics --textfile "$tmp/textfile/vfpool.prom" >"$tmp/out" 2>&1
tap_check "a new write replaces the file rather than rewriting it in place" \
    sh -c "[ \$(stat -c %i '$tmp/textfile/vfpool.prom') != $inode ] &&
        cmp -s '$tmp/old.prom' '$tmp/held.prom'"
cp "$tmp/textfile/vfpool.prom" "$tmp/metrics"
expect_value "the new file shows the VF released" vfpool_pool_vfs 'pool="net-a",state="held"' 0
tap_check "no temporary file is left in the directory" \
    test "$(ls "$tmp/textfile")" = vfpool.prom
if command -v strace >/dev/null 2>&1 && strace -o /dev/null true 2>/dev/null; then
    strace -f -o "$tmp/trace" -e trace=fsync,fdatasync,rename,renameat,renameat2 \
        "$vfpool" metrics --textfile "$tmp/textfile/vfpool.prom" >/dev/null 2>&1
    tap_check "the temporary file is synced before the rename" \
        sh -c "grep -E '(fsync|fdatasync|rename)' '$tmp/trace' | sed 's/^[0-9]* *//' |
            grep -A1 -E '^f(data)?sync' | grep -q 'rename.*vfpool.prom\"'"
else
    tap_ok "the temporary file is synced before the rename # SKIP strace cannot run here"
fi
"$vfpool" metrics --textfile "$tmp/none/vfpool.prom" >"$tmp/out" 2>"$tmp/err"
rc=$?
tap_check "a missing directory is one error line naming the file" \
    sh -c "[ $rc = 1 ] && [ ! -s '$tmp/out' ] && [ \$(wc -l <'$tmp/err') = 1 ] &&
        grep -q '^vfpool: cannot write the metrics file $tmp/none/vfpool.prom: ' '$tmp/err'"
"$vfpool" pools --textfile "$tmp/x.prom" >"$tmp/out" 2>"$tmp/err"
rc=$?
tap_check "--textfile is only for metrics" \
    sh -c "[ $rc = 2 ] && grep -q '^vfpool: --textfile is only for metrics' '$tmp/err'"

# --- label values escaped: a domain name with a double quote and a backslash (in the ledger of
# an older vfpool, which the command converts)
rm -rf "$tmp/state/claims" "$tmp/state/domains"
cat >"$tmp/state/ledger.json" <<'JSON'
{"version": 1, "claims": [{"address": "0000:b0:10.0", "pf": "0000:af:00.0", "index": 0,
  "pool": "net-a", "domain": "we\"ird\\vm", "uuid": "u-1", "alias": "ua-vfpool-net0",
  "step": "prepare", "time": 1700000000, "pid": 1}]}
JSON
metrics "with an odd domain name"
tap_check "the domain label is escaped" \
    grep -qxF 'vfpool_domain_vfs{domain="we\"ird\\vm",pool="net-a"} 1' "$tmp/metrics"
promtool_check "promtool check metrics accepts the escaped label" -

# --- the example alert rules: valid, and they fire for a low and an empty pool only
promtool_check "promtool check rules accepts $(basename "$rules")" check rules "$rules"
cat >"$tmp/rules-test.yml" <<YAML
rule_files:
  - $rules
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'vfpool_pool_vfs{instance="h1",pool="low",state="free"}'
        values: '1x40'
      - series: 'vfpool_pool_vfs{instance="h1",pool="low",state="held"}'
        values: '11x40'
      - series: 'vfpool_pool_vfs{instance="h1",pool="empty",state="creatable"}'
        values: '0x40'
      - series: 'vfpool_pool_vfs{instance="h1",pool="empty",state="reserved"}'
        values: '4x40'
      - series: 'vfpool_pool_vfs{instance="h1",pool="fine",state="creatable"}'
        values: '6x40'
      - series: 'vfpool_pool_vfs{instance="h1",pool="fine",state="held"}'
        values: '6x40'
      - series: 'vfpool_pool_vfs{instance="h1",pool="nopf",state="free"}'
        values: '0x40'
    alert_rule_test:
      - eval_time: 4m
        alertname: VfpoolPoolExhausted
        exp_alerts: []
      - eval_time: 10m
        alertname: VfpoolPoolExhausted
        exp_alerts:
          - exp_labels: {severity: critical, instance: h1, pool: empty}
            exp_annotations:
              summary: "vfpool pool empty on h1 has no free VF"
              description: "No VF of pool empty can go to a new domain: domains defined or
                started now wait for one. Stop or release a domain that holds one ('vfpool
                release'), or add VFs to the pool."
      - eval_time: 10m
        alertname: VfpoolPoolLow
        exp_alerts: []
      - eval_time: 20m
        alertname: VfpoolPoolLow
        exp_alerts:
          - exp_labels: {severity: warning, instance: h1, pool: low}
            exp_annotations:
              summary: "vfpool pool low on h1 is running out of VFs"
              description: "Only 1 VFs of pool low can go to a new domain: less than 10% of
                the pool. 'vfpool pools' and 'vfpool status' show where the others are."
YAML
promtool_check "the alert rules fire for a pool below 10% and an empty one, and only then" \
    test rules "$tmp/rules-test.yml"

tap_done
