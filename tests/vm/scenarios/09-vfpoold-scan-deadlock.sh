# shellcheck shell=bash disable=SC2154,SC2034 # variables shared with e2e-lib.sh
# Sourced by tests/vm/e2e.sh after the common setup; helpers in tests/vm/e2e-lib.sh.
# vfpoold reads the ledger under its lock and asks libvirt about domains in the same breath;
# a starting domain's hook waits for that lock while libvirtd holds the domain. Catch vfpoold
# inside that window (SIGSTOP, as a busy machine would deschedule it), start a pooled domain,
# let vfpoold go on, and see whether the start completes.
scenario "vfpoold scanning while a domain starts (deadlock check)"
if ! daemon_on; then
    info "vfpoold does not run (it failed to start or was stopped after a hang):" \
        "nothing to check"
    return 0
fi
set_numvfs "$igb_pf" 7
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
        hung "virsh start x1 (vfpoold resumed while the start's hook waited for the ledger lock)" \
            "$bg_limit"
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
if [ "$deadlocked" = 1 ] && wait_for 60 running x1; then
    info "x1 runs after vfpoold was stopped: the hook got the lock"
fi
settle=1
bg_limit=90
forget_domains x1 f1 f2 f3
check "ledger has no claims" ledger_empty
