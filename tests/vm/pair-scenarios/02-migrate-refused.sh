# shellcheck shell=bash disable=SC2154,SC2034 # variables shared with e2e-lib.sh, pair-lib.sh
# Sourced by tests/vm/pair-e2e.sh in host A after the pair's setup (and scenario 1, whose
# domains it starts again when missing). A migration that B cannot take: B's pool net is full
# (reduced to the one VF pm-fill holds), then missing altogether. B's migrate hook step fails
# before anything happened on either side: virsh migrate must fail with vfpool's one-line error,
# the domain keep running on A with its VF (the guest sees no unplug) and B claim nothing.
scenario "refused migrations: B's pool full, then missing; the domain stays on A with its VF"
if ! guest_kernel_found; then
    ko "migration: no nested guest kernel for this checkout (tests/vm/setup builds it)"
    return 0
fi
vfill=$(on_b pm_fill_up)
ts=$(now)
running pm-vp || { set_numvfs "$igb_pf" 7; igb_vf_baseline; pm_vp_xml; }
check "migration source A: pm-vp runs, its guest sees its VF" teamed_up pm-vp
info "pm-vp up in $(secs "$ts")s"
va=$(live_source pm-vp ua-vfpool-net0)

# net_pool_full (B): pool net reduced to the VF pm-fill holds; net_pool_gone: no pool net;
# net_pool_back: the pool as e2e_setup wrote it.
net_pool_full() {
    local i
    i=$(vf_index "$igb_pf" "$(live_source pm-fill ua-vfpool-net0)") || return 1
    cp /etc/vfpool/pools.d/net.xml "$work/net.xml.orig" &&
        sed "s|</pool>|  <vfs range='$i-$i'/>\n</pool>|" "$work/net.xml.orig" \
            >/etc/vfpool/pools.d/net.xml
}
net_pool_gone() { mv /etc/vfpool/pools.d/net.xml "$work/net.xml.orig"; }
net_pool_back() { cp "$work/net.xml.orig" /etc/vfpool/pools.d/net.xml; }
on_b eval "$(declare -f net_pool_full net_pool_gone net_pool_back)"

# refused WHY: migrate pm-vp to B, which must refuse it; the checks after.
refused() {
    local rc n0 out
    n0=$(pci_lines pm-vp)
    migrate a b pm-vp
    rc=$?
    out=$(cat "$work/migrate.out")
    sed 's/^/  | /' <<<"$out"
    info "virsh migrate took ${MIG_MS} ms"
    check "migrate to B with $1 fails" test "$rc" != 0
    check "refused migration ($1): virsh shows vfpool's one-line error" \
        test "$(grep -c "vfpool: domain 'pm-vp': " <<<"$out")" = 1
    check "refused migration ($1): pm-vp still runs on A, persistent there" \
        eval 'running pm-vp && V dominfo pm-vp | grep -qE "^Persistent: +yes"'
    check "refused migration ($1): A's QEMU still has VF $va, ledger: held by pm-vp" \
        eval 'has_vfio pm-vp "$va" && claims_are "$va pm-vp"'
    check "refused migration ($1): the guest kept its VF (no unplug, no new PCI list)" \
        eval 'guest_sees_vf pm-vp && [ "$(pci_lines pm-vp)" = "$n0" ]'
    check "refused migration ($1): B has no pm-vp and claims nothing for it" \
        eval '! on_b V dominfo pm-vp >/dev/null 2>&1 &&
            [ "$(on_b claims | awk "{ print \$1, \$2 }")" = "$vfill pm-fill" ]'
}

check "migration target B: pool net reduced to VF $vfill, which pm-fill holds" on_b net_pool_full
refused "B's pool net full"
check "migration target B: pool net as before" on_b net_pool_back
check "migration target B: pool net removed" on_b net_pool_gone
refused "no pool net on B"
check "migration target B: pool net back" on_b net_pool_back
