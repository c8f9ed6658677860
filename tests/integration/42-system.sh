#!/bin/bash
# system df, system prune (and the prune endpoints it calls) and events,
# with our client, the stock docker CLI and docker-py: df's numbers against
# what was made (an image's size, 1 MiB written in a container and in a
# volume), docker's tables byte for byte, prune removing exactly what docker
# would, its prompt and filters, the events of a run --rm between --since
# and --until, and the request checks (unknown filters and types: 400).
. "$(dirname "$0")/lib.sh"
suite_begin system
daemon_start || { not_ok "daemon starts"; suite_end; exit 1; }
bb=$(busybox_archive) && md load -i "$bb" >/dev/null && ok "busybox image loaded" || not_ok "load busybox"
export TZ=UTC # the event lines carry the local zone
status() { api -o /dev/null -w '%{http_code}' "$@"; }
MIB=1048576

# ---- df ----
IMGSIZE=$(api http://x/images/json | jq '.[0].Size')
md volume create dfvol >/dev/null
md run --name dfw -v dfvol:/v busybox sh -c "dd if=/dev/zero of=/big bs=$MIB count=1 2>/dev/null; dd if=/dev/zero of=/v/f bs=$MIB count=1 2>/dev/null"
md run -d --name dfr busybox sleep 1000 >/dev/null
DF=$(api http://x/system/df)
expect_eq "df: LayersSize is the image's size" "$IMGSIZE" "$(jq .LayersSize <<<"$DF")"
expect_eq "df: the image, its size, no shared bytes, used by 2 containers" "busybox:latest $IMGSIZE 0 2" \
    "$(jq -r '.Images[] | "\(.RepoTags[0]) \(.Size) \(.SharedSize) \(.Containers)"' <<<"$DF")"
expect_eq "df: the container that wrote 1 MiB has SizeRw 1 MiB, SizeRootFs adds the image" \
    "$MIB $((MIB + IMGSIZE))" "$(jq -r '.Containers[] | select(.Names[0] == "/dfw") | "\(.SizeRw) \(.SizeRootFs)"' <<<"$DF")"
expect_eq "df: the running one wrote nothing" "0 running" \
    "$(jq -r '.Containers[] | select(.Names[0] == "/dfr") | "\(.SizeRw) \(.State)"' <<<"$DF")"
expect_eq "df: the volume with a 1 MiB file: its size, one container refers to it" "dfvol $MIB 1" \
    "$(jq -r '.Volumes[] | "\(.Name) \(.UsageData.Size) \(.UsageData.RefCount)"' <<<"$DF")"
expect_eq "df: BuildCache is an empty list" "[]" "$(jq -c .BuildCache <<<"$DF")"
expect_eq "volume inspect has no UsageData (df only, as docker)" "null" \
    "$(api http://x/volumes/dfvol | jq -c .UsageData)"
expect_eq "df?type=volume: only volumes" "0 null null 1 null" \
    "$(api 'http://x/system/df?type=volume' | jq -r '"\(.LayersSize) \(.Images) \(.Containers) \(.Volumes | length) \(.BuildCache)"')"
expect_eq "df?type=container&type=image" "1 2 null" \
    "$(api 'http://x/system/df?type=container&type=image' | jq -r '"\(.Images | length) \(.Containers | length) \(.Volumes)"')"
expect_eq "df?type=bogus: 400" 400 "$(status 'http://x/system/df?type=bogus')"
expect_eq "... naming it" "unknown object type: bogus" "$(api 'http://x/system/df?type=bogus' | jq -r .message)"
expect_eq "before API 1.42 type= is not read" 200 "$(status 'http://x/v1.41/system/df?type=bogus')"
# two images on one layer (the same tar imported twice, different configs)
mkdir -p "$T/tiny" && echo tiny >"$T/tiny/f" && tar -C "$T/tiny" -cf "$T/tiny.tar" .
md import -c 'CMD ["a"]' "$T/tiny.tar" shared1 >/dev/null
md import -c 'CMD ["b"]' "$T/tiny.tar" shared2 >/dev/null
expect_eq "df: two images on one layer: each shares it, LayersSize counts it once" "5 5 $((IMGSIZE + 5))" \
    "$(api http://x/system/df | jq -r '[(.Images[] | select(.RepoTags[0] | startswith("shared")) | .SharedSize), .LayersSize] | map(tostring) | join(" ")')"
md rmi shared1 shared2 >/dev/null
expect_eq "images?shared-size=1 fills SharedSize" "0" "$(api 'http://x/images/json?shared-size=1' | jq '.[0].SharedSize')"
expect_eq "images without shared-size: -1" "-1" "$(api 'http://x/images/json' | jq '.[0].SharedSize')"

for c in md dk; do
    $c system df >"$T/df.$c"
    expect_match "$c: system df" "^TYPE +TOTAL +ACTIVE +SIZE +RECLAIMABLE,Images +1 +1 +[0-9.]+MB +0B \(0%\),Containers +2 +1 +1.049MB +1.049MB \(100%\),Local Volumes +1 +1 +1.049MB +0B \(0%\),Build Cache +0 +0 +0B +0B$" \
        "$(paste -sd, "$T/df.$c")"
    expect_eq "$c: system df --format json" '{"Active":"1","Reclaimable":"1.049MB (100%)","Size":"1.049MB","TotalCount":"2","Type":"Containers"}' \
        "$($c system df --format json | sed -n 2p)"
    expect_eq "$c: system df --format TEMPLATE" "Images:1 Containers:2 Local Volumes:1 Build Cache:0" \
        "$($c system df --format '{{.Type}}:{{.TotalCount}}' | paste -sd' ')"
    $c system df -v >"$T/dfv.$c"
    expect_match "$c: system df -v: the sections" "^Images space usage:,,REPOSITORY +TAG +IMAGE ID +CREATED +SIZE +SHARED SIZE +UNIQUE SIZE +CONTAINERS,busybox +latest .* 2,,Containers space usage:,,CONTAINER ID +IMAGE +COMMAND +LOCAL VOLUMES +SIZE +CREATED +STATUS +NAMES,.*,,Local Volumes space usage:,,VOLUME NAME +LINKS +SIZE,dfvol +1 +1.049MB,,Build cache usage: 0B,,CACHE ID +CACHE TYPE +SIZE +CREATED +LAST USED +USAGE +SHARED$" \
        "$(paste -sd, "$T/dfv.$c")"
    expect_match "$c: ... the writer's row shows 1.05MB" '^[0-9a-f]{12} +busybox +"sh -c dd if=/dev/ze…" +1 +1.05MB .* dfw$' "$(cat "$T/dfv.$c")"
    $c system df -v --format '{{json .}}' >"$T/dfvj.$c"
    expect_eq "$c: system df -v --format '{{json .}}': one object of every kind" "1 2 1 0" \
        "$(jq -r '"\(.Images | length) \(.Containers | length) \(.Volumes | length) \(.BuildCache | length)"' "$T/dfvj.$c")"
done
expect_eq "system df: the same bytes from both clients" "" "$(diff "$T/df.md" "$T/df.dk")"
# the clients ran a second apart: ages and uptimes may differ, and column widths with them
ages() { sed -E 's/(Less than a second|[0-9]+ seconds?)/T/g' "$1" | tr -s ' '; }
expect_eq "system df -v: the same text from both clients" "" "$(diff <(ages "$T/dfv.md") <(ages "$T/dfv.dk"))"
noages() { jq -c '.Containers[] |= del(.RunningFor, .Status)' "$1"; }
expect_eq "system df -v --format json: the same JSON from both clients" "" "$(diff <(noages "$T/dfvj.md") <(noages "$T/dfvj.dk"))"
expect_rc "system df takes no arguments" 1 md system df x
out=$(SOCK=$SOCK timeout 120 /usr/bin/python3 - <<'PY' 2>&1
import os, docker
c = docker.DockerClient(base_url="unix://" + os.environ["SOCK"])
df = c.df()
print(sorted(df), df["LayersSize"] > 0, [v["UsageData"]["Size"] for v in df["Volumes"]])
PY
)
expect_eq "docker-py: client.df()" "['BuildCache', 'Containers', 'Images', 'LayersSize', 'Volumes'] True [$MIB]" "$out"
md rm -f dfw dfr >/dev/null
md volume rm dfvol >/dev/null

# ---- prune ----
# the same state for each client: running and stopped containers, a
# created one, a labelled one, a dangling image, an anonymous and a named
# unused volume, an unused and a used network
prune_state() {
    local c=$1
    md run -d --name "keep-$c" busybox sleep 1000 >/dev/null
    STOPPED=$(md run --name "stopped-$c" -v /anon busybox true; md inspect -f '{{.Id}}' "stopped-$c")
    ANON=$(md inspect -f '{{range .Mounts}}{{.Name}}{{end}}' "stopped-$c")
    CREATED=$(md create --name "created-$c" busybox true)
    LABELLED=$(md create --name "labelled-$c" --label pr=yes busybox true)
    DANGLING=$(md import "$T/tiny.tar")
    LAYER=$(api "http://x/images/$DANGLING/json" | jq -r '.RootFS.Layers[0]') # its chain id too
    md volume create "named-$c" >/dev/null
    md network create "unused-$c" >/dev/null
    md network create "used-$c" >/dev/null
    md network connect "used-$c" "keep-$c"
}
sorted() { printf '%s\n' "$@" | sort; }
prune_scenario() {
    local c=$CLI
    prune_state "$c"
    out=$(echo n | $c system prune); rc=$?
    expect_eq "$c: system prune asks docker's question; no means no" "0 WARNING! This will remove:
  - all stopped containers
  - all networks not used by at least one container
  - all dangling images
  - unused build cache

Are you sure you want to continue? [y/N] " "$rc $out"
    expect_eq "$c: ... and nothing was removed" "4" "$(md ps -aq | wc -l)"
    out=$(echo n | $c system prune -a --volumes --filter label=pr=yes --filter label!=x)
    expect_eq "$c: the question with -a, --volumes and filters" "WARNING! This will remove:
  - all stopped containers
  - all networks not used by at least one container
  - all anonymous volumes not used by at least one container
  - all images without at least one container associated to them
  - all build cache

  Items to be pruned will be filtered with:
  - label!=x
  - label=pr=yes

Are you sure you want to continue? [y/N] " "$out"
    expect_rc "$c: until= is refused with --volumes" 1 $c system prune -f --volumes --filter until=1h
    expect_eq "$c: ... with docker's message" 'ERROR: The "until" filter is not supported with "--volumes"' "$OUT"

    # a label filter: only what carries the label
    out=$($c system prune -f --filter label=pr=yes)
    expect_eq "$c: system prune -f --filter label=pr=yes takes only the labelled container" "Deleted Containers:
$LABELLED

Total reclaimed space: 0B" "$out"
    # until= in the past: nothing is old enough
    expect_eq "$c: system prune -f --filter until=2000-01-01 removes nothing" "Total reclaimed space: 0B" \
        "$($c system prune -f --filter until=2000-01-01)"

    out=$($c system prune -f)
    expect_eq "$c: system prune -f: the stopped and the created container" "$(sorted "$STOPPED" "$CREATED")" \
        "$(sed -n '/^Deleted Containers:$/,/^$/p' <<<"$out" | sed '1d;$d' | sort)"
    expect_eq "$c: ... the unused network, the dangling image and its layer, the total" "Deleted Networks:
unused-$c

Deleted Images:
deleted: $DANGLING
deleted: $LAYER

Total reclaimed space: 5B" "$(sed '/^Deleted Containers:$/,/^$/d' <<<"$out")"
    expect_eq "$c: ... the running container stays" "keep-$c" "$(md ps -a --format '{{.Names}}')"
    expect_eq "$c: ... volumes stay without --volumes" "$(sorted "$ANON" "named-$c")" "$(md volume ls -q | sort)"
    expect_eq "$c: ... the used network stays" "used-$c" "$(md network ls -f name=used-$c --format '{{.Name}}')"
    out=$($c system prune -f --volumes)
    expect_eq "$c: system prune -f --volumes: the anonymous volume only" "Deleted Volumes:
$ANON

Total reclaimed space: 0B" "$out"
    expect_eq "$c: ... the named one stays" "named-$c" "$(md volume ls -q)"
    md rm -f "keep-$c" >/dev/null
    md network rm "used-$c" >/dev/null
    md volume rm "named-$c" >/dev/null
}
run_both prune_scenario
expect_eq "busybox is still there (not dangling, -a not given)" "busybox:latest" "$(md images --format '{{.Repository}}:{{.Tag}}')"

# the prune verbs on their own, and docker-py
for c in md dk; do
    md create --name "pv-$c" busybox true >/dev/null
    out=$(echo n | $c container prune); rc=$?
    expect_eq "$c: container prune's question" "0 WARNING! This will remove all stopped containers.
Are you sure you want to continue? [y/N] " "$rc $out"
    expect_match "$c: container prune -f" "^Deleted Containers:$" "$($c container prune -f)"
    md network create "pn-$c" >/dev/null
    expect_eq "$c: network prune -f prints no total" "Deleted Networks:
pn-$c" "$($c network prune -f)"
done
md create --name pyc busybox true >/dev/null
out=$(SOCK=$SOCK timeout 120 /usr/bin/python3 - <<'PY' 2>&1
import os, docker
c = docker.DockerClient(base_url="unix://" + os.environ["SOCK"])
r = c.containers.prune()
print(len(r["ContainersDeleted"]), r["SpaceReclaimed"])
print(c.containers.prune())
PY
)
expect_eq "docker-py: containers.prune()" "1 0
{'ContainersDeleted': None, 'SpaceReclaimed': 0}" "$out"

# every prune endpoint checks its filters
for p in containers networks images volumes build; do
    expect_eq "POST /$p/prune with an unknown filter: 400" 400 \
        "$(status -g -X POST "http://x/$p/prune?filters={\"nope\":{\"x\":true}}")"
    expect_match "... naming it" "nope" "$(api -g -X POST "http://x/$p/prune?filters={\"nope\":{\"x\":true}}")"
done
expect_eq "POST /volumes/prune: an empty list when nothing went, as moby" '{"VolumesDeleted":[],"SpaceReclaimed":0}' \
    "$(api -X POST http://x/volumes/prune | jq -c .)"
expect_eq "POST /containers/prune: null when nothing went, as moby" '{"ContainersDeleted":null,"SpaceReclaimed":0}' \
    "$(api -X POST http://x/containers/prune | jq -c .)"
expect_eq "POST /build/prune: nothing to remove" '{"CachesDeleted":null,"SpaceReclaimed":0}' "$(api -X POST http://x/build/prune)"
expect_eq "POST /build/prune with a bad keep-storage: 400" 400 "$(status -X POST 'http://x/build/prune?keep-storage=lots')"
expect_eq "GET /events with an unknown filter: 400" 400 "$(status -g 'http://x/events?filters={"nope":{"x":true}}')"
expect_match "... naming it" "nope" "$(api -g 'http://x/events?filters={"nope":{"x":true}}')"

# ---- events ----
# CLI with a bound on how long it may take (lib.sh's md and dk are functions,
# which timeout cannot run): a stream that does not end at --until fails
bounded() {
    local c=$1
    shift
    if [ "$c" = md ]; then
        timeout 30 "$MINIDOCK" -H "unix://$SOCK" "$@"
    else
        DOCKER_CONFIG=$T/docker-config timeout 30 docker -H "unix://$SOCK" "$@"
    fi
}
events_scenario() {
    local c=$CLI since until
    since=$(date +%s.%N)
    $c run --rm --name "ev-$c" busybox true
    until=$(date +%s.%N) # run --rm returns once the container is gone, its events sent
    expect_eq "$c: events --since --until: the container events of run --rm" "create
attach
start
die
destroy" "$(bounded $c events --since "$since" --until "$until" --filter container="ev-$c" --filter type=container --format '{{.Action}}')"
    out=$(bounded $c events --since "$since" --until "$until" --filter container="ev-$c" --filter event=start)
    expect_match "$c: events prints docker's line" \
        "^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z container start [0-9a-f]{64} \(image=busybox, name=ev-$c\)$" "$out"
    expect_eq "$c: events --format '{{json .}}'" "die container ev-$c 0" \
        "$(bounded $c events --since "$since" --until "$until" --filter container="ev-$c" --filter event=die --format '{{json .}}' |
            jq -r '"\(.status) \(.Type) \(.Actor.Attributes.name) \(.Actor.Attributes.exitCode)"')"
    expect_eq "$c: system events is the same command" "destroy" \
        "$(bounded $c system events --since "$since" --until "$until" --filter container="ev-$c" --filter event=destroy --format '{{.Status}}')"
    expect_rc "$c: events --since with a bad value" 1 $c events --since bogus --until 1
    expect_eq "$c: ... docker's message" 'failed to parse value as time or duration: "bogus"' "$OUT"
    expect_rc "$c: events with a bad template" 64 $c events --format '{{.Action' --until 1
}
run_both events_scenario

# without --until: streams until interrupted
# --since: what happens before it is connected is replayed, not lost
S=$(date +%s.%N) # here: in the background job's line it would be read late
md events --since "$S" --filter container=evstream --format '{{.Action}}' >"$T/stream.out" 2>&1 &
EVPID=$!
md run --rm --name evstream busybox true
expect_settles "events follows: it shows the new events" "create attach start die destroy" bash -c "paste -sd' ' '$T/stream.out'"
# a script's background job has SIGINT ignored (POSIX), so TERM stands in
kill -TERM "$EVPID"
wait "$EVPID"
expect_eq "events ends when signalled" "143" "$?"

out=$(SOCK=$SOCK timeout 120 /usr/bin/python3 - <<'PY' 2>&1
import os, time, docker
c = docker.DockerClient(base_url="unix://" + os.environ["SOCK"])
since = "%.9f" % time.time()
c.containers.run("busybox", "true", name="evpy", remove=True)
until = "%.9f" % time.time()
print([e["Action"] for e in c.events(decode=True, since=since, until=until, filters={"container": "evpy", "type": "container"})])
PY
)
# docker-py's run starts detached and waits: no attach
expect_eq "docker-py: events(decode=True, until=...)" "['create', 'start', 'die', 'destroy']" "$out"

suite_end
