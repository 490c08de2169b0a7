#!/bin/bash
# Guest-side proof that the emulated hypervisor works: igb and nvme VFs appear, take
# L2 config, bind to vfio-pci, and reach a libvirt domain through <hostdev>.
# Run it with: tests/vm/run tests/vm/selftest.sh
set -u

pass=0
fail=0
ok() { echo "PASS: $*"; pass=$((pass + 1)); }
ko() { echo "FAIL: $*"; fail=$((fail + 1)); }
check() { # check "what" command...
    local what=$1
    shift
    if "$@"; then ok "$what"; else ko "$what"; fi
}
t0=$(date +%s.%N)
elapsed() { awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
step() { echo; echo "=== $* (at $(elapsed)s)"; }

. "$(dirname "$0")/guest-lib.sh"

# ---------------------------------------------------------------------------
step "kernel modules"
check "modprobe igb vfio-pci nvme" modprobe -a igb vfio-pci vfio_iommu_type1 nvme
check "IOMMU active (intel-iommu groups exist)" test -n "$(ls /sys/kernel/iommu_groups)"

# ---------------------------------------------------------------------------
step "igb PF and network VFs"
igb_pf=$(vm_find_pci 0x8086 0x10c9 | head -n1)
if [ -n "$igb_pf" ]; then
    ok "igb PF found: ${igb_pf##*/}"
else
    ko "igb PF (8086:10c9) not found"
fi
igb_net=
vf0=
vf1=
if [ -n "$igb_pf" ]; then
    for _ in $(seq 50); do
        igb_net=$(ls "$igb_pf/net" 2>/dev/null | head -n1)
        [ -n "$igb_net" ] && break
        sleep 0.2
    done
    check "igb PF has a netdev ($igb_net)" test -n "$igb_net"
    echo "sriov_totalvfs=$(cat "$igb_pf/sriov_totalvfs")"
    ip link set "$igb_net" up
    echo 0 >"$igb_pf/sriov_drivers_autoprobe"
    check "echo 2 > sriov_numvfs (igb)" sh -c "echo 2 > '$igb_pf/sriov_numvfs'"
    check "igb VFs virtfn0 and virtfn1 exist" test -e "$igb_pf/virtfn0" -a -e "$igb_pf/virtfn1"
    vf0=$(vm_vf_addr "$igb_pf" 0)
    vf1=$(vm_vf_addr "$igb_pf" 1)
    echo "igb VFs: $vf0 $vf1 (ids $(cat "$igb_pf/virtfn0/vendor"):$(cat "$igb_pf/virtfn0/device"))"
    check "ip link set $igb_net vf 0 mac/vlan/spoofchk/trust" \
        ip link set "$igb_net" vf 0 mac 52:54:00:a0:00:01 vlan 42 spoofchk on trust on
    ip link show "$igb_net" | tee /tmp/igb-link.txt
    vfline=$(grep -E '^ +vf 0 ' /tmp/igb-link.txt)
    check "VF 0 MAC is 52:54:00:a0:00:01" grep -q 'link/ether 52:54:00:a0:00:01' <<<"$vfline"
    check "VF 0 VLAN is 42" grep -q 'vlan 42' <<<"$vfline"
    check "VF 0 spoof checking on" grep -q 'spoof checking on' <<<"$vfline"
    check "VF 0 trust on" grep -q 'trust on' <<<"$vfline"
    vf1_group=/sys/bus/pci/devices/$vf1/iommu_group
    echo "VF $vf1 IOMMU group $(basename "$(readlink -f "$vf1_group")"):" \
        "$(ls "$vf1_group/devices" | tr '\n' ' ')"
    check "bind igb VF $vf1 to vfio-pci (driver_override, unbind, drivers_probe)" \
        vm_bind "$vf1" vfio-pci
    grp=$(basename "$(readlink -f "/sys/bus/pci/devices/$vf1/iommu_group")")
    check "/dev/vfio/$grp exists" test -c "/dev/vfio/$grp"
fi

# ---------------------------------------------------------------------------
step "nvme PF and storage VFs"
nvme_pf=
for d in $(vm_find_pci 0x1b36 0x0010); do
    [ -e "$d/sriov_totalvfs" ] && nvme_pf=$d && break
done
nvme_vf=
if [ -n "$nvme_pf" ]; then
    ok "nvme PF with SR-IOV found: ${nvme_pf##*/}"
else
    ko "nvme PF (1b36:0010 with SR-IOV) not found"
fi
if [ -n "$nvme_pf" ]; then
    ctrl=$(vm_nvme_ctrl "$nvme_pf")
    check "nvme PF controller $ctrl" test -c "$ctrl"
    echo "sriov_totalvfs=$(cat "$nvme_pf/sriov_totalvfs")"
    nvme primary-ctrl-caps "$ctrl" 2>&1 | grep -E '^(cntlid|vq|vi)'
    check "primary holds no flexible resources (released if it did)" \
        vm_nvme_release_primary "$ctrl" "$nvme_pf"
    echo 0 >"$nvme_pf/sriov_drivers_autoprobe"
    check "echo 2 > sriov_numvfs (nvme)" sh -c "echo 2 > '$nvme_pf/sriov_numvfs'"
    check "nvme VFs virtfn0 and virtfn1 exist" test -e "$nvme_pf/virtfn0" -a -e "$nvme_pf/virtfn1"
    for n in 1 2; do
        check "nvme virt-mgmt: VF $n (SCID $(vm_nvme_scid "$ctrl" "$n")) gets 1 VI + 2 VQ, online" \
            vm_nvme_vf_online "$ctrl" "$n"
    done
    nvme list-secondary "$ctrl" 2>&1 | grep -E 'SCID|SCS|VFN|NVQ|NVI' | head -n 10
    nvf0=$(vm_vf_addr "$nvme_pf" 0)
    nvme_vf=$(vm_vf_addr "$nvme_pf" 1)
    check "nvme VF $nvf0 binds to the nvme driver" vm_bind "$nvf0" nvme
    has_ctrl() { [ -n "$(ls "/sys/bus/pci/devices/$1/nvme" 2>/dev/null)" ]; }
    vm_wait 20 has_ctrl "$nvf0"
    check "nvme VF $nvf0 has a controller ($(ls "/sys/bus/pci/devices/$nvf0/nvme" 2>/dev/null))" \
        test -n "$(ls "/sys/bus/pci/devices/$nvf0/nvme" 2>/dev/null)"
    check "bind nvme VF $nvme_vf to vfio-pci" vm_bind "$nvme_vf" vfio-pci
    lspci -nn -s "${nvme_pf##*/0000:}" 2>/dev/null
    lspci -nn | grep -i -e 'non-volatile' -e ethernet
fi

# ---------------------------------------------------------------------------
step "libvirt"
check "virtlogd + libvirtd started, qemu:///system answers" vm_libvirt_start
echo "libvirtd answered at $(elapsed)s"
virsh -c qemu:///system version

dom=vfpool-selftest
hostdevs=
addr_xml() { # PCI address 0000:BB:SS.F -> <address .../>
    local a=$1
    printf "<address domain='0x%s' bus='0x%s' slot='0x%s' function='0x%s'/>" \
        "${a:0:4}" "${a:5:2}" "${a:8:2}" "${a:11:1}"
}
hostdev="<hostdev mode='subsystem' type='pci' managed='yes'>"
[ -n "$vf0" ] && hostdevs+="$hostdev<source>$(addr_xml "$vf0")</source></hostdev>"
[ -n "$nvme_vf" ] && hostdevs+="$hostdev<source>$(addr_xml "$nvme_vf")</source></hostdev>"
cat >/tmp/$dom.xml <<EOF
<domain type='qemu'>
  <name>$dom</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <features><acpi/></features>
  <devices>
    $hostdevs
  </devices>
</domain>
EOF
cat /tmp/$dom.xml
check "virsh define" virsh -c qemu:///system define /tmp/$dom.xml
ts=$(date +%s.%N)
check "virsh start (igb VF $vf0${nvme_vf:+ and nvme VF $nvme_vf} as managed hostdevs)" \
    virsh -c qemu:///system start "$dom"
echo "virsh start took $(awk -v a="$ts" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')s"
state=$(virsh -c qemu:///system domstate "$dom" 2>&1)
check "domstate is running (got: $state)" test "$state" = running
pid=$(cat "/run/libvirt/qemu/$dom.pid" 2>/dev/null)
cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)
echo "QEMU command line: $cmdline"
check "QEMU command line has vfio-pci for $vf0" grep -q "vfio-pci[^ ]*$vf0" <<<"$cmdline"
if [ -n "$nvme_vf" ]; then
    check "QEMU command line has vfio-pci for $nvme_vf" \
        grep -q "vfio-pci[^ ]*$nvme_vf" <<<"$cmdline"
fi
check "igb VF $vf0 is bound to vfio-pci while the domain runs" \
    test "$(vm_driver_of "$vf0")" = vfio-pci
check "virsh destroy" virsh -c qemu:///system destroy "$dom"
check "virsh undefine" virsh -c qemu:///system undefine "$dom"
echo "after destroy: igb VF $vf0 driver '$(vm_driver_of "$vf0")'," \
    "nvme VF $nvme_vf driver '$(vm_driver_of "$nvme_vf")' (libvirt gave them back)"
if [ "$fail" -gt 0 ] && [ -f "/var/log/libvirt/qemu/$dom.log" ]; then
    echo "--- /var/log/libvirt/qemu/$dom.log"
    tail -n 30 "/var/log/libvirt/qemu/$dom.log"
fi

echo
echo "selftest took $(elapsed)s"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
