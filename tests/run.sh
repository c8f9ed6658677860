#!/bin/bash
# make test: unit suites, then every integration suite as root. Each part ends
# with "N passed, N failed"; this sums them into the final line.
set -u
cd "$(dirname "$0")/.."
# The system's programs first: a python3 or curl of the user's own (pyenv, ~/bin) must not
# stand in for the Debian package make deps installed.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH
total_p=0 total_f=0
add() { # parse the last "N passed, N failed" line of a log
    local line
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$1" | tail -n1)
    if [ -z "$line" ]; then total_f=$((total_f + 1)); echo "$2: no summary line (counted as a failure)"; return; fi
    total_p=$((total_p + $(cut -d' ' -f1 <<<"$line")))
    total_f=$((total_f + $(cut -d' ' -f3 <<<"$line")))
}
log=$(mktemp); trap 'rm -f "$log"' EXIT
echo "=== tests/deps-audit.sh"
tests/deps-audit.sh | tee "$log"; add "$log" deps-audit
tests/unit/run.sh "$@" | tee "$log"; add "$log" unit
if [ "$(id -u)" -ne 0 ]; then
    echo "integration suites need root (sudo make test); not run"
    total_f=$((total_f + 1))
else
    for s in tests/integration/[0-9]*.sh; do
        [ -e "$s" ] || continue
        echo "=== $s"
        timeout 1500 bash "$s" 2>&1 | tee "$log"; add "$log" "$s"
    done
fi
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
