#!/bin/bash
# bench/net.sh: published ports end to end (issue 6's benchmark), minidock beside
# docker 20.10 (a private dockerd) when one can run:
#   1. time from `run -d -p 127.0.0.1:P:80 IMAGE` (the client process starting)
#      to the first HTTP 200 on 127.0.0.1:P: busybox httpd (the engine's cost,
#      not the server's), then the apache image as an extra row;
#   2. requests/s with wrk through the published port (127.0.0.1:P and a host
#      address) vs the container's own address, interleaved and repeated, and
#      the median ratios: a keep-alive server built here (the worst case for
#      NAT), and the apache image;
#   3. a 1,000-port range (-p 20000-20999:20000-20999): time of run -d, extra
#      processes, memory per published port; and its rm -f.
#
# Root. Traffic goes only to 127.0.0.1, this host's own address and containers
# made here. Docker runs in a network namespace of its own (made here, under
# the work dir): its bridge, iptables rules, veths and docker-proxy processes
# live there and go with it, and the host's network is compared before and
# after. Nothing is asserted; the table ends with issue 6's targets, met or
# missed. Knobs (environment): RUNS (minidock runs, default 20), DK_RUNS
# (docker, default 10), APACHE_RUNS (default 8), WRK_SECS (default 2),
# WRK_ROUNDS (rounds of direct, 127.0.0.1 and host address; default 8, half
# that for apache), WRK_THREADS (2), WRK_CONNS (32), RANGE_RUNS (default 5),
# DK_RANGE_N (ports in docker's range, default 100: it starts a docker-proxy
# per port), NO_DOCKER=1, NO_APACHE=1, BENCH_KEEP=1.
set -eu
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

RUNS=${RUNS:-20}
DK_RUNS=${DK_RUNS:-10}
APACHE_RUNS=${APACHE_RUNS:-8}
WRK_SECS=${WRK_SECS:-2}
WRK_ROUNDS=${WRK_ROUNDS:-8}
WRK_THREADS=${WRK_THREADS:-2}
WRK_CONNS=${WRK_CONNS:-32}
RANGE_RUNS=${RANGE_RUNS:-5}
RANGE_N=1000
DK_RANGE_N=${DK_RANGE_N:-100}
T_START=$(date +%s)

bench_init net
bench_banner
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

command -v wrk >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=300 wrk >/dev/null 2>&1 ||
    echo "  (wrk is not available: no requests/s)"

# ---- fixtures ------------------------------------------------------------------------
"$BENCH_ROOT/contrib/mkimage-busybox.sh" "$W/busybox.tar" >/dev/null
APACHE_TAR=
if [ -z "${NO_APACHE:-}" ]; then
    APACHE_TAR=$("$BENCH_ROOT/contrib/fixture-cache.sh" apache 2>"$W/apache-fixture.log") ||
        { echo "  (no apache image: $(tail -n 1 "$W/apache-fixture.log")); its rows stay empty"; APACHE_TAR=; }
fi
export DOCKER_CONFIG=$W/docker-config # the CLI's config stays in the work dir
mkdir -p "$DOCKER_CONFIG"

# ---- host ports: blocks below the ephemeral range (32768-60999), where client
# sockets' TIME_WAIT entries would make a bind fail now and then -----------------------
port_block_free() { # FIRST COUNT: nothing bound or connected from those ports
    [ -z "$(ss -Htan "( sport >= :$1 and sport <= :$(($1 + $2 - 1)) )" 2>/dev/null)" ] &&
        [ -z "$(ss -Huan "( sport >= :$1 and sport <= :$(($1 + $2 - 1)) )" 2>/dev/null)" ]
}
pick_block() { # COUNT [PREFERRED]: the first free block of COUNT ports at or after PREFERRED
    local n=$1 b=${2:-$((10000 + RANDOM % 8000))} _
    for _ in $(seq 0 20); do
        if [ $((b + n)) -gt 32000 ]; then b=10000; fi
        port_block_free "$b" "$n" && { echo "$b"; return 0; }
        b=$((b + n))
    done
    return 1
}
PBASE=$(pick_block 1000) || bench_die "no free block of 1,000 ports below 32000"
RANGE_LO=$(pick_block "$RANGE_N" 20000) || bench_die "no free block of $RANGE_N ports"
[ "$RANGE_LO" = 20000 ] || echo "  note: 20000-20999 is in use here; the range is $RANGE_LO-$((RANGE_LO + RANGE_N - 1))"
RANGE_HI=$((RANGE_LO + RANGE_N - 1))
DK_RANGE_HI=$((RANGE_LO + DK_RANGE_N - 1))
P_WRK=$((PBASE + 999))

# ---- process counting and memory ---------------------------------------------------------
# tree_count PID...: processes in the union of the subtrees of PID...
tree_count() {
    ps -e -o pid=,ppid= | awk -v roots="$*" '
        BEGIN { n = split(roots, r, " "); for (i = 1; i <= n; i++) in_tree[r[i]] = 1 }
        { parent[$1] = $2 }
        END {
            c = 0
            for (p in parent) {
                q = p; hops = 0
                while (q != "" && q > 1 && !(q in in_tree) && hops++ < 64) q = parent[q]
                if (q in in_tree) c++
            }
            print c
        }'
}
# slab_kb NAME...: kB in the named slab caches (active objects x object size)
slab_kb() {
    awk -v names=" $* " 'index(names, " " $1 " ") { t += $2 * $4 } END { printf "%d\n", t / 1024 }' /proc/slabinfo
}
SLABS="TCP sock_inode_cache filp"
slabs_kb() { slab_kb TCP sock_inode_cache filp; }

# ---- the first-200 timer -----------------------------------------------------------------
cat >"$W/first200.py" <<'PY'
# Times CMD (run -d -p 127.0.0.1:{port}:80 ...) from its start to the first HTTP
# 200 on 127.0.0.1:{port}, polling every millisecond while the client runs and
# after (at most 5,000 tries or 10 s a run). Run k uses port PORT0 + k; "{i}"
# and "{port}" are replaced in CMD, PREPARE and CLEANUP. Appends two rows to OUT:
# NAME (first 200) and NAME:client (the client process's own exit).
import socket, statistics, subprocess, sys, time

out, name, runs, warm, budget, prep, clean, port0 = sys.argv[1:9]
cmd = sys.argv[10:] if sys.argv[9:10] == ["--"] else sys.argv[9:]
runs, warm, budget, port0 = int(runs), int(warm), float(budget), int(port0)

def sh(snippet, i, port):
    if not snippet:
        return None
    r = subprocess.run(["bash", "-c", snippet.replace("{i}", i).replace("{port}", str(port))],
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if r.returncode:
        return r.stderr.decode(errors="replace").strip()[:300] or "exit %d" % r.returncode
    return None

def is_200(port):
    s = socket.socket()
    s.settimeout(0.5)
    try:
        s.connect(("127.0.0.1", port))
        s.sendall(b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        data = b""
        while b"\r\n" not in data and len(data) < 4096:
            d = s.recv(256)
            if not d:
                break
            data += d
        return data.startswith(b"HTTP/1.") and data[9:12] == b"200"
    except OSError:
        return False
    finally:
        s.close()

def one(i, port):
    argv = [a.replace("{i}", i).replace("{port}", str(port)) for a in cmd]
    e = sh(prep, i, port)
    if e:
        return None, None, "prepare: " + e
    t0 = time.monotonic_ns()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    tc = t1 = None
    tries = 0
    while tries < 5000 and time.monotonic_ns() - t0 < 10e9:
        if tc is None and p.poll() is not None:
            tc = time.monotonic_ns()
            if p.returncode:
                break
        tries += 1
        if is_200(port):
            t1 = time.monotonic_ns()
            break
        time.sleep(0.001)
    err = p.stderr.read().decode(errors="replace").strip()[:300]
    p.wait()
    if tc is None:
        tc = time.monotonic_ns()
    sh(clean, i, port)
    if p.returncode:
        return None, None, "exit %d: %s" % (p.returncode, err)
    if t1 is None:
        return None, None, "no HTTP 200 on 127.0.0.1:%d in 10 s (%d tries)" % (port, tries)
    return (t1 - t0) / 1e6, (tc - t0) / 1e6, None

first_err = None
for k in range(warm):
    _, _, e = one("w%d" % (k + 1), port0 + runs + k)
    first_err = first_err or e
times, ctimes, fails = [], [], 0
start = time.monotonic()
for k in range(runs):
    if k >= 3 and time.monotonic() - start > budget:
        print("  (%s: time budget of %.0f s reached after %d of %d runs)" % (name, budget, k, runs))
        break
    t, c, e = one(str(k + 1), port0 + k)
    if t is None:
        fails += 1
        first_err = first_err or e
    else:
        times.append(t)
        ctimes.append(c)
if first_err:
    print("  (%s: a run failed: %s)" % (name, first_err))
with open(out, "a") as f:
    if times:
        print("  %-30s first 200: median %8.2f ms  min %8.2f  max %8.2f  (client exits after %.2f)  n=%d%s" %
              (name, statistics.median(times), min(times), max(times), statistics.median(ctimes),
               len(times), "  failures=%d" % fails if fails else ""))
        for key, v in ((name, times), (name + ":client", ctimes)):
            f.write("%s\t%d\t%.3f\t%.3f\t%.3f\t%d\tms\n" % (key, len(v), statistics.median(v), min(v), max(v), fails))
    else:
        print("  %-30s no successful run (%d failures)" % (name, fails))
        f.write("%s\t0\tnan\tnan\tnan\t%d\tms\n" % (name, fails))
PY
# first200 NAME RUNS WARMUP PORT0 CLEANUP NETNS|'' -- CMD...
first200() {
    local name=$1 runs=$2 warm=$3 port0=$4 clean=$5 ns=$6
    shift 7
    if [ -n "$ns" ]; then
        nsenter --net="$ns" python3 "$W/first200.py" "$RESULTS" "$name" "$runs" "$warm" 120 '' "$clean" "$port0" "$@"
    else
        python3 "$W/first200.py" "$RESULTS" "$name" "$runs" "$warm" 120 '' "$clean" "$port0" "$@"
    fi
}

# wait_200 PORT [NETNS]: bounded wait (10 s) for a 200 on 127.0.0.1:PORT
wait_200() {
    local _ pre=()
    [ -z "${2:-}" ] || pre=(nsenter --net="$2")
    for _ in $(seq 1 200); do
        [ "$("${pre[@]}" curl -s -o /dev/null -m 1 -w '%{http_code}' "http://127.0.0.1:$1/")" = 200 ] && return 0
        sleep 0.05
    done
    return 1
}

# ---- minidock -------------------------------------------------------------------------------
echo "-- a private minidockd"
# shellcheck disable=SC2119 # no extra flags
md_daemon_start || bench_die "minidockd did not start"
md load -q -i "$W/busybox.tar" >/dev/null
[ -z "$APACHE_TAR" ] || md load -q -i "$APACHE_TAR" >/dev/null || { echo "  (minidock: apache image did not load)"; APACHE_TAR=; }
export BIN MD_SOCK W
export -f md
MD=("$BIN/minidock" -H "unix://$MD_SOCK")
MDS=(docker -H "unix://$MD_SOCK") # the stock CLI against minidockd

# ---- docker: a private dockerd in a network namespace of its own (lib.sh) ----------------------
DK_OK=
DK=(docker -H "unix://$W/dk/docker.sock")
export -f dk
DK_APACHE=
if dk_daemon_start --netns && dk load -q -i "$W/busybox.tar" >/dev/null; then
    DK_OK=1
    [ -z "$APACHE_TAR" ] || { dk load -q -i "$APACHE_TAR" >/dev/null && DK_APACHE=1; }
else
    echo "  (docker columns will be empty)"
fi

# ---- floors ------------------------------------------------------------------------------------
echo "-- client floors (a request that starts nothing)"
bench_time "md:version" 10 2 20 '' '' -- "${MD[@]}" version
bench_time "md-dockercli:version" 10 2 30 '' '' -- "${MDS[@]}" version

# ---- 1. run -d -p -> first 200 -------------------------------------------------------------------
HTTPD=(busybox httpd -f -p 80 -h /var/www)
echo "-- run -d -p 127.0.0.1:P:80 busybox httpd -> first HTTP 200 on 127.0.0.1:P"
first200 "md:first200" "$RUNS" 2 "$PBASE" 'md rm -f w{i} >/dev/null' '' -- \
    "${MD[@]}" run -d --name 'w{i}' -p '127.0.0.1:{port}:80' "${HTTPD[@]}"
first200 "md-dockercli:first200" "$RUNS" 2 $((PBASE + 100)) 'md rm -f w{i} >/dev/null' '' -- \
    "${MDS[@]}" run -d --name 'w{i}' -p '127.0.0.1:{port}:80' "${HTTPD[@]}"
[ -z "$DK_OK" ] || first200 "dk:first200" "$DK_RUNS" 1 $((PBASE + 200)) 'dk rm -f w{i} >/dev/null' "$DKNS" -- \
    "${DK[@]}" run -d --name 'w{i}' -p '127.0.0.1:{port}:80' "${HTTPD[@]}"
# the same without networking, for what the network costs within it
bench_time "md:run-d-none" "$RUNS" 2 60 '' 'md rm -f n{i}' -- "${MD[@]}" run -d --name 'n{i}' --network none "${HTTPD[@]}"
bench_time "md:run-d-bridge" "$RUNS" 2 60 '' 'md rm -f n{i}' -- "${MD[@]}" run -d --name 'n{i}' "${HTTPD[@]}"
bench_time "md:run-rm-none" "$RUNS" 2 60 '' '' -- "${MD[@]}" run --rm --network none busybox true
bench_time "md:run-rm-bridge" "$RUNS" 2 60 '' '' -- "${MD[@]}" run --rm busybox true
if [ -n "$APACHE_TAR" ]; then
    echo "-- run -d -p 127.0.0.1:P:80 apache (apache2-foreground) -> first HTTP 200"
    first200 "md:first200-apache" "$APACHE_RUNS" 1 $((PBASE + 300)) 'md rm -f a{i} >/dev/null' '' -- \
        "${MD[@]}" run -d --name 'a{i}' -p '127.0.0.1:{port}:80' apache
    [ -z "$DK_APACHE" ] || first200 "dk:first200-apache" "$APACHE_RUNS" 1 $((PBASE + 400)) 'dk rm -f a{i} >/dev/null' "$DKNS" -- \
        "${DK[@]}" run -d --name 'a{i}' -p '127.0.0.1:{port}:80' apache
fi

# ---- 2. requests/s: published port vs the container's own address --------------------------------
# The server: a keep-alive HTTP server of a few lines (one thread, epoll, a
# 3-byte answer, no log), built here and bind-mounted into busybox, so that
# per request little but the path to it costs CPU and the ratio shows what the
# NAT costs (a worst case: real answers are bigger and servers slower). The
# apache image's default page is the realistic row.
cat >"$W/ka.c" <<'C'
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n";

int main(void)
{
    int one = 1, ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), ep = epoll_create1(0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(80)};
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(ls, (struct sockaddr *)&a, sizeof a) < 0 || listen(ls, 1024) < 0)
        return 1;
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = ls}, evs[64];
    epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
    static char in[65536], out[65536];
    for (;;) {
        int n = epoll_wait(ep, evs, 64, -1);
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd, c;
            if (fd == ls) {
                while ((c = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    struct epoll_event ce = {.events = EPOLLIN, .data.fd = c};
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
                }
                continue;
            }
            ssize_t r = read(fd, in, sizeof in);
            if (r <= 0) {
                if (r == 0 || errno != EAGAIN)
                    close(fd);
                continue;
            }
            size_t len = 0; /* an answer per request head that came */
            for (ssize_t j = 3; j < r; j++)
                if (!memcmp(in + j - 3, "\r\n\r\n", 4) && len + sizeof resp < sizeof out) {
                    memcpy(out + len, resp, sizeof resp - 1);
                    len += sizeof resp - 1;
                }
            if (len && write(fd, out, len) < 0)
                close(fd);
        }
    }
}
C
KA=
if command -v wrk >/dev/null && cc -O2 -static -o "$W/ka" "$W/ka.c" 2>"$W/ka.log"; then
    KA=$W/ka
elif command -v wrk >/dev/null; then
    echo "  (cannot build the keep-alive server: $(head -n 1 "$W/ka.log")); apache only"
fi
HOSTIP=$(ip -4 -o addr show scope global | awk '$2 !~ /^(md|br-|docker)/ {print $4}' | cut -d/ -f1 | head -n1)

# CPU time per request is the steadier figure on a shared host: what wrk's
# cgroup and the server's spent (with the softirq work done in their context;
# for docker's 127.0.0.1, its docker-proxy too), over the requests done.
cat >"$W/wrk.py" <<'PY'
# wrk.py OUT PREFIX SECS ROUNDS THREADS CONNS WRK_CGROUP_PROCS USAGE[,USAGE...] NETNS -- URL...
# USAGE: ns:FILE (cpuacct.usage), us:FILE (cgroup2 cpu.stat), pid:PID (utime+stime).
# Rounds of the URLs (direct first in the list), the order rotating; records
# PREFIX:direct|lo|host (req/s), PREFIX:ratio-lo|host (median of each round's
# published/direct) and PREFIX:cpu-direct|lo|host (CPU microseconds a request).
import os, re, statistics, subprocess, sys

out, pfx, secs, rounds, threads, conns, wcg, usages, ns = sys.argv[1:10]
urls = sys.argv[11:]
names = ["direct", "lo", "host"][:len(urls)]
tick = os.sysconf("SC_CLK_TCK")

def used_us():
    t = 0.0
    for u in filter(None, usages.split(",")):
        kind, _, arg = u.partition(":")
        try:
            if kind == "ns":
                t += int(open(arg).read()) / 1000
            elif kind == "us":
                t += int(re.search(r"usage_usec (\d+)", open(arg).read()).group(1))
            elif kind == "pid":
                f = open("/proc/%s/stat" % arg).read().rsplit(")", 1)[1].split()
                t += (int(f[11]) + int(f[12])) * 1e6 / tick
        except (OSError, AttributeError, ValueError):
            pass
    return t

def run(url):
    cmd = ["bash", "-c", 'echo $$ >"$0" 2>/dev/null; exec wrk -t"$1" -c"$2" -d"$3s" "$4"', wcg, threads, conns, secs, url]
    if ns:
        cmd = ["nsenter", "--net=" + ns] + cmd
    u0 = used_us()
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=int(secs) + 30)
    u1 = used_us()
    errs = re.search(r"(Non-2xx.*|Socket errors.*)", r.stdout)
    if errs:
        print("  (wrk %s: %s)" % (url, errs.group(1).strip()))
    n = re.search(r"(\d+) requests in", r.stdout)
    q = re.search(r"Requests/sec:\s+([0-9.]+)", r.stdout)
    if not n or not q or int(n.group(1)) == 0:
        return None, None
    return float(q.group(1)), (u1 - u0) / int(n.group(1))

for u in urls:  # warm-up: connections, caches, workers
    run(u)
rps = {k: [] for k in names}
cpu = {k: [] for k in names}
ratio = {k: [] for k in names[1:]}
for r in range(int(rounds)):
    got = {}
    for k in range(len(urls)):
        i = (k + r) % len(urls)
        got[names[i]] = run(urls[i])
    if any(v[0] is None for v in got.values()):
        continue
    for k in names:
        rps[k].append(got[k][0])
        cpu[k].append(got[k][1])
    for k in names[1:]:
        ratio[k].append(got[k][0] / got["direct"][0])
if not rps["direct"]:
    print("  %s: no wrk result" % pfx)
    sys.exit(0)
med = statistics.median
print("  %-22s req/s, medians: direct %.0f, published via 127.0.0.1 %.0f, via a host address %.0f" %
      (pfx, med(rps["direct"]), med(rps["lo"]), med(rps["host"])))
for k, what in (("lo", "127.0.0.1"), ("host", "host address")):
    print("  %-22s published/direct (%s): median %.3f, range %.3f-%.3f, n=%d" %
          ("", what, med(ratio[k]), min(ratio[k]), max(ratio[k]), len(ratio[k])))
cd = med(cpu["direct"])
if cd > 0:
    print("  %-22s CPU a request: direct %.1f us, via 127.0.0.1 %.1f us (%+.1f%%), via a host address %.1f us (%+.1f%%)" %
          ("", cd, med(cpu["lo"]), 100 * (med(cpu["lo"]) / cd - 1), med(cpu["host"]), 100 * (med(cpu["host"]) / cd - 1)))
with open(out, "a") as f:
    rows = [(k, rps[k], "req/s") for k in names] + [("ratio-" + k, ratio[k], "x") for k in names[1:]]
    if cd > 0:
        rows += [("cpu-" + k, cpu[k], "us") for k in names]
    for k, v, unit in rows:
        f.write("%s:%s\t%d\t%.3f\t%.3f\t%.3f\t0\t%s\n" % (pfx, k, len(v), med(v), min(v), max(v), unit))
PY
# A cgroup for wrk, in the hierarchy that accounts CPU time (cpuacct, else
# cgroup2); named with $TAG, so the exit trap removes it.
WRK_CG=
if [ -d /sys/fs/cgroup/cpuacct ] && mkdir -p "/sys/fs/cgroup/cpuacct/$TAG-wrk" 2>/dev/null; then
    WRK_CG=/sys/fs/cgroup/cpuacct/$TAG-wrk
elif mnt=$(findmnt -n -o TARGET -t cgroup2 | head -n1) && [ -n "$mnt" ] && mkdir -p "$mnt/$TAG-wrk" 2>/dev/null; then
    WRK_CG=$mnt/$TAG-wrk
fi
[ -z "$WRK_CG" ] || bench_on_exit "rmdir '$WRK_CG'"
# cpu_usage PID: the usage spec (see wrk.py) of PID's cgroup in that hierarchy
cpu_usage() {
    local rel
    case $WRK_CG in
    /sys/fs/cgroup/cpuacct/*)
        rel=$(awk -F: '$2 ~ /(^|,)cpuacct(,|$)/ {print $3}' "/proc/$1/cgroup")
        echo "ns:/sys/fs/cgroup/cpuacct$rel/cpuacct.usage"
        ;;
    ?*)
        rel=$(awk -F: '$1 == 0 {print $3}' "/proc/$1/cgroup")
        echo "us:${WRK_CG%/*}$rel/cpu.stat"
        ;;
    esac
}
# wrk_engine CLI PREFIX IMAGE-ARGS...: a container publishing 80 on all host
# addresses, then rounds against its own address, 127.0.0.1 and a host
# address (for docker, in its namespace: docker0's, where its DNAT applies;
# 127.0.0.1 goes through docker-proxy)
wrk_engine() {
    local cli=$1 pfx=$2 ns="" ip host=$HOSTIP usage="" p
    shift 2
    [ "$cli" = dk ] && ns=$DKNS
    "$cli" run -d --name "$pfx" -p "$P_WRK:80" "$@" >/dev/null || { echo "  ($pfx: the server did not start)"; return; }
    wait_200 "$P_WRK" "$ns" || echo "  ($pfx: the server did not answer)"
    ip=$("$cli" inspect -f '{{.NetworkSettings.IPAddress}}' "$pfx")
    [ "$cli" = dk ] && host=$("$cli" inspect -f '{{.NetworkSettings.Gateway}}' "$pfx")
    if [ -n "$WRK_CG" ]; then
        usage="ns:$WRK_CG/cpuacct.usage"
        [ -e "$WRK_CG/cpu.stat" ] && [ ! -e "$WRK_CG/cpuacct.usage" ] && usage="us:$WRK_CG/cpu.stat"
        usage="$usage,$(cpu_usage "$("$cli" inspect -f '{{.State.Pid}}' "$pfx")")"
        if [ "$cli" = dk ]; then
            for p in $(pgrep -P "$DK_PID" -f "docker-proxy .*-host-port $P_WRK( |$)"); do usage="$usage,pid:$p"; done
        fi
    fi
    python3 "$W/wrk.py" "$RESULTS" "$pfx" "$WRK_SECS" "$WRK_ROUNDS" "$WRK_THREADS" "$WRK_CONNS" \
        "$([ -n "$WRK_CG" ] && echo "$WRK_CG/cgroup.procs" || echo /dev/null)" "$usage" "$ns" -- \
        "http://$ip/" "http://127.0.0.1:$P_WRK/" "http://$host:$P_WRK/"
    "$cli" rm -f "$pfx" >/dev/null
}
if command -v wrk >/dev/null; then
    echo "-- requests/s: wrk -t$WRK_THREADS -c$WRK_CONNS -d${WRK_SECS}s, $WRK_ROUNDS rounds of: the container's address, 127.0.0.1:P, $HOSTIP:P"
    if [ -n "$KA" ]; then
        wrk_engine md md-ka -v "$KA:/ka:ro" busybox /ka
        [ -z "$DK_OK" ] || wrk_engine dk dk-ka -v "$KA:/ka:ro" busybox /ka
    fi
    if [ -n "$APACHE_TAR" ]; then
        WRK_ROUNDS=$(((WRK_ROUNDS + 1) / 2)) wrk_engine md md-apache apache
    fi
fi

# ---- 3. a 1,000-port range ------------------------------------------------------------------------
md_roots() { echo "$MD_PID $(pgrep -f -- "minidock-shim run $W/md/exec/" | xargs)"; }
dk_roots() { echo "$DK_PID $(pgrep -f -- "containerd-shim-runc-v2 .*$W/dk/" | xargs)"; }
# range_probe CLI NAME N PORTS-FLAGS...: after run -d of a container (sleep) with
# those flags: processes of the engine and its containers, daemon RSS, slab kB
range_probe() {
    local cli=$1 name=$2
    shift 2
    "$cli" run -d --name "$name" "$@" busybox sleep 100000 >/dev/null
    sleep 1
    if [ "$cli" = md ]; then
        # shellcheck disable=SC2046 # pids
        echo "$(tree_count $(md_roots)) $(rss_kb "$MD_PID") $(slabs_kb)"
    else
        # shellcheck disable=SC2046
        echo "$(tree_count $(dk_roots)) $(mem_sum rss "$DK_PID" $(pgrep -f -- "containerd --config $W/dk/exec/")) $(slabs_kb) $(mem_sum rss $(pgrep -P "$DK_PID" -x docker-proxy)) $(mem_sum pss $(pgrep -P "$DK_PID" -x docker-proxy))"
    fi
    "$cli" rm -f "$name" >/dev/null
    sleep 0.5
}
echo "-- -p $RANGE_LO-$RANGE_HI:$RANGE_LO-$RANGE_HI ($RANGE_N ports) on busybox sleep"
bench_time "md:range-run" "$RANGE_RUNS" 1 120 '' 'md rm -f rg{i}' -- \
    "${MD[@]}" run -d --name 'rg{i}' -p "$RANGE_LO-$RANGE_HI:$RANGE_LO-$RANGE_HI" busybox sleep 100000
bench_time "md:range-rm" "$RANGE_RUNS" 1 120 "md run -d --name rr{i} -p $RANGE_LO-$RANGE_HI:$RANGE_LO-$RANGE_HI busybox sleep 100000" '' -- \
    "${MD[@]}" rm -f 'rr{i}'
read -r mp0 mr0 ms0 <<<"$(range_probe md rb0)"
read -r mp1 mr1 ms1 <<<"$(range_probe md rb1 -p "$RANGE_LO-$RANGE_HI:$RANGE_LO-$RANGE_HI")"
bench_record "md:range-procs" $((mp1 - mp0)) procs
bench_record "md:range-rss-per-port" "$(awk -v a="$mr0" -v b="$mr1" -v n="$RANGE_N" 'BEGIN { printf "%.2f", (b - a) / n }')" kB
bench_record "md:range-kernel-per-port" "$(awk -v a="$ms0" -v b="$ms1" -v n="$RANGE_N" 'BEGIN { printf "%.2f", (b - a) / n }')" kB
echo "  minidock: extra processes $((mp1 - mp0)) ($mp0 without ports, $mp1 with); daemon RSS +$((mr1 - mr0)) kB; kernel slabs ($SLABS) +$((ms1 - ms0)) kB; nft: one rule for the range"
if [ -n "$DK_OK" ]; then
    echo "-- docker: -p $RANGE_LO-$DK_RANGE_HI:$RANGE_LO-$DK_RANGE_HI ($DK_RANGE_N ports: it starts a docker-proxy per port)"
    bench_time "dk:range-run" 3 0 300 '' 'dk rm -f rg{i}' -- \
        "${DK[@]}" run -d --name 'rg{i}' -p "$RANGE_LO-$DK_RANGE_HI:$RANGE_LO-$DK_RANGE_HI" busybox sleep 100000
    read -r dp0 dr0 ds0 _ _ <<<"$(range_probe dk rb0)"
    read -r dp1 dr1 ds1 dx1 dxp1 <<<"$(range_probe dk rb1 -p "$RANGE_LO-$DK_RANGE_HI:$RANGE_LO-$DK_RANGE_HI")"
    bench_record "dk:range-procs" $((dp1 - dp0)) procs
    bench_record "dk:range-rss-per-port" "$(awk -v a="$dr0" -v b="$dr1" -v x="$dx1" -v n="$DK_RANGE_N" 'BEGIN { printf "%.2f", (b - a + x) / n }')" kB
    bench_record "dk:range-pss-per-port" "$(awk -v x="$dxp1" -v n="$DK_RANGE_N" 'BEGIN { printf "%.2f", x / n }')" kB
    bench_record "dk:range-kernel-per-port" "$(awk -v a="$ds0" -v b="$ds1" -v n="$DK_RANGE_N" 'BEGIN { printf "%.2f", (b - a) / n }')" kB
    echo "  docker: extra processes $((dp1 - dp0)); docker-proxy RSS $dx1 kB (PSS $dxp1 kB); dockerd+containerd RSS +$((dr1 - dr0)) kB; kernel slabs +$((ds1 - ds0)) kB"
fi

# ---- the table ----------------------------------------------------------------------------------------
fmt_v() { # KEY FORMAT -> the median or "-"
    local v
    v=$(bench_get "$1" median)
    if [ -z "$v" ] || [ "$v" = nan ]; then echo "-"; else awk -v v="$v" -v f="$2" 'BEGIN { printf f "\n", v }'; fi
}
pct() { # KEY BASE-KEY -> "+x.x%" or "-"
    awk -v a="$(bench_get "$1" median)" -v b="$(bench_get "$2" median)" \
        'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "-"; else printf "%+.1f%%\n", 100 * (a / b - 1) }'
}
row() { printf '%-42s %-24s %-24s %-24s %s\n' "$@"; }
lat() { # LABEL KEY
    row "$1" "$(bench_fmt_ms "md:$2")" "$(bench_fmt_ms "md-dockercli:$2")" "$(bench_fmt_ms "dk:$2")" \
        "$(bench_ratio "$(bench_get "dk:$2" median)" "$(bench_get "md:$2" median)")"
}
echo
echo "== results: ms of the whole client process or until the first 200, median (min-max) n"
echo "   load average at the start: $LOAD_START; now: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
row "" "minidock" "docker CLI -> minidockd" "docker 20.10" "docker/minidock"
row "client floor: version" "$(bench_fmt_ms md:version)" "$(bench_fmt_ms md-dockercli:version)" "" ""
lat "run -d -p -> first 200 (busybox httpd)" first200
lat "  the client returns after" first200:client
lat "run -d -p -> first 200 (apache)" first200-apache
row "run -d busybox httpd, --network none" "$(bench_fmt_ms md:run-d-none)" "" "" ""
row "run -d busybox httpd, bridge" "$(bench_fmt_ms md:run-d-bridge)" "" "" ""
row "run --rm busybox true, --network none" "$(bench_fmt_ms md:run-rm-none)" "" "" ""
row "run --rm busybox true, bridge" "$(bench_fmt_ms md:run-rm-bridge)" "" "" ""
row "wrk req/s, keep-alive server: direct" "$(fmt_v md-ka:direct %.0f)" "" "$(fmt_v dk-ka:direct %.0f)" ""
row "  published, 127.0.0.1:P" "$(fmt_v md-ka:lo %.0f)" "" "$(fmt_v dk-ka:lo %.0f) (docker-proxy)" ""
row "  published, a host address" "$(fmt_v md-ka:host %.0f)" "" "$(fmt_v dk-ka:host %.0f)" ""
row "  published/direct, 127.0.0.1" "$(fmt_v md-ka:ratio-lo %.3f)" "" "$(fmt_v dk-ka:ratio-lo %.3f)" ""
row "  published/direct, host address" "$(fmt_v md-ka:ratio-host %.3f)" "" "$(fmt_v dk-ka:ratio-host %.3f)" ""
row "  CPU a request (us): direct" "$(fmt_v md-ka:cpu-direct %.1f)" "" "$(fmt_v dk-ka:cpu-direct %.1f)" ""
row "    published, 127.0.0.1:P" "$(fmt_v md-ka:cpu-lo %.1f)" "" "$(fmt_v dk-ka:cpu-lo %.1f)" ""
row "    published, a host address" "$(fmt_v md-ka:cpu-host %.1f)" "" "$(fmt_v dk-ka:cpu-host %.1f)" ""
row "wrk req/s, apache: direct" "$(fmt_v md-apache:direct %.0f)" "" "" ""
row "  published/direct, 127.0.0.1" "$(fmt_v md-apache:ratio-lo %.3f)" "" "" ""
row "  published/direct, host address" "$(fmt_v md-apache:ratio-host %.3f)" "" "" ""
row "run -d -p, $RANGE_N-port range" "$(bench_fmt_ms md:range-run)" "" "$(bench_fmt_ms dk:range-run) ($DK_RANGE_N ports)" ""
row "rm -f of it" "$(bench_fmt_ms md:range-rm)" "" "" ""
row "  extra processes" "$(fmt_v md:range-procs %d)" "" "$(fmt_v dk:range-procs %d) ($DK_RANGE_N ports)" ""
row "  user-space memory per port (RSS kB)" "$(fmt_v md:range-rss-per-port %.2f)" "" "$(fmt_v dk:range-rss-per-port %.0f) (PSS $(fmt_v dk:range-pss-per-port %.0f))" ""
row "  kernel memory per port (slabs, kB)" "$(fmt_v md:range-kernel-per-port %.2f)" "" "$(fmt_v dk:range-kernel-per-port %.2f)" ""
echo "   wrk runs on this host (in docker's namespace for docker); ratios are medians of each round's published/direct;"
echo "   CPU a request: wrk's cgroup and the server's (and docker-proxy), over the requests done: steadier than req/s here"
echo "   minidock's memory per port: daemon RSS (its reservation socket and record) and the kernel's socket objects;"
echo "   the nft rule set has one rule for the whole range. docker: dockerd+containerd RSS and one docker-proxy per port."

echo
echo "== targets (issue 6)"
bench_target "run -d -p -> first 200 median <= 50 ms (minidock client): $(bench_fmt_ms md:first200)" \
    "$(bench_is bench_le "$(bench_get md:first200 median)" 50)"
echo "           (docker CLI on minidockd: $(bench_fmt_ms md-dockercli:first200), of which its own start, 'version': $(bench_fmt_ms md-dockercli:version); docker 20.10: $(bench_fmt_ms dk:first200))"
if [ -n "$(bench_get md-ka:ratio-lo median)" ]; then
    bench_target "requests/s published >= 0.9x direct (keep-alive server): 127.0.0.1 $(fmt_v md-ka:ratio-lo %.3f), host address $(fmt_v md-ka:ratio-host %.3f)" \
        "$(bench_is awk -v a="$(bench_get md-ka:ratio-lo median)" -v b="$(bench_get md-ka:ratio-host median)" 'BEGIN { exit !(a >= 0.9 && b >= 0.9) }')"
    echo "           (CPU a request over direct: 127.0.0.1 $(pct md-ka:cpu-lo md-ka:cpu-direct), host address $(pct md-ka:cpu-host md-ka:cpu-direct);"
    echo "           apache's req/s ratios: 127.0.0.1 $(fmt_v md-apache:ratio-lo %.3f), host address $(fmt_v md-apache:ratio-host %.3f))"
else
    echo "  [n/a]    requests/s published >= 0.9x direct: wrk did not run"
fi
bench_target "$RANGE_N-port range: run -d <= 1 s: $(bench_fmt_ms md:range-run)" "$(bench_is bench_le "$(bench_get md:range-run median)" 1000)"
bench_target "$RANGE_N-port range: zero extra processes: $(fmt_v md:range-procs %d)" "$(bench_is [ "$(bench_get md:range-procs median)" = 0 ])"
echo "  [info]   memory per published port: $(fmt_v md:range-rss-per-port %.2f) kB daemon RSS + $(fmt_v md:range-kernel-per-port %.2f) kB kernel"
echo "   (took $(($(date +%s) - T_START)) s)"
