#!/bin/bash
# Shared namespaces and per-container kernel settings, with our client and
# the stock docker CLI: --pid host / container:X, --ipc host / shareable /
# container:X / none, --uts host, --network container:X, --shm-size,
# --sysctl, --device, --device-cgroup-rule, --group-add, --oom-score-adj,
# --init; what the container sees, what inspect shows, docker's refusals
# (exit 125), docker-py, and a host whose /dev/shm and sysctls are as
# they were.
. "$(dirname "$0")/lib.sh"
suite_begin namespaces
daemon_start || { not_ok "daemon starts"; suite_end; exit 1; }
bb=$(busybox_archive) && md load -i "$bb" >/dev/null && ok "busybox image loaded" || not_ok "load busybox"

# the host's values the suite must not change
host_sysctls() { cat /proc/sys/kernel/shmmax /proc/sys/kernel/msgmax /proc/sys/net/core/somaxconn; }
SYSCTLS_BEFORE=$(host_sysctls)
SHM_BEFORE=$(ls -A /dev/shm)
HOST_IPC=$(readlink /proc/self/ns/ipc)
HOST_PID1=$(cat /proc/1/comm)

hc() { $CLI inspect -f "{{.HostConfig.$2}}" "$1"; }

scenario_pid() {
    local c=$CLI
    # --pid host: the host's PID 1 is PID 1 here
    expect_eq "$c: --pid host sees the host's PID 1" "$HOST_PID1" \
        "$($c run --rm --pid host busybox cat /proc/1/comm)"
    expect_match "$c: ... and ps lists it" "^ +1 +root +$HOST_PID1$" \
        "$($c run --rm --pid host busybox ps -o pid,user,comm)"
    # --pid container:X: X's processes, X's sleep as PID 1
    $c run -d --name "pidd-$c" busybox sleep 1000 >/dev/null
    expect_match "$c: --pid container:X sees X's PID 1" "^ +1 +sleep 1000$" \
        "$($c run --rm --pid "container:pidd-$c" busybox ps -o pid,args)"
    $c run -d --name "pidj-$c" --pid "container:pidd-$c" busybox sleep 999 >/dev/null
    expect_eq "$c: inspect HostConfig.PidMode" "container:pidd-$c" "$(hc "pidj-$c" PidMode)"
    expect_match "$c: X sees the joiner's process" "sleep 999" "$($c exec "pidd-$c" ps -o args)"
    # docker: the donor's PID namespace ends with it, and so do the joiners
    $c stop -t 1 "pidd-$c" >/dev/null
    expect_settles "$c: stopping the donor ends the joiner (killed)" "exited 137" \
        $c inspect -f '{{.State.Status}} {{.State.ExitCode}}' "pidj-$c"
    expect_rc "$c: --pid container:X of a stopped X" 125 $c run --rm --pid "container:pidd-$c" busybox true
    expect_match "$c: ... docker's message" "cannot join PID of a non running container: pidd-$c" "$OUT"
    expect_rc "$c: --pid bogus" 125 $c run --rm --pid bogus busybox true
    expect_match "$c: ... the CLI's message" "^(minidock|docker): --pid: invalid PID mode$" "$(head -n1 <<<"$OUT")"
    $c rm -f "pidd-$c" "pidj-$c" >/dev/null
    # docker's run --rm removes the failed one; ours too (nothing left over)
    expect_eq "$c: no container left" "" "$($c ps -aq)"
}

scenario_ipc() {
    local c=$CLI
    expect_eq "$c: --ipc host shares the host's IPC namespace" "$HOST_IPC" \
        "$($c run --rm --ipc host busybox readlink /proc/self/ns/ipc)"
    echo "from the host" >"/dev/shm/mdtest-$TAG-$c"
    expect_eq "$c: ... and the host's /dev/shm" "from the host" \
        "$($c run --rm --ipc host busybox cat "/dev/shm/mdtest-$TAG-$c")"
    rm -f "/dev/shm/mdtest-$TAG-$c"
    expect_match "$c: the default is a private IPC namespace" "^ipc:\[[0-9]+\]$" \
        "$($c run --rm busybox readlink /proc/self/ns/ipc | grep -vxF "$HOST_IPC")"
    # shareable donor, a joiner sees its IPC namespace and /dev/shm
    $c run -d --name "ipcd-$c" --ipc shareable busybox sleep 1000 >/dev/null
    $c exec "ipcd-$c" sh -c 'echo shared > /dev/shm/f'
    expect_eq "$c: --ipc container:X joins X's IPC namespace" \
        "$($c exec "ipcd-$c" readlink /proc/self/ns/ipc)" \
        "$($c run --rm --ipc "container:ipcd-$c" busybox readlink /proc/self/ns/ipc)"
    expect_eq "$c: ... and sees X's /dev/shm" "shared" \
        "$($c run --rm --ipc "container:ipcd-$c" busybox cat /dev/shm/f)"
    $c run --rm --ipc "container:ipcd-$c" busybox sh -c 'echo back > /dev/shm/g'
    expect_eq "$c: ... X sees what the joiner wrote" "back" "$($c exec "ipcd-$c" cat /dev/shm/g)"
    expect_eq "$c: inspect HostConfig.IpcMode" "shareable private" \
        "$(hc "ipcd-$c" IpcMode) $($c inspect -f '{{.HostConfig.IpcMode}}' "$($c run -d busybox true)")"
    $c run -d --name "ipcp-$c" busybox sleep 1000 >/dev/null
    expect_rc "$c: --ipc container:X of a private X" 125 $c run --rm --ipc "container:ipcp-$c" busybox true
    expect_match "$c: ... docker's message" "container ipcp-$c: non-shareable IPC \(hint: use IpcMode:shareable for the donor container\)" "$OUT"
    expect_eq "$c: --ipc none: no /dev/shm mount" "0" \
        "$($c run --rm --ipc none busybox grep -c ' /dev/shm ' /proc/self/mountinfo)"
    expect_rc "$c: --ipc bogus" 125 $c run --rm --ipc bogus busybox true
    expect_match "$c: ... the daemon's message (the CLI does not check)" "Error response from daemon: invalid IPC mode: bogus" "$OUT"
    $c rm -f "ipcd-$c" "ipcp-$c" >/dev/null
    $c container prune -f >/dev/null
}

scenario_uts_net() {
    local c=$CLI
    expect_eq "$c: --uts host: the host's hostname" "$(hostname)" "$($c run --rm --uts host busybox hostname)"
    expect_eq "$c: ... inspect HostConfig.UTSMode" "host" \
        "$($c inspect -f '{{.HostConfig.UTSMode}}' "$($c create --uts host busybox true)")"
    expect_rc "$c: --uts host with -h" 125 $c run --rm --uts host -h foo busybox true
    expect_match "$c: ... docker's message" "conflicting options: hostname and the UTS mode" "$OUT"
    expect_rc "$c: --uts container:x (docker has none)" 125 $c run --rm --uts container:x busybox true
    expect_match "$c: ... the CLI's message" "^(minidock|docker): --uts: invalid UTS mode$" "$(head -n1 <<<"$OUT")"

    $c run -d --name "netd-$c" -h donorhost busybox sleep 1000 >/dev/null
    local ip
    ip=$($c inspect -f '{{.NetworkSettings.IPAddress}}' "netd-$c")
    expect_match "$c: --network container:X sees X's eth0 address" "inet $ip/" \
        "$($c run --rm --network "container:netd-$c" busybox ip -4 addr show eth0)"
    expect_eq "$c: ... X's hostname" "donorhost" "$($c run --rm --network "container:netd-$c" busybox hostname)"
    expect_eq "$c: ... inspect HostConfig.NetworkMode" "container:netd-$c" \
        "$($c inspect -f '{{.HostConfig.NetworkMode}}' "$($c create --network "container:netd-$c" busybox true)")"
    $c run -d --name "netj-$c" --network "container:netd-$c" busybox sleep 1000 >/dev/null
    expect_eq "$c: ... inspect shows no network of its own" "map[]" \
        "$($c inspect -f '{{.NetworkSettings.Networks}}' "netj-$c")"
    expect_rc "$c: network connect of a container:X one" 1 $c network connect bridge "netj-$c"
    expect_match "$c: ... docker's message" "container sharing network namespace with another container or host cannot be connected to any other network" "$OUT"
    $c rm -f "netj-$c" >/dev/null
    expect_rc "$c: --network container:X with -p" 125 $c run --rm --network "container:netd-$c" -p 80:80 busybox true
    expect_match "$c: ... docker's message" "conflicting options: port publishing and the container type network mode" "$OUT"
    expect_rc "$c: --network container:X with -h" 125 $c run --rm --network "container:netd-$c" -h x busybox true
    expect_match "$c: ... docker's message" "conflicting options: hostname and the network mode" "$OUT"
    expect_rc "$c: --network container:X with --expose" 125 $c run --rm --network "container:netd-$c" --expose 80 busybox true
    expect_match "$c: ... docker's message" "conflicting options: port exposing and the container type network mode" "$OUT"
    $c stop -t 1 "netd-$c" >/dev/null
    expect_rc "$c: --network container:X of a stopped X" 125 $c run --rm --network "container:netd-$c" busybox true
    expect_match "$c: ... docker's message" "cannot join network of a non running container: netd-$c" "$OUT"
    expect_rc "$c: --network container:nosuch" 125 $c run --rm --network container:nosuch busybox true
    expect_match "$c: ... docker's message" "No such container: nosuch" "$OUT"
    $c rm -f "netd-$c" >/dev/null
    $c container prune -f >/dev/null
}

scenario_kernel() {
    local c=$CLI
    expect_match "$c: default /dev/shm is 64 MiB" "^shm +65536 " "$($c run --rm busybox df -k /dev/shm | tail -n1)"
    expect_match "$c: --shm-size 128m" "^shm +131072 " "$($c run --rm --shm-size 128m busybox df -k /dev/shm | tail -n1)"
    expect_match "$c: --shm-size in bytes (tmpfs rounds up to pages)" "^shm +980 " \
        "$($c run --rm --shm-size 1000000 busybox df -k /dev/shm | tail -n1)"
    expect_eq "$c: ... inspect HostConfig.ShmSize" "134217728 67108864" \
        "$($c inspect -f '{{.HostConfig.ShmSize}}' "$($c create --shm-size 128m busybox true)") $($c inspect -f '{{.HostConfig.ShmSize}}' "$($c create busybox true)")"
    expect_rc "$c: --shm-size bogus" 125 $c run --rm --shm-size lots busybox true
    expect_match "$c: ... pflag's message" "invalid argument \"lots\" for \"--shm-size\" flag: invalid size: 'lots'" "$OUT"

    expect_eq "$c: --sysctl values read back from /proc/sys" "1048576 8192 4096" \
        "$($c run --rm --sysctl kernel.shmmax=1048576 --sysctl kernel.msgmax=8192 --sysctl net.core.somaxconn=4096 busybox \
            sh -c 'echo $(cat /proc/sys/kernel/shmmax /proc/sys/kernel/msgmax /proc/sys/net/core/somaxconn)')"
    expect_eq "$c: ... inspect HostConfig.Sysctls" "map[net.core.somaxconn:4096]" \
        "$($c inspect -f '{{.HostConfig.Sysctls}}' "$($c create --sysctl net.core.somaxconn=4096 busybox true)")"
    expect_rc "$c: --sysctl of a global one" 125 $c run --rm --sysctl kernel.hostname=x busybox true
    expect_match "$c: ... the CLI's message" "invalid argument \"kernel.hostname=x\" for \"--sysctl\" flag: sysctl 'kernel.hostname=x' is not allowed" "$OUT"
    expect_rc "$c: --sysctl net.* with --network host" 125 $c run --rm --network host --sysctl net.core.somaxconn=1 busybox true
    expect_match "$c: ... docker's message" "sysctl 'net.core.somaxconn' is not allowed in host network namespace" "$OUT"
    expect_rc "$c: --sysctl kernel.shmmax with --ipc host" 125 $c run --rm --ipc host --sysctl kernel.shmmax=1 busybox true
    expect_match "$c: ... refused" "sysctl 'kernel.shmmax' is not allowed in host IPC namespace" "$OUT"

    expect_eq "$c: --device /dev/null:/dev/mynull is the null device, usable" "1,3 ok" \
        "$($c run --rm --device /dev/null:/dev/mynull busybox sh -c 'stat -c "%t,%T" /dev/mynull; echo x > /dev/mynull && echo ok' | tr '\n' ' ' | sed 's/ $//')"
    expect_eq "$c: ... inspect HostConfig.Devices" "/dev/null /dev/mynull rwm" \
        "$($c inspect -f '{{range .HostConfig.Devices}}{{.PathOnHost}} {{.PathInContainer}} {{.CgroupPermissions}}{{end}}' "$($c create --device /dev/null:/dev/mynull busybox true)")"
    expect_eq "$c: a device outside the defaults is refused by the devices cgroup" "refused" \
        "$($c run --rm busybox sh -c 'mknod /tmp/lc c 10 237 && (exec 3</tmp/lc) 2>/dev/null && echo opened || echo refused')"
    expect_eq "$c: --device-cgroup-rule allows it" "opened" \
        "$($c run --rm --device-cgroup-rule 'c 10:237 r' busybox sh -c 'mknod /tmp/lc c 10 237 && (exec 3</tmp/lc) && echo opened || echo refused')"
    expect_eq "$c: --device /dev/loop-control:r reads, cannot write" "read refused" \
        "$($c run --rm --device /dev/loop-control:/dev/lc:r busybox sh -c '(exec 3</dev/lc) && echo read; (exec 3>/dev/lc) 2>/dev/null && echo written || echo refused' | tr '\n' ' ' | sed 's/ $//')"
    expect_rc "$c: --device-cgroup-rule bogus" 125 $c run --rm --device-cgroup-rule 'x 1:2 r' busybox true
    expect_match "$c: ... the CLI's message" "invalid device cgroup format 'x 1:2 r'" "$OUT"
    expect_rc "$c: --device with a relative path" 125 $c run --rm --device /dev/null:mynull busybox true
    expect_match "$c: ... the CLI's message" "mynull is not an absolute path" "$OUT"
    expect_rc "$c: --device of a missing node" 127 $c run --rm --device /dev/nosuch-$TAG busybox true
    expect_match "$c: ... docker's message" "error gathering device information while adding custom device \"/dev/nosuch-$TAG\": no such file or directory" "$OUT"

    expect_eq "$c: --group-add by gid and by the image's group name" "uid=0(root) gid=0(root) groups=0(root),1234,65534(nogroup)" \
        "$($c run --rm --group-add 1234 --group-add nogroup busybox id)"
    expect_eq "$c: --oom-score-adj" "500" "$($c run --rm --oom-score-adj 500 busybox cat /proc/1/oom_score_adj)"
    expect_eq "$c: ... inspect HostConfig.OomScoreAdj" "-200" \
        "$($c inspect -f '{{.HostConfig.OomScoreAdj}}' "$($c create --oom-score-adj -200 busybox true)")"
    expect_rc "$c: --oom-score-adj out of range" 125 $c run --rm --oom-score-adj 1001 busybox true
    expect_match "$c: ... docker's message" "Invalid value 1001, range for oom score adj is \[-1000, 1000\]" "$OUT"
    expect_match "$c: --init: PID 1 is the init, the command its child" "^ +1 /sbin/docker-init -- ps" \
        "$($c run --rm --init busybox ps -o pid,args)"
    $c container prune -f >/dev/null
}

for s in scenario_pid scenario_ipc scenario_uts_net scenario_kernel; do run_both "$s"; done

# the API's own checks (what a client without the CLI's sends)
create() { api -X POST -H 'Content-Type: application/json' -d "$1" http://x/containers/create; }
expect_eq "API: PidMode bogus is a 400 with docker's message" '{"message":"invalid PID mode: bogus"}' \
    "$(create '{"Image":"busybox","HostConfig":{"PidMode":"bogus"}}')"
expect_eq "API: UTSMode container:x" '{"message":"invalid UTS mode: container:x"}' \
    "$(create '{"Image":"busybox","HostConfig":{"UTSMode":"container:x"}}')"
expect_eq "API: a global sysctl" '{"message":"sysctl '"'"'kernel.hostname'"'"' is not whitelisted"}' \
    "$(create '{"Image":"busybox","HostConfig":{"Sysctls":{"kernel.hostname":"x"}}}')"
expect_eq "API: a sysctl climbing out of /proc/sys" '{"message":"sysctl '"'"'net.....kernel.hostname'"'"' is not whitelisted"}' \
    "$(create '{"Image":"busybox","HostConfig":{"Sysctls":{"net.....kernel.hostname":"x"}}}')"
expect_eq "API: ShmSize below 0" '{"message":"SHM size can not be less than 0"}' \
    "$(create '{"Image":"busybox","HostConfig":{"ShmSize":-1}}')"
expect_eq "API: a bad device mode" '{"message":"invalid device mode: rwx"}' \
    "$(create '{"Image":"busybox","HostConfig":{"Devices":[{"PathOnHost":"/dev/null","CgroupPermissions":"rwx"}]}}')"
expect_eq "API: a bad device cgroup rule" '{"message":"invalid device cgroup rule format: '"'"'c 1:3'"'"'"}' \
    "$(create '{"Image":"busybox","HostConfig":{"DeviceCgroupRules":["c 1:3"]}}')"
expect_eq "API: nothing was created by the refusals" "0" "$(api 'http://x/containers/json?all=1' | jq length)"

# docker-py
out=$(SOCK=$SOCK timeout 120 /usr/bin/python3 - <<'PY' 2>&1
import os, docker
c = docker.DockerClient(base_url="unix://" + os.environ["SOCK"])
run = lambda cmd, **kw: c.containers.run("busybox", ["sh", "-c", cmd], remove=True, **kw).decode().strip()
print("pid", run("cat /proc/1/comm", pid_mode="host"))
print("shm", run("df -k /dev/shm | tail -n1 | awk '{print $2}'", shm_size="32m"))
print("sysctl", run("cat /proc/sys/net/core/somaxconn", sysctls={"net.core.somaxconn": "2048"}))
print("oom", run("cat /proc/1/oom_score_adj", oom_score_adj=300))
print("device", run("stat -c %t,%T /dev/pynull", devices=["/dev/null:/dev/pynull:rwm"]))
print("groups", run("id -G", group_add=["4321"]))
try:
    c.containers.create("busybox", "true", sysctls={"kernel.domainname": "x"})
except docker.errors.APIError as e:
    print("refused", e.status_code, e.explanation)
PY
)
expect_eq "docker-py: pid_mode, shm_size, sysctls, oom_score_adj, devices, group_add" "pid $HOST_PID1
shm 32768
sysctl 2048
oom 300
device 1,3
groups 0 4321
refused 400 sysctl 'kernel.domainname' is not whitelisted" "$out"

expect_eq "the host's sysctls are as they were" "$SYSCTLS_BEFORE" "$(host_sysctls)"
expect_eq "the host's /dev/shm is as it was" "$SHM_BEFORE" "$(ls -A /dev/shm)"
suite_end
