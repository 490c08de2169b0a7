# shellcheck shell=bash disable=SC2154,SC2034 # variables shared with e2e-lib.sh
# Sourced by tests/vm/e2e.sh after the common setup; helpers in tests/vm/e2e-lib.sh.
# vfpool attach and detach: a VF of a pool hot-plugged into a running guest for a new request,
# taken as the hook's prepare takes it (ledger, settings), and hot-unplugged again (the guest
# OS acknowledges it), the VF restored and freed; never pausing the guest, refused at once for
# a guest the administrator paused and for a full pool, and --config keeping the definition in
# step. The guest boots the small OS of tests/vm/build-guest-kernel, whose /init prints its PCI
# devices on the serial console each time they change.
scenario "VFs hot-plugged from pools into a running guest and back (vfpool attach, detach)"
if ! guest_kernel_found; then
    ko "no guest kernel in $guest_kernel: tests/vm/setup builds the guests' OS" \
        "(tests/vm/build-guest-kernel)"
    return 0
fi

# ad-1: no vfpool metadata at all (attach adds it), three free PCIe root ports, the OS.
os_domain_xml ad-1 "" 3

set_numvfs "$igb_pf" 4
igb_vf_baseline
sees() { [ "$(guest_vf_count "$1")" = "$2" ]; } # sees NAME COUNT
said() { [ "$(grep -c . "$1")" = 1 ] && grep -q -- "$2" "$1"; } # FILE PATTERN: one such line
vf_shows() { # INDEX TEXT...: the VF's ip link line has every TEXT
    local line t
    line=$(vf_line "$1")
    shift
    for t; do [[ $line == *"$t"* ]] || return 1; done
}
in_definition() { V dumpxml --inactive ad-1 | grep -q "$1"; }
devices_of() { V dumpxml "$1" | xmllint --xpath //devices - 2>/dev/null; }

check "ad-1 (no vfpool metadata) defined and started" \
    eval "V define '$work/ad-1.xml' >/dev/null && V start ad-1 >/dev/null"
ts=$(now)
check "ad-1's guest booted its OS" wait_for 400 guest_ready ad-1
info "the guest booted in $(secs "$ts")s; it sees $(guest_vf_count ad-1) igb VFs"

# ---- attach --live: a VF of pool small, with the request's MAC, VLAN and trust
lines0=()
for i in 0 1 2 3; do lines0[i]=$(vf_line "$i"); done
# Whoever pauses or resumes the guest meanwhile shows in its lifecycle events.
timeout 120 virsh -q event --domain ad-1 --event lifecycle --loop >"$work/ad-events" 2>&1 &
events_pid=$!
sleep 1
info "vfpool attach ad-1 --pool small --mac 52:54:00:e2:0e:01 --vlan 14 --trust on --live"
ts=$(now)
"$vfpool" attach ad-1 --pool small --mac 52:54:00:e2:0e:01 --vlan 14 --trust on --live \
    >"$work/attach.out" 2>&1
rc=$?
took=$(secs "$ts")
sed 's/^/  | /' "$work/attach.out"
va=$(live_source ad-1 ua-vfpool-0)
ia=$(vf_index "$igb_pf" "$va")
check "vfpool attach --live succeeds (${took}s) and names the request and its VF ($va)" \
    eval "[ $rc = 0 ] && grep -q \"^domain 'ad-1': ua-vfpool-0 -> VF $va (pool small\" \
        '$work/attach.out'"
check "attach: the ledger says VF $va is claimed by ad-1" claimed_by "$va" ad-1
check "attach: ip link shows VF $ia with the request's MAC, VLAN 14 and trust on" \
    vf_shows "$ia" 52:54:00:e2:0e:01 'vlan 14' 'trust on'
check "attach: virsh dumpxml has the <interface type='hostdev'> ua-vfpool-0 on VF $va" \
    eval "V dumpxml ad-1 | xmllint --xpath \
        \"//interface[@type='hostdev'][alias/@name='ua-vfpool-0']/mac/@address\" - |
        grep -q 52:54:00:e2:0e:01"
check "attach: the live metadata has the request and its reservation" \
    test "$(live_reserved ad-1 ua-vfpool-0)" = "$va"
check "attach: the guest's PCI list shows the VF" wait_for 30 sees ad-1 1
kill "$events_pid" 2>/dev/null
wait "$events_pid" 2>/dev/null
check "attach did not pause the guest (no lifecycle event from virsh event)" \
    eval "! grep -qiE 'suspended|resumed' '$work/ad-events' && running ad-1"
check "attach --live left the persistent definition alone, and no journal" \
    eval "! in_definition ua-vfpool-0 && [ ! -e '$journal' ]"

# ---- pool small has two VFs: a second attach takes the other, a third finds none
"$vfpool" attach ad-1 --pool small --alias ua-second >"$work/attach2.out" 2>&1
rc=$?
vb=$(live_source ad-1 ua-second)
check "a second attach (--current: live, as ad-1 runs) takes small's other VF ($vb)" \
    eval "[ $rc = 0 ] && [ -n '$vb' ] && [ '$vb' != '$va' ] && claimed_by '$vb' ad-1"
check "the guest sees both VFs" wait_for 30 sees ad-1 2
devices_of ad-1 >"$work/ad-devices"
"$vfpool" attach ad-1 --pool small >"$work/full.out" 2>&1
rc=$?
info "pool small full: $(cat "$work/full.out")"
check "attach from the full pool fails in one line with selection's reasons" \
    eval "[ $rc = 1 ] &&
        said '$work/full.out' \"^vfpool: domain 'ad-1': pool 'small' has no free VF for vf\""
check "and changes nothing: the same devices, two claims, no journal" \
    eval "[ \"\$(devices_of ad-1)\" = \"\$(cat '$work/ad-devices')\" ] &&
        claims_are '$va ad-1' '$vb ad-1' && [ ! -e '$journal' ]"

# ---- a guest the administrator paused: refused at once, nothing changed
V suspend ad-1 >/dev/null
ts=$(now)
"$vfpool" attach ad-1 --pool net >"$work/paused.out" 2>&1
rc=$?
"$vfpool" detach ad-1 ua-second >"$work/paused-detach.out" 2>&1
rc2=$?
info "ad-1 paused: $(cat "$work/paused.out") (both after $(secs "$ts")s)"
check "attach to the paused guest is refused in one line" \
    eval "[ $rc = 1 ] && said '$work/paused.out' \"^vfpool: domain 'ad-1' is paused\""
check "detach from it too" \
    eval "[ $rc2 = 1 ] && said '$work/paused-detach.out' \"^vfpool: domain 'ad-1' is paused\""
check "the refusals changed nothing: still paused, the same devices and claims, no journal" \
    eval "[ \"\$(state_of ad-1)\" = paused ] &&
        [ \"\$(devices_of ad-1)\" = \"\$(cat '$work/ad-devices')\" ] &&
        claims_are '$va ad-1' '$vb ad-1' && [ ! -e '$journal' ]"
V resume ad-1 >/dev/null

# ---- detach --live: the guest lets go, the VF is restored and freed
"$vfpool" detach ad-1 ua-second >"$work/detach2.out" 2>&1
rc=$?
check "vfpool detach ad-1 ua-second (--current: live) succeeds" test "$rc" = 0
info "vfpool detach ad-1 ua-vfpool-0 --live"
ts=$(now)
"$vfpool" detach ad-1 ua-vfpool-0 --live >"$work/detach.out" 2>&1
rc=$?
took=$(secs "$ts")
sed 's/^/  | /' "$work/detach.out"
check "vfpool detach --live succeeds (${took}s, the guest acknowledging the unplug)" \
    eval "[ $rc = 0 ] && grep -q \"unplugged 'ua-vfpool-0' (VF $va)\" '$work/detach.out'"
check "detach: the guest's PCI list no longer has the VFs" wait_for 30 sees ad-1 0
check "detach: the VFs are free in the ledger" ledger_empty
check "detach: ip link shows VF $ia as before the attach" test "$(vf_line "$ia")" = "${lines0[ia]}"
check "detach: the live XML has neither the device nor the request" \
    eval "! V dumpxml ad-1 | grep -q 'ua-vfpool-0\\|ua-second'"
"$vfpool" detach ad-1 ua-vfpool-0 >"$work/detach-again.out" 2>&1
rc=$?
check "detaching it again fails in one line naming the domain and the alias" \
    eval "[ $rc = 1 ] &&
        said '$work/detach-again.out' \"^vfpool: running domain 'ad-1' has no VF .* 'ua-vfpool-0'\""

# ---- --live --config: the persistent definition follows
"$vfpool" attach ad-1 --pool net --mac 52:54:00:e2:0e:02 --live --config >"$work/both.out" 2>&1
rc=$?
sed 's/^/  | /' "$work/both.out"
vc=$(live_source ad-1 ua-vfpool-0)
check "attach --live --config: plugged (VF $vc) and claimed" \
    eval "[ $rc = 0 ] && [ -n '$vc' ] && claimed_by '$vc' ad-1 && running ad-1"
check "attach --live --config: the definition has the request, its reservation and device" \
    eval "[ \"\$(reserved ad-1 ua-vfpool-0)\" = '$vc' ] &&
        V dumpxml --inactive ad-1 | xmllint --xpath \
            \"//interface[@type='hostdev'][alias/@name='ua-vfpool-0']\" - >/dev/null 2>&1"
check "attach --live --config: the guest sees the VF" wait_for 30 sees ad-1 1
"$vfpool" detach ad-1 ua-vfpool-0 --live --config >"$work/both-detach.out" 2>&1
rc=$?
check "detach --live --config: unplugged, freed, and gone from the definition too" \
    eval "[ $rc = 0 ] && ledger_empty && ! in_definition ua-vfpool-0 &&
        ! V dumpxml ad-1 | grep -q ua-vfpool-0"
check "no operation journal left" test ! -e "$journal"

# ---- a detach killed half-way: the test holds the ledger lock, so vfpool stops once the guest
# let go of the VF (giving it back needs the ledger); it is killed there, and vfpool reconcile
# must finish the detach from the journal, still without pausing the guest.
"$vfpool" attach ad-1 --pool net --live >"$work/attach3.out" 2>&1
vd=$(live_source ad-1 ua-vfpool-0)
check "attach --live once more (VF $vd)" eval "[ -n '$vd' ] && wait_for 30 sees ad-1 1"
let_go() { [ -z "$(live_source ad-1 ua-vfpool-0)" ]; }
kill_at_ledger "$work/detach-kill.out" \
    "the guest let go of VF $vd while vfpool detach waits for the ledger" let_go \
    detach ad-1 ua-vfpool-0
"$vfpool" reconcile >"$work/reconcile-detach.out" 2>&1
rc=$?
sed 's/^/  | /' "$work/reconcile-detach.out"
check "vfpool reconcile finishes the detach: VF $vd freed, the request gone, no journal" \
    eval "[ $rc = 0 ] && ledger_empty && [ ! -e '$journal' ] && running ad-1 &&
        ! V dumpxml ad-1 | grep -q ua-vfpool-0"
check "and VF $vd's ip link line is as before the first attach" \
    test "$(vf_line "$(vf_index "$igb_pf" "$vd")")" = "${lines0[$(vf_index "$igb_pf" "$vd")]}"
forget_domains ad-1
check "ledger has no claims" ledger_empty
