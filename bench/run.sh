#!/bin/bash
# bench/run.sh: what `make bench` runs — every bench/*.sh except this file and lib.sh,
# one after another, each bounded by BENCH_TIMEOUT seconds (default 900); never part of `make test`.
#
# Each script prints its own table. A script that fails or runs out of time is
# reported and the next one still runs; the exit status says whether all passed.
# `timeout` signals the script's whole process group, so the script's EXIT trap
# runs and removes its daemons (they live in sessions of their own).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
limit=${BENCH_TIMEOUT:-900}
[ "$(id -u)" -eq 0 ] || { echo "bench/run.sh: the benchmarks need root" >&2; exit 1; }
failed=""
for f in "$here"/*.sh; do
    name=${f##*/}
    case $name in run.sh | lib.sh) continue ;; esac
    echo "=================== $name (at most $limit s)"
    t0=$(date +%s)
    status=0
    timeout -k 60 "$limit" bash "$f" || status=$?
    if [ "$status" -eq 0 ]; then
        echo "=================== $name: done in $(($(date +%s) - t0)) s"
    else
        [ "$status" -eq 124 ] && echo "=================== $name: TIMED OUT after $limit s"
        echo "=================== $name: exit $status after $(($(date +%s) - t0)) s"
        failed="$failed $name"
    fi
done
[ -z "$failed" ] || { echo "failed:$failed"; exit 1; }
