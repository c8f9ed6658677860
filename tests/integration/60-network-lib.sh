#!/bin/bash
# daemon/net/ against the real kernel, without a daemon: tests/integration/
# netdrive drives net_init / net_connect / net_disconnect / net_reconcile /
# net_shutdown on namespaces it creates (no containers needed). Traffic goes
# only to loopback, this host's own address and the namespaces made here.
. "$(dirname "$0")/lib.sh"
suite_begin network-lib

ND=$ROOT/tests/integration/netdrive/netdrive
if ! make -s -C "$ROOT/tests/integration/netdrive" >"$T/netdrive-build.log" 2>&1; then
    not_ok "build netdrive"; cat "$T/netdrive-build.log"; suite_end; exit 1
fi

# A /16 nobody routes here (checked), and a /24 for the user network.
SUBNET=
for b in 213 214 215 216 217 218 219; do
    if ! ip -4 route show | grep -q "^10\.$b\."; then SUBNET=10.$b; break; fi
done
USUBNET=
for b in 223 224 225 226 227 228 229; do
    if ! ip -4 route show | grep -q "^10\.$b\."; then USUBNET=10.$b.7; break; fi
done
[ -n "$SUBNET" ] && [ -n "$USUBNET" ] || { not_ok "no unrouted 10.x subnet found"; suite_end; exit 1; }
HOSTIP=$(ip -4 -o addr show scope global | awk '{print $4}' | cut -d/ -f1 | head -n1)
FWD_BEFORE=$(cat /proc/sys/net/ipv4/ip_forward)
BASEPORT=$((20000 + RANDOM % 8000))
P1=$BASEPORT P2=$((BASEPORT + 1)) P3=$((BASEPORT + 2)) P4=$((BASEPORT + 10)) P5=$((BASEPORT + 20)) P6=$((BASEPORT + 21))
ID_A=$(printf 'a%.0s' {1..64}) ID_B=$(printf 'b%.0s' {1..64}) ID_C=$(printf 'c%.0s' {1..64})
ID_D=$(printf 'd%.0s' {1..64}) ID_E=$(printf 'e%.0s' {1..64}) ID_F=$(printf 'f%.0s' {1..64})
ID_J=$(printf '9%.0s' {1..64})
PIDS=()

# netdrive runs as a co-process on two FIFOs (one request line, one reply line).
nd_start() {
    rm -f "$T/nd.in" "$T/nd.out"; mkfifo "$T/nd.in" "$T/nd.out"
    "$ND" --data-root "$DATA" --exec-root "$EXECROOT" --bridge "$BRIDGE" --bip "$SUBNET.0.1/16" \
        --table "$NFT_TABLE" <"$T/nd.in" >"$T/nd.out" 2>>"$T/netdrive.log" &
    ND_PID=$!
    exec 7>"$T/nd.in" 8<"$T/nd.out"
}
nd() { # nd CMD...: one request, reply in $R
    echo "$*" >&7
    R=
    read -r -t 20 R <&8 || R="err (no reply)"
}
nd_quit() { echo quit >&7; exec 7>&- 8<&-; wait "$ND_PID" 2>/dev/null; ND_PID=; }
ns() { echo "$EXECROOT/netns/$1"; }
in_ns() { local id=$1; shift; nsenter --net="$(ns "$id")" "$@"; }
rules_of() { nft list table ip "$NFT_TABLE" 2>/dev/null | grep -c "c=$1" ; }
stop_procs() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    PIDS=()
}
# On an early exit, remove by name whatever this suite could have made.
cleanup() {
    stop_procs
    [ -n "${ND_PID:-}" ] && { kill "$ND_PID" 2>/dev/null; wait "$ND_PID" 2>/dev/null; }
    local f
    for f in "$EXECROOT"/netns/*; do [ -e "$f" ] && umount -l "$f" 2>/dev/null; done
    grep -q " $EXECROOT/netns " /proc/self/mountinfo && umount -l "$EXECROOT/netns"
    for f in $(ip -o link | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E "^(mdk(aaaaaaa|bbbbbbb|ccccccc|ddddddd|eeeeeee|fffffff|1234567|9999999)|$BRIDGE\$|${UBR:-nobridge}\$)"); do
        ip link del "$f" 2>/dev/null
    done
    nft delete table ip "$NFT_TABLE" 2>/dev/null
    [ -n "${FWD_BEFORE:-}" ] && echo "$FWD_BEFORE" >/proc/sys/net/ipv4/ip_forward
    return 0
}
trap cleanup EXIT

mkdir -p "$T/www"
echo "hello from A" >"$T/www/index.html"

nd_start
nd init
expect_eq "net_init" "ok" "$R"
expect_match "bridge $BRIDGE has $SUBNET.0.1/16" "inet $SUBNET\.0\.1/16" "$(ip -4 -o addr show dev "$BRIDGE")"
expect_eq "route_localnet on the bridge" "1" "$(cat /proc/sys/net/ipv4/conf/"$BRIDGE"/route_localnet)"
expect_match "nft table ip $NFT_TABLE" "fib daddr type local jump ports" "$(nft list table ip "$NFT_TABLE")"
expect_eq "ip_forward enabled" "1" "$(cat /proc/sys/net/ipv4/ip_forward)"

# ---- A: several -p forms ----
nd connect "$ID_A" web bridge "p=$P1:80" "p=127.0.0.1:$P2:80" "p=$P3:5353/udp" "p=$P4-$((P4 + 2)):8000-8002" "p=$((P4 + 5))-$((P4 + 7)):$((P4 + 5))-$((P4 + 7))"
expect_match "connect A" "^ok $(ns "$ID_A") $SUBNET\.0\.2 02:42:0a:$(printf %02x "${SUBNET#10.}"):00:02 $SUBNET\.0\.1 " "$R"
expect_match "A's ports resolved" "0\.0\.0\.0:$P1->80/tcp,127\.0\.0\.1:$P2->80/tcp,0\.0\.0\.0:$P3->5353/udp,0\.0\.0\.0:$P4->8000/tcp" "$R"
addrs=$(in_ns "$ID_A" ip -o addr show | awk '{print $2, $4}')
expect_match "netns of A has lo 127.0.0.1" "^lo 127\.0\.0\.1/8" "$addrs"
expect_match "netns of A has eth0 $SUBNET.0.2/16" "eth0 $SUBNET\.0\.2/16" "$addrs"
expect_eq "netns of A has exactly lo and eth0" "eth0 lo" "$(in_ns "$ID_A" ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | sort | xargs)"
expect_match "default route of A via the bridge" "default via $SUBNET\.0\.1 dev eth0" "$(in_ns "$ID_A" ip route)"
expect_match "lo is up in A" "UP" "$(in_ns "$ID_A" ip -o link show lo)"
chain=$(nft list chain ip "$NFT_TABLE" ports)
expect_match "shifted range: one rule with a port map" "tcp dport $P4-$((P4 + 2)) dnat ip to tcp dport map \{ $P4 : $SUBNET\.0\.2 \. 8000, $((P4 + 1)) : $SUBNET\.0\.2 \. 8001, $((P4 + 2)) : $SUBNET\.0\.2 \. 8002 \}" "$chain"
expect_match "same-number range: one rule, port kept" "tcp dport $((P4 + 5))-$((P4 + 7)) dnat to $SUBNET\.0\.2 comment" "$chain"

nsenter --net="$(ns "$ID_A")" busybox httpd -f -p 80 -h "$T/www" & PIDS+=($!)
nsenter --net="$(ns "$ID_A")" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", 5353))
for _ in range(20):
    d, a = s.recvfrom(512); s.sendto(b"echo:" + d, a)' & PIDS+=($!)
for i in $(seq 1 50); do in_ns "$ID_A" sh -c "busybox netstat -ltn | grep -q ':80 '" && break; sleep 0.05; done

expect_eq "A directly on $SUBNET.0.2:80" "hello from A" "$(curl -s -m 3 "http://$SUBNET.0.2/")"
expect_eq "published 127.0.0.1:$P1 -> A:80" "hello from A" "$(curl -s -m 3 "http://127.0.0.1:$P1/")"
expect_eq "published 127.0.0.1:$P2 (127.0.0.1 only) -> A:80" "hello from A" "$(curl -s -m 3 "http://127.0.0.1:$P2/")"
expect_eq "published $HOSTIP:$P1 (this host's address) -> A:80" "hello from A" "$(curl -s -m 3 "http://$HOSTIP:$P1/")"
expect_eq "127.0.0.1-only mapping not on $HOSTIP:$P2" "000" "$(curl -s -o /dev/null -w '%{http_code}' -m 2 "http://$HOSTIP:$P2/")"
udp=$(python3 -c "
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
s.sendto(b'ping', ('127.0.0.1', $P3))
print(s.recvfrom(512)[0].decode())" 2>&1)
expect_eq "published UDP 127.0.0.1:$P3 -> A:5353" "echo:ping" "$udp"
expect_eq "no proxy process: nothing listens on $P1" "" "$(ss -Hltn "sport = :$P1")"

# ---- B on the same bridge; hairpin ----
nd connect "$ID_B" db bridge "p=$P6:80"
expect_match "connect B" "^ok .* $SUBNET\.0\.3 " "$R"
expect_match "B pings A over the bridge" " 0% packet loss" "$(in_ns "$ID_B" busybox ping -c 1 -W 2 "$SUBNET.0.2" 2>&1)"
expect_eq "B reaches A through the published port (hairpin)" "hello from A" "$(in_ns "$ID_B" curl -s -m 3 "http://$HOSTIP:$P1/")"
expect_eq "A reaches itself through its published port" "hello from A" "$(in_ns "$ID_A" curl -s -m 3 "http://$HOSTIP:$P1/")"

# ---- C: random ports, -P ----
nd connect "$ID_C" rnd bridge "p=127.0.0.1::80" "P=81/tcp"
expect_match "random host ports from 32768-60999" "127\.0\.0\.1:(3276[89]|327[7-9][0-9]|32[89][0-9]{2}|3[3-9][0-9]{3}|[45][0-9]{4}|60[0-9]{3})->80/tcp,0\.0\.0\.0:[0-9]+->81/tcp" "$R"
nd ports "$ID_C"
expect_match "NetworkSettings.Ports of C" '^ok \{"80/tcp":\[\{"HostIp":"127\.0\.0\.1","HostPort":"[0-9]+"\}\],"81/tcp":\[\{"HostIp":"0\.0\.0\.0","HostPort":"[0-9]+"\}\]\}$' "$R"

# ---- taken ports: all or nothing ----
state_of() { # what a failed connect of $1 could have left
    echo "netns:$(ls "$EXECROOT/netns" 2>/dev/null | grep -c "^$1")"
    echo "links:$(ip -o link | grep -c "mdk${1:0:7}")"
    echo "rules:$(rules_of "$1")"
    echo "lease:$(grep -c "$1" "$DATA/network/ipam.json")"
    echo "ep:$(ls "$DATA/network/endpoints" | grep -c "$1")"
}
nd connect "$ID_D" web2 bridge "p=$P1:80"
expect_match "port of another container: docker's error" "^err driver failed programming external connectivity on endpoint web2 \([0-9a-f]{64}\): Bind for 0\.0\.0\.0:$P1 failed: port is already allocated$" "$R"
expect_eq "nothing left by the failed connect" "$(printf 'netns:0\nlinks:0\nrules:0\nlease:0\nep:0')" "$(state_of "$ID_D")"
python3 -m http.server -b 127.0.0.1 "$P5" >/dev/null 2>&1 & PIDS+=($!)
for i in $(seq 1 50); do ss -Hltn "sport = :$P5" | grep -q . && break; sleep 0.05; done
nd connect "$ID_D" web2 bridge "p=8999:8999" "p=$P5:80"
expect_match "port of a host process: docker's error" "Bind for 0\.0\.0\.0:$P5 failed: port is already allocated$" "$R"
expect_eq "nothing left (the first port was released too)" "$(printf 'netns:0\nlinks:0\nrules:0\nlease:0\nep:0')" "$(state_of "$ID_D")"
nd connect "$ID_D" web2 bridge "p=$P2:80"
expect_match "0.0.0.0 conflicts with another container's 127.0.0.1 mapping" "Bind for 0\.0\.0\.0:$P2 failed" "$R"
expect_match "a host process cannot take a published port" "Address already in use" "$(python3 -c "import socket; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('0.0.0.0', $P1))" 2>&1)"

# ---- ids sharing a prefix get distinct veths ----
ID_G=1234567$(printf '1%.0s' {1..57}) ID_H=1234567$(printf '2%.0s' {1..57})
nd connect "$ID_G" g bridge
rg=$R
nd connect "$ID_H" h bridge
expect_match "same id prefix: both connect" "^ok .* eth0 -$" "$rg
$R"
VG=$(awk '{print $6}' <<<"$rg") VH=$(awk '{print $6}' <<<"$R")
expect_match "same id prefix: two different veths, both on the bridge" "^2$" "$([ "$VG" != "$VH" ] && ip -o link show master "$BRIDGE" | grep -cE "$VG|$VH")"
expect_match "first one keeps its eth0" "eth0" "$(in_ns "$ID_G" ip -o link show eth0 2>&1)"
expect_eq "no IPv6 address on eth0" "" "$(in_ns "$ID_G" ip -6 -o addr show dev eth0)"
nd disconnect "$ID_G"
nd disconnect "$ID_H"

# ---- the daemon's stop path leaves the host end of the veth to a
# background thread (deleting a link waits for an RCU grace period): a
# connect right after that wants its name or its address claims it first.
# reap-hold keeps the deletions queued, so they are surely pending here. ----
nd connect "$ID_G" g bridge "ip=$SUBNET.0.77"
VG=$(awk '{print $6}' <<<"$R")
nd reap-hold on
nd disconnect-later "$ID_G"
expect_eq "disconnect without waiting for the veth" "ok" "$R"
expect_match "... whose host end is still there, queued" "$VG" "$(ip -o link show "$VG" 2>&1)"
expect_eq "... while its rules are gone" "0" "$(rules_of "$ID_G")"
nd connect "$ID_G" g bridge "ip=$SUBNET.0.77"
expect_match "connect at once again (a restart): the same veth name and address" "^ok [^ ]+ $SUBNET\.0\.77 [^ ]+ [^ ]+ $VG eth0 " "$R"
nd reap-hold off
nd settle
expect_match "... and the background deletion left the new veth alone" "master $BRIDGE .*state UP" "$(ip -o link show "$VG" 2>&1)"
expect_match "... which is the container's eth0" "$SUBNET\.0\.77/16" "$(in_ns "$ID_G" ip -4 -o addr show dev eth0)"
nd reap-hold on
nd disconnect-later "$ID_G"
nd connect "$ID_J" j bridge "ip=$SUBNET.0.77"
VJ=$(awk '{print $6}' <<<"$R")
expect_match "another container takes the address at once" "^ok [^ ]+ $SUBNET\.0\.77 " "$R"
expect_eq "... after the old veth with that address went" "" "$(ip -o link show "$VG" 2>/dev/null)"
nd disconnect-later "$ID_J"
nd reap-hold off
nd settle
expect_eq "settle: no veth left behind" "" "$(ip -o link | grep -E "$VG|$VJ")"

# ---- disconnect A ----
nd disconnect "$ID_A"
expect_eq "disconnect A" "ok" "$R"
expect_eq "no rule of A left" "0" "$(rules_of "$ID_A")"
expect_eq "no veth of A left" "" "$(ip -o link | grep "mdk${ID_A:0:7}")"
expect_eq "netns file of A gone" "" "$(ls "$EXECROOT/netns" | grep "$ID_A")"
expect_eq "published port of A unreachable" "000" "$(curl -s -o /dev/null -w '%{http_code}' -m 2 "http://127.0.0.1:$P1/")"
nd disconnect "$ID_A"
expect_eq "disconnect is idempotent" "ok" "$R"
stop_procs
nd connect "$ID_D" web2 bridge "p=$P1:80"
expect_match "a released port can be published again" "^ok .*0\.0\.0\.0:$P1->80/tcp" "$R"
nd disconnect "$ID_D"

# ---- user-defined network ----
nd netcreate "net$TAG" "$USUBNET.0/24"
expect_match "network create" "^ok [0-9a-f]{64}$" "$R"
NETID=${R#ok }
UBR=br-${NETID:0:12}
expect_match "its bridge $UBR" "inet $USUBNET\.1/24" "$(ip -4 -o addr show dev "$UBR" 2>&1)"
nd netcreate "net$TAG"
expect_eq "duplicate name" "err network with name net$TAG already exists" "$R"
nd connect "$ID_E" alpha "net$TAG" alias=a1
expect_match "connect E to the user network" "^ok .* $USUBNET\.2 .* eth0 " "$R"
nd connect "$ID_F" beta "net$TAG"
nd hosts "$ID_E"
expect_match "E's hosts entries name F" "$USUBNET\.3\\\\tbeta ffffffffffff" "$R"
expect_match "E's own line with name and alias" "$USUBNET\.2\\\\thostname-x alpha a1 eeeeeeeeeeee" "$R"
expect_match "E pings F" " 0% packet loss" "$(in_ns "$ID_E" busybox ping -c 1 -W 2 "$USUBNET.3" 2>&1)"
expect_match "E cannot reach B on the default bridge (isolation)" "100% packet loss" "$(in_ns "$ID_E" busybox ping -c 1 -W 1 "$SUBNET.0.3" 2>&1)"
nd netrm "net$TAG"
expect_match "network rm with endpoints" "^err error while removing network: network net$TAG has active endpoints" "$R"
nd netinspect "net$TAG"
expect_match "network inspect lists E and F" "\"$ID_E\":\{\"Name\":\"alpha\".*\"IPv4Address\":\"$USUBNET\.2/24\"" "$R"

# ---- restart: B stays, E and F are gone ----
nd_quit
nd_start
nd init
expect_eq "init after a restart" "ok" "$R"
nd reconcile "$ID_B"
expect_eq "reconcile with B live" "ok" "$R"
expect_eq "rules of E/F dropped, B's kept" "0 0 1" "$(rules_of "$ID_E") $(rules_of "$ID_F") $(rules_of "$ID_B")"
expect_eq "netns of E/F removed, B's kept" "$ID_B" "$(ls "$EXECROOT/netns" | xargs)"
expect_eq "veths of E/F removed" "" "$(ip -o link | grep -E "mdk(${ID_E:0:7}|${ID_F:0:7})")"
expect_eq "leases of E/F released" "0" "$(grep -cE "$ID_E|$ID_F" "$DATA/network/ipam.json")"
expect_match "B still reachable" " 0% packet loss" "$(busybox ping -c 1 -W 2 "$SUBNET.0.3" 2>&1)"
nd connect "$ID_D" web2 bridge "p=$P6:80"
expect_match "B's host port reserved again after the restart" "Bind for 0\.0\.0\.0:$P6 failed" "$R"
nd connect "$ID_D" web2 bridge
expect_match "a new address after the restart" "^ok .* $SUBNET\.0\.[0-9]+ " "$R"
expect_no_match "not B's address (no duplicate after the restart)" "^ok [^ ]+ $SUBNET\.0\.3 " "$R"
nd disconnect "$ID_D"
nd disconnect "$ID_B"
nd netrm "net$TAG"
expect_eq "network rm" "ok" "$R"
expect_eq "its bridge is gone" "" "$(ip -o link show "$UBR" 2>/dev/null)"

nd shutdown
expect_eq "net_shutdown" "ok" "$R"
nd_quit
expect_eq "no bridge left" "" "$(ip -o link show "$BRIDGE" 2>/dev/null)"
expect_eq "no nft table left" "" "$(nft list tables | grep "$NFT_TABLE")"
expect_eq "no netns mount left" "" "$(grep "$EXECROOT" /proc/self/mountinfo)"
expect_eq "no netdrive errors under ASan" "" "$(grep -E "ERROR: (Address|Leak)Sanitizer|runtime error" "$T/netdrive.log")"

# ip_forward is the daemon's to enable (as docker does); a test leaves it as found.
cleanup
suite_end
