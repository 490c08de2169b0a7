# shellcheck shell=bash
# The end-to-end suite's shared part, sourced by tests/vm/e2e.sh after guest-lib.sh:
# reporting (check, info, note, scenario), virsh with time limits, domain XML, the ledger,
# waiting helpers, state dumps, and e2e_setup, which prepares what every scenario needs
# (the programs, the pools, the hook, libvirtd and vfpoold).
# Scenarios (tests/vm/scenarios/NN-name.sh) use the functions and the variables below.
# shellcheck disable=SC2317,SC2034 # functions run through check; variables scenarios use

export LIBVIRT_DEFAULT_URI=qemu:///system LC_ALL=C

# ---- set by e2e.sh and e2e_setup; what scenarios read ------------------------------------
build=       # the build directory given to e2e.sh
results=     # where logs go (writable in the guest), or empty
bin=/opt/vfpool-e2e # private copies of the programs
vfpool=$bin/vfpool
work=/run/vfpool-e2e # domain XML, command outputs
ns=http://vfpool.org/xmlns/libvirt/domain/1.0
ledger=/run/vfpool/claims # one record per claimed VF
journal=/run/vfpool/operation.json
igb_pf=       # sysfs path of the igb PF
igb_pf_addr=  # its PCI address
igb_net=      # its netdev
nvme_pf=      # sysfs path of the nvme PF
nvme_pf_addr=
mode=cli      # daemon: vfpoold resolves domains on "virsh define"
vfpoold_pid=
settle=1      # 0: no pause after virsh commands (see V)

# ---- which scenarios run -------------------------------------------------------------------
# scenario_options DIR ARGS...: reads the options --scenario N[,N...] (repeatable) of the
# scenarios DIR/NN-*.sh into wanted, and the arguments after the options into rest; calls the
# script's usage on anything else. Run it before e2e_setup.
scenario_options() {
    local dir=$1 n v
    shift
    wanted=()
    # shellcheck disable=SC2206 # "2,5" and "2 5" are lists
    while [ $# -gt 0 ]; do
        case $1 in
            --scenario) [ $# -ge 2 ] || usage; wanted+=(${2//,/ }); shift 2 ;;
            --scenario=*) v=${1#*=}; wanted+=(${v//,/ }); shift ;;
            -h | --help) usage ;;
            --) shift; break ;;
            -*) usage ;;
            *) break ;;
        esac
    done
    for n in "${wanted[@]}"; do
        case $n in *[!0-9]*) usage ;; esac
        compgen -G "$dir/$(printf '%02d' "$((10#$n))")-*.sh" >/dev/null ||
            { echo "$(basename "$0" .sh): no scenario $n in $dir" >&2; exit 2; }
    done
    rest=("$@")
}
# run_scenarios DIR PREFIX: sources each wanted scenario DIR/NN-*.sh in order (all of them when
# none was named), so its variables and functions stay for the rest of the run; each starts
# with `scenario "TITLE"`, numbered PREFIX N.
run_scenarios() {
    local f n w run
    [ "${#wanted[@]}" = 0 ] || info "scenarios to run: ${wanted[*]}"
    for f in "$1"/[0-9][0-9]-*.sh; do
        n=${f##*/}
        n=$((10#${n%%-*}))
        run=$(("${#wanted[@]}" == 0))
        for w in "${wanted[@]}"; do [ "$((10#$w))" = "$n" ] && run=1; done
        [ "$run" = 1 ] || continue
        scenario_num=$2$n
        # shellcheck disable=SC1090
        . "$f"
        scenario_end
    done
}

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

scenario_num=  # set by e2e.sh before it sources a scenario file
scenario_t0=
scenario_fail0=0
scenario_name=
scenario_times=()
scenario() { # TITLE: the header of scenario $scenario_num
    scenario_end
    scenario_name="scenario $scenario_num"
    scenario_t0=$(now)
    scenario_fail0=$fail
    echo
    echo "=== scenario $scenario_num: $1 (at $(elapsed)s)"
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

# ---- virsh and vfpoold ---------------------------------------------------------------------
# V ARGS: virsh, never hanging the whole run: a command that does not return in time is a
# failure, with the evidence of who waits for whom, and vfpoold is stopped to let libvirtd go
# on. V_MS: how long the last virsh command took (ms). With vfpoold running, commands that
# make it rescan are followed by a pause until that scan is over: vfpoold holds the ledger
# lock while it calls libvirt, and a hook waiting for that lock holds libvirtd's domain
# (scenario 9).
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
daemon_on() {
    [ "$mode" = daemon ] && [ -n "$vfpoold_pid" ] && kill -0 "$vfpoold_pid" 2>/dev/null
}
vfpoold_settle() { [ "$settle" = 1 ] && daemon_on && sleep 1; return 0; }
vfpoold_gone() { ! kill -0 "$vfpoold_pid" 2>/dev/null; }
stop_vfpoold() {
    daemon_on || return 0
    kill -TERM "$vfpoold_pid" 2>/dev/null
    if ! wait_for 5 vfpoold_gone; then
        # vfpoold reads its signal flag in its event loop, not while blocked in libvirt.
        note "vfpoold did not stop on SIGTERM within 5 s while blocked in a libvirt call;" \
            "killed with SIGKILL"
        kill -KILL "$vfpoold_pid" 2>/dev/null
        wait_for 5 vfpoold_gone
    fi
    mode=cli
}

# hung WHAT SECONDS: reports a command that did not return, with /proc/locks, the processes
# and backtraces of the hook and vfpoold; stops vfpoold so that libvirtd can go on.
hung() {
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
        for p in $(grep -E ":$lockino " /proc/locks | sed 's/->//' | awk '{ print $5 }' |
            sort -u); do
            echo "  pid $p: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"
        done
        echo "--- processes"
        ps -eo pid,ppid,stat,wchan:24,args | grep -E 'libvirtd|vfpool|qemu-system' |
            grep -v grep | cut -c1-200
        for p in $(grep -lE '^(vfpoold|vfpool-hook-wor)' /proc/[0-9]*/comm 2>/dev/null |
            cut -d/ -f3); do
            echo "--- gdb backtrace of $(cat "/proc/$p/comm") ($p)"
            timeout 60 gdb -p "$p" -batch -ex 'thread apply all bt' 2>/dev/null |
                grep -E '^(#|Thread)' | head -n 40
        done
    } >"$out" 2>&1
    [ "$out" != /dev/null ] && sed 's/^/  | /' "$out"
    if daemon_on; then
        note "'$1' hung for ${2}s: deadlock between vfpoold (holds the ledger lock while it" \
            "calls libvirt) and the hook (waits for that lock while libvirtd holds the" \
            "domain); evidence above${results:+ and in $out}. vfpoold was stopped to let" \
            "libvirtd go on; later scenarios resolve with the CLI"
        stop_vfpoold
        sleep 2
    fi
}

# bg_virsh NAME ARGS...: virsh in the background (its pid added to the array pids), its
# output and exit code in $work/NAME.out and $work/NAME.rc; at most $bg_limit seconds.
bg_limit=90
pids=()
bg_virsh() {
    local name=$1
    shift
    (
        timeout "$bg_limit" virsh -q "$@" >"$work/$name.out" 2>&1
        echo $? >"$work/$name.rc"
    ) &
    pids+=($!)
}
bg_check_hangs() { # NAME...: after wait, a timed out one is a hang
    local n
    for n; do
        [ "$(cat "$work/$n.rc" 2>/dev/null)" = 124 ] &&
            hung "virsh (in the background) $n" "$bg_limit"
    done
    vfpoold_settle
}

# ---- the VFs -------------------------------------------------------------------------------
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

# hostdev_interface MAC ADDRESS ALIAS: an <interface type='hostdev'> on the VF at ADDRESS.
hostdev_interface() {
    local b s f
    IFS=':.' read -r _ b s f <<<"$2"
    echo "<interface type='hostdev' managed='yes'><mac address='$1'/><source><address" \
        "type='pci' domain='0x0000' bus='0x$b' slot='0x$s' function='0x$f'/></source>" \
        "<alias name='$3'/></interface>"
}

# xml_reservation ALIAS ATTRIBUTE: that attribute of the reservation of ALIAS in XML on stdin.
xml_reservation() {
    xmllint --xpath "string(//*[local-name()='reservation'][@alias='$1']/@$2)" - 2>/dev/null
}
# xml_source ALIAS: PCI address of the <source><address> of the device with ALIAS in XML on
# stdin.
xml_source() {
    local x a v=()
    x=$(cat)
    for a in domain bus slot function; do
        v+=("$(xmllint --xpath "string(//devices/*[alias/@name='$1']/source/address/@$a)" - \
            <<<"$x" 2>/dev/null)")
    done
    [ -n "${v[1]}" ] || return 1
    printf '%04x:%02x:%02x.%x\n' "$((v[0]))" "$((v[1]))" "$((v[2]))" "$((v[3]))"
}
reserved() { V dumpxml --inactive "$1" 2>/dev/null | xml_reservation "$2" address; }
live_reserved() { V dumpxml "$1" 2>/dev/null | xml_reservation "$2" address; }
live_source() { V dumpxml "$1" 2>/dev/null | xml_source "$2"; }
defined_source() { V dumpxml --inactive "$1" 2>/dev/null | xml_source "$2"; }
# defines_vf NAME ALIAS ADDRESS: the persistent definition reserves ADDRESS and its device
# names it
defines_vf() { [ "$(reserved "$1" "$2")" = "$3" ] && [ "$(defined_source "$1" "$2")" = "$3" ]; }
# follows_live NAME ALIAS: the persistent definition reserves the VF the running domain holds
follows_live() {
    local v
    v=$(live_reserved "$1" "$2") && [ -n "$v" ] && defines_vf "$1" "$2" "$v"
}
state_of() { V domstate "$1" 2>/dev/null | head -n1; }
running() { [ "$(state_of "$1")" = running ]; }
all_running() { local d; for d; do running "$d" || return 1; done; }
qemu_cmdline() {
    local pid
    pid=$(cat "/run/libvirt/qemu/$1.pid" 2>/dev/null) || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null
}
has_vfio() { qemu_cmdline "$1" | grep -qE "vfio-pci[^ ]*\"host\":\"$2\""; }

# How domains get their VFs: vfpoold resolves them on "virsh define"; without it (stopped
# after a hang) "vfpool resolve --xml" before "virsh define".
has_reservations() { # NAME ALIAS...
    local d=$1 a
    shift
    for a in "$@"; do [ -n "$(reserved "$d" "$a")" ] || return 1; done
}
define_cli() { # NAME: resolve $work/NAME.xml offline and define the result
    "$vfpool" resolve --xml "$work/$1.xml" >"$work/$1.resolved.xml" \
        2>"$work/$1.resolve.err" || { cat "$work/$1.resolve.err"; return 1; }
    V define "$work/$1.resolved.xml" >/dev/null
}
define_pooled() { # NAME ALIAS...: define $work/NAME.xml and get it resolved
    local d=$1
    if daemon_on; then
        V define "$work/$d.xml" >/dev/null || return 1
        wait_for 60 has_reservations "$@" ||
            { echo "vfpoold did not resolve $d in 60 s"; return 1; }
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
destroy_all() { local d r=0; for d; do V destroy "$d" >/dev/null || r=1; done; return "$r"; }

# ---- libvirt's own VF pool -----------------------------------------------------------------
# hpool_up: libvirt network hpool (<forward mode='hostdev'>) on every VF of the igb PF
hpool_up() {
    set_numvfs "$igb_pf" 7 || return 1
    cat >"$work/hpool.xml" <<XML
<network>
  <name>hpool</name>
  <forward mode='hostdev' managed='yes'>
    <pf dev='$igb_net'/>
  </forward>
</network>
XML
    V net-define "$work/hpool.xml" >/dev/null && V net-start hpool >/dev/null
}
hpool_down() { V net-destroy hpool >/dev/null 2>&1; V net-undefine hpool >/dev/null 2>&1; }

# ---- nested guests with an OS --------------------------------------------------------------
# They boot the small kernel of tests/vm/build-guest-kernel, whose /init prints on the serial
# console ($work/NAME.console) 'nested-init: ready', and the PCI devices it sees each time
# they change ('nested-pci: ...').
guest_kernel=/var/cache/vfpool-vm/guest-kernel
guest_bzimage=$guest_kernel/bzImage
guest_initrd=$guest_kernel/initramfs.cpio
igb_vf_id=8086:10ca # QEMU's igb VFs (Intel 82576 VF), as nested-pci lines name them
# guest_kernel_found: this checkout's kernel and initramfs are there (the cache's links name
# whichever checkout built last, whose kernel may lack what this one needs).
guest_kernel_found() {
    local p
    p=$("$here/build-guest-kernel" --print 2>/dev/null) || return 1
    guest_bzimage=$(sed -n 1p <<<"$p")
    guest_initrd=$(sed -n 2p <<<"$p")
    [ -r "$guest_bzimage" ] && [ -r "$guest_initrd" ] && [ -r "$guest_kernel/cmdline" ]
}
# os_domain_xml NAME METADATA ROOT_PORTS [DEVICES]: a guest booting that OS in $work/NAME.xml,
# with METADATA (a whole <metadata> element, or nothing), ROOT_PORTS free PCIe root ports
# and DEVICES.
os_domain_xml() {
    local ports="<controller type='pci' index='0' model='pcie-root'/>" i loader=""
    # qboot reaches the kernel 2-4 s sooner than SeaBIOS under nested TCG.
    [ -r /usr/share/qemu/qboot.rom ] &&
        loader="<loader type='rom' readonly='yes'>/usr/share/qemu/qboot.rom</loader>"
    for ((i = 1; i <= $3; i++)); do
        ports+="<controller type='pci' index='$i' model='pcie-root-port'/>"
    done
    cat >"$work/$1.xml" <<XML
<domain type='qemu'>
  <name>$1</name>
  $2
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    $loader
    <kernel>$guest_bzimage</kernel>
    <initrd>$guest_initrd</initrd>
    <cmdline>$(cat "$guest_kernel/cmdline")</cmdline>
  </os>
  <features><acpi/></features>
  <devices>
    $ports
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
    <serial type='file'><source path='$work/$1.console'/><target port='0'/></serial>
    ${4:-}
  </devices>
</domain>
XML
}
guest_ready() { grep -q 'nested-init: ready' "$work/$1.console" 2>/dev/null; }
# guest_vf_count NAME: how many igb VFs the guest's last list of PCI devices has
guest_vf_count() {
    grep 'nested-pci:' "$work/$1.console" 2>/dev/null | tail -n1 | grep -o "=$igb_vf_id" | wc -l
}
guest_sees_vf() { [ "$(guest_vf_count "$1")" -gt 0 ]; }
guest_lacks_vf() { ! guest_sees_vf "$1"; }

# ---- the ledger ----------------------------------------------------------------------------
claims() { # "ADDRESS DOMAIN STEP" per claim
    local record
    for record in "$ledger"/*; do
        [ -f "$record" ] || continue
        awk -F= '/^address=/ { a = $2 } /^domain=/ { d = $2 } /^step=/ { s = $2 }
            END { print a, d, s }' "$record"
    done
}
claim_count() { claims | grep -c . ; }
ledger_empty() { [ "$(claim_count)" = 0 ]; }
claimed_by() { claims | grep -q "^$1 $2 "; } # ADDRESS DOMAIN
claims_are() { # "ADDRESS DOMAIN"...: exactly these claims
    [ "$(claims | awk '{ print $1, $2 }' | sort)" = "$(printf '%s\n' "$@" | sort)" ]
}
lacks() { ! grep -q -- "$1" <<<"$2"; } # lacks PATTERN TEXT
syslog_has() { grep -qF -- "$1" /var/log/messages 2>/dev/null; }

# kill_at_ledger OUT WHAT PREDICATE OP ARGS...: an operation killed half-way. Runs "vfpool OP
# ARGS" (its output in OUT) while the test holds the ledger lock, so that vfpool stops where
# it next needs the ledger; checks WHAT: that PREDICATE (say, the guest let go of the VF) holds
# within 60 s; kills vfpool there, as a crash would, lets go of the lock, and checks that the
# operation's journal is left behind for vfpool reconcile to finish.
kill_at_ledger() {
    local out=$1 what=$2 predicate=$3 op=$4 lock_pid op_pid
    shift 3
    flock -x -o /run/vfpool/ledger.lock sleep 120 &
    lock_pid=$!
    sleep 0.5
    "$vfpool" "$@" >"$out" 2>&1 &
    op_pid=$!
    check "$what" wait_for 60 "$predicate"
    kill -KILL "$op_pid" 2>/dev/null
    wait "$op_pid" 2>/dev/null
    kill "$lock_pid" 2>/dev/null
    wait "$lock_pid" 2>/dev/null
    check "vfpool $op killed with its journal left behind" test -e "$journal"
}

# ---- state dumps and the end ---------------------------------------------------------------
dump_state() { # NAME: what a failed scenario left, in $results/state-NAME.txt
    local out=/dev/null l a
    [ -n "$results" ] && out=$results/state-$1.txt
    {
        echo "### state after $1 (at $(elapsed)s)"
        echo "--- virsh list --all"; V list --all 2>&1
        echo "--- $ledger"; head -n 50 "$ledger"/* 2>&1
        echo "--- ip link show $igb_net"; ip link show "$igb_net" 2>&1
        echo "--- sriov_numvfs igb $(cat "$igb_pf/sriov_numvfs" 2>/dev/null)" \
            "nvme $(cat "$nvme_pf/sriov_numvfs" 2>/dev/null)"
        echo "--- vfpool status"; "$vfpool" status 2>&1
        echo "--- drivers"
        for l in "$igb_pf"/virtfn* "$nvme_pf"/virtfn*; do
            [ -e "$l" ] || continue
            a=$(basename "$(readlink -f "$l")")
            echo "$a $(vm_driver_of "$a")"
        done
        echo "--- /var/log/messages (hook, last 40)"; tail -n 40 /var/log/messages 2>&1
        echo "--- vfpoold (last 20)"; tail -n 20 /var/log/vfpoold.log 2>&1
        echo "--- libvirtd.log (last 20)"; tail -n 20 /var/log/libvirt/libvirtd.log 2>&1
        for l in /var/log/libvirt/qemu/*.log; do
            [ -f "$l" ] || continue
            echo "--- $l (last 10)"; tail -n 10 "$l"
        done
    } >"$out" 2>&1
    echo "  (state after $1: virsh list, ledger, ip link, logs${results:+ in $out})"
    V list --all 2>&1 | sed 's/^/  | /'
    claims | sed 's/^/  | claim: /'
    tail -n 8 /var/log/messages 2>/dev/null | sed 's/^/  | /'
}

# Prints the summary and the "N passed, N failed" line that check-vm and scripts/test count,
# keeps the logs when something failed, and exits.
finish() {
    local s
    [ -s "$work/hangs" ] && fail=$((fail + $(grep -c . "$work/hangs")))
    scenario_end
    echo
    echo "=== summary"
    for s in "${scenario_times[@]}"; do echo "  $s"; done
    if daemon_on; then s="vfpoold ran throughout"; else s="vfpoold was stopped on the way"; fi
    echo "  e2e took $(elapsed)s of VM time ($s)"
    for s in "${notes[@]}"; do echo "  note: $s"; done
    if [ "$fail" -gt 0 ] && [ -n "$results" ]; then
        mkdir -p "$results/logs"
        cp /var/log/messages "$results/logs/hook-syslog.log" 2>/dev/null
        cp /var/log/vfpoold.log /var/log/libvirt/libvirtd.log "$results/logs/" 2>/dev/null
        cp -r /var/log/libvirt/qemu "$results/logs/qemu" 2>/dev/null
        cp -r "$ledger" "$results/logs/" 2>/dev/null
        echo "  logs kept in $results"
    fi
    echo "$pass passed, $fail failed"
    if [ -n "${tee_pid:-}" ]; then
        exec >&- 2>&-
        for _ in $(seq 50); do kill -0 "$tee_pid" 2>/dev/null || break; sleep 0.1; done
    fi
    [ "$fail" = 0 ] && exit 0
    exit 1
}

# ---- the common setup ----------------------------------------------------------------------
# The build's configuration and state directories from its Makefile (a plain ./configure
# says /usr/local/etc/vfpool and /usr/local/var/run/vfpool).
makevar() { sed -n "s/^$1 = //p" "$build/Makefile" 2>/dev/null | head -n1; }
expand_dir() {
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
link_dir() { # BUILT_IN WANTED
    [ "$(realpath -m "$1")" = "$(realpath -m "$2")" ] && return 0
    mkdir -p "$(dirname "$1")"
    [ -e "$1" ] && [ ! -L "$1" ] && mv "$1" "$1.e2e-orig"
    ln -sfn "$2" "$1"
}
igb_has_net() { igb_net=$(ls "$igb_pf/net" 2>/dev/null | head -n1); [ -n "$igb_net" ]; }
vfpoold_connected() { grep -q 'connected to' /var/log/vfpoold.log; }
pools_listed() {
    "$vfpool" pools >"$work/pools.txt" 2>&1 &&
        [ "$(grep -cE '^(net|small|ondemand|nvme) ' "$work/pools.txt")" = 4 ]
}

# e2e_setup: what every scenario needs, done as an administrator would: the programs, the
# PFs, pool files in /etc/vfpool/pools.d, the hook linked as /etc/libvirt/hooks/qemu.d/vfpool
# before libvirtd starts, then vfpoold. Ends the run (finish) when there is nothing to test.
e2e_setup() {
    local p d conf_dir=/etc/vfpool state_dir=/run/vfpool
    echo "=== setup (build $build)"
    mkdir -p "$work"
    check "modprobe igb vfio-pci nvme" modprobe -a igb vfio-pci vfio_iommu_type1 nvme
    pidof syslogd >/dev/null || busybox syslogd -O /var/log/messages

    # Private copies: the build tree may be rebuilt while the VM runs (libtool wrappers,
    # which are scripts, are linked instead).
    mkdir -p "$bin"
    for p in vfpool vfpool-hook vfpool-hook-worker vfpool-hook-release vfpoold; do
        [ -x "$build/$p" ] || continue
        if [ "$(head -c4 "$build/$p")" = $'\x7fELF' ]; then
            cp "$build/$p" "$bin/$p"
        else
            ln -sf "$build/$p" "$bin/$p"
        fi
    done
    for p in vfpool vfpool-hook vfpool-hook-worker vfpool-hook-release; do
        check "built program $p" test -x "$bin/$p"
    done
    [ -x "$vfpool" ] && [ -x "$bin/vfpool-hook" ] || finish

    # This test and its administrator use /etc/vfpool and /run/vfpool: point the build's own
    # directories at them when they differ.
    if [ -r "$build/Makefile" ]; then
        conf_dir=$(expand_dir "$(makevar sysconfdir)")/vfpool
        state_dir=$(expand_dir "$(makevar runstatedir)")/vfpool
    fi
    mkdir -p /etc/vfpool/pools.d /run/vfpool
    info "the build reads pools from $conf_dir and keeps its ledger in $state_dir"
    check "the hook has $conf_dir and $state_dir built in" \
        sh -c "grep -qaF '$conf_dir' '$bin/vfpool-hook-worker' &&
            grep -qaF '$state_dir' '$bin/vfpool-hook-worker'"
    link_dir "$conf_dir" /etc/vfpool
    link_dir "$state_dir" /run/vfpool
    if [ "$conf_dir" != /etc/vfpool ] || [ "$state_dir" != /run/vfpool ]; then
        note "this build looks for pools in $conf_dir and keeps its ledger in $state_dir" \
            "(configure's default prefix), not /etc/vfpool and /run/vfpool as a system" \
            "install does; linked them for the test"
    fi

    igb_pf=$(vm_find_pci 0x8086 0x10c9 | head -n1)
    for d in $(vm_find_pci 0x1b36 0x0010); do
        [ -e "$d/sriov_totalvfs" ] && nvme_pf=$d && break
    done
    check "igb PF found (${igb_pf##*/})" test -n "$igb_pf"
    check "nvme PF with SR-IOV found (${nvme_pf##*/})" test -n "$nvme_pf"
    [ -n "$igb_pf" ] && [ -n "$nvme_pf" ] || finish
    wait_for 10 igb_has_net
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

    if [ -x "$bin/vfpoold" ]; then
        "$bin/vfpoold" >>/var/log/vfpoold.log 2>&1 &
        vfpoold_pid=$!
        disown "$vfpoold_pid"
    fi
    if [ -n "$vfpoold_pid" ] && wait_for 30 vfpoold_connected; then
        mode=daemon
        ok "vfpoold runs and follows libvirt (domains are resolved on plain 'virsh define')"
    else
        ko "vfpoold did not connect to libvirt in 30 s: $(tail -n 3 /var/log/vfpoold.log 2>&1)"
        [ -n "$vfpoold_pid" ] && kill "$vfpoold_pid" 2>/dev/null
    fi
    check "vfpool pools lists the four pools" pools_listed
    sed 's/^/  | /' "$work/pools.txt"
}
