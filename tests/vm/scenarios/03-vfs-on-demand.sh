# shellcheck shell=bash disable=SC2154,SC2034 # variables shared with e2e-lib.sh
# Sourced by tests/vm/e2e.sh after the common setup; helpers in tests/vm/e2e-lib.sh.
# Pool ondemand says <vfs create='4'/>: with the igb PF at sriov_numvfs=0, the reservation
# names a VF that does not exist yet, and the hook creates the VFs (autoprobe off) at start.
scenario "VFs created on demand (igb PF at sriov_numvfs=0, pool create='4')"
check "igb PF set to sriov_numvfs=0" set_numvfs "$igb_pf" 0
check "no igb VF exists" test "$(cat "$igb_pf/sriov_numvfs")" = 0
domain_xml o1 "<vfpool:vf alias='ua-vfpool-net0' pool='ondemand' mac='52:54:00:e2:03:01'/>" \
    "<interface type='hostdev' managed='yes'><alias name='ua-vfpool-net0'/></interface>"
"$vfpool" explain --xml "$work/o1.xml" 2>&1 | head -n 3 | sed 's/^/  | /'
info "resolved with 'vfpool resolve --xml', then 'virsh define'"
check "o1 resolved (vfpool resolve --xml) and defined" define_cli o1
ao=$(reserved o1 ua-vfpool-net0)
info "o1 reserves VF $ao, which does not exist yet"
check "the reservation is for VF index 0 of the igb PF" \
    test "$(V dumpxml --inactive o1 | xml_reservation ua-vfpool-net0 index)" = 0
ts=$(now)
check "virsh start o1" V start o1
info "virsh start (with VF creation) took $(secs "$ts")s"
check "sriov_numvfs is 4 afterwards" test "$(cat "$igb_pf/sriov_numvfs")" = 4
check "VF $ao exists (virtfn0)" test "$(vm_vf_addr "$igb_pf" 0)" = "$ao"
check "o1 is running" running o1
check "QEMU command line has vfio-pci host=$ao" has_vfio o1 "$ao"
check "ledger: VF $ao held by o1" claimed_by "$ao" o1
check "sriov_drivers_autoprobe is 0" test "$(cat "$igb_pf/sriov_drivers_autoprobe")" = 0
if syslog_has "domain 'o1': created 4 VFs on PF $igb_pf_addr"; then
    info "hook log: $(grep -F "domain 'o1': created" /var/log/messages |
        sed 's/.*vfpool-hook\[[0-9]*\]: //')"
fi
check "virsh destroy o1" V destroy o1
check "ledger has no claims" ledger_empty
forget_domains o1
