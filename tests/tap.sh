# A small TAP emitter for the shell tests, sourced by them, and the waiting they share.
tap_count=0
tap_failed=0

tap_ok() {
    tap_count=$((tap_count + 1))
    echo "ok $tap_count - $1"
}

tap_not_ok() {
    tap_count=$((tap_count + 1))
    tap_failed=$((tap_failed + 1))
    echo "not ok $tap_count - $1"
    shift
    for line in "$@"; do
        printf '%s\n' "$line" | sed 's/^/# /'
    done
}

# tap_check DESCRIPTION COMMAND...: passes when COMMAND succeeds.
tap_check() {
    desc=$1
    shift
    if out=$("$@" 2>&1); then
        tap_ok "$desc"
    else
        tap_not_ok "$desc" "$out"
    fi
}

# wait_for SECONDS COMMAND...: until COMMAND succeeds; fails after SECONDS.
wait_for() {
    limit=$(($1 * 5))
    shift
    i=0
    until "$@" >/dev/null 2>&1; do
        i=$((i + 1))
        [ $i -lt $limit ] || return 1
        sleep 0.2
    done
}

tap_done() {
    echo "1..$tap_count"
    [ "$tap_failed" -eq 0 ]
}
