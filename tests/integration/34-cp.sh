#!/bin/bash
# docker cp, the archive API and export: files and directories both ways,
# running and stopped containers, docker's path rules ("/.", a missing
# parent), and symlinks in a container that must never reach the host.
. "$(dirname "$0")/lib.sh"
suite_begin cp
daemon_start || { not_ok "daemon starts"; suite_end; exit 1; }
bb=$(busybox_archive) && md load -i "$bb" >/dev/null && ok "busybox image loaded" || not_ok "load busybox"

quiet() { "$@" >/dev/null; } # a tar on stdout is not for $OUT

# mounts of a container's overlay on the host (a stopped one's must be none)
overlay_mounts() { grep -cF "$DATA/overlay/$1" /proc/self/mountinfo; }

scenario() { # runs with CLI=md and CLI=dk
    local c=$CLI r=run-$CLI s=stop-$CLI w=$T/w-$CLI sid out
    mkdir -p "$w"
    $c run -d --name "$r" busybox sleep 1000 >/dev/null
    $c create --name "$s" busybox true >/dev/null
    sid=$($c inspect -f '{{.Id}}' "$s")
    passwd=$($c exec "$r" cat /etc/passwd)

    # a file out of a running and a stopped container
    expect_rc "$c: cp RUNNING:/etc/passwd FILE" 0 $c cp "$r:/etc/passwd" "$w/p1"
    expect_eq "$c: ... is the container's passwd" "$passwd" "$(cat "$w/p1")"
    expect_rc "$c: cp STOPPED:/etc/passwd FILE" 0 $c cp "$s:/etc/passwd" "$w/p2"
    expect_eq "$c: ... is the container's passwd" "$passwd" "$(cat "$w/p2")"
    expect_eq "$c: no overlay mount is left after cp on a stopped container" "0" "$(overlay_mounts "$sid")"
    expect_rc "$c: cp STOPPED:/etc/passwd - (a tar on stdout)" 0 quiet $c cp "$s:/etc/passwd" -
    expect_eq "$c: ... holds the one file" "passwd" "$($c cp "$s:/etc/passwd" - | tar tf -)"

    # a file in
    echo "hello-$c" >"$w/h"
    expect_rc "$c: cp FILE STOPPED:/tmp/h" 0 $c cp "$w/h" "$s:/tmp/h"
    expect_eq "$c: ... reads back" "hello-$c" "$($c cp "$s:/tmp/h" - | tar xOf -)"
    expect_eq "$c: no overlay mount is left after cp into a stopped container" "0" "$(overlay_mounts "$sid")"
    expect_rc "$c: cp FILE RUNNING:/tmp/" 0 $c cp "$w/h" "$r:/tmp/"
    expect_eq "$c: ... the container sees it" "hello-$c" "$($c exec "$r" cat /tmp/h)"
    expect_rc "$c: cp FILE RUNNING:/tmp/renamed" 0 $c cp "$w/h" "$r:/tmp/renamed"
    expect_eq "$c: ... under the new name" "hello-$c" "$($c exec "$r" cat /tmp/renamed)"

    # directories in: a new name, into an existing dir, and "/." for the contents
    mkdir -p "$w/d/sub" && echo a >"$w/d/a" && echo b >"$w/d/sub/b"
    expect_rc "$c: cp DIR RUNNING:/tmp/newd (missing: takes the name)" 0 $c cp "$w/d" "$r:/tmp/newd"
    expect_eq "$c: ... the tree" "a b" "$($c exec "$r" sh -c 'echo $(cat /tmp/newd/a /tmp/newd/sub/b)')"
    expect_rc "$c: cp DIR RUNNING:/tmp/newd (existing: goes inside)" 0 $c cp "$w/d" "$r:/tmp/newd"
    expect_eq "$c: ... as newd/d" "b" "$($c exec "$r" cat /tmp/newd/d/sub/b)"
    $c exec "$r" mkdir /tmp/dot
    expect_rc "$c: cp DIR/. RUNNING:/tmp/dot" 0 $c cp "$w/d/." "$r:/tmp/dot"
    expect_eq "$c: ... copies the contents only" "a sub" "$($c exec "$r" sh -c 'echo $(ls /tmp/dot)')"

    # directories out
    expect_rc "$c: cp STOPPED:/etc DIR (missing: takes the name)" 0 $c cp "$s:/etc" "$w/etc1"
    expect_eq "$c: ... etc1/passwd" "$passwd" "$(cat "$w/etc1/passwd" 2>&1)"
    mkdir -p "$w/into" "$w/dotout"
    expect_rc "$c: cp STOPPED:/etc DIR (existing: goes inside)" 0 $c cp "$s:/etc" "$w/into"
    [ -f "$w/into/etc/passwd" ] && ok "$c: ... as into/etc" || not_ok "$c: into/etc/passwd missing: $(ls -R "$w/into" | head)"
    expect_rc "$c: cp STOPPED:/etc/. DIR" 0 $c cp "$s:/etc/." "$w/dotout"
    [ -f "$w/dotout/passwd" ] && [ ! -e "$w/dotout/etc" ] && ok "$c: ... copies the contents only" \
        || not_ok "$c: /etc/. out: $(ls "$w/dotout" | head)"
    expect_eq "$c: the dir tar names the dir itself first" "etc/" "$($c cp "$s:/etc" - | tar tf - | head -1)"
    # hard links keep their target under the copy's new name
    $c exec "$r" sh -c 'mkdir /hl && echo linked >/hl/one && ln /hl/one /hl/two'
    expect_rc "$c: cp RUNNING:/hl DIR (a tree with a hard link)" 0 $c cp "$r:/hl" "$w/hlcopy"
    expect_eq "$c: ... both names, one inode" "linked linked 2" \
        "$(cat "$w/hlcopy/one" "$w/hlcopy/two" 2>&1 | tr '\n' ' ')$(stat -c %h "$w/hlcopy/two" 2>&1)"

    # docker's errors
    expect_rc "$c: cp into a missing parent fails" 1 $c cp "$w/h" "$r:/nonexist/x"
    expect_match "$c: ... with docker's message" "Error response from daemon: Could not find the file /nonexist in container $r" "$OUT"
    expect_rc "$c: cp of a missing file fails" 1 $c cp "$r:/nonexist" "$w/x"
    expect_match "$c: ... with docker's message" "Could not find the file /nonexist in container $r" "$OUT"

    # symlinks in the container never reach the host
    mkdir -p "$w/hostdir" && echo canary >"$w/hostdir/canary"
    $c exec "$r" sh -c "ln -s /etc /tmp/abs; ln -s ../../../../../../../etc /tmp/rel; ln -s $w/hostdir /tmp/hostlink; mkdir -p $w/hostdir"
    expect_eq "$c: reading through a symlink to /etc gives the container's file" "$passwd" \
        "$($c cp "$r:/tmp/abs/passwd" - | tar xOf -)"
    expect_eq "$c: ... and through ../../etc too" "$passwd" "$($c cp "$r:/tmp/rel/passwd" - | tar xOf -)"
    echo intruder >"$w/canary"
    expect_rc "$c: cp into a symlink to the host's canary dir" 0 $c cp "$w/canary" "$r:/tmp/hostlink/"
    expect_eq "$c: ... the host canary is untouched" "canary" "$(cat "$w/hostdir/canary")"
    expect_eq "$c: ... the file landed in the container" "intruder" "$($c exec "$r" cat "$w/hostdir/canary")"
    expect_rc "$c: cp - into a symlink to the host's dir" 0 $c cp - "$r:/tmp/hostlink" < <(tar -C "$w" -cf - canary)
    expect_eq "$c: ... the host canary is untouched" "canary" "$(cat "$w/hostdir/canary")"

    # a tar with ../../ entries stays inside
    mkdir -p "$w/a/b" && echo esc >"$w/escape-$c"
    tar -C "$w/a/b" -cPf "$w/evil.tar" "../../escape-$c"
    expect_eq "$c: the test tar holds a ../../ name" "../../escape-$c" "$(tar tf "$w/evil.tar")"
    expect_rc "$c: cp - CTR:/ with ../../x entries" 0 $c cp - "$r:/" <"$w/evil.tar"
    expect_eq "$c: ... lands at /x inside" "esc" "$($c exec "$r" cat "/escape-$c")"
    [ ! -e "/escape-$c" ] && [ ! -e "$DATA/escape-$c" ] && [ ! -e "$DATA/overlay/escape-$c" ] \
        && ok "$c: ... and nowhere on the host" || not_ok "$c: escape-$c found on the host"
    expect_rc "$c: cp - CTR:/tmp with a name leaving /tmp fails" 1 $c cp - "$r:/tmp" <"$w/evil.tar"
    expect_match "$c: ... as outside of the destination" "is outside of" "$OUT"

    # read-only rootfs
    $c run -d --read-only --name "ro-$c" busybox sleep 1000 >/dev/null
    expect_rc "$c: cp into a --read-only container fails" 1 $c cp "$w/h" "ro-$c:/tmp/"
    expect_match "$c: ... rootfs marked read-only" "container rootfs is marked read-only" "$OUT"

    # export
    out=$($c export "$s" | tar tf -)
    expect_match "$c: export lists bin/busybox" "^bin/busybox$" "$out"
    expect_match "$c: export lists etc/passwd" "^etc/passwd$" "$out"
    expect_match "$c: export has the file cp put in" "^tmp/h$" "$out"
    expect_rc "$c: export -o FILE" 0 $c export -o "$w/e.tar" "$r"
    expect_match "$c: ... a tar of the rootfs" "^bin/busybox$" "$(tar tf "$w/e.tar")"
    expect_eq "$c: no overlay mount is left after export of a stopped container" "0" "$(overlay_mounts "$sid")"

    $c rm -f "$r" "$s" "ro-$c" >/dev/null
}
run_both scenario

# the raw API: the stat header, and HEAD's 404
md run -d --name api busybox sleep 1000 >/dev/null
hdr=$(api -I "http://x/v1.50/containers/api/archive?path=/etc/passwd" | tr -d '\r' | sed -n 's/^X-Docker-Container-Path-Stat: //Ip')
expect_eq "HEAD archive: the stat header" '{"name":"passwd","size":'"$(md exec api stat -c %s /etc/passwd)"',"mode":420,' \
    "$(base64 -d <<<"$hdr" | sed 's/"mtime".*//')"
md exec api ln -s /etc /lnk
expect_match "HEAD archive: a symlink's linkTarget" '"mode":134218239,.*"linkTarget":"/etc"' "$(api -sI "http://x/containers/api/archive?path=/lnk" | tr -d '\r' | sed -n 's/^X-Docker-Container-Path-Stat: //Ip' | base64 -d)"
expect_eq "HEAD archive of a missing path: 404" "404" "$(api -o /dev/null -w '%{http_code}' -I "http://x/containers/api/archive?path=/nope")"
expect_eq "PUT archive to a file: 400" '400 {"message":"extraction point is not a directory"}' \
    "$(api -X PUT -o "$T/put.out" -w '%{http_code}' --data-binary @/dev/null "http://x/containers/api/archive?path=/etc/passwd"; echo " $(cat "$T/put.out")")"

# on a terminal both clients end with docker 28's summary: the tar's bytes
echo hello >"$T/h6"
for cli in "$MINIDOCK" docker; do
    out=$(DOCKER_CONFIG=$T/docker-config script -qec "$cli -H unix://$SOCK cp $T/h6 api:/tmp/h6" /dev/null | tr -d '\r')
    expect_eq "${cli##*/}: cp to a container on a terminal: the summary line" "Successfully copied 2.05kB to api:/tmp/h6" "$out"
    out=$(DOCKER_CONFIG=$T/docker-config script -qec "$cli -H unix://$SOCK cp api:/tmp/h6 $T/h6-${cli##*/}" /dev/null | tr -d '\r')
    expect_eq "${cli##*/}: cp from a container on a terminal: the summary line" "Successfully copied 2.05kB to $T/h6-${cli##*/}" "$out"
done

# docker-py: put_archive and get_archive
out=$(DOCKER_CONFIG=$T/py-config SOCK=$SOCK timeout 120 /usr/bin/python3 - <<'PY' 2>&1
import io, os, tarfile, docker
c = docker.DockerClient(base_url="unix://" + os.environ["SOCK"])
ctr = c.containers.get("api")
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w") as t:
    data = b"from-docker-py\n"
    ti = tarfile.TarInfo("py.txt"); ti.size = len(data)
    t.addfile(ti, io.BytesIO(data))
print(ctr.put_archive("/tmp", buf.getvalue()))
bits, stat = ctr.get_archive("/tmp/py.txt")
raw = b"".join(bits)
with tarfile.open(fileobj=io.BytesIO(raw)) as t:
    print(stat["name"], t.extractfile("py.txt").read().decode().strip())
PY
)
expect_eq "docker-py put_archive and get_archive" "True
py.txt from-docker-py" "$out"
md rm -f api >/dev/null

suite_end
