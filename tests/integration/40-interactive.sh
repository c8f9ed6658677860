#!/bin/bash
# Interactive containers: run -it, attach, exec, TTYs, detach keys, resize,
# logs -f, many clients, vanishing clients, with our client and the stock
# docker CLI in real terminals (a private tmux server: send-keys and
# capture-pane), and no fd or thread left in the daemon after 100
# attach/detach cycles. Root only.
. "$(dirname "$0")/lib.sh"
suite_begin interactive
daemon_start || { not_ok "daemon starts"; suite_end; exit 1; }
bb=$(busybox_archive) && md load -i "$bb" >/dev/null && ok "busybox image loaded" || not_ok "load busybox"

# ---- terminals ------------------------------------------------------------
TMUX_SOCK=$T/tmux.sock
tm() { tmux -S "$TMUX_SOCK" "$@"; }
# tm_start NAME: an 80x24 terminal running a plain shell
tm_start() {
    tm new-session -d -s "$1" -x 80 -y 24 \
        "env -i PATH=$PATH HOME=$T TERM=xterm PS1='$ ' bash --norc --noprofile"
    tm set-option -t "$1" history-limit 5000 >/dev/null
}
# tm_run NAME TEXT: type TEXT and Enter
tm_run() { tm send-keys -t "$1" -l "$2"; tm send-keys -t "$1" Enter; }
tm_screen() { tm capture-pane -p -J -t "$1" -S -500; }
# tm_wait NAME ERE [SECONDS]: until the terminal shows a line matching ERE
tm_wait() {
    local i n=$((${3:-10} * 10))
    for ((i = 0; i < n; i++)); do
        tm_screen "$1" | grep -qE -- "$2" && return 0
        sleep 0.1
    done
    echo "    (terminal $1 never showed /$2/; it shows:)"
    tm_screen "$1" | grep -v '^$' | tail -n 12 | sed 's/^/    | /'
    return 1
}
# tm_poll NAME COMMAND ERE: run COMMAND until the terminal shows ERE, a second for each
# try, ten tries (a resize reaches the container's pty a moment after the window's)
tm_poll() {
    local i
    for i in 1 2 3 4 5 6 7 8 9; do
        tm_run "$1" "$2"
        tm_wait "$1" "$3" 1 >/dev/null && return 0
    done
    tm_run "$1" "$2"
    tm_wait "$1" "$3" 1
}
tm_clear() { tm send-keys -t "$1" -R; tm clear-history -t "$1"; tm_run "$1" clear; sleep 0.2; tm clear-history -t "$1"; }
# the command line a terminal runs for $CLI
cli_cmd() {
    if [ "$1" = md ]; then echo "$MINIDOCK -H unix://$SOCK"; else echo "env DOCKER_CONFIG=$T/docker-config docker -H unix://$SOCK"; fi
}
running() { [ "$($CLI inspect -f '{{.State.Running}}' "$1" 2>/dev/null)" = true ]; }

tm_start term

# ---- run -it, resize, exit status ------------------------------------------
run_it() {
    local c=$CLI n=it-$CLI cmd
    cmd=$(cli_cmd "$c")
    tm_clear term
    tm_run term "$cmd run -it --name $n busybox sh; echo RC=\$?"
    tm_wait term '^/ # ' 15 && ok "$c: run -it gives the container's shell prompt" || not_ok "$c: run -it prompt"
    tm_run term 'echo $((6*7))'
    tm_wait term '^42$' && ok "$c: echo \$((6*7)) prints 42" || not_ok "$c: 42"
    tm_run term 'stty size'
    tm_wait term '^24 80$' && ok "$c: stty size is the terminal's (24 80)" || not_ok "$c: stty size 24 80"
    tm resize-window -t term -x 100 -y 30
    tm_poll term 'stty size' '^30 100$' && ok "$c: stty size follows the window (30 100)" || not_ok "$c: resize to 30 100"
    tm resize-window -t term -x 80 -y 24
    tm_run term 'exit 3'
    tm_wait term '^RC=3$' && ok "$c: exit 3 gives exit status 3" || not_ok "$c: exit status 3"
    expect_eq "$c: ... and the container exited with 3" "exited 3" "$($c inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$n")"
    $c rm "$n" >/dev/null
}
run_both run_it

# ---- detach keys and attach ------------------------------------------------
detach_attach() {
    local c=$CLI n=dt-$CLI cmd
    cmd=$(cli_cmd "$c")
    tm_clear term
    tm_run term "$cmd run -it --name $n busybox sh; echo RC=\$?"
    tm_wait term '^/ # ' 15 || not_ok "$c: prompt"
    tm_run term "X=kept-$c"
    sleep 0.2
    tm send-keys -t term C-p C-q
    tm_wait term 'RC=[0-9]+$' && running "$n" && ok "$c: Ctrl-P Ctrl-Q leaves it running" || not_ok "$c: detach from run -it"
    tm_clear term
    tm_run term "$cmd attach $n; echo RC=\$?"
    sleep 1
    tm_run term 'echo $X'
    tm_wait term "^kept-$c\$" && ok "$c: attach resumes the same shell" || not_ok "$c: attach resumes"
    tm send-keys -t term C-p C-q
    tm_wait term 'read escape sequence' && tm_wait term 'RC=1$' &&
        ok "$c: detach from attach: \"read escape sequence\", status 1" || not_ok "$c: detach from attach"
    running "$n" && ok "$c: still running after detaching twice" || not_ok "$c: stopped after detach"
    local ev
    for _ in $(seq 1 20); do
        ev=$(dk events --since 60s --until 0s --filter container="$n" --format '{{.Action}}' | grep -cE '^detach$')
        [ "$ev" -ge 2 ] && break
        sleep 0.1
    done
    [ "$ev" -ge 2 ] && ok "$c: detach events emitted ($ev)" || not_ok "$c: detach events ($ev)"
    $c rm -f "$n" >/dev/null
}
run_both detach_attach

# ---- exec -it ---------------------------------------------------------------
exec_it() {
    local c=$CLI n=ex-$CLI cmd
    cmd=$(cli_cmd "$c")
    $c run -d --name "$n" -h exhost-$c busybox sleep 1000 >/dev/null
    tm_clear term
    tm_run term "$cmd exec -it $n sh; echo RC=\$?"
    tm_wait term '^/ # ' 15 || not_ok "$c: exec -it prompt"
    tm_run term 'ps -o pid,args; hostname'
    tm_wait term '^ +1 sleep 1000$' && ok "$c: exec -it sees the container's processes (PID 1 sleep)" || not_ok "$c: exec ps"
    tm_wait term "^exhost-$c\$" && ok "$c: ... and its hostname" || not_ok "$c: exec hostname"
    expect_match "$c: inspect ExecIDs lists the live exec" '^\["[0-9a-f]{64}"\]$' "$($c inspect -f '{{json .ExecIDs}}' "$n")"
    tm resize-window -t term -x 90 -y 20
    tm_poll term 'stty size' '^20 90$' && ok "$c: exec's pty follows the window (20 90)" || not_ok "$c: exec resize"
    tm resize-window -t term -x 80 -y 24
    tm_run term 'exit 7'
    tm_wait term '^RC=7$' && ok "$c: exec exit status 7" || not_ok "$c: exec status 7"
    expect_eq "$c: no live exec left" "null" "$($c inspect -f '{{json .ExecIDs}}' "$n")"
    # detach keys inside an exec end only the client
    tm_clear term
    tm_run term "$cmd exec -it $n sh; echo RC=\$?"
    tm_wait term '^/ # ' 15 || not_ok "$c: exec -it prompt (2)"
    tm send-keys -t term C-p C-q
    tm_wait term 'RC=[0-9]+$' && ok "$c: Ctrl-P Ctrl-Q ends exec -it" || not_ok "$c: exec detach"
    expect_match "$c: ... and the exec'd shell runs on" '^\["[0-9a-f]{64}"\]$' "$($c inspect -f '{{json .ExecIDs}}' "$n")"
    running "$n" && ok "$c: container unaffected" || not_ok "$c: container stopped"
}
run_both exec_it

# ---- exec without a terminal ------------------------------------------------
exec_plain() {
    local c=$CLI n=ex-$CLI
    expect_rc "$c: exec of a missing binary exits 127" 127 $c exec "$n" nosuch
    expect_match "$c: ... with docker's message" \
        '^OCI runtime exec failed: exec failed: unable to start container process: exec: "nosuch": executable file not found in \$PATH: unknown' "$OUT"
    expect_rc "$c: exec of a non-executable exits 126" 126 $c exec "$n" /etc/passwd
    expect_match "$c: ... permission denied" 'exec: "/etc/passwd": permission denied: unknown' "$OUT"
    expect_rc "$c: exec -w of a missing dir exits 127" 127 $c exec -w /nope "$n" true
    expect_rc "$c: exec -u of an unknown user fails" 1 $c exec -u nosuch "$n" true
    expect_match "$c: ... at create, like docker" "Error response from daemon: unable to find user nosuch: no matching entries in passwd file" "$OUT"
    expect_eq "$c: exec -e -w -u" "1 /tmp 65534" "$($c exec -e A=1 -w /tmp -u nobody "$n" sh -c 'echo $A $(pwd) $(id -u)')"
    expect_eq "$c: exec stdout and stderr stay apart" "out" "$($c exec "$n" sh -c 'echo out; echo err >&2' 2>/dev/null)"
    expect_eq "$c: exec -i takes stdin" "piped-$c" "$(echo "piped-$c" | $c exec -i "$n" cat)"
    expect_rc "$c: exec status" 4 $c exec "$n" sh -c 'exit 4'
    $c exec -d "$n" sh -c "sleep 0.3; echo detached-$c > /tmp/d-$c"
    expect_settles "$c: exec -d runs in the background" "detached-$c" $c exec "$n" cat "/tmp/d-$c"
    $c pause "$n" >/dev/null
    expect_rc "$c: exec into a paused container fails" 1 $c exec "$n" true
    expect_match "$c: ... with docker's message" "Error response from daemon: Container $n is paused, unpause the container before exec" "$OUT"
    $c unpause "$n" >/dev/null
    # a client that vanishes: the exec runs on, the container too
    # (killed once the exec has started, which a busy host may take a while to do)
    $c exec "$n" sh -c "echo started > /tmp/s-$c; sleep 0.5; echo ran-on > /tmp/v-$c" >/dev/null 2>&1 &
    local pid=$!
    expect_settles "$c: an exec started" "started" $c exec "$n" cat "/tmp/s-$c"
    kill -9 "$pid"; wait "$pid" 2>/dev/null
    expect_settles "$c: a client killed mid-exec: the process runs on" "ran-on" $c exec "$n" cat "/tmp/v-$c"
    $c stop -t 1 "$n" >/dev/null
    expect_rc "$c: exec into a stopped container fails" 1 $c exec "$n" true
    expect_match "$c: ... as not running" "Error response from daemon: container [0-9a-f]{64} is not running" "$OUT"
    expect_rc "$c: attach to a stopped container fails" 1 $c attach "$n"
    expect_match "$c: ... with docker's CLI message" "You cannot attach to a stopped container, start it first" "$OUT"
    $c rm "$n" >/dev/null
}
run_both exec_plain

# ---- non-TTY streams ---------------------------------------------------------
streams() {
    local c=$CLI
    expect_eq "$c: run keeps stdout and stderr apart" "out" "$($c run --rm busybox sh -c 'echo out; echo err >&2' 2>/dev/null)"
    expect_eq "$c: ... stderr on stderr" "err" "$($c run --rm busybox sh -c 'echo out; echo err >&2' 2>&1 >/dev/null)"
    expect_eq "$c: echo hi | run -i cat" "hi" "$(echo hi | $c run --rm -i busybox cat)"
    # logs -f follows until the container stops
    local n=lf-$c
    $c run -d --name "$n" busybox sh -c 'i=0; while :; do echo line$i; i=$((i+1)); sleep 0.1; done' >/dev/null
    $c logs -f "$n" >"$T/logs-$c" 2>&1 &
    local lp=$!
    sleep 1
    kill -0 "$lp" 2>/dev/null && ok "$c: logs -f keeps following" || not_ok "$c: logs -f ended early"
    $c stop -t 1 "$n" >/dev/null
    local i
    for i in $(seq 1 50); do kill -0 "$lp" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$lp" 2>/dev/null; then
        not_ok "$c: logs -f did not end at stop"; kill "$lp"
    else
        ok "$c: logs -f ends when the container stops"
    fi
    wait "$lp" 2>/dev/null
    expect_match "$c: ... having followed its output" "^line0$" "$(cat "$T/logs-$c")"
    [ "$(grep -c '^line' "$T/logs-$c")" -ge 8 ] && ok "$c: ... live ($(grep -c '^line' "$T/logs-$c") lines)" || not_ok "$c: few lines followed"
    $c rm "$n" >/dev/null
}
run_both streams

# ---- 20 clients on one container (10 of each) -------------------------------
CLI=md
md run -d --name many busybox sh -c 'while [ ! -e /tmp/go ]; do sleep 0.05; done; echo hello-many; echo bye >&2; sleep 0.5' >/dev/null
pids=""
for i in $(seq 1 10); do
    md attach --no-stdin many >"$T/many-md-$i" 2>&1 &
    pids="$pids $!"
    dk attach --no-stdin many >"$T/many-dk-$i" 2>&1 &
    pids="$pids $!"
done
for _ in $(seq 1 50); do
    [ "$(dk events --since 30s --until 0s --filter container=many --filter event=attach --format x | wc -l)" -ge 20 ] && break
    sleep 0.1
done
md exec many touch /tmp/go
for p in $pids; do wait "$p"; done
got=$(cat "$T"/many-*-* | grep -c '^hello-many$')
expect_eq "20 clients attached to one container all see its stdout" "20" "$got"
expect_eq "... and its stderr" "20" "$(cat "$T"/many-*-* | grep -c '^bye$')"
md rm many >/dev/null

# ---- API details -------------------------------------------------------------
md run -d --name api busybox sleep 1000 >/dev/null
CID=$(md inspect -f '{{.Id}}' api)
# post PATH BODY: "<response body> <status>" on one line
post() { curl -s --unix-socket "$SOCK" -X POST -H 'Content-Type: application/json' -d "$2" -w ' %{http_code}' "http://x$1" | tr -d '\n'; }
expect_eq "exec create without Cmd: 400" '{"message":"No exec command specified"} 400' "$(post /containers/api/exec '{"Cmd":[]}')"
expect_eq "exec create in a missing container: 404" '{"message":"No such container: nope"} 404' "$(post /containers/nope/exec '{"Cmd":["true"]}')"
expect_eq "exec inspect of a missing exec: 404" '{"message":"No such exec instance: nope"} 404' \
    "$(curl -s --unix-socket "$SOCK" -w ' %{http_code}' http://x/exec/nope/json | tr -d '\n')"
EID=$(post /containers/api/exec '{"Cmd":["sh","-c","exit 9"],"Privileged":true,"DetachKeys":"ctrl-a,x","User":"nobody"}' | sed 's/.*"Id":"\([0-9a-f]*\)".*/\1/')
out=$(curl -s --unix-socket "$SOCK" "http://x/exec/$EID/json")
expect_eq "exec inspect before start" \
    "{\"ID\":\"$EID\",\"Running\":false,\"ExitCode\":null,\"ProcessConfig\":{\"tty\":false,\"entrypoint\":\"sh\",\"arguments\":[\"-c\",\"exit 9\"],\"privileged\":true,\"user\":\"nobody\"},\"OpenStdin\":false,\"OpenStderr\":false,\"OpenStdout\":false,\"CanRemove\":false,\"ContainerID\":\"$CID\",\"DetachKeys\":\"AXg=\",\"Pid\":0}" "$out"
expect_eq "exec start -d: 200, empty body" " 200" "$(post "/exec/$EID/start" '{"Detach":true}')"
for _ in $(seq 1 30); do [ "$(curl -s --unix-socket "$SOCK" "http://x/exec/$EID/json" | grep -o '"ExitCode":[0-9]*')" = '"ExitCode":9' ] && break; sleep 0.1; done
expect_match "exec inspect after it ended: exit code, pid" '"Running":false,"ExitCode":9,.*"Pid":[1-9]' "$(curl -s --unix-socket "$SOCK" "http://x/exec/$EID/json")"
expect_eq "start twice: 409" "{\"message\":\"exec command $EID has already run\"} 409" "$(post "/exec/$EID/start" '{"Detach":true}')"
expect_match "invalid exec DetachKeys" "Invalid escape keys \(ctrl-x1\) provided" "$(post /containers/api/exec '{"Cmd":["true"],"DetachKeys":"ctrl-x1"}')"
expect_eq "invalid attach detachKeys: 400" '{"message":"Invalid detach keys (ctrl-zz) provided"} 400' \
    "$(post '/containers/api/attach?stream=1&detachKeys=ctrl-zz' '')"
sleep 1 # --until 0s ends at the current second
out=$(dk events --since 60s --until 0s --filter container=api --format '{{.Action}}|{{index .Actor.Attributes "execID"}}|{{index .Actor.Attributes "exitCode"}}')
expect_match "events: exec_create, exec_start, exec_die with exitCode" "^exec_create: sh -c exit 9\|$EID\|
exec_start: sh -c exit 9\|$EID\|
exec_die\|$EID\|9$" "$(grep "$EID" <<<"$out")"
# a plain stream without an Upgrade header (200, output in the body)
EID=$(post /containers/api/exec '{"Cmd":["echo","plain"],"AttachStdout":true}' | sed 's/.*"Id":"\([0-9a-f]*\)".*/\1/')
expect_eq "exec start without Upgrade: 200 and the framed output" "01 00 00 00 00 00 00 06 70 6c 61 69 6e 0a" \
    "$(curl -s --unix-socket "$SOCK" -X POST -H 'Content-Type: application/json' -d '{}' "http://x/exec/$EID/start" | od -An -tx1 | tr -s ' \n' ' ' | sed 's/^ //; s/ $//')"

# ---- a client that vanishes from an attach; daemon fds and threads ----------
md run -d -t -i --name cyc busybox sh >/dev/null
md attach --no-stdin cyc >/dev/null 2>&1 &
ap=$!
sleep 0.3; kill -9 "$ap"; wait "$ap" 2>/dev/null
running cyc && [ "$(md exec cyc echo alive)" = alive ] && ok "a client killed mid-attach leaves the container unaffected" ||
    not_ok "container after a vanished client"
cat >"$T/cycles.py" <<'EOF'
# 100 attach cycles on a TTY container: half end with the detach keys, half
# with the client hanging up; each must see the daemon close or accept it.
import socket, sys
sock, ctr = sys.argv[1], sys.argv[2]
bad = 0
for i in range(100):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock)
    s.sendall(("POST /containers/%s/attach?stream=1&stdin=1&stdout=1&stderr=1 HTTP/1.1\r\n"
               "Host: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n" % ctr).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        d = s.recv(4096)
        if not d:
            break
        head += d
    if not head.startswith(b"HTTP/1.1 101"):
        bad += 1
    if i % 2 == 0:
        s.sendall(b"\x10\x11")  # ctrl-p ctrl-q: the daemon ends the stream
        s.settimeout(5)
        try:
            while s.recv(4096):
                pass
        except OSError:
            bad += 1
    s.close()
print(bad)
EOF
sleep 0.5
fds0=$(ls /proc/"$DPID"/fd | wc -l); thr0=$(ls /proc/"$DPID"/task | wc -l)
expect_eq "100 attach/detach cycles (detach keys, hang-ups)" "0" "$(python3 "$T/cycles.py" "$SOCK" cyc)"
for _ in $(seq 1 30); do [ "$(ls /proc/"$DPID"/task | wc -l)" -le "$thr0" ] && break; sleep 0.1; done
fds1=$(ls /proc/"$DPID"/fd | wc -l); thr1=$(ls /proc/"$DPID"/task | wc -l)
expect_eq "daemon fds unchanged after 100 cycles ($fds0)" "$fds0" "$fds1"
expect_eq "daemon threads unchanged after 100 cycles ($thr0)" "$thr0" "$thr1"
running cyc && ok "... and the container still runs" || not_ok "container after the cycles"
sleep 1 # --until 0s ends at the current second
n=$(dk events --since 60s --until 0s --filter container=cyc --filter event=detach --format x | wc -l)
[ "$n" -ge 100 ] && ok "a detach event per cycle ($n)" ||
    { not_ok "detach events: $n"; dk events --since 60s --until 0s --filter container=cyc --format '{{.Action}}' | sort | uniq -c; }

# ---- a daemon restart during an attach ----------------------------------------
md attach --no-stdin api >"$T/restart-attach" 2>&1 &
ap=$!
sleep 0.3
daemon_stop
daemon_start || not_ok "daemon restarts"
for _ in $(seq 1 30); do kill -0 "$ap" 2>/dev/null || break; sleep 0.1; done
kill -0 "$ap" 2>/dev/null && { not_ok "attach client still hanging after the restart"; kill "$ap"; } || ok "the attach ends with the daemon"
wait "$ap" 2>/dev/null
running api && [ "$(md exec api echo after-restart)" = after-restart ] &&
    ok "containers run on and take execs after a daemon restart" || not_ok "container after restart"

md rm -f api cyc >/dev/null
tm kill-server 2>/dev/null
suite_end
