# shellcheck shell=bash disable=SC2154,SC2034 # variables shared with e2e-lib.sh
# Sourced by tests/vm/e2e.sh after the common setup; helpers in tests/vm/e2e-lib.sh.
# Pool small has two VFs. With both held, resolving a third domain fails, and a domain whose
# definition (copied by hand) reserves a held VF must fail to start with vfpool's reason in
# virsh's error, claiming nothing.
scenario "pool exhaustion: a start that wants a held VF is refused with vfpool's reason"
set_numvfs "$igb_pf" 7
for n in 1 2; do
    domain_xml "e$n" "<vfpool:vf alias='ua-vfpool-net0' pool='small' mac='52:54:00:e2:02:0$n'/>" ""
    check "e$n defined and resolved" define_pooled "e$n" ua-vfpool-net0
done
ea=$(reserved e1 ua-vfpool-net0)
eb=$(reserved e2 ua-vfpool-net0)
check "virsh start e1" V start e1
check "virsh start e2" V start e2
check "e1 and e2 run on the two VFs of pool small ($ea, $eb)" \
    eval "all_running e1 e2 && [ -n '$ea' ] && [ -n '$eb' ] && [ '$ea' != '$eb' ]"
check "ledger: 2 claims" test "$(claim_count)" = 2
domain_xml e4 "<vfpool:vf alias='ua-vfpool-net0' pool='small'/>" ""
"$vfpool" resolve --xml "$work/e4.xml" >"$work/e4.out" 2>"$work/e4.err"
rc=$?
info "vfpool resolve --xml e4.xml: exit $rc: $(cat "$work/e4.err")"
check "resolving one more domain fails: exit 1, one 'vfpool: domain 'e4'' line" \
    sh -c "[ $rc = 1 ] && [ \$(wc -l <'$work/e4.err') = 1 ] &&
        grep -q \"^vfpool: domain 'e4'\" '$work/e4.err'"
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
check "virsh destroy e1 e2" destroy_all e1 e2
check "ledger has no claims" ledger_empty
forget_domains e1 e2 e3
