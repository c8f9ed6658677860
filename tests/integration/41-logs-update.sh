#!/bin/bash
# json-file log options and docker update, with our client, the stock docker
# CLI and docker-py: rotation by max-size/max-file (files kept, sizes, logs
# in order across them, --tail, --since, -f across rotations), compress,
# attrs (labels, env, tag), docker's messages for bad options, rotation
# while the daemon is down, log files gone with rm; update of a running
# container's cgroup, inspect, restart policy obeyed, a stopped container's
# next start, refused fields.
. "$(dirname "$0")/lib.sh"
suite_begin logs-update
daemon_start || { not_ok "daemon starts"; suite_end; exit 1; }
bb=$(busybox_archive) && md load -i "$bb" >/dev/null && ok "busybox image loaded" || not_ok "load busybox"

logdir() { echo "$DATA/containers/$1"; }
# the log files of container id $1, names relative to its dir, sorted
logfiles() { (cd "$(logdir "$1")" && ls | grep -- '-json\.log' | sed "s/^$1//" | sort); }
# "ok" when stdin is the integers FIRST..LAST, one a line, in order
contiguous() { awk -v last="$1" 'NR > 1 && $1 != prev + 1 { bad = 1 } { prev = $1 } END { print (bad || prev != last) ? "gap or end " prev : "ok" }'; }

logs_scenario() {
    local c=$CLI n=rot-$CLI id
    id=$($c run -d --name "$n" --log-opt max-size=10k --log-opt max-file=3 busybox seq 1 20000)
    $c wait "$n" >/dev/null
    expect_eq "$c: max-file=3 keeps three files" "-json.log
-json.log.1
-json.log.2" "$(logfiles "$id")"
    local big
    big=$(find "$(logdir "$id")" -name '*-json.log*' -size +10200c | wc -l)
    expect_eq "$c: ... none much over max-size 10k (10000 bytes, one record over at most)" 0 "$big"
    expect_eq "$c: ... the rotated ones are full" 2 \
        "$(find "$(logdir "$id")" -name '*-json.log.[12]' -size +9900c | wc -l)"
    out=$($c logs "$n")
    expect_eq "$c: logs ends with the last line" 20000 "$(tail -n1 <<<"$out")"
    expect_eq "$c: ... and reads the rotated files first, in order, no line lost between" ok \
        "$(contiguous 20000 <<<"$out")"
    expect_match "$c: ... more lines than the written file holds" "^[0-9]{3,}$" \
        "$(($(wc -l <<<"$out") - $(wc -l <"$(logdir "$id")/$id-json.log")))"
    expect_eq "$c: logs --tail 5" "$(seq 19996 20000)" "$($c logs --tail 5 "$n")"
    expect_eq "$c: logs --tail 200 spans files" "$(seq 19801 20000)" "$($c logs --tail 200 "$n")"
    expect_eq "$c: logs --since 1h reads them all too" "$out" "$($c logs --since 1h "$n")"
    expect_eq "$c: inspect HostConfig.LogConfig" '{"Type":"json-file","Config":{"max-file":"3","max-size":"10k"}}' \
        "$($c inspect -f '{{json .HostConfig.LogConfig}}' "$n")"
    $c rm "$n" >/dev/null
    expect_eq "$c: rm removes the log files" no "$([ -e "$(logdir "$id")" ] && echo yes || echo no)"

    # max-size without max-file: one file, emptied when full
    id=$($c run -d --name "one-$c" --log-opt max-size=5k busybox seq 1 3000)
    $c wait "one-$c" >/dev/null
    expect_eq "$c: max-size alone keeps one file" "-json.log" "$(logfiles "$id")"
    expect_eq "$c: ... with the last lines" 3000 "$($c logs "one-$c" | tail -n1)"
    $c rm "one-$c" >/dev/null

    # compress: the rotated files are gzip'ed, logs still reads them
    id=$($c run -d --name "gz-$c" --log-opt max-size=10k --log-opt max-file=3 --log-opt compress=true busybox seq 1 20000)
    $c wait "gz-$c" >/dev/null
    expect_eq "$c: compress: the rotated files are .gz" "-json.log
-json.log.1.gz
-json.log.2.gz" "$(logfiles "$id")"
    expect_eq "$c: ... real gzip holding json-file records" "ok" \
        "$(/usr/bin/python3 -c 'import gzip, json, sys; [json.loads(l)["log"] for l in gzip.open(sys.argv[1])]; print("ok")' "$(logdir "$id")/$id-json.log.1.gz" 2>&1)"
    out=$($c logs "gz-$c")
    expect_eq "$c: ... logs reads through them, in order" "ok" "$(contiguous 20000 <<<"$out")"
    expect_eq "$c: ... logs --tail 200 across a .gz" "$(seq 19801 20000)" "$($c logs --tail 200 "gz-$c")"
    $c rm "gz-$c" >/dev/null

    # attrs: labels, env, tag in every record
    id=$($c run --name "attr-$c" --label team=a --label other=b -e FOO=bar -e BAZ=1 \
        --log-opt labels=team --log-opt env=FOO --log-opt 'tag={{.Name}}/{{.ID}}' busybox echo hi)
    id=$($c inspect -f '{{.Id}}' "attr-$c")
    expect_eq "$c: labels, env, tag go into each record's attrs" \
        "{\"FOO\":\"bar\",\"tag\":\"attr-$c/${id:0:12}\",\"team\":\"a\"}" \
        "$(jq -c .attrs "$(logdir "$id")/$id-json.log")"
    expect_eq "$c: ... and logs shows the output as before" "hi" "$($c logs "attr-$c")"
    $c rm "attr-$c" >/dev/null

    # bad options: docker's messages, exit 125, nothing created
    expect_rc "$c: max-file=0" 125 $c run --log-opt max-file=0 busybox true
    expect_match "$c: ... docker's message" "max-file cannot be less than 1" "$OUT"
    expect_rc "$c: unknown option" 125 $c run --log-opt max-sise=1k busybox true
    expect_match "$c: ... docker's message" "unknown log opt 'max-sise' for json-file log driver" "$OUT"
    expect_rc "$c: bad max-size" 125 $c run --log-opt max-size=lots busybox true
    expect_match "$c: ... docker's message" "invalid size: 'lots'" "$OUT"
    expect_rc "$c: compress without max-size" 125 $c run --log-opt compress=true busybox true
    expect_match "$c: ... docker's message" "compress cannot be true when max-file is less than 2 or max-size is not set" "$OUT"
    expect_rc "$c: max-file not a number (create: exit 1, as docker)" 1 $c create --log-opt max-file=x --log-opt max-size=1k busybox true
    expect_match "$c: ... Go's message" 'strconv.Atoi: parsing "x": invalid syntax' "$OUT"
    expect_eq "$c: ... and no container was left" "" "$($c ps -aq)"
}
run_both logs_scenario

# logs -f follows the output across rotations: every line, in order
id=$(md run -d --name follow --log-opt max-size=10k --log-opt max-file=5 busybox \
    sh -c 'sleep 1; i=0; while [ $i -lt 30 ]; do seq $((i*100+1)) $((i*100+100)); i=$((i+1)); sleep 0.1; done')
md logs -f follow >"$T/follow.out" 2>&1
expect_eq "logs -f: every line across the rotations, in order" ok "$(contiguous 3000 <"$T/follow.out")"
dk logs -f follow >"$T/follow-dk.out" 2>&1
expect_eq "docker logs -f of the finished container: the kept files" ok \
    "$(tail -n 300 "$T/follow-dk.out" | contiguous 3000)"
md rm follow >/dev/null

# rotation goes on while the daemon is down: the shim writes the log
mkdir -p "$T/flag"
id=$(md run -d --name away --log-opt max-size=10k --log-opt max-file=3 -v "$T/flag:/flag" busybox \
    sh -c 'while [ ! -e /flag/go ]; do sleep 0.1; done; seq 1 20000; sleep 300')
daemon_stop
touch "$T/flag/go"
expect_settles "with the daemon down the shim rotates" "-json.log
-json.log.1
-json.log.2" logfiles "$id"
daemon_start || not_ok "daemon restarts"
expect_eq "after the restart logs shows the last line" 20000 "$(md logs away | tail -n1)"
md rm -f away >/dev/null

# --- update
mem_of() { md exec "$1" cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || md exec "$1" cat /sys/fs/cgroup/memory.max; }

update_scenario() {
    local c=$CLI n=up-$CLI
    $c run -d --name "$n" --memory 32m busybox sleep 1000 >/dev/null
    expect_eq "$c: update --memory 64m prints the name" "$n" "$($c update --memory 64m "$n")"
    expect_eq "$c: ... the container's cgroup has the new limit" 67108864 "$(mem_of "$n")"
    expect_eq "$c: ... inspect shows it" 67108864 "$($c inspect -f '{{.HostConfig.Memory}}' "$n")"
    expect_rc "$c: update --memory above the memoryswap limit" 1 $c update --memory 128m "$n"
    expect_eq "$c: ... docker's message" "Error response from daemon: Cannot update container $($c inspect -f '{{.Id}}' "$n"): Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time" "$OUT"
    expect_eq "$c: ... nothing changed" 67108864 "$(mem_of "$n")"
    expect_eq "$c: update --memory 128m --memory-swap 256m" "$n" "$($c update -m 128m --memory-swap 256m "$n")"
    expect_eq "$c: ... cgroup" 134217728 "$(mem_of "$n")"
    expect_eq "$c: ... inspect" "134217728 268435456" "$($c inspect -f '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}' "$n")"
    expect_eq "$c: update --cpus 0.5 --cpu-shares 512 --pids-limit 40" "$n" \
        "$($c update --cpus 0.5 -c 512 --pids-limit 40 "$n")"
    expect_eq "$c: ... cpu and pids cgroups" "50000 512 40" \
        "$(md exec "$n" sh -c 'echo $(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/cpu/cpu.shares) $(cat /sys/fs/cgroup/pids/pids.max)')"

    # restart policy: changed, and obeyed when PID 1 dies
    expect_eq "$c: update --restart always" "$n" "$($c update --restart always "$n")"
    expect_eq "$c: ... inspect" always "$($c inspect -f '{{.HostConfig.RestartPolicy.Name}}' "$n")"
    kill -9 "$($c inspect -f '{{.State.Pid}}' "$n")"
    expect_settles "$c: ... the killed container is restarted" "1 true" \
        $c inspect -f '{{.RestartCount}} {{.State.Running}}' "$n"
    expect_eq "$c: ... with the updated limits" 134217728 "$(mem_of "$n")"

    # refused fields and bad values, nothing changed
    expect_rc "$c: update --cpuset-cpus is refused" 1 $c update --cpuset-cpus 0 "$n"
    expect_match "$c: ... naming the field" "minidock does not support CpusetCpus" "$OUT"
    expect_rc "$c: update with no flag" 1 $c update "$n"
    expect_match "$c: ... docker's message" "you must provide one or more flags when using this command" "$OUT"
    expect_rc "$c: update --memory 1m" 1 $c update --memory 1m --memory-swap 2m "$n"
    expect_match "$c: ... docker's message" "Minimum memory limit allowed is 6MB" "$OUT"
    expect_rc "$c: update of a missing container" 1 $c update --memory 64m "nosuch-$c"
    expect_match "$c: ... No such container" "No such container: nosuch-$c" "$OUT"
    $c rm -f "$n" >/dev/null

    # a stopped container: the next start has the new limits
    $c create --name "st-$c" busybox cat /sys/fs/cgroup/pids/pids.max >/dev/null
    expect_eq "$c: update of a created container" "st-$c" "$($c update --pids-limit 50 "st-$c")"
    expect_eq "$c: ... its start has the new limit" 50 "$($c start -a "st-$c")"
    expect_eq "$c: ... inspect" 50 "$($c inspect -f '{{.HostConfig.PidsLimit}}' "st-$c")"
    $c rm "st-$c" >/dev/null

    # several at once: each name, errors after
    $c create --name "m1-$c" busybox true >/dev/null
    $c create --name "m2-$c" busybox true >/dev/null
    expect_rc "$c: update of three, one missing" 1 $c update --restart on-failure:2 "m1-$c" "nosuch-$c" "m2-$c"
    expect_eq "$c: ... the names on stdout, the error on stderr" "m1-$c
m2-$c
Error response from daemon: No such container: nosuch-$c" "$OUT"
    expect_eq "$c: ... both updated" "on-failure 2 on-failure 2" \
        "$($c inspect -f '{{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}' "m1-$c" "m2-$c" | tr '\n' ' ' | sed 's/ $//')"
    $c rm "m1-$c" "m2-$c" >/dev/null
}
run_both update_scenario

# the API: refused fields answer 400 naming them; --rm containers keep no policy
md run -d --name apiu busybox sleep 1000 >/dev/null
expect_eq "API: CpuPeriod refused with 400" "400 minidock does not support CpuPeriod" \
    "$(api -o "$T/r.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{"CpuPeriod":50000}' http://x/containers/apiu/update) $(jq -r .message "$T/r.json")"
expect_eq "API: Ulimits refused too" 400 \
    "$(api -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{"Ulimits":[{"Name":"nofile","Soft":10,"Hard":10}]}' http://x/containers/apiu/update)"
expect_eq "API: the answer of an update" '{"Warnings":[]}' \
    "$(api -X POST -H 'Content-Type: application/json' -d '{"CpuShares":256}' http://x/containers/apiu/update | jq -c .)"
md rm -f apiu >/dev/null
md run -d --rm --name autorm busybox sleep 1000 >/dev/null
expect_rc "update --restart of an --rm container" 1 md update --restart always autorm
expect_match "... docker's message" "Restart policy cannot be updated because AutoRemove is enabled for the container" "$OUT"
md rm -f autorm >/dev/null

# the record survives a daemon restart with the update in it
md create --name persist busybox true >/dev/null
md update --memory 96m --memory-swap 192m persist >/dev/null
daemon_stop
daemon_start || not_ok "daemon restarts"
expect_eq "an update outlives a daemon restart" "100663296 201326592" \
    "$(md inspect -f '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}' persist)"
md rm persist >/dev/null

# docker-py: container.update, and log options through it
out=$(SOCK=$SOCK timeout 120 /usr/bin/python3 - <<'PY' 2>&1
import os, docker
c = docker.DockerClient(base_url="unix://" + os.environ["SOCK"])
ctr = c.containers.run("busybox", "sleep 1000", detach=True, name="py", mem_limit="32m",
                       log_config=docker.types.LogConfig(type="json-file", config={"max-size": "1m", "max-file": "2"}))
print("update", ctr.update(mem_limit="96m", memswap_limit="192m", restart_policy={"Name": "on-failure", "MaximumRetryCount": 2}))
ctr.reload()
hc = ctr.attrs["HostConfig"]
print("inspect", hc["Memory"], hc["MemorySwap"], hc["RestartPolicy"], hc["LogConfig"]["Config"])
print("cgroup", ctr.exec_run("cat /sys/fs/cgroup/memory/memory.limit_in_bytes").output.decode().strip())
try:
    ctr.update(cpuset_cpus="0")
except docker.errors.APIError as e:
    print("refused", e.status_code, e.explanation)
ctr.remove(force=True)
PY
)
expect_eq "docker-py: update, inspect, the cgroup, a refused field" "update {'Warnings': []}
inspect 100663296 201326592 {'Name': 'on-failure', 'MaximumRetryCount': 2} {'max-file': '2', 'max-size': '1m'}
cgroup 100663296
refused 400 minidock does not support CpusetCpus" "$out"

suite_end
