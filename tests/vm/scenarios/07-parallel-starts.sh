# shellcheck shell=bash disable=SC2154,SC2034 # variables shared with e2e-lib.sh
# Sourced by tests/vm/e2e.sh after the common setup; helpers in tests/vm/e2e-lib.sh.
# Four hooks run at once (libvirtd starts domains in parallel): the ledger lock must keep
# every VF with one domain. No pause after these starts (bg_virsh is not V).
scenario "four pooled domains started in parallel"
set_numvfs "$igb_pf" 7
igb_vf_baseline
par=(p1 p2 p3 p4)
for n in 1 2 3 4; do
    domain_xml "p$n" "<vfpool:vf alias='ua-vfpool-net0' pool='net' mac='52:54:00:e2:07:0$n'/>" ""
    check "p$n defined and resolved" define_pooled "p$n" ua-vfpool-net0
done
distinct() {
    [ "$(for d in "${par[@]}"; do reserved "$d" ua-vfpool-net0; done | sort -u | grep -c .)" = 4 ]
}
for d in "${par[@]}"; do info "$d reserves $(reserved "$d" ua-vfpool-net0)"; done
check "the four domains reserve four distinct VFs" distinct
ts=$(now)
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
qemu_hosts() {
    local d
    for d in "${par[@]}"; do qemu_cmdline "$d" | grep -oE '"host":"[0-9a-f:.]+"'; done
}
check "no VF on two QEMU command lines" test -z "$(qemu_hosts | sort | uniq -d)"
pids=()
for d in "${par[@]}"; do bg_virsh "destroy-$d" destroy "$d"; done
wait "${pids[@]}"
bg_check_hangs destroy-p1 destroy-p2 destroy-p3 destroy-p4
nothing_runs() { [ -z "$(V list --name)" ]; }
check "all four destroyed" nothing_runs
check "ledger has no claims" ledger_empty
forget_domains "${par[@]}"
