#!/bin/bash
# bench/cp.sh: `minidock cp` of a 100 MB tree (1000 files of 100 KB in 10
# dirs) out of and into a running container, beside `tar -c | tar -x` of the
# same tree on the host (the peer: no docker engine runs here). Medians of
# RUNS runs; target: cp <= 1.2 x tar, both ways. Nothing is asserted.
# Knobs: RUNS (default 5).
set -eu
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

RUNS=${RUNS:-5}

bench_init cp
bench_banner
"$BENCH_ROOT/contrib/mkimage-busybox.sh" "$W/busybox.tar" >/dev/null
# shellcheck disable=SC2119 # no extra flags
md_daemon_start || bench_die "minidockd did not start"
md load -i "$W/busybox.tar" >/dev/null

echo "-- the tree: 10 dirs x 100 files x 100 KB"
mkdir -p "$W/tree" "$W/out"
for d in $(seq 0 9); do
    mkdir "$W/tree/d$d"
    for f in $(seq 0 99); do head -c 102400 /dev/urandom >"$W/tree/d$d/f$f"; done
done
md run -d --network none --name cpb busybox sleep 100000 >/dev/null
bench_on_exit "md rm -f cpb >/dev/null 2>&1"
md cp "$W/tree" cpb:/tree

CLI=("$BIN/minidock" -H "unix://$MD_SOCK")
# each run writes a directory of its own, removed after it (untimed)
bench_time "tar | tar (host)" "$RUNS" 1 300 "mkdir -p $W/out/t{i}" "rm -rf $W/out/t{i}" -- \
    bash -c "tar -C $W -cf - tree | tar -C $W/out/t{i} -xf -"
bench_time "cp out (ctr -> host)" "$RUNS" 1 300 '' "rm -rf $W/out/o{i}" -- \
    "${CLI[@]}" cp cpb:/tree "$W/out/o{i}"
bench_time "cp in (host -> ctr)" "$RUNS" 1 300 '' "${CLI[*]} exec cpb rm -rf /in{i}" -- \
    "${CLI[@]}" cp "$W/tree" "cpb:/in{i}"

tar_ms=$(bench_get "tar | tar (host)" median)
out_ms=$(bench_get "cp out (ctr -> host)" median)
in_ms=$(bench_get "cp in (host -> ctr)" median)
echo
printf '  %-24s %s ms\n' "tar | tar (host)" "$(bench_fmt_ms "tar | tar (host)")"
printf '  %-24s %s ms  (%s tar)\n' "cp out (ctr -> host)" "$(bench_fmt_ms "cp out (ctr -> host)")" "$(bench_ratio "$out_ms" "$tar_ms")"
printf '  %-24s %s ms  (%s tar)\n' "cp in (host -> ctr)" "$(bench_fmt_ms "cp in (host -> ctr)")" "$(bench_ratio "$in_ms" "$tar_ms")"
lim=$(awk -v t="$tar_ms" 'BEGIN { print t * 1.2 }')
bench_target "cp out <= 1.2 x tar" "$(bench_is bench_le "$out_ms" "$lim")"
bench_target "cp in <= 1.2 x tar" "$(bench_is bench_le "$in_ms" "$lim")"
