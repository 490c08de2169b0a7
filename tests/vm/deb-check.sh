#!/bin/bash
# The .deb as an administrator installs it, inside the emulated SR-IOV hypervisor: dpkg -i,
# then the first end-to-end scenario with the installed vfpool, hook and vfpoold, then removal.
#   tests/vm/run tests/vm/deb-check.sh PATH/vfpool_VERSION_amd64.deb
# Prints PASS/FAIL lines and ends with "N passed, N failed".
set -u
deb=$(realpath -e "${1:?usage: deb-check.sh DEB}") || exit 2
here=$(cd "$(dirname "$0")" && pwd)
. "$here/guest-lib.sh"
export LIBVIRT_DEFAULT_URI=qemu:///system
NS=http://vfpool.org/xmlns/libvirt/domain/1.0

pass=0
fail=0
check() { # check "what" command...
    local what=$1
    shift
    if "$@" >/dev/null 2>&1; then
        echo "PASS: $what"
        pass=$((pass + 1))
    else
        echo "FAIL: $what"
        fail=$((fail + 1))
    fi
}
finish() {
    echo "$pass passed, $fail failed"
    [ "$fail" -eq 0 ]
    exit
}

check "dpkg -i $(basename "$deb")" dpkg -i "$deb"
check "the hook is /etc/libvirt/hooks/qemu.d/vfpool -> /usr/libexec/vfpool/vfpool-hook" \
    test "$(readlink /etc/libvirt/hooks/qemu.d/vfpool)" = /usr/libexec/vfpool/vfpool-hook
check "the example pool is not active" test ! -e /etc/vfpool/pools.d/example.xml
check "vfpool is on PATH from the package" test "$(command -v vfpool)" = /usr/bin/vfpool

modprobe -a igb vfio-pci vfio_iommu_type1
pf=$(vm_find_pci 0x8086 0x10c9 | head -n1)
vm_wait 20 test -d "$pf/net" || finish
pf_net=$(ls "$pf/net" | head -n1)
ip link set "$pf_net" up
cat >/etc/vfpool/pools.d/igb.xml <<XML
<pool name='igb'><pf netdev='$pf_net'/><vfs create='2'/><net spoofchk='on'/></pool>
XML
check "libvirtd starts and finds the packaged hook" vm_libvirt_start
/usr/sbin/vfpoold >/var/log/vfpoold.log 2>&1 &
check "the packaged vfpoold connects" vm_wait 30 grep -q 'connected to' /var/log/vfpoold.log

cat >/tmp/d1.xml <<XML
<domain type='qemu'><name>d1</name>
  <metadata><vfpool:vfpool xmlns:vfpool='$NS'>
    <vfpool:vf alias='ua-vfpool-net0' pool='igb' mac='52:54:00:de:b0:01' vlan='7' trust='on'/>
  </vfpool:vfpool></metadata>
  <memory unit='MiB'>128</memory><os><type arch='x86_64' machine='q35'>hvm</type></os>
  <features><acpi/></features><devices/></domain>
XML
check "virsh define of the annotated domain" virsh define /tmp/d1.xml
check "vfpoold resolved it" vm_wait 30 sh -c "virsh metadata d1 $NS | grep -q reservation"
check "virsh start d1 (the hook creates the VFs and claims one)" virsh start d1
check "QEMU has the VF through vfio-pci" \
    sh -c "ps -o args= -C qemu-system-x86_64 | grep -q '\"driver\":\"vfio-pci\"'"
vf0_want="52:54:00:de:b0:01 brd ff:ff:ff:ff:ff:ff, vlan 7, spoof checking on, link-state auto,"
vf0_want+=" trust on"
check "ip link: MAC, VLAN 7 and trust on for VF 0" \
    sh -c "ip link show $pf_net | grep 'vf 0 ' | grep -q '$vf0_want'"
check "the ledger holds the VF for d1" sh -c "cat /run/vfpool/claims/* | grep -qx domain=d1"
check "virsh destroy d1" virsh destroy d1
check "ip link: trust back to off" sh -c "ip link show $pf_net | grep 'vf 0 ' | grep -q 'trust off'"
check "the ledger is empty" sh -c "! cat /run/vfpool/claims/* 2>/dev/null | grep -q ."
kill %1 2>/dev/null
check "dpkg -r vfpool" dpkg -r vfpool
check "no dangling hook after removal" \
    test ! -e /etc/libvirt/hooks/qemu.d/vfpool -a ! -L /etc/libvirt/hooks/qemu.d/vfpool
finish
