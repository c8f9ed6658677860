#!/bin/bash
# exec below the API: `minidock-shim exec` driven through tests/integration/rtdrive
# (no HTTP daemon). The process joins every namespace and cgroup of a running
# container, takes its user, env, working dir, capabilities, no_new_privs and
# seccomp, gets a pty or pipes, reports docker's exec errors and its exit code,
# ends with the container, and leaves nothing behind. Root only.
. "$(dirname "$0")/lib.sh"
suite_begin exec-runtime

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
rd() { local v=$1; shift; "$RTD" "$v" --base "$T/base" --layer "$T/layer" --cgroup-parent "$CGPARENT" "$@"; }
# x [opts] -- CMD: exec into container $ID (a new exec id each time); stderr to $T/x.err
x() { rd exec --id "$ID" --eid "$(newid)" "$@" 2>"$T/x.err"; }
ns_of() { local n; for n in mnt uts ipc net pid cgroup; do readlink "/proc/$1/ns/$n"; done; }

# --- a running container to exec into
ID=$(newid)
read -r PID1 _ < <(rd start --id "$ID" --hostname ctrhost --user nobody --cwd /tmp \
    --env PATH=/bin:/usr/bin --env FOO=ctr -- sleep 1000 2>/dev/null)
[ -n "${PID1:-}" ] && kill -0 "$PID1" 2>/dev/null && ok "container running (pid $PID1)" ||
    { not_ok "container start"; suite_end; exit 1; }

out=$(x -- sh -c 'echo out; echo err >&2; exit 5'); rc=$?
expect_eq "exec: stdout through its own attach socket" "out" "$out"
expect_match "exec: stderr apart" "^err$" "$(cat "$T/x.err")"
expect_eq "exec: exit code (read from the shim's status socket)" "5" "$rc"
out=$(x -- sh -c 'hostname; ps -o pid,args | awk "\$1 == 1"; echo $$')
expect_match "exec: the container's hostname and PID namespace (PID 1 is its sleep)" \
    "^ctrhost
 *1 sleep 1000
[0-9]+$" "$out"
expect_no_match "exec: cgroup namespace root is the container's cgroup" ":/.+" "$(x -- cat /proc/self/cgroup)"
out=$(x -- sh -c 'id -u; pwd; echo "$FOO $HOSTNAME $HOME $PATH"')
expect_eq "exec: the container's user, working dir, env (+HOSTNAME, HOME)" "65534
/tmp
ctr ctrhost /nonexistent /bin:/usr/bin" "$out"
out=$(x --user root --cwd / --env FOO=exec --env BAR=1 -- sh -c 'id -u; pwd; echo "$FOO $BAR"')
expect_eq "exec: -u, -w, -e replace and add" "0
/
exec 1" "$out"
expect_eq "exec: -e NAME without = unsets it" "unset" "$(x --env FOO -- sh -c 'echo ${FOO-unset}')"
out=$(x --tty -- sh -c 'tty; stty size; echo $TERM' | tr -d '\r')
expect_match "exec -t: its own pty in the container's devpts, console size, TERM" "^/dev/pts/[0-9]+
24 80
xterm$" "$out"
expect_eq "exec -i: stdin reaches the process, EOF closes it" "hello" "$(echo hello | x --stdin -- cat)"

out=$(x -- nosuch 2>&1); rc=$?
expect_eq "exec of a missing binary: exit 127" "127" "$rc"
expect_match "... with docker's message" 'exec: "nosuch": executable file not found in \$PATH' "$(cat "$T/x.err")"
x -- /etc/passwd >/dev/null; rc=$?
expect_eq "exec of a non-executable: exit 126" "126" "$rc"
expect_match "... permission denied" 'exec: "/etc/passwd": permission denied' "$(cat "$T/x.err")"
x --cwd /nope -- true; rc=$?
expect_eq "exec -w of a missing dir: refused before it runs" "125" "$rc"
expect_match "... with runc's message" 'chdir to cwd \("/nope"\) set in config.json failed: no such file or directory' "$(cat "$T/x.err")"
x --user nosuch -- true; rc=$?
expect_match "exec -u of an unknown user: refused" "unable to find user nosuch: no matching entries in passwd file" "$(cat "$T/x.err")"

# --- security: the container's caps, no_new_privs and seccomp; --privileged
# PID 1 runs as nobody (no effective caps); its bounding set is the container's set
bnd=$(awk '/^CapBnd/ {print $2}' "/proc/$PID1/status")
out=$(x --user root -- grep -E "^(CapEff|CapBnd|NoNewPrivs|Seccomp):" /proc/self/status | tr -s '\t' ' ' | LC_ALL=C sort | paste -sd'|')
expect_eq "exec as root: the container's capability set ($bnd), bounding too; seccomp" \
    "CapBnd: $bnd|CapEff: $bnd|NoNewPrivs: 0|Seccomp: 2" "$out"
own_bnd=$(awk '/^CapBnd/ {print $2}' /proc/self/status)
out=$(x --privileged --user root -- grep -E "^(CapEff|Seccomp):" /proc/self/status | tr -s '\t' ' ')
expect_eq "exec --privileged: our whole bounding set; the container's seccomp stays" "CapEff: $own_bnd
Seccomp: 2" "$out"

# --- the process really is inside: namespaces and cgroups of PID 1
E=$(newid)
read -r XPID XSHIM < <(rd exec-start --id "$ID" --eid "$E" -- sleep 1000 2>/dev/null)
expect_eq "exec-start: same mnt/uts/ipc/net/pid/cgroup namespaces as PID 1" "$(ns_of "$PID1")" "$(ns_of "$XPID")"
expect_eq "exec-start: same cgroups as PID 1 (every hierarchy)" "$(cat "/proc/$PID1/cgroup")" "$(cat "/proc/$XPID/cgroup")"
[ "$(ps -o ppid= -p "$XPID" | tr -d ' ')" = "$XSHIM" ] && ok "exec'd process is its shim's child" || not_ok "parent of $XPID"
expect_eq "reconnect with --eid: the exec's pids" "$XPID $XSHIM" "$(rd reconnect --id "$ID" --eid "$E" 2>/dev/null)"
CSHIM=$(cut -d' ' -f1 "$T/base/exec/$ID/shim.pid")
expect_eq "the exec's shim is forked by the container's shim" "$CSHIM" "$(ps -o ppid= -p "$XSHIM" | tr -d ' ')"
# a shim binary replaced since the container started (an upgrade): its
# running shim may not read today's exec spec, so a fresh shim is spawned
cp "$RTD_DIR/build/minidock-shim" "$T/shim.new" && mv "$T/shim.new" "$RTD_DIR/build/minidock-shim"
E3=$(newid)
read -r _ XSHIM3 < <(rd exec-start --id "$ID" --eid "$E3" -- sleep 1000 2>/dev/null)
[ -n "${XSHIM3:-}" ] && [ "$(ps -o ppid= -p "$XSHIM3" | tr -d ' ')" != "$CSHIM" ] &&
    ok "after the shim binary changed: the exec's shim is a spawned one" || not_ok "exec after a shim upgrade (shim ${XSHIM3:-none})"
expect_eq "... and the exec runs" "ok" "$(x -- echo ok)"

# --- resize of an exec's pty
E2=$(newid)
rd exec-start --id "$ID" --eid "$E2" --tty --user root -- sh -c 'while :; do stty size > /tmp/size; sleep 0.05; done' >/dev/null 2>&1
rd resize --id "$ID" --eid "$E2" -- 30 100 2>/dev/null && ok "resize of the exec's pty accepted" || not_ok "exec resize"
# the loop writes the size every 50 ms: poll for it (bounded), a busy host may be slow
expect_settles "stty size follows the resize" "30 100" x -- cat /tmp/size
rd resize --id "$ID" --eid "$E" -- 30 100 2>/dev/null && not_ok "resize of a pipe exec accepted" || ok "resize of an exec without a tty is refused"

# --- execs end with the container
rd kill --id "$ID" -- 9 2>/dev/null
expect_match "container killed: exit 137" "exit code=137" "$(rd wait --id "$ID" 2>&1)"
expect_match "its exec ended too (137)" "exit code=137" "$(timeout 10 "$RTD" wait --base "$T/base" --id "$ID" --eid "$E" 2>&1)"
for _ in $(seq 1 50); do kill -0 "$XSHIM" 2>/dev/null || break; sleep 0.1; done
kill -0 "$XSHIM" 2>/dev/null && not_ok "exec shim still running" || ok "exec shim gone"
rd cleanup --id "$ID" 2>/dev/null && ok "cleanup with exec dirs inside" || not_ok "cleanup"
[ ! -e "$T/base/exec/$ID" ] && ok "cleanup removes the exec dirs" || not_ok "exec dir left: $(ls -R "$T/base/exec/$ID")"
expect_eq "no process of ours left" "" "$(pgrep -f -- "$T/base/exec/$ID")"

# --- exec into a container that is not running
x -- true; rc=$?
expect_eq "exec into a stopped container: refused" "125" "$rc"
expect_match "... as not running" "container is not running" "$(cat "$T/x.err")"

# --- a container with no_new_privs: the exec gets it too
ID=$(newid)
rd start --id "$ID" --no-new-privs -- sleep 1000 >/dev/null 2>&1
out=$(x -- grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status | tr -s '\t' ' ')
expect_eq "exec: no_new_privs like the container, seccomp last" "NoNewPrivs: 1
Seccomp: 2" "$out"
rd kill --id "$ID" -- 9 2>/dev/null; rd wait --id "$ID" >/dev/null 2>&1; rd cleanup --id "$ID" 2>/dev/null

# --- unified cgroup2, simulated (a private mount of the host's cgroup2 tree)
mkdir -p "$T/cg2"
out=$(unshare -m bash -s "$RTD" "$T" "$CGPARENT" 2>&1 <<'EOS'
RTD=$1 T=$2 CGP=$3
mount --make-rprivate / && mount -t cgroup2 none "$T/cg2" || exit 1
u() { local v=$1; shift; "$RTD" "$v" --base "$T/base" --layer "$T/layer" --cgroup-root "$T/cg2" --cgroup-parent "$CGP" "$@"; }
nid() { head -c32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
ID=$(nid)
u start --id "$ID" -- sleep 100 >/dev/null 2>&1
echo "cgroup: $(u exec --id "$ID" --eid "$(nid)" -- grep ^0:: /proc/self/cgroup 2>/dev/null)"
E=$(nid)
read -r XP _ < <(u exec-start --id "$ID" --eid "$E" -- sleep 100 2>/dev/null)
grep -qx "$XP" "$T/cg2/$CGP/$ID/cgroup.procs" && echo "procs: listed"
u kill --id "$ID" -- 9 2>/dev/null; u wait --id "$ID" >/dev/null 2>&1
u cleanup --id "$ID" 2>/dev/null; [ -e "$T/cg2/$CGP/$ID" ] && echo "left: cgroup" || echo "left: nothing"
umount "$T/cg2"
EOS
)
expect_match "unified: the exec's cgroup (namespaced) is /" "^cgroup: 0::/$" "$out"
expect_match "unified: the exec'd process is in the container's cgroup2 dir" "^procs: listed$" "$out"
expect_match "unified: cleanup after an exec leaves no cgroup" "^left: nothing$" "$out"

expect_eq "no exec dirs left" "0" "$(ls "$T/base/exec" | wc -l)"
for _ in $(seq 1 40); do ps -eo stat,comm | grep -q '^Z.*minidock-shim' || break; sleep 0.1; done
suite_end
