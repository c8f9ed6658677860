#!/bin/bash
# The headline scenario of issue 6 with both clients: Debian + apache2,
# `run -d -p 8080:80`, "It works" on 127.0.0.1 and on this host's own
# address, stop makes it unreachable with no rule left, start brings it back
# on the same port; the seed's `-p 3306:3306 -p IP:7777:80` form. Traffic
# goes only to loopback, this host's own address and the container.
. "$(dirname "$0")/lib.sh"
suite_begin network-apache
FWD_BEFORE=$(cat /proc/sys/net/ipv4/ip_forward)
img=$("$ROOT/contrib/fixture-cache.sh" apache "$FIXTURES" 2>"$T/fixture.log") || {
    not_ok "build the apache image"; tail -n 20 "$T/fixture.log"; suite_end; exit 1
}
daemon_start || { not_ok "daemon starts"; suite_end; exit 1; }
md load -i "$img" >/dev/null && ok "apache image loaded" || not_ok "load apache"
IMG=$(md images --format '{{.Repository}}:{{.Tag}}' | grep -m1 apache)
HOSTIP=$(ip -4 -o addr show scope global | awk '{print $4}' | cut -d/ -f1 | head -n1)
free_port() { ! ss -Hltn "sport = :$1" | grep -q . && ! ss -Hlun "sport = :$1" | grep -q .; }
P=8080
free_port $P || { P=$((22000 + RANDOM % 5000)); echo "# 8080 is taken on this host; using $P"; }
P2=7777
free_port $P2 || P2=$((27000 + RANDOM % 1000))
P3=3306
free_port $P3 || P3=$((28000 + RANDOM % 1000))

code() { curl -s -o /dev/null -w '%{http_code}' -m 3 "$@"; }
wait_200() { for i in $(seq 1 100); do [ "$(code "$1")" = 200 ] && return 0; sleep 0.1; done; return 1; }
rules_of() { nft list table ip "$NFT_TABLE" 2>/dev/null | grep -c "c=$1"; }

scenario() {
    local c=$CLI n=web-$CLI
    id=$($c run -d -p "$P:80" --name "$n" "$IMG")
    expect_match "$c: run -d -p $P:80 --name $n apache" '^[0-9a-f]{64}$' "$id"
    wait_200 "http://127.0.0.1:$P/"
    expect_match "$c: 127.0.0.1:$P serves Apache's default page" "It works" "$(curl -s -m 3 "http://127.0.0.1:$P/")"
    expect_match "$c: $HOSTIP:$P (this host's address) too" "It works" "$(curl -s -m 3 "http://$HOSTIP:$P/")"
    expect_eq "$c: port" "80/tcp -> 0.0.0.0:$P" "$($c port "$n")"
    expect_match "$c: ps PORTS" "^0\.0\.0\.0:$P->80/tcp\$" "$($c ps -f name="^$n\$" --format '{{.Ports}}')"
    expect_rc "$c: stop" 0 $c stop "$n"
    expect_eq "$c: stopped: unreachable" "000" "$(code "http://127.0.0.1:$P/")"
    expect_eq "$c: stopped: no rule left" "0" "$(rules_of "$id")"
    expect_rc "$c: start" 0 $c start "$n"
    wait_200 "http://127.0.0.1:$P/"
    expect_match "$c: started: It works again on $P" "It works" "$(curl -s -m 3 "http://127.0.0.1:$P/")"
    expect_rc "$c: rm -f" 0 $c rm -f "$n"

    # the seed's form: several -p, one bound to an address of this host
    id=$($c run -d -p "$P3:3306" -p "$HOSTIP:$P2:80" --name "$n-multi" "$IMG")
    wait_200 "http://$HOSTIP:$P2/"
    expect_match "$c: -p $HOSTIP:$P2:80 answers on $HOSTIP" "It works" "$(curl -s -m 3 "http://$HOSTIP:$P2/")"
    expect_eq "$c: ... and not on 127.0.0.1" "000" "$(code "http://127.0.0.1:$P2/")"
    expect_eq "$c: port lists both" "$(printf '3306/tcp -> 0.0.0.0:%s\n80/tcp -> %s:%s' "$P3" "$HOSTIP" "$P2")" "$($c port "$n-multi" | sort)"
    expect_rc "$c: rm -f" 0 $c rm -f "$n-multi"
    expect_eq "$c: no rule left" "0" "$(rules_of "$id")"
}
run_both scenario

daemon_stop
expect_eq "daemon stop: no nft table left" "" "$(nft list tables | grep "$NFT_TABLE")"
echo "$FWD_BEFORE" >/proc/sys/net/ipv4/ip_forward
suite_end
