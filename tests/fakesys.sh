# fakesys.sh - build fake Linux sysfs trees for vfpool unit tests.
# shellcheck shell=sh
#
# Source this file from a POSIX shell (dash is fine), then call the
# fakesys_* functions.  The program under test reads the tree through
# VFPOOL_SYSFS_ROOT=ROOT (it looks at ROOT/sys/...).  Every symlink is
# relative, so a tree may be copied or moved.
#
# Public functions:
#   fakesys_init ROOT
#   fakesys_driver ROOT NAME
#   fakesys_device ROOT ADDR VENDOR DEVICE CLASS NUMA DRIVER IOMMU_GROUP
#   fakesys_netdev ROOT ADDR IFNAME MAC UP
#   fakesys_pf ROOT ADDR VENDOR DEVICE CLASS NUMA DRIVER IOMMU_GROUP \
#              TOTALVFS NUMVFS OFFSET STRIDE VFDEVICE VFDRIVER
#   fakesys_vf ROOT PFADDR INDEX VFADDR VENDOR VFDEVICE NUMA VFDRIVER IOMMU_GROUP
#   fakesys_vf_address PFADDR OFFSET STRIDE INDEX      (prints the address)
#   fakesys_share_group ROOT ADDR GROUP
#   fakesys_group_of ROOT ADDR                          (prints the group number)
#   fakesys_rm ROOT ADDR FILE
#   fakesys_batch_begin ROOT / fakesys_batch_end        (optional speed-up)
#
# DRIVER, VFDRIVER and IOMMU_GROUP may be "-" for none.  VENDOR/DEVICE are
# written as given ("0x8086"); VFDEVICE may be given as "10ca" or "0x10ca"
# (sriov_vf_device gets "10ca", the VF's device file "0x10ca").
#
# Layout: a device ADDR lives in ROOT/sys/devices/pciDDDD:BB/ADDR, where
# DDDD:BB is its own domain:bus, except VFs, which live next to their PF.
#
# Speed: each filesystem operation is normally done at once (mkdir/ln
# cost one process each).  Between fakesys_batch_begin and
# fakesys_batch_end the operations are queued in ROOT/.fakesys-queue and
# carried out by a single perl process (perl-base is Essential on Debian);
# fakesys_pf always batches its VFs this way.  Without perl, or with
# FAKESYS_NO_PERL=1, batching is a no-op and everything is done at once;
# both modes build the same tree.  Functions return non-zero on failure.

_fakesys_batch=${_fakesys_batch:-0}
_fakesys_queue=${_fakesys_queue:-}
_fakesys_tab='	'

_fakesys_err() {
    printf 'fakesys: %s\n' "$*" >&2
    return 1
}

# ---------------------------------------------------------------- batching

fakesys_batch_begin() {
    if [ "$_fakesys_batch" -gt 0 ]; then
        _fakesys_batch=$((_fakesys_batch + 1))
        return 0
    fi
    if [ -n "${FAKESYS_NO_PERL:-}" ] || ! command -v perl >/dev/null 2>&1; then
        return 0
    fi
    _fakesys_queue=$1/.fakesys-queue
    : > "$_fakesys_queue" || return 1
    _fakesys_batch=1
}

fakesys_batch_end() {
    [ "$_fakesys_batch" -gt 0 ] || return 0
    if [ "$_fakesys_batch" -gt 1 ]; then
        _fakesys_batch=$((_fakesys_batch - 1))
        return 0
    fi
    _fakesys_flush
    _fakesys_x=$?
    _fakesys_batch=0
    rm -f -- "$_fakesys_queue"
    _fakesys_queue=
    return $_fakesys_x
}

# Carry out the queued operations now (keeps batch mode on).
_fakesys_flush() {
    [ "$_fakesys_batch" -gt 0 ] || return 0
    [ -s "$_fakesys_queue" ] || return 0
    perl -e '
        use strict; use warnings; use File::Path qw(make_path);
        my $rc = 0;
        while (my $l = <STDIN>) {
            chomp $l;
            my ($op, $p, $q) = split /\t/, $l, 3;
            if ($op eq "d") {
                next if -d $p;
                make_path($p, { error => \my $e });
                if (@$e) { warn "fakesys: mkdir $p failed\n"; $rc = 1; }
            } elsif ($op eq "f" || $op eq "e") {
                my $fh;
                if (open($fh, $op eq "f" ? ">" : ">>", $p)) {
                    print $fh "$q\n" if $op eq "f";
                    close($fh) or do { warn "fakesys: $p: $!\n"; $rc = 1; };
                } else { warn "fakesys: $p: $!\n"; $rc = 1; }
            } elsif ($op eq "l") {
                symlink($p, $q) or do { warn "fakesys: ln -s $p $q: $!\n"; $rc = 1; };
            } else { warn "fakesys: bad queue line: $l\n"; $rc = 1; }
        }
        exit $rc;' < "$_fakesys_queue" || return 1
    : > "$_fakesys_queue"
}

# _fakesys_mkdir DIR...   (mkdir -p)
_fakesys_mkdir() {
    if [ "$_fakesys_batch" -gt 0 ]; then
        for _fakesys_x in "$@"; do
            printf 'd\t%s\n' "$_fakesys_x" >> "$_fakesys_queue" || return 1
        done
    else
        mkdir -p -- "$@"
    fi
}

# _fakesys_put FILE CONTENT   (writes CONTENT and a newline)
_fakesys_put() {
    if [ "$_fakesys_batch" -gt 0 ]; then
        printf 'f\t%s\t%s\n' "$1" "$2" >> "$_fakesys_queue"
    else
        printf '%s\n' "$2" > "$1"
    fi
}

# _fakesys_touch FILE   (creates an empty file, keeps an existing one)
_fakesys_touch() {
    if [ "$_fakesys_batch" -gt 0 ]; then
        printf 'e\t%s\n' "$1" >> "$_fakesys_queue"
    else
        : >> "$1"
    fi
}

# _fakesys_ln TARGET LINK   (ln -s)
_fakesys_ln() {
    if [ "$_fakesys_batch" -gt 0 ]; then
        printf 'l\t%s\t%s\n' "$1" "$2" >> "$_fakesys_queue"
    else
        ln -s -- "$1" "$2"
    fi
}

# ---------------------------------------------------------------- helpers

# _fakesys_parse ADDR: sets _fakesys_dom _fakesys_bus _fakesys_dev _fakesys_fn
# (as text) and _fakesys_pv (name of the parent-directory cache variable).
_fakesys_parse() {
    case $1 in
        [0-9a-f][0-9a-f][0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f].[0-7]) ;;
        *) _fakesys_err "bad PCI address '$1' (want dddd:bb:dd.f, lower case)"; return 1 ;;
    esac
    _fakesys_dom=${1%%:*}
    _fakesys_x=${1#*:}
    _fakesys_bus=${_fakesys_x%%:*}
    _fakesys_x=${_fakesys_x#*:}
    _fakesys_dev=${_fakesys_x%.*}
    _fakesys_fn=${_fakesys_x#*.}
    _fakesys_pv=_fakesys_pp_${_fakesys_dom}_${_fakesys_bus}_${_fakesys_dev}_${_fakesys_fn}
}

# _fakesys_parent ROOT ADDR: sets _fakesys_p to the name of the directory
# under ROOT/sys/devices that holds ADDR (e.g. pci0000:3b).
_fakesys_parent() {
    _fakesys_parse "$2" || return 1
    eval "_fakesys_p=\${$_fakesys_pv:-}"
    [ -n "$_fakesys_p" ] && return 0
    _fakesys_flush || return 1
    for _fakesys_x in "$1"/sys/devices/pci*/"$2"; do
        if [ -d "$_fakesys_x" ]; then
            _fakesys_x=${_fakesys_x%/*}
            _fakesys_p=${_fakesys_x##*/}
            eval "$_fakesys_pv=\$_fakesys_p"
            return 0
        fi
    done
    _fakesys_err "no device $2 under $1/sys/devices"
}

_fakesys_hexdigit() {
    case $1 in
        10) _fakesys_h=a ;; 11) _fakesys_h=b ;; 12) _fakesys_h=c ;;
        13) _fakesys_h=d ;; 14) _fakesys_h=e ;; 15) _fakesys_h=f ;;
        *) _fakesys_h=$1 ;;
    esac
}

# _fakesys_vfaddr PFADDR OFFSET STRIDE INDEX: sets _fakesys_r (no fork).
_fakesys_vfaddr() {
    _fakesys_parse "$1" || return 1
    _fakesys_x=$(( (0x$_fakesys_bus << 8 | 0x$_fakesys_dev << 3 | _fakesys_fn) + $2 + $4 * $3 ))
    if [ "$_fakesys_x" -gt 65535 ] || [ "$_fakesys_x" -lt 0 ]; then
        _fakesys_err "VF $4 of $1 (offset $2 stride $3) is past bus ff"
        return 1
    fi
    _fakesys_hexdigit $((_fakesys_x >> 12))
    _fakesys_r=$_fakesys_dom:$_fakesys_h
    _fakesys_hexdigit $((_fakesys_x >> 8 & 15))
    _fakesys_r=$_fakesys_r$_fakesys_h:
    _fakesys_hexdigit $((_fakesys_x >> 7 & 1))
    _fakesys_r=$_fakesys_r$_fakesys_h
    _fakesys_hexdigit $((_fakesys_x >> 3 & 15))
    _fakesys_r=$_fakesys_r$_fakesys_h.$((_fakesys_x & 7))
}

# _fakesys_next ROOT NAME START: sets _fakesys_n to the next value of the
# counter kept in ROOT/.fakesys-NAME (first value START).
_fakesys_next() {
    _fakesys_n=$3
    if [ -f "$1/.fakesys-$2" ]; then
        read -r _fakesys_n < "$1/.fakesys-$2" || return 1
    fi
    printf '%s\n' $((_fakesys_n + 1)) > "$1/.fakesys-$2"
}

# _fakesys_dev ROOT PARENT ADDR VENDOR DEVICE CLASS NUMA DRIVER IOMMU_GROUP
_fakesys_dev() {
    _fakesys_parse "$3" || return 1
    eval "$_fakesys_pv=\$2"
    _fakesys_d=$1/sys/devices/$2/$3
    if [ "$9" != - ]; then
        _fakesys_mkdir "$_fakesys_d" "$1/sys/kernel/iommu_groups/$9/devices" || return 1
    else
        _fakesys_mkdir "$_fakesys_d" || return 1
    fi
    _fakesys_put "$_fakesys_d/vendor" "$4" &&
    _fakesys_put "$_fakesys_d/device" "$5" &&
    _fakesys_put "$_fakesys_d/subsystem_vendor" "$4" &&
    _fakesys_put "$_fakesys_d/subsystem_device" "$5" &&
    _fakesys_put "$_fakesys_d/class" "$6" &&
    _fakesys_put "$_fakesys_d/numa_node" "$7" &&
    _fakesys_put "$_fakesys_d/driver_override" "(null)" &&
    _fakesys_ln "../../../devices/$2/$3" "$1/sys/bus/pci/devices/$3" || return 1
    if [ "$8" != - ]; then
        fakesys_driver "$1" "$8" &&
        _fakesys_ln "../../../bus/pci/drivers/$8" "$_fakesys_d/driver" &&
        _fakesys_ln "../../../../devices/$2/$3" "$1/sys/bus/pci/drivers/$8/$3" || return 1
    fi
    if [ "$9" != - ]; then
        _fakesys_ln "../../../kernel/iommu_groups/$9" "$_fakesys_d/iommu_group" &&
        _fakesys_ln "../../../../devices/$2/$3" \
            "$1/sys/kernel/iommu_groups/$9/devices/$3" || return 1
    fi
}

# ---------------------------------------------------------------- public

fakesys_init() {
    [ $# -eq 1 ] || { _fakesys_err "usage: fakesys_init ROOT"; return 1; }
    mkdir -p -- "$1/sys/bus/pci/devices" "$1/sys/bus/pci/drivers" \
        "$1/sys/devices" "$1/sys/kernel/iommu_groups" "$1/sys/class/net" &&
    : >> "$1/sys/bus/pci/drivers_probe"
}

fakesys_driver() {
    [ $# -eq 2 ] || { _fakesys_err "usage: fakesys_driver ROOT NAME"; return 1; }
    [ -f "$1/sys/bus/pci/drivers/$2/new_id" ] && return 0
    # Done at once even in batch mode (rare, and later calls test for it).
    mkdir -p -- "$1/sys/bus/pci/drivers/$2" &&
    : >> "$1/sys/bus/pci/drivers/$2/bind" &&
    : >> "$1/sys/bus/pci/drivers/$2/unbind" &&
    : >> "$1/sys/bus/pci/drivers/$2/new_id"
}

fakesys_device() {
    [ $# -eq 8 ] || {
        _fakesys_err "usage: fakesys_device ROOT ADDR VENDOR DEVICE CLASS NUMA DRIVER IOMMU_GROUP"
        return 1
    }
    _fakesys_parse "$2" || return 1
    _fakesys_dev "$1" "pci$_fakesys_dom:$_fakesys_bus" "$2" "$3" "$4" "$5" "$6" "$7" "$8"
}

fakesys_netdev() {
    [ $# -eq 5 ] || { _fakesys_err "usage: fakesys_netdev ROOT ADDR IFNAME MAC UP"; return 1; }
    _fakesys_parent "$1" "$2" || return 1
    _fakesys_next "$1" ifindex 100 || return 1
    _fakesys_d=$1/sys/devices/$_fakesys_p/$2/net/$3
    _fakesys_mkdir "$_fakesys_d" &&
    _fakesys_put "$_fakesys_d/address" "$4" &&
    _fakesys_put "$_fakesys_d/ifindex" "$_fakesys_n" || return 1
    if [ "$5" = 1 ]; then
        _fakesys_put "$_fakesys_d/flags" 0x1003 &&
        _fakesys_put "$_fakesys_d/operstate" up || return 1
    else
        _fakesys_put "$_fakesys_d/flags" 0x1002 &&
        _fakesys_put "$_fakesys_d/operstate" down || return 1
    fi
    _fakesys_ln "../../devices/$_fakesys_p/$2/net/$3" "$1/sys/class/net/$3"
}

fakesys_vf_address() {
    [ $# -eq 4 ] || {
        _fakesys_err "usage: fakesys_vf_address PFADDR OFFSET STRIDE INDEX"
        return 1
    }
    _fakesys_vfaddr "$@" || return 1
    printf '%s\n' "$_fakesys_r"
}

fakesys_vf() {
    [ $# -eq 9 ] || {
        _fakesys_err "usage: fakesys_vf ROOT PFADDR INDEX VFADDR VENDOR VFDEVICE NUMA VFDRIVER" \
            "IOMMU_GROUP"
        return 1
    }
    _fakesys_parent "$1" "$2" || return 1
    # VF class = PF class (read back only when not known from fakesys_pf).
    if [ -z "${_fakesys_vfclass:-}" ]; then
        _fakesys_flush || return 1
        read -r _fakesys_c < "$1/sys/devices/$_fakesys_p/$2/class" || return 1
    else
        _fakesys_c=$_fakesys_vfclass
    fi
    _fakesys_vp=$_fakesys_p
    _fakesys_dev "$1" "$_fakesys_vp" "$4" "$5" "0x${6#0x}" "$_fakesys_c" "$7" "$8" "$9" &&
    _fakesys_ln "../$4" "$1/sys/devices/$_fakesys_vp/$2/virtfn$3" &&
    _fakesys_ln "../$2" "$1/sys/devices/$_fakesys_vp/$4/physfn"
}

fakesys_pf() {
    [ $# -eq 14 ] || {
        _fakesys_err "usage: fakesys_pf ROOT ADDR VENDOR DEVICE CLASS NUMA DRIVER IOMMU_GROUP" \
            "TOTALVFS NUMVFS OFFSET STRIDE VFDEVICE VFDRIVER"
        return 1
    }
    _fakesys_pf_root=$1 _fakesys_pf_addr=$2 _fakesys_pf_vendor=$3
    _fakesys_pf_class=$5 _fakesys_pf_numa=$6
    _fakesys_pf_total=$9 _fakesys_pf_num=${10} _fakesys_pf_off=${11}
    _fakesys_pf_stride=${12} _fakesys_pf_vfdev=${13#0x} _fakesys_pf_vfdrv=${14}
    if [ "$_fakesys_pf_num" -gt "$_fakesys_pf_total" ]; then
        _fakesys_err "$2: numvfs $_fakesys_pf_num > totalvfs $_fakesys_pf_total"
        return 1
    fi
    # Check every VF address before writing anything.
    if [ "$_fakesys_pf_num" -gt 0 ]; then
        _fakesys_vfaddr "$2" "$_fakesys_pf_off" "$_fakesys_pf_stride" \
            $((_fakesys_pf_num - 1)) || return 1
    fi
    [ "$7" = - ] || fakesys_driver "$1" "$7" || return 1
    [ "$_fakesys_pf_vfdrv" = - ] || fakesys_driver "$1" "$_fakesys_pf_vfdrv" || return 1
    fakesys_batch_begin "$1" || return 1
    _fakesys_pf_rc=0
    _fakesys_pf_body "$@" || _fakesys_pf_rc=1
    fakesys_batch_end || _fakesys_pf_rc=1
    return $_fakesys_pf_rc
}

_fakesys_pf_body() {
    fakesys_device "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$8" || return 1
    _fakesys_parse "$2" || return 1
    _fakesys_pf_d=$1/sys/devices/pci$_fakesys_dom:$_fakesys_bus/$2
    _fakesys_put "$_fakesys_pf_d/sriov_totalvfs" "$_fakesys_pf_total" &&
    _fakesys_put "$_fakesys_pf_d/sriov_numvfs" "$_fakesys_pf_num" &&
    _fakesys_put "$_fakesys_pf_d/sriov_offset" "$_fakesys_pf_off" &&
    _fakesys_put "$_fakesys_pf_d/sriov_stride" "$_fakesys_pf_stride" &&
    _fakesys_put "$_fakesys_pf_d/sriov_vf_device" "$_fakesys_pf_vfdev" &&
    _fakesys_put "$_fakesys_pf_d/sriov_drivers_autoprobe" 1 || return 1
    _fakesys_vfclass=$_fakesys_pf_class
    _fakesys_pf_i=0
    while [ "$_fakesys_pf_i" -lt "$_fakesys_pf_num" ]; do
        _fakesys_vfaddr "$2" "$_fakesys_pf_off" "$_fakesys_pf_stride" "$_fakesys_pf_i" &&
        _fakesys_next "$1" group 1000 &&
        fakesys_vf "$1" "$2" "$_fakesys_pf_i" "$_fakesys_r" "$_fakesys_pf_vendor" \
            "$_fakesys_pf_vfdev" "$_fakesys_pf_numa" "$_fakesys_pf_vfdrv" "$_fakesys_n" ||
            { _fakesys_vfclass=; return 1; }
        _fakesys_pf_i=$((_fakesys_pf_i + 1))
    done
    _fakesys_vfclass=
}

fakesys_share_group() {
    [ $# -eq 3 ] || { _fakesys_err "usage: fakesys_share_group ROOT ADDR GROUP"; return 1; }
    _fakesys_flush || return 1
    _fakesys_parent "$1" "$2" || return 1
    _fakesys_d=$1/sys/devices/$_fakesys_p/$2
    if [ -L "$_fakesys_d/iommu_group" ]; then
        _fakesys_x=$(readlink "$_fakesys_d/iommu_group") || return 1
        _fakesys_x=$1/sys/kernel/iommu_groups/${_fakesys_x##*/}
        rm -f -- "$_fakesys_x/devices/$2" "$_fakesys_d/iommu_group" || return 1
        # A group without devices does not exist in a real kernel.
        rmdir -- "$_fakesys_x/devices" 2>/dev/null && rmdir -- "$_fakesys_x" 2>/dev/null
    fi
    mkdir -p -- "$1/sys/kernel/iommu_groups/$3/devices" &&
    ln -s -- "../../../kernel/iommu_groups/$3" "$_fakesys_d/iommu_group" &&
    ln -s -- "../../../../devices/$_fakesys_p/$2" "$1/sys/kernel/iommu_groups/$3/devices/$2"
}

fakesys_group_of() {
    [ $# -eq 2 ] || { _fakesys_err "usage: fakesys_group_of ROOT ADDR"; return 1; }
    _fakesys_flush || return 1
    _fakesys_parent "$1" "$2" || return 1
    _fakesys_x=$(readlink "$1/sys/devices/$_fakesys_p/$2/iommu_group") || return 1
    printf '%s\n' "${_fakesys_x##*/}"
}

fakesys_rm() {
    [ $# -eq 3 ] || { _fakesys_err "usage: fakesys_rm ROOT ADDR FILE"; return 1; }
    _fakesys_flush || return 1
    _fakesys_parent "$1" "$2" || return 1
    rm -- "$1/sys/devices/$_fakesys_p/$2/$3"
}

# ---------------------------------------------------------------- the kernel's reactions
# What the kernel does after a write to sysfs, for the fake kernel of the test hook worker
# (tests/fake-kernel.c), which calls these through sh after each write vfpool makes.

# fakesys_remove_device ROOT ADDR: a function disappears (its VF was destroyed).
fakesys_remove_device() {
    _fk_link=$(readlink "$1/sys/bus/pci/devices/$2") || return 1
    _fk_dir=$1/sys/bus/pci/devices/$_fk_link
    if [ -L "$_fk_dir/driver" ]; then
        rm -f "$1/sys/bus/pci/drivers/$(basename "$(readlink "$_fk_dir/driver")")/$2"
    fi
    if [ -L "$_fk_dir/iommu_group" ]; then
        _fk_group=$(basename "$(readlink "$_fk_dir/iommu_group")")
        rm -f "$1/sys/kernel/iommu_groups/$_fk_group/devices/$2"
        rmdir "$1/sys/kernel/iommu_groups/$_fk_group/devices" \
            "$1/sys/kernel/iommu_groups/$_fk_group" 2>/dev/null
    fi
    for _fk_net in "$_fk_dir"/net/*; do
        [ -e "$_fk_net" ] && rm -f "$1/sys/class/net/$(basename "$_fk_net")"
    done
    rm -rf "$_fk_dir"
    rm -f "$1/sys/bus/pci/devices/$2"
}

# fakesys_set_numvfs ROOT PFADDR N: N was written to the PF's sriov_numvfs.
fakesys_set_numvfs() {
    _fk_pf=$1/sys/bus/pci/devices/$2
    _fk_i=0
    while [ -L "$_fk_pf/virtfn$_fk_i" ]; do
        fakesys_remove_device "$1" "$(basename "$(readlink "$_fk_pf/virtfn$_fk_i")")" || return 1
        rm -f "$_fk_pf/virtfn$_fk_i"
        _fk_i=$((_fk_i + 1))
    done
    read -r _fk_vendor <"$_fk_pf/vendor"
    read -r _fk_vfdev <"$_fk_pf/sriov_vf_device"
    read -r _fk_numa <"$_fk_pf/numa_node"
    read -r _fk_off <"$_fk_pf/sriov_offset"
    read -r _fk_stride <"$_fk_pf/sriov_stride"
    fakesys_batch_begin "$1" || return 1
    _fk_i=0
    while [ "$_fk_i" -lt "$3" ]; do
        _fk_addr=$(fakesys_vf_address "$2" "$_fk_off" "$_fk_stride" "$_fk_i") &&
        _fakesys_next "$1" group 1000 &&
        fakesys_vf "$1" "$2" "$_fk_i" "$_fk_addr" "$_fk_vendor" "$_fk_vfdev" "$_fk_numa" - \
            "$_fakesys_n" || return 1
        _fk_i=$((_fk_i + 1))
    done
    fakesys_batch_end || return 1
    printf '%s\n' "$3" >"$_fk_pf/sriov_numvfs"
}

# fakesys_unbind ROOT ADDR: ADDR was written to its driver's unbind file.
fakesys_unbind() {
    _fk_dev=$1/sys/bus/pci/devices/$2
    [ -L "$_fk_dev/driver" ] || return 0
    rm -f "$1/sys/bus/pci/drivers/$(basename "$(readlink "$_fk_dev/driver")")/$2" "$_fk_dev/driver"
}

# fakesys_probe ROOT ADDR: ADDR was written to drivers_probe; driver_override decides.
fakesys_probe() {
    _fk_dev=$1/sys/bus/pci/devices/$2
    read -r _fk_drv <"$_fk_dev/driver_override"
    case "$_fk_drv" in "" | "(null)") return 0 ;; esac
    [ -L "$_fk_dev/driver" ] && return 0
    fakesys_driver "$1" "$_fk_drv" || return 1
    _fk_link=$(readlink "$1/sys/bus/pci/devices/$2")
    ln -s "../$_fk_link" "$1/sys/bus/pci/drivers/$_fk_drv/$2" &&
    ln -s "../../../bus/pci/drivers/$_fk_drv" "$_fk_dev/driver"
}
