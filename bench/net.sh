#!/bin/bash
# bench/net.sh: the network module's costs, measured through
# tests/integration/netdrive (daemon/net/ without a daemon or containers):
#   1. time from net_connect (with -p) to the first HTTP 200 through the
#      published port (a busybox httpd in the namespace), n runs, median;
#   2. requests/s through the published port (127.0.0.1:P, kernel DNAT) vs
#      the namespace's own address, with wrk (bounded duration);
#   3. publishing a 1,000-port range: time, extra processes (want 0),
#      memory per published port (RSS of the process holding the ports).
# Root. Traffic goes only to loopback and the namespaces made here.
# TODO(lead): the end-to-end version (`run -d -p ...` vs docker) once
# containers run: same three figures through minidockd.
#
# Usage: bench/net.sh [RUNS (default 20)] [WRK_SECONDS (default 5)]
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${1:-20}
SECS=${2:-5}
ND=$ROOT/tests/integration/netdrive/netdrive-bench
[ "$(id -u)" -eq 0 ] || { echo "bench/net.sh: needs root"; exit 1; }
# no sanitizers for timing
make -s -C "$ROOT/tests/integration/netdrive" netdrive-bench >/dev/null || exit 1
if ! command -v wrk >/dev/null; then
    apt-get install -y -o DPkg::Lock::Timeout=300 wrk >/dev/null 2>&1 || echo "(wrk not available: skipping requests/s)"
fi

TAG=mdb$(head -c3 /dev/urandom | od -An -tx1 | tr -d ' \n')
T=$(mktemp -d "/tmp/mdbench.$TAG.XXXX")
SUBNET=
for b in 213 214 215 216 217 218 219; do
    ip -4 route show | grep -q "^10\.$b\." || { SUBNET=10.$b; break; }
done
[ -n "$SUBNET" ] || { echo "no unrouted 10.x/16 found"; exit 1; }
FWD_BEFORE=$(cat /proc/sys/net/ipv4/ip_forward)
PORT=$((30000 + RANDOM % 2000))
mkdir -p "$T/www"
echo "hello" >"$T/www/index.html"
mkfifo "$T/in" "$T/out"
NETDRIVE_TIMING=1 "$ND" --data-root "$T/data" --exec-root "$T/exec" --bridge "$TAG" --bip "$SUBNET.0.1/16" \
    --table "minidock_$TAG" <"$T/in" >"$T/out" 2>"$T/netdrive.log" &
NDPID=$!
exec 7>"$T/in" 8<"$T/out"
nd() { echo "$*" >&7; read -r -t 30 R <&8 || R="err (no reply)"; }
HPID=
finish() {
    [ -n "$HPID" ] && kill "$HPID" 2>/dev/null
    nd shutdown
    echo quit >&7
    wait "$NDPID" 2>/dev/null
    echo "$FWD_BEFORE" >/proc/sys/net/ipv4/ip_forward
    rm -rf "$T"
}
trap finish EXIT
now_ms() { echo $(($(date +%s%N) / 1000000)); }
id_of() { printf '%064x' "$1"; }

nd init
[ "$R" = ok ] || { echo "net_init: $R"; exit 1; }

# ---- 1. connect -> first 200 ----
echo "== connect (-p 127.0.0.1:P:80) to first HTTP 200, $RUNS runs"
times=()
connect_ms=()
for i in $(seq 1 "$RUNS"); do
    id=$(id_of "$i")
    t0=$(date +%s%N)
    nd connect "$id" "b$i" bridge "p=127.0.0.1:$PORT:80"
    t1=$(date +%s%N)
    [ "${R%% *}" = ok ] || { echo "connect: $R"; exit 1; }
    nsenter --net="$T/exec/netns/$id" busybox httpd -f -p 80 -h "$T/www" &
    HPID=$!
    until curl -s -f -m 1 -o /dev/null "http://127.0.0.1:$PORT/"; do sleep 0.001; done
    t2=$(date +%s%N)
    kill "$HPID"; wait "$HPID" 2>/dev/null; HPID=
    nd disconnect "$id"
    connect_ms+=($(((t1 - t0) / 1000)))
    times+=($(((t2 - t0) / 1000)))
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
inner=($(awk '/^timing net_connect/ {print $3}' "$T/netdrive.log"))
printf '   net_connect (in process): median %.2f ms (min %.2f, max %.2f)\n' \
    "$(bc -l <<<"$(median "${inner[@]}")/1000")" \
    "$(bc -l <<<"$(printf '%s\n' "${inner[@]}" | sort -n | head -1)/1000")" \
    "$(bc -l <<<"$(printf '%s\n' "${inner[@]}" | sort -n | tail -1)/1000")"
printf '   net_connect round trip:   median %.2f ms (min %.2f, max %.2f)\n' \
    "$(bc -l <<<"$(median "${connect_ms[@]}")/1000")" \
    "$(bc -l <<<"$(printf '%s\n' "${connect_ms[@]}" | sort -n | head -1)/1000")" \
    "$(bc -l <<<"$(printf '%s\n' "${connect_ms[@]}" | sort -n | tail -1)/1000")"
printf '   connect -> first 200:     median %.2f ms (min %.2f, max %.2f); docker measured ~532 ms for run -d -> 200\n' \
    "$(bc -l <<<"$(median "${times[@]}")/1000")" \
    "$(bc -l <<<"$(printf '%s\n' "${times[@]}" | sort -n | head -1)/1000")" \
    "$(bc -l <<<"$(printf '%s\n' "${times[@]}" | sort -n | tail -1)/1000")"

# ---- 2. requests/s: published port vs direct ----
id=$(id_of 9999)
nd connect "$id" wrk bridge "p=127.0.0.1:$PORT:80"
CIP=$(awk '{print $3}' <<<"$R")
# a keep-alive server, so the figure is about packets through NAT rather
# than about how fast busybox httpd can fork
cat >"$T/ka.py" <<'PY'
import http.server, socket, socketserver
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def setup(self):
        super().setup()
        # headers and body go out in two writes: without this, Nagle and
        # delayed ACKs cap every connection at ~25 requests/s
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    def do_GET(self):
        body = b"hello\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    def handle_error(self, request, client_address):
        pass  # wrk resets its connections at the end
S(("0.0.0.0", 80), H).serve_forever()
PY
nsenter --net="$T/exec/netns/$id" python3 "$T/ka.py" &
HPID=$!
until curl -s -f -m 1 -o /dev/null "http://127.0.0.1:$PORT/"; do sleep 0.01; done
if command -v wrk >/dev/null; then
    echo "== requests/s, wrk -t2 -c16 -d${SECS}s (keep-alive python server; direct first, then published, then direct again)"
    rps() { wrk -t2 -c16 -d"${SECS}s" "$1" 2>/dev/null | awk '/Requests\/sec/ {print $2}'; }
    d1=$(rps "http://$CIP/")
    published=$(rps "http://127.0.0.1:$PORT/")
    d2=$(rps "http://$CIP/")
    direct=$(bc -l <<<"($d1 + $d2) / 2")
    printf '   direct %s:80:          %.0f req/s (runs: %s, %s)\n' "$CIP" "$direct" "$d1" "$d2"
    echo "   published 127.0.0.1:$PORT: $published req/s"
    printf '   ratio published/direct: %.3f (target >= 0.9; the host is shared, so repeat when it is idle)\n' "$(bc -l <<<"$published/$direct")"
fi
kill "$HPID"; wait "$HPID" 2>/dev/null; HPID=
nd disconnect "$id"

# ---- 3. a 1,000-port range ----
echo "== publishing a 1,000-port range"
LO=$((10000 + RANDOM % 9000)) # below the ephemeral range: client sockets hold ports there
HI=$((LO + 999))
procs_before=$(ps --ppid "$NDPID" -o pid= | wc -l)
rss_before=$(awk '/VmRSS/ {print $2}' "/proc/$NDPID/status")
id=$(id_of 7777)
t0=$(date +%s%N)
nd connect "$id" range bridge "p=$LO-$HI:$LO-$HI"
t1=$(date +%s%N)
[ "${R%% *}" = ok ] || { echo "connect: $R"; exit 1; }
procs_after=$(ps --ppid "$NDPID" -o pid= | wc -l)
rss_after=$(awk '/VmRSS/ {print $2}' "/proc/$NDPID/status")
rules=$(nft list chain ip "minidock_$TAG" ports | grep -c "dnat")
printf '   time: %.1f ms (target <= 1000 ms); nft rules: %s; extra processes: %d\n' \
    "$(bc -l <<<"($t1 - $t0)/1000000")" "$rules" $((procs_after - procs_before))
printf '   memory: %d KiB RSS for 1,000 ports = %.2f KiB per port (user space; plus one bound, never listening kernel socket each)\n' \
    $((rss_after - rss_before)) "$(bc -l <<<"($rss_after - $rss_before)/1000")"
t0=$(date +%s%N)
nd disconnect "$id"
t1=$(date +%s%N)
printf '   unpublish: %.1f ms\n' "$(bc -l <<<"($t1 - $t0)/1000000")"
