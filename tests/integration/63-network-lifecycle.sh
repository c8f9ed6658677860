#!/bin/bash
# Network across a container's life: published ports follow stop, start and
# rm (rules gone, same port back), random ports come from docker's range, -P,
# and containers reach each other on the bridge. Traffic goes only to
# loopback, this host's own address and the suite's containers.
. "$(dirname "$0")/lib.sh"
suite_begin network-lifecycle
# a /16 for this suite's bridge that nothing on the host routes
for n in $(seq 100 140); do
    ip route | grep -q "^10\.$n\." || { SUBNET_BIP=10.$n.0.1/16; break; }
done
daemon_start --bip "$SUBNET_BIP" || { not_ok "daemon starts"; suite_end; exit 1; }
bb=$(busybox_archive) && md load -i "$bb" >/dev/null && ok "busybox image loaded" || not_ok "load busybox"
HOSTIP=$(ip -4 route get 192.0.2.123 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p')
[ -n "$HOSTIP" ] || HOSTIP=$(hostname -I | awk '{print $1}')
prefix=${SUBNET_BIP%.*.*}

# curl with bounded retries: the only traffic of this suite
get() { curl -s -m 2 --retry 10 --retry-delay 0 --retry-connrefused "$@"; }
nft_rules() { nft list table ip "$NFT_TABLE" 2>/dev/null || nft list table inet "$NFT_TABLE" 2>/dev/null; }

out=$(md run --rm busybox ip -4 -o addr show eth0)
expect_match "eth0 has an address of the bridge's subnet" "inet ${prefix//./\\.}\.[0-9]+\.[0-9]+/16" "$out"

publish() { # CLI: -p forms, busybox httpd
    local c=$CLI
    id=$($c run -d --name "web-$c" -p 18091:80 -p 127.0.0.1::80 -p "$HOSTIP:18092:80" busybox \
        sh -c 'echo hello-$HOSTNAME > /tmp/index.html; exec httpd -f -p 80 -h /tmp')
    short=${id:0:12}
    expect_eq "$c: -p 18091:80 answers on 127.0.0.1" "hello-$short" "$(get http://127.0.0.1:18091/)"
    expect_eq "$c: ... and on the host's own address $HOSTIP" "hello-$short" "$(get "http://$HOSTIP:18091/")"
    expect_eq "$c: -p IP:18092:80 answers on that address" "hello-$short" "$(get "http://$HOSTIP:18092/")"
    rnd=$($c port "web-$c" 80/tcp | sed -n 's/^127\.0\.0\.1:\([0-9]*\)$/\1/p')
    [ -n "$rnd" ] && [ "$rnd" -ge 32768 ] && [ "$rnd" -le 60999 ] && ok "$c: 127.0.0.1::80 got a random port ($rnd)" || not_ok "$c: random port: $($c port "web-$c")"
    expect_eq "$c: ... which answers" "hello-$short" "$(get "http://127.0.0.1:$rnd/")"
    expect_match "$c: ps PORTS column" "0\.0\.0\.0:18091->80/tcp" "$($c ps -f name="web-$c")"
    expect_rc "$c: a taken host port is refused" 125 $c run -d --name "clash-$c" -p 18091:80 busybox true
    expect_match "$c: ... with docker's message" "port is already allocated" "$OUT"
    expect_eq "$c: ... and the failed container is not running" "" "$($c ps -q -f name="clash-$c")"
    $c rm -f "clash-$c" >/dev/null 2>&1
    $c stop -t 1 "web-$c" >/dev/null
    expect_eq "$c: stopped: the port no longer answers" "000" "$(curl -s -m 1 -o /dev/null -w '%{http_code}' http://127.0.0.1:18091/)"
    expect_no_match "$c: stopped: no nft rule mentions the container" "$short" "$(nft_rules)"
    $c start "web-$c" >/dev/null
    expect_eq "$c: started again: answers on the same port" "hello-$short" "$(get http://127.0.0.1:18091/)"
    $c rm -f "web-$c" >/dev/null
    expect_no_match "$c: removed: no rule left" "$short" "$(nft_rules)"
}
run_both publish

# -P publishes every EXPOSEd port; containers on the bridge reach each other
id=$(md run -d --name exposer --expose 80 -P busybox sh -c 'echo exposed > /tmp/index.html; exec httpd -f -p 80 -h /tmp')
p=$(md port exposer 80 | sed -n 's/^0\.0\.0\.0:\([0-9]*\)$/\1/p')
expect_eq "-P publishes the exposed port" "exposed" "$(get "http://127.0.0.1:$p/")"
ip1=$(md inspect -f '{{.NetworkSettings.IPAddress}}' exposer)
expect_eq "a container reaches another on the bridge" "exposed" "$(md run --rm busybox timeout 5 wget -q -O- "http://$ip1/")"
md rm -f exposer >/dev/null

# network connect/disconnect racing stop/start while ps and inspect read the
# record (bounded: 20 s or the iteration counts). Each time stop returns,
# nothing of the container's network may remain (no lease, no endpoint
# record): a connect that lost the race to the exit used to leave its
# endpoint behind until the next daemon start.
RNET=race-$TAG
md network create "$RNET" >/dev/null
rid=$(md run -d --name racer busybox sleep 1000)
leftover() { # what a stopped container $1 may not have (an address in inspect neither)
    local l e a
    l=$(grep -c "$1" "$DATA/network/ipam.json" 2>/dev/null)
    e=$(ls "$DATA/network/endpoints" 2>/dev/null | grep -c "$1")
    a=$(api "http://x/v1.50/containers/$1/json" | jq -r '[.NetworkSettings.Networks[]? | .IPAddress // ""] | join("")' 2>/dev/null)
    [ "${l:-0}" = 0 ] && [ "$e" = 0 ] && [ -z "$a" ] || echo "lease:$l ep:$e addr:$a"
}
end=$((SECONDS + 20))
(for i in $(seq 1 300); do
    [ $SECONDS -lt $end ] || break
    md network connect "$RNET" racer; md network disconnect "$RNET" racer
done) >/dev/null 2>&1 &
pc=$!
(for i in $(seq 1 300); do
    [ $SECONDS -lt $end ] || break
    md ps -a; md inspect racer; api "http://x/v1.50/networks/$RNET"
done) >/dev/null 2>&1 &
pr=$!
for i in $(seq 1 100); do
    [ $SECONDS -lt $end ] || break
    md stop -t 0 racer >/dev/null 2>&1
    l=$(leftover "$rid"); [ -n "$l" ] && { echo "$l" >>"$T/race-leftovers"; break; }
    md start racer >/dev/null 2>&1
done
wait $pc $pr
md stop -t 0 racer >/dev/null 2>&1
expect_eq "connect racing stop: nothing of the network left at any stop" "" "$(cat "$T/race-leftovers" 2>/dev/null)$(leftover "$rid")"
expect_eq "... the daemon still answers" "OK" "$(api http://x/_ping)"
expect_rc "... the container starts again" 0 md start racer
nnet=$(md inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{if $v.IPAddress}}x{{end}}{{end}}' racer)
expect_eq "... with one endpoint per network it is on" "${#nnet}" "$(jq length "$DATA/network/endpoints/$rid.json")"
md rm -f racer >/dev/null
expect_eq "... and rm leaves nothing" "" "$(leftover "$rid")"
md network rm "$RNET" >/dev/null

# The same races made certain: a second daemon whose network connects wait
# HOOK_MS between seeing the container running and making its endpoint
# (MINIDOCKD_TEST_DELAY, daemon/state/ctr_net.c). The stop, kill or start
# is sent once the daemon logs that the connect is in that window. Before
# the fix, the connect made its endpoint after the exit had undone the
# container's network (veth, lease and netns left until the next daemon
# start), and wrote into NetworkSettings that a start had freed.
HOOK_MS=1000
daemon_stop
export MINIDOCKD_TEST_DELAY=net-connect:$HOOK_MS
daemon_start --bip "$SUBNET_BIP" || { not_ok "daemon with the test hook starts"; suite_end; exit 1; }
unset MINIDOCKD_TEST_DELAY
expect_match "the test hook is on" "test hook: each network connect .* waits $HOOK_MS ms" "$(cat "$T/daemon.log")"
md network create "$RNET" >/dev/null
BOTH=$(printf '%s\n' bridge "$RNET" | sort | paste -sd' ')
hooked() { grep -c "test hook: network connect of $1 waits" "$T/daemon.log"; }
# connect_in_window ID: connect ID to $RNET in the background (exit code to
# $T/connect.rc) and return once the connect sleeps in the hook
connect_in_window() {
    local n deadline=$((SECONDS + SETTLE_TIMEOUT))
    n=$(hooked "${1:0:12}")
    (md network connect "$RNET" "$1" >"$T/connect.out" 2>&1; echo $? >"$T/connect.rc") &
    CPID=$!
    while [ "$(hooked "${1:0:12}")" = "$n" ] && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.02; done
    [ "$(hooked "${1:0:12}")" != "$n" ] || not_ok "the connect of ${1:0:12} did not reach the test hook"
}
veths() { ip -o link show | grep -c "minidock .* ${1:0:12}"; }
lease() { grep -c "$1" "$DATA/network/ipam.json" 2>/dev/null; }
endpoints() { jq length "$DATA/network/endpoints/$1.json" 2>/dev/null || echo 0; }
addrs() { # the networks inspect shows an address on, sorted
    api "http://x/v1.50/containers/$1/json" |
        jq -r '[.NetworkSettings.Networks | to_entries[] | select(.value.IPAddress != "") | .key] | sort | join(" ")'
}

stop_in_window() { # $1: stop or kill; the exit is not under op_lock for kill
    local how=$1 id
    id=$(md run -d --name "hook-$how" busybox sleep 1000)
    connect_in_window "$id"
    if [ "$how" = stop ]; then md stop -t 0 "$id" >/dev/null; else md kill "$id" >/dev/null; fi
    wait "$CPID"
    expect_eq "$how during a connect: the connect succeeds" "0" "$(cat "$T/connect.rc")"
    expect_settles "... the container is stopped" "exited" md inspect -f '{{.State.Status}}' "$id"
    expect_settles "... no veth of it is left on the host" "0" veths "$id"
    expect_settles "... no lease of it in the IPAM file" "0" lease "$id"
    expect_settles "... no endpoint of it recorded" "0" endpoints "$id"
    expect_settles "... its netns is gone" "no" test_path "$EXECROOT/netns/$id"
    expect_no_match "... no nft rule mentions it" "${id:0:12}" "$(nft_rules)"
    expect_eq "... inspect shows no address" "" "$(addrs "$id")"
    expect_rc "... it starts again" 0 md start "$id"
    expect_eq "... on both networks" "$BOTH" "$(addrs "$id")"
    expect_eq "... with one endpoint each" "2" "$(endpoints "$id")"
    expect_eq "... and one veth each" "2" "$(veths "$id")"
    md rm -f "$id" >/dev/null
    expect_settles "... rm leaves no veth" "0" veths "$id"
}
test_path() { [ -e "$1" ] && echo yes || echo no; }
stop_in_window stop
stop_in_window kill

# stop and start while the connect waits, with ps and inspect reading the
# record all along: the connect used to write into the NetworkSettings the
# start had replaced (freed), and the network was missing from inspect
id=$(md run -d --name hook-start busybox sleep 1000)
rm -f "$T/readers.stop" "$T/readers.fail"
(for i in $(seq 1 2000); do
    [ -e "$T/readers.stop" ] && break
    md ps -a >/dev/null 2>&1 || echo "ps: exit $?" >>"$T/readers.fail"
    md inspect "$id" >/dev/null 2>&1 || echo "inspect: exit $?" >>"$T/readers.fail"
done) &
rpid=$!
connect_in_window "$id"
md stop -t 0 "$id" >/dev/null
md start "$id" >/dev/null
wait "$CPID"
touch "$T/readers.stop"
wait "$rpid"
expect_eq "start during a connect: the connect succeeds" "0" "$(cat "$T/connect.rc")"
expect_eq "... the daemon answers" "OK" "$(api http://x/_ping)"
expect_eq "... ps and inspect answered all along" "" "$(cat "$T/readers.fail" 2>/dev/null)"
expect_eq "... the container is running" "running" "$(md inspect -f '{{.State.Status}}' "$id")"
expect_eq "... inspect shows both networks" "$BOTH" "$(addrs "$id")"
expect_eq "... with one endpoint each" "2" "$(endpoints "$id")"
md rm -f "$id" >/dev/null
expect_settles "... rm leaves no veth" "0" veths "$id"
md network rm "$RNET" >/dev/null

suite_end
