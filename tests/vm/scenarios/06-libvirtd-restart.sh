# shellcheck shell=bash disable=SC2154,SC2034 # variables shared with e2e-lib.sh
# Sourced by tests/vm/e2e.sh after the common setup; helpers in tests/vm/e2e-lib.sh.
# libvirtd restarted under a running pooled domain: the ledger must stay as it is, and when
# the ledger is gone, the hook's reconnect step must claim the VF again, so that the release
# at destroy still restores the VF's settings.
scenario "libvirtd restarted while a pooled domain runs"
restart_libvirtd() {
    local pid
    pid=$(pidof libvirtd) || return 1
    kill "$pid"
    gone() { ! kill -0 "$pid" 2>/dev/null; }
    wait_for 60 gone || return 1
    libvirtd -d || return 1
    wait_for 120 V version >/dev/null 2>&1
}
set_numvfs "$igb_pf" 7
igb_vf_baseline
domain_xml r1 "<vfpool:vf alias='ua-vfpool-net0' pool='net' mac='52:54:00:e2:06:01' trust='on'/>" ""
check "r1 defined and resolved" define_pooled r1 ua-vfpool-net0
check "virsh start r1" V start r1
ar=$(live_source r1 ua-vfpool-net0)
ir=$(vf_index "$igb_pf" "$ar")
ir=${ir:-0}
claims_before=$(claims)
info "r1 holds $ar; ledger: $claims_before"
ts=$(now)
check "libvirtd killed and started again" restart_libvirtd
info "libvirtd restart took $(secs "$ts")s"
check "r1 still runs" running r1
check "the ledger is intact (same claims)" test "$(claims)" = "$claims_before"
check "virsh destroy r1" V destroy r1
check "ledger has no claims" ledger_empty
check "ip link: VF $ir trust back to off" grep -q 'trust off' <<<"$(vf_line "$ir")"
check "virsh start r1 again" V start r1
ar=$(live_source r1 ua-vfpool-net0)
ir=$(vf_index "$igb_pf" "$ar")
ir=${ir:-0}
rm -rf /run/vfpool/claims /run/vfpool/domains
info "ledger deleted while r1 runs on $ar"
ts=$(now)
check "libvirtd killed and started again" restart_libvirtd
info "libvirtd restart took $(secs "$ts")s"
check "r1 still runs" running r1
check "the reconnect step re-claimed VF $ar for r1 (ledger)" claimed_by "$ar" r1
check "hook log: 'domain 'r1': step reconnect: holds VF $ar again'" \
    syslog_has "domain 'r1': step reconnect: holds VF $ar again"
info "ledger: $(claims)"
check "virsh destroy r1" V destroy r1
check "ledger has no claims" ledger_empty
last=$(vf_line "$ir")
info "VF $ir after the release of a claim rebuilt by reconnect: $last"
check "ip link: VF $ir trust back to off (claim rebuilt by reconnect)" \
    grep -q 'trust off' <<<"$last"
forget_domains r1
