#!/bin/bash
# Healthchecks as docker runs them, with our client and the stock docker CLI:
# a passing probe makes a container healthy, a failing one unhealthy after
# its retries (FailingStreak, a log of at most 5 results with the output), a
# hanging one is killed at its timeout; the start period; an image's
# HEALTHCHECK and --no-healthcheck; ps's status text and health filter; the
# health_status and probe exec events; no probes while paused; health kept
# and probing resumed across a daemon restart; docker-py's State.Health;
# docker-compose's depends_on condition service_healthy.
. "$(dirname "$0")/lib.sh"
suite_begin health
for n in $(seq 150 190); do
    ip route | grep -q "^10\.$n\." || { SUBNET_BIP=10.$n.0.1/16; break; }
done
daemon_start --bip "$SUBNET_BIP" || { not_ok "daemon starts"; suite_end; exit 1; }
bb=$(busybox_archive) && md load -i "$bb" >/dev/null && ok "busybox image loaded" || not_ok "load busybox"

# an image whose config carries a HEALTHCHECK (docker import --change)
"$ROOT/contrib/mkimage-busybox.sh" --rootfs "$T/rootfs.tar" >"$T/mkimage.log" 2>&1 &&
    md import -c 'HEALTHCHECK --interval=200ms --retries=4 CMD echo from-image' -c 'CMD ["sleep", "300"]' \
        "$T/rootfs.tar" hcimg >/dev/null &&
    ok "image with a HEALTHCHECK imported" || not_ok "import the hcimg image"

# a state may take a while to be reached on a loaded machine: expect_settles (lib.sh)
# polls for up to SETTLE_TIMEOUT seconds
SETTLE_TIMEOUT=30
hstatus() { md inspect -f '{{.State.Health.Status}}' "$1"; }
hjson() { md inspect -f '{{json .State.Health}}' "$1"; }
nlog() { hjson "$1" | jq '.Log | length'; }
nlog_ge() { [ "$(nlog "$2")" -ge "$1" ] && echo yes || echo "only $(nlog "$2")"; }
last_start() { hjson "$1" | jq -r '.Log[-1].Start'; }
start_changed() { [ "$(last_start "$1")" != "$2" ] && echo changed || echo same; }
status_n() { hjson "$1" | jq -r '"\(.Status) \(.Log | length)"'; }

scenario() {
    local c=$CLI
    # a probe that passes
    $c run -d --name "ok-$c" --health-cmd 'echo ok-out; echo err-out >&2' --health-interval 200ms \
        busybox sleep 300 >/dev/null
    expect_settles "$c: a passing probe makes the container healthy" healthy hstatus "ok-$c"
    expect_eq "$c: inspect --format .State.Health.Status" healthy \
        "$($c inspect --format '{{.State.Health.Status}}' "ok-$c")"
    local h; h=$(hjson "ok-$c")
    expect_eq "$c: ... FailingStreak 0" 0 "$(jq '.FailingStreak' <<<"$h")"
    expect_eq "$c: ... its log: exit code and both streams' output" '0 "ok-out\nerr-out\n"' \
        "$(jq -r '.Log[0] | "\(.ExitCode) \(.Output | tojson)"' <<<"$h")"
    expect_match "$c: ... Start and End are RFC 3339 times" '^20[0-9-]+T[0-9:.]+Z 20[0-9-]+T[0-9:.]+Z$' \
        "$(jq -r '.Log[0] | "\(.Start) \(.End)"' <<<"$h")"
    expect_eq "$c: Config.Healthcheck as sent" '{"Test":["CMD-SHELL","echo ok-out; echo err-out >&2"],"Interval":200000000}' \
        "$($c inspect -f '{{json .Config.Healthcheck}}' "ok-$c")"
    expect_match "$c: ps shows (healthy)" '^Up .* \(healthy\)$' \
        "$($c ps --filter "name=ok-$c" --format '{{.Status}}')"

    # a probe that fails: unhealthy after --health-retries, the log capped at 5
    $c run -d --name "bad-$c" --health-cmd 'echo broken >&2; exit 3' --health-interval 200ms \
        --health-retries 2 busybox sleep 300 >/dev/null
    expect_settles "$c: a failing probe makes the container unhealthy" unhealthy hstatus "bad-$c"
    expect_settles "$c: ... its log keeps the last 5 results" 5 nlog "bad-$c"
    h=$(hjson "bad-$c")
    expect_eq "$c: ... each with exit code 3 and the output" '3 "broken\n"' \
        "$(jq -r '.Log | unique_by(.ExitCode, .Output) | .[] | "\(.ExitCode) \(.Output | tojson)"' <<<"$h")"
    local streak; streak=$(jq '.FailingStreak' <<<"$h")
    [ "$streak" -ge 5 ] && ok "$c: ... FailingStreak counts every failure ($streak)" ||
        not_ok "$c: ... FailingStreak $streak, want >= 5"
    expect_match "$c: ps shows (unhealthy)" '^Up .* \(unhealthy\)$' \
        "$($c ps --filter "name=bad-$c" --format '{{.Status}}')"

    # a probe that hangs is killed at its timeout
    $c run -d --name "hang-$c" --health-cmd 'echo started; sleep 60' --health-timeout 300ms \
        --health-interval 200ms --health-retries 1 busybox sleep 300 >/dev/null
    expect_settles "$c: a hanging probe makes the container unhealthy" unhealthy hstatus "hang-$c"
    expect_eq "$c: ... docker's timeout message with the output, exit -1" \
        '-1 "Health check exceeded timeout (300ms): started\n"' \
        "$(hjson "hang-$c" | jq -r '.Log[0] | "\(.ExitCode) \(.Output | tojson)"')"
    expect_settles "$c: ... three times" yes nlog_ge 3 "hang-$c"
    # each probe would live 60 s unless killed: they would pile up
    local n; n=$($c exec "hang-$c" ps -o args | grep -c '^sleep 60')
    [ "$n" -le 1 ] && ok "$c: ... killed probes do not pile up ($n running)" ||
        not_ok "$c: ... $n probes still running"

    # the start period: failures do not count while starting
    $c run -d --name "slow-$c" --health-cmd 'exit 1' --health-interval 1h --health-start-period 2h \
        --health-start-interval 200ms busybox sleep 300 >/dev/null
    expect_settles "$c: probes run at the start interval" yes nlog_ge 2 "slow-$c"
    expect_eq "$c: ... failures inside the start period do not count" "starting 0" \
        "$(hjson "slow-$c" | jq -r '"\(.Status) \(.FailingStreak)"')"
    expect_match "$c: ps shows (health: starting)" '^Up .* \(health: starting\)$' \
        "$($c ps --filter "name=slow-$c" --format '{{.Status}}')"

    # the image's HEALTHCHECK, overridden field by field, or turned off
    $c run -d --name "img-$c" hcimg >/dev/null
    expect_settles "$c: an image's HEALTHCHECK runs" healthy hstatus "img-$c"
    expect_eq "$c: ... its output" "from-image" "$(hjson "img-$c" | jq -r '.Log[0].Output' | tr -d '\n')"
    $c create --name "imgover-$c" --health-retries 9 hcimg >/dev/null
    expect_eq "$c: --health-retries keeps the image's test and interval" \
        '{"Test":["CMD-SHELL","echo from-image"],"Interval":200000000,"Retries":9}' \
        "$($c inspect -f '{{json .Config.Healthcheck}}' "imgover-$c")"
    $c run -d --name "none-$c" --no-healthcheck hcimg >/dev/null
    expect_eq "$c: --no-healthcheck: Test NONE" '["NONE"]' \
        "$($c inspect -f '{{json .Config.Healthcheck.Test}}' "none-$c")"
    expect_eq "$c: ... no State.Health" "null" "$($c inspect -f '{{json .State.Health}}' "none-$c")"
    expect_match "$c: ... ps shows no health" '^Up [^(]*$' \
        "$($c ps --filter "name=none-$c" --format '{{.Status}}')"

    # the health filter
    expect_eq "$c: ps --filter health=healthy" "img-$c ok-$c" \
        "$($c ps --filter health=healthy --format '{{.Names}}' | grep -- "-$c$" | sort | xargs)"
    expect_eq "$c: ps --filter health=unhealthy" "bad-$c hang-$c" \
        "$($c ps --filter health=unhealthy --format '{{.Names}}' | grep -- "-$c$" | sort | xargs)"
    expect_eq "$c: ps --filter health=starting" "slow-$c" \
        "$($c ps --filter health=starting --format '{{.Names}}' | grep -- "-$c$" | sort | xargs)"
    expect_eq "$c: ps -a --filter health=none" "imgover-$c none-$c" \
        "$($c ps -a --filter health=none --format '{{.Names}}' | grep -- "-$c$" | sort | xargs)"
    expect_rc "$c: ps --filter health=bogus fails" 1 $c ps --filter health=bogus
    expect_eq "$c: ... with docker's message" \
        "Error response from daemon: Unrecognised filter value for health: bogus" "$OUT"

    # paused: no probes; unpaused: probing again
    $c pause "ok-$c" >/dev/null
    local before; before=$(last_start "ok-$c")
    sleep 1
    expect_eq "$c: no probe runs while paused" same "$(start_changed "ok-$c" "$before")"
    $c unpause "ok-$c" >/dev/null
    expect_settles "$c: probes resume after unpause" changed start_changed "ok-$c" "$before"

    # stopped: the health stays in inspect, ps shows only the exit
    $c stop -t 0 "ok-$c" >/dev/null
    expect_eq "$c: a stopped container keeps its State.Health" healthy "$(hstatus "ok-$c")"
    expect_match "$c: ... ps -a shows the exit only" '^Exited \([0-9]+\) .* ago$' \
        "$($c ps -a --filter "name=ok-$c" --format '{{.Status}}')"
    local last; last=$(last_start "ok-$c")
    sleep 1
    expect_eq "$c: ... and no probe runs" same "$(start_changed "ok-$c" "$last")"

    # flag and API errors, in docker's words
    expect_rc "$c: --no-healthcheck with --health-cmd" 125 $c run --no-healthcheck --health-cmd true busybox true
    expect_match "$c: ... docker's message" "--no-healthcheck conflicts with --health-\* options" "$OUT"
    expect_rc "$c: --health-interval without a unit" 125 $c create --health-interval 5 busybox true
    expect_match "$c: ... Go's duration message" \
        'invalid argument "5" for "--health-interval" flag: time: missing unit in duration "5"' "$OUT"
    expect_rc "$c: --health-timeout negative" 125 $c create --health-timeout=-1s busybox true
    expect_match "$c: ... docker's message" "--health-timeout cannot be negative" "$OUT"
    expect_rc "$c: an interval under 1ms (create fails as docker's: exit 1)" 1 $c create --health-interval 500us busybox true
    expect_match "$c: ... the daemon's message" "Interval in Healthcheck cannot be less than 1ms" "$OUT"

    $c rm -f "ok-$c" "bad-$c" "hang-$c" "slow-$c" "img-$c" "imgover-$c" "none-$c" >/dev/null
}
run_both scenario

# the API: 400 with moby's message, nothing created
code=$(api -o "$T/out" -w '%{http_code}' -H 'Content-Type: application/json' -X POST \
    -d '{"Image":"busybox","Cmd":["true"],"Healthcheck":{"Test":["CMD","true"],"Retries":-1}}' \
    http://x/containers/create)
expect_eq "API: negative Retries is a 400" 400 "$code"
expect_eq "API: ... moby's message" "Retries in Healthcheck cannot be negative" "$(jq -r .message "$T/out")"
expect_eq "API: ... nothing was created" "" "$(md ps -a -q)"

# events: the probe's exec events and health_status (docker events)
t0=$(date +%s.%N)
dk run -d --name ev --health-cmd 'true' --health-interval 200ms busybox sleep 300 >/dev/null
expect_settles "events: container healthy" healthy hstatus ev
evs=$(dk events --since "$t0" --until "$(date +%s.%N)" --filter container=ev --format '{{.Action}}|{{index .Actor.Attributes "exitCode"}}')
expect_match "events: health_status: healthy" '^health_status: healthy\|$' "$evs"
expect_match "events: the probe's exec_create" '^exec_create: /bin/sh -c true\|$' "$evs"
expect_match "events: ... exec_start" '^exec_start: /bin/sh -c true\|$' "$evs"
expect_match "events: ... exec_die with its exit code" '^exec_die\|0$' "$evs"
expect_eq "events: health_status once (no repeat while it stays healthy)" 1 \
    "$(grep -c '^health_status' <<<"$evs")"
expect_eq "events (API): the same health_status event" "health_status: healthy" \
    "$(api "http://x/events?since=$t0&until=$(date +%s.%N)&filters=%7B%22event%22%3A%5B%22health_status%22%5D%7D" | jq -r .Action)"
md rm -f ev >/dev/null

# a daemon restart: health kept, reset to starting (as moby's restore), probing resumed.
# Interval 1h, start period 2h, start interval 200ms: probes every 200 ms until healthy,
# then none for an hour (moby's getInterval).
md run -d --name survivor --health-cmd 'echo alive' --health-interval 1h --health-start-period 2h \
    --health-start-interval 200ms busybox sleep 300 >/dev/null
expect_settles "restart: healthy before the restart" healthy hstatus survivor
first=$(hjson survivor | jq -c '.Log[0]')
expect_eq "restart: ... after one probe" 1 "$(nlog survivor)"
daemon_stop
daemon_start --bip "$SUBNET_BIP" || not_ok "daemon restarts"
expect_eq "restart: the container is still running" running "$(md inspect -f '{{.State.Status}}' survivor)"
expect_settles "restart: probing resumed (a second probe, healthy again)" "healthy 2" status_n survivor
expect_eq "restart: the result from before the restart is kept" "$first" "$(hjson survivor | jq -c '.Log[0]')"
md rm -f survivor >/dev/null

# docker-py reads State.Health
out=$(SOCK=$SOCK timeout 120 /usr/bin/python3 - <<'PY' 2>&1
import os, time, docker
c = docker.DockerClient(base_url="unix://" + os.environ["SOCK"])
ct = c.containers.run("busybox", ["sleep", "300"], detach=True, name="pyhealth",
                      healthcheck={"test": ["CMD", "echo", "py"], "interval": 200000000})
deadline = time.time() + 30
while time.time() < deadline:
    ct.reload()
    if ct.attrs["State"]["Health"]["Status"] == "healthy":
        break
    time.sleep(0.1)
h = ct.attrs["State"]["Health"]
print("health", h["Status"], h["FailingStreak"], h["Log"][0]["ExitCode"], h["Log"][0]["Output"].strip())
ct.remove(force=True)
PY
)
expect_eq "docker-py: attrs['State']['Health']" "health healthy 0 0 py" "$out"

# docker-compose: depends_on condition service_healthy waits for the healthcheck
P=$T/proj$TAG
mkdir -p "$P"
cp "$ROOT/tests/compose/health/docker-compose.yml" "$P/"
cd "$P" || exit 1
export DOCKER_HOST=unix://$SOCK
proj=$(basename "$P")
expect_rc "compose up -d" 0 timeout 120 docker-compose up -d
db=$(hjson "${proj}_db_1")
expect_eq "compose: db is healthy once up returns" healthy "$(jq -r .Status <<<"$db")"
healthy_at=$(jq -r '[.Log[] | select(.ExitCode == 0)][0].End' <<<"$db")
web_at=$(md inspect -f '{{.State.StartedAt}}' "${proj}_web_1")
[ -n "$healthy_at" ] && [[ "$web_at" > "$healthy_at" ]] &&
    ok "compose: web started after db became healthy ($web_at > $healthy_at)" ||
    not_ok "compose: web started at $web_at, db healthy at $healthy_at"
expect_match "compose ps: db Up (healthy)" "${proj}_db_1 .* Up \(healthy\)" "$(timeout 60 docker-compose ps)"
expect_rc "compose down -v" 0 timeout 120 docker-compose down -v
expect_eq "compose: nothing left after down -v" "" "$(md ps -a -q)$(md volume ls -q)"
expect_no_match "compose: the project network is gone" "${proj}_default" "$(md network ls)"
unset DOCKER_HOST
cd "$ROOT" || exit 1
suite_end
