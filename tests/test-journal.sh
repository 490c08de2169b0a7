#!/bin/sh
# Structured logs: the hook's events reach the journal with VFPOOL_DOMAIN, VFPOOL_POOL,
# VFPOOL_VF, VFPOOL_STEP and a MESSAGE_ID per kind of event, so that
# 'journalctl VFPOOL_DOMAIN=NAME' tells a domain's VF history. Runs its own systemd-journald
# in a private mount namespace, on the fake host1.
set -u
srcdir=${abs_top_srcdir:-.}
builddir=${abs_top_builddir:-.}
journald=/lib/systemd/systemd-journald

if [ "${1:-}" != --inside ]; then
    if [ "$(id -u)" != 0 ] || [ ! -x "$journald" ] || ! command -v journalctl >/dev/null ||
        ! command -v unshare >/dev/null; then
        echo "1..0 # SKIP needs root, systemd-journald, journalctl and unshare"
        exit 0
    fi
    exec unshare -m sh "$0" --inside
fi

. "$srcdir/tests/tap.sh"
data=$srcdir/tests/data
expected=$data/expected
hook=$builddir/tests/vfpool-hook-test
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vfpool-journal-XXXXXX")
journald_pid=
cleanup() {
    [ -z "$journald_pid" ] || kill "$journald_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

# A private journal: its sockets and files on tmpfs in this mount namespace only (the host's
# /var/log/journal too, so that nothing reaches the host's journal).
mkdir -p /run/systemd/journal /run/log
mount -t tmpfs tmpfs /run/systemd/journal && mount -t tmpfs tmpfs /run/log &&
    { [ ! -d /var/log/journal ] || mount -t tmpfs tmpfs /var/log/journal; } || {
    echo "Bail out! cannot mount a private /run/systemd/journal"
    exit 1
}
mkdir -p /run/log/journal
"$journald" >"$tmp/journald.log" 2>&1 &
journald_pid=$!
i=0
while [ ! -S /run/systemd/journal/socket ] && [ $i -lt 50 ]; do
    sleep 0.1
    i=$((i + 1))
done

sh "$data/host1.sh" "$tmp/root"
export VFPOOL_SYSFS_ROOT=$tmp/root VFPOOL_CONF_DIR=$data/conf1 VFPOOL_STATE_DIR=$tmp/state

sed "s/<name>net-numa</<name>other</; s/000000000001/000000000099/" \
    "$expected/net-numa.xml" >"$tmp/other.xml"
"$hook" net-numa prepare begin - <"$expected/net-numa.xml" >/dev/null 2>&1
"$hook" other prepare begin - <"$tmp/other.xml" >/dev/null 2>&1
"$hook" net-numa release end - <"$expected/net-numa.xml" >/dev/null 2>&1
"$hook" nvme-create prepare begin - <"$expected/nvme-create.xml" >/dev/null 2>&1
"$hook" nvme-create release end - <"$expected/nvme-create.xml" >/dev/null 2>&1
sleep 1

# events DOMAIN: one line per event of DOMAIN: MESSAGE_ID VFPOOL_STEP VFPOOL_POOL VFPOOL_VF
events() {
    journalctl -D /run/log/journal --no-pager -o json "VFPOOL_DOMAIN=$1" 2>/dev/null |
        perl -MJSON::PP -ne '$e = decode_json($_);
            print join(" ", map { $e->{$_} // "-" }
                qw(MESSAGE_ID VFPOOL_STEP VFPOOL_POOL VFPOOL_VF)), "\n"'
}
claimed=12703366ac474093b6e6efaee0c3a0f8
released=7e3642050f0c44f5a7e6eee4196b3dc2
refused=3a82688c26ae4f7e99f31b2f946984ba
created=19559ab4b4b940bbb4219698b77d0280
events net-numa >"$tmp/net-numa"
events other >"$tmp/other"
events nvme-create >"$tmp/nvme"

tap_check "journalctl VFPOOL_DOMAIN=net-numa shows its VF claimed at prepare" \
    grep -qx "$claimed prepare net-a 0000:b0:10.0" "$tmp/net-numa"
tap_check "and given back at release" \
    grep -qx "$released release net-a 0000:b0:10.0" "$tmp/net-numa"
tap_check "the claim comes before the release" \
    sh -c "head -n 1 '$tmp/net-numa' | grep -q '^$claimed '"
tap_check "a refused start is an event of its own, with its step" \
    grep -qx "$refused prepare - -" "$tmp/other"
tap_check "VFs created on demand are logged for the domain that needed them" \
    grep -q "^$created prepare " "$tmp/nvme"
tap_check "the MESSAGE says it in words" \
    sh -c "journalctl -D /run/log/journal --no-pager MESSAGE_ID=$released |
        grep -q \"domain 'net-numa': step release: gave back VF 0000:b0:10.0\""

tap_done
