#!/bin/bash
# Runs the Check unit suites given as arguments and sums their results.
# Check prints "NN%: Checks: N, Failures: F, Errors: E" per suite; the last
# line here is "N passed, N failed" over all of them.
set -u
passed=0 failed=0
for bin in "$@"; do
    out=$(CK_FORK=yes "$bin" 2>&1); rc=$?
    printf '%s\n' "$out" | grep -v '^[0-9]*%: Checks' | grep -E ':[EF]:' || true
    line=$(printf '%s\n' "$out" | grep -E '^[0-9]+%: Checks: [0-9]+' | tail -n1)
    if [ -z "$line" ]; then
        echo "$(basename "$bin"): no Check summary (exit $rc)"
        printf '%s\n' "$out" | tail -n 20
        failed=$((failed + 1)); continue
    fi
    n=$(sed -E 's/.*Checks: ([0-9]+).*/\1/' <<<"$line")
    f=$(sed -E 's/.*Failures: ([0-9]+).*/\1/' <<<"$line")
    e=$(sed -E 's/.*Errors: ([0-9]+).*/\1/' <<<"$line")
    bad=$((f + e))
    [ "$rc" -eq 0 ] || [ "$bad" -gt 0 ] || bad=1
    echo "$(basename "$bin"): $line"
    passed=$((passed + n - f - e)); failed=$((failed + bad))
done
echo "unit: $passed passed, $failed failed"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
