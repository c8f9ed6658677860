#!/bin/bash
# Names and DNS inside a container, with our client, the stock docker CLI
# and docker-py: --dns/--dns-search/--dns-option in /etc/resolv.conf,
# --add-host (also name=ip, [v6] and host-gateway) in /etc/hosts, -h and
# --domainname (UTS and the own hosts line), --mac-address on eth0,
# network aliases at create and at network connect resolved by peers,
# legacy --link (hosts line and docker's variables), what inspect shows,
# and docker's refusals (exit 125 and its message).
. "$(dirname "$0")/lib.sh"
suite_begin dns-hosts
daemon_start || { not_ok "daemon starts"; suite_end; exit 1; }
bb=$(busybox_archive) && md load -i "$bb" >/dev/null && ok "busybox image loaded" || not_ok "load busybox"

GW=$(md network inspect -f '{{(index .IPAM.Config 0).Gateway}}' bridge)
expect_match "the default bridge has a gateway" '^[0-9.]+$' "$GW"

scenario() {
    local c=$CLI net=dnsnet-$c out id

    # resolv.conf: each override replaces the host's line of its kind
    out=$($c run --rm --dns 10.9.8.7 --dns 10.9.8.6 --dns-search corp.example --dns-search lab.example \
        --dns-option ndots:3 --dns-option timeout:1 busybox cat /etc/resolv.conf)
    expect_eq "$c: --dns: the nameservers, in order" "10.9.8.7 10.9.8.6" \
        "$(awk '$1 == "nameserver" {print $2}' <<<"$out" | xargs)"
    expect_eq "$c: --dns-search: the search line" "search corp.example lab.example" "$(grep '^search' <<<"$out")"
    expect_eq "$c: --dns-option: the options line" "options ndots:3 timeout:1" "$(grep '^options' <<<"$out")"
    expect_match "$c: docker's note of the overrides" '^# Overrides: \[nameservers search options\]$' "$out"
    # only a search domain: the nameservers are the ones a plain container gets
    local plain only
    plain=$($c run --rm busybox cat /etc/resolv.conf | grep '^nameserver')
    only=$($c run --rm --dns-search corp.example busybox cat /etc/resolv.conf)
    expect_eq "$c: --dns-search alone keeps the usual nameservers" "$plain" "$(grep '^nameserver' <<<"$only")"
    expect_eq "$c: ... and sets the search line" "search corp.example" "$(grep '^search' <<<"$only")"
    expect_no_match "$c: no loopback nameserver off the host network" '^nameserver 127\.' "$plain"

    # /etc/hosts: extra hosts before the container's own line
    out=$($c run --rm -h web --domainname example.org --add-host db:10.1.2.3 --add-host v6=[fd00::1] \
        --add-host gw:host-gateway busybox sh -c 'cat /etc/hosts; echo "uts $(hostname) $(cat /proc/sys/kernel/domainname)"')
    expect_match "$c: --add-host name:ip" $'^10\\.1\\.2\\.3\tdb$' "$out"
    expect_match "$c: --add-host name=[v6]" $'^fd00::1\tv6$' "$out"
    expect_match "$c: --add-host host-gateway is the bridge's gateway" "^${GW//./\\.}"$'\tgw$' "$out"
    expect_match "$c: own line: FQDN then the bare name" $'^172\\.[0-9.]+\tweb\\.example\\.org web$' "$out"
    expect_eq "$c: hostname and domainname in the UTS namespace" "uts web example.org" "$(tail -n1 <<<"$out")"
    expect_eq "$c: the extra hosts come before the own line" "db v6 gw web.example.org" \
        "$(grep -v -e localhost -e ip6- -e '^uts' <<<"$out" | awk '{print $2}' | xargs)"

    # MAC address of eth0, and what inspect shows
    id=$($c run -d --mac-address 92:d0:c6:0a:29:33 busybox sleep 60)
    expect_eq "$c: --mac-address is eth0's" "92:d0:c6:0a:29:33" "$($c exec "$id" cat /sys/class/net/eth0/address)"
    expect_eq "$c: inspect: Config.MacAddress and the network's" "92:d0:c6:0a:29:33 92:d0:c6:0a:29:33" \
        "$($c inspect -f '{{.Config.MacAddress}} {{.NetworkSettings.Networks.bridge.MacAddress}}' "$id")"
    $c rm -f "$id" >/dev/null

    # aliases on a user-defined network, resolved by a peer
    $c network create "$net" >/dev/null
    id=$($c run -d --name "srv-$c" --network "$net" --network-alias db1 --network-alias db2 busybox sleep 60)
    expect_eq "$c: inspect Aliases: as requested" '["db1","db2"]' \
        "$($c inspect -f "{{json (index .NetworkSettings.Networks \"$net\").Aliases}}" "$id")"
    expect_eq "$c: inspect DNSNames: name, aliases, short id" "[\"srv-$c\",\"db1\",\"db2\",\"${id:0:12}\"]" \
        "$($c inspect -f "{{json (index .NetworkSettings.Networks \"$net\").DNSNames}}" "$id")"
    out=$($c run --rm --network "$net" busybox sh -c 'ping -c1 -W2 db1 >/dev/null && echo reached; grep -w db2 /etc/hosts')
    expect_eq "$c: a peer reaches the container by its alias" "reached" "$(head -n1 <<<"$out")"
    expect_match "$c: ... its hosts file has every name" "^[0-9.]+"$'\t'"srv-$c db1 db2 ${id:0:12}\$" "$(tail -n1 <<<"$out")"
    # network connect --alias: a running peer's hosts file learns the new name
    local peer other
    peer=$($c run -d --network "$net" busybox sleep 60)
    other=$($c run -d busybox sleep 60)
    $c network connect --alias late "$net" "$other"
    expect_eq "$c: network connect --alias: inspect Aliases" '["late"]' \
        "$($c inspect -f "{{json (index .NetworkSettings.Networks \"$net\").Aliases}}" "$other")"
    expect_settles "$c: ... a running peer resolves it" "reached" \
        $c exec "$peer" sh -c 'ping -c1 -W2 late >/dev/null && echo reached'
    expect_rc "$c: network connect --alias on the default bridge: refused" 1 \
        $c network connect --alias x bridge "$peer"
    expect_match "$c: ... with docker's message" "network-scoped alias is supported only for containers in user defined networks" "$OUT"
    $c rm -f "$id" "$peer" "$other" >/dev/null
    $c network rm "$net" >/dev/null

    # legacy links on the default bridge
    id=$($c run -d --name "web-$c" -h webhost -e GREETING=hi --expose 80 busybox sleep 60)
    local ip
    ip=$($c inspect -f '{{.NetworkSettings.IPAddress}}' "$id")
    out=$($c run --name "app-$c" --link "web-$c:db" busybox sh -c 'env | grep ^DB_ | sort; grep -w db /etc/hosts')
    expect_match "$c: --link: DB_NAME" "^DB_NAME=/app-$c/db$" "$out"
    expect_match "$c: --link: DB_PORT" "^DB_PORT=tcp://$ip:80$" "$out"
    expect_match "$c: --link: DB_PORT_80_TCP_ADDR" "^DB_PORT_80_TCP_ADDR=$ip$" "$out"
    expect_match "$c: --link: the linked container's env" "^DB_ENV_GREETING=hi$" "$out"
    expect_no_match "$c: --link: not its PATH" "^DB_ENV_PATH=" "$out"
    expect_match "$c: --link: hosts line alias, hostname, name" "^$ip"$'\t'"db webhost web-$c\$" "$out"
    expect_eq "$c: inspect HostConfig.Links as docker shows it" "[\"/web-$c:/app-$c/db\"]" \
        "$($c inspect -f '{{json .HostConfig.Links}}' "app-$c")"
    $c rm -f "app-$c" >/dev/null
    $c stop -t 0 "web-$c" >/dev/null
    expect_rc "$c: --link to a stopped container: refused" 125 $c run --rm --link "web-$c:db" busybox true
    expect_match "$c: ... Cannot link to a non running container" "Cannot link to a non running container: /web-$c AS /[a-z_]+/db" "$OUT"
    $c rm -f "web-$c" >/dev/null

    # refusals: exit 125, docker's messages, nothing created
    expect_rc "$c: --dns not an address: 125" 125 $c run --rm --dns 1.2.3 busybox true
    expect_match "$c: ... says so" 'invalid argument "1.2.3" for "--dns" flag: IP address is not correctly formatted: 1.2.3' "$OUT"
    expect_rc "$c: --add-host bad address: 125" 125 $c run --rm --add-host db:1.2.3.999 busybox true
    expect_match "$c: ... says so" 'invalid IP address in add-host: "1.2.3.999"' "$OUT"
    expect_rc "$c: --add-host without an address: 125" 125 $c run --rm --add-host justaname busybox true
    expect_match "$c: ... says so" 'bad format for add-host: "justaname"' "$OUT"
    expect_rc "$c: --dns-search not a domain: 125" 125 $c run --rm --dns-search -x- busybox true
    expect_match "$c: ... says so" '-x- is not a valid domain' "$OUT"
    expect_rc "$c: --network-alias on the default bridge: 125" 125 $c run --rm --network-alias x busybox true
    expect_match "$c: ... says so" 'network-scoped aliases are only supported for user-defined networks' "$OUT"
    expect_rc "$c: --mac-address not a MAC: 125" 125 $c run --rm --mac-address 92:d0:zz busybox true
    expect_match "$c: ... says so" '92:d0:zz is not a valid mac address' "$OUT"
    expect_rc "$c: --link to nothing: 125" 125 $c run --rm --link nosuch:x busybox true
    expect_match "$c: ... says so" 'could not get container for nosuch' "$OUT"
    expect_rc "$c: --link with --network host: 125" 125 $c run --rm --network host --link nosuch busybox true
    expect_match "$c: ... says so" "conflicting options: host type networking can't be used with links" "$OUT"
    expect_eq "$c: nothing was left" "" "$($c ps -aq)"
}
run_both scenario

# The API itself, as other clients send it
post() {
    local out
    out=$(api -w '\n%{http_code}' -X POST -H 'Content-Type: application/json' -d "$2" "http://x$1")
    STATUS=${out##*$'\n'}
    BODY=${out%$'\n'*}
}
post /containers/create '{"Image":"busybox","Cmd":["true"],"HostConfig":{"Dns":["8.8.8.888"]}}'
expect_eq "API: a bad Dns entry: 400 with docker's message" \
    '400 IP address is not correctly formatted: 8.8.8.888' "$STATUS $(jq -r .message <<<"$BODY")"
post /containers/create '{"Image":"busybox","Cmd":["true"],"HostConfig":{"ExtraHosts":["db=10.0.0.1"]}}'
expect_eq "API: ExtraHosts takes name:ip only, as docker's daemon" \
    '400 bad format for add-host: "db=10.0.0.1"' "$STATUS $(jq -r .message <<<"$BODY")"
post /containers/create '{"Image":"busybox","Cmd":["true"],"MacAddress":"02:42:ac:11:00:09","NetworkingConfig":{"EndpointsConfig":{"bridge":{"MacAddress":"02:42:ac:11:00:0a"}}}}'
expect_eq "API: two different MACs for the main network: 400" \
    '400 the container-wide MAC address must match the endpoint-specific MAC address for the main network, or be left empty' \
    "$STATUS $(jq -r .message <<<"$BODY")"
post /containers/create '{"Image":"busybox","Cmd":["true"],"NetworkingConfig":{"EndpointsConfig":{"bridge":{"Aliases":["a"]}}}}'
expect_eq "API: an alias on the default bridge: 400" \
    '400 network-scoped alias is supported only for containers in user defined networks' \
    "$STATUS $(jq -r .message <<<"$BODY")"
expect_eq "API: nothing was created" "" "$(md ps -aq)"

# host networking: the host's hosts file, unless extra hosts are asked for
expect_eq "--network host: the host's /etc/hosts" "$(cat /etc/hosts)" "$(md run --rm --network host busybox cat /etc/hosts)"
out=$(md run --rm --network host --add-host extra:10.3.3.3 busybox cat /etc/hosts)
expect_match "--network host --add-host: the extra line" $'^10\\.3\\.3\\.3\textra$' "$out"

# docker-py: dns, dns_search, dns_opt, extra_hosts, hostname, domainname, aliases
md network create pynet >/dev/null
out=$(SOCK=$SOCK timeout 120 /usr/bin/python3 - <<'PY' 2>&1
import os, docker
c = docker.DockerClient(base_url="unix://" + os.environ["SOCK"])
api = c.api
srv = api.create_container("busybox", "sleep 60", name="pysrv", hostname="pyhost", domainname="py.example",
    host_config=api.create_host_config(network_mode="pynet", dns=["10.7.7.7"], dns_search=["py.example"],
                                       dns_opt=["ndots:2"], extra_hosts={"pydb": "10.4.4.4"}),
    networking_config=api.create_networking_config({"pynet": api.create_endpoint_config(aliases=["pyalias"])}))
api.start(srv)
def sh(cmd):
    r = c.containers.get("pysrv").exec_run(["sh", "-c", cmd])
    return r.output.decode().strip()
print("resolv", sh("grep -v '^#' /etc/resolv.conf | grep . | tr '\\n' '|'"))
print("hosts", sh("grep -w pydb /etc/hosts"))
print("uts", sh("echo $(hostname) $(cat /proc/sys/kernel/domainname)"))
print("own", sh("grep -w pyhost /etc/hosts | cut -f2 | cut -d' ' -f1,2"))
print("aliases", c.containers.get("pysrv").attrs["NetworkSettings"]["Networks"]["pynet"]["Aliases"])
out = c.containers.run("busybox", "sh -c 'ping -c1 -W2 pyalias >/dev/null && echo reached'", network="pynet", remove=True)
print("peer", out.decode().strip())
api.remove_container(srv, force=True)
PY
)
expect_eq "docker-py: dns, extra_hosts, domainname, aliases" "resolv nameserver 10.7.7.7|search py.example|options ndots:2|
hosts 10.4.4.4	pydb
uts pyhost py.example
own pyhost.py.example pyhost
aliases ['pyalias']
peer reached" "$out"
md network rm pynet >/dev/null

suite_end
