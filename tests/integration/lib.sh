# Shared harness for integration suites (bash, root). A suite sources this,
# calls suite_begin, daemon_start, runs scenarios, and ends with suite_end,
# which stops the daemon, checks that nothing is left on the host and prints
# "N passed, N failed".
#
# Every suite gets its own socket, data-root, exec-root, bridge, nft table and
# cgroup parent, named with a per-suite tag so leftovers are attributable.

set -u
# the system's programs first, as tests/run.sh sets (not a pyenv python3 or a ~/bin curl)
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# MD_BIN_DIR points the suites at other builds (minidockd, minidock-shim, minidock)
MINIDOCKD=${MD_BIN_DIR:-$ROOT/daemon}/minidockd
MINIDOCK=${MD_BIN_DIR:-$ROOT/client}/minidock
SHIM_FLAG=
[ -n "${MD_BIN_DIR:-}" ] && SHIM_FLAG="--shim $MD_BIN_DIR/minidock-shim"
PASS=0
FAIL=0
DPID=

# A program that is not installed: name the package make deps should have brought
# (tests/host-commands.tsv), so the failure says what to fix, not only "not found".
command_not_found_handle() {
    # builtins only: a program called here that is missing too would call this again,
    # without end (it did when a chroot's tree was deleted under a running suite)
    local cmd pkg line
    while IFS=$'\t' read -r cmd pkg; do
        [ "$cmd" = "$1" ] && { line=$pkg; break; }
    done <"$ROOT/tests/host-commands.tsv" 2>/dev/null
    if [ -n "${line:-}" ]; then
        printf "%s: command not found: 'sudo make deps' installs it (package %s)\n" "$1" "${line%%|*}" >&2
    else
        printf '%s: command not found, and tests/host-commands.tsv does not name its package\n' "$1" >&2
    fi
    return 127
}

suite_begin() {
    SUITE=$1
    TAG=mdt$(head -c3 /dev/urandom | od -An -tx1 | tr -d ' \n')
    T=$(mktemp -d "/tmp/mdtest.$TAG.XXXX")
    chmod 755 "$T"
    SOCK=$T/md.sock
    DATA=$T/data
    EXECROOT=$T/exec
    BRIDGE=$TAG
    NFT_TABLE=minidock_$TAG
    CGPARENT=minidock-$TAG
    FIXTURES=${MD_FIXTURES:-/var/cache/minidock-test}
    mkdir -p "$FIXTURES"
    snapshot "$T/before"
    echo "--- suite $SUITE (tag $TAG)"
}

# The host state a container engine could leak: mounts, cgroups, processes,
# links, nft tables. Compared before/after, restricted to what we create.
snapshot() {
    # Only what this suite can have made: everything it creates lives under
    # $T or carries $TAG (shims name their exec dir on the command line).
    {
        echo "## mounts"; grep -F "$T" /proc/self/mountinfo | awk '{print $5}' | sort
        echo "## cgroups"; find /sys/fs/cgroup -maxdepth 6 -type d -name "*$TAG*" 2>/dev/null | sort
        echo "## procs"; pgrep -af -- "$T" | grep -v -e pgrep -e "^$$ " | awk '{$1=""; print}' | sort
        echo "## links"; ip -o link 2>/dev/null | grep -E "$TAG" | awk -F': ' '{print $2}' | sort
        echo "## nft"; nft list tables 2>/dev/null | grep -E "$TAG" | sort
    } >"$1"
}

# DAEMON_WRAP: a command the daemon runs under (e.g. "chroot DIR")
daemon_start() {
    ${DAEMON_WRAP:-} "$MINIDOCKD" --socket "$SOCK" --data-root "$DATA" --exec-root "$EXECROOT" \
        --cgroup-parent "$CGPARENT" --bridge "$BRIDGE" --nft-table "$NFT_TABLE" $SHIM_FLAG --log-level "${MD_LOG_LEVEL:-info}" ${DAEMON_EXTRA_FLAGS:-} "$@" >>"$T/daemon.log" 2>&1 &
    DPID=$!
    local i
    for i in $(seq 1 100); do
        if curl -sf --unix-socket "$SOCK" http://x/_ping >/dev/null 2>&1; then return 0; fi
        kill -0 "$DPID" 2>/dev/null || break
        sleep 0.05
    done
    echo "daemon did not start; log:"; tail -n 30 "$T/daemon.log"
    return 1
}

daemon_stop() {
    [ -n "$DPID" ] || return 0
    kill -TERM "$DPID" 2>/dev/null
    local i
    for i in $(seq 1 100); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$DPID" 2>/dev/null && { echo "daemon ignored SIGTERM"; kill -9 "$DPID"; }
    wait "$DPID" 2>/dev/null
    DPID=
}

# Our client and the stock docker CLI, both pointed at the suite's socket.
md() { "$MINIDOCK" -H "unix://$SOCK" "$@"; }
dk() { DOCKER_CONFIG=$T/docker-config docker -H "unix://$SOCK" "$@"; }
api() { curl -s --unix-socket "$SOCK" "$@"; }  # api [-X METHOD] http://x/path

ok() { PASS=$((PASS + 1)); echo "ok   - $*"; }
not_ok() { FAIL=$((FAIL + 1)); echo "FAIL - $*"; }

# expect_eq NAME EXPECTED ACTUAL
expect_eq() {
    if [ "$2" == "$3" ]; then ok "$1"; else not_ok "$1"; echo "    expected: $(printf '%q' "$2")"; echo "    actual:   $(printf '%q' "$3")"; fi
}
# expect_match NAME ERE ACTUAL
expect_match() {
    if grep -qE -- "$2" <<<"$3"; then ok "$1"; else not_ok "$1"; echo "    pattern: $2"; echo "    actual:  $(head -c 2000 <<<"$3")"; fi
}
expect_no_match() {
    if ! grep -qE -- "$2" <<<"$3"; then ok "$1"; else not_ok "$1"; echo "    unexpected: $2"; echo "    actual:  $(head -c 2000 <<<"$3")"; fi
}
# expect_rc NAME CODE command...   (runs the command; output kept in $OUT)
expect_rc() {
    local name=$1 want=$2; shift 2
    OUT=$("$@" 2>&1); local rc=$?
    if [ "$rc" -eq "$want" ]; then ok "$name"; else not_ok "$name (exit $rc, want $want)"; echo "    output: $(head -c 2000 <<<"$OUT")"; fi
}
# run_both FN: runs scenario FN twice, with CLI=md and with CLI=dk.
run_both() {
    local fn=$1 c
    for c in md dk; do CLI=$c; "$fn"; done
}

# Fixtures: the busybox image is built each run (seconds); callers load it.
busybox_archive() {
    local out=$T/busybox.tar
    [ -s "$out" ] || "$ROOT/contrib/mkimage-busybox.sh" "$out" >"$T/mkimage.log" 2>&1 || { cat "$T/mkimage.log"; return 1; }
    echo "$out"
}

# Some of a container's teardown finishes after the request that caused it has answered:
# the veth reaper (net/reap.h), a shim's exit after its container's, the removal of its
# cgroup. A check for leftovers therefore polls until the host looks as expected, for at
# most SETTLE_TIMEOUT seconds; what is still there after that is a leak and fails.
SETTLE_TIMEOUT=${SETTLE_TIMEOUT:-10}

# snapshot_settled OUT EXPECTED: snapshot into OUT until it equals the file EXPECTED, or
# the bound has passed (OUT then holds the last look)
snapshot_settled() {
    local deadline=$((SECONDS + SETTLE_TIMEOUT))
    while snapshot "$1"; ! cmp -s "$1" "$2" && [ "$SECONDS" -lt "$deadline" ]; do
        sleep 0.05
    done
}

# expect_settles NAME EXPECTED command...: expect_eq of the command's output once it
# equals EXPECTED, or of its last output after the bound
expect_settles() {
    local name=$1 want=$2 got deadline=$((SECONDS + SETTLE_TIMEOUT))
    shift 2
    while got=$("$@" 2>&1); [ "$got" != "$want" ] && [ "$SECONDS" -lt "$deadline" ]; do
        sleep 0.05
    done
    expect_eq "$name" "$want" "$got"
}

suite_end() {
    daemon_stop
    snapshot_settled "$T/after" "$T/before"
    if diff -u "$T/before" "$T/after" >"$T/leftovers.diff"; then
        ok "teardown left nothing on the host"
    else
        not_ok "teardown left something on the host:"; sed 's/^/    /' "$T/leftovers.diff"
    fi
    if [ "$FAIL" -gt 0 ]; then echo "daemon log (tail):"; tail -n 40 "$T/daemon.log" | sed 's/^/    /'; fi
    if [ "$FAIL" -eq 0 ] && [ -z "${MD_KEEP:-}" ]; then rm -rf "$T"; else echo "kept $T"; fi
    echo "$SUITE: $PASS passed, $FAIL failed"
    echo "$PASS passed, $FAIL failed"
    [ "$FAIL" -eq 0 ]
}
