#!/bin/sh
# test-fakesys.sh - self-check of tests/fakesys.sh and tests/data/host1.sh.
# TAP output; exits non-zero if any check fails.
# shellcheck disable=SC2016 # the checks are eval'd on purpose
set -u

case $0 in
    */*) here=${0%/*} ;;
    *) here=. ;;
esac
here=$(cd "$here" && pwd) || exit 2
# shellcheck source=tests/fakesys.sh
. "$here/fakesys.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/test-fakesys.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 2' HUP INT TERM

n=0
failed=0
ok() {   # ok DESCRIPTION COMMAND...
    n=$((n + 1))
    _d=$1
    shift
    if "$@"; then
        echo "ok $n - $_d"
    else
        echo "not ok $n - $_d"
        failed=$((failed + 1))
    fi
}

# is FILE CONTENT: FILE holds exactly CONTENT and a newline.
is() {
    [ -f "$1" ] || { echo "# missing $1"; return 1; }
    _v=$(cat "$1")
    [ "$_v" = "$2" ] || { echo "# $1: got '$_v', want '$2'"; return 1; }
}

# same_dir A B: A and B resolve to the same directory.
same_dir() {
    _a=$(cd -P "$1" 2>/dev/null && pwd) || { echo "# does not resolve: $1"; return 1; }
    _b=$(cd -P "$2" 2>/dev/null && pwd) || { echo "# does not resolve: $2"; return 1; }
    [ "$_a" = "$_b" ] || { echo "# $1 -> $_a, want $_b"; return 1; }
}

# linkname LINK WANT: the last component of LINK's target is WANT.
linkname() {
    _t=$(readlink "$1") || { echo "# not a link: $1"; return 1; }
    [ "${_t##*/}" = "$2" ] || { echo "# $1 -> $_t, want .../$2"; return 1; }
}

R=$tmp/host1
S=$R/sys
dev() { printf '%s\n' "$S/bus/pci/devices/$1"; }

# Every virtfnN of PF resolves to a device whose physfn resolves back to PF,
# and the VF addresses are (in order) the remaining arguments.
check_vfs() {
    _pf=$1
    shift
    _i=0
    for _want in "$@"; do
        _vf=$S/bus/pci/devices/$_pf/virtfn$_i
        linkname "$_vf" "$_want" || return 1
        same_dir "$_vf" "$S/bus/pci/devices/$_want" || return 1
        same_dir "$_vf/physfn" "$S/bus/pci/devices/$_pf" || return 1
        _i=$((_i + 1))
    done
    [ ! -e "$S/bus/pci/devices/$_pf/virtfn$_i" ] || { echo "# extra virtfn$_i"; return 1; }
}

# Members of IOMMU group G, sorted, on one line.
members() { ls "$S/kernel/iommu_groups/$1/devices" | tr '\n' ' '; }
group_is() {
    _m=$(members "$1")
    [ "$_m" = "$2" ] || { echo "# group $1: '$_m', want '$2'"; return 1; }
}

ok "host1.sh builds the tree" "$here/data/host1.sh" "$R"

ok "vf address arithmetic carries into the bus" \
    [ "$(fakesys_vf_address 0000:d8:00.0 2 1 255)" = 0000:d9:00.1 ]
ok "vf address past bus ff is refused" \
    eval '! fakesys_vf_address 0000:ff:00.0 384 2 0 2>/dev/null'

ok "3b:00.0 has 8 VFs at 3c:10.0..11.6, physfn resolves back" \
    check_vfs 0000:3b:00.0 0000:3c:10.0 0000:3c:10.2 0000:3c:10.4 0000:3c:10.6 \
        0000:3c:11.0 0000:3c:11.2 0000:3c:11.4 0000:3c:11.6
ok "af:00.0 has 4 VFs at b0:10.0..10.6" \
    check_vfs 0000:af:00.0 0000:b0:10.0 0000:b0:10.2 0000:b0:10.4 0000:b0:10.6
ok "5e:00.0 (nvme) is a PF with 0 of 4 VFs" \
    eval 'is "$(dev 0000:5e:00.0)/sriov_totalvfs" 4 && is "$(dev 0000:5e:00.0)/sriov_numvfs" 0 &&
          check_vfs 0000:5e:00.0'

d8vfs() {
    _i=0
    while [ $_i -lt 256 ]; do
        set -- "$@" "$(fakesys_vf_address 0000:d8:00.0 2 1 $_i)"
        _i=$((_i + 1))
    done
    [ "$1" = 0000:d8:00.2 ] && [ "${256}" = 0000:d9:00.1 ] ||
        { echo "# bad first/last $1 ${256}"; return 1; }
    check_vfs 0000:d8:00.0 "$@"
}
ok "d8:00.0 has 256 VFs d8:00.2..d9:00.1" d8vfs
ok "d8 VFs live under pci0000:d8 and have no driver" \
    eval '[ -d "$S/devices/pci0000:d8/0000:d9:00.1" ] && [ ! -e "$(dev 0000:d9:00.1)/driver" ] &&
          [ ! -d "$(dev 0000:d9:00.1)/net" ]'
ok "274 PCI functions in bus/pci/devices" \
    [ "$(ls "$S/bus/pci/devices" | wc -l)" -eq 274 ]

ok "PF attributes" \
    eval 'p=$(dev 0000:3b:00.0); is "$p/vendor" 0x8086 && is "$p/device" 0x10c9 &&
          is "$p/class" 0x020000 && is "$p/numa_node" 0 && is "$p/sriov_totalvfs" 8 &&
          is "$p/sriov_numvfs" 8 && is "$p/sriov_offset" 384 && is "$p/sriov_stride" 2 &&
          is "$p/sriov_vf_device" 10ca && is "$p/sriov_drivers_autoprobe" 1 &&
          is "$p/driver_override" "(null)" && linkname "$p/driver" igb'
ok "VF attributes" \
    eval 'v=$(dev 0000:b0:10.2); is "$v/vendor" 0x8086 && is "$v/device" 0x10ca &&
          is "$v/subsystem_device" 0x10ca && is "$v/class" 0x020000 && is "$v/numa_node" 1 &&
          linkname "$v/driver" igbvf && same_dir "$v/driver" "$S/bus/pci/drivers/igbvf" &&
          same_dir "$S/bus/pci/drivers/igbvf/0000:b0:10.2" "$v" &&
          [ -f "$S/bus/pci/drivers/igbvf/bind" ] && [ -f "$S/bus/pci/drivers_probe" ]'
ok "plain devices have no SR-IOV files" \
    eval '[ ! -e "$(dev 0000:3b:00.1)/sriov_totalvfs" ] && is "$(dev 0000:00:1f.2)/numa_node" -1 &&
          linkname "$(dev 0000:00:1f.2)/driver" ahci'

ok "group 21 = 3b:00.1 + VF 6 of 3b:00.0" \
    eval 'group_is 21 "0000:3b:00.1 0000:3c:11.4 " &&
          linkname "$(dev 0000:3c:11.4)/iommu_group" 21 &&
          same_dir "$(dev 0000:3c:11.4)/iommu_group/devices/0000:3b:00.1" "$(dev 0000:3b:00.1)"'
ok "VFs 2 and 3 of af:00.0 share group 1010, old group gone" \
    eval 'group_is 1010 "0000:b0:10.4 0000:b0:10.6 " &&
          [ "$(fakesys_group_of "$R" 0000:b0:10.6)" = 1010 ] &&
          [ ! -e "$S/kernel/iommu_groups/1011" ] && [ ! -e "$S/kernel/iommu_groups/1006" ]'
ok "other VFs have a group of their own" \
    eval 'group_is 1000 "0000:3c:10.0 " && group_is 1267 "0000:d9:00.1 " &&
          group_is 20 "0000:3b:00.0 "'

ok "netdevs: PF up, VF 5 up, other VFs down" \
    eval 'is "$S/class/net/enp59s0f0/operstate" up && is "$S/class/net/vfpt3bv5/flags" 0x1003 &&
          is "$S/class/net/vfpt3bv5/operstate" up && is "$S/class/net/vfpt3bv4/flags" 0x1002 &&
          is "$S/class/net/vfpt3bv4/operstate" down &&
          is "$S/class/net/vfptafv3/address" 02:00:00:af:00:03 &&
          same_dir "$S/class/net/vfpt3bv5" "$(dev 0000:3c:11.2)/net/vfpt3bv5"'
ok "ifindex values are unique" \
    eval '[ -z "$(cat "$S"/class/net/*/ifindex | sort | uniq -d)" ] &&
          [ "$(ls "$S/class/net" | wc -l)" -eq 15 ]'

ok "no absolute symlinks" eval '[ -z "$(find "$R" -type l -lname "/*")" ]'
# (find -L would wander through the link cycles for minutes.)
dangling() { find "$1" -type l | while read -r _l; do [ -e "$_l" ] || echo "$_l"; done; }
ok "no dangling symlinks" eval '[ -z "$(dangling "$R")" ]'
ok "tree still resolves after a move" \
    eval 'mv "$R" "$tmp/moved" && R=$tmp/moved S=$tmp/moved/sys &&
          check_vfs 0000:af:00.0 0000:b0:10.0 0000:b0:10.2 0000:b0:10.4 0000:b0:10.6 &&
          [ -z "$(dangling "$R")" ]'

ok "fakesys_rm deletes one attribute" \
    eval 'fakesys_rm "$R" 0000:3c:10.2 numa_node && [ ! -e "$(dev 0000:3c:10.2)/numa_node" ] &&
          [ -f "$(dev 0000:3c:10.2)/vendor" ]'

# The batched (perl) and the plain (ln -s) paths build the same tree.
mini() {
    fakesys_init "$1" &&
    fakesys_device "$1" 0000:3b:00.1 0x8086 0x10c9 0x020000 0 igb 21 &&
    fakesys_pf "$1" 0000:3b:00.0 0x8086 0x10c9 0x020000 0 igb 20 8 4 384 2 10ca igbvf &&
    fakesys_pf "$1" 0000:d8:00.0 0x15b3 0x101d 0x020000 1 mlx5_core 50 8 8 250 3 101e - &&
    fakesys_pf "$1" 0000:5e:00.0 0x1b36 0x0010 0x010802 0 nvme 40 4 0 1 1 0010 - &&
    fakesys_netdev "$1" 0000:3b:00.0 enp59s0f0 00:1b:21:3b:00:00 1 &&
    fakesys_netdev "$1" 0000:3c:10.2 vfpt3bv1 02:00:00:3b:00:01 0 &&
    fakesys_share_group "$1" 0000:3c:10.4 21 &&
    fakesys_batch_begin "$1" &&
    fakesys_netdev "$1" 0000:3c:10.6 vfpt3bv3 02:00:00:3b:00:03 1 &&
    fakesys_device "$1" 0000:00:1f.2 0x8086 0x2922 0x010601 -1 ahci - &&
    fakesys_vf "$1" 0000:d8:00.0 8 0000:d9:03.2 0x15b3 0x101e 1 - 77 &&
    fakesys_share_group "$1" 0000:d9:03.2 20 &&
    fakesys_rm "$1" 0000:3b:00.0 sriov_stride &&
    fakesys_netdev "$1" 0000:3c:10.0 vfpt3bv0 02:00:00:3b:00:00 0 &&
    fakesys_batch_end
}
listing() {
    (cd "$1" && find . -exec ls -ld {} + | awk '{ $2 = $3 = $4 = $6 = $7 = $8 = ""; print }' |
        sort && find . -type f -exec cksum {} + | sort -k 3)
}
if command -v perl >/dev/null 2>&1; then
    ok "FAKESYS_NO_PERL=1 builds the same tree" \
        eval '(FAKESYS_NO_PERL=1; mini "$tmp/a") && (unset FAKESYS_NO_PERL; mini "$tmp/b") &&
              [ -z "$(dangling "$tmp/a")" ] && [ ! -e "$tmp/b/.fakesys-queue" ] &&
              [ "$(listing "$tmp/a")" = "$(listing "$tmp/b")" ]'
fi

echo "1..$n"
[ "$failed" -eq 0 ]
