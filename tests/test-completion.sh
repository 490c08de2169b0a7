#!/bin/bash
# The bash completion of vfpool (src/tools/vfpool.bash-completion.in, as built): sourced in bash,
# its function is run on command lines split as bash splits them, and COMPREPLY is checked.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
srcdir=${abs_top_srcdir:-.}
builddir=${abs_top_builddir:-.}
. "$srcdir/tests/tap.sh"

data=$srcdir/tests/data
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vfpool-completion-XXXXXX")
trap 'rm -rf "$tmp"' EXIT

sh "$data/host1.sh" "$tmp/root"
export VFPOOL_SYSFS_ROOT=$tmp/root
export VFPOOL_CONF_DIR=$data/conf1
unset LIBVIRT_DEFAULT_URI

completion=$builddir/src/tools/bash-completion/vfpool
# shellcheck source=/dev/null
if ! out=$(. "$completion" 2>&1) || [ -n "$out" ]; then
    tap_not_ok "the completion loads quietly" "$out"
fi
# shellcheck source=/dev/null
. "$completion"
if [ "$(complete -p vfpool 2>&1)" = "complete -F _vfpool vfpool" ]; then
    tap_ok "it completes vfpool with _vfpool"
else
    tap_not_ok "it completes vfpool with _vfpool" "$(complete -p vfpool 2>&1)"
fi

# expect DESCRIPTION LINE WANT: completing LINE (the cursor at its end) must give exactly the
# words of WANT, in any order. LINE is split into COMP_WORDS as bash does: at blanks, and around
# each run of ':' or '=' (COMP_WORDBREAKS).
expect() {
    local desc=$1 line=$2 want rest got
    # shellcheck disable=SC2086
    want=$(printf '%s\n' $3 | grep -v '^$' | sort | tr '\n' ' ')
    COMP_LINE=$line
    COMP_POINT=${#line}
    COMP_WORDS=()
    rest=$line
    while [ -n "$rest" ]; do
        if [[ $rest =~ ^[[:blank:]]+ || $rest =~ ^[:=]+ || $rest =~ ^[^:=[:blank:]]+ ]]; then
            [[ ${BASH_REMATCH[0]} == [[:blank:]]* ]] || COMP_WORDS+=("${BASH_REMATCH[0]}")
            rest=${rest:${#BASH_REMATCH[0]}}
        fi
    done
    [[ $line == *[[:blank:]] ]] && COMP_WORDS+=("")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    _vfpool vfpool "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" 2>"$tmp/err"
    got=$(printf '%s\n' "${COMPREPLY[@]}" | grep -v '^$' | sort | tr '\n' ' ')
    if [ "$got" = "$want" ] && [ ! -s "$tmp/err" ]; then
        tap_ok "$desc"
    else
        tap_not_ok "$desc" "'$line' gives '$got', want '$want'" "$(cat "$tmp/err")"
    fi
}

# --- commands and options
expect "every command" "vfpool " \
    "pools status metrics explain resolve define start release reconcile move reassign resize
    attach detach migrate"
expect "commands by prefix" "vfpool re" "reassign reconcile release resize resolve"
expect "options before a command" "vfpool --" "--help --version"
expect "--json after pools" "vfpool pools --j" "--json"
expect "the options of pools" "vfpool pools --" "--connect --help --json"
expect "the options of metrics" "vfpool metrics -" "--connect --help --textfile"
expect "the options of explain" "vfpool explain --json -" "--connect --help --json --xml"
expect "the options of move" "vfpool move ua-a --" "--connect --help --from --to"
expect "no --json for reconcile" "vfpool reconcile --j" ""
expect "the options of attach" "vfpool attach guest -" "--connect --help --pool --alias --mac
    --vlan --qos --spoofchk --trust --link-state --min-tx-rate --max-tx-rate --numa --live
    --config --current"
expect "the options of detach" "vfpool detach guest ua-x --" \
    "--connect --help --live --config --current"
expect "the options of migrate" "vfpool migrate guest qemu+ssh://b/system --" \
    "--connect --help --live --persistent --undefinesource --migrateuri"
expect "on and off after --trust" "vfpool attach guest --trust " "on off"
expect "link states after --link-state=" "vfpool attach guest --link-state=e" "enable"
expect "nothing after --mac" "vfpool attach guest --mac " ""
expect "a pool after attach's --pool" "vfpool attach guest --mac 52:54:00:00:00:01 --pool net-" \
    "net-a net-spread"
expect "nothing for an unknown command" "vfpool frobnicate " ""

# --- pools, PFs, VFs and files
expect "pool names after --pool" "vfpool reassign guest ua-vfpool-net0 --pool " \
    "mlx-range net-a net-spread nvme"
expect "pool names by prefix" "vfpool reassign guest ua-vfpool-net0 --pool n" \
    "net-a net-spread nvme"
expect "a pool name after --pool=" "vfpool reassign guest ua-vfpool-net0 --pool=net-s" \
    "net-spread"
expect "PFs by PCI address, after the last ':'" "vfpool resize 0000:" \
    "3b:00.0 5e:00.0 af:00.0 d8:00.0"
expect "PFs by network device" "vfpool resize enp" "enp59s0f0 enp175s0f0 enp216s0f0np0"
expect "no PF for the count" "vfpool resize enp59s0f0 " ""
expect "VFs after --vf" "vfpool reassign guest ua-vfpool-net0 --vf 0000:3c:10." \
    "10.0 10.2 10.4 10.6"
expect "domain XML files for define" "vfpool define $srcdir/xml/examples/pools.d/n" \
    "$srcdir/xml/examples/pools.d/net-a.xml $srcdir/xml/examples/pools.d/nvme.xml"
expect "any file after --textfile" "vfpool metrics --textfile $srcdir/xml/examples/pools.d/ne" \
    "$srcdir/xml/examples/pools.d/net-a.xml"
expect "a file after --xml=" "vfpool explain --xml=$srcdir/xml/examples/dom" \
    "$srcdir/xml/examples/domain.xml"
expect "no domain for resolve --xml" "vfpool resolve --xml $srcdir/xml/examples/domain.xml " ""

# --- domains, from libvirt's in-process test driver (one running domain, "test")
if command -v virsh >/dev/null 2>&1; then
    expect "domains through --connect" "vfpool resolve --connect test:///default " "test"
    expect "running domains after --from" "vfpool move ua-a -c test:///default --from " "test"
    expect "no running domain to start" "vfpool start --connect=test:///default " ""
    expect "domains for attach" "vfpool attach -c test:///default --pool net-a " "test"
    expect "domains for detach" "vfpool detach --connect test:///default " "test"
    LIBVIRT_DEFAULT_URI=test:///default expect "domains through LIBVIRT_DEFAULT_URI" \
        "vfpool reassign t" "test"
else
    tap_ok "domain names # SKIP virsh is not installed"
fi

tap_done
