#!/bin/bash
# Container networking through the daemon, with our client and the stock
# docker CLI: -p forms and what port/ps/inspect print, a taken port, stop and
# start, the container's view (eth0, /etc/hosts), user networks with name
# resolution, --network none/host, and a host left as it was. Traffic goes
# only to loopback, this host's own address and the containers made here.
. "$(dirname "$0")/lib.sh"
suite_begin network
FWD_BEFORE=$(cat /proc/sys/net/ipv4/ip_forward)
daemon_start || { not_ok "daemon starts"; suite_end; exit 1; }
bb=$(busybox_archive) && md load -i "$bb" >/dev/null && ok "busybox image loaded" || not_ok "load busybox"
HOSTIP=$(ip -4 -o addr show scope global | awk '{print $4}' | cut -d/ -f1 | head -n1)
USUBNET=
for b in 233 234 235 236 237 238 239; do
    ip -4 route show | grep -q "^10\.$b\." || { USUBNET=10.$b.9; break; }
done
BASE=$((21000 + RANDOM % 7000))

get() { curl -s -m 3 "$@"; }
code() { curl -s -o /dev/null -w '%{http_code}' -m 2 "$@"; }
rules_of() { nft list table ip "$NFT_TABLE" 2>/dev/null | grep -c "c=$1"; }
# the host ends of veths on this suite's bridge (other suites may run beside this one)
count_veths() { ip -o link show master "$BRIDGE" | grep -c mdk; }

scenario() {
    local c=$CLI n=web-$CLI
    local p1 p2
    if [ "$c" = md ]; then p1=$BASE p2=$((BASE + 1)); else p1=$((BASE + 10)) p2=$((BASE + 11)); fi
    id=$($c run -d --name "$n" -p "$p1:80" -p "127.0.0.1::81" -p "$p2:53/udp" busybox httpd -f -p 80 -h /var/www)
    expect_match "$c: run -d -p" '^[0-9a-f]{64}$' "$id"
    for i in $(seq 1 50); do [ "$(code "http://127.0.0.1:$p1/")" = 200 ] && break; sleep 0.05; done
    expect_eq "$c: 127.0.0.1:$p1 reaches httpd in the container" "hello from busybox" "$(get "http://127.0.0.1:$p1/")"
    expect_eq "$c: $HOSTIP:$p1 (this host's address) too" "hello from busybox" "$(get "http://$HOSTIP:$p1/")"
    rnd=$($c inspect -f '{{(index (index .NetworkSettings.Ports "81/tcp") 0).HostPort}}' "$n")
    expect_match "$c: -p 127.0.0.1::81 got a port from 32768-60999" '^(3276[89]|327[7-9][0-9]|32[89][0-9]{2}|3[3-9][0-9]{3}|[45][0-9]{4}|60[0-9]{3})$' "$rnd"
    expect_eq "$c: port web" "$(printf '53/udp -> 0.0.0.0:%s\n80/tcp -> 0.0.0.0:%s\n81/tcp -> 127.0.0.1:%s' "$p2" "$p1" "$rnd")" "$($c port "$n" | sort)"
    expect_eq "$c: port web 80" "0.0.0.0:$p1" "$($c port "$n" 80)"
    expect_match "$c: ps PORTS" "0\.0\.0\.0:$p1->80/tcp" "$($c ps -f name="^$n\$" --format '{{.Ports}}')"
    expect_match "$c: ps PORTS (127.0.0.1 and udp)" "127\.0\.0\.1:$rnd->81/tcp.*0\.0\.0\.0:$p2->53/udp|0\.0\.0\.0:$p2->53/udp.*127\.0\.0\.1:$rnd->81/tcp" "$($c ps -f name="^$n\$" --format '{{.Ports}}')"
    ip=$($c inspect -f '{{.NetworkSettings.IPAddress}}' "$n")
    expect_match "$c: inspect IPAddress" '^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$' "$ip"
    expect_eq "$c: inspect Networks.bridge.IPAddress" "$ip" "$($c inspect -f '{{.NetworkSettings.Networks.bridge.IPAddress}}' "$n")"
    mac=$($c inspect -f '{{.NetworkSettings.MacAddress}}' "$n")
    expect_eq "$c: MAC derived from the IP" "$(printf '02:42:%02x:%02x:%02x:%02x' $(tr . ' ' <<<"$ip"))" "$mac"
    # the container's view (a second container on the bridge: no exec needed)
    view=$($c run --rm --name "v-$c" -h "view-$c" busybox sh -c 'ip -o -4 addr show; echo ---; cat /etc/hosts')
    expect_match "$c: a container has lo" "lo +inet 127\.0\.0\.1/8" "$view"
    vip=$(awk '$2 == "eth0" {print $4}' <<<"$view" | cut -d/ -f1)
    expect_match "$c: ... and eth0 on the bridge's subnet" "^${ip%.*}\.[0-9]+$" "$vip"
    expect_match "$c: /etc/hosts has the container's own line" "$vip	view-$c" "$view"
    expect_match "$c: /etc/hosts keeps localhost" "127\.0\.0\.1	localhost" "$view"

    # a taken port: docker's error, nothing left behind
    links_before=$(count_veths)
    expect_rc "$c: a port another container has" 125 $c run -d --name "$n-2" -p "$p1:80" busybox httpd -f -p 80
    expect_match "$c: ... docker's message" "driver failed programming external connectivity on endpoint $n-2 \([0-9a-f]+\): Bind for 0\.0\.0\.0:$p1 failed: port is already allocated" "$OUT"
    id2=$($c inspect -f '{{.Id}}' "$n-2" 2>/dev/null)
    expect_settles "$c: ... no veth left" "$links_before" count_veths
    [ -n "$id2" ] && expect_eq "$c: ... no rule left" "0" "$(rules_of "$id2")"
    $c rm -f "$n-2" >/dev/null 2>&1

    # stop: unreachable, no rule; start: back on the same port
    expect_rc "$c: stop" 0 $c stop -t 1 "$n"
    expect_eq "$c: stopped: port closed" "000" "$(code "http://127.0.0.1:$p1/")"
    expect_eq "$c: stopped: no rule left" "0" "$(rules_of "$id")"
    expect_rc "$c: start" 0 $c start "$n"
    for i in $(seq 1 50); do [ "$(code "http://127.0.0.1:$p1/")" = 200 ] && break; sleep 0.05; done
    expect_eq "$c: started again: same port answers" "hello from busybox" "$(get "http://127.0.0.1:$p1/")"
    expect_rc "$c: rm -f" 0 $c rm -f "$n"
    expect_eq "$c: removed: no rule left" "0" "$(rules_of "$id")"
    expect_eq "$c: removed: no netns left" "" "$(ls "$EXECROOT/netns" 2>/dev/null | grep "$id")"

    # user network: names resolve through /etc/hosts
    local net=net-$c-$TAG
    if [ -n "$USUBNET" ]; then
        nid=$($c network create --subnet "$USUBNET.0/24" "$net")
    else
        nid=$($c network create "$net")
    fi
    expect_match "$c: network create" '^[0-9a-f]{64}$' "$nid"
    expect_match "$c: network ls" "^${nid:0:12} +$net +bridge +local\$" "$($c network ls)"
    # a waits until its /etc/hosts names b (rewritten in place when b joins),
    # then pings it by name
    $c run -d --name "a-$c" --network "$net" busybox sh -c \
        "for i in \$(seq 1 100); do grep -q b-$c /etc/hosts && break; sleep 0.1; done; ping -c 1 -W 2 b-$c; sleep 60" >/dev/null
    $c run -d --name "b-$c" --network "$net" busybox sleep 60 >/dev/null
    expect_match "$c: b resolves a by name" "1 packets received" "$($c run --rm --network "$net" busybox sh -c "ping -c 1 -W 2 a-$c" 2>&1)"
    for i in $(seq 1 50); do $c logs "a-$c" 2>&1 | grep -q "packets received" && break; sleep 0.1; done
    expect_match "$c: a learned b's name after it started (hosts updated)" "1 packets received" "$($c logs "a-$c" 2>&1)"
    expect_match "$c: network inspect lists both" "a-$c.*b-$c|b-$c.*a-$c" "$($c network inspect -f '{{range .Containers}}{{.Name}} {{end}}' "$net")"
    # connecting it again: docker's 403, and nothing changes
    aip=$($c inspect -f "{{(index .NetworkSettings.Networks \"$net\").IPAddress}}" "a-$c")
    expect_rc "$c: network connect to a network it is on is refused" 1 $c network connect "$net" "a-$c"
    expect_eq "$c: ... with docker's message" "Error response from daemon: endpoint with name a-$c already exists in network $net" "$OUT"
    expect_eq "$c: ... as 403" 403 "$(api -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
        -d "{\"Container\":\"a-$c\"}" "http://x/v1.50/networks/$net/connect")"
    expect_eq "$c: ... still one endpoint, same address" "2 $aip" \
        "$($c network inspect -f '{{len .Containers}}' "$net") $($c inspect -f "{{(index .NetworkSettings.Networks \"$net\").IPAddress}}" "a-$c")"
    expect_eq "$c: ... no second interface in the container" "eth0 lo" "$($c exec "a-$c" ls /sys/class/net | xargs)"
    expect_rc "$c: network rm while in use" 1 $c network rm "$net"
    expect_match "$c: ... has active endpoints" "has active endpoints" "$OUT"
    $c rm -f "a-$c" "b-$c" >/dev/null
    expect_rc "$c: network rm" 0 $c network rm "$net"

    expect_eq "$c: --network none: only lo" "lo" "$($c run --rm --network none busybox sh -c 'ls /sys/class/net' | xargs)"
    expect_match "$c: --network host: the host's interfaces" "$(ip -o link | awk -F': ' 'NR==2{print $2}' | cut -d@ -f1)" "$($c run --rm --network host busybox ls /sys/class/net)"
}
run_both scenario

daemon_stop
expect_eq "daemon stop: bridge removed" "" "$(ip -o link show "$BRIDGE" 2>/dev/null)"
expect_eq "daemon stop: nft table removed" "" "$(nft list tables | grep "$NFT_TABLE")"
echo "$FWD_BEFORE" >/proc/sys/net/ipv4/ip_forward
suite_end
