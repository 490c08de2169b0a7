# shellcheck shell=bash disable=SC2154,SC2034 # variables shared with e2e-lib.sh
# Sourced by tests/vm/e2e.sh after the common setup; helpers in tests/vm/e2e-lib.sh.
# A MAC and VLAN set by hand on a pool VF that no domain holds: vfpool reconcile reports them
# (--dry-run), clears them, and finds nothing the second time.
scenario "reconcile clears a MAC and VLAN an administrator left on a pool VF"
set_numvfs "$igb_pf" 4
igb_vf_baseline
addr3=$(vm_vf_addr "$igb_pf" 3)
ip link set "$igb_net" vf 3 mac 52:54:00:e2:0b:01 vlan 77
info "VF 3 ($addr3) by hand: $(vf_line 3)"
"$vfpool" reconcile --dry-run >"$work/rec-dry.out" 2>&1
sed 's/^/  | /' "$work/rec-dry.out"
stray="VF $addr3 (pool net) had MAC 52:54:00:e2:0b:01 VLAN 77"
check "reconcile --dry-run reports VF $addr3's MAC and VLAN set by no domain" \
    grep -q "would repair: $stray set by no domain" "$work/rec-dry.out"
check "the dry run left them" eval "vf_line 3 | grep -q 'vlan 77'"
"$vfpool" reconcile >"$work/rec.out" 2>&1
rc=$?
sed 's/^/  | /' "$work/rec.out"
check "reconcile clears them" eval "[ $rc = 0 ] && grep -q 'repaired: $stray' '$work/rec.out'"
info "VF 3 after: $(vf_line 3)"
check "ip link: VF 3 has no VLAN and not that MAC any more" \
    eval "! vf_line 3 | grep -q 'vlan 77' && ! vf_line 3 | grep -q '52:54:00:e2:0b:01'"
"$vfpool" reconcile >"$work/rec2.out" 2>&1
check "a second reconcile finds nothing to repair" grep -q '^reconcile: 0 repairs' "$work/rec2.out"
