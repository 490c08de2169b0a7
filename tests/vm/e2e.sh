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

. "$here/guest-lib.sh"
. "$here/e2e-lib.sh"
scenario_options "$here/scenarios" "$@"
set -- "${rest[@]}"
if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi

build=$(cd "$1" 2>/dev/null && pwd) || { echo "e2e: no build directory $1" >&2; exit 2; }
results=${2:-}
tee_pid=
if [ -n "$results" ]; then
    mkdir -p "$results" || exit 2
    exec > >(tee "$results/e2e.log") 2>&1
    tee_pid=$!
fi

e2e_setup
run_scenarios "$here/scenarios" ""
finish
