#!/bin/bash
# Security: requests that must not crash, hang or exhaust the daemon (prune
# filters, a container's own /etc files), requested hardening that must be
# applied or refused (--security-opt, --ulimit), and create-time validation
# of values that used to fail only at start. Both clients where it applies,
# curl for the raw requests.
. "$(dirname "$0")/lib.sh"
suite_begin security
daemon_start || { not_ok "daemon starts"; suite_end; exit 1; }
bb=$(busybox_archive) && md load -i "$bb" >/dev/null && ok "busybox image loaded" || not_ok "load busybox"

alive() { api -o /dev/null -w '%{http_code}' --max-time 5 http://x/_ping; }
# code_of METHOD PATH [BODY]: the HTTP status of a raw request
code_of() {
    if [ $# -gt 2 ]; then
        api -o "$T/body" -w '%{http_code}' -X "$1" -H 'Content-Type: application/json' -d "$3" "http://x$2"
    else
        api -o "$T/body" -w '%{http_code}' -X "$1" "http://x$2"
    fi
}

# ---- 1. prune filters: a bad "until" is a 400, never a crash ----
for kind in containers images networks volumes; do
    code=$(code_of POST "/$kind/prune?filters=%7B%22until%22%3A%5B%22bogus%22%5D%7D")
    if [ "$kind" = volumes ]; then
        # docker's volume prune takes no until filter
        expect_eq "$kind prune until=bogus: 400" "400 invalid filter 'until'" "$code $(jq -r .message "$T/body")"
    else
        expect_eq "$kind prune until=bogus: 400 with docker's message" \
            "400 failed to parse value as time or duration: \"bogus\"" "$code $(jq -r .message "$T/body")"
    fi
    expect_eq "... the daemon still answers" 200 "$(alive)"
done
code=$(code_of POST "/containers/prune?filters=%7B%22until%22%3A%5B%221s%22%2C%222s%22%5D%7D")
expect_eq "containers prune with two until values: 400" "400 more than one until filter specified" "$code $(jq -r .message "$T/body")"
for c in md dk; do
    expect_rc "$c container prune -f --filter until=bogus fails" 1 $c container prune -f --filter until=bogus
    expect_match "$c: ... with docker's message" 'failed to parse value as time or duration: "bogus"' "$OUT"
done
expect_eq "the daemon survived every prune" 200 "$(alive)"

# ---- 2. a container's own /etc files cannot hang or exhaust the daemon ----
# the clients with a bound: a hang is a failure, not a stuck suite
t_md() { timeout 20 "$MINIDOCK" -H "unix://$SOCK" "$@"; }
t_dk() { DOCKER_CONFIG=$T/docker-config timeout 20 docker -H "unix://$SOCK" "$@"; }
daemon_rss() { awk '/^VmRSS:/ {print $2}' /proc/$DPID/status; }
# each container replaces a file the daemon reads for exec -u / cp by
# something that is not a regular file, then waits
hostile() {
    md run -d --name "$1" busybox sh -c "$2 && touch /ready && sleep 300" >/dev/null
    expect_settles "$1: set up" "yes" bash -c "$MINIDOCK -H unix://$SOCK exec $1 test -e /ready && echo yes"
}
hostile fifo-pw 'rm /etc/passwd && mkfifo /etc/passwd'
hostile zero-pw 'rm /etc/passwd && mknod /etc/passwd c 1 9'
hostile zero-gr 'rm /etc/group && mknod /etc/group c 1 5'
hostile big-gr 'yes nogroup:x:65534: | head -c 5000000 > /etc/group'
rss0=$(daemon_rss)
for c in md dk; do
    expect_rc "$c: exec -u NAME with /etc/passwd a FIFO fails" 1 t_$c exec -u someone fifo-pw true
    expect_match "$c: ... promptly, at exec create (as 40-interactive), with docker's words and the reason" \
        "Error response from daemon: unable to find user someone: /etc/passwd is not a regular file" "$OUT"
    expect_rc "$c: exec -u NAME with /etc/passwd a urandom node fails" 1 t_$c exec -u someone zero-pw true
    expect_match "$c: ... naming the file" "unable to find user someone: /etc/passwd is not a regular file" "$OUT"
    expect_rc "$c: exec -u root:GROUP with /etc/group a /dev/zero node fails" 1 t_$c exec -u root:staff zero-gr true
    expect_match "$c: ... naming the file" "unable to find group staff: /etc/group is not a regular file" "$OUT"
    expect_rc "$c: exec -u root:GROUP with a 5 MB /etc/group fails" 1 t_$c exec -u root:staff big-gr true
    expect_match "$c: ... naming the limit" "unable to find group staff: /etc/group is larger than 4 MiB" "$OUT"
    expect_eq "$c: numeric ids need no passwd file (as with docker)" "1234:5678" \
        "$(t_$c exec -u 1234:5678 fifo-pw awk '/^Uid:/ {u = $2} /^Gid:/ {g = $2} END {print u ":" g}' /proc/self/status)"
done
rss1=$(daemon_rss)
expect_eq "the daemon still answers" 200 "$(alive)"
expect_eq "... and its memory did not grow by 64 MB or more" "yes" "$([ $((rss1 - rss0)) -lt 65536 ] && echo yes || echo "no: $rss0 kB -> $rss1 kB")"
# cp -a into a container running as a named user resolves it the same way
md run -d --name cp-pw -u nobody busybox sh -c 'sleep 300' >/dev/null
md exec -u 0 cp-pw sh -c 'mkdir /x && mkfifo /x/fifo && mknod /x/zero c 1 5 && echo data > /x/file'
md exec -u 0 cp-pw sh -c 'rm /etc/passwd && mkfifo /etc/passwd'
echo hi >"$T/hi.txt"
for c in md dk; do
    expect_rc "$c: cp -a into a container whose /etc/passwd is a FIFO fails" 1 t_$c cp -a "$T/hi.txt" cp-pw:/tmp/
    expect_match "$c: ... promptly, naming the file" "unable to find user nobody: /etc/passwd is not a regular file" "$OUT"
done
# a FIFO and a device node in the tree: cp out archives them as such, reading neither
expect_eq "cp of a directory with a FIFO and a device node: their headers only" "x/ x/fifo x/file x/zero" \
    "$(t_md cp cp-pw:/x - | tar -t | sort | tr '\n' ' ' | sed 's/ $//')"
md rm -f fifo-pw zero-pw zero-gr big-gr cp-pw >/dev/null
expect_eq "the daemon still answers after all of it" 200 "$(alive)"

# ---- 3. --security-opt: applied, or refused by name ----
status_of() { grep -E "^$2:" <<<"$1" | awk '{print $2}'; }
cat >"$T/nomkdir.json" <<'JSON'
{
  "defaultAction": "SCMP_ACT_ALLOW",
  "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
  "syscalls": [
    {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
    {"names": ["chmod", "fchmodat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
     "args": [{"index": 1, "value": 511, "op": "SCMP_CMP_EQ"}]},
    {"name": "no_such_syscall_anywhere", "action": "SCMP_ACT_ERRNO"}
  ]
}
JSON
secopt_scenario() {
    local c=$CLI st
    st=$($c run --rm busybox cat /proc/self/status)
    expect_eq "$c: default: NoNewPrivs 0, Seccomp 2" "0 2" "$(status_of "$st" NoNewPrivs) $(status_of "$st" Seccomp)"
    for o in no-new-privileges no-new-privileges:true no-new-privileges=true; do
        st=$($c run --rm --security-opt "$o" busybox cat /proc/self/status)
        expect_eq "$c: --security-opt $o: NoNewPrivs 1" "1" "$(status_of "$st" NoNewPrivs)"
    done
    st=$($c run --rm --security-opt no-new-privileges=false busybox cat /proc/self/status)
    expect_eq "$c: no-new-privileges=false: NoNewPrivs 0" "0" "$(status_of "$st" NoNewPrivs)"
    $c run -d --name "nnp-$c" --security-opt no-new-privileges busybox sleep 300 >/dev/null
    st=$($c exec "nnp-$c" cat /proc/self/status)
    expect_eq "$c: ... and its execs: NoNewPrivs 1, Seccomp 2" "1 2" "$(status_of "$st" NoNewPrivs) $(status_of "$st" Seccomp)"
    $c rm -f "nnp-$c" >/dev/null
    st=$($c run --rm --security-opt seccomp=unconfined busybox cat /proc/self/status)
    expect_eq "$c: seccomp=unconfined: Seccomp 0" "0" "$(status_of "$st" Seccomp)"
    st=$($c run --rm --security-opt seccomp=builtin busybox cat /proc/self/status)
    expect_eq "$c: seccomp=builtin: the default filter" "2" "$(status_of "$st" Seccomp)"
    # a docker-format profile denying mkdir
    expect_rc "$c: seccomp=PROFILE denying mkdir: mkdir fails" 1 \
        $c run --rm --security-opt "seccomp=$T/nomkdir.json" busybox mkdir /tmp/x
    expect_match "$c: ... with the profile's errno (EPERM)" "Operation not permitted" "$OUT"
    expect_eq "$c: ... other calls still work" "ok" \
        "$($c run --rm --security-opt "seccomp=$T/nomkdir.json" busybox sh -c 'touch /tmp/f && echo ok')"
    expect_eq "$c: ... an argument filter: chmod 777 denied (EACCES), chmod 755 allowed" "denied ok" \
        "$($c run --rm --security-opt "seccomp=$T/nomkdir.json" busybox sh -c 'touch /f; chmod 777 /f 2>/dev/null || printf denied; chmod 755 /f && echo " ok"')"
    $c run -d --name "prof-$c" --security-opt "seccomp=$T/nomkdir.json" busybox sleep 300 >/dev/null
    expect_rc "$c: ... execs get the profile too" 1 $c exec "prof-$c" mkdir /tmp/y
    expect_eq "$c: ... inspect shows the profile in SecurityOpt" "SCMP_ACT_ALLOW" \
        "$($c inspect "prof-$c" | jq -r '.[0].HostConfig.SecurityOpt[0] | ltrimstr("seccomp=") | fromjson | .defaultAction')"
    $c rm -f "prof-$c" >/dev/null
    st=$($c run --rm --privileged --security-opt "seccomp=$T/nomkdir.json" busybox sh -c 'mkdir /tmp/z && cat /proc/self/status')
    expect_eq "$c: --privileged wins over a profile (as docker): no filter" "0" "$(status_of "$st" Seccomp)"
    # accepted as no-ops: minidock applies no AppArmor or SELinux confinement
    for o in apparmor=unconfined label=disable label:disable; do
        expect_rc "$c: --security-opt $o accepted (nothing to turn off)" 0 $c run --rm --security-opt "$o" busybox true
    done
    # refused by name
    expect_rc "$c: apparmor=PROFILE refused" 125 $c run --rm --security-opt apparmor=docker-default busybox true
    expect_match "$c: ... naming the option" "minidock does not support HostConfig.SecurityOpt=apparmor=docker-default" "$OUT"
    expect_rc "$c: label=type:... refused" 125 $c run --rm --security-opt label=type:svirt_apache_t busybox true
    expect_match "$c: ... naming the option" "minidock does not support HostConfig.SecurityOpt=label=type:svirt_apache_t" "$OUT"
    expect_rc "$c: an unknown option refused" 125 $c run --rm --security-opt foo=bar busybox true
    expect_match "$c: ... with docker's message" 'invalid --security-opt 2: \\?"foo=bar\\?"' "$OUT"
    expect_rc "$c: no-new-privileges=maybe refused" 125 $c run --rm --security-opt no-new-privileges=maybe busybox true
    expect_match "$c: ... with docker's message" 'invalid --security-opt 2: \\?"no-new-privileges=maybe\\?"' "$OUT"
    expect_rc "$c: a value-less option refused by the client" 125 $c run --rm --security-opt seccomp busybox true
    expect_match "$c: ... with docker's message" 'Invalid --security-opt: "seccomp"' "$OUT"
    expect_rc "$c: a missing profile file" 125 $c run --rm --security-opt seccomp=/nonexistent.json busybox true
    expect_match "$c: ... with docker's message" 'opening seccomp profile \(/nonexistent.json\) failed: open /nonexistent.json: no such file or directory' "$OUT"
}
run_both secopt_scenario
# the raw API: a bad profile is a 400 at create, nothing created
n0=$(api http://x/containers/json?all=1 | jq length)
code=$(code_of POST /containers/create '{"Image":"busybox","HostConfig":{"SecurityOpt":["seccomp={\"defaultAction\":\"SCMP_ACT_BOGUS\"}"]}}')
expect_eq "API: a profile with an unknown action: 400" "400 seccomp profile: unknown action SCMP_ACT_BOGUS" "$code $(jq -r .message "$T/body")"
code=$(code_of POST /containers/create '{"Image":"busybox","HostConfig":{"SecurityOpt":["seccomp=not json"]}}')
expect_match "API: a profile that is not JSON: 400 with docker's words" "^400 Decoding seccomp profile failed: " "$code $(jq -r .message "$T/body")"
code=$(code_of POST /containers/create '{"Image":"busybox","HostConfig":{"SecurityOpt":["seccomp={\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"name\":\"a\",\"names\":[\"b\"],\"action\":\"SCMP_ACT_ERRNO\"}]}"]}}')
expect_eq "API: name and names both: 400" "400 'name' and 'names' were specified in the seccomp profile, use either 'name' or 'names'" "$code $(jq -r .message "$T/body")"
code=$(code_of POST /containers/create '{"Image":"busybox","HostConfig":{"SecurityOpt":["nonsense"]}}')
expect_eq "API: an option without a value: 400" "400 invalid --security-opt 1: \"nonsense\"" "$code $(jq -r .message "$T/body")"
expect_eq "... none of these created a container" "$n0" "$(api http://x/containers/json?all=1 | jq length)"
# docker-py
out=$(SOCK=$SOCK timeout 120 /usr/bin/python3 - <<'PY' 2>&1
import os, docker
c = docker.DockerClient(base_url="unix://" + os.environ["SOCK"])
out = c.containers.run("busybox", "grep NoNewPrivs /proc/self/status", security_opt=["no-new-privileges"], remove=True)
print(out.decode().split())
try:
    c.containers.run("busybox", "true", security_opt=["bogus=1"], remove=True)
except docker.errors.APIError as e:
    print(e.status_code, e.explanation)
PY
)
expect_eq "docker-py: security_opt applied and refused" "['NoNewPrivs:', '1']
400 invalid --security-opt 2: \"bogus=1\"" "$out"

# ---- 6. validation at create: 400 before anything exists, not 500 at start ----
n0=$(api http://x/containers/json?all=1 | jq length)
check_create() { # NAME BODY WANT_MESSAGE
    local code
    code=$(code_of POST /containers/create "$2")
    expect_eq "$1" "400 $3" "$code $(jq -r .message "$T/body")"
}
check_create "PidsLimit 2^63-1: 400" '{"Image":"busybox","Cmd":["true"],"HostConfig":{"PidsLimit":9223372036854775807}}' \
    "invalid PidsLimit 9223372036854775807: the kernel's maximum is 4194304 (0 or -1: unlimited)"
check_create "GroupAdd 99999999999: 400" '{"Image":"busybox","Cmd":["true"],"HostConfig":{"GroupAdd":["99999999999"]}}' \
    "group 99999999999: ids must be in range 0-2147483647"
check_create "a 41-bit User uid: 400" '{"Image":"busybox","Cmd":["true"],"User":"2199023255552"}' \
    "user 2199023255552: ids must be in range 0-2147483647"
check_create "a Hostname with a newline: 400" '{"Image":"busybox","Cmd":["true"],"Hostname":"web\n10.0.0.1 bank.example"}' \
    "invalid hostname: it contains whitespace or a control character (byte 0x0a)"
expect_eq "... none of them created a container" "$n0" "$(api http://x/containers/json?all=1 | jq length)"
for c in md dk; do
    expect_rc "$c: --pids-limit 2^63-1 refused at create" 1 $c create --pids-limit 9223372036854775807 busybox true
    expect_match "$c: ... with the kernel's maximum" "the kernel's maximum is 4194304" "$OUT"
    expect_rc "$c: -u with a 41-bit uid refused at create" 1 $c create -u 2199023255552 busybox true
    expect_match "$c: ... with docker's words" "user 2199023255552: ids must be in range 0-2147483647" "$OUT"
done
code=$(code_of POST /containers/create '{"Image":"busybox","Cmd":["true"],"HostConfig":{"Memory":9223372036854775807}}')
expect_eq "Memory=2^63-1: created (no overflow into a negative swap limit)" 201 "$code"
mid=$(jq -r .Id "$T/body")
expect_eq "... MemorySwap is unlimited (-1), not 2*Memory wrapped" "9223372036854775807 -1" \
    "$(md inspect -f '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}' "$mid")"
expect_rc "... and it starts" 0 md start -a "$mid"
md rm -f "$mid" >/dev/null
# a NUL in a query value is not cut off: SIGTERM%00garbage is no SIGTERM
md run -d --name sigc busybox sleep 300 >/dev/null
code=$(code_of POST "/containers/sigc/kill?signal=SIGTERM%00garbage")
expect_eq "kill ?signal=SIGTERM%00garbage: 400" "400 invalid query parameter signal: it contains a NUL byte" "$code $(jq -r .message "$T/body")"
code=$(code_of POST "/containers/sigc/stop?signal=SIGKILL%00x&t=0")
expect_eq "stop ?signal=SIGKILL%00x: 400" "400 invalid query parameter signal: it contains a NUL byte" "$code $(jq -r .message "$T/body")"
code=$(code_of POST "/containers/sigc/kill?signal=SIGTERMgarbage")
expect_eq "kill ?signal=SIGTERMgarbage: 400" "400 Invalid signal: SIGTERMgarbage" "$code $(jq -r .message "$T/body")"
expect_eq "... the container still runs" "running" "$(md inspect -f '{{.State.Status}}' sigc)"
md rm -f sigc >/dev/null
# the API version prefix: digits only, so no prefix skips the version check
expect_eq "/v-1.-1/containers/json: 404, not served unversioned" "404" "$(code_of GET /v-1.-1/containers/json)"
expect_eq "/v1.-1/containers/json: 404" "404" "$(code_of GET /v1.-1/containers/json)"
code=$(code_of GET /v4294967297.50/containers/json)
expect_eq "/v4294967297.50/: too new, not wrapped to 1.50" "400 client version 4294967297.50 is too new. Maximum supported API version is 1.50" \
    "$code $(jq -r .message "$T/body")"
expect_eq "/v1.23/: too old" "400" "$(code_of GET /v1.23/containers/json)"
expect_eq "/v1.50/: served" "200" "$(code_of GET /v1.50/containers/json)"

# ---- 8. --ulimit above the daemon's hard limit: refused, not clamped ----
hard=$(awk '/^Max open files/ {print $5}' /proc/$DPID/limits)
for c in md dk; do
    expect_rc "$c: --ulimit nofile above the daemon's hard limit ($hard) refused" 125 \
        $c run --rm --ulimit "nofile=1024:$((hard + 1))" busybox true
    expect_match "$c: ... naming the limit" "ulimit nofile: hard limit $((hard + 1)) is above the daemon's hard limit $hard" "$OUT"
    expect_eq "$c: --ulimit nofile at the hard limit is applied" "1024 $hard" \
        "$($c run --rm --ulimit "nofile=1024:$hard" busybox sh -c 'echo $(ulimit -Sn) $(ulimit -Hn)')"
done

suite_end
