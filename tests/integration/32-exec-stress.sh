#!/bin/bash
# Exec under repetition: 500 short execs through each client into one running
# container, every one's stdout, stderr and exit code checked. An exec whose
# output goes missing one time in a hundred is lost output for a user.
. "$(dirname "$0")/lib.sh"
suite_begin exec-stress
daemon_start || { not_ok "daemon starts"; suite_end; exit 1; }
bb=$(busybox_archive) && md load -i "$bb" >/dev/null && ok "busybox image loaded" || not_ok "load busybox"
md run -d --name target busybox sleep 100000 >/dev/null && ok "a running container" || not_ok "run -d target"

N=${EXEC_STRESS_N:-500}
stress() { # stress NAME CLIENT...: N execs, each with its own output and code checked
    local c=$1 i out err rc bad=0 first=''
    shift
    for i in $(seq 1 "$N"); do
        # bounded: a hung exec fails this exec, not the whole run
        out=$(timeout 30 "$@" exec target sh -c "echo o$i; echo e$i >&2; exit 4" 2>"$T/err")
        rc=$?
        err=$(cat "$T/err")
        if [ "$out" != "o$i" ] || [ "$err" != "e$i" ] || [ "$rc" -ne 4 ]; then
            bad=$((bad + 1))
            [ -n "$first" ] || first="exec $i: stdout $(printf %q "$out") stderr $(printf %q "$err") exit $rc"
        fi
    done
    expect_eq "$c: $N execs, each with its stdout, stderr and exit code 4" "0 bad" "$bad bad${first:+ (first: $first)}"
}
stress md "$MINIDOCK" -H "unix://$SOCK"
stress dk env DOCKER_CONFIG="$T/docker-config" docker -H "unix://$SOCK"
# every exec finished and its runtime dir went with it
ID=$(md inspect -f '{{.Id}}' target)
expect_settles "no exec runtime dir left" "" find "$EXECROOT/$ID/exec" -mindepth 1 -maxdepth 1
md rm -f target >/dev/null

# A daemon that runs chroot'ed (a build root, a rescue system): PID 1's pivot_root then
# swaps the chroot's mount, not its mount namespace's root, and an exec that only joined
# the namespace ran in the host's / (a file it wrote landed in the host's /tmp). The
# chroot here is a recursive bind of /, so every path of the suite is the same inside.
CH=$T/chroot
mkdir -p "$CH" && mount --rbind / "$CH" && mount --make-rslave "$CH"
daemon_stop
DAEMON_WRAP="chroot $CH" daemon_start || not_ok "daemon starts in a chroot"
md run -d --name inchroot busybox sleep 100000 >/dev/null && ok "chroot'ed daemon: a running container" ||
    not_ok "chroot'ed daemon: run -d"
md exec inchroot sh -c "echo inside > /tmp/exec-root-$TAG" >/dev/null 2>&1
expect_eq "chroot'ed daemon: an exec writes into the container's /tmp" "inside" "$(md exec inchroot cat "/tmp/exec-root-$TAG" 2>&1)"
expect_eq "... not into the host's" "absent" "$([ -e "/tmp/exec-root-$TAG" ] && echo present || echo absent)"
rm -f "/tmp/exec-root-$TAG"
md rm -f inchroot >/dev/null
daemon_stop
umount -R "$CH" 2>/dev/null || umount -R -l "$CH"
suite_end
