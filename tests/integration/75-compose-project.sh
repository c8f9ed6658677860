#!/bin/bash
# A compose project as users write them (tests/compose-project): a database-like
# service with a named volume, a tmpfs and a healthcheck; a web service that
# depends on it being healthy, with env files, dns, extra_hosts, a tmpfs and a
# published port. docker-compose 1.29 brings it up against minidockd: both
# services become healthy, the web service serves what the database wrote,
# the data outlives a down/up, and `down -v` leaves no container, volume,
# network or mount.
. "$(dirname "$0")/lib.sh"
suite_begin compose-project
for n in $(seq 150 190); do
    ip route | grep -q "^10\.$n\." || { SUBNET_BIP=10.$n.0.1/16; break; }
done
daemon_start --bip "$SUBNET_BIP" || { not_ok "daemon starts"; suite_end; exit 1; }
bb=$(busybox_archive) && md load -i "$bb" >/dev/null && ok "busybox image loaded" || not_ok "load busybox"
export DOCKER_HOST=unix://$SOCK
export WEB_HOST_PORT=18193

P=$T/shop$TAG
cp -r "$ROOT/tests/compose-project" "$P"
cd "$P" || exit 1
proj=$(basename "$P")
db=${proj}_db_1 web=${proj}_web_1

# health_of NAME: the container's health status once it is no longer "starting"
# (bounded: the healthchecks retry 30 times a second apart)
health_of() {
    local s deadline=$((SECONDS + 60))
    while s=$(md inspect -f '{{.State.Health.Status}}' "$1" 2>&1); [ "$s" = starting ] && [ "$SECONDS" -lt "$deadline" ]; do
        sleep 0.2
    done
    echo "$s"
}

expect_rc "compose up -d" 0 timeout 180 docker-compose up -d
expect_eq "db becomes healthy" "healthy" "$(health_of "$db")"
expect_eq "web becomes healthy" "healthy" "$(health_of "$web")"
expect_match "compose ps shows both healthy" "${db} .*Up \(healthy\)" "$(timeout 60 docker-compose ps)"
expect_match "... web with its port" "${web} .*Up \(healthy\) +127\.0\.0\.1:$WEB_HOST_PORT->80/tcp" "$(timeout 60 docker-compose ps)"
# web fetches db's record once, as it starts: it started after db was healthy
expect_eq "web serves what db wrote (db.env's greeting)" "hello from the database (written by db)" \
    "$(curl -s -m 5 "http://127.0.0.1:$WEB_HOST_PORT/index.html")"
expect_eq "web's env_file reached its process" "production" "$(curl -s -m 5 "http://127.0.0.1:$WEB_HOST_PORT/mode")"
expect_eq "web has both env_file and environment variables" "production 80" \
    "$(timeout 60 docker-compose exec -T web sh -c 'echo $WEB_MODE $WEB_PORT')"
resolv=$(md exec "$web" cat /etc/resolv.conf)
expect_match "dns: reaches web's resolv.conf" "^nameserver 192\.0\.2\.53$" "$resolv"
expect_match "dns_search: reaches web's resolv.conf" "^search example\.test$" "$resolv"
expect_match "extra_hosts: an /etc/hosts entry" "^192\.0\.2\.10[[:space:]]+legacy-db\.example\.test$" \
    "$(md exec "$web" cat /etc/hosts)"
expect_match "web's tmpfs: a tmpfs of 2 MiB at /srv" "^tmpfs /srv tmpfs .*size=2048k" "$(md exec "$web" cat /proc/mounts)"
expect_match "db's tmpfs: a tmpfs of 1 MiB" "^tmpfs /run/db tmpfs .*size=1024k" "$(md exec "$db" cat /proc/mounts)"
expect_eq "... of mode 1777 (the kernel does not list that default)" "1777" "$(md exec "$db" stat -c %a /run/db)"
expect_eq "... written by db" "started" "$(md exec "$db" cat /run/db/state)"
expect_eq "the named volume belongs to the project" "$proj" \
    "$(md volume inspect -f '{{index .Labels "com.docker.compose.project"}}' "${proj}_dbdata")"
expect_eq "db's data is in the volume" "hello from the database (written by db)" \
    "$(cat "$DATA/volumes/${proj}_dbdata/_data/record")"
expect_eq "inspect: the healthcheck as compose sent it" \
    '[["CMD","wget","-q","-O","/dev/null","http://127.0.0.1:5432/record"],1000000000,2000000000,30]' \
    "$(md inspect -f '{{json .Config.Healthcheck}}' "$db" | jq -c '[.Test, .Interval, .Timeout, .Retries]')"

# the data outlives the containers: down (volumes kept), up again
expect_rc "compose down keeps the named volume" 0 timeout 120 docker-compose down
expect_eq "... no container left" "" "$(md ps -a -q)"
expect_eq "... the volume is still there" "${proj}_dbdata" "$(md volume ls -q -f "name=${proj}_dbdata")"
echo "second life" >>"$DATA/volumes/${proj}_dbdata/_data/record"
expect_rc "compose up -d again" 0 timeout 180 docker-compose up -d
expect_eq "db healthy again" "healthy" "$(health_of "$db")"
expect_eq "web healthy again" "healthy" "$(health_of "$web")"
expect_eq "web serves the record kept in the volume" "$(printf 'hello from the database (written by db)\nsecond life')" \
    "$(curl -s -m 5 "http://127.0.0.1:$WEB_HOST_PORT/index.html")"

expect_rc "compose down -v" 0 timeout 120 docker-compose down -v
expect_eq "... no container left" "" "$(md ps -a -q)"
expect_eq "... no volume left" "" "$(md volume ls -q)"
expect_no_match "... the project network is gone" "${proj}_default" "$(md network ls)"
expect_no_match "... no mount of the project left" "$proj|$DATA/volumes" "$(cat /proc/mounts)"
cd "$ROOT" || exit 1
suite_end
