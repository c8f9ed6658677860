#!/bin/bash
# make demo: start minidockd on /run/minidock.sock (unless one already runs),
# build the busybox image offline, load it and run a container with it.
# Works from the source tree (contrib/demo.sh, the binaries just built) and
# installed (PREFIX/share/minidock/demo.sh, the binaries installed with it).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if [ -x "$here/../client/minidock" ] && [ -x "$here/../daemon/minidockd" ]; then
    client=$here/../client/minidock daemon=$here/../daemon/minidockd
else
    prefix=$(cd "$here/../.." && pwd)
    client=$prefix/bin/minidock daemon=$prefix/sbin/minidockd
fi
SOCK=${MINIDOCK_SOCK:-/run/minidock.sock}
LOG=${MINIDOCK_LOG:-/var/log/minidockd.log}
MD="$client -H unix://$SOCK"

if [ "$(id -u)" -ne 0 ]; then
    echo "make demo needs root (sudo make demo): the daemon creates namespaces, mounts and cgroups" >&2
    exit 1
fi
if curl -sf --unix-socket "$SOCK" http://x/_ping >/dev/null 2>&1; then
    echo "== minidockd already answers on $SOCK"
else
    echo "== starting minidockd (log: $LOG)"
    setsid -f "$daemon" --socket "$SOCK" >>"$LOG" 2>&1 </dev/null
    for _ in $(seq 1 100); do
        curl -sf --unix-socket "$SOCK" http://x/_ping >/dev/null 2>&1 && break
        sleep 0.05
    done
fi
echo "== minidock version"
$MD version

cache=${MINIDOCK_CACHE:-/var/cache/minidock}
mkdir -p "$cache"
echo "== building the busybox image (mkimage-busybox.sh)"
"$here/mkimage-busybox.sh" "$cache/busybox.tar"
echo "== minidock load -i $cache/busybox.tar"
$MD load -i "$cache/busybox.tar"
$MD images
echo "== minidock run --rm busybox echo hello from a container"
$MD run --rm busybox echo "hello from a container"
echo "== minidock run -d --name demo-web busybox httpd -f -p 80"
$MD rm -f demo-web >/dev/null 2>&1 || true
$MD run -d --name demo-web busybox httpd -f -p 80
$MD ps
cat <<MSG

The daemon keeps running. Try:
  $MD exec demo-web ps
  docker -H unix://$SOCK ps        # the stock docker CLI works too
  $MD rm -f demo-web
Stop the daemon with: kill \$(pgrep -x minidockd)   (containers keep running)
MSG
