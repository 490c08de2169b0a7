#!/bin/bash
# vfpool end to end, inside the emulated SR-IOV hypervisor: the real libvirtd runs the hook
# and vfpoold while an administrator's virsh commands start, stop, save, restore and restart
# domains that take VFs from igb and nvme pools.
#
#   tests/vm/run [--share RESULTS] tests/vm/e2e.sh [--scenario N[,N...]]... BUILD_DIR [RESULTS]
#
# BUILD_DIR holds the built vfpool, vfpool-hook, vfpool-hook-worker and vfpoold. RESULTS
# (optional, writable in the guest): e2e.log, and on failure the state dumps and the libvirt,
# QEMU and hook logs. Runs the common setup (e2e-lib.sh: e2e_setup), then each scenario
# tests/vm/scenarios/NN-*.sh in order, or only those given with --scenario. Prints
# "=== scenario N" headers, PASS:/FAIL:/NOTE: lines and ends with "N passed, N failed";
# exits 1 if anything failed.
set -u

here=$(cd "$(dirname "$0")" && pwd)
usage() {
    echo "usage: $0 [--scenario N[,N...]]... BUILD_DIR [RESULTS_DIR]" >&2
    exit 2
}

# scenario_file N: the file of scenario N (tests/vm/scenarios/NN-*.sh)
scenario_file() {
    local f
    for f in "$here"/scenarios/"$(printf '%02d' "$1")"-*.sh; do
        [ -r "$f" ] && { echo "$f"; return 0; }
    done
    return 1
}

wanted=()
# shellcheck disable=SC2206 # "2,5" and "2 5" are lists
while [ $# -gt 0 ]; do
    case $1 in
        --scenario) [ $# -ge 2 ] || usage; wanted+=(${2//,/ }); shift 2 ;;
        --scenario=*) v=${1#*=}; wanted+=(${v//,/ }); shift ;;
        -h | --help) usage ;;
        --) shift; break ;;
        -*) usage ;;
        *) break ;;
    esac
done
if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi
for n in "${wanted[@]}"; do
    case $n in *[!0-9]*) usage ;; esac
    scenario_file "$((10#$n))" >/dev/null || { echo "e2e: no scenario $n" >&2; exit 2; }
done

. "$here/guest-lib.sh"
. "$here/e2e-lib.sh"

build=$(cd "$1" 2>/dev/null && pwd) || { echo "e2e: no build directory $1" >&2; exit 2; }
results=${2:-}
tee_pid=
if [ -n "$results" ]; then
    mkdir -p "$results" || exit 2
    exec > >(tee "$results/e2e.log") 2>&1
    tee_pid=$!
fi

# is_wanted N: scenario N is to run (all of them when none was named)
is_wanted() {
    local n
    [ "${#wanted[@]}" = 0 ] && return 0
    for n in "${wanted[@]}"; do [ "$((10#$n))" = "$1" ] && return 0; done
    return 1
}

# run_scenario N FILE: the file is sourced here, so its variables and functions stay for
# the rest of the run; it starts with `scenario "TITLE"`.
run_scenario() {
    scenario_num=$1
    # shellcheck disable=SC1090
    . "$2"
    scenario_end
}

e2e_setup
[ "${#wanted[@]}" = 0 ] || info "scenarios to run: ${wanted[*]}"
for f in "$here"/scenarios/[0-9][0-9]-*.sh; do
    n=${f##*/}
    n=$((10#${n%%-*}))
    is_wanted "$n" && run_scenario "$n" "$f"
done
finish
