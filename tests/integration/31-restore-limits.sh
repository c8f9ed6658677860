#!/bin/bash
# Containers, the hard parts: cgroup limits enforced, --init, restart
# policies, live restore across a daemon kill -9, and no leaks after many
# runs.
. "$(dirname "$0")/lib.sh"
suite_begin restore-limits
daemon_start || { not_ok "daemon starts"; suite_end; exit 1; }
bb=$(busybox_archive) && md load -i "$bb" >/dev/null && ok "busybox image loaded" || not_ok "load busybox"

# --- limits (our client; the docker CLI sends the same HostConfig)
expect_rc "a memory hog under --memory 32m is OOM-killed: 137" 137 \
    md run --name hog --memory 32m --memory-swap 32m busybox sh -c 'x=$(head -c 200000000 /dev/zero | tr "\0" a); echo survived'
expect_eq "State.OOMKilled" "true" "$(md inspect -f '{{.State.OOMKilled}}' hog)"
md rm hog >/dev/null
out=$(md run --rm --pids-limit 20 busybox sh -c 'for i in $(seq 1 40); do sleep 3 & done 2>&1; wait' 2>&1)
expect_match "a fork bomb stops at --pids-limit 20" "can't fork|Resource temporarily unavailable" "$out"
mode=$(api http://x/info | jq -r .CgroupVersion)
if [ "$mode" = 2 ]; then
    memfile=memory.max
    out=$(md run --rm --memory 64m busybox cat /sys/fs/cgroup/memory.max)
    expect_eq "memory.max inside the container" "67108864" "$out"
else
    out=$(md run --rm --memory 64m busybox cat /sys/fs/cgroup/memory/memory.limit_in_bytes)
    expect_eq "memory.limit_in_bytes inside the container (v1)" "67108864" "$out"
    out=$(md run --rm --cpus 1.5 busybox cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us)
    expect_eq "cpu.cfs_quota_us for --cpus 1.5 (v1)" "150000" "$out"
    out=$(md run --rm --cpu-shares 512 busybox cat /sys/fs/cgroup/cpu/cpu.shares)
    expect_eq "cpu.shares for --cpu-shares 512 (v1)" "512" "$out"
    if [ -e /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes ]; then
        out=$(md run --rm --memory 64m --memory-swap 128m busybox cat /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes)
        expect_eq "memory.memsw.limit_in_bytes for --memory-swap 128m (v1)" "134217728" "$out"
    fi
fi
out=$(md run --rm --pids-limit 20 busybox sh -c 'cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max')
expect_eq "pids.max inside for --pids-limit 20" "20" "$out"
expect_eq "HostConfig echoes the limits" "67108864 134217728 512 20" \
    "$(md inspect -f '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.CpuShares}} {{.HostConfig.PidsLimit}}' "$(md create --memory 64m --memory-swap 128m --cpu-shares 512 --pids-limit 20 busybox true)")"
md container prune -f >/dev/null
expect_rc "--memory 1k is refused" 125 md run --rm --memory 1k busybox true
expect_match "... with docker's message" "Minimum memory limit allowed is 6MB" "$OUT"
expect_rc "a bad --restart value is refused" 125 md run --rm --restart sometimes busybox true

# --- --init: signals reach the command; without it a shell PID 1 ignores SIGTERM
md run -d --name noinit busybox sleep 100 >/dev/null
md stop -t 1 noinit >/dev/null
expect_eq "without --init, sleep as PID 1 ignores SIGTERM: killed (137)" "137" "$(md inspect -f '{{.State.ExitCode}}' noinit)"
md run -d --init --name withinit busybox sleep 100 >/dev/null
md stop -t 5 withinit >/dev/null
expect_eq "with --init, SIGTERM reaches sleep (143)" "143" "$(md inspect -f '{{.State.ExitCode}}' withinit)"
md rm noinit withinit >/dev/null

# --- restart policy
md run -d --name flaky --restart on-failure:2 busybox sh -c 'exit 1' >/dev/null
for _ in $(seq 1 100); do
    [ "$(md inspect -f '{{.RestartCount}} {{.State.Status}}' flaky)" = "2 exited" ] && break
    sleep 0.1
done
expect_eq "on-failure:2 restarts twice, then stays exited" "2 exited" "$(md inspect -f '{{.RestartCount}} {{.State.Status}}' flaky)"
md rm flaky >/dev/null

# --- live restore
md run -d --name keeper busybox sleep 1000 >/dev/null
md run -d --name quitter busybox sh -c 'sleep 2; exit 5' >/dev/null
md run -d --name always --restart always busybox sleep 1000 >/dev/null
md run -d --name phoenix --restart always busybox sh -c 'sleep 2; exit 1' >/dev/null
pid=$(md inspect -f '{{.State.Pid}}' keeper)
kill -9 "$DPID"; wait "$DPID" 2>/dev/null; DPID=
kill -0 "$pid" 2>/dev/null && ok "kill -9 of the daemon leaves the container running" || not_ok "container died with the daemon"
sleep 3 # quitter exits while the daemon is away
daemon_start && ok "daemon restarts on the same data root" || not_ok "daemon restart"
expect_eq "after restart: keeper still Up with the same pid" "running $pid" "$(md inspect -f '{{.State.Status}} {{.State.Pid}}' keeper)"
expect_match "ps shows keeper Up" "Up .* +keeper$" "$(md ps)"
expect_eq "a container that exited meanwhile shows its code" "exited 5" "$(md inspect -f '{{.State.Status}} {{.State.ExitCode}}' quitter)"
expect_match "ps -a shows Exited (5)" "Exited \(5\) .* quitter$" "$(md ps -a)"
expect_eq "restart=always container still running" "running" "$(md inspect -f '{{.State.Status}}' always)"
for _ in $(seq 1 50); do
    [ "$(md inspect -f '{{.State.Status}}' phoenix)" = running ] && [ "$(md inspect -f '{{.RestartCount}}' phoenix)" -ge 1 ] && break
    sleep 0.1
done
expect_match "restart=always: an exit while the daemon was away is restarted by the new daemon" "^running [1-9]" \
    "$(md inspect -f '{{.State.Status}} {{.RestartCount}}' phoenix)"
expect_rc "stop works after restore" 0 md stop -t 1 keeper
expect_eq "stopped after restore" "exited" "$(md inspect -f '{{.State.Status}}' keeper)"
expect_rc "logs work after restore" 0 md logs keeper
md rm -f keeper quitter always phoenix >/dev/null

# --- no leaks after many runs
snapshot "$T/mid-before"
fails=0
for i in $(seq 1 200); do md run --rm busybox true >/dev/null 2>&1 || fails=$((fails + 1)); done
expect_eq "200 sequential run --rm busybox true all succeed" 0 "$fails"
snapshot_settled "$T/mid-after" "$T/mid-before"
if diff -u "$T/mid-before" "$T/mid-after" >"$T/mid.diff"; then ok "after 200 runs: same mounts, cgroups and processes"; else not_ok "leaks after 200 runs"; head -20 "$T/mid.diff"; fi
expect_eq "no container records left" "0" "$(ls "$DATA/containers" | wc -l)"
expect_eq "no container exec-root dirs left" "0" "$(ls "$EXECROOT" | grep -cE '^[0-9a-f]{64}$')"
suite_end
