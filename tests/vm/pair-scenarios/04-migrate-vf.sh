# shellcheck shell=bash disable=SC2154,SC2034,SC2016 # variables shared with e2e-lib.sh, pair-lib.sh
# Sourced by tests/vm/pair-e2e.sh in host A after the pair's setup; helpers in e2e-lib.sh and
# pair-lib.sh (on_b runs a command in host B). vfpool migrate: a guest whose pooled VF has no
# failover (a VF of pool nvme, a <hostdev>, under the small OS, which acknowledges PCIe
# hot-unplug) moves live from A to B and back. The command, run on the source, has the
# destination's vfpoold reserve a VF there first (it defines the domain there), unplugs the
# source's VF and gives it back, migrates (virsh migrate's flags), plugs the destination's
# reserved VF, and prints what it did and how long the VF was out. Then B cannot take it (pool
# nvme full, then missing on B): the command fails in one line before anything changed, the
# domain runs on A with its VF and B runs and claims nothing.
scenario "vfpool migrate A -> B -> A of a guest with a pooled nvme VF (unplug, migrate, plug)"
if ! guest_kernel_found; then
    ko "migration: no nested guest kernel for this checkout (tests/vm/setup builds it)"
    return 0
fi

# ---- helpers, in both hosts
# on_host HOST COMMAND...: COMMAND in A's shell, or in B's through on_b.
on_host() {
    local h=$1
    shift
    if [ "$h" = a ]; then "$@"; else on_b "$@"; fi
}
# nv_migrate DEST_URI MIGRATEURI (on the host that runs pm-nv): what an administrator runs
# there, vfpool migrate with virsh migrate's flags; stdout in $work/nv-migrate.out, stderr in
# $work/nv-migrate.err, how long it took (ms) in $work/nv-migrate.ms. At most 600 s.
nv_migrate() {
    local a rc
    a=$(date +%s%N)
    timeout 600 "$vfpool" migrate pm-nv "$1" --live --persistent --undefinesource \
        --migrateuri "$2" >"$work/nv-migrate.out" 2>"$work/nv-migrate.err"
    rc=$?
    echo $((($(date +%s%N) - a) / 1000000)) >"$work/nv-migrate.ms"
    [ "$rc" = 124 ] && hung "vfpool migrate pm-nv $1" 600
    vfpoold_settle
    return "$rc"
}
# guest_pci_count NAME ID: how many functions VENDOR:DEVICE the guest's last PCI list has
# (on the host that ran it last: its console is $work/NAME.console there).
guest_pci_count() {
    grep 'nested-pci:' "$work/$1.console" 2>/dev/null | tail -n1 | grep -o "=$2" | wc -l
}
guest_has_pci() { [ "$(guest_pci_count "$1" "$2")" -gt 0 ]; }
guest_lacks_pci() { ! guest_has_pci "$1" "$2"; }
# live_hostdev NAME ALIAS: the running domain has a PCI <hostdev> of that alias
live_hostdev() {
    V dumpxml "$1" 2>/dev/null |
        xmllint --xpath "//devices/hostdev[@type='pci'][alias/@name='$2']" - >/dev/null 2>&1
}
is_nvme_vf() { vf_index "$nvme_pf" "$1" >/dev/null; } # ADDRESS: a VF of this host's nvme PF
# qemu_holds_vf NAME ADDRESS: the VF is bound to vfio-pci and NAME's QEMU has its VFIO group
# open (a hot-plugged VF is not on QEMU's command line)
qemu_holds_vf() {
    local group pid
    group=$(readlink "/sys/bus/pci/devices/$2/iommu_group") &&
        pid=$(cat "/run/libvirt/qemu/$1.pid" 2>/dev/null) &&
        [ "$(vm_driver_of "$2")" = vfio-pci ] &&
        ls -l "/proc/$pid/fd" 2>/dev/null | grep -q " /dev/vfio/${group##*/}\$"
}
# plugged_in_metadata NAME ALIAS ADDRESS: the live metadata reserves ADDRESS, no longer pending
plugged_in_metadata() {
    [ "$(live_reserved "$1" "$2")" = "$3" ] && ! V dumpxml "$1" | grep -q "hotplug="
}
claims_of() { claims | awk -v d="$1" '$2 == d { n++ } END { print n + 0 }'; } # DOMAIN
holds_none() { [ "$(claims_of "$1")" = 0 ]; } # DOMAIN: the ledger claims nothing for it
# nv_state: pm-nv's VF here: live <source>, live and persistent reservations, the persistent
# definition's <source>, the ledger's claims for pm-nv.
nv_state() {
    echo "live=$(live_source pm-nv ua-vfpool-disk0)" \
        "live_res=$(live_reserved pm-nv ua-vfpool-disk0)" \
        "def_res=$(reserved pm-nv ua-vfpool-disk0)" \
        "def_src=$(defined_source pm-nv ua-vfpool-disk0)" \
        "claims=$(claims | awk '$2 == "pm-nv" { print $1 }' | paste -sd,)"
}
# nvme_pool_full (B): pm-nvfill, a domain without an OS, holds both VFs of pool nvme;
# nvme_pool_gone: no pool nvme; nvme_pool_back: the pool as e2e_setup wrote it.
nvme_pool_full() {
    domain_xml pm-nvfill "<vfpool:vf alias='ua-vfpool-disk0' pool='nvme'/>
      <vfpool:vf alias='ua-vfpool-disk1' pool='nvme'/>" "" &&
        define_pooled pm-nvfill ua-vfpool-disk0 ua-vfpool-disk1 &&
        V start pm-nvfill >/dev/null &&
        [ "$(claims_of pm-nvfill)" = 2 ]
}
nvme_pool_gone() { mv /etc/vfpool/pools.d/nvme.xml "$work/nvme.xml.orig"; }
nvme_pool_back() { cp "$work/nvme.xml.orig" /etc/vfpool/pools.d/nvme.xml; }
on_b eval "$(declare -f nv_migrate guest_pci_count guest_has_pci guest_lacks_pci live_hostdev \
    is_nvme_vf qemu_holds_vf plugged_in_metadata claims_of holds_none nv_state nvme_pool_full \
    nvme_pool_gone nvme_pool_back)"

# nv_run FROM TO: vfpool migrate pm-nv, run on FROM, to TO; its stdout and stderr shown and in
# NV_OUT and NV_ERR, its exit status in NV_RC, how long it took (ms) in NV_MS.
NV_RC=0
NV_OUT=
NV_ERR=
NV_MS=0
indent() { sed "s/^/  | $1/"; } # PREFIX: stdin's lines shown in the log
nv_run() {
    local on_b_limit=660 o # on_b waits for B's vfpool migrate (600 s at most) and more
    info "on ${1^^}: vfpool migrate pm-nv $(uri_of "$2") --live --persistent --undefinesource" \
        "--migrateuri tcp://${pair_ip[$2]}"
    if [ "$1" = a ]; then
        nv_migrate "$(uri_of "$2")" "tcp://${pair_ip[$2]}"
        NV_RC=$?
    else
        o=$(on_b nv_migrate "$(uri_of "$2")" "tcp://${pair_ip[$2]}")
        NV_RC=$?
        [ -z "$o" ] || indent "(B) " <<<"$o"
    fi
    NV_OUT=$(on_host "$1" cat "$work/nv-migrate.out")
    NV_ERR=$(on_host "$1" cat "$work/nv-migrate.err")
    NV_MS=$(on_host "$1" cat "$work/nv-migrate.ms")
    [ -z "$NV_OUT" ] || indent "" <<<"$NV_OUT"
    [ -z "$NV_ERR" ] || indent "stderr: " <<<"$NV_ERR"
    info "vfpool migrate exited with $NV_RC after ${NV_MS} ms"
}
nv_said() { grep -qxF -- "$1" <<<"$NV_OUT"; } # LINE: vfpool migrate printed exactly that line
# out_secs SOURCE_VF DEST_VF DEST_URI: S.SSS of the line saying how long the VF was out,
# when that line names both VFs and the destination as the command's contract says.
out_secs() {
    local l s
    l=$(grep -F "domain 'pm-nv': 'ua-vfpool-disk0' was out for " <<<"$NV_OUT" | head -n1)
    s=$(sed -nE "s/^domain 'pm-nv': 'ua-vfpool-disk0' was out for ([0-9]+\.[0-9]{3}) s \(.*/\1/p" \
        <<<"$l")
    [ -n "$s" ] && [ "$l" = "domain 'pm-nv': 'ua-vfpool-disk0' was out for $s s (VF $1 on this \
host, VF $2 on $3)" ] && echo "$s"
}
one_error() { # the one line on stderr names pm-nv as vfpool's errors do
    [ "$(grep -c . <<<"$NV_ERR")" = 1 ] && [[ $NV_ERR == "vfpool: domain 'pm-nv': "* ]]
}
# pci_id ADDRESS: VENDOR:DEVICE of that PCI function here, as the guest's nested-pci lines
# name it (vfio-pci shows the guest the VF's IDs); QEMU's nvme VF when unknown.
pci_id() {
    local v d
    v=$(cat "/sys/bus/pci/devices/$1/vendor" 2>/dev/null)
    d=$(cat "/sys/bus/pci/devices/$1/device" 2>/dev/null)
    if [ -n "$v" ] && [ -n "$d" ]; then echo "${v#0x}:${d#0x}"; else echo 1b36:0010; fi
}

# nv_trip FROM TO: pm-nv, running on FROM, goes to TO with vfpool migrate; the checks after.
# Sets OUT_S (the seconds the VF was out).
OUT_S=
nv_trip() {
    local from=$1 to=$2 f=${1^^} t=${2^^} uri vs vd s st
    uri=$(uri_of "$to")
    vs=$(on_host "$from" live_source pm-nv ua-vfpool-disk0)
    nv_run "$from" "$to"
    check "vfpool migrate pm-nv $f -> $t exits 0 (${NV_MS} ms)" test "$NV_RC" = 0
    on_host "$to" wait_for 20 follows_live pm-nv ua-vfpool-disk0
    vd=$(on_host "$to" live_source pm-nv ua-vfpool-disk0)
    info "on $t: $(on_host "$to" nv_state)"
    info "on $f: $(on_host "$from" nv_state 2>/dev/null)"
    check "migrate $f -> $t: vfpool says it unplugged 'ua-vfpool-disk0' (VF $vs) on $f" \
        nv_said "domain 'pm-nv': unplugged 'ua-vfpool-disk0' (VF $vs)"
    check "migrate $f -> $t: vfpool says pm-nv migrated to $uri" \
        nv_said "domain 'pm-nv': migrated to $uri"
    check "migrate $f -> $t: vfpool says it plugged $t's VF $vd as 'ua-vfpool-disk0'" \
        eval '[ -n "$vd" ] && nv_said "domain '"'pm-nv'"': plugged VF $vd as '"'ua-vfpool-disk0'"'"'
    s=$(out_secs "$vs" "$vd" "$uri")
    check "migrate $f -> $t: vfpool says how long 'ua-vfpool-disk0' was out ($vs, $vd)" \
        test -n "$s"
    OUT_S=$s
    st=$(on_host "$from" stream_ms pm-nv)
    info "pm-nv's VF was out for ${s:-?} s on the way $f -> $t (vfpool migrate: ${NV_MS} ms," \
        "QEMU's own part on $f: ${st:-?} ms)"
    check "migrate $f -> $t: pm-nv runs on $t, no longer defined on $f" \
        eval 'on_host "$to" running pm-nv && ! on_host "$from" V dominfo pm-nv >/dev/null 2>&1'
    check "migrate $f -> $t: $t's live XML has hostdev ua-vfpool-disk0 on $t's nvme VF $vd" \
        eval '[ -n "$vd" ] && on_host "$to" live_hostdev pm-nv ua-vfpool-disk0 &&
            on_host "$to" is_nvme_vf "$vd"'
    check "migrate $f -> $t: $t's QEMU holds VF $vd through vfio-pci" \
        on_host "$to" qemu_holds_vf pm-nv "$vd"
    check "migrate $f -> $t: $t's live metadata reserves VF $vd, plugged (no longer pending)" \
        on_host "$to" plugged_in_metadata pm-nv ua-vfpool-disk0 "$vd"
    check "migrate $f -> $t: $t's ledger: VF $vd claimed by pm-nv" \
        on_host "$to" claimed_by "$vd" pm-nv
    check "migrate $f -> $t: $f's ledger claims nothing for pm-nv (VF $vs given back)" \
        on_host "$from" holds_none pm-nv
    check "migrate $f -> $t: $t's persistent definition reserves $t's VF $vd (vfpool metadata)" \
        eval '[ -n "$vd" ] && [ "$(on_host "$to" reserved pm-nv ua-vfpool-disk0)" = "$vd" ]'
    check "migrate $f -> $t: $t's persistent definition's <source> is $t's VF $vd" \
        eval '[ -n "$vd" ] && [ "$(on_host "$to" defined_source pm-nv ua-vfpool-disk0)" = "$vd" ]'
    check "migrate $f -> $t: the guest saw its VF unplugged on $f before it left" \
        on_host "$from" guest_lacks_pci pm-nv "$nvme_vf_id"
    check "migrate $f -> $t: the guest sees the nvme VF again on $t (plugged VF $vd)" \
        on_host "$to" wait_for 120 guest_has_pci pm-nv "$nvme_vf_id"
    on_host "$to" guest_lines pm-nv | tail -n 4
}

# ---- A: the guest, its VF from pool nvme (a <hostdev> once resolved)
on_b forget_domains pm-nv pm-nvfill
forget_domains pm-nv
os_domain_xml pm-nv "<metadata><vfpool:vfpool xmlns:vfpool='$ns'>
      <vfpool:vf alias='ua-vfpool-disk0' pool='nvme'/>
    </vfpool:vfpool></metadata>" 3
info "pm-nv: the small OS, three free PCIe root ports, one request of pool nvme;"
info "resolved with 'vfpool resolve --xml' (vfpool adds the <hostdev>), then 'virsh define'"
check "migration source A: pm-nv (a VF of pool nvme) resolved and defined" define_cli pm-nv
va=$(reserved pm-nv ua-vfpool-disk0)
ts=$(now)
check "migration source A: virsh start pm-nv (VF $va)" V start pm-nv
check "migration source A: pm-nv's guest booted its OS" wait_for 400 guest_ready pm-nv
info "pm-nv's OS booted in $(secs "$ts")s (TCG inside TCG)"
va=$(live_source pm-nv ua-vfpool-disk0)
nvme_vf_id=$(pci_id "$va")
check "migration source A: pm-nv's guest sees its nvme VF $va ($nvme_vf_id) in its PCI list" \
    wait_for 120 guest_has_pci pm-nv "$nvme_vf_id"
guest_lines pm-nv | tail -n 2
check "migration source A: QEMU runs VF $va with vfio-pci, A's ledger: claimed by pm-nv" \
    eval '[ -n "$va" ] && has_vfio pm-nv "$va" && claimed_by "$va" pm-nv'

# ---- A -> B, then B -> A (vfpool migrate run on B)
nv_trip a b
out_ab=$OUT_S
nv_trip b a
out_ba=$OUT_S
info "vfpool migrate: pm-nv's VF was out for ${out_ab:-?} s (A -> B) and ${out_ba:-?} s (B -> A)"

# ---- B cannot take it: the command fails before anything changed
# nv_refused WHY: vfpool migrate pm-nv A -> B, which B must refuse; the checks after.
nv_refused() {
    local va0 n0 vr
    va0=$(live_source pm-nv ua-vfpool-disk0)
    n0=$(pci_lines pm-nv)
    nv_run a b
    check "vfpool migrate pm-nv to B with $1 fails (exit status $NV_RC)" test "$NV_RC" != 0
    check "refused migration ($1): one line on stderr, 'vfpool: domain 'pm-nv': ...'" one_error
    check "refused migration ($1): pm-nv still runs on A, persistent there" \
        eval 'running pm-nv && V dominfo pm-nv | grep -qE "^Persistent: +yes"'
    vr=$(live_source pm-nv ua-vfpool-disk0)
    check "refused migration ($1): A's QEMU has an nvme VF ($vr), A's ledger: claimed by pm-nv" \
        eval '[ -n "$vr" ] && is_nvme_vf "$vr" && qemu_holds_vf pm-nv "$vr" &&
            claimed_by "$vr" pm-nv'
    check "refused migration ($1): the guest sees its nvme VF" \
        wait_for 60 guest_has_pci pm-nv "$nvme_vf_id"
    check "refused migration ($1): nothing changed on A first (VF $va0 kept, no unplug seen)" \
        eval '[ "$vr" = "$va0" ] && [ "$(pci_lines pm-nv)" = "$n0" ]'
    check "refused migration ($1): B runs no pm-nv and claims nothing for it" \
        eval '! on_b running pm-nv && on_b holds_none pm-nv'
    if on_b V dominfo pm-nv >/dev/null 2>&1; then
        info "B still has a definition of pm-nv: $(on_b V dominfo pm-nv | grep -E '^State' |
            tr -s ' ')"
    else
        info "B has no definition of pm-nv"
    fi
}

check "migration target B: pool nvme full (pm-nvfill, no OS, holds both its VFs)" \
    on_b nvme_pool_full
nv_refused "B's pool nvme full"
on_b forget_domains pm-nvfill
check "migration target B: pool nvme removed" on_b nvme_pool_gone
nv_refused "no pool nvme on B"
check "migration target B: pool nvme back (vfpool pools lists the four pools)" \
    eval 'on_b nvme_pool_back && on_b pools_listed'

# unplug_asked: vfpool migrate's journal says it asked libvirt to take the device out (B
# reserved its VF before); polled often, so that what follows comes before the migration.
unplug_asked() { grep -qE '"requested" *: *true' "$journal" 2>/dev/null; }
poll_unplug_asked() {
    local i
    for ((i = 0; i < 1200; i++)); do unplug_asked && return 0; sleep 0.05; done
    return 1
}

# ---- Ctrl-C (SIGINT) while the guest lets go of the VF: vfpool migrate stops as virsh migrate
# does, the migration never begins, the VF goes back into the guest and B's definition goes
"$vfpool" migrate pm-nv "$(uri_of b)" --live --persistent --undefinesource \
    --migrateuri "tcp://${pair_ip[b]}" >"$work/nv-int.out" 2>"$work/nv-int.err" &
int_pid=$!
poll_unplug_asked
kill -INT "$int_pid" 2>/dev/null
wait "$int_pid"
rc=$?
indent "" <"$work/nv-int.out"
indent "stderr: " <"$work/nv-int.err"
vr=$(live_source pm-nv ua-vfpool-disk0)
check "migration interrupted by Ctrl-C: vfpool migrate fails (exit $rc), saying so in its error" \
    eval '[ "$rc" = 1 ] && grep -q "^vfpool: .*domain .pm-nv.: interrupted before the migration" \
        "$work/nv-int.err"'
check "migration interrupted by Ctrl-C: pm-nv on A, nvme VF $vr plugged and claimed, no journal" \
    eval 'running pm-nv && [ -n "$vr" ] && qemu_holds_vf pm-nv "$vr" && claimed_by "$vr" pm-nv &&
        plugged_in_metadata pm-nv ua-vfpool-disk0 "$vr" && [ ! -e "$journal" ]'
check "migration interrupted by Ctrl-C: the guest sees its nvme VF" \
    wait_for 60 guest_has_pci pm-nv "$nvme_vf_id"
check "migration interrupted by Ctrl-C: B has no definition of pm-nv and claims nothing" \
    eval '! on_b V dominfo pm-nv >/dev/null 2>&1 && on_b holds_none pm-nv'

# ---- vfpool migrate killed while the guest lets go of the VF (as a crash would, before the
# migration): vfpool reconcile on A finishes the unplug, then puts everything back
ts=$(now)
# (not under timeout: the kill must reach vfpool itself)
"$vfpool" migrate pm-nv "$(uri_of b)" --live --persistent --undefinesource \
    --migrateuri "tcp://${pair_ip[b]}" >"$work/nv-killed.out" 2>&1 &
killed_pid=$!
poll_unplug_asked
kill -9 "$killed_pid" 2>/dev/null
wait "$killed_pid" 2>/dev/null
info "vfpool migrate killed $(secs "$ts")s after it began; its journal:" \
    "$(tr -d ' \n' <"$journal" 2>/dev/null | grep -oE '"state":"[a-z]+"' | paste -sd,)"
check "migration interrupted: A has the journal of vfpool migrate, B the definition it made" \
    eval '[ -e "$journal" ] && on_b V dominfo pm-nv >/dev/null 2>&1'
"$vfpool" reconcile >"$work/nv-reconcile.out" 2>&1
rc=$?
indent "" <"$work/nv-reconcile.out"
check "migration interrupted: vfpool reconcile on A finishes it (exit 0, journal gone)" \
    eval '[ "$rc" = 0 ] && [ ! -e "$journal" ] &&
        grep -q "finishing the interrupted operation" "$work/nv-reconcile.out"'
vr=$(live_source pm-nv ua-vfpool-disk0)
check "migration interrupted: pm-nv runs on A with nvme VF $vr plugged and claimed" \
    eval 'running pm-nv && [ -n "$vr" ] && qemu_holds_vf pm-nv "$vr" && claimed_by "$vr" pm-nv &&
        plugged_in_metadata pm-nv ua-vfpool-disk0 "$vr"'
check "migration interrupted: the guest sees its nvme VF again" \
    wait_for 60 guest_has_pci pm-nv "$nvme_vf_id"
check "migration interrupted: B's definition made for the reservation is gone, B claims nothing" \
    eval '! on_b V dominfo pm-nv >/dev/null 2>&1 && on_b holds_none pm-nv &&
        grep -q "its definition on $(uri_of b) is as it was before" "$work/nv-reconcile.out"'

# ---- a network VF without a standby: the request's MAC and VLAN reach B's VF through the
# <interface type='hostdev'> vfpool migrate plugs there
forget_domains pm-nv
on_b forget_domains pm-nv
nn_mac=52:54:00:4e:4e:01
nn_set() { # ADDRESS: the igb VF's ip link line has pm-nn's MAC and VLAN 17
    local l
    l=$(vf_link_line "$1")
    [[ $l == *"$nn_mac"* && $l == *"vlan 17"* ]]
}
nn_vfs() { set_numvfs "$igb_pf" 7 && igb_vf_baseline; } # pool net's VFs (kept if there)
on_b eval "$(declare -f nn_set nn_vfs)"
on_b eval "nn_mac=$nn_mac"
check "migration: 7 igb VFs on A and on B" eval 'nn_vfs && on_b nn_vfs'
os_domain_xml pm-nn "<metadata><vfpool:vfpool xmlns:vfpool='$ns'>
      <vfpool:vf alias='ua-vfpool-net0' pool='net' mac='$nn_mac' vlan='17'/>
    </vfpool:vfpool></metadata>" 3
check "migration source A: pm-nn (a VF of pool net, MAC and VLAN 17) resolved and started" \
    eval 'define_cli pm-nn && V start pm-nn >/dev/null'
check "migration source A: pm-nn's guest booted and sees its igb VF" \
    eval 'wait_for 400 guest_ready pm-nn && wait_for 120 guest_sees_vf pm-nn'
na=$(live_source pm-nn ua-vfpool-net0)
info "on A: vfpool migrate pm-nn $(uri_of b) --live --persistent --undefinesource"
timeout 600 "$vfpool" migrate pm-nn "$(uri_of b)" --live --persistent --undefinesource \
    --migrateuri "tcp://${pair_ip[b]}" >"$work/nn.out" 2>&1
rc=$?
indent "" <"$work/nn.out"
nb=$(on_b live_source pm-nn ua-vfpool-net0)
check "migrate pm-nn A -> B (network VF, no standby) exits 0, plugged B's VF $nb" \
    eval '[ "$rc" = 0 ] && [ -n "$nb" ] &&
        grep -q "plugged VF $nb as .ua-vfpool-net0." "$work/nn.out"'
check "migrate pm-nn A -> B: B's ip link shows VF $nb with the request's MAC and VLAN 17" \
    on_b nn_set "$nb"
check "migrate pm-nn A -> B: B's ledger claims VF $nb for pm-nn, A's nothing for it" \
    eval 'on_b claimed_by "$nb" pm-nn && holds_none pm-nn'
check "migrate pm-nn A -> B: A's VF $na no longer has pm-nn's MAC and VLAN" \
    eval '[ -n "$na" ] && ! nn_set "$na"'
check "migrate pm-nn A -> B: the guest sees an igb VF again on B" \
    on_b wait_for 120 guest_sees_vf pm-nn
on_b guest_lines pm-nn | tail -n 2
on_b forget_domains pm-nn

# ---- the end: no pm-nv on either host for the next scenarios
forget_domains pm-nv
on_b forget_domains pm-nv pm-nvfill
check "migration: pm-nv gone from A and B, neither ledger claims anything for it" \
    eval '! V dominfo pm-nv >/dev/null 2>&1 && ! on_b V dominfo pm-nv >/dev/null 2>&1 &&
        holds_none pm-nv && on_b holds_none pm-nv'
