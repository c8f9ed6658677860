#!/bin/bash
# bench/exec.sh: `exec <ctr> true` end to end (median, issue 5's target <= 15 ms) and
# attach throughput through the non-TTY stream (`run busybox cat /dev/zero | head -c 1G`,
# target >= 1 GB/s; also with --log-driver none, and the ceilings of the pipe alone and
# of the disk the json-file log goes to), minidock beside docker 20.10 (a private
# dockerd) when one can run.
#
# Root. Prints each measurement, then a table. Nothing is asserted. Knobs (environment):
# RUNS (exec runs, default 50), STREAM_MB (default 1024), STREAM_RUNS (default 3),
# DISK_MB (dd size for the disk figure, default 2048), NO_DOCKER=1, BENCH_KEEP=1.
set -eu
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

RUNS=${RUNS:-50}
STREAM_MB=${STREAM_MB:-1024}
STREAM_RUNS=${STREAM_RUNS:-3}

bench_init exec
bench_banner
"$BENCH_ROOT/contrib/mkimage-busybox.sh" "$W/busybox.tar" >/dev/null
export DOCKER_CONFIG=$W/docker-config
mkdir -p "$DOCKER_CONFIG"

# shellcheck disable=SC2119 # no extra flags
md_daemon_start || bench_die "minidockd did not start"
md load -i "$W/busybox.tar" >/dev/null
MDS=(docker -H "unix://$MD_SOCK") # the stock CLI against minidockd

# ---- a private dockerd (lib.sh) -------------------------------------------------
DK_OK=
# shellcheck disable=SC2119 # no --netns
if dk_daemon_start && dk load -i "$W/busybox.tar" >/dev/null; then DK_OK=1; fi

# ---- exec latency ----------------------------------------------------------------
echo "-- exec <ctr> true, end to end ($RUNS runs each)"
md run -d --network none --name ex busybox sleep 100000 >/dev/null
bench_time "md:exec" "$RUNS" 3 120 '' '' -- "$BIN/minidock" -H "unix://$MD_SOCK" exec ex true
bench_time "md-dockercli:exec" "$RUNS" 3 120 '' '' -- "${MDS[@]}" exec ex true
if [ -n "$DK_OK" ]; then
    dk run -d --network none --name ex busybox sleep 100000 >/dev/null
    bench_time "dk:exec" "$RUNS" 3 180 '' '' -- docker -H "unix://$W/dk/docker.sock" exec ex true
fi
# the CLI's own share: a request that starts nothing
bench_time "md:version (client floor)" 20 2 30 '' '' -- "$BIN/minidock" -H "unix://$MD_SOCK" version

# ---- attach throughput -------------------------------------------------------------
# run busybox cat /dev/zero | head -c N: the container's stdout through its shim
# (json-file log + attach socket), the daemon's relay and the client's demux
stream() { # stream NAME CLI... : MB/s over STREAM_RUNS runs (median); RUN_ARGS: extra run flags
    local name=$1 i s e rates=()
    shift
    for i in $(seq 1 "$STREAM_RUNS"); do
        s=$(date +%s%N)
        # the CLIs complain of the pipe head closes: not news
        # shellcheck disable=SC2086 # flags, one a word
        "$@" run --name "tp$i" --network none ${RUN_ARGS:-} busybox cat /dev/zero 2>/dev/null | head -c "${STREAM_MB}M" >/dev/null
        e=$(date +%s%N)
        rates+=("$(awk -v mb="$STREAM_MB" -v ns=$((e - s)) 'BEGIN { printf "%.1f", mb / (ns / 1e9) }')")
        "$@" rm -f "tp$i" >/dev/null 2>&1 || true
    done
    local med
    med=$(printf '%s\n' "${rates[@]}" | sort -n | awk '{v[NR] = $1} END { print v[int((NR + 1) / 2)] }')
    printf '  %-34s %8s MB/s  (runs: %s)\n' "$name" "$med" "${rates[*]}"
    bench_record "$name" "$med" "MB/s" "$STREAM_RUNS"
}
echo "-- run busybox cat /dev/zero | head -c ${STREAM_MB}M (non-TTY stream, $STREAM_RUNS runs each)"
stream "md:stream" "$BIN/minidock" -H "unix://$MD_SOCK"
stream "md-dockercli:stream" "${MDS[@]}"
[ -z "$DK_OK" ] || stream "dk:stream" docker -H "unix://$W/dk/docker.sock"
# the same without a log (what the json-file log costs)
RUN_ARGS="--log-driver none" stream "md:stream-nolog" "$BIN/minidock" -H "unix://$MD_SOCK"
RUN_ARGS="--log-driver none" stream "md-dockercli:stream-nolog" "${MDS[@]}"
[ -z "$DK_OK" ] || RUN_ARGS="--log-driver none" stream "dk:stream-nolog" docker -H "unix://$W/dk/docker.sock"
# ceilings that are not ours: the same pipe with no engine at all (head -c
# reads 8 KiB at a time), and this disk, which the json-file log fills with
# six bytes per byte of output
host_cat=(cat)
command -v busybox >/dev/null && host_cat=(busybox cat) # the image's cat uses sendfile too
rates=()
for i in $(seq 1 "$STREAM_RUNS"); do
    s=$(date +%s%N)
    "${host_cat[@]}" /dev/zero | head -c "${STREAM_MB}M" >/dev/null
    e=$(date +%s%N)
    rates+=("$(awk -v mb="$STREAM_MB" -v ns=$((e - s)) 'BEGIN { printf "%.1f", mb / (ns / 1e9) }')")
done
med=$(printf '%s\n' "${rates[@]}" | sort -n | awk '{v[NR] = $1} END { print v[int((NR + 1) / 2)] }')
printf '  %-34s %8s MB/s  (runs: %s)\n' "host:pipe (no engine)" "$med" "${rates[*]}"
bench_record "host:pipe" "$med" "MB/s" "$STREAM_RUNS"
DISK_MB=${DISK_MB:-2048}
dd_rate() { # dd_rate [conv=...]: MB/s writing DISK_MB MiB on the data-root's filesystem
    local s e
    s=$(date +%s%N)
    dd if=/dev/zero of="$W/md/ddtest" bs=384K count=$((DISK_MB * 8 / 3)) "$@" 2>/dev/null
    e=$(date +%s%N)
    rm -f "$W/md/ddtest"
    awk -v mb="$DISK_MB" -v ns=$((e - s)) 'BEGIN { printf "%.1f", mb / (ns / 1e9) }'
}
disk_cache=$(dd_rate)
disk_sync=$(dd_rate conv=fdatasync)
printf '  %-34s %8s MB/s  (dd %s MiB in 384 KiB writes, as the log is written)\n' "disk write, page cache" "$disk_cache" "$DISK_MB"
printf '  %-34s %8s MB/s  (the same with fdatasync)\n' "disk write, to the disk" "$disk_sync"
bench_record "host:disk-cache" "$disk_cache" "MB/s"
bench_record "host:disk" "$disk_sync" "MB/s"
# where the time goes: the json-file log writes every byte of output, and a zero
# byte is 6 bytes of JSON ("\u0000")
"$BIN/minidock" -H "unix://$MD_SOCK" run --name tpz --network none busybox sh -c 'head -c 16777216 /dev/zero' >/dev/null
logsz=$(stat -c %s "$W/md/data/containers/$(md inspect -f '{{.Id}}' tpz)/$(md inspect -f '{{.Id}}' tpz)-json.log")
md rm -f tpz >/dev/null
bench_record "md:log-bytes-per-output-byte" "$(awk -v b="$logsz" 'BEGIN { printf "%.2f", b / 16777216 }')" "x"

# ---- table ---------------------------------------------------------------------------
md_exec=$(bench_get md:exec median)
echo
echo "== results"
printf '  %-36s %12s %12s %12s\n' "" "minidock" "docker CLI" "docker 20.10"
printf '  %-36s %12s %12s %12s\n' "exec true, median ms" "$md_exec" "$(bench_get md-dockercli:exec median)" "$(bench_get dk:exec median || true)"
printf '  %-36s %12s %12s %12s\n' "  min ms" "$(bench_get md:exec min)" "$(bench_get md-dockercli:exec min)" "$(bench_get dk:exec min || true)"
printf '  %-36s %12s %12s %12s\n' "cat /dev/zero | head -c ${STREAM_MB}M, MB/s" "$(bench_get md:stream median)" "$(bench_get md-dockercli:stream median)" "$(bench_get dk:stream median || true)"
printf '  %-36s %12s %12s %12s\n' "  same, --log-driver none, MB/s" "$(bench_get md:stream-nolog median)" "$(bench_get md-dockercli:stream-nolog median)" "$(bench_get dk:stream-nolog median || true)"
echo "  (docker CLI column: the stock CLI against minidockd; docker 20.10: its own engine)"
echo "  client floor (minidock version): $(bench_get 'md:version (client floor)' median) ms"
lb=$(bench_get md:log-bytes-per-output-byte median)
echo "  json-file log bytes per byte of /dev/zero output: $lb"
bound() { awk -v d="$1" -v b="$lb" 'BEGIN { if (b > 0) printf "%.0f", d / b }'; }
echo "  ceilings: the pipe alone (cat | head -c, no engine) $(bench_get host:pipe median) MB/s;"
echo "    writing the log: $(bench_get host:disk-cache median) MB/s into the page cache, $(bench_get host:disk median) MB/s to the disk,"
echo "    so a json-file log of /dev/zero holds the stream below $(bound "$(bench_get host:disk-cache median)") MB/s (page cache)"
echo "    and, once gigabytes of dirty pages must reach the disk, near $(bound "$(bench_get host:disk median)") MB/s"
[ -n "$DK_OK" ] || echo "  docker exec not measured: no docker engine ran here"
echo
echo "== targets (issue 5)"
bench_le "$md_exec" 15 && echo "  exec median <= 15 ms: yes ($md_exec ms)" || echo "  exec median <= 15 ms: NO ($md_exec ms)"
s=$(bench_get md:stream median)
bench_le 1000 "$s" && echo "  stream >= 1 GB/s: yes ($s MB/s)" || echo "  stream >= 1 GB/s: NO ($s MB/s)"
s=$(bench_get md:stream-nolog median)
echo "  (without the log: $s MB/s; the pipe alone: $(bench_get host:pipe median) MB/s)"
echo "  (host load average now: $(cut -d' ' -f1-3 /proc/loadavg))"
