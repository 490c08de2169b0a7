# shellcheck shell=bash disable=SC2154,SC2034 # variables shared with e2e-lib.sh
# Sourced by tests/vm/e2e.sh after the common setup; helpers in tests/vm/e2e-lib.sh.
# NVMe VFs have no netdev: vfpool adds a <hostdev>, and the pool creates the VFs at the first
# start. vfio-pci and QEMU take the VF with its secondary controller offline (no
# "nvme virt-mgmt"), since no guest driver uses it.
scenario "a pool of nvme VFs (no netdev, <hostdev>)"
set_numvfs "$nvme_pf" 0
domain_xml n1 "<vfpool:vf alias='ua-vfpool-disk0' pool='nvme'/>" ""
info "resolved with 'vfpool resolve --xml' (vfpool adds the <hostdev>), then 'virsh define'"
check "n1 resolved (vfpool resolve --xml) and defined" define_cli n1
n1_has_hostdev() {
    local x="//devices/hostdev[@type='pci'][@managed='yes'][alias/@name='ua-vfpool-disk0']"
    xmllint --xpath "$x" "$work/n1.resolved.xml" >/dev/null 2>&1
}
check "the resolved XML has a managed <hostdev> for ua-vfpool-disk0" n1_has_hostdev
an=$(reserved n1 ua-vfpool-disk0)
info "n1 reserves VF $an; nvme sriov_numvfs is $(cat "$nvme_pf/sriov_numvfs")"
ts=$(now)
check "virsh start n1" V start n1
info "virsh start took $(secs "$ts")s"
check "nvme VFs created (sriov_numvfs 2)" test "$(cat "$nvme_pf/sriov_numvfs")" = 2
check "n1 is running" running n1
check "live XML: the hostdev's source is VF $an" test "$(live_source n1 ua-vfpool-disk0)" = "$an"
check "QEMU command line has vfio-pci host=$an" has_vfio n1 "$an"
check "VF $an is bound to vfio-pci" test "$(vm_driver_of "$an")" = vfio-pci
check "ledger: VF $an held by n1" claimed_by "$an" n1
ctrl=$(vm_nvme_ctrl "$nvme_pf")
ni=$(vf_index "$nvme_pf" "$an")
if [ -n "$ctrl" ] && [ -n "$ni" ]; then
    scs=
    last_scs=
    while read -r f v; do
        case $f in
            SCS) last_scs=$v ;;
            VFN) [ "$((v))" = "$((ni + 1))" ] && scs=$last_scs ;;
        esac
    done < <(nvme list-secondary "$ctrl" 2>/dev/null |
        awk '$1 == "SCS" || $1 == "VFN" { print $1, $NF }')
    info "its secondary controller state is ${scs:-unknown} (0x0: offline; no" \
        "'nvme virt-mgmt' was done): vfio-pci and the QEMU start do not need it online"
fi
check "virsh destroy n1" V destroy n1
check "ledger has no claims" ledger_empty
check "VF $an given back by libvirt (driver '$(vm_driver_of "$an")')" \
    test -z "$(vm_driver_of "$an")"
forget_domains n1
