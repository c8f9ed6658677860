#!/bin/bash
# The real clients people point at a Docker socket: docker-compose 1.29 and
# docker-py 5.0.3 (Debian packages) against minidockd.
. "$(dirname "$0")/lib.sh"
suite_begin real-clients
for n in $(seq 150 190); do
    ip route | grep -q "^10\.$n\." || { SUBNET_BIP=10.$n.0.1/16; break; }
done
daemon_start --bip "$SUBNET_BIP" || { not_ok "daemon starts"; suite_end; exit 1; }
bb=$(busybox_archive) && md load -i "$bb" >/dev/null && ok "busybox image loaded" || not_ok "load busybox"
export DOCKER_HOST=unix://$SOCK

# --- docker-compose: up, ps, service names, exec, logs, down
P=$T/proj$TAG
mkdir -p "$P"
cat >"$P/docker-compose.yml" <<'YML'
version: "3"
services:
  web:
    image: busybox
    command: sh -c 'echo compose-ok > /tmp/index.html; echo web-started; exec httpd -f -p 80 -h /tmp'
    ports: ["127.0.0.1:18097:80"]
    labels: {tier: front}
  client:
    image: busybox
    command: sleep 1000
YML
cd "$P" || exit 1
proj=$(basename "$P")
expect_rc "compose up -d" 0 timeout 120 docker-compose up -d
out=$(timeout 60 docker-compose ps)
expect_match "compose ps: web Up with its port" "${proj}_web_1 .* Up +127\.0\.0\.1:18097->80/tcp" "$out"
expect_match "compose ps: client Up" "${proj}_client_1 .* Up" "$out"
expect_eq "the published port answers" "compose-ok" "$(curl -s -m 2 --retry 10 --retry-connrefused http://127.0.0.1:18097/)"
expect_eq "compose exec: a service reaches another by name" "compose-ok" \
    "$(timeout 60 docker-compose exec -T client wget -q -O- http://web/ 2>&1 | tr -d '\r')"
expect_match "compose logs" "web-started" "$(timeout 60 docker-compose logs web 2>&1)"
expect_eq "compose labels reach the container" "front" "$(md inspect -f '{{index .Config.Labels "tier"}}' "${proj}_web_1")"
expect_rc "compose down" 0 timeout 120 docker-compose down
expect_eq "nothing left after down" "" "$(md ps -a -q)"
expect_no_match "the project network is gone" "${proj}_default" "$(md network ls)"
cd "$ROOT" || exit 1

# --- docker-py (its config's detachKeys goes into exec bodies as "detachKeys")
mkdir -p "$T/py-config" && echo '{"detachKeys":"ctrl-x"}' >"$T/py-config/config.json"
out=$(DOCKER_CONFIG=$T/py-config SOCK=$SOCK timeout 120 /usr/bin/python3 - <<'PY' 2>&1
import docker
c = docker.DockerClient(base_url="unix://" + __import__("os").environ["SOCK"])
print("version", c.version()["ApiVersion"])
print("run", c.containers.run("busybox", ["echo", "from-py"], remove=True).decode().strip())
ct = c.containers.run("busybox", ["sh", "-c", "echo bg; sleep 100"], detach=True, name="pyctr")
ct.reload()
print("status", ct.status)
print("list", [x.name for x in c.containers.list()])
ct.stop(timeout=1)
ct.reload()
print("stopped", ct.status, ct.attrs["State"]["ExitCode"])
print("logs", ct.logs().decode().strip())
ct.remove()
try:
    c.containers.get("pyctr")
except docker.errors.NotFound:
    print("gone")
ex = c.containers.run("busybox", ["sleep", "100"], detach=True, name="pyexec")
r = ex.exec_run(["sh", "-c", "echo exec-py; exit 3"])
print("exec_run", r.exit_code, r.output.decode().strip())
eid = c.api.exec_create(ex.id, ["true"])["Id"]
print("detachkeys", c.api.exec_inspect(eid)["DetachKeys"])
ex.remove(force=True)
print("images", sorted(t for i in c.images.list() for t in i.tags))
try:
    c.images.get("nosuchimage")
except docker.errors.ImageNotFound:
    print("imagenotfound")
PY
)
expect_match "docker-py: version" "^version 1\.50$" "$out"
expect_match "docker-py: run returns the output" "^run from-py$" "$out"
expect_match "docker-py: detached container running" "^status running$" "$out"
expect_match "docker-py: list" "^list \['pyctr'\]$" "$out"
expect_match "docker-py: stop (137: sleep ignores SIGTERM as PID 1)" "^stopped exited 137$" "$out"
expect_match "docker-py: logs" "^logs bg$" "$out"
expect_match "docker-py: remove" "^gone$" "$out"
expect_match "docker-py: exec_run gives the exit code and output" "^exec_run 3 exec-py$" "$out"
expect_match "docker-py: the config's detachKeys reach the exec (ctrl-x)" "^detachkeys GA==$" "$out"
expect_match "docker-py: images" "^images \['busybox:latest'\]$" "$out"
expect_match "docker-py: ImageNotFound for a missing image" "^imagenotfound$" "$out"
unset DOCKER_HOST
suite_end
