#!/bin/sh
# vfpoold's reads of libvirt, against a private libvirtd (bench/private-libvirtd.sh) on the fake
# host1: a domain is read once when vfpoold connects, a domain vfpoold resolves is not read
# again when its own define comes back as an event, and a domain a user defines is read once.
# Its debug line "N domain fetches so far" counts the calls that read a domain.
set -u
srcdir=${abs_top_srcdir:-.}
builddir=${abs_top_builddir:-.}

if [ "$(id -u)" != 0 ] || ! command -v libvirtd >/dev/null || ! command -v unshare >/dev/null ||
    ! command -v qemu-system-x86_64 >/dev/null; then
    echo "1..0 # SKIP needs root, libvirtd, qemu-system-x86_64 and unshare"
    exit 0
fi

. "$srcdir/tests/tap.sh"
. "$srcdir/bench/private-libvirtd.sh"
data=$srcdir/tests/data
NS=http://vfpool.org/xmlns/libvirt/domain/1.0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vfpool-scale-XXXXXX")
daemon_pid=
cleanup() {
    [ -z "$daemon_pid" ] || kill "$daemon_pid" 2>/dev/null
    bench_libvirtd_stop "$tmp/lv"
    rm -rf "$tmp"
}
trap cleanup EXIT

# --- a private libvirtd, QEMU's capabilities shared with test-libvirt.sh
mkdir -p "$builddir/tests/libvirt-cache"
export BENCH_LIBVIRT_CACHE=$builddir/tests/libvirt-cache
LIBVIRT_DEFAULT_URI=$(bench_libvirtd_start "$tmp/lv") || {
    echo "Bail out! libvirtd did not start"
    exit 1
}
export LIBVIRT_DEFAULT_URI

sh "$data/host1.sh" "$tmp/root"
export VFPOOL_SYSFS_ROOT=$tmp/root VFPOOL_CONF_DIR=$data/conf1 VFPOOL_STATE_DIR=$tmp/state
mkdir -p "$tmp/state"

define() { # define NAME SERIAL: an annotated domain, not resolved, through plain virsh
    cat >"$tmp/$1.xml" <<XML
<domain type='qemu'>
  <name>$1</name>
  <uuid>6d8b3a0e-7f36-4a43-9d0a-0000000001$2</uuid>
  <metadata>
    <vfpool:vfpool xmlns:vfpool='$NS'>
      <vfpool:vf alias='ua-vfpool-net0' pool='mlx-range'/>
    </vfpool:vfpool>
  </metadata>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices/>
</domain>
XML
    virsh define "$tmp/$1.xml" >/dev/null
}
reserved_address() {
    virsh metadata "$1" "$NS" 2>/dev/null |
        sed -n "s/.*reservation .*address=.\([0-9a-f:.]*\).*/\1/p"
}
all_reserved() {
    for name in "$@"; do
        [ -n "$(reserved_address "$name")" ] || return 1
    done
}
fetches() { sed -n 's/.*: \([0-9]*\) domain fetches so far/\1/p' "$tmp/vfpoold.log" | tail -n 1; }
settled() { # settled: the fetch count stayed the same for a second
    was=$(fetches)
    sleep 1
    [ -n "$was" ] && [ "$(fetches)" = "$was" ]
}

names=
for i in 10 11 12 13 14 15 16 17; do
    define "sc$i" "$i"
    names="$names sc$i"
done
virsh define /dev/stdin >/dev/null <<XML
<domain type='qemu'><name>plain</name><memory unit='MiB'>64</memory>
<os><type arch='x86_64' machine='q35'>hvm</type></os></domain>
XML

G_MESSAGES_DEBUG=all "$builddir/vfpoold" --connect "$LIBVIRT_DEFAULT_URI" >"$tmp/vfpoold.log" 2>&1 &
daemon_pid=$!
# shellcheck disable=SC2086
tap_check "vfpoold resolves the 8 domains defined before it started" wait_for 30 all_reserved $names
# shellcheck disable=SC2086
tap_check "each got its own VF" \
    test "$(for name in $names; do reserved_address "$name"; done | sort -u | wc -l)" = 8
wait_for 10 settled
# Metadata and XML of each annotated domain, the metadata of the plain one; nothing again
# when vfpoold's own defines come back as events.
tap_check "each domain was read once at connect, and not again after vfpoold defined it" \
    test "$(fetches)" = 17
tap_check "vfpoold's own defines were not taken for users' defines" \
    test "$(grep -c "domain 'sc1[0-7]' defined" "$tmp/vfpoold.log")" = 0

before=$(fetches)
define sc18 18
tap_check "a domain defined later is resolved" wait_for 10 all_reserved sc18
counted() { [ "$(fetches)" != "$before" ]; } # the pass that resolved it logged its count
wait_for 10 counted
wait_for 10 settled
tap_check "and read once: its metadata and XML (got $(($(fetches) - before)))" \
    test "$(($(fetches) - before))" = 2
# shellcheck disable=SC2086
tap_check "its VF is none of the others'" \
    test "$(for name in $names sc18; do reserved_address "$name"; done | sort -u | wc -l)" = 9

kill "$daemon_pid" 2>/dev/null
wait "$daemon_pid" 2>/dev/null
daemon_pid=
if [ "$tap_failed" -gt 0 ]; then
    sed 's/^/# /' "$tmp/vfpoold.log"
fi
tap_done
