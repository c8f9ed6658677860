#!/bin/bash
# Client parity: the stock docker CLI and minidock run the same container
# commands against a logging fake daemon (fake/fake.py). Each case passes
# when both sent the same requests (method, path, query, body byte for byte)
# and printed the same stdout, stderr and exit status. No real daemon and
# no root needed; skipped without docker or python3.
. "$(dirname "$0")/lib.sh"
suite_begin client-parity
FAKE_DIR=$ROOT/tests/integration/fake
if ! command -v docker >/dev/null || ! command -v python3 >/dev/null; then
    echo "docker CLI or python3 missing: skipped"
    suite_end
    exit 0
fi
FSOCK=$T/fake.sock
FLOG=$T/requests.log
python3 "$FAKE_DIR/fake.py" "$FSOCK" "$FLOG" >"$T/fake.out" 2>&1 &
FPID=$!
for i in $(seq 1 100); do [ -S "$FSOCK" ] && break; sleep 0.05; done
printf 'B=2\n# comment\nCPARITY\n' >"$T/envf"
export CPARITY=3
cd "$T" || exit 1
mkdir -p rel

# Requests as comparable lines: ids and generated names masked, the client
# (User-Agent) dropped.
norm_log() {
    python3 -c '
import sys, json, re
for line in sys.stdin:
    l = json.loads(line)
    l.pop("who", None)
    if "rawbody" in l:
        l["body"] = l.pop("rawbody")
    s = json.dumps(l)
    s = re.sub(r"[0-9a-f]{64}", "<ID>", s)
    s = re.sub(r"fake_[0-9]+", "<NAME>", s)
    print(s)'
}
# Times shift between the two runs ("5 seconds" vs "About a minute"), which
# changes the table's column widths: padding is compared as one gap (the
# tabwriter's alignment has its own unit tests).
norm_out() {
    sed -E 's/ {3,}/   /g; s/[0-9a-f]{64}/<ID>/g; s/fake_[0-9]+/<NAME>/g; s/(Less than a second|About an? (minute|hour)|[0-9]+ (seconds?|minutes|hours|days)) ago/<T> ago/g; s/\bdocker\b/minidock/g' "$1"
}

# parity NAME ARGS...: one case. STDIN= feeds a file; ORDERED=0 compares the
# requests as sets (docker runs multi-container verbs in parallel).
# LEAN_EXEC=1: docker's leading container inspect is not expected from
# minidock (exec skips it: exec create gives the same "No such container";
# it inspects only when the tty check fails, to keep docker's error order).
# LEAN_EXEC=missing: docker's only request is that inspect, and minidock's
# the exec create that fails the same way.
parity() {
    local name=$1; shift
    local who
    for who in dk md; do
        : >"$FLOG"
        if [ $who = dk ]; then
            DOCKER_CONFIG=$T/docker-config docker -H "unix://$FSOCK" "$@" >"$T/$who.out" 2>"$T/$who.err" <"${STDIN:-/dev/null}"
        else
            "$MINIDOCK" -H "unix://$FSOCK" "$@" >"$T/$who.out" 2>"$T/$who.err" <"${STDIN:-/dev/null}"
        fi
        echo "rc=$?" >>"$T/$who.out"
        [ "$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$FSOCK" http://x/_fake/settle)" = 200 ] ||
            echo "    (the fake daemon was still busy 10 s after the client ended)"
        norm_log <"$FLOG" >"$T/$who.req"
        [ "${ORDERED:-1}" = 1 ] || sort -o "$T/$who.req" "$T/$who.req"
    done
    if [ -n "${LEAN_EXEC:-}" ] && grep -q '^{"m": "GET", "p": "/containers/[^/"]*/json"' <(head -n1 "$T/dk.req"); then
        sed -i 1d "$T/dk.req"
        if [ "$LEAN_EXEC" = missing ] && [ ! -s "$T/dk.req" ] && [ "$(wc -l <"$T/md.req")" = 1 ] &&
            grep -q '^{"m": "POST", "p": "/containers/[^/"]*/exec"' "$T/md.req"; then
            : >"$T/md.req"
        fi
    fi
    local bad=""
    diff -u "$T/dk.req" "$T/md.req" >"$T/diff.req" || bad="$bad requests"
    diff -u <(norm_out "$T/dk.out") <(norm_out "$T/md.out") >"$T/diff.out" || bad="$bad stdout"
    diff -u <(norm_out "$T/dk.err") <(norm_out "$T/md.err") >"$T/diff.err" || bad="$bad stderr"
    if [ -z "$bad" ]; then
        ok "$name"
    else
        not_ok "$name:$bad differ"
        cat "$T/diff.req" "$T/diff.out" "$T/diff.err" | head -c 3000 | sed 's/^/    /'
    fi
}

# create: the body docker marshals, field for field
parity "create, defaults" create busybox
parity "create, every run/create flag" create -e A=1 --env-file "$T/envf" -w /tmp -u 1000:1000 \
    -h myhost --entrypoint /bin/sh -l a=b -l c -p 127.0.0.1::81 -p 82 -P --expose 90-91 \
    -v /tmp:/data -v /anon -m 64m --memory-swap 128m --cpus 1.5 -c 512 \
    --pids-limit 100 --restart on-failure:2 --init --stop-signal SIGUSR1 --stop-timeout 5 \
    --network none --privileged --cap-add NET_ADMIN --cap-drop ALL --read-only \
    --ulimit nofile=100:200 --ulimit nproc=50 --group-add 10 busybox -c 'echo x <&>'
parity "create, network forms" create --network bridge busybox
parity "create, names and DNS flags" create --dns 10.0.0.1 --dns 10.0.0.2 --dns-search a.example \
    --dns-option ndots:2 --dns-opt rotate --add-host db:10.1.1.1 --add-host v6=[fd00::1] \
    --add-host gw:host-gateway --link web:db --link cache --mac-address 92:d0:c6:0a:29:33 \
    --domainname example.org -h h busybox
parity "create, aliases and links on a user network" create --network mynet --network-alias a1 \
    --net-alias a2 --link web:w --mac-address 92:d0:c6:0a:29:33 busybox
parity "create, relative bind source" create -v ./rel/../rel:/rel:ro busybox
parity "create, restart/volume/limits" create --restart always -v named:/x --memory-swap -1 \
    --pids-limit -1 --ulimit core=5 --entrypoint= busybox
parity "create, -a and -i" create --cpus 0.5 -m 1g -a stdin -a stderr -i busybox
parity "create, -p forms" create --expose 80 -p 80 -p 8080:80/udp -p '[::1]:90:90' \
    -p 1.2.3.4:1000-1001:2000-2001 -p published=8081,target=81 busybox
parity "create, caps normalised" create --cap-add= --cap-add net_admin --cap-add CAP_NET_ADMIN busybox
parity "create, namespaces and kernel settings" create --pid host --ipc shareable --uts host \
    --shm-size 128m --sysctl net.core.somaxconn=1024 --sysctl kernel.shmmax=65536 \
    --device /dev/null --device /dev/zero:/dev/z --device /dev/full:r --device /dev/tty:/dev/t:rw \
    --device-cgroup-rule 'c 1:3 rwm' --device-cgroup-rule 'a *:* m' --oom-score-adj -300 \
    --group-add audio busybox
parity "create, container: modes" create --pid container:web --ipc container:web \
    --network container:web busybox
parity "create, an unchecked IPC mode goes to the daemon" create --ipc bogus busybox
parity "create, image to pull" create nosuch-image
parity "create, pull failing in the stream" create failpull

# run/create: the checks the CLI makes before any request
for bad in "-p x" "-p 99999:80" "-p 80/foo" "--expose 1:2" "--expose abc" "--restart on-failure:x" \
    "--rm --restart always" "-d -a stdout" "--env-file /nonexistent" "-v :/x" "-it" "--pull bogus" \
    "--pid bogus" "--pid container:" "--uts container:x" "--shm-size lots" "--sysctl kernel.hostname=x" \
    "--sysctl net.core.somaxconn" "--device /dev/null:rel" "--device /dev/null:/x:rwx" "--device ::" \
    "--device /a:/b:rw:x" "--device-cgroup-rule bogus" "--oom-score-adj x" \
    "--dns 1.2.3" "--dns-search -x-" "--add-host x" "--add-host x:1.2.3.999" "--link a:b:c" \
    "--network-alias x" "--mac-address zz:zz"; do
    # shellcheck disable=SC2086
    parity "run $bad is refused like docker" run $bad busybox true
done

# run: the attach/wait/start sequence, output, exit codes
parity "run echo" run busybox echo hi
# no abbreviations of long flags (getopt_long takes --al for --all; pflag does not)
parity "an abbreviated flag is unknown" ps --al
parity "an abbreviated flag with a value is unknown" run --pids 5 busybox true
parity "run --rm, stdout/stderr apart, exit code" run --rm busybox sh -c 'echo out; echo err >&2; exit 3'
parity "run -d" run -d busybox true
echo hello >"$T/in.txt"
STDIN=$T/in.txt parity "run -i with piped stdin" run -i busybox cat
STDIN=$T/in.txt parity "run -i --rm, stdin closed at EOF" run -i --rm busybox sh -c 'cat; echo done >&2'
parity "run -a stderr" run -a stderr busybox sh -c 'echo out; echo err >&2'
parity "run --detach-keys" run --detach-keys ctrl-a busybox echo x

# the other verbs
DOCKER_CONFIG=$T/docker-config docker -H "unix://$FSOCK" run -d --name longrun -l b=2 -l a=1 \
    -p 8080:80 -p 127.0.0.1:9000-9001:9000-9001 --expose 7000 busybox sleep 1000 >/dev/null
DOCKER_CONFIG=$T/docker-config docker -H "unix://$FSOCK" run --name logc busybox \
    sh -c 'echo out1; echo err1 >&2; echo out2' >/dev/null 2>&1
ORDERED=0 parity "stop of missing containers" stop nosuch1 nosuch2
parity "stop -s -t" stop -s INT -t 3 nosuch
parity "kill -s" kill -s HUP nosuch
parity "rm -f of a missing container" rm -f nosuch
ORDERED=0 parity "rm -fv" rm -fv nosuch other
parity "rm /" rm /
parity "restart -t" restart -t 2 nosuch
parity "pause" pause nosuch
parity "rename" rename nosuch x
parity "wait" wait nosuch
parity "port" port longrun
parity "port 80" port longrun 80
parity "port 81/udp" port longrun 81/udp
parity "port x" port longrun x
parity "top" top longrun
parity "top with ps options" top longrun aux -o pid
parity "diff" diff longrun
parity "container prune --filter" container prune --filter until=1h -f
parity "ps" ps
parity "ps -a --no-trunc" ps -a --no-trunc
parity "ps -s" ps -s
parity "ps -q" ps -aq
parity "ps -n 2" ps -n 2
parity "ps -f" ps -f status=exited -f name=x
parity "ps --format json" ps --format json
parity "ps --format {{json .}}" ps --format '{{json .}}'
parity "ps --format table with .Label" ps -a --format 'table {{.ID}}\t{{.Label "a"}}\t{{upper .Names}}\t{{.Labels}}'
parity "ps --format with an unknown field" ps --format 'table{{.Bogus}}'
parity "ps --format unparsable" ps --format '{{'
parity "logs" logs logc
parity "logs -t --tail 1" logs -t --tail 1 logc
parity "logs --since --until" logs --since 2024-01-01T00:00:00Z --until 1700000000 logc
parity "logs --since bogus" logs --since bogus logc
parity "logs of a missing container" logs nosuch
parity "inspect" inspect logc
parity "inspect of a missing object" inspect nosuch
parity "inspect -f" inspect -f '{{.Id}} {{.State.Status}}' nosuch logc
parity "inspect --format json" inspect --format json logc busybox
parity "inspect --type bogus" inspect --type bogus x
parity "inspect -s of an image" inspect -s busybox
parity "container inspect of a missing container" container inspect nosuch
parity "stats --no-stream" stats --no-stream longrun
parity "stats --no-stream, all" stats --no-stream
parity "stats --format" stats --no-stream --format 'table {{.Container}}\t{{.Name}}\t{{.CPUPerc}}' longrun
LEAN_EXEC=1 parity "exec" exec longrun sh -c 'echo o; echo e >&2; exit 4'
STDIN=$T/in.txt LEAN_EXEC=1 parity "exec -i" exec -i longrun cat
LEAN_EXEC=1 parity "exec -d -e -w -u --privileged" exec -d -e A=1 -w /tmp -u 1 --privileged longrun true
LEAN_EXEC=missing parity "exec into a missing container" exec nosuch true
parity "exec -it without a terminal" exec -it longrun sh
parity "exec -it into a missing container without a terminal" exec -it nosuch sh

# TTY sessions through a pty: output, exit status, terminal restored
tty_both() { # NAME KEYS... -- ARGS
    local name=$1; shift
    local keys=() a
    while [ "$1" != "--" ]; do keys+=("$1"); shift; done
    shift
    a=$(python3 "$FAKE_DIR/ptyrun.py" "${keys[@]}" -- docker -H "unix://$FSOCK" "${@//@C@/dk}" 2>&1)
    b=$(python3 "$FAKE_DIR/ptyrun.py" "${keys[@]}" -- "$MINIDOCK" -H "unix://$FSOCK" "${@//@C@/md}" 2>&1)
    expect_eq "$name" "$(sed -E 's/[0-9a-f]{12,64}/<ID>/g' <<<"$a")" "$(sed -E 's/[0-9a-f]{12,64}/<ID>/g' <<<"$b")"
    grep -q "term restored True" <<<"$b" && ok "$name: terminal restored" || not_ok "$name: terminal left raw"
}
tty_both "run -it, exit 3" 'echo $((6*7))\r' 'exit 3\r' -- run -it busybox sh
tty_both "run -it, ctrl-p ctrl-q detaches" 'echo hi\r' '\x10\x11' -- run -it --name det-@C@ busybox sh
tty_both "attach, detach keys" 'echo again\r' '\x10\x11' -- attach det-@C@
tty_both "attach --detach-keys" 'echo x\r' '\x01' -- attach --detach-keys ctrl-a det-@C@
tty_both "attach, exit 5" 'exit 5\r' -- attach det-@C@
tty_both "SIGHUP is forwarded" 'echo hi\r' '!HUP' -- run -it busybox sh

kill "$FPID" 2>/dev/null
wait "$FPID" 2>/dev/null
suite_end
