#!/bin/bash
# commit and diff, with our client, the stock docker CLI and docker-py: a
# container's added, changed and deleted files (and a directory replaced
# whole, which overlayfs marks opaque) become a layer of a new image that
# runs with them; the config changes (-c), author and message; history;
# pause keeps a running container running; an unchanged container adds no
# layer; save/load round trips; bad input leaves no image.
. "$(dirname "$0")/lib.sh"
suite_begin commit
daemon_start || { not_ok "daemon starts"; suite_end; exit 1; }
bb=$(busybox_archive) && md load -i "$bb" >/dev/null && ok "busybox image loaded" || not_ok "load busybox"
nimages() { api http://x/images/json?all=1 | jq length; }

scenario() {
    local c=$CLI
    $c run --name "s1-$c" --network none busybox sh -c 'echo hello > /hello && chmod 640 /hello && chown 1000:1000 /hello && ln /hello /hl && mkdir -p /opq/a && echo 1 > /opq/a/f && echo bye > /gone' >/dev/null
    expect_rc "$c: commit with author, message and changes" 0 $c commit -a "Ann <ann@example.test>" -m "first" \
        -c 'CMD ["cat","/hello"]' -c 'ENV A=b' -c 'EXPOSE 80' "s1-$c" "img1-$c:v1"
    expect_match "$c: ... prints the image id" "^sha256:[0-9a-f]{64}$" "$OUT"
    id1=$OUT
    expect_eq "$c: the image has the id printed" "$id1" "$($c image inspect -f '{{.Id}}' "img1-$c:v1")"
    expect_eq "$c: CMD from -c" "hello" "$($c run --rm --network none "img1-$c:v1")"
    expect_eq "$c: mode and owner kept" "640 1000:1000 2" \
        "$($c run --rm --network none "img1-$c:v1" stat -c '%a %u:%g %h' /hello)"
    expect_eq "$c: a hard link stays a hard link" "$($c run --rm --network none "img1-$c:v1" stat -c %i /hello)" \
        "$($c run --rm --network none "img1-$c:v1" stat -c %i /hl)"
    expect_eq "$c: ENV from -c" "b" "$($c run --rm --network none "img1-$c:v1" sh -c 'echo $A')"
    expect_eq "$c: inspect Author, Comment, ExposedPorts" 'Ann <ann@example.test>|first|{"80/tcp":{}}' \
        "$($c image inspect -f '{{.Author}}|{{.Comment}}|{{json .Config.ExposedPorts}}' "img1-$c:v1")"
    expect_eq "$c: one layer more than busybox" "$(($($c image inspect -f '{{len .RootFS.Layers}}' busybox) + 1))" \
        "$($c image inspect -f '{{len .RootFS.Layers}}' "img1-$c:v1")"
    expect_match "$c: history's top entry: the container's command and the message" \
        "^sh -c echo hello > /hello .* echo bye > /gone\|first$" \
        "$($c history --no-trunc --format '{{.CreatedBy}}|{{.Comment}}' "img1-$c:v1" | head -n1)"
    expect_eq "$c: the runtime's mount points are not in the layer" "" \
        "$($c run --rm --network none "img1-$c:v1" sh -c 'ls -d /.dockerenv 2>/dev/null')"

    # second generation: a deleted file and a directory replaced whole
    $c run --name "s2-$c" --network none "img1-$c:v1" sh -c \
        'rm /gone && rm -rf /opq && mkdir /opq && echo only > /opq/only' >/dev/null
    expect_eq "$c: diff lists the changes" "$(printf 'A /opq/only\nC /opq\nD /gone')" "$($c diff "s2-$c" | sort)"
    $c commit "s2-$c" "img2-$c" >/dev/null
    expect_eq "$c: a deleted file is gone in the new image" "no" \
        "$($c run --rm --network none "img2-$c" sh -c '[ -e /gone ] && echo yes || echo no')"
    expect_eq "$c: a replaced directory holds only its new content" "only" \
        "$($c run --rm --network none "img2-$c" ls /opq)"
    expect_eq "$c: the container's command is the new image's CMD, its ENV kept" \
        "[sh -c rm /gone && rm -rf /opq && mkdir /opq && echo only > /opq/only] A=b" \
        "$($c image inspect -f '{{.Config.Cmd}} {{index .Config.Env 1}}' "img2-$c")"

    # nothing changed: no new layer, an empty_layer history entry
    $c create --name "s3-$c" --network none busybox true >/dev/null
    $c commit "s3-$c" "img3-$c" >/dev/null
    expect_eq "$c: an unchanged container adds no layer" "$($c image inspect -f '{{len .RootFS.Layers}}' busybox)" \
        "$($c image inspect -f '{{len .RootFS.Layers}}' "img3-$c")"
    expect_eq "$c: ... but a history entry" "$(($($c history -q busybox | wc -l) + 1))" "$($c history -q "img3-$c" | wc -l)"

    # a running container is paused for the commit, then runs on
    $c run -d --name "run-$c" --network none busybox sh -c 'echo up > /state; while :; do sleep 1; done' >/dev/null
    expect_settles "$c: the running container wrote its file" "up" $c exec "run-$c" cat /state
    expect_rc "$c: commit of a running container" 0 $c commit "run-$c" "img4-$c"
    expect_eq "$c: ... it still runs" "running" "$($c inspect -f '{{.State.Status}}' "run-$c")"
    expect_eq "$c: ... its file is in the image" "up" "$($c run --rm --network none "img4-$c" cat /state)"
    expect_rc "$c: commit --pause=false" 0 $c commit --pause=false "run-$c" "img5-$c"
    $c rm -f "run-$c" >/dev/null

    # bad input: nothing made
    local before
    before=$(nimages)
    expect_rc "$c: a bad change is refused" 1 $c commit -c 'RUN echo x' "s1-$c" "bad-$c"
    expect_match "$c: ... with docker's message" "run is not a valid change command" "$OUT"
    expect_rc "$c: a missing container" 1 $c commit "nosuch-$c" "bad-$c"
    expect_match "$c: ... with docker's message" "No such container: nosuch-$c" "$OUT"
    expect_rc "$c: a bad reference" 1 $c commit "s1-$c" "Bad:Ref:x"
    expect_eq "$c: no image was made by the failures" "$before" "$(nimages)"
    $c rm "s1-$c" "s2-$c" "s3-$c" >/dev/null
}
run_both scenario

# the committed image survives save/load
md save -o "$T/img1.tar" img1-md:v1
id1=$(md image inspect -f '{{.Id}}' img1-md:v1)
md rmi img1-md:v1 >/dev/null
expect_rc "save of a committed image loads again" 0 md load -i "$T/img1.tar"
expect_eq "... with the same id" "$id1" "$(md image inspect -f '{{.Id}}' img1-md:v1)"
expect_eq "... and runs" "hello" "$(md run --rm --network none img1-md:v1)"

# the API: 201 and {"Id"}, a body config merged over the container's
md create --name api1 --network none busybox sh -c 'echo from-cmd' >/dev/null
out=$(api -s -w '\n%{http_code}' -X POST -H 'Content-Type: application/json' \
    -d '{"Env":["X=1"],"Labels":{"l":"v"}}' 'http://x/commit?container=api1&repo=apiimg&tag=t1&comment=c1')
expect_match "POST /commit answers 201 with the Id" '^\{"Id":"sha256:[0-9a-f]{64}"\}$' "$(head -n1 <<<"$out")"
expect_eq "... 201" "201" "$(tail -n1 <<<"$out")"
expect_eq "the body's Env is merged with the container's" "X=1 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    "$(md image inspect -f '{{join .Config.Env " "}}' apiimg:t1)"
expect_eq "... its labels, and the container's Cmd" "v [sh -c echo from-cmd]" \
    "$(md image inspect -f '{{.Config.Labels.l}} {{.Config.Cmd}}' apiimg:t1)"
expect_eq "a commit event" "commit apiimg:t1 c1" \
    "$(api "http://x/events?since=1&until=$(($(date +%s) + 1))" |
        jq -r 'select(.Action == "commit" and .Actor.Attributes.imageRef == "apiimg:t1") | "\(.Action) \(.Actor.Attributes.imageRef) \(.Actor.Attributes.comment)"')"
md rm api1 >/dev/null

# docker-py
out=$(SOCK=$SOCK timeout 120 /usr/bin/python3 - <<'PY' 2>&1
import os, docker
c = docker.DockerClient(base_url="unix://" + os.environ["SOCK"])
ct = c.containers.run("busybox", ["sh", "-c", "echo py > /py"], detach=True, network_mode="none")
ct.wait()
img = ct.commit(repository="pyimg", tag="v1", message="from py", author="py", changes=["CMD cat /py"])
print("tags", img.tags)
print("run", c.containers.run("pyimg:v1", remove=True, network_mode="none").decode().strip())
print("history", img.history()[0]["Comment"])
ct.remove()
PY
)
expect_match "docker-py: commit tags the image" "^tags \['pyimg:v1'\]$" "$out"
expect_match "docker-py: the image runs with its CMD" "^run py$" "$out"
expect_match "docker-py: history shows the message" "^history from py$" "$out"

for c in md dk; do
    for i in img1-$c:v1 img2-$c img3-$c img4-$c img5-$c; do md rmi "$i" >/dev/null 2>&1; done
done
md rmi apiimg:t1 pyimg:v1 >/dev/null
expect_eq "no container left" "" "$(md ps -aq)"
suite_end
