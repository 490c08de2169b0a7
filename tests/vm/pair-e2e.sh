#!/bin/bash
# Live migration of pooled domains between two emulated SR-IOV hypervisors: the guest side of
# tests/vm/run-pair, run in both (run-pair puts ROLE, a or b, and PAIR_DIR first):
#
#   tests/vm/run-pair --dir DIR tests/vm/pair-e2e.sh [--scenario N[,N...]]... BUILD_DIR
#
# Each host: its address on the private link, libvirtd listening there (pair-lib.sh), then the
# single-host suite's common setup (e2e-lib.sh: e2e_setup; the same pools on both, the hook,
# vfpoold). B then answers A's requests (pair-lib.sh: on_b) until A is done. A checks that
# each host reaches the other's libvirtd, runs tests/vm/pair-scenarios/NN-*.sh in order (only
# those named with --scenario), and finishes: DIR/a/e2e.log ends with "N passed, N failed"
# (B's setup checks included), B's own log is DIR/b/e2e.log, and after a failure each host's
# logs are in DIR/ROLE/logs. Exits 1 if anything failed.
set -u

here=$(cd "$(dirname "$0")" && pwd)
usage() {
    echo "usage: $0 a|b PAIR_DIR [--scenario N[,N...]]... BUILD_DIR" >&2
    exit 2
}
[ $# -ge 3 ] || usage
case $1 in a | b) ;; *) usage ;; esac
the_role=$1
the_dir=$2
shift 2
. "$here/guest-lib.sh"
. "$here/e2e-lib.sh"
. "$here/pair-lib.sh"
scenario_options "$here/pair-scenarios" "$@"
set -- "${rest[@]}"
[ $# = 1 ] || usage

role=$the_role
pair_dir=$the_dir
if [ "$role" = a ]; then peer=b; else peer=a; fi
my_ip=${pair_ip[$role]}
peer_ip=${pair_ip[$peer]}
build=$(cd "$1" 2>/dev/null && pwd) || { echo "pair-e2e: no build directory $1" >&2; exit 2; }
results=$pair_dir/$role
mkdir -p "$results" "$pair_dir/rpc" || exit 2
exec > >(tee "$results/e2e.log") 2>&1
tee_pid=$!
# The other host learns that this script ended (whatever the way) from this file.
trap 'echo "$?" >"$pair_dir/$role.exit"' EXIT

# Every PASS/FAIL line of the pair's log says it is about migration and which host it is from:
# e2e_setup's checks get a prefix here.
check_prefix=
ok() { echo "PASS: $check_prefix$*"; pass=$((pass + 1)); }
ko() { echo "FAIL: $check_prefix$*"; fail=$((fail + 1)); }

check_prefix="migration host ${role^^}: "
echo "=== migration pair: host ${role^^} ($my_ip on the private link)"
check "private link up ($my_ip)" pair_link_setup
info "the private link is $link_net; libvirtd listens for TCP on $my_ip without auth"
pair_libvirt_conf
e2e_setup
check "the other host ($peer_ip) answers on the private link" wait_for 120 pair_peer_answers

if [ "$role" = b ]; then
    echo "=== B ready"
    sleep 1
    echo "$pass $fail" >"$pair_dir/b.ready"
    pair_serve
    finish
fi

# ---- A: B's setup, both libvirtds over TCP, then the scenarios ----------------------------
b_ready() { [ -e "$pair_dir/b.ready" ] || [ -e "$pair_dir/b.exit" ]; }
wait_for 900 b_ready
check_prefix=
while IFS= read -r l; do
    case $l in
        "=== B ready") break ;;
        PASS:\ *) ok "${l#PASS: }" ;;
        FAIL:\ *) ko "${l#FAIL: }" ;;
    esac
done <"$pair_dir/b/e2e.log"
if [ ! -e "$pair_dir/b.ready" ]; then
    ko "migration host B did not finish its setup (its log: $pair_dir/b/e2e.log)"
    finish
fi
peer_hostname() { # FROM TO: what TO's libvirtd, reached over TCP from FROM, says its name is
    if [ "$1" = a ]; then
        timeout 30 virsh -c "$(uri_of "$2")" hostname 2>&1
    else
        on_b timeout 30 virsh -c "$(uri_of "$2")" hostname
    fi
}
check "migration: A reaches B's libvirtd ($(uri_of b))" \
    eval '[ "$(peer_hostname a b)" = vfpool-b ]'
check "migration: B reaches A's libvirtd ($(uri_of a))" \
    eval '[ "$(peer_hostname b a)" = vfpool-a ]'
host_uuid() { # ROLE: the host UUID of ROLE's libvirtd
    virsh -c "$(uri_of "$1")" capabilities 2>/dev/null |
        xmllint --xpath 'string(/capabilities/host/uuid)' - 2>/dev/null
}
ua=$(host_uuid a)
ub=$(host_uuid b)
check "migration: the two libvirtds have host UUIDs of their own ($ua, $ub)" \
    eval '[ -n "$ua" ] && [ -n "$ub" ] && [ "$ua" != "$ub" ]'

run_scenarios "$here/pair-scenarios" pair-
pair_finish
