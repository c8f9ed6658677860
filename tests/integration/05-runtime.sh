#!/bin/bash
# The runtime below the API: daemon/runtime + minidock-shim driven through
# tests/integration/rtdrive (no HTTP daemon). Attach frames, exit codes,
# exec errors, namespaces, cgroup limits (OOM, pids), freeze, --init,
# detachment from the caller, cleanup. Root only.
. "$(dirname "$0")/lib.sh"
suite_begin runtime

RTD_DIR=$ROOT/tests/integration/rtdrive
if ! make -s -C "$RTD_DIR" >"$T/build.log" 2>&1; then
    not_ok "build rtdrive"; cat "$T/build.log"; suite_end; exit 1
fi
RTD=$RTD_DIR/build/rtdrive

# busybox rootfs from the project's own recipe
"$ROOT/contrib/mkimage-busybox.sh" --rootfs "$T/bb.tar" >"$T/mkimage.log" 2>&1
mkdir -p "$T/layer" "$T/base" && tar -C "$T/layer" -xf "$T/bb.tar" 2>>"$T/mkimage.log" &&
    [ -x "$T/layer/bin/busybox" ] && ok "busybox rootfs unpacked" ||
    { not_ok "busybox rootfs"; cat "$T/mkimage.log"; suite_end; exit 1; }

newid() { head -c32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
# rd VERB [opts] [-- CMD...]: the driver with this suite's base, layer and cgroup parent
rd() { local v=$1; shift; "$RTD" "$v" --base "$T/base" --layer "$T/layer" --cgroup-parent "$CGPARENT" "$@"; }
# hexdump of a file as one line of bytes
hex() { od -An -tx1 -v "$1" | tr -s ' \n' ' ' | sed 's/^ //; s/ $//'; }

MODE=$("$RTD" mode --base "$T/base" 2>/dev/null | cut -d' ' -f1)
echo "    cgroup mode: $MODE"

# --- attach output, frames, exit codes
out=$(rd run --raw "$T/raw1" -- echo hello 2>"$T/err1"); rc=$?
expect_eq "echo hello: output through attach" "hello" "$out"
expect_eq "echo hello: exit code 0" "0" "$rc"
expect_eq "echo hello: one stdout frame [1,0,0,0,0,0,0,6]+payload" \
    "01 00 00 00 00 00 00 06 68 65 6c 6c 6f 0a" "$(hex "$T/raw1")"

out=$(rd run --raw "$T/raw2" -- sh -c 'echo out; echo err >&2; exit 3' 2>"$T/err2"); rc=$?
expect_eq "out/err: stdout" "out" "$out"
expect_match "out/err: stderr" "^err$" "$(cat "$T/err2")"
expect_eq "out/err: exit code 3" "3" "$rc"
expect_match "out/err: frame 1 carries out" "01 00 00 00 00 00 00 04 6f 75 74 0a" "$(hex "$T/raw2")"
expect_match "out/err: frame 2 carries err" "02 00 00 00 00 00 00 04 65 72 72 0a" "$(hex "$T/raw2")"
expect_match "exit record: code 3, not OOM" "exit code=3 oom_killed=0" "$(cat "$T/err2")"

# --- exec errors cross the clone with docker's wording
out=$(rd run -- nosuch 2>&1); rc=$?
expect_match "nosuch: docker's exec error" 'exec: "nosuch": executable file not found in \$PATH' "$out"
expect_eq "nosuch: exit code 127" "127" "$rc"
out=$(rd run -- /etc/passwd 2>&1); rc=$?
expect_match "not executable: permission denied" 'exec: "/etc/passwd": permission denied' "$out"
expect_eq "not executable: exit code 126" "126" "$rc"
mkdir -p "$T/srcdir"
out=$(rd run --bind "$T/srcdir:/etc/passwd" -- true 2>&1); rc=$?
expect_match "setup error in PID 1 reported as {errno, message}" "mount .*on /etc/passwd: Not a directory" "$out"
expect_eq "setup error: the driver fails (125), nothing runs" "125" "$rc"

# --- namespaces and the filesystem view
out=$(rd run --hostname myhost -- sh -c 'hostname; cat /etc/hostname' 2>/dev/null)
expect_eq "hostname inside = the plan's; /etc/hostname bound from etc_dir" "myhost
myhost" "$out"
out=$(rd run -- sh -c 'echo $$; ps -o pid,args | awk "\$1 == 1"' 2>/dev/null)
expect_match "PID 1 is the command" "^1
 *1 .*sh -c echo" "$out"
out=$(rd run -- cat /proc/self/cgroup 2>/dev/null)
expect_no_match "cgroup namespace: every hierarchy shows / as the root" ":/.+" "$out"
out=$(rd run -- sh -c 'ip -o link | cut -d: -f2 | tr -d " \n"; echo; ip -o addr show lo | grep -c 127.0.0.1' 2>/dev/null)
expect_eq "new network namespace: only lo, and it is up" "lo
1" "$out"
out=$(rd run -- sh -c 'ls /dev | tr "\n" " "; readlink /dev/ptmx; readlink /dev/fd' 2>/dev/null)
expect_match "/dev: standard nodes and links" "^fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero" "$out"
expect_match "/dev/ptmx -> pts/ptmx" "pts/ptmx" "$out"
out=$(rd run -- sh -c 'grep -E " /proc/sys | /sys " /proc/mounts | cut -d" " -f2,4 | cut -d, -f1; wc -c < /proc/timer_list; ls /sys/firmware | wc -l' 2>/dev/null)
expect_eq "masked and read-only paths" "/sys ro
/proc/sys ro
0
0" "$out"
out=$(rd run -- sh -c 'grep -E "^(CapEff|CapBnd|Seccomp|NoNewPrivs):" /proc/self/status | tr -s "\t" " "' 2>/dev/null)
expect_eq "docker's default capabilities, bounding set too; seccomp filter" \
    "CapBnd: 00000000a80425fb|CapEff: 00000000a80425fb|NoNewPrivs: 0|Seccomp: 2" "$(LC_ALL=C sort <<<"$out" | paste -sd'|')"
out=$(rd run --no-new-privs -- grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status 2>/dev/null | tr -s "\t" " ")
expect_eq "no_new_privs: set, seccomp still loaded (last)" "NoNewPrivs: 1
Seccomp: 2" "$out"
out=$(rd run --cap-drop ALL --cap-add NET_BIND_SERVICE -- grep CapEff /proc/self/status 2>/dev/null | tr -s "\t" " ")
expect_eq "cap_drop ALL + cap_add NET_BIND_SERVICE" "CapEff: 0000000000000400" "$out"
own_bnd=$(awk '/^CapBnd/ {print $2}' /proc/self/status)
out=$(rd run --privileged -- sh -c 'grep -E "^(CapEff|Seccomp):" /proc/self/status; [ "$(wc -c < /proc/timer_list)" -gt 0 ] && echo unmasked' 2>/dev/null | tr -s "\t" " ")
expect_eq "privileged: our whole bounding set, no seccomp, nothing masked" "CapEff: $own_bnd
Seccomp: 0
unmasked" "$out"
out=$(rd run --read-only -- sh -c 'touch /x 2>&1; touch /dev/shm/ok && echo tmpfs-ok' 2>/dev/null)
expect_eq "read-only rootfs (tmpfs mounts stay writable)" "touch: /x: Read-only file system
tmpfs-ok" "$out"
mkdir -p "$T/data" && echo bound >"$T/data/f"
out=$(rd run --bind "$T/data:/mnt/data:ro" -- sh -c 'cat /mnt/data/f; touch /mnt/data/g 2>&1' 2>/dev/null)
expect_match "read-only bind: readable, not writable" "^bound
touch: /mnt/data/g: Read-only file system" "$out"
out=$(rd run --bind "$T/newsrc/sub:/new" -- sh -c 'echo x > /new/f' 2>/dev/null)
[ -f "$T/newsrc/sub/f" ] && ok "a missing bind source is created (docker -v)" || not_ok "bind source not created"
out=$(rd run --user nobody --cwd /work/new --env A=1 -- sh -c 'echo $A $(pwd) $(id -u):$(id -g) $HOME' 2>/dev/null)
expect_eq "user, missing cwd created, env, HOME from passwd" "1 /work/new 65534:65534 /nonexistent" "$out"
out=$(rd run --user 4242 -- id 2>/dev/null)
expect_eq "a uid without a passwd entry is fine (primary group also supplementary)" "uid=4242 gid=0(root) groups=0(root)" "$out"
out=$(rd run --user nosuch -- true 2>&1)
expect_match "an unknown user name is refused" "unable to find user nosuch: no matching entries in passwd file" "$out"

# --- tty and stdin
out=$(rd run --tty --raw "$T/raw3" -- sh -c 'tty; echo $TERM' 2>/dev/null)
expect_eq "tty: the container's own /dev/pts/0, raw (unframed) output, TERM" "/dev/pts/0
xterm" "$(tr -d '\r' <<<"$out")"
expect_match "tty: output has no frame header" "^2f 64 65 76" "$(hex "$T/raw3")"
out=$(printf 'a\nb\n' | rd run --stdin --stdin-once -- sh -c 'cat; echo end' 2>/dev/null)
expect_eq "stdin: bytes reach the container, half-close = EOF with stdin_once" "a
b
end" "$out"
ID=$(newid)
rd start --id "$ID" --tty -- sh -c 'sleep 0.4; stty size' >/dev/null 2>&1
rd resize --id "$ID" -- 40 132 2>/dev/null && ok "resize accepted" || not_ok "resize"
out=$(rd attach --id "$ID" --tty 2>/dev/null)
expect_eq "tty size after resize" "40 132" "$(tr -d '\r' <<<"$out")"
rd wait --id "$ID" >/dev/null 2>&1; rd cleanup --id "$ID" 2>/dev/null

# --- json-file log
ID=$(newid)
rd run --id "$ID" -- sh -c 'echo one; printf "two\nthree"; echo err >&2' >/dev/null 2>&1
# the log dir (etc_dir) is the caller's; rt_cleanup leaves it
LOG=$T/base/containers/$ID/$ID-json.log
# docker writes the time as RFC 3339 with nanoseconds, trailing zeros dropped
expect_match "json-file log: docker's record format" \
    '^\{"log":"one\\n","stream":"stdout","time":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(\.[0-9]{0,8}[1-9])?Z"\}$' "$(head -1 "$LOG")"
expect_eq "json-file log: split at newlines, partial last line, stderr stream" \
    'err\n stderr|one\n stdout|three stdout|two\n stdout' \
    "$(sed -E 's/^\{"log":"([^"]*)","stream":"([a-z]+)".*/\1 \2/' "$LOG" | LC_ALL=C sort | paste -sd'|')"

# --- cgroup limits
out=$(rd run --memory 33554432 --memory-swap 33554432 -- sh -c 'x=$(head -c 200000000 /dev/zero | tr "\0" a); echo survived' 2>&1); rc=$?
expect_eq "memory hog under 32m: exit 137" "137" "$rc"
expect_match "memory hog: oom_killed from the cgroup" "exit code=137 oom_killed=1" "$out"
expect_no_match "memory hog: never survived" "survived" "$out"
if [ "$MODE" = unified ]; then
    out=$(rd run --pids 20 -- sh -c 'for i in $(seq 1 40); do sleep 2 & done 2>&1 | head -1; cat /sys/fs/cgroup/pids.max /sys/fs/cgroup/pids.current' 2>/dev/null)
else
    out=$(rd run --pids 20 -- sh -c 'for i in $(seq 1 40); do sleep 2 & done 2>&1 | head -1; cat /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/pids/pids.current' 2>/dev/null)
fi
expect_match "pids_limit 20: fork fails" "can't fork|Resource temporarily unavailable" "$out"
cur=$(tail -1 <<<"$out")
if [ "$(sed -n 2p <<<"$out")" = 20 ] && [ "$cur" -le 20 ] 2>/dev/null; then ok "pids_limit 20: pids.max 20, pids.current $cur <= 20"; else not_ok "pids.current within 20"; echo "    $out"; fi
if [ "$MODE" = unified ]; then
    out=$(rd run --memory 67108864 --cpus-nano 1500000000 -- cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/cpu.max 2>/dev/null)
    expect_eq "limits visible inside (cgroup2)" "67108864
150000 100000" "$out"
else
    out=$(rd run --memory 67108864 --cpus-nano 1500000000 -- cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>/dev/null)
    expect_eq "limits visible inside (v1 hierarchies)" "67108864
150000" "$out"
fi

# --- freeze / thaw, stats, kill, reconnect
ID=$(newid)
read -r PID SHIM < <(rd start --id "$ID" -- sh -c 'while true; do echo tick; sleep 0.05; done' 2>/dev/null)
LOG=$T/base/containers/$ID/$ID-json.log
sleep 0.3
rd freeze --id "$ID" 2>/dev/null && ok "freeze" || not_ok "freeze"
CG2=$(find /sys/fs/cgroup/unified /sys/fs/cgroup -maxdepth 5 -type d -name "$ID" 2>/dev/null | while read -r d; do [ -e "$d/cgroup.freeze" ] && echo "$d" && break; done)
if [ -n "$CG2" ]; then
    expect_match "cgroup2 cgroup.events says frozen 1" "^frozen 1$" "$(cat "$CG2/cgroup.events")"
else
    FZ=$(find /sys/fs/cgroup/freezer -maxdepth 5 -type d -name "$ID" | head -1)
    expect_eq "v1 freezer.state FROZEN" "FROZEN" "$(cat "$FZ/freezer.state")"
fi
n1=$(wc -l <"$LOG"); sleep 0.4; n2=$(wc -l <"$LOG")
expect_eq "frozen: no output while frozen" "$n1" "$n2"
rd thaw --id "$ID" 2>/dev/null && ok "thaw" || not_ok "thaw"
sleep 0.4; n3=$(wc -l <"$LOG")
[ "$n3" -gt "$n2" ] && ok "thawed: output resumes" || not_ok "thawed: output resumes ($n2 -> $n3)"
expect_match "stats: pids and memory from the cgroup" "pids_current [1-9]" "$(rd stats --id "$ID" 2>/dev/null)"
expect_eq "reconnect: same pids from exec_dir, verified" "$PID $SHIM" "$(rd reconnect --id "$ID" 2>/dev/null)"
sid=$(ps -o sid= -p "$SHIM" | tr -d ' ')
ppid=$(ps -o ppid= -p "$SHIM" | tr -d ' ')
if [ "$sid" != "$(ps -o sid= -p $$ | tr -d ' ')" ] && [ "$ppid" != $$ ]; then
    ok "shim is detached: own session ($sid), reparented (parent $ppid)"
else
    not_ok "shim not detached: sid $sid ppid $ppid"
fi
rd kill --id "$ID" -- 9 2>/dev/null
expect_match "kill 9: exit 137" "exit code=137" "$(rd wait --id "$ID" 2>&1)"
rd cleanup --id "$ID" 2>/dev/null
[ ! -e "$T/base/exec/$ID" ] && ok "cleanup removes exec_dir" || not_ok "exec_dir left"
expect_eq "cleanup: no cgroup dir left" "" "$(find /sys/fs/cgroup -maxdepth 6 -type d -name "$ID" 2>/dev/null)"
expect_eq "cleanup: overlay unmounted" "" "$(grep "$ID" /proc/self/mountinfo)"
rd cleanup --id "$ID" 2>/dev/null && ok "cleanup is idempotent" || not_ok "second cleanup failed"

# --- --init: signals reach the command; a bare PID 1 ignores SIGTERM
ID=$(newid)
rd start --id "$ID" --init -- sleep 100 >/dev/null 2>&1
out=$(rd run --init -- sh -c 'ps -o pid,args | awk "\$1 <= 2"' 2>/dev/null)
expect_match "--init: PID 1 is the built-in init, the command PID 2" "1 /sbin/docker-init -- sh -c" "$out"
rd kill --id "$ID" -- 15 2>/dev/null
expect_match "--init: SIGTERM ends sleep (143)" "exit code=143" "$(timeout 5 "$RTD" wait --base "$T/base" --id "$ID" 2>&1)"
rd cleanup --id "$ID" 2>/dev/null
ID=$(newid)
read -r PID _ < <(rd start --id "$ID" -- sleep 100 2>/dev/null)
rd kill --id "$ID" -- 15 2>/dev/null; sleep 0.3
kill -0 "$PID" 2>/dev/null && ok "no --init: sleep as PID 1 ignores SIGTERM" || not_ok "PID 1 died of SIGTERM"
rd kill --id "$ID" -- 9 2>/dev/null; rd wait --id "$ID" >/dev/null 2>&1; rd cleanup --id "$ID" 2>/dev/null

# --- the container survives kill -9 of its starter
ID=$(newid)
rd run --id "$ID" -- sh -c 'sleep 1.5; echo bye; exit 4' >/dev/null 2>&1 &
DRV=$!
for _ in $(seq 1 50); do [ -s "$T/base/exec/$ID/pid" ] && break; sleep 0.05; done
sleep 0.2
kill -9 "$DRV"; wait "$DRV" 2>/dev/null
PID=$(cut -d' ' -f1 "$T/base/exec/$ID/pid")
kill -0 "$PID" 2>/dev/null && ok "kill -9 of the driver leaves the container running" || not_ok "container died with its driver"
expect_match "...and its exit is still recorded (4)" "exit code=4" "$(rd wait --id "$ID" 2>&1)"
expect_match "...and its output still logged" '"log":"bye\\n"' "$(cat "$T/base/containers/$ID/$ID-json.log")"
rd cleanup --id "$ID" 2>/dev/null

# --- unified cgroup2, simulated: this host is hybrid, but a private mount of
# its cgroup2 hierarchy is a unified root to the runtime (no controllers are
# bound there, so no limits; freeze, kill, the cgroup2 view inside and the
# BPF device filter are all real)
mkdir -p "$T/cg2"
out=$(unshare -m bash -s "$RTD" "$T" "$CGPARENT" 2>&1 <<'EOS'
RTD=$1 T=$2 CGP=$3
mount --make-rprivate / && mount -t cgroup2 none "$T/cg2" || exit 1
u() { local v=$1; shift; "$RTD" "$v" --base "$T/base" --layer "$T/layer" --cgroup-root "$T/cg2" --cgroup-parent "$CGP" "$@"; }
echo "mode: $(u mode 2>/dev/null)"
u run -- sh -c 'echo "inside: $(grep " /sys/fs/cgroup " /proc/mounts | cut -d" " -f3) $(grep ^0:: /proc/self/cgroup)"
    mknod /dev/sdx b 8 0 && echo "mknod: ok"; head -c1 /dev/sdx 2>&1 | sed "s/^/disk: /"
    head -c3 /dev/zero | wc -c | sed "s/^/zero: /"' 2>/dev/null
ID=$(head -c32 /dev/urandom | od -An -tx1 | tr -d ' 
')
u start --id "$ID" -- sleep 100 >/dev/null 2>&1
u freeze --id "$ID" 2>/dev/null && echo "events: $(grep frozen "$T/cg2/$CGP/$ID/cgroup.events")"
u thaw --id "$ID" 2>/dev/null && echo "thawed: $(grep frozen "$T/cg2/$CGP/$ID/cgroup.events")"
u kill --id "$ID" -- 9 2>/dev/null; u wait --id "$ID" 2>&1 | grep -o "code=[0-9]*" | sed "s/^/wait: /"
u cleanup --id "$ID" 2>/dev/null; [ -e "$T/cg2/$CGP/$ID" ] && echo "cgroup: left" || echo "cgroup: removed"
umount "$T/cg2"
EOS
)
expect_match "unified: detected as unified, cgroup version 2" "^mode: unified 2$" "$out"
expect_match "unified: cgroup2 at /sys/fs/cgroup inside, own cgroup is /" "^inside: cgroup2 0::/$" "$out"
expect_match "unified: mknod allowed (c/b *:* m)" "^mknod: ok$" "$out"
expect_match "unified: BPF device filter refuses the disk" "^disk: head: /dev/sdx: Operation not permitted$" "$out"
expect_match "unified: /dev/zero allowed" "^zero: 3$" "$out"
expect_match "unified: cgroup.freeze + cgroup.events" "^events: frozen 1$" "$out"
expect_match "unified: thaw" "^thawed: frozen 0$" "$out"
expect_match "unified: kill 9 -> 137" "^wait: code=137$" "$out"
expect_match "unified: cleanup removes the cgroup" "^cgroup: removed$" "$out"

# --- nothing left: exec dirs, overlay mounts (suite_end checks mounts, cgroups, processes)
expect_eq "no exec dirs left" "0" "$(ls "$T/base/exec" | wc -l)"
expect_eq "no overlay mounted" "0" "$(grep -c "$T/base/overlay" /proc/self/mountinfo)"
# shims of containers started by a driver that already exited belong to
# init, which reaps on its own schedule (this host's init: up to ~2 s)
for _ in $(seq 1 40); do ps -eo stat,comm | grep -q '^Z.*minidock-shim' || break; sleep 0.1; done
suite_end
