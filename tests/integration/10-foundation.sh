#!/bin/bash
# Foundation: the daemon answers the Docker Engine API on its socket for our
# client and the stock docker CLI; refuses a second daemon on the same data
# root; survives bad requests; shuts down cleanly on SIGTERM.
. "$(dirname "$0")/lib.sh"
suite_begin foundation
daemon_start || { not_ok "daemon starts"; suite_end; exit 1; }
ok "daemon starts and answers _ping"

# --- version and info, both clients
out=$(dk version 2>&1)
expect_match "docker version: our Server block" '^Server: minidock' "$out"
expect_match "docker version: API 1.50 (minimum 1.24)" 'API version: +1\.50 \(minimum version 1\.24\)' "$out"
out=$(md version 2>&1)
expect_match "minidock version: Server block" '^Server: minidock' "$out"
expect_match "minidock version: API 1.50 (minimum 1.24)" 'API version: +1\.50 \(minimum version 1\.24\)' "$out"
expect_rc "docker info exits 0" 0 dk info
expect_match "docker info: storage driver and cgroup fields" 'Cgroup Version: [12]' "$OUT"
expect_match "docker info: data root is the suite's" "Docker Root Dir: $DATA" "$OUT"
expect_rc "minidock info exits 0" 0 md info
expect_match "minidock info: kernel" "Kernel Version: $(uname -r)" "$OUT"
cgv=$(api http://x/info | jq -r .CgroupVersion)
if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then want=2; else want=1; fi
expect_eq "info reports the host's cgroup version" "$want" "$cgv"
expect_eq "info NCPU is the host's" "$(nproc)" "$(api http://x/info | jq -r .NCPU)"

# --- wire details
hdrs=$(curl -sI --unix-socket "$SOCK" http://x/_ping)
expect_match "HEAD /_ping carries Api-Version" '^Api-Version: 1\.50' "$(tr -d '\r' <<<"$hdrs")"
expect_eq "GET /v1.50/_ping says OK" "OK" "$(api http://x/v1.50/_ping)"
expect_eq "GET /_ping (no version) says OK" "OK" "$(api http://x/_ping)"
expect_eq "too new a version: 400 with moby's message" \
    '{"message":"client version 1.51 is too new. Maximum supported API version is 1.50"}' \
    "$(api http://x/v1.51/version)"
expect_eq "too old a version: status 400" 400 "$(api -o /dev/null -w '%{http_code}' http://x/v1.12/version)"
expect_eq "unknown route: 404 page not found" '{"message":"page not found"}' "$(api http://x/v1.50/nope/nope)"
# Routes docker has: swarm ones answer as docker does outside a swarm (503),
# the others we lack say what is missing (501); never a bare 404.
nomgr='{"message":"This node is not a swarm manager. Use \"docker swarm init\" or \"docker swarm join\" to connect this node to swarm and try again."}'
for r in "GET /swarm" "GET /v1.50/nodes" "GET /services" "POST /v1.50/services/create" "GET /tasks/abc" \
    "GET /secrets" "DELETE /v1.50/configs/abc" "GET /swarm/unlockkey" "GET /services/abc/logs"; do
    code=$(api -o "$T/body" -w '%{http_code}' -X "${r% *}" "http://x${r#* }")
    expect_eq "$r: 503 not a swarm manager" "503 $nomgr" "$code $(cat "$T/body")"
done
code=$(api -o "$T/body" -w '%{http_code}' -X POST 'http://x/v1.50/swarm/leave?force=1')
expect_eq "POST /swarm/leave: 503 not part of a swarm" '503 {"message":"This node is not part of a swarm"}' "$code $(cat "$T/body")"
code=$(api -o "$T/body" -w '%{http_code}' http://x/v1.50/containers/abc/attach/ws)
expect_eq "GET /containers/{id}/attach/ws: 501 naming it" '501 {"message":"minidock does not implement attach over a websocket yet"}' "$code $(cat "$T/body")"
code=$(api -o "$T/body" -w '%{http_code}' -X POST http://x/images/library/busybox/push)
expect_eq "POST /images/{name}/push: 501 naming it" '501 {"message":"minidock does not implement image push yet"}' "$code $(cat "$T/body")"
code=$(api -o "$T/body" -w '%{http_code}' http://x/v1.50/plugins)
expect_eq "GET /plugins: 501 naming it" '501 {"message":"minidock does not implement plugins yet"}' "$code $(cat "$T/body")"
code=$(api -o "$T/body" -w '%{http_code}' -X PUT -d '{}' http://x/v1.50/volumes/v1)
expect_eq "PUT /volumes/{name}: 503, cluster volumes only" '503 {"message":"volume update only valid for cluster volumes, but swarm is not enabled"}' "$code $(cat "$T/body")"
expect_eq "HEAD /containers/{id}/attach/ws: 501" 501 "$(api -o /dev/null -w '%{http_code}' -I http://x/v1.50/containers/abc/attach/ws)"
expect_eq "POST /swarm/init: 501, not 404" 501 "$(api -o /dev/null -w '%{http_code}' -X POST -d '{}' http://x/v1.50/swarm/init)"
expect_eq "a route docker lacks: 404 page not found" '404 {"message":"page not found"}' \
    "$(api -o "$T/body" -w '%{http_code}' -X POST http://x/v1.50/swarm/nonsense) $(cat "$T/body")"
out=$(SOCK=$SOCK timeout 60 /usr/bin/python3 -c '
import os, docker
c = docker.APIClient(base_url="unix://" + os.environ["SOCK"])
print("left", c.leave_swarm(force=True))' 2>&1)
expect_eq "docker-py leave_swarm(force=True) returns without raising" "left True" "$out"
ct=$(curl -s -o /dev/null -w '%{content_type}' --unix-socket "$SOCK" http://x/nope)
expect_eq "error Content-Type is exactly application/json" "application/json" "$ct"
code=$(api -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -d '{"Image": "busybox", ' http://x/v1.50/containers/create)
expect_eq "malformed JSON body: 400" 400 "$code"
expect_eq "daemon still serves after bad requests" "OK" "$(api http://x/_ping)"

# --- client errors
expect_rc "minidock: unreachable daemon exits 1" 1 "$MINIDOCK" -H "unix://$T/nothing.sock" version
expect_match "minidock: unreachable daemon message (docker's wording)" \
    "^Cannot connect to the minidock daemon at unix://$T/nothing.sock. Is the minidock daemon running\?$" "$OUT"
# A user outside the socket's group (no minidock group on a test host: the
# socket is root:root 0660) is told so, in docker's words, not "not running".
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
expect_rc "minidock as a user outside the socket's group exits 1" 1 \
    nobody "$MINIDOCK" -H "unix://$SOCK" stop -t 2 web
esc_sock=$(sed 's,/,%2F,g' <<<"$SOCK")
expect_eq "... with docker's permission-denied message" \
    "permission denied while trying to connect to the minidock daemon socket at unix://$SOCK: Post \"http://$esc_sock/v1.50/containers/web/stop?t=2\": dial unix $SOCK: connect: permission denied" \
    "$OUT"
expect_rc "docker as that user: the same exit code" 1 nobody env DOCKER_CONFIG=$T/nobody-config docker -H "unix://$SOCK" stop -t 2 web
expect_match "docker as that user: the same message" "^permission denied while trying to connect to the Docker daemon socket at unix://$SOCK: Post \"http://$esc_sock/v1.50/containers/web/stop\?t=2\": dial unix $SOCK: connect: permission denied" "$OUT"
# docker 28: a bad flag is 125, an unknown command or a wrong argument count 1
expect_rc "minidock: unknown command exits 1 (as docker 28)" 1 md frobnicate
expect_match "minidock: unknown command message" "^minidock: unknown command: minidock frobnicate" "$OUT"
expect_rc "minidock: missing argument exits 1 (as docker 28)" 1 md stop
expect_match "minidock: missing argument message" "^minidock: 'minidock stop' requires at least 1 argument" "$OUT"
expect_rc "minidock: unknown flag exits 125" 125 md version --bogus
expect_match "minidock: unknown flag message" 'unknown flag: --bogus' "$OUT"
expect_rc "minidock --help exits 0" 0 md --help
expect_rc "minidock version --help exits 0" 0 md version --help
expect_match "minidock version --help shows usage" 'Usage: +minidock version' "$OUT"
expect_rc "minidock help exits 0 (as docker help)" 0 md help
expect_eq "... and prints what --help prints" "$(md --help)" "$OUT"
expect_eq "minidock help stop: stop's --help" "$(md stop --help)" "$(md help stop)"
mgmt=$(md --help | sed -n '/^Management Commands:/,/^$/p')
for g in container image network system; do
    expect_match "--help lists $g under Management Commands" "^  $g +Manage " "$mgmt"
done
expect_eq "minidock network --help: docker's layout, no run-together names" \
    "$(dk network --help | sed 's/docker/minidock/g')" "$(md network --help)"

# --- templates
expect_eq "minidock version --format" "$(md version --format '{{.Server.Version}} {{.Server.APIVersion}}')" "$(dk version --format '{{.Server.Version}} {{.Server.APIVersion}}')"
expect_eq "minidock info --format matches docker's" "$(dk info --format '{{.CgroupVersion}}/{{.NCPU}}/{{.DockerRootDir}}')" "$(md info --format '{{.CgroupVersion}}/{{.NCPU}}/{{.DockerRootDir}}')"

# --- not root
expect_rc "minidockd refuses to run as a normal user" 1 \
    setpriv --reuid=65534 --regid=65534 --clear-groups "$MINIDOCKD" --socket "$T/u.sock" --data-root "$T/udata" --exec-root "$T/uexec"
expect_match "... and says why" "must run as root" "$OUT"

# --- make install puts binaries, man pages and contrib files under DESTDIR
if make -s -C "$ROOT" install DESTDIR="$T/inst" PREFIX=/usr/local >"$T/install.log" 2>&1; then
    for f in bin/minidock sbin/minidockd libexec/minidock/minidock-shim share/man/man1/minidock.1 \
        share/man/man8/minidockd.8 share/minidock/mkimage-busybox.sh \
        lib/systemd/system/minidockd.service lib/sysusers.d/minidock.conf; do
        [ -e "$T/inst/usr/local/$f" ] && ok "make install: $f" || not_ok "make install: $f missing"
    done
    expect_match "make install DESTDIR=...: leaves the host's groups alone" \
        "DESTDIR set: not creating group minidock" "$(cat "$T/install.log")"
    # the installed demo uses the installed binaries and scripts (pointed at
    # this suite's daemon, so it starts none of its own; its image cache is
    # the suite's, seeded with the busybox .deb the other suites cached)
    mkdir -p "$T/demo-cache"
    cp "${MINIDOCK_CACHE:-/var/cache/minidock}"/busybox-static_*.deb "$T/demo-cache/" 2>/dev/null
    expect_rc "installed share/minidock/demo.sh works" 0 env -C / MINIDOCK_SOCK="$SOCK" \
        MINIDOCK_CACHE="$T/demo-cache" "$T/inst/usr/local/share/minidock/demo.sh"
    expect_match "... and runs a container" "^hello from a container$" "$OUT"
    md rm -f demo-web >/dev/null 2>&1
else
    not_ok "make install failed"; cat "$T/install.log"
fi

# --- the socket and the lock
mode=$(stat -c %a "$SOCK")
expect_eq "socket mode 0660" 660 "$mode"
expect_rc "a second daemon on the same data root is refused" 1 \
    "$MINIDOCKD" --socket "$T/other.sock" --data-root "$DATA" --exec-root "$T/exec2"
expect_match "refusal names the data root" "data root $DATA is in use by another minidockd" "$OUT"
expect_rc "a second daemon on the same socket is refused" 1 \
    "$MINIDOCKD" --socket "$SOCK" --data-root "$T/data2" --exec-root "$T/exec2"
expect_match "refusal names the socket" "socket $SOCK is in use by a running daemon" "$OUT"
rm -rf "$T/data2" "$T/exec2"
[ ! -e "$T/other.sock" ] && ok "refused daemon left no socket" || not_ok "refused daemon left $T/other.sock"

# --- graceful stop, then a stale socket is replaced
daemon_stop
[ ! -e "$SOCK" ] && ok "SIGTERM removes the socket" || not_ok "socket left after SIGTERM"
python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" "$SOCK"
# --group: the socket belongs to that group, whose members may use it
daemon_start --group nogroup && ok "a stale socket file is replaced" || not_ok "daemon refused a stale socket"
expect_eq "serves after replacing the stale socket" "OK" "$(api http://x/_ping)"
expect_eq "--group nogroup: socket root:nogroup 0660" "root:nogroup 660" "$(stat -c '%U:%G %a' "$SOCK")"
expect_rc "a member of the socket's group may use it" 0 nobody "$MINIDOCK" -H "unix://$SOCK" version --format '{{.Server.APIVersion}}'
expect_eq "... and is answered" "1.50" "$OUT"
# (timeout: a daemon that accepted the group would serve in the foreground)
expect_rc "a --group that does not exist is refused" 1 \
    timeout 60 "$MINIDOCKD" --group "nosuch$TAG" --socket "$T/g.sock" --data-root "$T/data3" --exec-root "$T/exec3"
expect_match "... naming the group" "group nosuch$TAG not found" "$OUT"
[ ! -e "$T/g.sock" ] && ok "... before making the socket" || not_ok "refused daemon left $T/g.sock"
rm -rf "$T/data3" "$T/exec3"
suite_end
