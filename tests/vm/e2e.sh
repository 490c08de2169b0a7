#!/bin/bash
# vfpool end to end, inside the emulated SR-IOV hypervisor: the real libvirtd runs the hook
# (and vfpoold when the build has it) while an administrator's virsh commands start, stop,
# save, restore and restart domains that take VFs from igb and nvme pools.
#
#   tests/vm/run [--share RESULTS] tests/vm/e2e.sh BUILD_DIR [RESULTS]
#
# BUILD_DIR holds the built vfpool, vfpool-hook, vfpool-hook-worker (and vfpoold).
# RESULTS (optional, writable in the guest): e2e.log, and on failure the state dumps and
# the libvirt, QEMU and hook logs. Prints "=== scenario N" headers, PASS:/FAIL: lines and
# ends with "N passed, N failed"; exits 1 if anything failed.
# shellcheck disable=SC2317 # functions run through check and wait_for
set -u

usage() { echo "usage: $0 BUILD_DIR [RESULTS_DIR]" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 2 ] || usage
build=$(cd "$1" 2>/dev/null && pwd) || { echo "e2e: no build directory $1" >&2; exit 2; }
results=${2:-}
here=$(cd "$(dirname "$0")" && pwd)

tee_pid=
if [ -n "$results" ]; then
    mkdir -p "$results" || exit 2
    exec > >(tee "$results/e2e.log") 2>&1
    tee_pid=$!
fi

. "$here/guest-lib.sh"
export LIBVIRT_DEFAULT_URI=qemu:///system LC_ALL=C

# ---- reporting -----------------------------------------------------------------------------
pass=0
fail=0
notes=()
ok() { echo "PASS: $*"; pass=$((pass + 1)); }
ko() { echo "FAIL: $*"; fail=$((fail + 1)); }
check() { # check "what" command...
    local what=$1
    shift
    if "$@"; then ok "$what"; else ko "$what"; fi
}
note() { echo "NOTE: $*"; notes+=("$*"); }
info() { echo "  $*"; }

now() { date +%s.%N; }
t0=$(now)
secs() { awk -v a="$1" -v b="${2:-$(now)}" 'BEGIN { printf "%.1f", b - a }'; }
elapsed() { secs "$t0"; }
scenario_t0=
scenario_fail0=0
scenario_name=
scenario_times=()
scenario() {
    scenario_end
    scenario_name="scenario $1"
    scenario_t0=$(now)
    scenario_fail0=$fail
    echo
    echo "=== scenario $1: $2 (at $(elapsed)s)"
}
scenario_end() {
    [ -n "$scenario_name" ] || return 0
    local took
    took=$(secs "$scenario_t0")
    echo "--- $scenario_name took ${took}s"
    scenario_times+=("$scenario_name ${took}s")
    [ "$fail" -gt "$scenario_fail0" ] && dump_state "${scenario_name// /-}"
    scenario_name=
}

# Waits up to $1 seconds for "$@" (after $1) to succeed, every 0.5 s.
wait_for() {
    local end=$(($(date +%s) + $1))
    shift
    while ! "$@"; do
        [ "$(date +%s)" -lt "$end" ] || return 1
        sleep 0.5
    done
}

# virsh, never hanging the whole run: a command that does not return in time is a failure,
# with the evidence of who waits for whom, and vfpoold is stopped to let libvirtd go on.
# V_MS: how long the last virsh command took (ms). With vfpoold running, commands that make
# it rescan are followed by a pause until that scan is over (see scenario 9 for why).
V_MS=0
V() {
    local rc limit=60 a b
    case $1 in start | create | restore | save) limit=90 ;; esac
    a=$(date +%s%N)
    timeout "$limit" virsh -q "$@"
    rc=$?
    b=$(date +%s%N)
    V_MS=$(((b - a) / 1000000))
    [ "$rc" = 124 ] && hung "virsh $*" "$limit"
    case $1 in
        start | create | restore | save | destroy | define | undefine) vfpoold_settle ;;
    esac
    return "$rc"
}
vfpoold_pid=
settle=1
daemon_on() { [ "$mode" = daemon ] && [ -n "$vfpoold_pid" ] && kill -0 "$vfpoold_pid" 2>/dev/null; }
vfpoold_settle() { [ "$settle" = 1 ] && daemon_on && sleep 1; return 0; }
stop_vfpoold() {
    daemon_on || return 0
    kill -TERM "$vfpoold_pid" 2>/dev/null
    gone() { ! kill -0 "$vfpoold_pid" 2>/dev/null; }
    if ! wait_for 5 gone; then
        note "vfpoold did not stop on SIGTERM within 5 s while blocked in a libvirt call (its signal flag is only read by the event loop); killed with SIGKILL"
        kill -KILL "$vfpoold_pid" 2>/dev/null
        wait_for 5 gone
    fi
    mode=cli
}
hung() { # WHAT SECONDS
    local lockino out=/dev/null p
    # counted through a file: hung may run in a subshell ($(V ...))
    echo "FAIL: '$1' did not return in ${2}s: libvirtd is stuck"
    echo "$1" >>"$work/hangs"
    [ -n "$results" ] && out=$results/hang-$(date +%s).txt
    {
        echo "### '$1' hung (at $(elapsed)s)"
        lockino=$(stat -c %i /run/vfpool/ledger.lock 2>/dev/null)
        echo "--- /proc/locks on ledger.lock (inode $lockino; '->' waits)"
        grep -E ":$lockino " /proc/locks
        for p in $(grep -E ":$lockino " /proc/locks | sed 's/->//' | awk '{ print $5 }' | sort -u); do
            echo "  pid $p: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"
        done
        echo "--- processes"
        ps -eo pid,ppid,stat,wchan:24,args | grep -E 'libvirtd|vfpool|qemu-system' | grep -v grep | cut -c1-200
        for p in $(grep -lE '^(vfpoold|vfpool-hook-wor)' /proc/[0-9]*/comm 2>/dev/null | cut -d/ -f3); do
            echo "--- gdb backtrace of $(cat "/proc/$p/comm") ($p)"
            timeout 60 gdb -p "$p" -batch -ex 'thread apply all bt' 2>/dev/null | grep -E '^(#|Thread)' | head -n 40
        done
    } >"$out" 2>&1
    [ "$out" != /dev/null ] && sed 's/^/  | /' "$out"
    if daemon_on; then
        note "'$1' hung for ${2}s: deadlock between vfpoold (holds the ledger lock while it calls libvirt) and the hook (waits for that lock while libvirtd holds the domain); evidence above${results:+ and in $out}. vfpoold was stopped to let libvirtd go on; later scenarios resolve with the CLI"
        stop_vfpoold
        sleep 2
    fi
}

# ---- the VFs -------------------------------------------------------------------------------
igb_pf=
igb_net=
nvme_pf=

set_numvfs() { # PF_SYSFS N: what an administrator does (through 0, as the kernel wants)
    local cur
    cur=$(cat "$1/sriov_numvfs")
    [ "$cur" = "$2" ] && return 0
    echo 0 >"$1/sriov_drivers_autoprobe"
    if [ "$cur" != 0 ]; then echo 0 >"$1/sriov_numvfs" || return 1; fi
    [ "$2" = 0 ] || echo "$2" >"$1/sriov_numvfs"
}
vf_index() { # PF_SYSFS ADDRESS -> VF index
    local l
    for l in "$1"/virtfn*; do
        [ "$(basename "$(readlink -f "$l")")" = "$2" ] && { echo "${l##*virtfn}"; return 0; }
    done
    return 1
}
vf_line() { # INDEX -> the VF's line of "ip link show" of the igb PF
    ip link show "$igb_net" | grep -E "^ +vf $1 " | sed 's/^ *//'
}
igb_vf_baseline() { # every igb VF: spoofchk off, trust off (so restores are visible)
    local i n
    n=$(cat "$igb_pf/sriov_numvfs")
    for ((i = 0; i < n; i++)); do
        ip link set "$igb_net" vf "$i" spoofchk off trust off 2>/dev/null
    done
}

# ---- domains -------------------------------------------------------------------------------
work=/run/vfpool-e2e
ns=http://vfpool.org/xmlns/libvirt/domain/1.0

# domain_xml NAME REQUESTS DEVICES: an annotated TCG domain (no disk, no OS) in $work/NAME.xml.
domain_xml() {
    cat >"$work/$1.xml" <<EOF
<domain type='qemu'>
  <name>$1</name>
  <metadata>
    <vfpool:vfpool xmlns:vfpool='$ns'>
      $2
    </vfpool:vfpool>
  </metadata>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <features><acpi/></features>
  <devices>
    $3
  </devices>
</domain>
EOF
}

# The address attribute of the reservation of ALIAS in XML on stdin.
xml_reservation() {
    xmllint --xpath "string(//*[local-name()='reservation'][@alias='$1']/@$2)" - 2>/dev/null
}
# PCI address of the <source><address> of the device with ALIAS in XML on stdin.
xml_source() {
    local x a v=()
    x=$(cat)
    for a in domain bus slot function; do
        v+=("$(xmllint --xpath "string(//devices/*[alias/@name='$1']/source/address/@$a)" - <<<"$x" 2>/dev/null)")
    done
    [ -n "${v[1]}" ] || return 1
    printf '%04x:%02x:%02x.%x\n' "$((v[0]))" "$((v[1]))" "$((v[2]))" "$((v[3]))"
}
reserved() { V dumpxml --inactive "$1" 2>/dev/null | xml_reservation "$2" address; }
live_reserved() { V dumpxml "$1" 2>/dev/null | xml_reservation "$2" address; }
live_source() { V dumpxml "$1" 2>/dev/null | xml_source "$2"; }
state_of() { V domstate "$1" 2>/dev/null | head -n1; }
running() { [ "$(state_of "$1")" = running ]; }
qemu_cmdline() {
    local pid
    pid=$(cat "/run/libvirt/qemu/$1.pid" 2>/dev/null) || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null
}
has_vfio() { qemu_cmdline "$1" | grep -qE "vfio-pci[^ ]*\"host\":\"$2\""; }

# How domains get their VFs: vfpoold resolves them on "virsh define" when the build has it;
# otherwise "vfpool resolve --xml" before "virsh define".
mode=cli
has_reservations() { # NAME ALIAS...
    local d=$1 a
    shift
    for a in "$@"; do [ -n "$(reserved "$d" "$a")" ] || return 1; done
}
define_cli() { # NAME: resolve $work/NAME.xml offline and define the result
    "$vfpool" resolve --xml "$work/$1.xml" >"$work/$1.resolved.xml" 2>"$work/$1.resolve.err" ||
        { cat "$work/$1.resolve.err"; return 1; }
    V define "$work/$1.resolved.xml" >/dev/null
}
define_pooled() { # NAME ALIAS...: define $work/NAME.xml and get it resolved
    local d=$1
    if daemon_on; then
        V define "$work/$d.xml" >/dev/null || return 1
        wait_for 60 has_reservations "$@" || { echo "vfpoold did not resolve $d in 60 s"; return 1; }
    else
        define_cli "$d"
    fi
}

# clone_domain SRC NEW MACFROM MACTO: NEW's definition is SRC's (same reservation), written
# by hand the way an administrator copies a domain.
clone_domain() {
    V dumpxml --inactive "$1" |
        sed -e "s|<name>$1</name>|<name>$2</name>|" -e '/<uuid>/d' -e "s/$3/$4/g" \
            >"$work/$2.xml"
}

forget_domains() { # destroy and undefine, ignoring what is not there
    local d
    for d in "$@"; do
        running "$d" && V destroy "$d" >/dev/null 2>&1
        V undefine "$d" >/dev/null 2>&1
    done
    return 0
}

# ---- the ledger ----------------------------------------------------------------------------
ledger=/run/vfpool/ledger.json
claims() { # "ADDRESS DOMAIN STEP" per claim
    [ -s "$ledger" ] || return 0
    if command -v jq >/dev/null; then
        jq -r '.claims[] | "\(.address) \(.domain) \(.step)"' "$ledger"
    else
        awk -F'"' '/"address" :/ { a = $4 } /"domain" :/ { d = $4 } /"step" :/ { print a, d, $4 }' "$ledger"
    fi
}
claim_count() { claims | grep -c . ; }
ledger_empty() { [ "$(claim_count)" = 0 ]; }
claimed_by() { claims | grep -q "^$1 $2 "; } # ADDRESS DOMAIN
claims_are() { # "ADDRESS DOMAIN"...: exactly these claims
    [ "$(claims | awk '{ print $1, $2 }' | sort)" = "$(printf '%s\n' "$@" | sort)" ]
}
all_running() { local d; for d; do running "$d" || return 1; done; }
lacks() { ! grep -q -- "$1" <<<"$2"; } # lacks PATTERN TEXT
syslog_has() { grep -qF -- "$1" /var/log/messages 2>/dev/null; }

# ---- state dumps ---------------------------------------------------------------------------
dump_state() {
    local out=/dev/null
    [ -n "$results" ] && out=$results/state-$1.txt
    {
        echo "### state after $1 (at $(elapsed)s)"
        echo "--- virsh list --all"; V list --all 2>&1
        echo "--- $ledger"; cat "$ledger" 2>&1
        echo "--- ip link show $igb_net"; ip link show "$igb_net" 2>&1
        echo "--- sriov_numvfs igb $(cat "$igb_pf/sriov_numvfs" 2>/dev/null) nvme $(cat "$nvme_pf/sriov_numvfs" 2>/dev/null)"
        echo "--- vfpool status"; "$vfpool" status 2>&1
        echo "--- drivers"
        for l in "$igb_pf"/virtfn* "$nvme_pf"/virtfn*; do
            [ -e "$l" ] && echo "$(basename "$(readlink -f "$l")") $(vm_driver_of "$(basename "$(readlink -f "$l")")")"
        done
        echo "--- /var/log/messages (hook, last 40)"; tail -n 40 /var/log/messages 2>&1
        echo "--- vfpoold (last 20)"; tail -n 20 /var/log/vfpoold.log 2>&1
        echo "--- libvirtd.log (last 20)"; tail -n 20 /var/log/libvirt/libvirtd.log 2>&1
        for f in /var/log/libvirt/qemu/*.log; do
            [ -f "$f" ] || continue
            echo "--- $f (last 10)"; tail -n 10 "$f"
        done
    } >"$out" 2>&1
    echo "  (state after $1: virsh list, ledger, ip link, logs${results:+ in $out})"
    V list --all 2>&1 | sed 's/^/  | /'
    claims | sed 's/^/  | claim: /'
    tail -n 8 /var/log/messages 2>/dev/null | sed 's/^/  | /'
}

finish() {
    [ -s "$work/hangs" ] && fail=$((fail + $(grep -c . "$work/hangs")))
    scenario_end
    echo
    echo "=== summary"
    local s
    for s in "${scenario_times[@]}"; do echo "  $s"; done
    if daemon_on; then s="vfpoold ran throughout"
    elif [ -x "$bin/vfpoold" ]; then s="vfpoold was stopped on the way"
    else s="no vfpoold in the build"; fi
    echo "  e2e took $(elapsed)s of VM time ($s)"
    for s in "${notes[@]}"; do echo "  note: $s"; done
    if [ "$fail" -gt 0 ] && [ -n "$results" ]; then
        mkdir -p "$results/logs"
        cp /var/log/messages "$results/logs/hook-syslog.log" 2>/dev/null
        cp /var/log/vfpoold.log /var/log/libvirt/libvirtd.log "$results/logs/" 2>/dev/null
        cp -r /var/log/libvirt/qemu "$results/logs/qemu" 2>/dev/null
        cp "$ledger" "$results/logs/" 2>/dev/null
        echo "  logs kept in $results"
    fi
    echo "$pass passed, $fail failed"
    if [ -n "$tee_pid" ]; then
        exec >&- 2>&-
        for _ in $(seq 50); do kill -0 "$tee_pid" 2>/dev/null || break; sleep 0.1; done
    fi
    [ "$fail" = 0 ] && exit 0
    exit 1
}

# =============================================================================================
echo "=== setup (build $build)"
mkdir -p "$work"
check "modprobe igb vfio-pci nvme" modprobe -a igb vfio-pci vfio_iommu_type1 nvme
pidof syslogd >/dev/null || busybox syslogd -O /var/log/messages

# Private copies of the programs: the build tree may be rebuilt while the VM runs.
bin=/opt/vfpool-e2e
mkdir -p "$bin"
for p in vfpool vfpool-hook vfpool-hook-worker vfpoold; do
    [ -x "$build/$p" ] || continue
    if [ "$(head -c4 "$build/$p")" = $'\x7fELF' ]; then cp "$build/$p" "$bin/$p"; else ln -sf "$build/$p" "$bin/$p"; fi
done
vfpool=$bin/vfpool
for p in vfpool vfpool-hook vfpool-hook-worker; do
    check "built program $p" test -x "$bin/$p"
done
[ -x "$vfpool" ] && [ -x "$bin/vfpool-hook" ] || finish

# The build's own configuration and state directories (a plain ./configure says
# /usr/local/etc/vfpool and /usr/local/var/run/vfpool); this test and its administrator
# use /etc/vfpool and /run/vfpool, so point the build's at them when they differ.
makevar() { sed -n "s/^$1 = //p" "$build/Makefile" 2>/dev/null | head -n1; }
expand() {
    local v=$1 prefix exec_prefix localstatedir
    prefix=$(makevar prefix)
    exec_prefix=$(makevar exec_prefix)
    exec_prefix=${exec_prefix//\$\{prefix\}/$prefix}
    localstatedir=$(makevar localstatedir)
    localstatedir=${localstatedir//\$\{prefix\}/$prefix}
    for _ in 1 2 3; do
        v=${v//\$\{prefix\}/$prefix}
        v=${v//\$\{exec_prefix\}/$exec_prefix}
        v=${v//\$\{localstatedir\}/$localstatedir}
    done
    echo "$v"
}
conf_dir=/etc/vfpool
state_dir=/run/vfpool
if [ -r "$build/Makefile" ]; then
    conf_dir=$(expand "$(makevar sysconfdir)")/vfpool
    state_dir=$(expand "$(makevar runstatedir)")/vfpool
fi
mkdir -p /etc/vfpool/pools.d /run/vfpool
link_dir() { # BUILT_IN WANTED
    [ "$(realpath -m "$1")" = "$(realpath -m "$2")" ] && return 0
    mkdir -p "$(dirname "$1")"
    [ -e "$1" ] && [ ! -L "$1" ] && mv "$1" "$1.e2e-orig"
    ln -sfn "$2" "$1"
}
info "the build reads pools from $conf_dir and keeps its ledger in $state_dir"
check "the hook has $conf_dir and $state_dir built in" \
    sh -c "grep -qaF '$conf_dir' '$bin/vfpool-hook-worker' && grep -qaF '$state_dir' '$bin/vfpool-hook-worker'"
link_dir "$conf_dir" /etc/vfpool
link_dir "$state_dir" /run/vfpool
if [ "$conf_dir" != /etc/vfpool ] || [ "$state_dir" != /run/vfpool ]; then
    note "this build looks for pools in $conf_dir and keeps its ledger in $state_dir (configure's default prefix), not /etc/vfpool and /run/vfpool as README and DESIGN say; linked them for the test"
fi

igb_pf=$(vm_find_pci 0x8086 0x10c9 | head -n1)
for d in $(vm_find_pci 0x1b36 0x0010); do
    [ -e "$d/sriov_totalvfs" ] && nvme_pf=$d && break
done
check "igb PF found (${igb_pf##*/})" test -n "$igb_pf"
check "nvme PF with SR-IOV found (${nvme_pf##*/})" test -n "$nvme_pf"
[ -n "$igb_pf" ] && [ -n "$nvme_pf" ] || finish
has_net() { igb_net=$(ls "$igb_pf/net" 2>/dev/null | head -n1); [ -n "$igb_net" ]; }
wait_for 10 has_net
check "igb PF has a netdev ($igb_net)" test -n "$igb_net"
ip link set "$igb_net" up
echo 0 >"$igb_pf/sriov_drivers_autoprobe"
echo 0 >"$nvme_pf/sriov_drivers_autoprobe"
igb_pf_addr=${igb_pf##*/}
nvme_pf_addr=${nvme_pf##*/}

# Pools, as an administrator writes them.
cat >/etc/vfpool/pools.d/net.xml <<EOF
<!-- every VF of the igb PF; spoof checking on by default -->
<pool name='net'>
  <pf address='$igb_pf_addr'/>
  <select policy='pack'/>
  <net spoofchk='on'/>
</pool>
EOF
cat >/etc/vfpool/pools.d/small.xml <<EOF
<!-- two VFs only -->
<pool name='small'>
  <pf netdev='$igb_net'/>
  <vfs range='0-1'/>
</pool>
EOF
cat >/etc/vfpool/pools.d/ondemand.xml <<EOF
<!-- VFs created at the first start -->
<pool name='ondemand'>
  <pf vendor='0x8086' device='0x10c9'/>
  <vfs create='4'/>
</pool>
EOF
cat >/etc/vfpool/pools.d/nvme.xml <<EOF
<!-- NVMe VFs: no network device -->
<pool name='nvme'>
  <pf address='$nvme_pf_addr'/>
  <vfs create='2'/>
  <select numa='ignore'/>
</pool>
EOF

# The hook, then libvirtd (which only looks for hooks when it starts).
mkdir -p /etc/libvirt/hooks/qemu.d
ln -sfn "$bin/vfpool-hook" /etc/libvirt/hooks/qemu.d/vfpool
grep -q '^log_outputs' /etc/libvirt/libvirtd.conf 2>/dev/null ||
    echo 'log_outputs="3:file:/var/log/libvirt/libvirtd.log"' >>/etc/libvirt/libvirtd.conf
mkdir -p /var/log/libvirt
check "virtlogd + libvirtd started with the hook installed" vm_libvirt_start

if [ -x "$bin/vfpoold" ] && [ "${E2E_NO_VFPOOLD:-}" != 1 ]; then
    "$bin/vfpoold" >>/var/log/vfpoold.log 2>&1 &
    vfpoold_pid=$!
    disown "$vfpoold_pid"
    vfpoold_connected() { grep -q 'connected to' /var/log/vfpoold.log; }
    if wait_for 30 vfpoold_connected; then
        mode=daemon
        ok "vfpoold runs and follows libvirt (domains are resolved on plain 'virsh define')"
    else
        ko "vfpoold did not connect to libvirt in 30 s: $(tail -n 3 /var/log/vfpoold.log)"
        kill "$vfpoold_pid" 2>/dev/null
    fi
else
    info "no vfpoold in the build: domains are resolved with 'vfpool resolve --xml' before 'virsh define'"
fi
check "vfpool pools lists the four pools" \
    sh -c "'$vfpool' pools >'$work/pools.txt' 2>&1 && [ \$(grep -cE '^(net|small|ondemand|nvme) ' '$work/pools.txt') = 4 ]"
sed 's/^/  | /' "$work/pools.txt"
online_resolve=0
"$vfpool" --help 2>/dev/null | grep -qE '^ +resolve +DOMAIN' && online_resolve=1

# =============================================================================================
scenario 1 "an annotated domain with a network VF (mac, vlan, trust=on, pool spoofchk)"
set_numvfs "$igb_pf" 7
igb_vf_baseline
# As README.md shows it: the request in <metadata>, no device (vfpool adds it; libvirt
# refuses an <interface type='hostdev'> without <source>).
domain_xml s1 "<vfpool:vf alias='ua-vfpool-net0' pool='net' mac='52:54:00:e2:01:01' vlan='42' trust='on'/>" ""
if daemon_on; then
    info "plain 'virsh define' of the annotated domain; vfpoold resolves it"
else
    info "resolved with 'vfpool resolve --xml s1.xml > resolved.xml', then 'virsh define resolved.xml'"
fi
check "s1 defined and resolved" define_pooled s1 ua-vfpool-net0
check "s1's definition has an <interface type='hostdev'> for ua-vfpool-net0" \
    eval "V dumpxml --inactive s1 | xmllint --xpath \"//devices/interface[@type='hostdev'][alias/@name='ua-vfpool-net0']\" - >/dev/null 2>&1"
a1=$(reserved s1 ua-vfpool-net0)
i1=$(vf_index "$igb_pf" "$a1")
info "s1 reserves VF $a1 (index ${i1:-?})"
check "the reservation is a VF of the igb PF" test -n "$i1"
i1=${i1:-0}
before=$(vf_line "$i1")
info "VF $i1 before: $before"
ts=$(now)
check "virsh start s1" V start s1
info "virsh start took $(secs "$ts")s"
check "s1 is running" running s1
check "live XML: the interface's source is VF $a1" test "$(live_source s1 ua-vfpool-net0)" = "$a1"
check "QEMU command line has vfio-pci host=$a1" has_vfio s1 "$a1"
check "VF $a1 is bound to vfio-pci" test "$(vm_driver_of "$a1")" = vfio-pci
during=$(vf_line "$i1")
info "VF $i1 while s1 runs: $during"
check "ip link: VF $i1 MAC 52:54:00:e2:01:01" grep -q 'link/ether 52:54:00:e2:01:01' <<<"$during"
check "ip link: VF $i1 VLAN 42" grep -q 'vlan 42' <<<"$during"
check "ip link: VF $i1 spoof checking on (pool default)" grep -q 'spoof checking on' <<<"$during"
check "ip link: VF $i1 trust on (request)" grep -q 'trust on' <<<"$during"
check "ledger: one claim, VF $a1 held by s1" claims_are "$a1 s1"
status_shows() { "$vfpool" status 2>/dev/null | grep -F "$1" | grep -q "$2"; }
check "vfpool status shows VF $a1 held by s1" status_shows "$a1" s1
# A pooled domain cannot be saved (its VFIO device cannot migrate): libvirt says so, and
# vfpool's claim must survive the refusal.
V save s1 "$work/s1.save" >"$work/s1-save.out" 2>&1
info "virsh save s1 (a plain VF cannot migrate): $(tr '\n' ' ' <"$work/s1-save.out" | cut -c1-200)"
check "after the refused save s1 still runs and still holds VF $a1" \
    eval "running s1 && claims_are '$a1 s1'"
ts=$(now)
check "virsh destroy s1" V destroy s1
info "virsh destroy took $(secs "$ts")s"
after=$(vf_line "$i1")
info "VF $i1 after:  $after"
check "ledger has no claims after destroy" ledger_empty
check "ip link: VF $i1 trust back to off" grep -q 'trust off' <<<"$after"
check "ip link: VF $i1 spoof checking back to off" grep -q 'spoof checking off' <<<"$after"
check "ip link: VF $i1 VLAN gone" lacks 'vlan ' "$after"
check "ip link: VF $i1 MAC back to its previous value" \
    test "$(grep -o 'link/ether [0-9a-f:]*' <<<"$after")" = "$(grep -o 'link/ether [0-9a-f:]*' <<<"$before")"
check "ip link: VF $i1 exactly as before the start" test "$after" = "$before"
check "VF $a1 given back by libvirt (driver '$(vm_driver_of "$a1")', was none)" test -z "$(vm_driver_of "$a1")"
forget_domains s1

# =============================================================================================
scenario 2 "pool exhaustion: a start that wants a held VF is refused with vfpool's reason"
for n in 1 2; do
    domain_xml "e$n" "<vfpool:vf alias='ua-vfpool-net0' pool='small' mac='52:54:00:e2:02:0$n'/>" ""
    check "e$n defined and resolved" define_pooled "e$n" ua-vfpool-net0
    if ! daemon_on && [ "$n" = 2 ] && [ "$(reserved e2 ua-vfpool-net0)" = "$(reserved e1 ua-vfpool-net0)" ]; then
        # offline resolution does not see e1's reservation: start e1 first, then resolve e2
        V start e1 >/dev/null 2>&1
        V undefine e2 >/dev/null 2>&1
        define_cli e2
    fi
done
ea=$(reserved e1 ua-vfpool-net0)
eb=$(reserved e2 ua-vfpool-net0)
running e1 || check "virsh start e1" V start e1
check "virsh start e2" V start e2
check "e1 and e2 run on the two VFs of pool small ($ea, $eb)" \
    eval "all_running e1 e2 && [ -n '$ea' ] && [ -n '$eb' ] && [ '$ea' != '$eb' ]"
check "ledger: 2 claims" test "$(claim_count)" = 2
domain_xml e4 "<vfpool:vf alias='ua-vfpool-net0' pool='small'/>" ""
"$vfpool" resolve --xml "$work/e4.xml" >"$work/e4.out" 2>"$work/e4.err"
rc=$?
info "vfpool resolve --xml e4.xml: exit $rc: $(cat "$work/e4.err")"
check "resolving one more domain fails: exit 1, one 'vfpool: domain 'e4'' line" \
    sh -c "[ $rc = 1 ] && [ \$(wc -l <'$work/e4.err') = 1 ] && grep -q \"^vfpool: domain 'e4'\" '$work/e4.err'"
clone_domain e1 e3 52:54:00:e2:02:01 52:54:00:e2:02:03
check "e3 defined by hand with e1's reservation ($ea)" V define "$work/e3.xml"
daemon_on && sleep 1 # let vfpoold try (and fail) to re-point it: the pool is full
info "e3 reserves $(reserved e3 ua-vfpool-net0)"
V start e3 >"$work/e3-start.out" 2>&1
rc=$?
sed 's/^/  | /' "$work/e3-start.out"
check "virsh start e3 fails" test "$rc" != 0
check "virsh's error contains vfpool's one-line reason (vfpool: domain 'e3': ...)" \
    grep -q "vfpool: domain 'e3': " "$work/e3-start.out"
check "the reason names the VF and the running domain that holds it" \
    grep -qE "vfpool: domain 'e3': .*VF $ea.*held by running domain 'e1'" "$work/e3-start.out"
check "e3 is shut off" test "$(state_of e3)" = "shut off"
check "the refused start claimed nothing (ledger: e1 and e2 only)" claims_are "$ea e1" "$eb e2"
destroy_all() { local d r=0; for d; do V destroy "$d" >/dev/null || r=1; done; return "$r"; }
check "virsh destroy e1 e2" destroy_all e1 e2
check "ledger has no claims" ledger_empty
forget_domains e1 e2 e3

# =============================================================================================
scenario 3 "VFs created on demand (igb PF at sriov_numvfs=0, pool create='4')"
check "igb PF set to sriov_numvfs=0" set_numvfs "$igb_pf" 0
check "no igb VF exists" test "$(cat "$igb_pf/sriov_numvfs")" = 0
domain_xml o1 "<vfpool:vf alias='ua-vfpool-net0' pool='ondemand' mac='52:54:00:e2:03:01'/>" \
    "<interface type='hostdev' managed='yes'><alias name='ua-vfpool-net0'/></interface>"
"$vfpool" explain --xml "$work/o1.xml" 2>&1 | head -n 3 | sed 's/^/  | /'
info "resolved with 'vfpool resolve --xml', then 'virsh define'"
check "o1 resolved (vfpool resolve --xml) and defined" define_cli o1
ao=$(reserved o1 ua-vfpool-net0)
info "o1 reserves VF $ao, which does not exist yet"
check "the reservation is for VF index 0 of the igb PF" \
    test "$(V dumpxml --inactive o1 | xml_reservation ua-vfpool-net0 index)" = 0
ts=$(now)
check "virsh start o1" V start o1
info "virsh start (with VF creation) took $(secs "$ts")s"
check "sriov_numvfs is 4 afterwards" test "$(cat "$igb_pf/sriov_numvfs")" = 4
check "VF $ao exists (virtfn0)" test "$(vm_vf_addr "$igb_pf" 0)" = "$ao"
check "o1 is running" running o1
check "QEMU command line has vfio-pci host=$ao" has_vfio o1 "$ao"
check "ledger: VF $ao held by o1" claimed_by "$ao" o1
check "sriov_drivers_autoprobe is 0" test "$(cat "$igb_pf/sriov_drivers_autoprobe")" = 0
syslog_has "domain 'o1': created 4 VFs on PF $igb_pf_addr" &&
    info "hook log: $(grep -F "domain 'o1': created" /var/log/messages | sed 's/.*vfpool-hook\[[0-9]*\]: //')"
check "virsh destroy o1" V destroy o1
check "ledger has no claims" ledger_empty
forget_domains o1

# =============================================================================================
scenario 4 "a pool of nvme VFs (no netdev, <hostdev>)"
domain_xml n1 "<vfpool:vf alias='ua-vfpool-disk0' pool='nvme'/>" ""
info "resolved with 'vfpool resolve --xml' (vfpool adds the <hostdev>), then 'virsh define'"
check "n1 resolved (vfpool resolve --xml) and defined" define_cli n1
check "the resolved XML has a managed <hostdev> for ua-vfpool-disk0" \
    sh -c "xmllint --xpath \"//devices/hostdev[@type='pci'][@managed='yes'][alias/@name='ua-vfpool-disk0']\" '$work/n1.resolved.xml' >/dev/null 2>&1"
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
    done < <(nvme list-secondary "$ctrl" 2>/dev/null | awk '$1 == "SCS" || $1 == "VFN" { print $1, $NF }')
    info "its secondary controller state is ${scs:-unknown} (0x0: offline; no 'nvme virt-mgmt' was done): vfio-pci and the QEMU start do not need it online"
fi
check "virsh destroy n1" V destroy n1
check "ledger has no claims" ledger_empty
check "VF $an given back by libvirt (driver '$(vm_driver_of "$an")')" test -z "$(vm_driver_of "$an")"
forget_domains n1

# =============================================================================================
scenario 5 "save, VF given to another domain, restore on another VF"
set_numvfs "$igb_pf" 7
info "libvirt refuses 'virsh save' of a domain with an active VFIO device (see scenario 1):"
info "s5a uses libvirt's teaming (a transient hostdev interface + its virtio failover peer)"
info "whose VFIO device QEMU keeps unplugged until a guest driver negotiates failover"
m5=52:54:00:e2:05:01
domain_xml s5a "<vfpool:vf alias='ua-vfpool-net0' pool='net' mac='$m5'/>" \
    "<interface type='hostdev' managed='yes'><mac address='$m5'/><teaming type='transient' persistent='ua-backup0'/><alias name='ua-vfpool-net0'/></interface>
    <interface type='user'><mac address='$m5'/><model type='virtio'/><teaming type='persistent'/><alias name='ua-backup0'/></interface>"
info "the interface with its <teaming> is written by hand: resolved with 'vfpool resolve --xml' before 'virsh define'"
check "s5a resolved (vfpool resolve --xml) and defined" define_cli s5a
check "virsh start s5a" V start s5a
va=$(live_source s5a ua-vfpool-net0)
check "s5a runs on VF $va (vfio-pci on QEMU's command line)" has_vfio s5a "$va"
check "ledger: VF $va held by s5a" claimed_by "$va" s5a
ts=$(now)
check "virsh save s5a" V save s5a "$work/s5a.save"
info "virsh save took $(secs "$ts")s"
check "s5a is shut off" test "$(state_of s5a)" = "shut off"
check "ledger has no claims (save released VF $va)" ledger_empty
V dumpxml --inactive s5a >"$work/s5a.inactive.xml"
clone_domain s5a s5b "$m5" 52:54:00:e2:05:02
check "s5b, written by hand, reserves VF $va" test "$(xml_reservation ua-vfpool-net0 address <"$work/s5b.xml")" = "$va"
check "virsh create s5b (VF $va goes to s5b)" V create "$work/s5b.xml"
check "ledger: VF $va held by s5b" claimed_by "$va" s5b
ts=$(now)
V restore "$work/s5a.save" >"$work/s5a-restore.out" 2>&1
rc=$?
sed 's/^/  | /' "$work/s5a-restore.out"
check "virsh restore s5a.save" test "$rc" = 0
info "virsh restore took $(secs "$ts")s"
vb=$(live_source s5a ua-vfpool-net0)
info "restored s5a uses VF ${vb:-none}"
check "s5a and s5b both run" all_running s5a s5b
check "restored s5a's live XML uses another VF ($vb, not $va)" sh -c "[ -n '$vb' ] && [ '$vb' != '$va' ]"
check "restored s5a's live reservation is $vb" test "$(live_reserved s5a ua-vfpool-net0)" = "$vb"
check "QEMU of s5a has vfio-pci host=$vb" has_vfio s5a "$vb"
check "ledger: $va held by s5b, $vb held by s5a" claims_are "$va s5b" "$vb s5a"
check "hook log: the restore step moved s5a to $vb" syslog_has "domain 's5a': vf 'ua-vfpool-net0' now uses VF $vb"
check "virsh destroy s5a s5b" destroy_all s5a s5b
check "ledger has no claims" ledger_empty
forget_domains s5a s5b
rm -f "$work/s5a.save"

# =============================================================================================
scenario 6 "libvirtd restarted while a pooled domain runs"
restart_libvirtd() {
    local pid
    pid=$(pidof libvirtd) || return 1
    kill "$pid"
    gone() { ! kill -0 "$pid" 2>/dev/null; }
    wait_for 60 gone || return 1
    libvirtd -d || return 1
    wait_for 120 V version >/dev/null 2>&1
}
igb_vf_baseline
domain_xml r1 "<vfpool:vf alias='ua-vfpool-net0' pool='net' mac='52:54:00:e2:06:01' trust='on'/>" ""
check "r1 defined and resolved" define_pooled r1 ua-vfpool-net0
check "virsh start r1" V start r1
ar=$(live_source r1 ua-vfpool-net0)
ir=$(vf_index "$igb_pf" "$ar")
ir=${ir:-0}
claims_before=$(claims)
info "r1 holds $ar; ledger: $claims_before"
ts=$(now)
check "libvirtd killed and started again" restart_libvirtd
info "libvirtd restart took $(secs "$ts")s"
check "r1 still runs" running r1
check "the ledger is intact (same claims)" test "$(claims)" = "$claims_before"
check "virsh destroy r1" V destroy r1
check "ledger has no claims" ledger_empty
check "ip link: VF $ir trust back to off" grep -q 'trust off' <<<"$(vf_line "$ir")"
check "virsh start r1 again" V start r1
ar=$(live_source r1 ua-vfpool-net0)
ir=$(vf_index "$igb_pf" "$ar")
ir=${ir:-0}
rm -f "$ledger"
info "ledger deleted while r1 runs on $ar"
ts=$(now)
check "libvirtd killed and started again" restart_libvirtd
info "libvirtd restart took $(secs "$ts")s"
check "r1 still runs" running r1
check "the reconnect step re-claimed VF $ar for r1 (ledger)" claimed_by "$ar" r1
check "hook log: 'domain 'r1': step reconnect: holds VF $ar again'" \
    syslog_has "domain 'r1': step reconnect: holds VF $ar again"
info "ledger: $(claims)"
check "virsh destroy r1" V destroy r1
check "ledger has no claims" ledger_empty
last=$(vf_line "$ir")
info "VF $ir after the release of a claim rebuilt by reconnect: $last"
check "ip link: VF $ir trust back to off (claim rebuilt by reconnect)" grep -q 'trust off' <<<"$last"
forget_domains r1

# =============================================================================================
scenario 7 "four pooled domains started in parallel"
igb_vf_baseline
par=(p1 p2 p3 p4)
for n in 1 2 3 4; do
    domain_xml "p$n" "<vfpool:vf alias='ua-vfpool-net0' pool='net' mac='52:54:00:e2:07:0$n'/>" ""
    check "p$n defined and resolved" define_pooled "p$n" ua-vfpool-net0
done
distinct() { [ "$(for d in "${par[@]}"; do reserved "$d" ua-vfpool-net0; done | sort -u | grep -c .)" = 4 ]; }
if ! daemon_on && ! distinct; then
    note "'vfpool resolve --xml' of p1..p4, each defined in turn, reserved the same VF for several of them: offline resolution does not see the reservations of defined domains"
    if [ "$online_resolve" = 1 ]; then
        info "re-resolving them with 'vfpool resolve DOMAIN' (online)"
        for d in "${par[@]}"; do "$vfpool" resolve "$d" >/dev/null 2>&1; done
    else
        info "pointing them at distinct VFs by hand"
        n=0
        for d in "${par[@]}"; do
            a=$(vm_vf_addr "$igb_pf" "$n")
            old=$(reserved "$d" ua-vfpool-net0)
            V dumpxml --inactive "$d" | sed -e "s/address=\"$old\"/address=\"$a\"/; s/index=\"[0-9]*\"/index=\"$n\"/" \
                -e "s/bus='0x${old:5:2}' slot='0x${old:8:2}' function='0x${old:11:1}'/bus='0x${a:5:2}' slot='0x${a:8:2}' function='0x${a:11:1}'/" \
                >"$work/$d.hand.xml"
            V define "$work/$d.hand.xml" >/dev/null
            n=$((n + 1))
        done
    fi
fi
for d in "${par[@]}"; do info "$d reserves $(reserved "$d" ua-vfpool-net0)"; done
check "the four domains reserve four distinct VFs" distinct
ts=$(now)
# bg_virsh NAME ARGS...: virsh in the background, its output and exit code in $work/NAME.*
bg_limit=90
bg_virsh() {
    local name=$1
    shift
    (timeout "$bg_limit" virsh -q "$@" >"$work/$name.out" 2>&1; echo $? >"$work/$name.rc") &
    pids+=($!)
}
bg_check_hangs() { # NAME WHAT...: after wait, a timed out one is a hang
    local n
    for n; do [ "$(cat "$work/$n.rc" 2>/dev/null)" = 124 ] && hung "virsh (in the background) $n" "$bg_limit"; done
    vfpoold_settle
}
pids=()
for d in "${par[@]}"; do bg_virsh "start-$d" start "$d"; done
wait "${pids[@]}"
bg_check_hangs start-p1 start-p2 start-p3 start-p4
info "4 parallel 'virsh start' took $(secs "$ts")s"
for d in "${par[@]}"; do
    rc=$(cat "$work/start-$d.rc" 2>/dev/null)
    check "virsh start $d (in parallel) succeeded" test "$rc" = 0
    [ "$rc" = 0 ] || sed 's/^/  | /' "$work/start-$d.out"
    check "$d is running" running "$d"
done
info "ledger: $(claims | tr '\n' ';')"
check "ledger: 4 claims" test "$(claim_count)" = 4
check "no VF twice in the ledger" test -z "$(claims | awk '{ print $1 }' | sort | uniq -d)"
for d in "${par[@]}"; do
    a=$(live_source "$d" ua-vfpool-net0)
    check "$d runs on VF $a, which the ledger gives to $d" claimed_by "$a" "$d"
done
check "no VF on two QEMU command lines" \
    test -z "$(for d in "${par[@]}"; do qemu_cmdline "$d" | grep -oE '"host":"[0-9a-f:.]+"'; done | sort | uniq -d)"
pids=()
for d in "${par[@]}"; do bg_virsh "destroy-$d" destroy "$d"; done
wait "${pids[@]}"
bg_check_hangs destroy-p1 destroy-p2 destroy-p3 destroy-p4
nothing_runs() { [ -z "$(V list --name)" ]; }
check "all four destroyed" nothing_runs
check "ledger has no claims" ledger_empty
forget_domains "${par[@]}"

# =============================================================================================
scenario 8 "libvirt's own hostdev network pool and vfpool, side by side"
cat >"$work/hpool.xml" <<EOF
<network>
  <name>hpool</name>
  <forward mode='hostdev' managed='yes'>
    <pf dev='$igb_net'/>
  </forward>
</network>
EOF
net_up() { V net-define "$work/hpool.xml" >/dev/null && V net-start hpool >/dev/null; }
check "libvirt network hpool (forward mode='hostdev', pf $igb_net) defined and started" net_up
info "hpool has $(V net-dumpxml hpool | grep -c "<address type='pci'") VFs"
cat >"$work/cmp-lv.xml" <<EOF
<domain type='qemu'>
  <name>cmp-lv</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <features><acpi/></features>
  <devices>
    <interface type='network'>
      <source network='hpool'/>
      <mac address='52:54:00:e2:08:01'/>
      <vlan><tag id='42'/></vlan>
    </interface>
  </devices>
</domain>
EOF
domain_xml cmp-vp "<vfpool:vf alias='ua-vfpool-net0' pool='net' mac='52:54:00:e2:08:02' vlan='42'/>" ""
check "cmp-lv (interface type='network' on hpool) defined" V define "$work/cmp-lv.xml"
check "cmp-vp (the same domain through vfpool) defined and resolved" define_pooled cmp-vp ua-vfpool-net0
start_ms() { # DOMAIN: sets ms to the milliseconds virsh start took, fails if it failed
    V start "$1" >"$work/cmp-start.out" 2>&1 || { sed 's/^/  | /' "$work/cmp-start.out"; return 1; }
    ms=$V_MS
}
lv_ms=()
vp_ms=()
runs=3
[ "$(printf '%.0f' "$(elapsed)")" -gt 480 ] && runs=2
order=()
for ((r = 0; r < runs; r++)); do
    if [ $((r % 2)) = 0 ]; then order+=(lv vp); else order+=(vp lv); fi
done
cmp_ok=1
for k in "${order[@]}"; do
    if start_ms "cmp-$k"; then
        if [ "$k" = lv ]; then lv_ms+=("$ms"); else vp_ms+=("$ms"); fi
        info "virsh start cmp-$k: ${ms} ms"
        V destroy "cmp-$k" >/dev/null 2>&1
    else
        cmp_ok=0
        ko "virsh start cmp-$k"
    fi
done
check "all $((2 * runs)) timed starts succeeded" test "$cmp_ok" = 1
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
if [ "${#lv_ms[@]}" -gt 0 ] && [ "${#vp_ms[@]}" -gt 0 ]; then
    lv_med=$(median "${lv_ms[@]}")
    vp_med=$(median "${vp_ms[@]}")
    info "libvirt-pool starts (ms): ${lv_ms[*]}  median $lv_med"
    info "vfpool starts (ms):       ${vp_ms[*]}  median $vp_med"
    echo "start-time ratio vfpool/libvirt-pool: $(awk -v v="$vp_med" -v l="$lv_med" 'BEGIN { printf "%.2f", v / l }')"
fi
# Side by side at the same time: while cmp-lv holds a VF of hpool, vfpool must not hand it out.
check "virsh start cmp-lv" V start cmp-lv
al=$(live_source cmp-lv "$(V dumpxml cmp-lv | xmllint --xpath "string(//devices/interface[1]/alias/@name)" - 2>/dev/null)")
info "cmp-lv got VF $al from libvirt's network pool"
il=$(vf_index "$igb_pf" "$al")
lv_line=$(vf_line "${il:-0}")
domain_xml cmp-vp2 "<vfpool:vf alias='ua-vfpool-net0' pool='net' mac='52:54:00:e2:08:03'/>" ""
"$vfpool" resolve --xml "$work/cmp-vp2.xml" >"$work/cmp-vp2.resolved.xml" 2>&1
av=$(xml_reservation ua-vfpool-net0 address <"$work/cmp-vp2.resolved.xml")
info "vfpool resolve --xml picks $av for a new domain while cmp-lv runs on $al"
check "vfpool does not pick the VF libvirt's network pool gave cmp-lv" sh -c "[ -n '$av' ] && [ '$av' != '$al' ]"
if [ -n "$av" ] && [ "$av" = "$al" ]; then
    V create "$work/cmp-vp2.resolved.xml" >"$work/cmp-vp2.out" 2>&1
    info "virsh create of that domain: exit $?: $(tr '\n' ' ' <"$work/cmp-vp2.out" | cut -c1-300)"
    check "cmp-lv still runs" running cmp-lv
    check "nothing left claimed" ledger_empty
    check "cmp-lv's VF has the settings it had before (ip link)" test "$(vf_line "${il:-0}")" = "$lv_line"
    syslog_has "domain 'cmp-vp2': VF $al: set" &&
        info "hook log: $(grep -F "domain 'cmp-vp2'" /var/log/messages | sed 's/.*vfpool-hook\[[0-9]*\]: //' | tr '\n' ';')"
fi
# The hook's own check, the choice forced: a domain whose reservation (written by hand) is the
# VF cmp-lv holds through VFIO must not start, and must not touch that VF's settings.
if [ -n "$al" ]; then
    IFS=':.' read -r _ b s f <<<"$al"
    info "VF $al: driver $(basename "$(readlink "/sys/bus/pci/devices/$al/driver")"), enable $(cat "/sys/bus/pci/devices/$al/enable")"
    domain_xml cmp-vp3 "<vfpool:vf alias='ua-vfpool-net0' pool='net' mac='52:54:00:e2:08:05'/>
      <vfpool:reservation alias='ua-vfpool-net0' address='$al' pf='$igb_pf_addr' index='$il'/>" \
        "<interface type='hostdev' managed='yes'><mac address='52:54:00:e2:08:05'/><source><address type='pci' domain='0x0000' bus='0x$b' slot='0x$s' function='0x$f'/></source><alias name='ua-vfpool-net0'/></interface>"
    V create "$work/cmp-vp3.xml" >"$work/cmp-vp3.out" 2>&1
    rc=$?
    info "virsh create cmp-vp3 (reserving $al by hand): exit $rc: $(grep -o 'vfpool:.*' "$work/cmp-vp3.out" | head -n1)"
    check "the hook refuses the VF cmp-lv holds through VFIO outside vfpool, in its own words" \
        eval "[ $rc != 0 ] && grep -q 'in use outside vfpool: it is open through vfio-pci' '$work/cmp-vp3.out'"
    check "cmp-lv still runs, its VF as it was (ip link), nothing claimed" \
        eval "running cmp-lv && [ \"\$(vf_line '${il:-0}')\" = '$lv_line' ] && ledger_empty"
fi
# A stopped pooled domain whose reservation (written by hand) is the VF cmp-lv runs on, and
# whose name sorts first: vfpoold must still move it off that VF.
if daemon_on && [ -n "$al" ]; then
    IFS=':.' read -r _ b s f <<<"$al"
    domain_xml a0 "<vfpool:vf alias='ua-vfpool-net0' pool='net' mac='52:54:00:e2:08:04'/>
      <vfpool:reservation alias='ua-vfpool-net0' address='$al' pf='$igb_pf_addr' index='$il'/>" \
        "<interface type='hostdev' managed='yes'><mac address='52:54:00:e2:08:04'/><source><address type='pci' domain='0x0000' bus='0x$b' slot='0x$s' function='0x$f'/></source><alias name='ua-vfpool-net0'/></interface>"
    V define "$work/a0.xml" >/dev/null
    moved_off() { r=$(reserved a0 ua-vfpool-net0); [ -n "$r" ] && [ "$r" != "$al" ]; }
    check "vfpoold re-resolves a stopped domain reserving the VF a running non-vfpool domain uses (a0 sorts before cmp-lv)" \
        wait_for 30 moved_off
    info "a0 now reserves $(reserved a0 ua-vfpool-net0)"
    forget_domains a0
fi
V destroy cmp-vp2 >/dev/null 2>&1
V destroy cmp-lv >/dev/null 2>&1
forget_domains cmp-lv cmp-vp
V net-destroy hpool >/dev/null 2>&1
V net-undefine hpool >/dev/null 2>&1

# =============================================================================================
scenario 9 "vfpoold scanning while a domain starts (deadlock check)"
# vfpoold reads the ledger under its lock and asks libvirt about domains in the same breath;
# a starting domain's hook waits for that lock while libvirtd holds the domain. Catch vfpoold
# inside that window (SIGSTOP, as a busy machine would deschedule it), start a pooled domain,
# let vfpoold go on, and see whether the start completes.
if ! daemon_on; then
    if [ -x "$bin/vfpoold" ]; then
        info "vfpoold does not run any more (stopped after a hang above): nothing more to check"
    else
        info "no vfpoold in this build: nothing to check"
    fi
else
    for d in x1 f1 f2 f3; do
        domain_xml "$d" "<vfpool:vf alias='ua-vfpool-net0' pool='net'/>" ""
        check "$d defined and resolved by vfpoold" define_pooled "$d" ua-vfpool-net0
    done
    settle=0
    bg_limit=40 # a start takes ~10 s here
    caught=0
    deadlocked=0
    holds_lock() { grep -qE "FLOCK +ADVISORY +(READ|WRITE) +$vfpoold_pid " /proc/locks; }
    for attempt in 1 2 3 4 5 6; do
        daemon_on || break
        kill -HUP "$vfpoold_pid" # vfpoold re-checks every stopped annotated domain
        held=0
        end=$((SECONDS + 5))
        while [ "$SECONDS" -lt "$end" ]; do
            holds_lock || continue
            kill -STOP "$vfpoold_pid"
            if holds_lock; then held=1; break; fi
            kill -CONT "$vfpoold_pid"
        done
        if [ "$held" = 0 ]; then
            info "attempt $attempt: vfpoold not caught holding the ledger lock"
            continue
        fi
        caught=$((caught + 1))
        info "attempt $attempt: vfpoold stopped while it holds the ledger lock; virsh start x1"
        pids=()
        bg_virsh start-x1 start x1
        sleep 3
        kill -CONT "$vfpoold_pid"
        wait "${pids[@]}"
        if [ "$(cat "$work/start-x1.rc")" = 124 ]; then
            deadlocked=1
            hung "virsh start x1 (vfpoold resumed while the start's hook waited for the ledger lock)" "$bg_limit"
            break
        fi
        info "  x1 started ($(cat "$work/start-x1.rc" 2>/dev/null)) while vfpoold scanned"
        V destroy x1 >/dev/null 2>&1
        sleep 1
    done
    if [ "$deadlocked" = 0 ] && [ "$caught" -gt 0 ]; then
        ok "x1 started $caught times while vfpoold was inside its locked scan: no deadlock"
    elif [ "$deadlocked" = 0 ]; then
        info "vfpoold never caught inside its scan: nothing checked"
    fi
    pids=()
    wait_for 60 running x1 && info "x1 runs after vfpoold was stopped: the hook got the lock"
    settle=1
    forget_domains x1 f1 f2 f3
    check "ledger has no claims" ledger_empty
fi

# =============================================================================================
scenario 10 "VFs moved and re-plugged under running guests (vfpool move, reassign, resize --pause)"
# The guests here boot a small kernel (tests/vm/build-guest-kernel) whose /init prints the
# PCI devices it sees on its serial console each time they change: a hot-unplug needs a guest
# OS that acknowledges it, and the log shows what the guest saw.
guest_kernel=/var/cache/vfpool-vm/guest-kernel
# os_domain_xml NAME METADATA ROOT_PORTS: a guest with an OS, its console in $work/NAME.console
os_domain_xml() {
    local ports="<controller type='pci' index='0' model='pcie-root'/>" i loader=""
    # qboot reaches the kernel 2-4 s sooner than SeaBIOS under nested TCG.
    [ -r /usr/share/qemu/qboot.rom ] && loader="<loader type='rom' readonly='yes'>/usr/share/qemu/qboot.rom</loader>"
    for ((i = 1; i <= $3; i++)); do ports+="<controller type='pci' index='$i' model='pcie-root-port'/>"; done
    cat >"$work/$1.xml" <<EOF
<domain type='qemu'>
  <name>$1</name>
  $2
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    $loader
    <kernel>$guest_kernel/bzImage</kernel>
    <initrd>$guest_kernel/initramfs.cpio</initrd>
    <cmdline>$(cat "$guest_kernel/cmdline")</cmdline>
  </os>
  <features><acpi/></features>
  <devices>
    $ports
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
    <serial type='file'><source path='$work/$1.console'/><target port='0'/></serial>
  </devices>
</domain>
EOF
}
guest_ready() { grep -q 'nested-init: ready' "$work/$1.console" 2>/dev/null; }
# The guest's last list of PCI devices has an igb VF ($igb_vf_id).
guest_sees_vf() { grep 'nested-pci:' "$work/$1.console" 2>/dev/null | tail -n1 | grep -q "$igb_vf_id"; }
guest_lacks_vf() { ! guest_sees_vf "$1"; }
guest_address() { # NAME ALIAS: the guest-side bus:slot of the device, from the live XML
    V dumpxml "$1" | xmllint --xpath "concat(//devices/*[alias/@name='$2']/address/@bus, ':', //devices/*[alias/@name='$2']/address/@slot)" - 2>/dev/null
}
paused_for() { grep -oE "domain '$1' was paused for [0-9.]+ s" "$2" | head -n1; }
journal=/run/vfpool/operation.json
if [ ! -r "$guest_kernel/bzImage" ] || [ ! -r "$guest_kernel/initramfs.cpio" ]; then
    ko "no guest kernel in $guest_kernel (tests/vm/setup builds it with tests/vm/build-guest-kernel)"
else
    set_numvfs "$igb_pf" 4
    igb_vf_baseline
    igb_vf_id=$(cat "$(readlink -f "$igb_pf/virtfn0")/device" 2>/dev/null)
    igb_vf_id=8086:${igb_vf_id#0x}
    os_domain_xml hp-a "<metadata><vfpool:vfpool xmlns:vfpool='$ns'><vfpool:vf alias='ua-vfpool-net0' pool='net' mac='52:54:00:e2:0a:01' vlan='10' trust='on'/></vfpool:vfpool></metadata>" 2
    os_domain_xml hp-b "" 3
    check "hp-a (pooled) defined and resolved" define_pooled hp-a ua-vfpool-net0
    check "hp-b (no vfpool metadata) defined" eval "V define '$work/hp-b.xml' >/dev/null"
    ts=$(now)
    check "virsh start hp-a hp-b" eval "V start hp-a >/dev/null && V start hp-b >/dev/null"
    check "both guests booted their OS" wait_for 400 eval "guest_ready hp-a && guest_ready hp-b"
    info "the guests booted in $(secs "$ts")s"
    va=$(live_source hp-a ua-vfpool-net0)
    check "hp-a's guest sees its VF $va ($igb_vf_id)" wait_for 30 guest_sees_vf hp-a
    check "hp-b's guest has no VF" guest_lacks_vf hp-b

    info "vfpool move ua-vfpool-net0 --from hp-a --to hp-b"
    "$vfpool" move ua-vfpool-net0 --from hp-a --to hp-b >"$work/move.out" 2>&1
    rc=$?
    sed 's/^/  | /' "$work/move.out"
    check "vfpool move succeeds" test "$rc" = 0
    check "move: live XML of hp-b has the device on VF $va" test "$(live_source hp-b ua-vfpool-net0)" = "$va"
    check "move: hp-a has no such device any more" test -z "$(live_source hp-a ua-vfpool-net0)"
    check "move: ledger says VF $va is held by hp-b" claims_are "$va hp-b"
    check "move: hp-b's guest sees the VF" wait_for 30 guest_sees_vf hp-b
    check "move: hp-a's guest saw it go" guest_lacks_vf hp-a
    ia=$(vf_index "$igb_pf" "$va")
    check "move: ip link shows VF $ia with the request's MAC and VLAN (the request moved along)" \
        eval "vf_line '$ia' | grep -q '52:54:00:e2:0a:01' && vf_line '$ia' | grep -q 'vlan 10'"
    check "move: hp-b's definition now has the request and its reservation" \
        test "$(reserved hp-b ua-vfpool-net0)" = "$va"
    check "move: hp-a's definition no longer has it" eval "! V dumpxml --inactive hp-a | grep -q ua-vfpool-net0"
    w=$(paused_for hp-b "$work/move.out")
    check "move: prints hp-b's pause window ($w)" test -n "$w"
    check "move: both guests run" all_running hp-a hp-b
    pause_move=$w

    ga=$(guest_address hp-b ua-vfpool-net0)
    info "vfpool reassign hp-b ua-vfpool-net0 (guest address bus:slot $ga)"
    "$vfpool" reassign hp-b ua-vfpool-net0 >"$work/reassign.out" 2>&1
    rc=$?
    sed 's/^/  | /' "$work/reassign.out"
    vb=$(live_source hp-b ua-vfpool-net0)
    check "vfpool reassign succeeds" test "$rc" = 0
    check "reassign: hp-b now has another VF ($vb, was $va)" eval "[ -n '$vb' ] && [ '$vb' != '$va' ]"
    check "reassign: same guest PCI address ($ga)" test "$(guest_address hp-b ua-vfpool-net0)" = "$ga"
    check "reassign: ledger says VF $vb is held by hp-b, $va is free" claims_are "$vb hp-b"
    check "reassign: VF $ia is back to trust off" eval "vf_line '$ia' | grep -q 'trust off'"
    check "reassign: the guest sees a VF again" wait_for 30 guest_sees_vf hp-b
    w=$(paused_for hp-b "$work/reassign.out")
    check "reassign: prints the pause window ($w)" test -n "$w"
    pause_reassign=$w

    # A guest the administrator paused cannot acknowledge an unplug: refused before anything.
    V suspend hp-b >/dev/null
    ts=$(now)
    "$vfpool" reassign hp-b ua-vfpool-net0 >"$work/reassign-paused.out" 2>&1
    rc=$?
    info "hp-b paused: $(head -n1 "$work/reassign-paused.out") (after $(secs "$ts")s)"
    check "reassign of a paused guest is refused in one line that says so" \
        eval "[ $rc = 1 ] && [ \$(grep -c . '$work/reassign-paused.out') = 1 ] && grep -q \"^vfpool: domain 'hp-b' is paused\" '$work/reassign-paused.out'"
    check "the refusal changed nothing: hp-b stays paused with VF $vb, no journal" \
        eval "[ \"\$(state_of hp-b)\" = paused ] && [ \"\$(live_source hp-b ua-vfpool-net0)\" = '$vb' ] && claims_are '$vb hp-b' && [ ! -e '$journal' ]"
    V resume hp-b >/dev/null

    ib=$(vf_index "$igb_pf" "$vb")
    n=$(cat "$igb_pf/sriov_numvfs")
    m=$((ib >= 2 ? ib + 1 : 3))
    [ "$m" = "$n" ] && m=$((n + 1))
    "$vfpool" resize "$igb_net" "$m" >"$work/resize0.out" 2>&1
    rc=$?
    info "without --pause: $(head -n1 "$work/resize0.out")"
    check "resize without --pause is refused while hp-b holds VF $vb" \
        eval "[ $rc != 0 ] && grep -q 'vfpool: .*--pause' '$work/resize0.out'"
    check "the refused resize changed nothing" test "$(cat "$igb_pf/sriov_numvfs")" = "$n"
    info "vfpool resize $igb_net $m --pause (had $n VFs)"
    "$vfpool" resize "$igb_net" "$m" --pause >"$work/resize.out" 2>&1
    rc=$?
    sed 's/^/  | /' "$work/resize.out"
    check "vfpool resize --pause succeeds" test "$rc" = 0
    check "resize: the PF has $m VFs" test "$(cat "$igb_pf/sriov_numvfs")" = "$m"
    check "resize: hp-b runs with VF $vb back at guest address $ga" \
        eval "running hp-b && [ \"\$(live_source hp-b ua-vfpool-net0)\" = '$vb' ] && [ \"\$(guest_address hp-b ua-vfpool-net0)\" = '$ga' ]"
    check "resize: ledger says VF $vb is held by hp-b" claims_are "$vb hp-b"
    check "resize: L2 settings re-applied on the new VF (MAC, VLAN 10, trust on)" \
        eval "vf_line '$ib' | grep -q '52:54:00:e2:0a:01' && vf_line '$ib' | grep -q 'vlan 10' && vf_line '$ib' | grep -q 'trust on'"
    check "resize: the guest sees its VF again" wait_for 30 guest_sees_vf hp-b
    w=$(paused_for hp-b "$work/resize.out")
    check "resize: prints the pause window ($w)" test -n "$w"
    pause_resize=$w

    # A QEMU offering VFIO pause/resume commands (named in vfpool.conf) is used in place of
    # unplug and plug. Stock QEMU has none: name two it lists but which refuse a device id, so
    # that vfpool takes that path and fails in its middle, with the guest paused.
    printf '[hotplug]\nvfio-pause-command=query-status\nvfio-resume-command=query-version\n' \
        >/etc/vfpool/vfpool.conf
    n=$(cat "$igb_pf/sriov_numvfs")
    "$vfpool" resize "$igb_net" "$n" --pause >"$work/resize-vfio.out" 2>&1
    rc=$?
    sed 's/^/  | /' "$work/resize-vfio.out"
    check "resize takes the VFIO pause path when the QEMU lists the commands, and reports QEMU's refusal" \
        eval "[ $rc != 0 ] && grep -q \"^vfpool: .*QEMU refused query-status for device 'ua-vfpool-net0'\" '$work/resize-vfio.out'"
    check "after that failure: hp-b runs (resumed), with VF $vb, held in the ledger" \
        eval "running hp-b && [ \"\$(live_source hp-b ua-vfpool-net0)\" = '$vb' ] && claims_are '$vb hp-b'"
    check "after that failure: the PF still has $n VFs and no journal is left" \
        eval "[ \"\$(cat '$igb_pf/sriov_numvfs')\" = '$n' ] && [ ! -e '$journal' ]"
    rm -f /etc/vfpool/vfpool.conf

    # A failure in the middle: hp-c has no free PCIe slot, so the plug fails after the VF left
    # hp-b; vfpool must plug it back into hp-b and leave both guests running.
    os_domain_xml hp-c "" 0
    check "hp-c (no free PCIe slot) defined and started" eval "V define '$work/hp-c.xml' >/dev/null && V start hp-c >/dev/null"
    "$vfpool" move ua-vfpool-net0 --from hp-b --to hp-c >"$work/move-fail.out" 2>&1
    rc=$?
    sed 's/^/  | /' "$work/move-fail.out"
    check "the move to hp-c fails with a vfpool: line naming hp-c" \
        eval "[ $rc != 0 ] && grep -q '^vfpool: .*hp-c' '$work/move-fail.out'"
    check "after the failure: hp-b and hp-c run (none left paused)" all_running hp-b hp-c
    check "after the failure: hp-b has its VF $vb back" test "$(live_source hp-b ua-vfpool-net0)" = "$vb"
    check "after the failure: ledger says VF $vb is held by hp-b" claims_are "$vb hp-b"
    check "after the failure: no operation journal left" test ! -e "$journal"
    check "after the failure: hp-b's guest sees its VF" wait_for 30 guest_sees_vf hp-b

    # A crash in the middle: the test holds the ledger lock, so vfpool stops right after the
    # guest released the VF (giving it back needs the ledger); it is killed there, and vfpool
    # reconcile must finish the move.
    flock -x -o /run/vfpool/ledger.lock sleep 120 &
    lock_pid=$!
    sleep 0.5
    "$vfpool" move ua-vfpool-net0 --from hp-b --to hp-a >"$work/move-kill.out" 2>&1 &
    mpid=$!
    unplugged() { [ -z "$(live_source hp-b ua-vfpool-net0)" ]; }
    check "hp-b's guest released the VF while vfpool waits for the ledger" wait_for 60 unplugged
    kill -KILL "$mpid" 2>/dev/null
    wait "$mpid" 2>/dev/null
    kill "$lock_pid" 2>/dev/null
    wait "$lock_pid" 2>/dev/null
    check "vfpool move killed with its journal left behind" test -e "$journal"
    "$vfpool" reconcile >"$work/reconcile-op.out" 2>&1
    rc=$?
    sed 's/^/  | /' "$work/reconcile-op.out"
    check "vfpool reconcile finishes the interrupted move" \
        eval "[ $rc = 0 ] && grep -q 'interrupted operation' '$work/reconcile-op.out'"
    check "after reconcile: hp-a and hp-b run" all_running hp-a hp-b
    check "after reconcile: hp-a has VF $vb" test "$(live_source hp-a ua-vfpool-net0)" = "$vb"
    check "after reconcile: ledger says VF $vb is held by hp-a" claims_are "$vb hp-a"
    check "after reconcile: no journal" test ! -e "$journal"
    note "pause windows: move ${pause_move:-?}; reassign ${pause_reassign:-?}; resize ${pause_resize:-?}"
    forget_domains hp-a hp-b hp-c
    check "ledger has no claims" ledger_empty
fi

# =============================================================================================
scenario 11 "reconcile clears a MAC and VLAN an administrator left on a pool VF"
set_numvfs "$igb_pf" 4
igb_vf_baseline
addr3=$(vm_vf_addr "$igb_pf" 3)
ip link set "$igb_net" vf 3 mac 52:54:00:e2:0b:01 vlan 77
info "VF 3 ($addr3) by hand: $(vf_line 3)"
"$vfpool" reconcile --dry-run >"$work/rec-dry.out" 2>&1
sed 's/^/  | /' "$work/rec-dry.out"
check "reconcile --dry-run reports VF $addr3's MAC and VLAN set by no domain" \
    grep -q "would repair: VF $addr3 (pool net) had MAC 52:54:00:e2:0b:01 VLAN 77 set by no domain" "$work/rec-dry.out"
check "the dry run left them" eval "vf_line 3 | grep -q 'vlan 77'"
"$vfpool" reconcile >"$work/rec.out" 2>&1
rc=$?
sed 's/^/  | /' "$work/rec.out"
check "reconcile clears them" \
    eval "[ $rc = 0 ] && grep -q 'repaired: VF $addr3 (pool net) had MAC 52:54:00:e2:0b:01 VLAN 77' '$work/rec.out'"
info "VF 3 after: $(vf_line 3)"
check "ip link: VF 3 has no VLAN and not that MAC any more" \
    eval "! vf_line 3 | grep -q 'vlan 77' && ! vf_line 3 | grep -q '52:54:00:e2:0b:01'"
"$vfpool" reconcile >"$work/rec2.out" 2>&1
check "a second reconcile finds nothing to repair" grep -q '^reconcile: 0 repairs' "$work/rec2.out"

# =============================================================================================
scenario 12 "node-device events: VFs appearing let vfpoold resolve a waiting domain"
# libvirt's node-device driver hears of PCI devices from udevd, which the guest runs only from
# here. vfpoold re-checks domains on libvirt's node-device events (besides domain events and
# SIGHUP), so a domain waiting for a VF is resolved when VFs appear. libvirt reports a device
# it knows as updated, not created (the PF whose sriov_numvfs changed, a VF back at an address
# libvirt never saw vanish): both kinds count.
udev_dir=/var/cache/vfpool-vm/udev
udevd_start() { "$udev_dir/systemd-udevd" --daemon --resolve-names=never; }
udevd_stop() { "$udev_dir/root/bin/udevadm" control --exit; }
if ! daemon_on; then
    info "vfpoold does not run: nothing to check"
elif [ ! -x "$udev_dir/systemd-udevd" ]; then
    ko "no udevd in $udev_dir (tests/vm/setup unpacks it)"
else
    set_numvfs "$igb_pf" 0
    domain_xml w1 "<vfpool:vf alias='ua-vfpool-net0' pool='small'/>" ""
    V define "$work/w1.xml" >/dev/null
    sleep 2
    check "w1 waits: pool small has no VF" test -z "$(reserved w1 ua-vfpool-net0)"
    set_numvfs "$igb_pf" 2
    sleep 4
    check "without udevd the new VFs go unnoticed (so what follows is the events' doing)" \
        test -z "$(reserved w1 ua-vfpool-net0)"
    # udevd without rules: it only passes the kernel's events on (no renames, no modules).
    mkdir -p "$work/no-udev-rules"
    for d in /etc/udev/rules.d /usr/lib/udev/rules.d; do
        [ -d "$d" ] && mount --bind "$work/no-udev-rules" "$d"
    done
    check "udevd started (no rules)" udevd_start
    # Through 0 with udevd running: libvirt forgets whatever VFs it knew, so they come back
    # as new devices.
    set_numvfs "$igb_pf" 0
    sleep 2
    check "w1 still waits once the VFs are gone again" test -z "$(reserved w1 ua-vfpool-net0)"
    set_numvfs "$igb_pf" 2
    check "vfpoold resolves w1 once libvirt reports the new VFs" \
        wait_for 30 has_reservations w1 ua-vfpool-net0
    info "w1 reserves $(reserved w1 ua-vfpool-net0); vfpoold: $(grep -F "'w1'" /var/log/vfpoold.log | tail -n1)"
    forget_domains w1

    # The VFs vanish while no udevd runs: libvirt keeps them and, when they are back, reports
    # them (and the PF) as updated only.
    check "udevd stopped" udevd_stop
    set_numvfs "$igb_pf" 0
    domain_xml w2 "<vfpool:vf alias='ua-vfpool-net0' pool='small'/>" ""
    V define "$work/w2.xml" >/dev/null
    sleep 2
    check "w2 waits: pool small has no VF" test -z "$(reserved w2 ua-vfpool-net0)"
    check "udevd started again" udevd_start
    set_numvfs "$igb_pf" 2
    check "vfpoold resolves w2 when libvirt reports VFs it knew as updated" \
        wait_for 30 has_reservations w2 ua-vfpool-net0
    info "w2 reserves $(reserved w2 ua-vfpool-net0)"
    forget_domains w2
    udevd_stop
fi

finish
