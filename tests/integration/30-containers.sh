#!/bin/bash
# Containers: the whole lifecycle with our client and the stock docker CLI,
# docker's output, exit codes and messages, and nothing left behind.
. "$(dirname "$0")/lib.sh"
suite_begin containers
daemon_start || { not_ok "daemon starts"; suite_end; exit 1; }
bb=$(busybox_archive) && md load -i "$bb" >/dev/null && ok "busybox image loaded" || not_ok "load busybox"

scenario() { # runs with CLI=md and CLI=dk
    local c=$CLI n=web-$CLI
    expect_eq "$c: run --rm echo prints hello" "hello" "$($c run --rm busybox echo hello 2>&1)"
    expect_rc "$c: run exits with the container's code" 3 $c run --rm busybox sh -c 'exit 3'
    expect_rc "$c: run of a missing binary exits 127" 127 $c run --rm busybox nosuch
    expect_match "$c: ... with docker's message" 'exec: "nosuch": executable file not found in \$PATH' "$OUT"
    out=$($c run --rm busybox sh -c 'echo out; echo err >&2' 2>/dev/null)
    expect_eq "$c: stdout and stderr stay apart" "out" "$out"
    out=$($c run --rm -e A=1 -w /tmp -u nobody -h myhost busybox sh -c 'echo $A $(pwd) $(id -u) $(hostname)')
    expect_eq "$c: -e -w -u -h" "1 /tmp 65534 myhost" "$out"
    out=$($c run --rm busybox sh -c 'grep -E "^(CapEff|Seccomp):" /proc/self/status | tr -s "\t" " "; unshare -n true 2>/dev/null || echo no-unshare')
    expect_eq "$c: docker's default capabilities and a seccomp filter" "CapEff: 00000000a80425fb
Seccomp: 2
no-unshare" "$out"
    # an --rm container's upper dir is deleted when it stops: its overlay
    # skips syncs; a kept container's must not
    expect_match "$c: --rm: the overlay is volatile" "overlay.*volatile" "$($c run --rm busybox grep ' / ' /proc/self/mountinfo)"
    out=$($c run --name "nv-$c" busybox grep ' / ' /proc/self/mountinfo)
    $c rm "nv-$c" >/dev/null
    [[ "$out" == *overlay* && "$out" != *volatile* ]] && ok "$c: a kept container's overlay is not volatile" \
        || not_ok "$c: a kept container's overlay: $out"
    out=$($c run --rm --cap-add SYS_ADMIN busybox sh -c 'grep "^Seccomp:" /proc/self/status | tr -s "\t" " "; unshare -n true && echo unshare')
    expect_eq "$c: --cap-add SYS_ADMIN: filtered still, and the filter lets unshare through" "Seccomp: 2
unshare" "$out"
    expect_eq "$c: --entrypoint with args" "hi there" "$($c run --rm --entrypoint echo busybox hi there)"
    out=$($c run --rm busybox sh -c 'echo $$; cat /proc/1/cmdline | tr "\0" " "')
    expect_eq "$c: the command is PID 1" "1 sh -c echo \$\$; cat /proc/1/cmdline | tr \"\\0\" \" \" " "$(tr '\n' ' ' <<<"$out" | sed 's/ $//')"

    mkdir -p "$T/vol-$c" && echo data-$c >"$T/vol-$c/f"
    expect_eq "$c: -v bind mount reads host files" "data-$c" "$($c run --rm -v "$T/vol-$c:/data" busybox cat /data/f)"
    expect_rc "$c: -v :ro refuses writes" 1 $c run --rm -v "$T/vol-$c:/data:ro" busybox sh -c 'echo x > /data/g'
    $c run --rm -v "$T/vol-$c/new:/new" busybox true
    [ -d "$T/vol-$c/new" ] && ok "$c: a missing bind source is created" || not_ok "$c: bind source not created"

    id=$($c run -d --name "$n" busybox httpd -f -p 80)
    expect_match "$c: run -d prints the full id" '^[0-9a-f]{64}$' "$id"
    expect_rc "$c: the name is taken" 125 $c run -d --name "$n" busybox true
    expect_match "$c: ... with docker's conflict message" "Conflict. The container name \"/$n\" is already in use by container \"$id\"" "$OUT"
    out=$($c ps --no-trunc)
    expect_match "$c: ps header" '^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES$' "$(head -1 <<<"$out")"
    expect_match "$c: ps shows it Up" "^$id +busybox +\"httpd -f -p 80\" +.* ago +Up .* +$n\$" "$out"
    expect_eq "$c: ps -q lists the short id" "${id:0:12}" "$($c ps -q -f name="^$n\$")"
    expect_eq "$c: inspect Name" "/$n" "$($c inspect -f '{{.Name}}' "$n")"
    expect_eq "$c: inspect State.Running" "true" "$($c inspect -f '{{.State.Running}}' "$n")"
    pid=$($c inspect -f '{{.State.Pid}}' "$n")
    expect_eq "$c: State.Pid is the host pid of httpd" "httpd" "$(cat /proc/$pid/comm 2>/dev/null)"
    expect_rc "$c: pause" 0 $c pause "$n"
    expect_match "$c: ps shows (Paused)" "Up .* \(Paused\)" "$($c ps -f name="^$n\$")"
    expect_rc "$c: pausing twice is refused" 1 $c pause "$n"
    expect_match "$c: ... as already paused" "is already paused" "$OUT"
    expect_rc "$c: unpause" 0 $c unpause "$n"
    expect_rc "$c: stop" 0 $c stop -t 2 "$n"
    expect_match "$c: ps -a shows Exited" "Exited \([0-9]+\) .* ago" "$($c ps -a -f name="^$n\$")"
    expect_rc "$c: stopping a stopped container succeeds (304)" 0 $c stop "$n"
    expect_rc "$c: start" 0 $c start "$n"
    expect_eq "$c: running after start" "running" "$($c inspect -f '{{.State.Status}}' "$n")"
    expect_rc "$c: restart" 0 $c restart -t 1 "$n"
    pid2=$($c inspect -f '{{.State.Pid}}' "$n")
    [ "$pid2" != "$pid" ] && [ "$pid2" -gt 0 ] && ok "$c: restart gives a new PID 1" || not_ok "$c: pid $pid -> $pid2"
    expect_rc "$c: rm of a running container is refused" 1 $c rm "$n"
    expect_match "$c: ... with docker's message" "cannot remove container \"/$n\": container is running: stop the container before removing or force remove" "$OUT"
    expect_rc "$c: kill with a bad signal" 1 $c kill -s NOPE "$n"
    expect_rc "$c: kill" 0 $c kill "$n"
    expect_eq "$c: killed: exit code 137" "137" "$($c wait "$n")"
    expect_rc "$c: rm" 0 $c rm "$n"
    expect_eq "$c: gone from ps -a" "" "$($c ps -a -q -f name="^$n\$")"
    [ ! -e "$EXECROOT/$id" ] && [ ! -e "$DATA/overlay/$id" ] && [ ! -e "$DATA/containers/$id" ] \
        && ok "$c: rm leaves no exec-root, overlay or record" || not_ok "$c: rm left state of $id"

    # logs
    # stdout and stderr are separate pipes: their relative order is not kept
    # (nor is it by docker), so each stream is checked on its own
    id=$($c run -d busybox sh -c 'echo one; echo two >&2; echo three')
    $c wait "$id" >/dev/null
    expect_eq "$c: logs stdout" "one three" "$($c logs "$id" 2>/dev/null | tr '\n' ' ' | sed 's/ $//')"
    expect_eq "$c: logs stderr apart" "two" "$($c logs "$id" 2>&1 >/dev/null)"
    $c rm "$id" >/dev/null
    id=$($c run -d busybox sh -c 'echo one; echo two; echo three')
    $c wait "$id" >/dev/null
    expect_eq "$c: logs --tail 2" "two three" "$($c logs --tail 2 "$id" | tr '\n' ' ' | sed 's/ $//')"
    expect_match "$c: logs -t" '^20[0-9-]{8}T[0-9:]{8}\.[0-9]{9}Z one$' "$($c logs -t "$id" | head -1)"
    $c rm "$id" >/dev/null
    # NUL bytes ("\u0000" in the file) and a 40000-byte line (three partial
    # messages) come back as they went out
    out=$($c run --name "nul-$c" busybox sh -c 'printf "a\0b\n"; head -c 40000 /dev/zero | tr "\0" x; echo' | md5sum)
    expect_eq "$c: logs give back NUL bytes and long lines" "$out" "$($c logs "nul-$c" | md5sum)"
    $c rm "nul-$c" >/dev/null

    # --log-driver none: output still streams, nothing is logged
    expect_eq "$c: --log-driver none still streams" "hi" "$($c run --log-driver none --name "nl-$c" busybox echo hi 2>&1)"
    id=$($c inspect -f '{{.Id}}' "nl-$c")
    expect_eq "$c: ... LogConfig none, no LogPath" "none ''" "$($c inspect -f "{{.HostConfig.LogConfig.Type}} '{{.LogPath}}'" "nl-$c")"
    [ ! -e "$DATA/containers/$id/$id-json.log" ] && ok "$c: ... no json-file log written" || not_ok "$c: a log file for --log-driver none"
    expect_rc "$c: ... logs is refused" 1 $c logs "nl-$c"
    expect_eq "$c: ... with docker's message" "Error response from daemon: configured logging driver does not support reading" "$OUT"
    expect_eq "$c: ... as 501" "501" "$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" "http://x/containers/$id/logs?stdout=1")"
    $c rm "nl-$c" >/dev/null
    expect_rc "$c: --log-opt with none is refused" 125 $c run --log-driver none --log-opt max-size=1m busybox true
    expect_match "$c: ... as docker does" "invalid logging opts for driver none" "$OUT"

    # diff, top, stats
    $c run -d --name "d-$c" --memory 64m busybox sh -c 'touch /newfile; rm /etc/group; exec sleep 100' >/dev/null
    for _ in $(seq 1 50); do $c diff "d-$c" 2>/dev/null | grep -q newfile && break; sleep 0.1; done
    expect_eq "$c: diff shows docker's C/D/A lines (no init mount points)" "C /etc D /etc/group A /newfile" "$($c diff "d-$c" | tr '\n' ' ' | sed 's/ $//')"
    expect_match "$c: top lists the container's process" "sleep 100$" "$($c top "d-$c")"
    expect_match "$c: stats --no-stream shows the memory limit" "d-$c +[0-9.]+% +[0-9.]+[KMG]iB / 64MiB" "$($c stats --no-stream "d-$c")"
    $c rm -f "d-$c" >/dev/null

    # rename, create/start, wait, prune
    cid=$($c create --name "c1-$c" busybox sh -c 'exit 4')
    expect_match "$c: create prints the id" '^[0-9a-f]{64}$' "$cid"
    expect_match "$c: created shows in ps -a" "Created +c1-$c\$" "$($c ps -a -f name="c1-$c")"
    expect_rc "$c: rename" 0 $c rename "c1-$c" "c2-$c"
    expect_eq "$c: renamed" "/c2-$c" "$($c inspect -f '{{.Name}}' "$cid")"
    $c start "c2-$c" >/dev/null
    expect_eq "$c: wait gives the exit code" "4" "$($c wait "c2-$c")"
    expect_match "$c: ps -f exited=4" "c2-$c" "$($c ps -a -f exited=4)"
    expect_rc "$c: ps -f status=bogus is refused" 1 $c ps -f status=bogus
    expect_match "$c: ... with docker's message" "invalid filter 'status=bogus'" "$OUT"
    expect_match "$c: ... and the daemon still answers" "c2-$c" "$($c ps -a -f status=exited)"
    expect_eq "$c: ps -q lists only ids" "$($c ps -a --no-trunc --format '{{.ID}}' | cut -c1-12)" "$($c ps -a -q)"
    out=$($c container prune -f)
    expect_match "$c: prune lists the removed container" "$cid" "$out"
    expect_eq "$c: nothing left after prune" "" "$($c ps -a -q)"
}
run_both scenario

# kill (SIGKILL) answers once the container is dead, as docker's does:
# `kill && rm` needs no sleep, and inspect right after shows the exit
kill_then_rm() {
    local c=$CLI n=kr-$CLI i rmfail=0 states=""
    for i in $(seq 1 30); do
        $c run -d --name "$n" busybox sleep 100 >/dev/null
        if $c kill "$n" >/dev/null; then
            [ $((i % 3)) -eq 0 ] && states+="$($c inspect -f '{{.State.Running}} {{.State.ExitCode}}' "$n");"
            $c rm "$n" >/dev/null 2>&1 || rmfail=$((rmfail + 1))
        fi
        $c rm -f "$n" >/dev/null 2>&1
    done
    expect_eq "$c: kill && rm, 30 times: every rm succeeds" 0 "$rmfail"
    expect_eq "$c: inspect right after kill: not running, exit 137" \
        "$(printf 'false 137;%.0s' $(seq 1 10))" "$states"
}
run_both kill_then_rm

# $CLI's command, stopped after SECS: a wait that never answers fails its
# check instead of hanging the suite (timeout cannot run the md/dk functions)
cli_bounded() {
    local secs=$1; shift
    if [ "$CLI" = md ]; then timeout "$secs" "$MINIDOCK" -H "unix://$SOCK" "$@"
    else DOCKER_CONFIG=$T/docker-config timeout "$secs" docker -H "unix://$SOCK" "$@"; fi
}
# wait on a --restart always container: its exit (into restarting) is what
# docker's not-running and next-exit conditions answer, with its code; a wait
# that begins while it restarts answers at the next exit; removed at rm
wait_restarting() {
    local c=$CLI n=rs-$CLI i restarting before after out
    $c run -d --name "$n" --restart always busybox sh -c 'sleep 1; exit 3' >/dev/null
    expect_eq "$c: wait on a restart=always container gives its exit code" 3 "$(cli_bounded 20 wait "$n")"
    expect_eq "$c: ... and wait?condition=next-exit answers at the next exit" '{"StatusCode":3,"Error":null}' \
        "$(timeout 20 curl -s --unix-socket "$SOCK" -X POST "http://x/v1.50/containers/$n/wait?condition=next-exit")"
    # the restart delay doubles (100, 200, 400 ms...): catch it restarting.
    # Restarting and RestartCount from one inspect: a second one can come
    # after the restart (the count is the restart decided at the last exit)
    for i in $(seq 1 200); do
        read -r restarting before < <(api "http://x/v1.50/containers/$n/json" | jq -r '"\(.State.Restarting) \(.RestartCount)"')
        [ "$restarting" = true ] && break
        sleep 0.02
    done
    out=$(timeout 20 curl -s --unix-socket "$SOCK" -X POST "http://x/v1.50/containers/$n/wait")
    after=$(api "http://x/v1.50/containers/$n/json" | jq .RestartCount)
    expect_eq "$c: a not-running wait begun while restarting answers at the next exit" \
        "true $((before + 1)) {\"StatusCode\":3,\"Error\":null}" "$restarting $after $out"
    # the wait's headers come at once: rm only once they are in
    curl -s -N -i -m 20 --unix-socket "$SOCK" -X POST "http://x/v1.50/containers/$n/wait?condition=removed" >"$T/wait-removed-$c" &
    local wpid=$!
    for i in $(seq 1 200); do grep -q '^HTTP/1.1 200' "$T/wait-removed-$c" && break; sleep 0.02; done
    $c rm -f "$n" >/dev/null
    wait $wpid
    expect_match "$c: wait?condition=removed answers at rm" '^\{"StatusCode":[0-9]+,"Error":null\}' "$(tail -n 1 "$T/wait-removed-$c")"
}
run_both wait_restarting

# An image whose /etc/passwd has short lines (bug 8): PID 1 reads only the
# fields a line has. "daemon" follows a full line, so a stale field would
# show as HOME=/root; a line without a gid names no usable user.
"$ROOT/contrib/mkimage-busybox.sh" --rootfs "$T/pw-rootfs.tar" >/dev/null 2>&1 &&
    mkdir -p "$T/pw-root" && tar -C "$T/pw-root" -xf "$T/pw-rootfs.tar" &&
    printf 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1\nbroken:x:5\napp:x:1000:1000::/home/app:/bin/sh\n' \
        >"$T/pw-root/etc/passwd" &&
    (cd "$T/pw-root" && tar -cf "$T/pw.tar" .) && md import "$T/pw.tar" shortpw >/dev/null &&
    ok "an image with short passwd lines imported" || not_ok "import an image with short passwd lines"
# (busybox id itself complains about the short lines on stderr)
ids='echo $(id -u 2>/dev/null):$(id -g 2>/dev/null) $HOME'
for c in md dk; do
    expect_eq "$c: --user after a short line: its own fields" "1000:1000 /home/app" \
        "$($c run --rm --user app shortpw sh -c "$ids" 2>&1)"
    expect_eq "$c: --user of a short line: ids, HOME / (no home field)" "1:1 /" \
        "$($c run --rm --user daemon shortpw sh -c "$ids" 2>&1)"
    out=$($c run --rm --user broken shortpw true 2>&1) && not_ok "$c: --user of a line without a gid ran" ||
        expect_match "$c: --user of a line without a gid is refused with docker's message" \
            "unable to find user broken: no matching entries in passwd file" "$out"
done
md rmi shortpw >/dev/null

# Several containers at once: docker's CLI sends all the calls together, so
# "stop a b c" waits one timeout, not three. Not timed here: the daemon's
# events show it, all the SIGTERMs (kill 15) come before the first SIGKILL
# (kill 9); one after the other they alternate. Names, errors and the exit
# code stay in argument order, as docker prints them.
# expect_each WHAT NOSUCH WANT-STDOUT command...: exit 1, the names in
# argument order on stdout, only the missing NOSUCH's error on stderr
expect_each() {
    local what=$1 nosuch=$2 want=$3; shift 3
    "$@" >"$T/multi.out" 2>"$T/multi.err"
    expect_eq "$what: exit 1" 1 "$?"
    expect_eq "$what: ... prints the names in argument order" "$want" "$(cat "$T/multi.out")"
    expect_eq "$what: ... the missing one's error on stderr" \
        "Error response from daemon: No such container: $nosuch" "$(cat "$T/multi.err")"
}
multi() {
    local c=$CLI p=multi-$CLI x
    for x in a b c; do
        $c run -d --name "$p-$x" busybox sh -c 'trap "" TERM; while :; do sleep 1; done' >/dev/null
    done
    local t0; t0=$(date +%s)
    expect_each "$c: stop a nosuch b c" "$p-nosuch" "$p-a
$p-b
$p-c" $c stop -t 3 "$p-a" "$p-nosuch" "$p-b" "$p-c"
    expect_eq "$c: ... all three Exited" "exited exited exited" \
        "$($c inspect -f '{{.State.Status}}' "$p-a" "$p-b" "$p-c" | xargs)"
    local sigs; sigs=$(api "http://x/v1.50/events?since=$t0&until=$(date +%s.%N)" |
        jq -r "select(.Action == \"kill\" and (.Actor.Attributes.name | startswith(\"$p-\"))) | .Actor.Attributes.signal" | xargs)
    expect_eq "$c: ... stopped together: three SIGTERMs, then three SIGKILLs" "15 15 15 9 9 9" "$sigs"
    expect_rc "$c: start a b c" 0 $c start "$p-a" "$p-b" "$p-c"
    expect_eq "$c: ... names in argument order" "$p-a
$p-b
$p-c" "$OUT"
    expect_each "$c: kill c nosuch b a" "$p-nosuch" "$p-c
$p-b
$p-a" $c kill "$p-c" "$p-nosuch" "$p-b" "$p-a"
    expect_rc "$c: rm a b c" 0 $c rm "$p-a" "$p-b" "$p-c"
    expect_eq "$c: ... names in argument order" "$p-a
$p-b
$p-c" "$OUT"
}
run_both multi

# An idle daemon trims its memory a second after the last request
# (daemon/idle.c drops clean library pages and free heap): whatever it
# dropped must come back on the next request, in every thread.
md run -d --name idle-web busybox httpd -f -p 80 >/dev/null
sleep 1.5
expect_eq "after an idle trim: run --rm works" "back" "$(md run --rm busybox echo back 2>&1)"
expect_match "... ps shows the running container" "idle-web" "$(md ps)"
expect_match "... images lists busybox" "busybox" "$(md images)"
expect_eq "... exec works" "inside" "$(md exec idle-web echo inside 2>&1)"

# Go matches body keys to struct fields case-insensitively, and clients rely
# on it (docker-py sends "detachKeys"); map keys stay as sent.
code=$(api -o "$T/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -d '{"cmd":["echo","lower"],"attachStdout":true,"attachStderr":true,"detachKeys":"ctrl-x"}' \
    http://x/v1.50/containers/idle-web/exec)
expect_eq "exec create with lower-case keys: 201" 201 "$code"
eid=$(jq -r .Id "$T/body")
expect_eq "... its detachKeys were taken (inspect: ctrl-x = 0x18)" "GA==" \
    "$(api "http://x/v1.50/exec/$eid/json" | jq -r .DetachKeys)"
expect_eq "... and it runs with its output attached" "lower" \
    "$(api -X POST -H 'Content-Type: application/json' -d '{"detach":false,"tty":false}' \
        "http://x/v1.50/exec/$eid/start" | tail -c +9)"
# An exec's stream is framed or raw as its start request's Tty says (moby
# wraps the writers in stdcopy when the start's Tty is false), whatever the
# create said.
exec_bytes() { # create-tty start-tty cmd: the start's response body, in hex
    local id
    id=$(api -X POST -H 'Content-Type: application/json' \
        -d "{\"Cmd\":[\"sh\",\"-c\",\"$3\"],\"AttachStdout\":true,\"AttachStderr\":true,\"Tty\":$1}" \
        http://x/v1.50/containers/idle-web/exec | jq -r .Id)
    api -X POST -H 'Content-Type: application/json' -d "{\"Detach\":false,\"Tty\":$2}" \
        "http://x/v1.50/exec/$id/start" | od -An -tx1 | tr -s ' \n' ' '
}
expect_eq "exec created without a tty, started with Tty true: a raw stream" " 72 61 77 0a " \
    "$(exec_bytes false true 'echo raw')"
expect_eq "exec created with a tty, started with Tty false: stdout frames" \
    " 01 00 00 00 00 00 00 05 70 74 79 0d 0a " "$(exec_bytes true false 'echo pty')"
expect_eq "exec without a tty, started so: frames, stderr apart" " 02 00 00 00 00 00 00 04 65 72 72 0a " \
    "$(exec_bytes false false 'echo err >&2')"
expect_rc "... rm -f works" 0 md rm -f idle-web
code=$(api -o "$T/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -d '{"image":"busybox","cmd":["true"],"labels":{"tier":"Front"},"exposedports":{"80/tcp":{}},
         "hostconfig":{"restartpolicy":{"name":"always"},"portbindings":{"80/tcp":[{"hostip":"","hostport":"18031"}]}}}' \
    'http://x/v1.50/containers/create?name=lower-keys')
expect_eq "create with lower-case keys: 201" 201 "$code"
expect_eq "... the restart policy was taken" "always" "$(md inspect -f '{{.HostConfig.RestartPolicy.Name}}' lower-keys)"
expect_eq "... label keys stay as sent" '{"tier":"Front"}' "$(md inspect -f '{{json .Config.Labels}}' lower-keys)"
expect_eq "... port bindings keep their keys, their members canonical" '{"80/tcp":[{"HostIp":"","HostPort":"18031"}]}' \
    "$(md inspect -f '{{json .HostConfig.PortBindings}}' lower-keys)"
md rm -f lower-keys >/dev/null

# An Env entry without '=' ("docker run -e Foo" with Foo unset in the
# client): docker keeps it in Config.Env and the process gets no Foo (moby's
# ReplaceOrAppendEnvValues reads it as "unset Foo"); in an exec it unsets
# the container's Foo.
code=$(api -o "$T/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -d '{"Image":"busybox","Cmd":["sh","-c","echo foo=${Foo-unset} a=$A"],"Env":["Foo","A=1"]}' \
    'http://x/v1.50/containers/create?name=env-noeq')
expect_eq "create with Env [\"Foo\"]: 201" 201 "$code"
expect_match "... inspect keeps \"Foo\" in Config.Env" '"Foo","A=1"' "$(md inspect -f '{{json .Config.Env}}' env-noeq)"
expect_eq "... it starts, and the process has no Foo" "foo=unset a=1" "$(md start -a env-noeq 2>&1)"
md rm -f env-noeq >/dev/null
md run -d --name env-exec -e Foo=bar busybox sleep 100 >/dev/null
eid=$(api -X POST -H 'Content-Type: application/json' \
    -d '{"Cmd":["sh","-c","echo foo=${Foo-unset}"],"Env":["Foo"],"AttachStdout":true}' \
    http://x/v1.50/containers/env-exec/exec | jq -r .Id)
expect_eq "exec with Env [\"Foo\"] unsets the container's Foo" "foo=unset" \
    "$(api -X POST -H 'Content-Type: application/json' -d '{"Tty":true}' "http://x/v1.50/exec/$eid/start")"
md rm -f env-exec >/dev/null

# API-level checks (the exact statuses clients depend on)
code=$(api -o "$T/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -d '{"Image":"nosuchimage"}' http://x/v1.50/containers/create)
expect_eq "create with a missing image: 404" 404 "$code"
expect_eq "... No such image message" '{"message":"No such image: nosuchimage:latest"}' "$(cat "$T/body")"
code=$(api -o "$T/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -d '{"Image":"busybox","Cmd":["true"]}' 'http://x/v1.50/containers/create?name=bad%20name')
expect_eq "invalid name: 400" 400 "$code"
expect_eq "... docker's message" '{"message":"Invalid container name (bad name), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"}' "$(cat "$T/body")"
code=$(api -o "$T/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -d '{"Image":"busybox","Cmd":["true"],"HostConfig":{"Memory":1000}}' http://x/v1.50/containers/create)
expect_eq "memory below 6MB: 400" 400 "$code"
expect_eq "... and no container was created" "[]" "$(api 'http://x/v1.50/containers/json?all=1')"
code=$(api -o "$T/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -d '{"Image":"busybox","Env":"A=1"}' http://x/v1.50/containers/create)
expect_eq "a wrongly typed field: 400" 400 "$code"
expect_eq "... with Go's decoder message, as docker" '{"message":"json: cannot unmarshal string into Go struct field CreateRequest.Env of type []string"}' "$(cat "$T/body")"
expect_eq "... and nothing was created" "[]" "$(api 'http://x/v1.50/containers/json?all=1')"
expect_eq "wait with a bad condition: 400" 400 "$(api -o /dev/null -w '%{http_code}' -X POST 'http://x/v1.50/containers/nosuch/wait?condition=bogus')"
expect_eq "stop of a missing container: 404" 404 "$(api -o /dev/null -w '%{http_code}' -X POST http://x/v1.50/containers/nosuch/stop)"
suite_end
