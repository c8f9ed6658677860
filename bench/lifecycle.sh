#!/bin/bash
# bench/lifecycle.sh: container lifecycle latency and memory, minidock vs docker 20.10
# (private dockerd) vs runc, same busybox image, one run, one host (issue 4's benchmark).
#
# Root. Prints each measurement as it goes, then a table (median, min-max, n),
# ratios docker/minidock and the targets. Nothing is asserted; numbers are
# whatever this host gives now (the load average is printed: the host is shared).
# Knobs (environment): RUNS (minidock runs per operation, default 30), DK_RUNS
# (docker, default 10), STOP_RUNS (default 8), PS_N (default "100 1000"),
# RUNNING_N (default 50), NO_DOCKER=1, NO_RUNC=1, BENCH_KEEP=1 (keep the work dir).
set -eu
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

RUNS=${RUNS:-30}
DK_RUNS=${DK_RUNS:-10}
STOP_RUNS=${STOP_RUNS:-8}
PS_N=${PS_N:-100 1000}
RUNNING_N=${RUNNING_N:-50}
T_START=$(date +%s)

bench_init lifecycle
bench_banner

# ---- fixtures --------------------------------------------------------------------
"$BENCH_ROOT/contrib/mkimage-busybox.sh" "$W/busybox.tar" >/dev/null
"$BENCH_ROOT/contrib/mkimage-busybox.sh" --rootfs "$W/busybox-rootfs.tar" >/dev/null

MD=("$BIN/minidock" -H "unix://$W/md/md.sock")
DK=(docker -H "unix://$W/dk/docker.sock")
export DOCKER_CONFIG=$W/docker-config # the CLI's config stays in the work dir
mkdir -p "$DOCKER_CONFIG"
export BIN MD_SOCK W
dk() { docker -H "unix://$W/dk/docker.sock" "$@"; }
# trap_ctr CLI NAME: a running shell that exits on SIGTERM, returning once its trap is set
trap_ctr() {
    "$1" run -d --network none --name "$2" busybox \
        sh -c 'trap "exit 0" TERM; echo ready; while :; do sleep 1; done' >/dev/null || return 1
    local _
    for _ in $(seq 1 250); do
        "$1" logs "$2" 2>/dev/null | grep -q ready && return 0
        sleep 0.02
    done
    echo "container $2 never got ready" >&2
    return 1
}
export -f md dk trap_ctr

# wait_none_running CLI: bounded wait until no container runs
wait_none_running() {
    local _
    for _ in $(seq 1 100); do
        [ -z "$("$1" ps -q)" ] && return 0
        sleep 0.1
    done
    return 1
}
# fill CLI N: exactly N created (never started) containers, made 4 at a time
fill() {
    local cli=$1 want=$2 have
    have=$("$cli" ps -aq | wc -l)
    if [ "$have" -lt "$want" ]; then
        local -a argv=("${MD[@]}")
        [ "$cli" = dk ] && argv=("${DK[@]}")
        seq 1 $((want - have)) | timeout 600 xargs -P 4 -I{} "${argv[@]}" create --network none busybox true >/dev/null || true
    fi
    have=$("$cli" ps -aq | wc -l)
    [ "$have" -eq "$want" ] || echo "  note: $cli has $have containers, wanted $want"
}
mem_line() { # LABEL KB...
    local label=$1
    shift
    printf '  %-34s' "$label"
    printf ' %s' "$@"
    echo
}

# ---- minidock daemon -----------------------------------------------------------
echo "-- starting a private minidockd"
# shellcheck disable=SC2119 # no extra flags
md_daemon_start
bench_record "md:rss-start" "$(rss_kb "$MD_PID")" kB
bench_record "md:pss-start" "$(pss_kb "$MD_PID")" kB
md load -q -i "$W/busybox.tar" >/dev/null
bench_record "md:rss-busy" "$(rss_kb "$MD_PID")" kB
# idle: the daemon trims its memory 1 s after the last request (daemon/idle.c)
sleep 2
bench_record "md:rss-idle" "$(rss_kb "$MD_PID")" kB
bench_record "md:pss-idle" "$(pss_kb "$MD_PID")" kB
mem_line "minidockd RSS/PSS kB at start" "$(bench_get md:rss-start median)/$(bench_get md:pss-start median)"
mem_line "minidockd RSS kB right after the load" "$(bench_get md:rss-busy median)"
mem_line "minidockd RSS/PSS kB, image loaded, idle" "$(bench_get md:rss-idle median)/$(bench_get md:pss-idle median)"
echo "    largest RSS: $(rss_top "$MD_PID" 8)"

# ---- docker: a private dockerd --------------------------------------------------
DK_OK=
dk_daemon_pids() { # dockerd and the containerd it started
    [ -n "$DK_PID" ] || return 0
    echo "$DK_PID"
    pgrep -f -- "containerd --config $W/dk/exec/" || true
}
dk_shim_pids() { pgrep -f -- "containerd-shim-runc-v2 .*-address $W/dk/exec/" || true; }

# shellcheck disable=SC2119 # no --netns
if dk_daemon_start; then
    DK_OK=1
    sleep 1
    # shellcheck disable=SC2046 # pids
    bench_record "dk:rss-start" "$(mem_sum rss $(dk_daemon_pids))" kB
    dk load -q -i "$W/busybox.tar" >/dev/null
    sleep 2
    # shellcheck disable=SC2046
    bench_record "dk:rss-idle" "$(mem_sum rss $(dk_daemon_pids))" kB
    # shellcheck disable=SC2046
    bench_record "dk:pss-idle" "$(mem_sum pss $(dk_daemon_pids))" kB
    mem_line "dockerd+containerd RSS kB, image loaded" "$(bench_get dk:rss-idle median) ($(dk_daemon_pids | wc -l) processes)"
else
    echo "  (docker columns will be empty)"
fi

# ---- runc: a bundle from the same rootfs -----------------------------------------
RUNC_OK=
if [ -z "${NO_RUNC:-}" ]; then
    if ! command -v runc >/dev/null; then
        echo "-- installing runc"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=600 \
            --no-install-recommends runc >"$W/apt-runc.log" 2>&1 || tail -n 5 "$W/apt-runc.log"
    fi
    if command -v runc >/dev/null; then
        mkdir -p "$W/runc/bundle/rootfs" "$W/runc/state"
        tar -C "$W/runc/bundle/rootfs" -xf "$W/busybox-rootfs.tar"
        (cd "$W/runc/bundle" && runc spec)
        python3 - "$W/runc/bundle/config.json" "/$TAG-runc" <<'PY'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["process"]["args"] = ["true"]
c["process"]["terminal"] = False
c["root"]["path"] = "rootfs"
c["linux"]["cgroupsPath"] = sys.argv[2]  # named, so a leftover is attributable
json.dump(c, open(p, "w"), indent=1)
PY
        RUNC_OK=1
        echo "-- runc: $(runc --version | head -n1), bundle from the busybox rootfs, args [true]"
    else
        echo "-- runc: not available, skipped"
    fi
fi

# ---- latency ------------------------------------------------------------------------
echo "-- floors: /bin/true through the same timer; the kernel's namespaces alone (unshare, no engine)"
bench_time "floor:true" 20 2 10 '' '' -- true
bench_time "floor:unshare" 20 2 10 '' '' -- unshare --mount --uts --ipc --net --pid --fork true

echo "-- run --rm busybox true"
bench_time "md:run-none" "$RUNS" 3 60 '' '' -- "${MD[@]}" run --rm --network none busybox true
[ -z "$DK_OK" ] || bench_time "dk:run-none" "$DK_RUNS" 2 60 '' '' -- "${DK[@]}" run --rm --network none busybox true
[ -z "$RUNC_OK" ] || bench_time "runc:run" "$RUNS" 2 60 '' '' -- runc --root "$W/runc/state" run --bundle "$W/runc/bundle" "$TAG-r"
bench_time "md:run-bridge" "$RUNS" 3 60 '' '' -- "${MD[@]}" run --rm busybox true
[ -z "$DK_OK" ] || echo "  (docker: no default bridge here, dockerd runs with --bridge=none so it leaves the host's network alone)"

echo "-- create, then start of the created containers (they run true)"
bench_time "md:create" "$RUNS" 2 30 '' '' -- "${MD[@]}" create --network none --name 'c{i}' busybox true
bench_time "md:start" "$(bench_get md:create n)" 0 30 '' '' -- "${MD[@]}" start 'c{i}'
if [ -n "$DK_OK" ]; then
    bench_time "dk:create" "$DK_RUNS" 2 30 '' '' -- "${DK[@]}" create --network none --name 'c{i}' busybox true
    bench_time "dk:start" "$(bench_get dk:create n)" 0 60 '' '' -- "${DK[@]}" start 'c{i}'
fi

echo "-- stop of a shell that traps SIGTERM (it exits when its current 'sleep 1' ends)"
bench_time "md:stop" "$STOP_RUNS" 1 40 'trap_ctr md s{i}' 'md rm -f s{i}' -- "${MD[@]}" stop 's{i}'
[ -z "$DK_OK" ] || bench_time "dk:stop" "$STOP_RUNS" 1 60 'trap_ctr dk s{i}' 'dk rm -f s{i}' -- "${DK[@]}" stop 's{i}'

echo "-- pause / unpause (alternating, one running container)"
trap_ctr md pz
bench_time "md:pause" "$RUNS" 2 20 '' 'md unpause pz' -- "${MD[@]}" pause pz
bench_time "md:unpause" "$RUNS" 2 20 'md pause pz' '' -- "${MD[@]}" unpause pz
md rm -f pz >/dev/null
if [ -n "$DK_OK" ]; then
    trap_ctr dk pz
    bench_time "dk:pause" "$DK_RUNS" 2 20 '' 'dk unpause pz' -- "${DK[@]}" pause pz
    bench_time "dk:unpause" "$DK_RUNS" 2 20 'dk pause pz' '' -- "${DK[@]}" unpause pz
    dk rm -f pz >/dev/null
fi

echo "-- ps -a with N created containers"
wait_none_running md || echo "  note: minidock containers still running"
md container prune -f >/dev/null
if [ -n "$DK_OK" ]; then
    wait_none_running dk || echo "  note: docker containers still running"
    dk container prune -f >/dev/null
fi
for n in $PS_N; do
    t0=$(date +%s)
    fill md "$n"
    echo "  (minidock: $n containers created in $(($(date +%s) - t0)) s)"
    bench_time "md:ps-$n" "$RUNS" 2 30 '' '' -- "${MD[@]}" ps -a
    if [ -n "$DK_OK" ]; then
        t0=$(date +%s)
        fill dk "$n"
        echo "  (docker: $n containers created in $(($(date +%s) - t0)) s)"
        bench_time "dk:ps-$n" "$DK_RUNS" 2 30 '' '' -- "${DK[@]}" ps -a
    fi
done
bench_record "md:rss-1000" "$(rss_kb "$MD_PID")" kB
echo "  minidockd with ${PS_N##* } containers: RSS $(bench_get md:rss-1000 median) kB; largest: $(rss_top "$MD_PID" 4)"
md container prune -f >/dev/null
[ -z "$DK_OK" ] || timeout 300 "${DK[@]}" container prune -f >/dev/null

# ---- memory with N running containers ---------------------------------------------
echo "-- memory with $RUNNING_N running containers (busybox sleep 1000)"
seq 1 "$RUNNING_N" | timeout 300 xargs -P 4 -I{} "${MD[@]}" run -d --network none busybox sleep 1000 >/dev/null || true
# a shim drops its start-up pages a second after the start (shim/io.c)
sleep 2
mapfile -t SHIMS < <(pgrep -f -- "^minidock-shim run $W/md/exec/")
echo "  minidock: $(md ps -q | wc -l) running, ${#SHIMS[@]} shims"
bench_record "md:rss-running" "$(rss_kb "$MD_PID")" kB
bench_record "md:pss-running" "$(pss_kb "$MD_PID")" kB
if [ "${#SHIMS[@]}" -gt 0 ]; then
    bench_record "md:shim-rss" "$(mem_median rss "${SHIMS[@]}")" kB "${#SHIMS[@]}"
    bench_record "md:shim-rss-max" "$(mem_max rss "${SHIMS[@]}")" kB "${#SHIMS[@]}"
    bench_record "md:shim-pss" "$(mem_median pss "${SHIMS[@]}")" kB "${#SHIMS[@]}"
    bench_record "md:shims-pss-sum" "$(mem_sum pss "${SHIMS[@]}")" kB "${#SHIMS[@]}"
fi
t0=$(date +%s)
ids=$(md ps -aq)
# shellcheck disable=SC2086 # one id a word
[ -z "$ids" ] || md rm -f $ids >/dev/null
echo "  (minidock: rm -f of $RUNNING_N running containers took $(($(date +%s) - t0)) s)"
sleep 2
bench_record "md:rss-after" "$(rss_kb "$MD_PID")" kB
echo "  minidockd idle again: RSS $(bench_get md:rss-after median) kB; largest: $(rss_top "$MD_PID" 4)"
if [ -n "$DK_OK" ]; then
    seq 1 "$RUNNING_N" | timeout 300 xargs -P 4 -I{} "${DK[@]}" run -d --network none busybox sleep 1000 >/dev/null || true
    sleep 1
    mapfile -t DSHIMS < <(dk_shim_pids)
    echo "  docker: $(dk ps -q | wc -l) running, ${#DSHIMS[@]} containerd-shim-runc-v2"
    # shellcheck disable=SC2046
    bench_record "dk:rss-running" "$(mem_sum rss $(dk_daemon_pids))" kB
    # shellcheck disable=SC2046
    bench_record "dk:pss-running" "$(mem_sum pss $(dk_daemon_pids))" kB
    if [ "${#DSHIMS[@]}" -gt 0 ]; then
        bench_record "dk:shim-rss" "$(mem_median rss "${DSHIMS[@]}")" kB "${#DSHIMS[@]}"
        bench_record "dk:shim-rss-max" "$(mem_max rss "${DSHIMS[@]}")" kB "${#DSHIMS[@]}"
        bench_record "dk:shim-pss" "$(mem_median pss "${DSHIMS[@]}")" kB "${#DSHIMS[@]}"
        bench_record "dk:shims-pss-sum" "$(mem_sum pss "${DSHIMS[@]}")" kB "${#DSHIMS[@]}"
    fi
    ids=$(dk ps -aq)
    # shellcheck disable=SC2086
    [ -z "$ids" ] || timeout 300 "${DK[@]}" rm -f $ids >/dev/null || true
fi

# ---- the table ------------------------------------------------------------------------
fmt_kb() { # KEY -> "x.x MB" or "-"
    local v
    v=$(bench_get "$1" median)
    if [ -z "$v" ]; then echo "-"; else awk -v v="$v" 'BEGIN { printf "%.2f MB\n", v / 1024 }'; fi
}
row() { # LABEL MD DK RUNC RATIO
    printf '%-36s %-24s %-24s %-20s %s\n' "$@"
}
lat() { # LABEL OP [RUNC-KEY]
    row "$1" "$(bench_fmt_ms "md:$2")" "$(bench_fmt_ms "dk:$2")" "$([ -n "${3:-}" ] && bench_fmt_ms "$3" || echo "")" \
        "$(bench_ratio "$(bench_get "dk:$2" median)" "$(bench_get "md:$2" median)")"
}
mem() { # LABEL MD-KEY DK-KEY
    row "$1" "$(fmt_kb "$2")" "$(fmt_kb "$3")" "" "$(bench_ratio "$(bench_get "$3" median)" "$(bench_get "$2" median)")"
}
echo
echo "== results: latency in ms of the whole client process, median (min-max) n; memory in MiB (1 MB = 1024 kB here)"
echo "   load average now: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs; floors: /bin/true $(bench_fmt_ms floor:true);"
echo "   unshare --mount --uts --ipc --net --pid --fork true $(bench_fmt_ms floor:unshare)"
row "operation" "minidock" "docker 20.10" "runc" "docker/minidock"
lat "run --rm busybox true (net none)" run-none runc:run
lat "run --rm busybox true (bridge)" run-bridge
lat "create" create
lat "start (created, runs true)" start
lat "stop (trapping sh, <=1 s sleep)" stop
lat "pause" pause
lat "unpause" unpause
for n in $PS_N; do lat "ps -a, $n created" "ps-$n"; done
mem "daemon RSS at start" md:rss-start dk:rss-start
mem "daemon RSS right after a load" md:rss-busy ""
mem "daemon RSS idle (image loaded)" md:rss-idle dk:rss-idle
mem "daemon PSS idle (image loaded)" md:pss-idle dk:pss-idle
mem "daemon RSS, ${PS_N##* } created" md:rss-1000 ""
mem "daemon RSS, $RUNNING_N running" md:rss-running dk:rss-running
mem "daemon PSS, $RUNNING_N running" md:pss-running dk:pss-running
mem "daemon RSS idle after all that" md:rss-after ""
mem "shim RSS per container (median)" md:shim-rss dk:shim-rss
mem "shim RSS per container (max)" md:shim-rss-max dk:shim-rss-max
mem "shim PSS per container (median)" md:shim-pss dk:shim-pss
mem "shims PSS, sum over $RUNNING_N" md:shims-pss-sum dk:shims-pss-sum
echo "   docker's daemon = dockerd + its containerd; its shim = containerd-shim-runc-v2"

echo
echo "== targets (issue 4)"
m=$(bench_get md:run-none median)
bench_target "run --rm true (net none) median <= 25 ms: $(bench_fmt_ms md:run-none)" "$(bench_is bench_le "$m" 25)"
r=$(bench_ratio "$(bench_get dk:run-none median)" "$m")
if [ -n "$DK_OK" ]; then
    bench_target "run --rm true >= 20x faster than docker in the same run: $r" \
        "$(bench_is awk -v a="$(bench_get dk:run-none median)" -v b="$m" 'BEGIN { exit !(b > 0 && a / b >= 20) }')"
else
    echo "  [n/a]    run --rm true >= 20x faster than docker: docker did not run"
fi
bench_target "ps -a with 1,000 containers <= 30 ms: $(bench_fmt_ms md:ps-1000)" "$(bench_is bench_le "$(bench_get md:ps-1000 median)" 30)"
bench_target "pause <= 5 ms: $(bench_fmt_ms md:pause)" "$(bench_is bench_le "$(bench_get md:pause median)" 5)"
bench_target "daemon idle RSS <= 5 MB (image loaded): $(fmt_kb md:rss-idle)" "$(bench_is bench_le "$(bench_get md:rss-idle median)" 5120)"
bench_target "shim <= 1 MB RSS (max over $RUNNING_N): $(fmt_kb md:shim-rss-max)" "$(bench_is bench_le "$(bench_get md:shim-rss-max median)" 1024)"
echo "   (took $(($(date +%s) - T_START)) s)"
