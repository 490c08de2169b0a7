#!/bin/sh
# check-fuzz.sh TARGET...: what `make check-fuzz` runs, in the build tree of a build configured
# with --enable-fuzzing. Runs each libFuzzer target tests/fuzz/fuzz-TARGET for FUZZ_SECONDS
# (default 60) on a copy of its seeds (tests/fuzz/targets.list) in tests/fuzz/work/TARGET, with
# GLib criticals fatal. A crash, a leak, a timeout (-timeout=10) or running out of memory
# (-rss_limit_mb=2048) fails the target: the input that did it is left in
# tests/fuzz/work/TARGET/artifacts and the report in tests/fuzz/work/TARGET/fuzz.log.
# Prints one line per target, then "N passed, N failed".
set -u
srcdir=${abs_top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
seconds=${FUZZ_SECONDS:-60}
passed=0
failed=0

export abs_top_srcdir="$srcdir" LC_ALL=C.UTF-8 G_DEBUG=fatal-criticals
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# fuzz TARGET MAX_LEN DICT SEED...
fuzz() {
    target=$1
    max_len=$2
    dict=$3
    shift 3
    work=tests/fuzz/work/$target
    rm -rf "$work" && mkdir -p "$work/corpus" "$work/artifacts" "$work/tmp" || return 1
    n=0
    for seed in "tests/fuzz/regressions/$target" "tests/fuzz/corpus/$target" "$@"; do
        for file in "$srcdir/$seed" "$srcdir/$seed"/*; do
            [ -f "$file" ] || continue
            case ${file##*/} in README* | .*) continue ;; esac
            n=$((n + 1))
            cp "$file" "$work/corpus/seed$n-${file##*/}"
        done
    done
    set -- -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len="$max_len" \
        -artifact_prefix="$work/artifacts/" -print_final_stats=1
    [ "$dict" = - ] || set -- "$@" -dict="$srcdir/tests/fuzz/$dict"
    # The targets' temporary directories too, so a crash leaves nothing behind in /tmp.
    TMPDIR=$PWD/$work/tmp "./tests/fuzz/fuzz-$target" "$@" "$work/corpus" >"$work/fuzz.log" 2>&1
    status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz.log")
    cov=$(grep -aoE 'cov: [0-9]+' "$work/fuzz.log" | tail -n 1)
    if [ "$status" -eq 0 ]; then
        corpus=$(ls "$work/corpus" | wc -l)
        echo "PASS: $target ($seconds s, ${runs:-?} runs, ${cov:-cov: ?}, corpus $corpus)"
        passed=$((passed + 1))
    else
        why=$(grep -aE -m 1 '^SUMMARY:|^==[0-9]+== ?ERROR:|ERROR: libFuzzer|CRITICAL|^fuzz: ' \
            "$work/fuzz.log")
        echo "FAIL: $target (exit $status): ${why:-see the log}; input in $work/artifacts," \
            "report in $work/fuzz.log"
        failed=$((failed + 1))
    fi
}

for target in "$@"; do
    line=$(grep -E "^$target[[:space:]]" "$srcdir/tests/fuzz/targets.list")
    if [ -z "$line" ] || [ ! -x "tests/fuzz/fuzz-$target" ]; then
        echo "FAIL: $target (not in tests/fuzz/targets.list or tests/fuzz/fuzz-$target not built)"
        failed=$((failed + 1))
        continue
    fi
    # shellcheck disable=SC2086
    fuzz $line
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
