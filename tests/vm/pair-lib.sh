# shellcheck shell=bash
# The two-host suite's shared part, sourced by tests/vm/pair-e2e.sh after guest-lib.sh and
# e2e-lib.sh in both emulated hypervisors that tests/vm/run-pair boots: the private link
# (static addresses), libvirtd listening on it (TCP without auth, a host UUID of its own), the
# way A, which runs the scenarios, has commands run on B (request files in the shared pair
# directory), and the nested guests with an OS and a teamed VF that the scenarios migrate.
# shellcheck disable=SC2317,SC2034,SC2154,SC2016 # run through check; e2e-lib.sh's variables

role=         # a or b: which of the two this is
peer=         # the other one
pair_dir=     # shared by both guests at the same path (tests/vm/run-pair)
declare -A pair_ip=([a]=10.77.0.1 [b]=10.77.0.2)
declare -A pair_uuid=([a]=7f6a1e2c-0a0a-4a0a-8a0a-00000000000a
    [b]=7f6a1e2c-0b0b-4b0b-8b0b-00000000000b)
my_ip=
peer_ip=
link_net=     # this host's netdev on the private link
# libvirt URIs of the two hosts as seen from either (TCP on the private link).
uri_of() { echo "qemu+tcp://${pair_ip[$1]}/system"; }

# ---- the link and libvirtd ---------------------------------------------------------------
pair_net_has_link() {
    local n d
    for n in /sys/class/net/*; do
        d=$(readlink -f "$n/device/driver" 2>/dev/null) || continue
        [ "${d##*/}" = virtio_net ] && { link_net=${n##*/}; return 0; }
    done
    return 1
}
pair_peer_answers() { busybox ping -c 1 -W 1 "$peer_ip" >/dev/null 2>&1; }

# pair_link_setup: the host's name, its address on the private link (a virtio-net NIC; the
# module is loaded here, as nothing autoloads modules in the guest).
pair_link_setup() {
    hostname "vfpool-$role"
    echo "vfpool-$role" >/etc/hostname
    modprobe virtio_net || return 1
    vm_wait 10 pair_net_has_link || { echo "no virtio-net NIC for the private link"; return 1; }
    ip link set "$link_net" up &&
        ip addr add "$my_ip/24" dev "$link_net" || return 1
    printf '%s vfpool-a\n%s vfpool-b\n' "${pair_ip[a]}" "${pair_ip[b]}" >>/etc/hosts
}

# pair_libvirt_conf: libvirtd (started by e2e_setup) listens for TCP without authentication on
# the private link's address only, with a host UUID of its own, set rather than left to what
# two identical VMs report (libvirt refuses to migrate between hosts with the same UUID).
pair_libvirt_conf() {
    cat >>/etc/libvirt/libvirtd.conf <<EOF
# tests/vm/pair-lib.sh: migration over the private link between the two hypervisors
listen_tls = 0
listen_tcp = 1
listen_addr = "$my_ip"
auth_tcp = "none"
host_uuid = "${pair_uuid[$role]}"
EOF
    VM_LIBVIRTD_ARGS=--listen
}

# ---- A runs commands on B ----------------------------------------------------------------
# on_b COMMAND [ARGS...]: runs the command in B's shell (B's functions, B's variables, B's
# state: e2e-lib.sh's helpers there see B's ledger and libvirtd), prints its output and
# returns its exit code, as if it ran here. At most $on_b_limit seconds (then 124). A request
# is a file in $pair_dir/rpc that B's pair_serve picks up, evaluates and answers with two files.
on_b_limit=180
on_b() {
    local id f rc end
    id=$(date +%s%N)-$BASHPID
    f=$pair_dir/rpc/$id
    printf '%q ' "$@" >"$f.cmd.tmp" && mv "$f.cmd.tmp" "$f.cmd" || return 125
    end=$(($(date +%s) + on_b_limit))
    while [ ! -e "$f.rc" ]; do
        if [ "$(date +%s)" -ge "$end" ] || [ -e "$pair_dir/b.exit" ]; then
            echo "on_b: B did not answer '$*' in time (or B's script ended)"
            rm -f "$f.cmd"
            return 124
        fi
        sleep 0.1
    done
    cat "$f.out" 2>/dev/null
    rc=$(cat "$f.rc")
    rm -f "$f.out" "$f.rc"
    return "${rc:-125}"
}

# pair_serve (in B): answers A's requests until A asks pair_quit (or A's script ended).
pair_quitting=0
pair_quit() { pair_quitting=1; }
pair_serve() {
    local f id cmd rc
    info "B serves A's requests (files in $pair_dir/rpc)"
    while [ "$pair_quitting" = 0 ]; do
        for f in "$pair_dir"/rpc/*.cmd; do
            [ -e "$f" ] || continue
            id=${f%.cmd}
            cmd=$(cat "$f")
            rm -f "$f"
            eval "$cmd" >"$id.out.tmp" 2>&1 </dev/null
            rc=$?
            echo "  [A asked] ${cmd:0:120}-> $rc"
            mv "$id.out.tmp" "$id.out"
            echo "$rc" >"$id.rc.tmp" && mv "$id.rc.tmp" "$id.rc"
        done
        [ -e "$pair_dir/a.exit" ] && { info "A's script ended"; return 0; }
        sleep 0.1
    done
    info "A said quit"
}

# ---- nested guests with an OS, their VF teamed with a virtio-net standby -------------------
# teamed_xml NAME MAC METADATA HOSTDEV_INTERFACE: a guest booting the small OS
# (tests/vm/build-guest-kernel) whose virtio-net interface ua-backup0 (user-mode networking) is
# the persistent half of a failover pair; HOSTDEV_INTERFACE is the transient half. Its console
# goes to $work/NAME.console on whichever host runs it.
teamed_xml() {
    os_domain_xml "$1" "$3" 3 "$4
    <interface type='user'>
      <mac address='$2'/>
      <model type='virtio'/>
      <teaming type='persistent'/>
      <alias name='ua-backup0'/>
    </interface>"
}
# The guest's last list of network devices has a net_failover master over the virtio-net
# standby, and a netdev of the VF's driver (igbvf).
guest_vf_netdev() {
    grep 'nested-net:' "$work/$1.console" 2>/dev/null | tail -n1 |
        grep -E '\(virtio_net\)>' | grep -qE '\(igbvf\)@'
}
# The MAC of the guest's VF netdev (igbvf), from its last list of network devices.
guest_vf_mac() {
    grep 'nested-net:' "$work/$1.console" 2>/dev/null | tail -n1 |
        grep -oE '\(igbvf\)@[0-9a-f:]+' | cut -d@ -f2
}
vf_link_line() { # ADDRESS: the igb VF's line of ip link (MAC, VLAN, spoof check, trust)
    local i
    i=$(vf_index "$igb_pf" "$1") && vf_line "$i"
}
guest_lines() { # NAME: the guest's nested-* lines so far, indented
    grep -E 'nested-(init|pci|net):' "$work/$1.console" 2>/dev/null | sed 's/^/    | /'
}

# ---- migration ---------------------------------------------------------------------------
# migrate FROM TO DOMAIN [VIRSH_OPTIONS...]: what an administrator runs to move a running
# domain for good: virsh migrate --live --persistent --undefinesource, QEMU's stream over the
# private link (--migrateuri); the client is this host's virsh, talking to FROM's and TO's
# libvirtd. Output in $work/migrate.out; how long virsh took in MIG_MS (ms). At most 600 s.
MIG_MS=0
migrate() {
    local from=$1 to=$2 dom=$3 src=qemu:///system a b rc
    shift 3
    [ "$from" = "$role" ] || src=$(uri_of "$from")
    a=$(date +%s%N)
    timeout 600 virsh -q -c "$src" migrate --live --persistent --undefinesource "$dom" \
        "$(uri_of "$to")" --migrateuri "tcp://${pair_ip[$to]}" "$@" >"$work/migrate.out" 2>&1
    rc=$?
    b=$(date +%s%N)
    MIG_MS=$(((b - a) / 1000000))
    [ "$rc" = 124 ] && hung "virsh migrate $dom from $from to $to" 600
    vfpoold_settle
    return "$rc"
}

# stream_ms DOMAIN (on the source, after a migration): how long QEMU's own part took, from
# "initiating migration" to "shutting down, reason=migrated" in its log (ms; the guest's
# unplug of a teamed VF included); empty when the log does not have both.
stream_ms() {
    local a b
    a=$(grep 'initiating migration' "/var/log/libvirt/qemu/$1.log" 2>/dev/null | tail -n1 |
        cut -d' ' -f1-2)
    b=$(grep 'shutting down, reason=migrated' "/var/log/libvirt/qemu/$1.log" 2>/dev/null |
        tail -n1 | cut -d' ' -f1-2)
    [ -n "$a" ] && [ -n "$b" ] || return 0
    a=$(date -d "${a%:}" +%s%3N) && b=$(date -d "${b%:}" +%s%3N) && echo $((b - a))
}

# ---- the end -----------------------------------------------------------------------------
# pair_keep_logs: this host's logs (hook syslog, vfpoold, libvirtd, QEMU, the ledger, the nested
# guests' consoles) in $results/logs.
pair_keep_logs() {
    mkdir -p "$results/logs"
    cp /var/log/messages "$results/logs/hook-syslog.log" 2>/dev/null
    cp /var/log/vfpoold.log /var/log/libvirt/libvirtd.log "$results/logs/" 2>/dev/null
    cp -r /var/log/libvirt/qemu "$results/logs/qemu" 2>/dev/null
    cp -r "$ledger" "$results/logs/" 2>/dev/null
    cp "$work"/*.console "$results/logs/" 2>/dev/null
    return 0
}
# pair_finish (A): B's hangs count here, B keeps its logs when anything failed, B is told to
# quit; then e2e-lib.sh's finish prints the summary and exits.
pair_finish() {
    local h
    h=$(on_b hang_count)
    [ "${h:-0}" -gt 0 ] && ko "migration host B: $h virsh commands hung (see $pair_dir/b/e2e.log)"
    if [ "$fail" -gt 0 ] || [ -s "$work/hangs" ]; then
        on_b pair_keep_logs >/dev/null
        pair_keep_logs
    fi
    on_b pair_quit >/dev/null
    wait_for 30 test -e "$pair_dir/b.exit"
    finish
}

# ---- the scenarios' domains --------------------------------------------------------------
pm_mac=52:54:00:e2:51:01
# pm_fill_up (B): 7 VFs and pm-fill, a domain without an OS holding the first free VF of pool
# net, running; prints that VF.
pm_fill_up() {
    if ! running pm-fill; then
        set_numvfs "$igb_pf" 7 && igb_vf_baseline || return 1
        domain_xml pm-fill "<vfpool:vf alias='ua-vfpool-net0' pool='net'/>" ""
        V dominfo pm-fill >/dev/null 2>&1 || define_pooled pm-fill ua-vfpool-net0 || return 1
        V start pm-fill >/dev/null || return 1
    fi
    live_source pm-fill ua-vfpool-net0
}
# pm_vp_xml (A): pm-vp, the teamed guest of pool net, as an administrator writes it: the
# request, and the <interface type='hostdev'> with its <teaming> but no <source> (vfpool fills
# it in), MAC on both halves.
pm_vp_xml() {
    teamed_xml pm-vp "$pm_mac" \
        "<metadata><vfpool:vfpool xmlns:vfpool='$ns'>
      <vfpool:vf alias='ua-vfpool-net0' pool='net' mac='$pm_mac'/>
    </vfpool:vfpool></metadata>" \
        "<interface type='hostdev' managed='yes'>
      <mac address='$pm_mac'/>
      <teaming type='transient' persistent='ua-backup0'/>
      <alias name='ua-vfpool-net0'/>
    </interface>"
}
# teamed_up DOMAIN (A): DOMAIN ($work/DOMAIN.xml, resolved if pooled) runs here and its guest
# sees its VF; defines, starts and waits for its OS when it does not run. (A guest that
# migrated here has a new console file: its "ready" line stayed on the other host.)
teamed_up() {
    if ! running "$1"; then
        V dominfo "$1" >/dev/null 2>&1 || {
            if grep -q "xmlns:vfpool" "$work/$1.xml"; then
                define_cli "$1"
            else
                V define "$work/$1.xml" >/dev/null
            fi
        } || return 1
        V start "$1" >/dev/null || return 1
        wait_for 400 guest_ready "$1" || return 1
    fi
    wait_for 120 guest_sees_vf "$1"
}
# teamed_state DOMAIN (either host): its VF in the live XML, live and persistent reservations
# and <source>, the ledger's claims and vfpool status's line of that VF, as NAME=VALUE lines.
teamed_state() {
    local v
    v=$(live_source "$1" ua-vfpool-net0)
    echo "live=$v"
    echo "live_res=$(live_reserved "$1" ua-vfpool-net0)"
    echo "def_res=$(reserved "$1" ua-vfpool-net0)"
    echo "def_src=$(V dumpxml --inactive "$1" 2>/dev/null | xml_source ua-vfpool-net0)"
    echo "claims=$(claims | awk '{ print $1, $2 }' | sort | paste -sd,)"
    echo "status=$("$vfpool" status 2>/dev/null | grep -F "${v:-none}" | tr -s ' ' | head -n1)"
}
field() { sed -n "s/^$1=//p" <<<"$2"; } # NAME TEXT: the value of NAME=VALUE in TEXT
pci_lines() { grep -c 'nested-pci:' "$work/$1.console" 2>/dev/null; } # DOMAIN
hang_count() { local n; n=$(grep -c . "$work/hangs" 2>/dev/null); echo "${n:-0}"; }
