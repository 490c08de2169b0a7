# shellcheck shell=bash disable=SC2154,SC2034 # variables shared with e2e-lib.sh
# Sourced by tests/vm/e2e.sh after the common setup; helpers in tests/vm/e2e-lib.sh.
# libvirt's own VF pool (a <forward mode='hostdev'> network) and vfpool on the same PF: how
# their start times compare, and that vfpool neither hands out nor touches a VF that the
# network gave a running domain.
scenario "libvirt's own hostdev network pool and vfpool, side by side"
check "libvirt network hpool (forward mode='hostdev', pf $igb_net) defined and started" hpool_up
info "hpool has $(V net-dumpxml hpool | grep -c "<address type='pci'") VFs"
cat >"$work/cmp-lv.xml" <<XML
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
XML
domain_xml cmp-vp \
    "<vfpool:vf alias='ua-vfpool-net0' pool='net' mac='52:54:00:e2:08:02' vlan='42'/>" ""
check "cmp-lv (interface type='network' on hpool) defined" V define "$work/cmp-lv.xml"
check "cmp-vp (the same domain through vfpool) defined and resolved" \
    define_pooled cmp-vp ua-vfpool-net0

# Start times: alternating runs of each, medians (two runs each when time is short).
start_ms() { # DOMAIN: sets ms to the milliseconds virsh start took, fails if it failed
    V start "$1" >"$work/cmp-start.out" 2>&1 || { sed 's/^/  | /' "$work/cmp-start.out"; return 1; }
    ms=$V_MS
}
median() {
    printf '%s\n' "$@" | sort -n |
        awk '{ v[NR] = $1 }
            END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
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
if [ "${#lv_ms[@]}" -gt 0 ] && [ "${#vp_ms[@]}" -gt 0 ]; then
    lv_med=$(median "${lv_ms[@]}")
    vp_med=$(median "${vp_ms[@]}")
    info "libvirt-pool starts (ms): ${lv_ms[*]}  median $lv_med"
    info "vfpool starts (ms):       ${vp_ms[*]}  median $vp_med"
    echo "start-time ratio vfpool/libvirt-pool:" \
        "$(awk -v v="$vp_med" -v l="$lv_med" 'BEGIN { printf "%.2f", v / l }')"
fi

# While cmp-lv holds a VF of hpool, vfpool must not hand it out.
check "virsh start cmp-lv" V start cmp-lv
lv_alias=$(V dumpxml cmp-lv |
    xmllint --xpath "string(//devices/interface[1]/alias/@name)" - 2>/dev/null)
al=$(live_source cmp-lv "$lv_alias")
info "cmp-lv got VF $al from libvirt's network pool"
il=$(vf_index "$igb_pf" "$al")
lv_line=$(vf_line "${il:-0}")
domain_xml cmp-vp2 "<vfpool:vf alias='ua-vfpool-net0' pool='net' mac='52:54:00:e2:08:03'/>" ""
"$vfpool" resolve --xml "$work/cmp-vp2.xml" >"$work/cmp-vp2.resolved.xml" 2>&1
av=$(xml_reservation ua-vfpool-net0 address <"$work/cmp-vp2.resolved.xml")
info "vfpool resolve --xml picks $av for a new domain while cmp-lv runs on $al"
check "vfpool does not pick the VF libvirt's network pool gave cmp-lv" \
    sh -c "[ -n '$av' ] && [ '$av' != '$al' ]"

# The hook's own check, the choice forced: a domain whose reservation (written by hand) is
# the VF cmp-lv holds through VFIO must not start, and must not touch that VF's settings.
if [ -n "$al" ]; then
    info "VF $al: driver $(basename "$(readlink "/sys/bus/pci/devices/$al/driver")")," \
        "enable $(cat "/sys/bus/pci/devices/$al/enable")"
    domain_xml cmp-vp3 "<vfpool:vf alias='ua-vfpool-net0' pool='net' mac='52:54:00:e2:08:05'/>
      <vfpool:reservation alias='ua-vfpool-net0' address='$al' pf='$igb_pf_addr' index='$il'/>" \
        "$(hostdev_interface 52:54:00:e2:08:05 "$al" ua-vfpool-net0)"
    V create "$work/cmp-vp3.xml" >"$work/cmp-vp3.out" 2>&1
    rc=$?
    info "virsh create cmp-vp3 (reserving $al by hand): exit $rc:" \
        "$(grep -o 'vfpool:.*' "$work/cmp-vp3.out" | head -n1)"
    check "the hook refuses the VF cmp-lv holds through VFIO outside vfpool, in its own words" \
        eval "[ $rc != 0 ] &&
            grep -q 'in use outside vfpool: it is open through vfio-pci' '$work/cmp-vp3.out'"
    check "cmp-lv still runs, its VF as it was (ip link), nothing claimed" \
        eval "running cmp-lv && [ \"\$(vf_line '${il:-0}')\" = '$lv_line' ] && ledger_empty"
fi

# A stopped pooled domain whose reservation (written by hand) is the VF cmp-lv runs on, and
# whose name sorts first: vfpoold must still move it off that VF.
if daemon_on && [ -n "$al" ]; then
    domain_xml a0 "<vfpool:vf alias='ua-vfpool-net0' pool='net' mac='52:54:00:e2:08:04'/>
      <vfpool:reservation alias='ua-vfpool-net0' address='$al' pf='$igb_pf_addr' index='$il'/>" \
        "$(hostdev_interface 52:54:00:e2:08:04 "$al" ua-vfpool-net0)"
    V define "$work/a0.xml" >/dev/null
    moved_off() { r=$(reserved a0 ua-vfpool-net0); [ -n "$r" ] && [ "$r" != "$al" ]; }
    what="vfpoold re-resolves a stopped domain reserving the VF a running non-vfpool domain"
    check "$what uses (a0 sorts before cmp-lv)" wait_for 30 moved_off
    info "a0 now reserves $(reserved a0 ua-vfpool-net0)"
    forget_domains a0
fi
V destroy cmp-lv >/dev/null 2>&1
forget_domains cmp-lv cmp-vp
hpool_down
