# shellcheck shell=bash disable=SC2154,SC2034 # variables shared with e2e-lib.sh
# Sourced by tests/vm/e2e.sh after the common setup; helpers in tests/vm/e2e-lib.sh.
# VFs unplugged and plugged under running guests: vfpool move, reassign and resize --pause,
# their refusals, a failure in the middle and a crash in the middle. A hot-unplug needs a
# guest OS that acknowledges it: these guests boot a small kernel (tests/vm/build-guest-kernel)
# whose /init prints the PCI devices it sees on its serial console each time they change, so
# the console also shows what the guest saw.
scenario "VFs moved and re-plugged under running guests (vfpool move, reassign, resize --pause)"
if ! guest_kernel_found; then
    ko "no guest kernel in $guest_kernel (tests/vm/setup builds it with" \
        "tests/vm/build-guest-kernel)"
    return 0
fi
guest_address() { # NAME ALIAS: the guest-side bus:slot of the device, from the live XML
    local a="//devices/*[alias/@name='$2']/address"
    V dumpxml "$1" | xmllint --xpath "concat($a/@bus, ':', $a/@slot)" - 2>/dev/null
}
paused_for() { grep -oE "domain '$1' was paused for [0-9.]+ s" "$2" | head -n1; }
vf_has() { # INDEX PATTERN...: the VF's ip link line matches every pattern
    local line p
    line=$(vf_line "$1")
    shift
    for p; do grep -q -- "$p" <<<"$line" || return 1; done
}
runs_with() { # DOMAIN VF [GUEST_ADDRESS]: runs, with VF as ua-vfpool-net0 (at that address)
    running "$1" && [ "$(live_source "$1" ua-vfpool-net0)" = "$2" ] &&
        { [ -z "${3:-}" ] || [ "$(guest_address "$1" ua-vfpool-net0)" = "$3" ]; }
}
one_line() { # FILE PATTERN: FILE has one line, which matches PATTERN
    [ "$(grep -c . "$1")" = 1 ] && grep -q -- "$2" "$1"
}
both_booted() { guest_ready hp-a && guest_ready hp-b; }

set_numvfs "$igb_pf" 4
igb_vf_baseline
req="<vfpool:vf alias='ua-vfpool-net0' pool='net' mac='52:54:00:e2:0a:01' vlan='10' trust='on'/>"
os_domain_xml hp-a "<metadata><vfpool:vfpool xmlns:vfpool='$ns'>$req</vfpool:vfpool></metadata>" 2
os_domain_xml hp-b "" 3
check "hp-a (pooled) defined and resolved" define_pooled hp-a ua-vfpool-net0
check "hp-b (no vfpool metadata) defined" eval "V define '$work/hp-b.xml' >/dev/null"
ts=$(now)
check "virsh start hp-a hp-b" eval "V start hp-a >/dev/null && V start hp-b >/dev/null"
check "both guests booted their OS" wait_for 400 both_booted
info "the guests booted in $(secs "$ts")s"
va=$(live_source hp-a ua-vfpool-net0)
check "hp-a's guest sees its VF $va ($igb_vf_id)" wait_for 30 guest_sees_vf hp-a
check "hp-b's guest has no VF" guest_lacks_vf hp-b

# ---- vfpool move: the VF and its request go from hp-a to hp-b
info "vfpool move ua-vfpool-net0 --from hp-a --to hp-b"
"$vfpool" move ua-vfpool-net0 --from hp-a --to hp-b >"$work/move.out" 2>&1
rc=$?
sed 's/^/  | /' "$work/move.out"
check "vfpool move succeeds" test "$rc" = 0
check "move: live XML of hp-b has the device on VF $va" \
    test "$(live_source hp-b ua-vfpool-net0)" = "$va"
check "move: hp-a has no such device any more" test -z "$(live_source hp-a ua-vfpool-net0)"
check "move: ledger says VF $va is held by hp-b" claims_are "$va hp-b"
check "move: hp-b's guest sees the VF" wait_for 30 guest_sees_vf hp-b
check "move: hp-a's guest saw it go" guest_lacks_vf hp-a
ia=$(vf_index "$igb_pf" "$va")
check "move: ip link shows VF $ia with the request's MAC and VLAN (the request moved along)" \
    vf_has "$ia" 52:54:00:e2:0a:01 'vlan 10'
check "move: hp-b's definition now has the request and its reservation" \
    test "$(reserved hp-b ua-vfpool-net0)" = "$va"
check "move: hp-a's definition no longer has it" \
    eval "! V dumpxml --inactive hp-a | grep -q ua-vfpool-net0"
w=$(paused_for hp-b "$work/move.out")
check "move: prints hp-b's pause window ($w)" test -n "$w"
check "move: both guests run" all_running hp-a hp-b
pause_move=$w

# ---- vfpool reassign: another VF at the same guest address
ga=$(guest_address hp-b ua-vfpool-net0)
info "vfpool reassign hp-b ua-vfpool-net0 (guest address bus:slot $ga)"
"$vfpool" reassign hp-b ua-vfpool-net0 >"$work/reassign.out" 2>&1
rc=$?
sed 's/^/  | /' "$work/reassign.out"
vb=$(live_source hp-b ua-vfpool-net0)
check "vfpool reassign succeeds" test "$rc" = 0
check "reassign: hp-b now has another VF ($vb, was $va)" eval "[ -n '$vb' ] && [ '$vb' != '$va' ]"
check "reassign: same guest PCI address ($ga)" test "$(guest_address hp-b ua-vfpool-net0)" = "$ga"
check "reassign: ledger says VF $vb is held by hp-b, $va is free" claims_are "$vb hp-b"
check "reassign: VF $ia is back to trust off" vf_has "$ia" 'trust off'
check "reassign: the guest sees a VF again" wait_for 30 guest_sees_vf hp-b
w=$(paused_for hp-b "$work/reassign.out")
check "reassign: prints the pause window ($w)" test -n "$w"
pause_reassign=$w

# A guest the administrator paused cannot acknowledge an unplug: refused before anything.
V suspend hp-b >/dev/null
ts=$(now)
"$vfpool" reassign hp-b ua-vfpool-net0 >"$work/reassign-paused.out" 2>&1
rc=$?
info "hp-b paused: $(head -n1 "$work/reassign-paused.out") (after $(secs "$ts")s)"
check "reassign of a paused guest is refused in one line that says so" \
    eval "[ $rc = 1 ] &&
        one_line '$work/reassign-paused.out' \"^vfpool: domain 'hp-b' is paused\""
check "the refusal changed nothing: hp-b stays paused with VF $vb, no journal" \
    eval "[ \"\$(state_of hp-b)\" = paused ] &&
        [ \"\$(live_source hp-b ua-vfpool-net0)\" = '$vb' ] &&
        claims_are '$vb hp-b' && [ ! -e '$journal' ]"
V resume hp-b >/dev/null

# ---- vfpool resize: refused while a VF is in use, done with --pause
ib=$(vf_index "$igb_pf" "$vb")
n=$(cat "$igb_pf/sriov_numvfs")
m=$((ib >= 2 ? ib + 1 : 3))
[ "$m" = "$n" ] && m=$((n + 1))
"$vfpool" resize "$igb_net" "$m" >"$work/resize0.out" 2>&1
rc=$?
info "without --pause: $(head -n1 "$work/resize0.out")"
check "resize without --pause is refused while hp-b holds VF $vb" \
    eval "[ $rc != 0 ] && grep -q 'vfpool: .*--pause' '$work/resize0.out'"
check "the refused resize changed nothing" test "$(cat "$igb_pf/sriov_numvfs")" = "$n"
info "vfpool resize $igb_net $m --pause (had $n VFs)"
"$vfpool" resize "$igb_net" "$m" --pause >"$work/resize.out" 2>&1
rc=$?
sed 's/^/  | /' "$work/resize.out"
check "vfpool resize --pause succeeds" test "$rc" = 0
check "resize: the PF has $m VFs" test "$(cat "$igb_pf/sriov_numvfs")" = "$m"
check "resize: hp-b runs with VF $vb back at guest address $ga" runs_with hp-b "$vb" "$ga"
check "resize: ledger says VF $vb is held by hp-b" claims_are "$vb hp-b"
check "resize: L2 settings re-applied on the new VF (MAC, VLAN 10, trust on)" \
    vf_has "$ib" 52:54:00:e2:0a:01 'vlan 10' 'trust on'
check "resize: the guest sees its VF again" wait_for 30 guest_sees_vf hp-b
w=$(paused_for hp-b "$work/resize.out")
check "resize: prints the pause window ($w)" test -n "$w"
pause_resize=$w

# A QEMU offering VFIO pause/resume commands (named in vfpool.conf) is used in place of
# unplug and plug. Stock QEMU has none: name two it lists but which refuse a device id, so
# that vfpool takes that path and fails in its middle, with the guest paused.
printf '[hotplug]\nvfio-pause-command=query-status\nvfio-resume-command=query-version\n' \
    >/etc/vfpool/vfpool.conf
n=$(cat "$igb_pf/sriov_numvfs")
"$vfpool" resize "$igb_net" "$n" --pause >"$work/resize-vfio.out" 2>&1
rc=$?
sed 's/^/  | /' "$work/resize-vfio.out"
vfio_refused() {
    [ "$rc" != 0 ] &&
        grep -q "^vfpool: .*QEMU refused query-status for device 'ua-vfpool-net0'" \
            "$work/resize-vfio.out"
}
what="resize takes the VFIO pause path when the QEMU lists the commands"
check "$what, and reports QEMU's refusal" vfio_refused
check "after that failure: hp-b runs (resumed), with VF $vb, held in the ledger" \
    eval "runs_with hp-b '$vb' && claims_are '$vb hp-b'"
check "after that failure: the PF still has $n VFs and no journal is left" \
    eval "[ \"\$(cat '$igb_pf/sriov_numvfs')\" = '$n' ] && [ ! -e '$journal' ]"
rm -f /etc/vfpool/vfpool.conf

# A failure in the middle: hp-c has no free PCIe slot, so the plug fails after the VF left
# hp-b; vfpool must plug it back into hp-b and leave both guests running.
os_domain_xml hp-c "" 0
check "hp-c (no free PCIe slot) defined and started" \
    eval "V define '$work/hp-c.xml' >/dev/null && V start hp-c >/dev/null"
"$vfpool" move ua-vfpool-net0 --from hp-b --to hp-c >"$work/move-fail.out" 2>&1
rc=$?
sed 's/^/  | /' "$work/move-fail.out"
check "the move to hp-c fails with a vfpool: line naming hp-c" \
    eval "[ $rc != 0 ] && grep -q '^vfpool: .*hp-c' '$work/move-fail.out'"
check "after the failure: hp-b and hp-c run (none left paused)" all_running hp-b hp-c
check "after the failure: hp-b has its VF $vb back" \
    test "$(live_source hp-b ua-vfpool-net0)" = "$vb"
check "after the failure: ledger says VF $vb is held by hp-b" claims_are "$vb hp-b"
check "after the failure: no operation journal left" test ! -e "$journal"
check "after the failure: hp-b's guest sees its VF" wait_for 30 guest_sees_vf hp-b

# A crash in the middle: the test holds the ledger lock, so vfpool stops right after the
# guest released the VF (giving it back needs the ledger); it is killed there, and vfpool
# reconcile must finish the move.
unplugged() { [ -z "$(live_source hp-b ua-vfpool-net0)" ]; }
kill_at_ledger "$work/move-kill.out" \
    "hp-b's guest released the VF while vfpool waits for the ledger" unplugged \
    move ua-vfpool-net0 --from hp-b --to hp-a
"$vfpool" reconcile >"$work/reconcile-op.out" 2>&1
rc=$?
sed 's/^/  | /' "$work/reconcile-op.out"
check "vfpool reconcile finishes the interrupted move" \
    eval "[ $rc = 0 ] && grep -q 'interrupted operation' '$work/reconcile-op.out'"
check "after reconcile: hp-a and hp-b run" all_running hp-a hp-b
check "after reconcile: hp-a has VF $vb" test "$(live_source hp-a ua-vfpool-net0)" = "$vb"
check "after reconcile: ledger says VF $vb is held by hp-a" claims_are "$vb hp-a"
check "after reconcile: no journal" test ! -e "$journal"
note "pause windows: move ${pause_move:-?}; reassign ${pause_reassign:-?};" \
    "resize ${pause_resize:-?}"
forget_domains hp-a hp-b hp-c
check "ledger has no claims" ledger_empty
