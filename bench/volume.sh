#!/bin/bash
# bench/volume.sh: the life of a volume as a user drives it, beside docker in
# the same run: `volume create` + `run --rm -v NAME:/data` + `volume rm` (a
# named volume), and `run --rm -v /data` + its removal (an anonymous volume,
# gone with --rm). Containers use --network none (the private dockerd has no
# bridge: see bench/README.md). Medians of RUNS runs; nothing is asserted.
# Knobs: RUNS (default 20), DK_RUNS (default 10).
set -eu
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

RUNS=${RUNS:-20}
DK_RUNS=${DK_RUNS:-10}

bench_init volume
bench_banner
"$BENCH_ROOT/contrib/mkimage-busybox.sh" "$W/busybox.tar" >/dev/null
# shellcheck disable=SC2119 # no extra flags
md_daemon_start || bench_die "minidockd did not start"
md load -i "$W/busybox.tar" >/dev/null
MD="$BIN/minidock -H unix://$MD_SOCK"
export DOCKER_CONFIG=$W/docker-config
mkdir -p "$DOCKER_CONFIG"
DK_OK=
# shellcheck disable=SC2119 # no --netns
if dk_daemon_start; then
    DK_OK=1
    dk load -q -i "$W/busybox.tar" >/dev/null
fi
DK="docker -H unix://$W/dk/docker.sock"

# cycle CLI NAME: create a named volume, write to it from a container, remove both
cycle() { echo "$1 volume create $2 >/dev/null && $1 run --rm --network none -v $2:/data busybox sh -c 'echo x > /data/f' && $1 volume rm $2 >/dev/null"; }
# anon CLI: a container with an anonymous volume, removed with it (--rm)
anon() { echo "$1 run --rm --network none -v /data busybox sh -c 'echo x > /data/f'"; }

bench_time "md:named" "$RUNS" 2 120 '' '' -- bash -c "$(cycle "$MD" 'mv{i}')"
bench_time "md:anonymous" "$RUNS" 2 120 '' '' -- bash -c "$(anon "$MD")"
bench_time "md:no-volume" "$RUNS" 2 120 '' '' -- bash -c "$MD run --rm --network none busybox sh -c 'echo x > /f'"
if [ -n "$DK_OK" ]; then
    bench_time "dk:named" "$DK_RUNS" 1 300 '' '' -- bash -c "$(cycle "$DK" 'dv{i}')"
    bench_time "dk:anonymous" "$DK_RUNS" 1 300 '' '' -- bash -c "$(anon "$DK")"
    bench_time "dk:no-volume" "$DK_RUNS" 1 300 '' '' -- bash -c "$DK run --rm --network none busybox sh -c 'echo x > /f'"
fi
left=$($MD volume ls -q | wc -l)

echo
printf '  %-46s %-28s %-28s %s\n' "operation" "minidock (ms)" "docker (ms)" "docker / minidock"
row() {
    local d="-" r="-"
    if [ -n "$DK_OK" ]; then
        d=$(bench_fmt_ms "dk:$2")
        r=$(bench_ratio "$(bench_get "dk:$2" median)" "$(bench_get "md:$2" median)")
    fi
    printf '  %-46s %-28s %-28s %s\n' "$1" "$(bench_fmt_ms "md:$2")" "$d" "$r"
}
row "volume create + run -v NAME:/data + volume rm" named
row "run --rm -v /data (anonymous, removed)" anonymous
row "run --rm, no volume (the floor)" no-volume
echo "  volumes left in minidock after the runs: $left (want 0)"
