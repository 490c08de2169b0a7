#!/bin/bash
# Runs tests/vm/netlink-check (vfp_netlink_linux against real igb VFs) in the emulated
# hypervisor. On this machine it builds the checker against the build tree and boots the VM
# on itself; inside the VM it enables 4 igb VFs and checks VF 1. Exits 0 if all passed.
#   sudo tests/vm/netlink-check.sh [BUILD_DIR]    (libvfpool.a from there; default _build/default)
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

if ! mountpoint -q /run/vmctl 2>/dev/null; then
    build=$(realpath -e -- "${1:-$top/_build/default}") || exit 2
    # A directory of our own (the guest sees this machine's /tmp): the build tree may be
    # rebuilt by someone else while the VM boots.
    out=$(mktemp -d "${TMPDIR:-/tmp}/vfpool-netlink-check.XXXXXX") || exit 2
    # shellcheck disable=SC2046 # pkg-config prints several words on purpose
    gcc -g -O0 -Wall -Wextra -Wno-unused-parameter -I"$top/src/libvfpool" -I"$build" \
        "$here/netlink-check.c" "$build/src/libvfpool/.libs/libvfpool.a" \
        $(pkg-config --cflags --libs glib-2.0 libxml-2.0 libnl-route-3.0) \
        -o "$out/netlink-check" || exit 2
    echo "netlink-check: binary and console log in $out" >&2
    exec "$here/run" --log "$out/console.log" --timeout 600 "$0" --guest "$out/netlink-check"
fi

if [ "${1:-}" != --guest ] || [ ! -x "${2:-}" ]; then
    echo "usage (in the VM): $0 --guest BINARY"
    exit 2
fi
bin=$2
. "$here/guest-lib.sh"

modprobe igb || { echo "FAIL: modprobe igb"; exit 1; }
pf=$(vm_find_pci 0x8086 0x10c9 | head -n1)
[ -n "$pf" ] || { echo "FAIL: no igb PF (8086:10c9)"; exit 1; }
has_netdev() { [ -n "$(ls "$pf/net" 2>/dev/null)" ]; }
vm_wait 10 has_netdev
ifname=$(ls "$pf/net" | head -n1)
# igb takes a tx rate only while the PF has link.
ip link set "$ifname" up
has_carrier() { [ "$(cat "/sys/class/net/$ifname/carrier" 2>/dev/null)" = 1 ]; }
vm_wait 15 has_carrier || echo "note: $ifname has no carrier; igb will refuse max_tx_rate"
echo 0 >"$pf/sriov_drivers_autoprobe"
echo 4 >"$pf/sriov_numvfs" || { echo "FAIL: echo 4 > sriov_numvfs"; exit 1; }
# Enabling VFs resets the PF: wait for its link again.
vm_wait 15 has_carrier || echo "note: $ifname has no carrier; igb will refuse max_tx_rate"
echo "PF ${pf##*/} is $ifname, $(cat "$pf/sriov_numvfs") VFs, kernel $(uname -r)"
ip -d link show "$ifname"

"$bin" "$ifname" 1
rc=$?
ip link show "$ifname"
exit "$rc"
