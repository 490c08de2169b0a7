# Helpers for scripts run inside the emulated hypervisor (tests/vm/run SCRIPT).
# Source it: . "$(dirname "$0")/guest-lib.sh"   (bash; nothing here exits)

# Sysfs paths of the PCI functions with vendor $1 and device $2 (0x-prefixed).
vm_find_pci() {
    local d
    for d in /sys/bus/pci/devices/*; do
        [ "$(cat "$d/vendor")" = "$1" ] && [ "$(cat "$d/device")" = "$2" ] && echo "$d"
    done
    return 0
}

# PCI address of VF number $2 (0-based, as virtfnN) of the PF at sysfs path $1.
vm_vf_addr() {
    [ -e "$1/virtfn$2" ] || return 1
    basename "$(readlink -f "$1/virtfn$2")"
}

# Name of the driver bound to PCI address $1 (empty if none).
vm_driver_of() {
    local l
    l=$(readlink -f "/sys/bus/pci/devices/$1/driver" 2>/dev/null) || return 0
    [ -n "$l" ] && [ -e "$l" ] && basename "$l"
    return 0
}

# Binds PCI address $1 to driver $2 as libvirt does: driver_override, unbind,
# drivers_probe (never new_id).
vm_bind() {
    local dev=/sys/bus/pci/devices/$1
    echo "$2" >"$dev/driver_override" || return 1
    if [ -e "$dev/driver" ]; then
        echo "$1" >"$dev/driver/unbind" || return 1
    fi
    echo "$1" >/sys/bus/pci/drivers_probe
    [ "$(vm_driver_of "$1")" = "$2" ]
}

# Waits up to $1 seconds (0.2 s steps) for command "$@" (after $1) to succeed.
vm_wait() {
    local n=$(($1 * 5))
    shift
    while [ "$n" -gt 0 ]; do
        "$@" && return 0
        sleep 0.2
        n=$((n - 1))
    done
    "$@"
}

# ---------------------------------------------------------------------------
# NVMe SR-IOV (QEMU's nvme with sriov_max_vfs; needs nvme-cli).
# A QEMU nvme VF is a "secondary controller": it works only once it holds
# flexible queue (VQ) and interrupt (VI) resources and was set online with
# Virtualization Management commands sent to the PF.

# /dev/nvmeN character device of the nvme PF at sysfs path $1 (waits 20 s).
vm_nvme_ctrl() {
    local c
    _vm_nvme_has_ctrl() {
        c=$(ls "$1/nvme" 2>/dev/null | head -n1)
        [ -n "$c" ] && [ -c "/dev/$c" ]
    }
    vm_wait 20 _vm_nvme_has_ctrl "$1" || return 1
    echo "/dev/$c"
}

# Makes the primary controller $1 (/dev/nvmeN) give its flexible resources back
# (older QEMUs hand them to the primary at reset; QEMU 10 starts with none), then
# resets the PF at sysfs path $2 so that it takes effect.
vm_nvme_release_primary() {
    local caps vq vi cntlid
    caps=$(nvme primary-ctrl-caps "$1") || return 1
    vq=$(awk '$1 == "vqrfap" { print $3 }' <<<"$caps")
    vi=$(awk '$1 == "virfap" { print $3 }' <<<"$caps")
    cntlid=$(awk '$1 == "cntlid" { print $3 }' <<<"$caps")
    [ "$((vq + vi))" = 0 ] && return 0
    nvme virt-mgmt "$1" -c "$((cntlid))" -r 0 -a 1 -n 0 >/dev/null || return 1
    nvme virt-mgmt "$1" -c "$((cntlid))" -r 1 -a 1 -n 0 >/dev/null || return 1
    echo 1 >"$2/reset" || return 1
    vm_wait 20 nvme id-ctrl "$1" >/dev/null 2>&1
}

# Secondary controller id (SCID) of VF number $2 (1-based VFN) on primary $1.
vm_nvme_scid() {
    local f v scid=
    while read -r f v; do
        case $f in
            SCID) scid=$v ;;
            VFN) if [ "$((v))" = "$2" ] && [ -n "$scid" ]; then echo "$((scid))"; return 0; fi ;;
        esac
    done < <(nvme list-secondary "$1" | awk '$1 == "SCID" || $1 == "VFN" { print $1, $NF }')
    return 1
}

# Gives VF number $2 (1-based) of primary $1 one VI and two VQs (admin + one I/O
# queue pair) and sets it online.  The VF must be enabled (sriov_numvfs) first;
# disabling VFs takes them offline and frees their resources again.
vm_nvme_vf_online() {
    local scid
    scid=$(vm_nvme_scid "$1" "$2") || return 1
    nvme virt-mgmt "$1" -c "$scid" -r 1 -a 8 -n 1 >/dev/null &&
        nvme virt-mgmt "$1" -c "$scid" -r 0 -a 8 -n 2 >/dev/null &&
        nvme virt-mgmt "$1" -c "$scid" -r 0 -a 9 -n 0 >/dev/null
}

# ---------------------------------------------------------------------------
# libvirt inside the guest (changes land in the guest's tmpfs overlay only).

# Starts virtlogd and libvirtd with QEMU run as root, no autostarted networks,
# and waits (up to 120 s) until qemu:///system answers. VM_LIBVIRTD_ARGS: more
# libvirtd options (tests/vm/pair-lib.sh: --listen).
VM_LIBVIRTD_ARGS=${VM_LIBVIRTD_ARGS:-}
vm_libvirt_start() {
    if ! grep -q '^user = "root"' /etc/libvirt/qemu.conf 2>/dev/null; then
        printf 'user = "root"\ngroup = "root"\n' >>/etc/libvirt/qemu.conf
    fi
    rm -f /etc/libvirt/qemu/networks/autostart/*.xml
    mkdir -p /var/log/libvirt/qemu /var/lib/libvirt/qemu /run/libvirt
    pidof virtlogd >/dev/null || virtlogd -d || return 1
    # shellcheck disable=SC2086 # a list of options
    pidof libvirtd >/dev/null || libvirtd -d $VM_LIBVIRTD_ARGS || return 1
    vm_wait 120 virsh -q -c qemu:///system version >/dev/null 2>&1
}
