#!/bin/bash
# Named and anonymous volumes, with our client and the stock docker CLI:
# create/ls/inspect/rm/prune and docker's texts, data shared between
# containers, the image's content copied into a new volume (and not with
# nocopy), read-only volumes, in-use removal refused, tmpfs-type volumes,
# rm -v and --rm, volumes that outlive a daemon restart, docker-py, and a
# host left as it was (no mount under the suite's dir).
. "$(dirname "$0")/lib.sh"
suite_begin volumes
daemon_start || { not_ok "daemon starts"; suite_end; exit 1; }
bb=$(busybox_archive) && md load -i "$bb" >/dev/null && ok "busybox image loaded" || not_ok "load busybox"

# busybox with /data/hello (uid 1000, mode 0640, a user xattr) and VOLUME /data
mkdir -p "$T/bbroot"
"$ROOT/contrib/mkimage-busybox.sh" --rootfs "$T/rootfs.tar" >"$T/mkimage.log" 2>&1 &&
    tar -C "$T/bbroot" -xf "$T/rootfs.tar" && mkdir -p "$T/bbroot/data" &&
    echo "from the image" >"$T/bbroot/data/hello" && chown 1000:1000 "$T/bbroot/data/hello" &&
    chmod 0640 "$T/bbroot/data/hello" && chown 1000:1000 "$T/bbroot/data" && chmod 0750 "$T/bbroot/data" &&
    /usr/bin/python3 -c 'import os, sys; os.setxattr(sys.argv[1], "user.mdtest", b"kept")' "$T/bbroot/data/hello" &&
    tar --xattrs --xattrs-include='user.*' -C "$T/bbroot" -cf "$T/bbvol.tar" . &&
    md import -c 'VOLUME /data' -c 'CMD ["sh"]' "$T/bbvol.tar" bbvol >/dev/null &&
    ok "image with content at its VOLUME path imported" || not_ok "build the bbvol image"

nvols() { api http://x/volumes | jq '.Volumes | length'; }
mountpoint_of() { $CLI volume inspect -f '{{.Mountpoint}}' "$1"; }

scenario() {
    local c=$CLI v=data-$c
    expect_eq "$c: volume create prints the name" "$v" "$($c volume create "$v")"
    expect_eq "$c: volume create of an existing name returns it" "$v" "$($c volume create "$v")"
    expect_match "$c: volume ls" "^DRIVER +VOLUME NAME$" "$($c volume ls | head -n1)"
    expect_match "$c: ... lists it" "^local +$v$" "$($c volume ls)"
    expect_eq "$c: volume ls -q -f name=" "$v" "$($c volume ls -q -f "name=data-$c")"
    expect_eq "$c: volume inspect -f" "local local $DATA/volumes/$v/_data" \
        "$($c volume inspect -f '{{.Driver}} {{.Scope}} {{.Mountpoint}}' "$v")"

    # data written by one container is read by another
    $c run --rm -v "$v:/data" busybox sh -c 'echo shared > /data/f' >/dev/null
    expect_eq "$c: a second container reads what the first wrote" "shared" "$($c run --rm -v "$v:/data" busybox cat /data/f)"
    expect_rc "$c: :ro refuses writes" 1 $c run --rm -v "$v:/data:ro" busybox sh -c 'echo x > /data/g'
    expect_match "$c: ... with the kernel's reason" "Read-only file system" "$OUT"
    expect_eq "$c: ... and nothing was written" "f" "$(ls "$DATA/volumes/$v/_data")"

    # in use (by a stopped container too): 409, the volume stays
    id=$($c create --name "user-$c" -v "$v:/data" busybox true)
    expect_rc "$c: volume rm of a volume in use fails" 1 $c volume rm "$v"
    expect_eq "$c: ... with docker's message" "Error response from daemon: remove $v: volume is in use - [$id]" "$OUT"
    expect_eq "$c: ... 409 from the API" 409 "$(api -o /dev/null -w '%{http_code}' -X DELETE "http://x/volumes/$v")"
    expect_eq "$c: ... and the volume stays" "shared" "$(cat "$DATA/volumes/$v/_data/f")"
    expect_eq "$c: inspect Mounts" "volume $v $DATA/volumes/$v/_data /data local true" \
        "$($c inspect -f '{{range .Mounts}}{{.Type}} {{.Name}} {{.Source}} {{.Destination}} {{.Driver}} {{.RW}}{{end}}' "user-$c")"
    $c rm "user-$c" >/dev/null
    expect_eq "$c: rm -v of a container keeps named volumes" "$v" "$($c volume ls -q -f "name=$v")"
    expect_eq "$c: volume rm once unused" "$v" "$($c volume rm "$v")"
    expect_eq "$c: ... its directory is gone" "no" "$([ -e "$DATA/volumes/$v" ] && echo yes || echo no)"
    expect_rc "$c: volume rm of a missing volume" 1 $c volume rm "$v"
    expect_eq "$c: ... docker's message" "Error response from daemon: get $v: no such volume" "$OUT"
    expect_rc "$c: volume rm -f of a missing volume succeeds" 0 $c volume rm -f "$v"

    # the image's content is copied into a new volume on first use
    out=$($c run --rm -v "cu-$c:/data" bbvol sh -c 'cat /data/hello; stat -c "%u:%g %a" /data/hello /data')
    expect_eq "$c: image content copied into a new named volume, owners and modes kept" "from the image
1000:1000 640
1000:1000 750" "$out"
    mp=$DATA/volumes/cu-$c/_data
    expect_eq "$c: ... xattrs kept" "kept" "$(/usr/bin/python3 -c 'import os, sys; print(os.getxattr(sys.argv[1], "user.mdtest").decode())' "$mp/hello" 2>&1)"
    echo changed >"$mp/hello"
    expect_eq "$c: ... only on first use: a volume with content is not overwritten" "changed" \
        "$($c run --rm -v "cu-$c:/data" bbvol cat /data/hello)"
    expect_eq "$c: nocopy: nothing copied" "" "$($c run --rm -v "nc-$c:/data:nocopy" bbvol ls -A /data)"
    # the image's VOLUME gets an anonymous volume, filled from the image
    expect_eq "$c: the image's VOLUME is an anonymous volume with its content" "from the image" \
        "$($c run --name anon-$c bbvol cat /data/hello)"
    anon=$($c inspect -f '{{range .Mounts}}{{.Name}}{{end}}' "anon-$c")
    expect_match "$c: ... named with 64 hex digits" '^[0-9a-f]{64}$' "$anon"
    expect_eq "$c: ... labelled anonymous" '{"com.docker.volume.anonymous":""}' "$($c volume inspect -f '{{json .Labels}}' "$anon")"
    $c rm -v "anon-$c" >/dev/null
    expect_rc "$c: rm -v removes the anonymous volume" 1 $c volume inspect "$anon"
    before=$(nvols)
    $c run --rm -v /scratch busybox true
    expect_settles "$c: run --rm removes its anonymous volume" "$before" nvols
    $c volume rm "cu-$c" "nc-$c" >/dev/null

    # tmpfs-type volume: mounted while used, a tmpfs in the container
    $c volume create -o type=tmpfs -o device=tmpfs -o o=size=64m "tv-$c" >/dev/null
    expect_match "$c: a tmpfs-type volume is a tmpfs in the container" "^tmpfs /t tmpfs rw.*size=65536k" \
        "$($c run --rm -v "tv-$c:/t" busybox grep ' /t ' /proc/mounts)"
    expect_settles "$c: ... and unmounted after" "0" bash -c "grep -c ' $DATA/volumes/tv-$c/_data ' /proc/self/mountinfo"
    $c volume rm "tv-$c" >/dev/null
    expect_rc "$c: an unknown driver option is refused" 1 $c volume create -o foo=bar "bad-$c"
    expect_eq "$c: ... with docker's message" "Error response from daemon: create bad-$c: invalid option: \"foo\"" "$OUT"

    # prune: unused anonymous volumes only, unless -a
    $c volume create "keep-$c" >/dev/null
    $c run --name pr-$c -v /p busybox true
    panon=$($c inspect -f '{{range .Mounts}}{{.Name}}{{end}}' "pr-$c")
    $c rm "pr-$c" >/dev/null
    expect_eq "$c: volume ls -f dangling=true" "$(printf '%s\n%s' "$panon" "keep-$c" | sort)" "$($c volume ls -q -f dangling=true | sort)"
    expect_eq "$c: volume prune -f removes only the unused anonymous volume" "Deleted Volumes:
$panon

Total reclaimed space: 0B" "$($c volume prune -f)"
    expect_eq "$c: ... the named one stays" "keep-$c" "$($c volume ls -q)"
    expect_eq "$c: volume prune -a -f takes named ones too" "Deleted Volumes:
keep-$c

Total reclaimed space: 0B" "$($c volume prune -a -f)"
    expect_eq "$c: no volume left" "0" "$(nvols)"
}
run_both scenario

# the API's own answers
code=$(api -o "$T/body" -w '%{http_code}' http://x/v1.50/volumes/nosuch)
expect_eq "GET /volumes/nosuch: 404" '404 {"message":"get nosuch: no such volume"}' "$code $(cat "$T/body")"
code=$(api -o "$T/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{"Name":"a/b"}' http://x/v1.50/volumes/create)
expect_match "POST /volumes/create with a bad name: 400" '^400 .*create a/b: \\"a/b\\" includes invalid characters' "$code $(cat "$T/body")"
expect_eq "GET /volumes: Volumes and Warnings" '{"Volumes":[],"Warnings":[]}' "$(api http://x/volumes)"

# volumes outlive a daemon restart; a tmpfs volume of a running container stays mounted
md volume create --label k=v persist >/dev/null
md run --rm -v persist:/d busybox sh -c 'echo kept > /d/f'
md volume create -o type=tmpfs -o device=tmpfs tvr >/dev/null
md run -d --name tr -v tvr:/t busybox sh -c 'echo live > /t/x; sleep 300' >/dev/null
daemon_stop
daemon_start || not_ok "daemon restarts"
expect_eq "after a restart: the volume, its labels" 'persist {"k":"v"}' "$(md volume inspect -f '{{.Name}} {{json .Labels}}' persist)"
expect_eq "... and its data" "kept" "$(md run --rm -v persist:/d busybox cat /d/f)"
expect_eq "... a running container's tmpfs volume kept its content" "live" "$(md exec tr cat /t/x)"
md rm -f tr >/dev/null
expect_settles "... unmounted once its container is gone" "0" bash -c "grep -c ' $DATA/volumes/tvr/_data ' /proc/self/mountinfo"
md volume rm persist tvr >/dev/null

# docker-py: volumes create/list/remove and a container with a volume
out=$(SOCK=$SOCK timeout 120 /usr/bin/python3 - <<'PY' 2>&1
import os, docker
c = docker.DockerClient(base_url="unix://" + os.environ["SOCK"])
v = c.volumes.create(name="pyvol", labels={"from": "py"})
print("created", v.name, v.attrs["Driver"], v.attrs["Labels"])
print("listed", [x.name for x in c.volumes.list(filters={"label": "from=py"})])
out = c.containers.run("busybox", "sh -c 'echo py > /v/f; cat /v/f'", volumes={"pyvol": {"bind": "/v", "mode": "rw"}}, remove=True)
print("ran", out.decode().strip())
v.remove()
print("left", [x.name for x in c.volumes.list()])
PY
)
expect_eq "docker-py: volumes create, list, a container with one, remove" "created pyvol local {'from': 'py'}
listed ['pyvol']
ran py
left []" "$out"

suite_end
