#!/bin/bash
# bench/image-load.sh [ARCHIVE]: time `minidock load` of the Debian+apache
# docker-archive against plain `tar -xpf` of the same layer tar(s) on the
# same disk, and `docker load` when a docker engine answers. Not a test:
# nothing here asserts a time. Target: load <= 1.3 x tar.
#
# Every run unpacks into a directory (or a daemon data root) of its own, and
# nothing is deleted until the end: ext4 skips inodes freed in the last ~30 s
# when it allocates new ones, so a delete-then-unpack loop measures that
# search rather than the unpacking (it made both tools 3-6x slower here).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-5}
ARCHIVE=${1:-}
if [ -z "$ARCHIVE" ]; then
    ARCHIVE=$("$ROOT/contrib/fixture-cache.sh" apache) || { echo "no apache fixture (contrib/fixture-cache.sh apache failed)"; exit 1; }
fi
[ "$(id -u)" -eq 0 ] || { echo "run as root (the daemon and tar -p need it)"; exit 1; }
[ -x "$ROOT/daemon/minidockd" ] && [ -x "$ROOT/client/minidock" ] || { echo "build first (make)"; exit 1; }

W=$(mktemp -d "${BENCH_DIR:-/var/tmp}/minidock-bench.XXXXXX")
DPID=
cleanup() {
    [ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
    rm -rf --one-file-system "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# the layer tars as the archive holds them
python3 - "$ARCHIVE" "$W" <<'EOF' || { echo "cannot read $ARCHIVE"; exit 1; }
import json, sys, tarfile
t = tarfile.open(sys.argv[1])
m = json.load(t.extractfile("manifest.json"))
n = 0
for item in m:
    for l in item["Layers"]:
        member = t.getmember(l)
        while member.issym() or member.islnk():
            import posixpath
            base = posixpath.dirname(member.name) if member.issym() else ""
            member = t.getmember(posixpath.normpath(posixpath.join(base, member.linkname)))
        with open("%s/layer-%d.tar" % (sys.argv[2], n), "wb") as out:
            out.write(t.extractfile(member).read())
        n += 1
EOF
LAYERS=("$W"/layer-*.tar)
cat "$ARCHIVE" "${LAYERS[@]}" >/dev/null # both read from the page cache
# a run right after a previous one's cleanup would start in that window too
sleep "${SETTLE:-35}"

start_daemon() { # DATA-ROOT
    local tag=mdb$$
    "$ROOT/daemon/minidockd" --socket "$W/md.sock" --data-root "$1" --exec-root "$W/exec" \
        --bridge "$tag" --nft-table "minidock_$tag" --cgroup-parent "minidock-$tag" \
        --log-level warn >>"$W/daemon.log" 2>&1 &
    DPID=$!
    for _ in $(seq 1 100); do
        curl -sf --unix-socket "$W/md.sock" http://x/_ping >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    echo "the daemon did not start:"; tail "$W/daemon.log"; exit 1
}
stop_daemon() { kill "$DPID"; wait "$DPID" 2>/dev/null; DPID=; }
secs() { # command... -> wall seconds on stdout
    local s e
    s=$(date +%s.%N); "$@" >/dev/null 2>"$W/err" || { echo "failed: $*" >&2; cat "$W/err" >&2; echo NaN; return; }
    e=$(date +%s.%N); echo "$e - $s" | bc
}
median() { tr ' ' '\n' | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }

untar_all() { local d=$1 l; for l in "${LAYERS[@]}"; do tar -xpf "$l" -C "$d" || return 1; done; }
tar_times="" load_times=""
for i in $(seq 1 "$N"); do
    mkdir -p "$W/tar-$i"
    sync
    tar_times="$tar_times $(secs untar_all "$W/tar-$i")"
    start_daemon "$W/data-$i"
    sync
    load_times="$load_times $(secs "$ROOT/client/minidock" -H "unix://$W/md.sock" load -q -i "$ARCHIVE")"
    stop_daemon
done
t=$(echo "$tar_times" | median)
l=$(echo "$load_times" | median)
size=$(du -sh --apparent-size "$ARCHIVE" | cut -f1)
printf 'archive: %s (%s, %d layer(s)), %d runs each, medians:\n' "$ARCHIVE" "$size" "${#LAYERS[@]}" "$N"
printf '  tar -xpf          %6.3f s   (runs:%s)\n' "$t" "$tar_times"
printf '  minidock load     %6.3f s   (runs:%s)\n' "$l" "$load_times"
printf '  ratio load/tar    %6.2f x   (target <= 1.3)\n' "$(echo "$l / $t" | bc -l)"

if timeout 5 docker info >/dev/null 2>&1; then
    ref=$(python3 -c 'import json,sys,tarfile; print(json.load(tarfile.open(sys.argv[1]).extractfile("manifest.json"))[0]["RepoTags"][0])' "$ARCHIVE")
    docker_times=""
    for i in $(seq 1 "$N"); do
        docker rmi -f "$ref" >/dev/null 2>&1
        sleep 35 # past ext4's recently-deleted window, see above
        sync
        docker_times="$docker_times $(secs docker load -q -i "$ARCHIVE")"
    done
    d=$(echo "$docker_times" | median)
    printf '  docker load       %6.3f s   (runs:%s)\n' "$d" "$docker_times"
    printf '  ratio docker/tar  %6.2f x\n' "$(echo "$d / $t" | bc -l)"
else
    echo "  docker: no engine on this host"
fi
