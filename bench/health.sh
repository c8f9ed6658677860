#!/bin/bash
# bench/health.sh: what one healthcheck probe costs beside one `exec` of the same
# command. A probe's duration is its State.Health log entry's End - Start (the daemon
# creates, starts and reaps an exec and reads its output); the exec is `exec <ctr>
# /bin/sh -c true` end to end through a client (our client, and docker 20.10 on a
# private dockerd when one can run, its probes measured the same way). Also the daemon's
# CPU time per probe, and that containers without a healthcheck start no thread.
#
# Root. Prints each measurement, then a table. Nothing is asserted. Knobs (environment):
# RUNS (probes and execs, default 40), NO_DOCKER=1, BENCH_KEEP=1.
set -eu
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

RUNS=${RUNS:-40}

bench_init health
bench_banner
"$BENCH_ROOT/contrib/mkimage-busybox.sh" "$W/busybox.tar" >/dev/null
export DOCKER_CONFIG=$W/docker-config
mkdir -p "$DOCKER_CONFIG"

# shellcheck disable=SC2119 # no extra flags
md_daemon_start || bench_die "minidockd did not start"
md load -i "$W/busybox.tar" >/dev/null
DK_OK=
# shellcheck disable=SC2119 # no --netns
if [ -z "${NO_DOCKER:-}" ] && dk_daemon_start && dk load -i "$W/busybox.tar" >/dev/null; then DK_OK=1; fi

# probes CLI... : RUNS probe durations (ms) of container "hc", gathered from its log
# (which keeps the last 5) while it probes every 100 ms
probes() {
    local seen="" n=0 deadline=$((SECONDS + 120)) line
    while [ "$n" -lt "$RUNS" ] && [ "$SECONDS" -lt "$deadline" ]; do
        while read -r line; do
            case " $seen " in *" ${line%% *} "*) continue ;; esac
            seen="$seen ${line%% *}"
            echo "${line#* }"
            n=$((n + 1))
        done < <("$@" inspect -f '{{json .State.Health.Log}}' hc |
            python3 -c '
import json, sys, datetime
def t(s):  # RFC 3339 with nanoseconds -> seconds
    d, f = s.rstrip("Z").split(".") if "." in s else (s.rstrip("Z"), "0")
    return datetime.datetime.fromisoformat(d).timestamp() + float("0." + f)
for e in json.load(sys.stdin) or []:
    print(e["Start"], "%.3f" % ((t(e["End"]) - t(e["Start"])) * 1000))')
        sleep 0.3
    done
}
# summarise NAME: median, min, max of the numbers on stdin into $RESULTS (ms)
summarise() {
    sort -n | awk -v name="$1" '{ v[NR] = $1 } END {
        if (NR) printf "%s\t%d\t%.3f\t%.3f\t%.3f\t0\tms\n", name, NR, v[int((NR + 1) / 2)], v[1], v[NR] }' >>"$RESULTS"
    printf '  %-30s %s\n' "$1" "$(bench_fmt_ms "$1")"
}
# cpu_ms PID: the process's user+system CPU time in ms
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.0f", ($14 + $15) * 1000 / hz }' "/proc/$1/stat"; }
threads() { awk '/^Threads:/ {print $2}' "/proc/$1/status"; }

echo "-- probes of /bin/sh -c true every 100 ms ($RUNS each), beside exec of the same"
for i in $(seq 1 10); do md run -d --network none --name "plain$i" busybox sleep 100000 >/dev/null; done
sleep 1 # the requests' own threads gone
t0=$(threads "$MD_PID")
c0=$(cpu_ms "$MD_PID")
since=$(date +%s.%N)
md run -d --network none --name hc --health-cmd true --health-interval 100ms busybox sleep 100000 >/dev/null
probes md | summarise "md:probe"
c1=$(cpu_ms "$MD_PID")
until=$(date +%s.%N)
sleep 0.5
t1=$(threads "$MD_PID")
nprobes=$(curl -s --unix-socket "$MD_SOCK" "http://x/events?since=$since&until=$until&filters=%7B%22event%22%3A%5B%22exec_die%22%5D%7D" | grep -c exec_die)
md rm -f hc >/dev/null
bench_time "md:exec" "$RUNS" 3 120 '' '' -- "$BIN/minidock" -H "unix://$MD_SOCK" exec plain1 /bin/sh -c true
if [ -n "$DK_OK" ]; then
    dk run -d --network none --name hc --health-cmd true --health-interval 100ms busybox sleep 100000 >/dev/null
    probes dk | summarise "dk:probe"
    dk run -d --network none --name plain1 busybox sleep 100000 >/dev/null
    bench_time "dk:exec" "$RUNS" 3 180 '' '' -- docker -H "unix://$W/dk/docker.sock" exec plain1 /bin/sh -c true
fi

echo
echo "== results (ms, median)"
printf '  %-36s %12s %12s\n' "" "minidock" "docker 20.10"
printf '  %-36s %12s %12s\n' "one probe (log End - Start)" "$(bench_get md:probe median)" "$(bench_get dk:probe median || true)"
printf '  %-36s %12s %12s\n' "one exec, end to end (client)" "$(bench_get md:exec median)" "$(bench_get dk:exec median || true)"
printf '  %-36s %12s %12s\n' "probe / exec" "$(bench_ratio "$(bench_get md:probe median)" "$(bench_get md:exec median)")" \
    "$(bench_ratio "$(bench_get dk:probe median || true)" "$(bench_get dk:exec median || true)")"
echo "  daemon CPU while probing: $((c1 - c0)) ms for $nprobes probes ($(awk -v c=$((c1 - c0)) -v n="$nprobes" 'BEGIN { if (n) printf "%.2f", c / n }') ms each, the run itself included)"
echo "  daemon threads with 10 containers without a healthcheck: $t0; with one more that has one: $t1"
[ -n "$DK_OK" ] || echo "  docker not measured: no docker engine ran here"
echo "  (host load average now: $(cut -d' ' -f1-3 /proc/loadavg))"
