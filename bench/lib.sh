# bench/lib.sh: helpers shared by bench/*.sh (sourced, bash): a private minidockd,
# timed runs (median/min/max on a monotonic clock), ratios, RSS/PSS readers, cleanup.
#
# A script calls bench_init NAME first. Everything it makes lives under $W
# (a fresh temporary directory) or carries $TAG in its name (bridge, nft table,
# cgroup parent), so the EXIT trap can remove exactly that and nothing else.
# The binaries are copied to $W/bin at init: others rebuild the tree while a
# benchmark runs.
# shellcheck shell=bash

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
W=
TAG=
BIN=
RESULTS=
MD_PID=
MD_SOCK=
BENCH_HOOKS=()

bench_die() { echo "${0##*/}: $*" >&2; exit 1; }
bench_note() { echo "  note: $*"; }

# bench_init NAME: work dir, private binaries, the timer, traps.
bench_init() {
    [ "$(id -u)" -eq 0 ] || bench_die "needs root (namespaces, mounts, cgroups)"
    command -v python3 >/dev/null || bench_die "needs python3 (the timer)"
    TAG=mdb$(head -c3 /dev/urandom | od -An -tx1 | tr -d ' \n')
    W=$(mktemp -d "${TMPDIR:-/tmp}/mdbench.$1.$TAG.XXXX")
    chmod 755 "$W"
    BIN=$W/bin
    RESULTS=$W/results.tsv
    : >"$RESULTS"
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM HUP
    mkdir -p "$BIN"
    local b
    for b in daemon/minidockd daemon/minidock-shim client/minidock; do
        [ -x "$BENCH_ROOT/$b" ] || bench_die "$b is missing: run make first"
        cp "$BENCH_ROOT/$b" "$BIN/"
    done
    bench_write_timer "$W/timer.py"
}

# bench_banner: what ran where: the script, the time, CPUs, load average, and
# the commit the binaries come from (with uncommitted changes counted).
bench_banner() {
    local dirty
    dirty=$(git -C "$BENCH_ROOT" status --porcelain -- daemon client common 2>/dev/null | wc -l)
    echo "== bench/${0##*/} ($(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg))"
    echo "   minidock $(git -C "$BENCH_ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$([ "$dirty" -eq 0 ] || echo " + $dirty uncommitted file(s) in daemon/ client/ common/") (binaries copied to $BIN), work dir $W"
}

# bench_on_exit CMD...: run at exit (last registered first), before the daemon stops.
bench_on_exit() { BENCH_HOOKS+=("$*"); }

bench_cleanup() {
    local rc=$? i
    trap - EXIT INT TERM HUP
    set +e
    for ((i = ${#BENCH_HOOKS[@]} - 1; i >= 0; i--)); do eval "${BENCH_HOOKS[$i]}"; done
    md_daemon_stop
    bench_sweep
    if [ -n "${BENCH_KEEP:-}" ]; then echo "kept $W"; else rm -rf --one-file-system "$W"; fi
    exit "$rc"
}

# Whatever is still there after the daemons stopped: processes whose command
# line names $W, mounts under $W, cgroups, links and nft tables named with $TAG.
bench_sweep() {
    [ -n "$W" ] && [ -d "$W" ] || return 0
    local p m c left=""
    for p in $(pgrep -f -- "$W/" 2>/dev/null); do
        [ "$p" = $$ ] && continue
        kill -9 "$p" 2>/dev/null && left="$left process:$p"
    done
    sleep 0.2
    # deepest first
    while read -r m; do
        umount -l "$m" 2>/dev/null && left="$left mount:$m"
    done < <(awk -v w="$W/" 'index($5, w) == 1 {print $5}' /proc/self/mountinfo | sort -r)
    for c in $(find /sys/fs/cgroup -mindepth 1 -maxdepth 6 -type d -name "*$TAG*" 2>/dev/null | sort -r); do
        rmdir "$c" 2>/dev/null && left="$left cgroup:$c"
    done
    for c in $(ip -o link 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -- "$TAG"); do
        ip link del "$c" 2>/dev/null && left="$left link:$c"
    done
    for c in $(nft list tables 2>/dev/null | awk '{print $2" "$3}' | grep -- "$TAG" | tr ' ' ':'); do
        nft delete table "${c%%:*}" "${c#*:}" 2>/dev/null && left="$left nft:$c"
    done
    [ -z "$left" ] || echo "  cleanup: removed leftovers:$left"
}

# ---- a private minidockd ----------------------------------------------------

# An unrouted 10.x/16 for the default bridge (the host's 172.17 may be taken).
bench_free_subnet() {
    local b
    for b in $(seq 240 250); do
        ip -4 route show | grep -q "^10\.$b\." || { echo "10.$b.0.1/16"; return 0; }
    done
    return 1
}

md() { "$BIN/minidock" -H "unix://$MD_SOCK" "$@"; }

# md_daemon_start [FLAGS...]: socket, data-root, exec-root, cgroup parent,
# bridge and nft table of its own; its own session so Ctrl-C reaches only the
# script, whose trap then removes the containers through the API.
md_daemon_start() {
    local bip
    bip=$(bench_free_subnet) || bench_die "no unrouted 10.x/16 for the bridge"
    MD_SOCK=$W/md/md.sock
    mkdir -p "$W/md"
    setsid "$BIN/minidockd" --socket "$MD_SOCK" --data-root "$W/md/data" --exec-root "$W/md/exec" \
        --pidfile "$W/md/minidockd.pid" --cgroup-parent "minidock-$TAG" --bridge "$TAG" --bip "$bip" \
        --nft-table "minidock_$TAG" --shim "$BIN/minidock-shim" --log-level warn "$@" \
        </dev/null >>"$W/md/daemon.log" 2>&1 &
    local starter=$! i
    for i in $(seq 1 200); do
        if [ -s "$W/md/minidockd.pid" ] && curl -sf --unix-socket "$MD_SOCK" http://x/_ping >/dev/null 2>&1; then
            MD_PID=$(cat "$W/md/minidockd.pid")
            return 0
        fi
        kill -0 "$starter" 2>/dev/null || break
        sleep 0.05
    done
    echo "minidockd did not start; log:"
    tail -n 20 "$W/md/daemon.log"
    return 1
}

# Containers outlive the daemon (live restore): remove them first.
md_daemon_stop() {
    [ -n "$MD_PID" ] || return 0
    local ids i
    ids=$(md ps -aq --no-trunc 2>/dev/null || true)
    # shellcheck disable=SC2086 # one id a word
    [ -z "$ids" ] || md rm -f $ids >/dev/null 2>&1 || true
    kill -TERM "$MD_PID" 2>/dev/null
    for i in $(seq 1 100); do kill -0 "$MD_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$MD_PID" 2>/dev/null && { echo "  minidockd ignored SIGTERM; killing it"; kill -9 "$MD_PID"; }
    MD_PID=
}

# ---- a private dockerd ----------------------------------------------------------
# Debian's docker.io (dockerd 20.10) beside minidock, with a data-root,
# exec-root, socket ($W/dk/docker.sock), pidfile and cgroup parent of its own.
#
# dk_daemon_start [--netns]: installs docker.io when dockerd is missing, starts
# dockerd, sets DK_PID and registers dk_daemon_stop at exit; 1 (the reason
# printed) when docker cannot run here or NO_DOCKER is set. Without --netns it
# leaves the host's network alone (--iptables=false --ip-masq=false
# --ip-forward=false --bridge=none): its containers run with --network none.
# With --netns it runs in a network namespace made here, bind-mounted on
# $DKNS, with docker's own bridge (docker0, 10.99.0.1/16), iptables rules and
# a docker-proxy per published port as on any host; all of that lives and
# goes with the namespace, which has no link out. Traffic to its containers
# and published ports comes from inside: nsenter --net="$DKNS" ...
DK_PID=
DKNS=
dk() { docker -H "unix://$W/dk/docker.sock" "$@"; }

# What of the host's network a dockerd could touch, to compare after.
dk_host_net_snapshot() {
    {
        echo "## links"
        ip -o link | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E '^(docker|veth|br-)' | sort
        echo "## nft tables (other than minidock's)"
        nft list tables 2>/dev/null | grep -v ' minidock' | sort
        # only the tables that exist: listing one makes the kernel register it
        # (and hook it into every packet's path) until the next boot
        echo "## iptables-legacy"
        local t
        while read -r t; do
            echo "table $t"
            iptables-legacy -t "$t" -S 2>/dev/null
        done 2>/dev/null </proc/net/ip_tables_names | sort
        echo "## sysctl"
        cat /proc/sys/net/ipv4/ip_forward /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null
    } >"$1"
}

dk_daemon_start() {
    local net=(--iptables=false --ip-masq=false --ip-forward=false --bridge=none) pre=() _ starter
    if [ -n "${NO_DOCKER:-}" ]; then
        echo "-- docker: skipped (NO_DOCKER)"
        return 1
    fi
    if ! command -v dockerd >/dev/null; then
        echo "-- installing docker.io (Debian's dockerd 20.10)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=600 \
            --no-install-recommends docker.io >"$W/apt-docker.log" 2>&1 ||
            { echo "  apt-get install docker.io failed:"; tail -n 5 "$W/apt-docker.log"; return 1; }
    fi
    command -v docker >/dev/null || { echo "  no docker CLI on PATH"; return 1; }
    DK_KEY_EXISTED=
    [ -e /etc/docker/key.json ] && DK_KEY_EXISTED=1
    RUN_CONTAINERD_EXISTED=
    [ -e /run/containerd ] && RUN_CONTAINERD_EXISTED=1
    mkdir -p "$W/dk"
    bench_on_exit dk_daemon_stop
    if [ "${1:-}" = --netns ]; then
        echo "-- a private dockerd ($(dockerd --version 2>/dev/null | head -n1)) in a network namespace of its own"
        dk_host_net_snapshot "$W/dk-host-net.before"
        DKNS=$W/dk-netns
        touch "$DKNS"
        unshare --net="$DKNS" true || { echo "  cannot make a network namespace"; return 1; }
        nsenter --net="$DKNS" ip link set lo up
        net=(--bip 10.99.0.1/16 --iptables=true)
        pre=(nsenter --net="$DKNS")
    else
        echo "-- a private dockerd ($(dockerd --version 2>/dev/null | head -n1))"
    fi
    echo '{}' >"$W/dk/daemon.json"
    setsid "${pre[@]}" dockerd --config-file "$W/dk/daemon.json" --data-root "$W/dk/data" --exec-root "$W/dk/exec" \
        -H "unix://$W/dk/docker.sock" --pidfile "$W/dk/docker.pid" "${net[@]}" \
        --cgroup-parent "/$TAG-docker" --log-level warn </dev/null >"$W/dk/dockerd.log" 2>&1 &
    starter=$!
    for _ in $(seq 1 600); do
        if [ -s "$W/dk/docker.pid" ] && dk version >/dev/null 2>&1; then
            DK_PID=$(cat "$W/dk/docker.pid")
            echo "   $(dk version --format 'server {{.Server.Version}}, API {{.Server.APIVersion}}; CLI {{.Client.Version}}' 2>/dev/null)"
            return 0
        fi
        kill -0 "$starter" 2>/dev/null || break
        sleep 0.1
    done
    [ -s "$W/dk/docker.pid" ] && DK_PID=$(cat "$W/dk/docker.pid")
    echo "  dockerd did not start; its log:"
    grep -E 'level=(error|fatal)|failed' "$W/dk/dockerd.log" | tail -n 5 | sed 's/^/    /'
    tail -n 3 "$W/dk/dockerd.log" | sed 's/^/    /'
    return 1
}

# Stops it by its pid after removing its containers; kills what is left of
# its containerd, shims and docker-proxies (by the work dir on their command
# lines, or by living in its network namespace), unmounts, deletes its data,
# then says whether the host is as it was.
dk_daemon_stop() {
    [ -e "$W/dk" ] || return 0
    echo "-- stopping the private dockerd"
    local ids _ p m ino bad=""
    if [ -n "$DK_PID" ]; then
        ids=$(dk ps -aq 2>/dev/null || true)
        # shellcheck disable=SC2086 # one id a word
        [ -z "$ids" ] || timeout 300 docker -H "unix://$W/dk/docker.sock" rm -f $ids >/dev/null 2>&1 || true
        kill -TERM "$DK_PID" 2>/dev/null
        for _ in $(seq 1 300); do kill -0 "$DK_PID" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$DK_PID" 2>/dev/null && { echo "  dockerd ignored SIGTERM for 30 s; killing it"; kill -9 "$DK_PID"; }
        DK_PID=
    fi
    for _ in $(seq 1 50); do pgrep -f -- "$W/dk/" >/dev/null || break; sleep 0.1; done
    for p in $(pgrep -f -- "$W/dk/"); do echo "  killing leftover $(ps -o comm= -p "$p") ($p)"; kill -9 "$p"; done
    if [ -n "$DKNS" ] && [ -e "$DKNS" ]; then
        ino=$(stat -L -c %i "$DKNS" 2>/dev/null || true)
        for p in /proc/[0-9]*; do
            p=${p#/proc/}
            if [ -n "$ino" ] && [ "$p" != $$ ] && [ "$(stat -L -c %i "/proc/$p/ns/net" 2>/dev/null)" = "$ino" ]; then
                echo "  killing leftover $(ps -o comm= -p "$p") ($p) in docker's network namespace"
                kill -9 "$p"
            fi
        done
        umount "$DKNS" 2>/dev/null || umount -l "$DKNS"
        rm -f "$DKNS"
    fi
    awk -v w="$W/dk/" 'index($5, w) == 1 {print $5}' /proc/self/mountinfo | sort -r | while read -r m; do
        umount -l "$m" && echo "  unmounted leftover $m"
    done
    rm -rf --one-file-system "$W/dk"
    # dockerd leaves its (empty) cgroup parent in every hierarchy
    find /sys/fs/cgroup -mindepth 1 -maxdepth 5 -type d -name "$TAG-docker" 2>/dev/null | sort -r | xargs -r rmdir
    [ -n "${DK_KEY_EXISTED:-}" ] || rm -f /etc/docker/key.json
    [ -n "${RUN_CONTAINERD_EXISTED:-}" ] || rmdir /run/containerd/s /run/containerd 2>/dev/null || true
    ip link show docker0 >/dev/null 2>&1 && bad="$bad docker0-exists"
    pgrep -f -- "$W/dk/" >/dev/null && bad="$bad processes"
    grep -qF "$W/dk" /proc/self/mountinfo && bad="$bad mounts"
    [ -e "$W/dk" ] && bad="$bad data-root"
    find /sys/fs/cgroup -mindepth 1 -maxdepth 5 -type d -name "$TAG-docker*" 2>/dev/null | grep -q . && bad="$bad cgroups"
    if [ -s "$W/dk-host-net.before" ]; then
        dk_host_net_snapshot "$W/dk-host-net.after"
        if ! diff -q "$W/dk-host-net.before" "$W/dk-host-net.after" >/dev/null; then
            bad="$bad host-network"
            diff "$W/dk-host-net.before" "$W/dk-host-net.after" | sed 's/^/    /'
        fi
    fi
    if [ -n "$bad" ]; then
        echo "  host check FAILED:$bad"
    elif [ -n "$DKNS" ]; then
        echo "  host check: docker's network namespace is gone; no docker0, veth, nft table, iptables rule or sysctl of docker's on the host; no dockerd/containerd/shim/docker-proxy of ours, no mounts, data removed"
    else
        echo "  host check: no docker0, no dockerd/containerd/shim of ours, no mounts, data removed"
    fi
}

# ---- measuring ---------------------------------------------------------------

# bench_time NAME RUNS WARMUP BUDGET_S PREPARE CLEANUP -- CMD ARGS...
# Times CMD (executed directly, no shell, stdout/stderr captured) RUNS times
# after WARMUP untimed runs; PREPARE and CLEANUP are shell snippets run
# untimed around each run ('' for none). "{i}" in any of them becomes the run's
# index (w1, w2... for warm-ups). Stops early once BUDGET_S seconds have passed
# (after at least 3 runs) and says so. Appends to $RESULTS:
#   NAME <tab> n <tab> median <tab> min <tab> max <tab> failures <tab> ms
bench_time() {
    local name=$1 runs=$2 warm=$3 budget=$4 prep=$5 clean=$6
    shift 7
    python3 "$W/timer.py" "$RESULTS" "$name" "$runs" "$warm" "$budget" "$prep" "$clean" "$@"
}

# bench_record NAME VALUE UNIT [N]: a single figure (memory, counts).
bench_record() { printf '%s\t%s\t%s\t%s\t%s\t0\t%s\n' "$1" "${4:-1}" "$2" "$2" "$2" "$3" >>"$RESULTS"; }

# bench_get NAME FIELD(n|median|min|max|fail|unit): empty if not measured.
bench_get() {
    awk -F'\t' -v n="$1" -v f="$2" '
        BEGIN { split("name n median min max fail unit", h, " "); for (i in h) col[h[i]] = i }
        $1 == n { v = $col[f] } END { if (v != "") print v }' "$RESULTS"
}

# bench_ratio A B: A/B with two decimals, or "-" when either is missing or 0.
bench_ratio() {
    awk -v a="${1:-}" -v b="${2:-}" 'BEGIN {
        if (a == "" || b == "" || a == "nan" || b == "nan" || b + 0 == 0) print "-"; else printf "%.1fx\n", a / b }'
}

# bench_lt A B: true when both are numbers and A <= B.
bench_le() { awk -v a="${1:-}" -v b="${2:-}" 'BEGIN { exit !(a != "" && a != "nan" && a + 0 <= b + 0) }'; }

# ---- reporting ------------------------------------------------------------------

# bench_fmt_ms KEY: "median (min-max) n=N", or "-" when not measured
bench_fmt_ms() {
    local n
    n=$(bench_get "$1" n)
    if [ -z "$n" ] || [ "$n" = 0 ]; then echo "-"; return; fi
    awk -v m="$(bench_get "$1" median)" -v a="$(bench_get "$1" min)" -v b="$(bench_get "$1" max)" -v n="$n" \
        'BEGIN { f = (m < 100) ? "%.1f" : "%.0f"; printf(f " (" f "-" f ") n=%d\n", m, a, b, n) }'
}
# bench_target TEXT 1|0: a target's line, met or missed
bench_target() {
    if [ "$2" = 1 ]; then printf '  [met]    %s\n' "$1"; else printf '  [MISSED] %s\n' "$1"; fi
}
# bench_is CMD...: 1 when CMD succeeds, else 0
bench_is() { if "$@"; then echo 1; else echo 0; fi; }

# ---- memory --------------------------------------------------------------------

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null; }
pss_kb() { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup" 2>/dev/null; }
# mem_sum rss|pss PID...: the sum in kB
mem_sum() {
    local kind=$1 p t=0 v
    shift
    for p in "$@"; do
        v=$("${kind}_kb" "$p")
        t=$((t + ${v:-0}))
    done
    echo "$t"
}
# mem_median rss|pss PID...: the median over the processes in kB
mem_median() {
    local kind=$1 p
    shift
    for p in "$@"; do "${kind}_kb" "$p"; done | sort -n | awk '{v[NR] = $1} END { if (NR) print v[int((NR + 1) / 2)] }'
}
# mem_max rss|pss PID...
mem_max() {
    local kind=$1 p
    shift
    for p in "$@"; do "${kind}_kb" "$p"; done | sort -n | tail -n1
}

# rss_top PID N: the N mappings (grouped by file; anonymous as "[anon]") with the most RSS
rss_top() {
    awk '/^[0-9a-f]+-[0-9a-f]+ / { n = ($6 == "") ? "[anon]" : $6; sub(/.*\//, "", n) }
         /^Rss:/ { r[n] += $2 }
         END { for (n in r) print r[n], n }' "/proc/$1/smaps" 2>/dev/null | sort -rn | head -n "$2" |
        awk '{ printf "%s%s %d kB", sep, $2, $1; sep = ", " } END { print "" }'
}

# ---- the timer -----------------------------------------------------------------

bench_write_timer() {
    cat >"$1" <<'PY'
# Runs a command N times with a monotonic clock; see bench_time in bench/lib.sh.
import statistics, subprocess, sys, time

out, name, runs, warm, budget, prep, clean = sys.argv[1:8]
cmd = sys.argv[8:]
runs, warm, budget = int(runs), int(warm), float(budget)

def sh(snippet, i):
    if snippet:
        r = subprocess.run(["bash", "-c", snippet.replace("{i}", i)],
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE)
        if r.returncode != 0:
            return r.stderr.decode(errors="replace").strip()[:300] or "exit %d" % r.returncode
    return None

def one(i):
    argv = [a.replace("{i}", i) for a in cmd]
    err = sh(prep, i)
    if err:
        return None, "prepare: " + err
    t0 = time.monotonic_ns()
    r = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
    t1 = time.monotonic_ns()
    sh(clean, i)
    if r.returncode != 0:
        return None, "exit %d: %s" % (r.returncode, r.stderr.decode(errors="replace").strip()[:300])
    return (t1 - t0) / 1e6, None

first_err = None
for k in range(warm):
    _, e = one("w%d" % (k + 1))
    first_err = first_err or e
times, fails = [], 0
start = time.monotonic()
for k in range(runs):
    if k >= 3 and time.monotonic() - start > budget:
        print("  (%s: time budget of %.0f s reached after %d of %d runs)" % (name, budget, k, runs))
        break
    t, e = one(str(k + 1))
    if t is None:
        fails += 1
        first_err = first_err or e
    else:
        times.append(t)
if first_err:
    print("  (%s: a run failed: %s)" % (name, first_err))
if times:
    row = (len(times), statistics.median(times), min(times), max(times))
    print("  %-34s median %9.2f ms  min %9.2f  max %9.2f  n=%d%s" %
          (name, row[1], row[2], row[3], row[0], "  failures=%d" % fails if fails else ""))
else:
    row = (0, float("nan"), float("nan"), float("nan"))
    print("  %-34s no successful run (%d failures)" % (name, fails))
with open(out, "a") as f:
    f.write("%s\t%d\t%.3f\t%.3f\t%.3f\t%d\tms\n" % (name, row[0], row[1], row[2], row[3], fails))
PY
}
