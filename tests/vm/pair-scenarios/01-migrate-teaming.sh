# shellcheck shell=bash disable=SC2154,SC2034 # variables shared with e2e-lib.sh, pair-lib.sh
# Sourced by tests/vm/pair-e2e.sh in host A after the pair's setup; helpers in e2e-lib.sh and
# pair-lib.sh (on_b runs a command in host B). A pooled guest with an OS whose VF is the
# transient half of libvirt's <teaming> (virtio-net failover: QEMU unplugs the VF before the
# migration and plugs a VF again on the other side once the guest is there) migrates live
# from A to B and back with virsh migrate --live --persistent --undefinesource. On each side
# running domains hold the VFs the guest's XML names (the other side's VF, and on A the VF of
# its first definition), so no address can carry over: the destination's migrate hook step
# must pick another free VF of its pool, its prepare claim it, the source's release free the
# source's claim, and the destination's persistent definition carry the destination's
# reservation.
scenario "live migration A -> B -> A of a pooled domain whose VF is teamed (virtio-net failover)"
if ! guest_kernel_found; then
    ko "migration: no nested guest kernel for this checkout (tests/vm/setup builds it)"
    return 0
fi

# ---- B: pm-fill (no OS) holds the first free VF of pool net
vfill=$(on_b pm_fill_up)
check "migration target B: domain pm-fill runs on VF $vfill of pool net" \
    eval '[ -n "$vfill" ] && on_b running pm-fill'

# ---- A: the teamed guest
forget_domains pm-vp
set_numvfs "$igb_pf" 7
igb_vf_baseline
pm_vp_xml
info "pm-vp's <interface type='hostdev'> with <teaming type='transient'> has no <source>:"
info "resolved with 'vfpool resolve --xml', then 'virsh define' (as scenario 5)"
check "migration source A: pm-vp (teamed VF of pool net) resolved and defined" define_cli pm-vp
va=$(reserved pm-vp ua-vfpool-net0)
ts=$(now)
check "migration source A: virsh start pm-vp (VF $va)" V start pm-vp
wait_for 400 guest_ready pm-vp
info "pm-vp's OS booted in $(secs "$ts")s (TCG inside TCG)"
check "migration source A: pm-vp's guest negotiated failover, QEMU plugged VF $va into it" \
    wait_for 120 guest_sees_vf pm-vp
check "migration source A: the guest has a failover master over virtio-net, the VF a driver" \
    wait_for 30 guest_vf_netdev pm-vp
guest_lines pm-vp
info "the VF's MAC in the guest: $(guest_vf_mac pm-vp) (the domain's: $pm_mac)"
check "migration source A: QEMU runs VF $va with vfio-pci, ledger: held by pm-vp" \
    eval 'has_vfio pm-vp "$va" && claims_are "$va pm-vp"'

# ---- A -> B
info "virsh migrate --live --persistent --undefinesource pm-vp $(uri_of b)" \
    "--migrateuri tcp://${pair_ip[b]}"
migrate a b pm-vp
rc=$?
sed 's/^/  | /' "$work/migrate.out"
check "virsh migrate pm-vp A -> B succeeds (${MIG_MS} ms)" test "$rc" = 0
mig_ab_ms=$MIG_MS
# libvirt defines on B the persistent definition A's migration cookie carries, with A's VF:
# B's vfpoold makes it reserve the VF pm-vp runs with on B.
on_b wait_for 20 follows_live pm-vp ua-vfpool-net0
sb=$(on_b teamed_state pm-vp)
vb=$(field live "$sb")
info "on B: $(tr '\n' ' ' <<<"$sb")"
check "migrate A -> B: pm-vp runs on B, no longer defined on A" \
    eval 'on_b running pm-vp && ! V dominfo pm-vp >/dev/null 2>&1'
check "migrate A -> B: B's migrate hook step chose a free VF of B's pool ($vb, not $vfill)" \
    eval '[ -n "$vb" ] && [ "$vb" != "$vfill" ]'
check "migrate A -> B: B's hook log says pm-vp now uses VF $vb" \
    on_b syslog_has "domain 'pm-vp': vf 'ua-vfpool-net0' now uses VF $vb"
check "migrate A -> B: B's QEMU runs VF $vb with vfio-pci" on_b has_vfio pm-vp "$vb"
check "migrate A -> B: B's ledger: $vb held by pm-vp, $vfill by pm-fill" \
    test "$(field claims "$sb")" = "$(printf '%s\n' "$vb pm-vp" "$vfill pm-fill" | sort |
        paste -sd,)"
check "migrate A -> B: B's vfpool status shows $vb held by pm-vp" \
    eval 'grep -q "pm-vp" <<<"$(field status "$sb")"'
check "migrate A -> B: B's live reservation is $vb" test "$(field live_res "$sb")" = "$vb"
check "migrate A -> B: B's persistent definition reserves B's VF $vb (vfpool metadata)" \
    test "$(field def_res "$sb")" = "$vb"
check "migrate A -> B: B's persistent definition's <source> is B's VF $vb" \
    test "$(field def_src "$sb")" = "$vb"
check "migrate A -> B: B's vfpoold log says pm-vp's definition now reserves VF $vb" \
    on_b grep -qF "domain 'pm-vp': its definition now reserves the VFs it runs with: vf \
'ua-vfpool-net0' VF $vb" /var/log/vfpoold.log
check "migrate A -> B: A's release step freed A's claim (ledger empty on A)" ledger_empty
check "migrate A -> B: A's hook log: step release gave back VF $va" \
    syslog_has "domain 'pm-vp': step release: gave back VF $va"
sa=$("$vfpool" status 2>/dev/null | grep -F "$va" | tr -s ' ' | head -n1)
info "A's vfpool status for $va: $sa"
check "migrate A -> B: A's vfpool status no longer shows pm-vp on $va" \
    eval '[ -n "$sa" ] && ! grep -q pm-vp <<<"$sa"'
check "migrate A -> B: the guest saw its VF unplugged on A before it left" guest_lacks_vf pm-vp
check "migrate A -> B: the guest sees a VF again on B (failover plugged B's $vb)" \
    on_b wait_for 120 guest_sees_vf pm-vp
check "migrate A -> B: on B the guest's VF has its driver again (igbvf), beside the standby" \
    on_b wait_for 30 guest_vf_netdev pm-vp
on_b guest_lines pm-vp
info "the VF's MAC in the guest on B: $(on_b guest_vf_mac pm-vp) (the domain's: $pm_mac)"
check "migrate A -> B: B's ip link shows VF $vb with pm-vp's MAC $pm_mac" \
    eval 'on_b vf_link_line "$vb" | grep -q "$pm_mac"'

# ---- B -> A, while on A pm-fill-a holds VF $vb, the one pm-vp uses on B, and VF $va, the
# one its persistent definition (from A) still names
domain_xml pm-fill-a "<vfpool:vf alias='ua-vfpool-net0' pool='net'/>
      <vfpool:vf alias='ua-vfpool-net1' pool='net'/>" \
    "$(hostdev_interface 52:54:00:e2:51:02 "$vb" ua-vfpool-net0)
    $(hostdev_interface 52:54:00:e2:51:03 "$va" ua-vfpool-net1)"
check "migration target A: pm-fill-a (no OS) reserves VFs $vb and $va by hand and runs" \
    eval 'define_cli pm-fill-a && V start pm-fill-a >/dev/null &&
        [ "$(live_source pm-fill-a ua-vfpool-net0)" = "$vb" ] &&
        [ "$(live_source pm-fill-a ua-vfpool-net1)" = "$va" ]'
migrate b a pm-vp
rc=$?
sed 's/^/  | /' "$work/migrate.out"
check "virsh migrate pm-vp B -> A succeeds (${MIG_MS} ms)" test "$rc" = 0
mig_ba_ms=$MIG_MS
wait_for 20 follows_live pm-vp ua-vfpool-net0
sa=$(teamed_state pm-vp)
va2=$(field live "$sa")
info "on A: $(tr '\n' ' ' <<<"$sa")"
check "migrate B -> A: pm-vp runs on A, no longer defined on B" \
    eval 'running pm-vp && ! on_b V dominfo pm-vp >/dev/null 2>&1'
check "migrate B -> A: A's migrate hook step chose a free VF of A's pool ($va2, not $vb, $va)" \
    eval '[ -n "$va2" ] && [ "$va2" != "$vb" ] && [ "$va2" != "$va" ]'
check "migrate B -> A: A's hook log says pm-vp now uses VF $va2" \
    syslog_has "domain 'pm-vp': vf 'ua-vfpool-net0' now uses VF $va2"
check "migrate B -> A: A's QEMU runs VF $va2 with vfio-pci" has_vfio pm-vp "$va2"
check "migrate B -> A: A's ledger: $va2 held by pm-vp, $vb and $va by pm-fill-a" \
    claims_are "$va2 pm-vp" "$vb pm-fill-a" "$va pm-fill-a"
check "migrate B -> A: A's vfpool status shows $va2 held by pm-vp" \
    eval 'grep -q "pm-vp" <<<"$(field status "$sa")"'
check "migrate B -> A: A's persistent definition reserves A's VF $va2 (vfpool metadata)" \
    test "$(field def_res "$sa")" = "$va2"
check "migrate B -> A: A's persistent definition's <source> is A's VF $va2" \
    test "$(field def_src "$sa")" = "$va2"
check "migrate B -> A: B's release step freed B's claim (B's ledger: only pm-fill on $vfill)" \
    eval '[ "$(on_b claims | awk "{ print \$1, \$2 }")" = "$vfill pm-fill" ]'
check "migrate B -> A: B's hook log: step release gave back VF $vb" \
    on_b syslog_has "domain 'pm-vp': step release: gave back VF $vb"
check "migrate B -> A: the guest saw its VF unplugged on B before it left" \
    on_b guest_lacks_vf pm-vp
check "migrate B -> A: the guest sees a VF again on A (failover plugged A's $va2)" \
    wait_for 120 guest_sees_vf pm-vp
check "migrate B -> A: on A the guest's VF has its driver again (igbvf), beside the standby" \
    wait_for 30 guest_vf_netdev pm-vp
guest_lines pm-vp
info "migration times (virsh migrate): A -> B ${mig_ab_ms} ms, B -> A ${mig_ba_ms} ms"
forget_domains pm-fill-a
# pm-vp stays on A and pm-fill on B for the next scenarios (which start them when missing).
