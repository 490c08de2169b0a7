#!/bin/bash
# vfpool's main job, shown inside the emulated SR-IOV hypervisor: an administrator defines a
# pool of igb VFs and a domain that asks for one, and the VF goes into the VM through VFIO
# with its MAC, VLAN, spoof check and trust set, then comes back when the VM stops.
#   tests/vm/run tests/vm/demo.sh BUILD_DIR [TRANSCRIPT]     (scripts/demo does all of it)
# With TRANSCRIPT (a file in a directory given to tests/vm/run --share), what the demo shows
# goes there instead of the console.
set -u
build=$(cd "${1:?usage: demo.sh BUILD_DIR [TRANSCRIPT]}" && pwd)
[ -z "${2:-}" ] || exec >"$2" 2>&1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/guest-lib.sh"
export LIBVIRT_DEFAULT_URI=qemu:///system PATH=$build:$PATH
ns=http://vfpool.org/xmlns/libvirt/domain/1.0

show() {
    printf '\n\033[1m# %s\033[0m\n$ %s\n' "$1" "$2"
    bash -c "$2"
}
fail() {
    echo "demo: $*" >&2
    exit 1
}

modprobe -a igb vfio-pci vfio_iommu_type1 || fail "cannot load igb and vfio-pci"
pf=$(vm_find_pci 0x8086 0x10c9 | head -n1)
[ -n "$pf" ] || fail "no igb PF in this VM"
vm_wait 20 test -d "$pf/net" || fail "the igb PF has no netdev"
pf_net=$(ls "$pf/net" | head -n1)
ip link set "$pf_net" up

mkdir -p /etc/vfpool/pools.d /etc/libvirt/hooks/qemu.d
cat >/etc/vfpool/pools.d/igb.xml <<XML
<pool name='igb'>
  <pf netdev='$pf_net'/>
  <vfs create='4'/>
  <select policy='pack' numa='preferred'/>
  <net spoofchk='on' trust='off'/>
</pool>
XML
ln -sfn "$build/vfpool-hook" /etc/libvirt/hooks/qemu.d/vfpool
vm_libvirt_start || fail "libvirtd did not start"
"$build/vfpoold" >/var/log/vfpoold.log 2>&1 &
vm_wait 30 grep -q 'connected to' /var/log/vfpoold.log || fail "vfpoold did not connect"

cat >/tmp/guest1.xml <<XML
<domain type='qemu'>
  <name>guest1</name>
  <metadata>
    <vfpool:vfpool xmlns:vfpool='http://vfpool.org/xmlns/libvirt/domain/1.0'>
      <vfpool:vf alias='ua-vfpool-net0' pool='igb' mac='52:54:00:12:34:56' vlan='42' trust='on'/>
    </vfpool:vfpool>
  </metadata>
  <memory unit='MiB'>128</memory>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <features><acpi/></features>
  <devices/>
</domain>
XML

show "The pool file (the PF has no VFs yet: vfpool creates them at the first start)" \
    "cat /etc/vfpool/pools.d/igb.xml; cat $pf/sriov_numvfs"
show "Pools before" "vfpool pools"
show "Define the annotated domain with plain virsh; vfpoold resolves it" \
    "virsh define /tmp/guest1.xml && sleep 3 && virsh metadata guest1 $ns"
show "The device vfpool wrote into the definition" \
    "virsh dumpxml --inactive guest1 | sed -n '/<interface/,/<\/interface>/p'"
show "Start it: the hook creates the VFs, claims one, sets it up; libvirt passes it through VFIO" \
    "time virsh start guest1"
vf=$(virsh metadata guest1 "$ns" | sed -n "s/.*address=.\([0-9a-f:.]*\).*/\1/p")
in_qemu="ps -o args= -C qemu-system-x86_64 | grep -o '\"driver\":\"vfio-pci\",\"host\":\"[^\"]*\"'"
show "The VF in the running domain, and in QEMU" \
    "virsh dumpxml guest1 | sed -n '/<interface/,/<\/interface>/p'; $in_qemu"
show "MAC, VLAN, spoof check and trust on the PF" "ip link show $pf_net"
show "Who holds what" "vfpool status; head -n 30 /run/vfpool/claims/*"
vf_driver="echo driver: \$(basename \$(readlink /sys/bus/pci/devices/$vf/driver) 2>/dev/null)"
destroy="virsh destroy guest1 && ip link show $pf_net | grep -A0 'vf 0'"
show "Stop it: the VF goes back as it was" "$destroy; $vf_driver; ls /run/vfpool/claims"
show "Pools after" "vfpool pools"
kill %1 2>/dev/null
