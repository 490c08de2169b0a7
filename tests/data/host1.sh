#!/bin/sh
# host1.sh ROOT - build the fake sysfs tree "host1" under ROOT.
#
#   0000:3b:00.0  Intel 82576 PF (igb, numa 0), 8/8 VFs (igbvf) on 0000:3c:10.0..11.6,
#                 netdev enp59s0f0 up; VF i has netdev vfpt3bv<i>, down, except
#                 VF 5 (up: "in host use"); VF 6 shares IOMMU group 21 with
#                 0000:3b:00.1 (plain igb function, not a PF).
#   0000:af:00.0  Intel 82576 PF (igb, numa 1), 4/8 VFs (igbvf) on 0000:b0:10.0..10.6,
#                 netdev enp175s0f0 up, VF netdevs vfptafv<i> down; VFs 2 and 3
#                 share one IOMMU group (VF 2's).
#   0000:5e:00.0  QEMU NVMe PF (nvme, numa 0), 0/4 VFs, no netdev.
#   0000:d8:00.0  Mellanox ConnectX-6 Dx PF (mlx5_core, numa 1), 256/256 VFs
#                 (no driver, no netdev) on 0000:d8:00.2..0000:d9:00.1,
#                 netdev enp216s0f0np0 up.
#   0000:00:1f.2  AHCI controller (ahci, numa -1), no SR-IOV.
#
# IOMMU groups: 10 (00:1f.2), 20 (3b:00.0), 21 (3b:00.1 + VF 6 of 3b),
# 30 (af:00.0), 40 (5e:00.0), 50 (d8:00.0); VFs get 1000, 1001, ... in
# creation order (3b: 1000-1007, 1006 dropped when VF 6 moves to 21;
# af: 1008-1011, 1011 dropped when VF 3 joins 1010; d8: 1012-1267).
set -eu

if [ $# -ne 1 ]; then
    echo "usage: $0 ROOT" >&2
    exit 2
fi
root=$1

case $0 in
    */*) here=${0%/*} ;;
    *) here=. ;;
esac
# shellcheck source=tests/fakesys.sh
. "$here/../fakesys.sh"

fakesys_init "$root"

# Plain devices first.
fakesys_device "$root" 0000:00:1f.2 0x8086 0x2922 0x010601 -1 ahci 10
fakesys_device "$root" 0000:3b:00.1 0x8086 0x10c9 0x020000 0 igb 21

# Intel 82576, numa 0.
pf=0000:3b:00.0
fakesys_pf "$root" $pf 0x8086 0x10c9 0x020000 0 igb 20 8 8 384 2 10ca igbvf
fakesys_netdev "$root" $pf enp59s0f0 00:1b:21:3b:00:00 1
i=0
while [ $i -lt 8 ]; do
    up=0
    [ $i -ne 5 ] || up=1
    fakesys_netdev "$root" "$(fakesys_vf_address $pf 384 2 $i)" \
        vfpt3bv$i 02:00:00:3b:00:0$i $up
    i=$((i + 1))
done
fakesys_share_group "$root" "$(fakesys_vf_address $pf 384 2 6)" 21

# Intel 82576, numa 1.
pf=0000:af:00.0
fakesys_pf "$root" $pf 0x8086 0x10c9 0x020000 1 igb 30 8 4 384 2 10ca igbvf
fakesys_netdev "$root" $pf enp175s0f0 00:1b:21:af:00:00 1
i=0
while [ $i -lt 4 ]; do
    fakesys_netdev "$root" "$(fakesys_vf_address $pf 384 2 $i)" \
        vfptafv$i 02:00:00:af:00:0$i 0
    i=$((i + 1))
done
fakesys_share_group "$root" "$(fakesys_vf_address $pf 384 2 3)" \
    "$(fakesys_group_of "$root" "$(fakesys_vf_address $pf 384 2 2)")"

# QEMU NVMe, SR-IOV capable but no VFs enabled.
fakesys_pf "$root" 0000:5e:00.0 0x1b36 0x0010 0x010802 0 nvme 40 4 0 1 1 0010 -

# Mellanox ConnectX-6 Dx, 256 VFs without driver.
pf=0000:d8:00.0
fakesys_pf "$root" $pf 0x15b3 0x101d 0x020000 1 mlx5_core 50 256 256 2 1 101e -
fakesys_netdev "$root" $pf enp216s0f0np0 0c:42:a1:d8:00:00 1
