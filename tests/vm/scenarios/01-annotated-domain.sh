# shellcheck shell=bash disable=SC2154,SC2034 # variables shared with e2e-lib.sh
# Sourced by tests/vm/e2e.sh after the common setup; helpers in tests/vm/e2e-lib.sh.
# The README's example: a domain asks for a VF in its <metadata> only, with no device (vfpool
# adds it; libvirt refuses an <interface type='hostdev'> without <source>). The VF must carry
# the request's and the pool's settings while the domain runs and be exactly as before after.
scenario "an annotated domain with a network VF (mac, vlan, trust=on, pool spoofchk)"
set_numvfs "$igb_pf" 7
igb_vf_baseline
req="<vfpool:vf alias='ua-vfpool-net0' pool='net' mac='52:54:00:e2:01:01' vlan='42' trust='on'/>"
domain_xml s1 "$req" ""
if daemon_on; then
    info "plain 'virsh define' of the annotated domain; vfpoold resolves it"
else
    info "resolved with 'vfpool resolve --xml s1.xml > resolved.xml'," \
        "then 'virsh define resolved.xml'"
fi
check "s1 defined and resolved" define_pooled s1 ua-vfpool-net0
s1_has_interface() {
    V dumpxml --inactive s1 |
        xmllint --xpath "//devices/interface[@type='hostdev'][alias/@name='ua-vfpool-net0']" - \
            >/dev/null 2>&1
}
check "s1's definition has an <interface type='hostdev'> for ua-vfpool-net0" s1_has_interface
a1=$(reserved s1 ua-vfpool-net0)
i1=$(vf_index "$igb_pf" "$a1")
info "s1 reserves VF $a1 (index ${i1:-?})"
check "the reservation is a VF of the igb PF" test -n "$i1"
i1=${i1:-0}
before=$(vf_line "$i1")
info "VF $i1 before: $before"
ts=$(now)
check "virsh start s1" V start s1
info "virsh start took $(secs "$ts")s"
check "s1 is running" running s1
check "live XML: the interface's source is VF $a1" test "$(live_source s1 ua-vfpool-net0)" = "$a1"
check "QEMU command line has vfio-pci host=$a1" has_vfio s1 "$a1"
check "VF $a1 is bound to vfio-pci" test "$(vm_driver_of "$a1")" = vfio-pci
during=$(vf_line "$i1")
info "VF $i1 while s1 runs: $during"
check "ip link: VF $i1 MAC 52:54:00:e2:01:01" grep -q 'link/ether 52:54:00:e2:01:01' <<<"$during"
check "ip link: VF $i1 VLAN 42" grep -q 'vlan 42' <<<"$during"
check "ip link: VF $i1 spoof checking on (pool default)" grep -q 'spoof checking on' <<<"$during"
check "ip link: VF $i1 trust on (request)" grep -q 'trust on' <<<"$during"
check "ledger: one claim, VF $a1 held by s1" claims_are "$a1 s1"
status_shows() { "$vfpool" status 2>/dev/null | grep -F "$1" | grep -q "$2"; }
check "vfpool status shows VF $a1 held by s1" status_shows "$a1" s1
# A pooled domain cannot be saved (its VFIO device cannot migrate): libvirt says so, and
# vfpool's claim must survive the refusal.
V save s1 "$work/s1.save" >"$work/s1-save.out" 2>&1
info "virsh save s1 (a plain VF cannot migrate): $(tr '\n' ' ' <"$work/s1-save.out" | cut -c1-200)"
check "after the refused save s1 still runs and still holds VF $a1" \
    eval "running s1 && claims_are '$a1 s1'"
ts=$(now)
check "virsh destroy s1" V destroy s1
info "virsh destroy took $(secs "$ts")s"
after=$(vf_line "$i1")
info "VF $i1 after:  $after"
mac_of() { grep -o 'link/ether [0-9a-f:]*' <<<"$1"; }
check "ledger has no claims after destroy" ledger_empty
check "ip link: VF $i1 trust back to off" grep -q 'trust off' <<<"$after"
check "ip link: VF $i1 spoof checking back to off" grep -q 'spoof checking off' <<<"$after"
check "ip link: VF $i1 VLAN gone" lacks 'vlan ' "$after"
check "ip link: VF $i1 MAC back to its previous value" \
    test "$(mac_of "$after")" = "$(mac_of "$before")"
check "ip link: VF $i1 exactly as before the start" test "$after" = "$before"
check "VF $a1 given back by libvirt (driver '$(vm_driver_of "$a1")', was none)" \
    test -z "$(vm_driver_of "$a1")"
forget_domains s1
