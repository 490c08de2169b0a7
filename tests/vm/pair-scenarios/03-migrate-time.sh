# shellcheck shell=bash disable=SC2154,SC2034 # variables shared with e2e-lib.sh, pair-lib.sh
# Sourced by tests/vm/pair-e2e.sh in host A after the pair's setup (and scenarios 1-2, whose
# guest it reuses when it runs). How long the live migration of the teamed guest takes with
# vfpool (pool net; the destination's migrate hook step picks the VF, prepare claims it)
# against the same guest on libvirt's own VF pool: a <forward mode='hostdev'> network of the
# same name on both hosts, <interface type='network'> with the same <teaming> (libvirt's network
# driver picks the destination's VF). A round trip A -> B -> A each, one domain after the other:
# libvirt's network does not know vfpool's VFs and would hand out one a vfpool domain holds.
scenario "migration time: vfpool's pool against libvirt's hostdev network, same teamed guest"
if ! guest_kernel_found; then
    ko "migration: no nested guest kernel for this checkout (tests/vm/setup builds it)"
    return 0
fi
on_b forget_domains pm-fill pm-vp pm-lv
forget_domains pm-fill-a pm-lv

# round_trip DOMAIN ARRAY: A -> B -> A, the times (ms) of the successful ones added to ARRAY;
# after each, the guest must see a VF again on the destination.
round_trip() {
    local from to rc st
    for from in a b; do
        if [ "$from" = a ]; then to=b; else to=a; fi
        migrate "$from" "$to" "$1"
        rc=$?
        sed 's/^/  | /' "$work/migrate.out"
        check "migration-time run: virsh migrate $1 ${from^^} -> ${to^^} (${MIG_MS} ms)" \
            test "$rc" = 0 || return 1
        eval "$2+=($MIG_MS)"
        if [ "$from" = a ]; then st=$(stream_ms "$1"); else st=$(on_b stream_ms "$1"); fi
        info "$1 ${from^^} -> ${to^^}: ${MIG_MS} ms in virsh migrate, ${st:-?} ms of it from" \
            "QEMU's 'initiating migration' to its end (the guest's unplug of the VF included)"
        if [ "$to" = a ]; then
            check "migration-time run: $1's guest sees a VF again on A" \
                wait_for 120 guest_sees_vf "$1"
        else
            check "migration-time run: $1's guest sees a VF again on B" \
                on_b wait_for 120 guest_sees_vf "$1"
        fi
    done
}

# ---- vfpool
vp_ms=()
ts=$(now)
running pm-vp || { set_numvfs "$igb_pf" 7; igb_vf_baseline; pm_vp_xml; }
check "migration source A: pm-vp (pool net) runs, its guest sees its VF" teamed_up pm-vp
info "pm-vp up in $(secs "$ts")s"
round_trip pm-vp vp_ms
forget_domains pm-vp

# ---- libvirt's hostdev network
check "migration: libvirt network hpool (forward mode='hostdev', the igb PF) on A and on B" \
    eval 'hpool_up && on_b hpool_up'
lv_mac=52:54:00:e2:51:03
teamed_xml pm-lv "$lv_mac" "" \
    "<interface type='network'>
      <source network='hpool'/>
      <mac address='$lv_mac'/>
      <teaming type='transient' persistent='ua-backup0'/>
      <alias name='ua-hostdev0'/>
    </interface>"
lv_ms=()
ts=$(now)
check "migration source A: pm-lv (teamed, on libvirt's hpool) runs, its guest sees its VF" \
    teamed_up pm-lv
info "pm-lv up in $(secs "$ts")s"
round_trip pm-lv lv_ms
forget_domains pm-lv
hpool_down
on_b hpool_down

sum() { local s=0 v; for v; do s=$((s + v)); done; echo "$s"; }
info "vfpool (pm-vp) migrations (ms): ${vp_ms[*]}"
info "libvirt-pool (pm-lv) migrations (ms): ${lv_ms[*]}"
if [ "${#vp_ms[@]}" = 2 ] && [ "${#lv_ms[@]}" = 2 ]; then
    echo "migration-time ratio vfpool/libvirt-pool: $(awk -v v="$(sum "${vp_ms[@]}")" \
        -v l="$(sum "${lv_ms[@]}")" 'BEGIN { printf "%.2f", v / l }')" \
        "(round trips A -> B -> A: vfpool $(sum "${vp_ms[@]}") ms, libvirt $(sum "${lv_ms[@]}") ms)"
else
    ko "migration-time ratio: not every timed migration succeeded"
fi
