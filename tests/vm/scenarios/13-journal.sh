# shellcheck shell=bash disable=SC2154,SC2034 # variables shared with e2e-lib.sh
# Sourced by tests/vm/e2e.sh after the common setup; helpers in tests/vm/e2e-lib.sh.
# The hook logs to the journal with structured fields, so that 'journalctl VFPOOL_DOMAIN=NAME'
# tells a domain's VF history. The guest runs a journald only here (elsewhere the hook falls
# back to syslog, which the other scenarios read).
scenario "the journal: a domain's VF history by VFPOOL_DOMAIN, one MESSAGE_ID per event"
journald=/lib/systemd/systemd-journald
if [ ! -x "$journald" ] || ! command -v journalctl >/dev/null; then
    note "no systemd-journald or journalctl on this system: nothing to check"
    return 0
fi
mkdir -p /run/systemd/journal /run/log/journal
"$journald" >"$work/journald.log" 2>&1 &
journald_pid=$!
journal_ready() { [ -S /run/systemd/journal/socket ]; }
check "systemd-journald runs in the guest" wait_for 20 journal_ready
set_numvfs "$igb_pf" 7
domain_xml j1 "<vfpool:vf alias='ua-vfpool-net0' pool='net' trust='on'/>" ""
check "j1 defined and resolved" define_pooled j1 ua-vfpool-net0
aj=$(reserved j1 ua-vfpool-net0)
check "virsh start j1" V start j1
check "virsh destroy j1" V destroy j1
sleep 1
# events DOMAIN: "MESSAGE_ID VFPOOL_STEP VFPOOL_POOL VFPOOL_VF" per event of DOMAIN
events() {
    journalctl -D /run/log/journal --no-pager -o json "VFPOOL_DOMAIN=$1" 2>/dev/null |
        perl -MJSON::PP -ne '$e = decode_json($_);
            print join(" ", map { $e->{$_} // "-" }
                qw(MESSAGE_ID VFPOOL_STEP VFPOOL_POOL VFPOOL_VF)), "\n"'
}
events j1 >"$work/j1-events.txt"
info "journalctl VFPOOL_DOMAIN=j1: $(tr '\n' ';' <"$work/j1-events.txt")"
claimed=12703366ac474093b6e6efaee0c3a0f8
released=7e3642050f0c44f5a7e6eee4196b3dc2
check "the journal has j1 claiming VF $aj at prepare (MESSAGE_ID, pool, VF)" \
    grep -qx "$claimed prepare net $aj" "$work/j1-events.txt"
check "and giving it back at release" grep -qx "$released release net $aj" "$work/j1-events.txt"
kill "$journald_pid" 2>/dev/null
wait "$journald_pid" 2>/dev/null
rm -f /run/systemd/journal/socket
V undefine j1 >/dev/null 2>&1
