#!/bin/bash
# build: Dockerfiles in tests/dockerfiles through the classic builder with our
# client, the stock docker CLI (legacy builder: no buildx here), docker-py
# and compose's build:. The images run with the files, owners and config
# the Dockerfile says; a second build comes from the cache, --no-cache does
# not; multi-stage with COPY --from and --target; a failing RUN answers
# docker's message and exit code, leaving its container unless --force-rm;
# history shows the steps; refused parameters name themselves.
. "$(dirname "$0")/lib.sh"
suite_begin build
daemon_start || { not_ok "daemon starts"; suite_end; exit 1; }
bb=$(busybox_archive) && md load -i "$bb" >/dev/null && ok "busybox image loaded" || not_ok "load busybox"
B=$ROOT/tests/dockerfiles
nctrs() { api "http://x/containers/json?all=1" | jq length; }

# the app context: the tree in tests/dockerfiles/app, plus a tar for ADD and
# files .dockerignore keeps out
ctx() {
    rm -rf "$T/app" "$T/tarsrc"
    cp -r "$B/app" "$T/app"
    mkdir -p "$T/tarsrc/inner" "$T/app/ignored"
    echo fromtar >"$T/tarsrc/inner/t.txt"
    tar -C "$T/tarsrc" --mtime=@0 --owner=0 --group=0 --sort=name -cf "$T/app/files.tar" inner
    echo secret >"$T/app/ignored/secret"
    echo scratch >"$T/app/notes.tmp"
}

scenario() {
    local c=$CLI img="app-$CLI:1"
    ctx
    expect_rc "$c: build the app" 0 $c build -t "$img" -t "app-$CLI:also" --network none "$T/app"
    local out=$OUT
    expect_match "$c: steps as docker prints them" "Step 1/15 : ARG BASE=busybox" "$out"
    expect_match "$c: ... RUN's output" "^hello from prod$|Running in [0-9a-f]{12}" "$out"
    expect_match "$c: ... the intermediate containers removed" "Removing intermediate container [0-9a-f]{12}" "$out"
    expect_match "$c: ... Successfully built" "Successfully built [0-9a-f]{12}" "$out"
    expect_match "$c: ... both tags" "Successfully tagged app-$CLI:also" "$out"
    # (the second client's first build may reuse the first one's steps)
    [ "$c" = md ] && expect_no_match "md: a first build uses no cache" "Using cache" "$out"
    [ "$c" = md ] && expect_match "md: the context size first" "^Sending build context to Docker daemon  [0-9.]+kB" "$out"
    expect_eq "$c: CMD runs as USER with the RUN's file" "hello from prod" "$($c run --rm --network none "$img")"
    expect_eq "$c: user, workdir, env" "1000 /srv/app /srv/app prod" \
        "$($c run --rm --network none "$img" sh -c 'echo $(id -u) $(pwd) $APP_HOME $MODE')"
    expect_eq "$c: COPY to ./ lands in WORKDIR, owned by root" "hello file 0:0 644" \
        "$($c run --rm --network none "$img" sh -c 'echo $(cat hello.txt) $(stat -c "%u:%g %a" hello.txt)')"
    expect_eq "$c: COPY --chown of a directory, its tree below" "a=1 b=2 1000:1000 1000:1000" \
        "$($c run --rm --network none "$img" sh -c 'echo $(cat conf/app.conf conf/sub/b.conf) $(stat -c %u:%g conf/sub) $(stat -c %u:%g conf/sub/b.conf)')"
    expect_eq "$c: COPY --chmod" "600" "$($c run --rm --network none "$img" stat -c %a /srv/private.txt)"
    expect_eq "$c: ADD of a local tar unpacks it" "fromtar" "$($c run --rm --network none "$img" cat /srv/unpacked/inner/t.txt)"
    expect_eq "$c: RUN's chown kept" "1000" "$($c run --rm --network none "$img" stat -c %u /data)"
    expect_eq "$c: COPY . takes the context less what .dockerignore excludes" \
        ".dockerignore Dockerfile conf files.tar hello.txt" \
        "$($c run --rm --network none "$img" ls -A /ctx | tr '\n' ' ' | sed 's/ $//')"
    expect_eq "$c: config: Cmd, User, WorkingDir, ExposedPorts, Labels" \
        '["cat","greeting"]|1000|/srv/app|{"53/udp":{},"8080/tcp":{}}|{"org.example.name":"app","org.example.tier":"test"}' \
        "$($c image inspect -f '{{json .Config.Cmd}}|{{.Config.User}}|{{.Config.WorkingDir}}|{{json .Config.ExposedPorts}}|{{json .Config.Labels}}' "$img")"
    local hist
    hist=$($c history --no-trunc --format '{{.CreatedBy}}' "$img")
    expect_match "$c: history: CMD as docker writes it" '^/bin/sh -c #\(nop\)  CMD \["cat" "greeting"\]$' "$hist"
    expect_match "$c: history: RUN with its build arg" '^\|1 GREETING=hello /bin/sh -c echo "\$GREETING from \$MODE" > greeting' "$hist"
    expect_match "$c: history: COPY with the content hash" '^/bin/sh -c #\(nop\) COPY file:[0-9a-f]{64} in \./ $' "$hist"
    expect_match "$c: history: WORKDIR" '^/bin/sh -c #\(nop\) WORKDIR /srv/app$' "$hist"
    expect_eq "$c: one history entry per step, the base's below" "$(( $($c history -q busybox | wc -l) + 13 ))" "$(echo "$hist" | wc -l)"
    local id
    id=$($c image inspect -f '{{.Id}}' "$img")

    # again: all from the cache, the same image
    ctx
    expect_rc "$c: build again" 0 $c build -t "$img" --network none "$T/app"
    expect_eq "$c: every step from the cache" "13" "$(grep -c ' ---> Using cache' <<<"$OUT")"
    expect_eq "$c: ... the same image" "$id" "$($c image inspect -f '{{.Id}}' "$img")"
    # a changed file: the steps from its COPY on are built again
    echo "hello changed $CLI" >"$T/app/hello.txt"
    expect_rc "$c: build with a changed file" 0 $c build -t "$img" --network none "$T/app"
    expect_eq "$c: ... the cache up to the changed COPY" "4" "$(grep -c ' ---> Using cache' <<<"$OUT")"
    expect_eq "$c: ... its new content" "hello changed $CLI" "$($c run --rm --network none "$img" cat hello.txt)"
    expect_rc "$c: --no-cache" 0 $c build --no-cache -t "$img" --network none "$T/app"
    expect_no_match "$c: ... uses no cache" "Using cache" "$OUT"
    expect_eq "$c: no container left by the builds" "0" "$(nctrs)"

    # build args and labels
    expect_rc "$c: --build-arg and --label" 0 $c build --build-arg GREETING=salut --build-arg UNUSED=1 \
        --label org.example.extra=yes -t "$img-args" --network none "$T/app"
    expect_match "$c: ... unused build arg warned" "\[Warning\] One or more build-args \[UNUSED\] were not consumed" "$OUT"
    expect_eq "$c: ... the arg's value in RUN" "salut from prod" "$($c run --rm --network none "$img-args")"
    expect_eq "$c: ... the label" "yes" "$($c image inspect -f '{{index .Config.Labels "org.example.extra"}}' "$img-args")"

    # multi-stage
    expect_rc "$c: multi-stage build" 0 $c build -t "multi-$CLI" "$B/multi"
    expect_eq "$c: COPY --from=stage" "built" "$($c run --rm --network none "multi-$CLI")"
    expect_eq "$c: COPY --from=0 of a directory" "artifact tool" "$($c run --rm --network none "multi-$CLI" ls /opt | tr '\n' ' ' | sed 's/ $//')"
    expect_eq "$c: the last stage has no file of the others" "no" \
        "$($c run --rm --network none "multi-$CLI" sh -c '[ -e /marker ] && echo yes || echo no')"
    expect_rc "$c: --target" 0 $c build --target test -t "multi-$CLI:test" "$B/multi"
    expect_eq "$c: ... stops at that stage" "Step 4/4 : RUN echo test-stage > /marker" "$(grep '^Step' <<<"$OUT" | tail -n1)"
    expect_eq "$c: ... its files" "test-stage" "$($c run --rm --network none "multi-$CLI:test" cat /marker)"
    expect_rc "$c: an unknown target" 1 $c build --target nosuch "$B/multi"
    expect_match "$c: ... docker's message" "failed to reach build target nosuch in Dockerfile" "$OUT"

    # a failing RUN
    expect_rc "$c: a failing RUN" 1 $c build -t "fail-$CLI" "$B/fail"
    expect_match "$c: ... docker's message" "^The command '/bin/sh -c false' returned a non-zero code: 1$" "$OUT"
    expect_eq "$c: ... its container stays (rm is for successful steps)" "1" "$(nctrs)"
    $c rm -f $($c ps -aq) >/dev/null
    expect_rc "$c: a failing RUN with --force-rm" 1 $c build --force-rm -t "fail-$CLI" "$B/fail"
    expect_eq "$c: ... no container left" "0" "$(nctrs)"
    expect_rc "$c: the failed build tagged nothing" 1 $c image inspect "fail-$CLI"
}
run_both scenario

# the raw API: q, the aux line, refused parameters
tar -C "$B/multi" -cf "$T/multi.tar" .
out=$(api -X POST -H 'Content-Type: application/x-tar' --data-binary @"$T/multi.tar" "http://x/build?q=1&t=quiet:1")
expect_match "q=1: only the aux line and the id" '^\{"aux":\{"ID":"sha256:[0-9a-f]{64}"\}\}.\{"stream":"sha256:[0-9a-f]{64}\\n"\}' "$(tr -d '\r\n' <<<"$out" | sed 's/}}{/}}.{/')"
for q in "squash=1" "remote=https://example.invalid/x.git" "pull=1" "cachefrom=%5B%22busybox%22%5D" "platform=linux/arm64"; do
    code=$(api -o "$T/err.json" -w '%{http_code}' -X POST -H 'Content-Type: application/x-tar' --data-binary @"$T/multi.tar" "http://x/build?$q")
    expect_eq "$q: refused with 400" "400" "$code"
    expect_match "$q: ... naming it" "${q%%=*}" "$(jq -r .message "$T/err.json")"
done

# FROM scratch: the files copied in are the image's only layers
expect_rc "scratch: build" 0 md build -t scratchy "$B/scratch"
expect_eq "scratch: two layers (WORKDIR, COPY), no busybox below" "2" "$(md image inspect -f '{{len .RootFS.Layers}}' scratchy)"
expect_eq "scratch: config" "[/app/run] /app MODE=minimal" \
    "$(dk image inspect -f '{{.Config.Cmd}} {{.Config.WorkingDir}} {{index .Config.Env 0}}' scratchy)"
md create --name scr scratchy >/dev/null
expect_eq "scratch: the copied file is in it" "from the build stage" "$(md cp scr:/etc/motd - | tar -xOf -)"
md rm scr >/dev/null
mkdir -p "$T/scratchrun" && printf 'FROM scratch\nRUN true\n' >"$T/scratchrun/Dockerfile"
expect_rc "scratch: RUN is refused" 1 md build "$T/scratchrun"
expect_match "scratch: ... saying why" "RUN in a stage FROM scratch is not supported" "$OUT"

# a RUN below a VOLUME gets an anonymous volume; removing its container
# takes it along (moby's RemoveVolume)
nvol=$(md volume ls -q | wc -l)
mkdir -p "$T/volctx" && printf 'FROM busybox\nVOLUME /data\nRUN echo x > /data/f\n' >"$T/volctx/Dockerfile"
expect_rc "volume: build with RUN below a VOLUME" 0 md build --network none "$T/volctx"
expect_eq "volume: no volume left by the intermediate containers" "$nvol" "$(md volume ls -q | wc -l)"

# -f is a path from the working directory, inside the context
mkdir -p "$T/fctx/sub" && cp "$B/multi/Dockerfile" "$T/fctx/sub/Build.df"
expect_rc "-f: a Dockerfile by another name below the context" 0 sh -c "cd '$T' && '$MINIDOCK' -H 'unix://$SOCK' build -f fctx/sub/Build.df -t fdf fctx"
expect_eq "-f: ... built from it" "built" "$(md run --rm --network none fdf)"
expect_rc "-f: one outside the context is refused" 1 md build -f "$B/multi/Dockerfile" "$T/fctx"
expect_match "-f: ... saying so" "outside the build context" "$OUT"

# the parent chain: inspect's Parent, intermediate images in images -a
# only, rmi refusing a parent and taking the untagged chain along
nall() { api "http://x/images/json?all=1" | jq length; }
base_all=$(nall)
base_top=$(md images -q | wc -l)
printf 'FROM busybox\nENV CHAIN=1\nRUN echo chained > /c\nCMD ["cat", "/c"]\n' >"$T/chain.Dockerfile"
mkdir -p "$T/chainctx" && cp "$T/chain.Dockerfile" "$T/chainctx/Dockerfile"
expect_rc "chain: build" 0 md build --no-cache -t chain:1 --network none "$T/chainctx"
top=$(md image inspect -f '{{.Id}}' chain:1)
mid=$(md image inspect -f '{{.Parent}}' chain:1)
expect_match "chain: inspect's Parent is the step below" "^sha256:[0-9a-f]{64}$" "$mid"
expect_eq "chain: ... down to busybox" "$(md image inspect -f '{{.Id}}' busybox)" \
    "$(md image inspect -f '{{.Parent}}' "$(md image inspect -f '{{.Parent}}' "$mid")")"
expect_eq "chain: dk sees the same Parent" "$mid" "$(dk image inspect -f '{{.Parent}}' chain:1)"
expect_eq "chain: history names each step's image, busybox's at the bottom" \
    "${top:7:12} ${mid:7:12} $(md image inspect -f '{{.Parent}}' "$mid" | cut -c8-19) $(md image inspect -f '{{.Id}}' busybox | cut -c8-19)" \
    "$(dk history -q chain:1 | tr '\n' ' ' | sed 's/ $//')"
expect_eq "chain: images -a lists the two intermediate images" "$((base_all + 3))" "$(nall)"
expect_eq "chain: images hides them" "$((base_top + 1))" "$(md images -q | wc -l)"
expect_rc "chain: rmi of an intermediate image" 1 dk rmi "$mid"
expect_match "chain: ... docker's conflict" "conflict: unable to delete [0-9a-f]{12} \(cannot be forced\) - image has dependent child images" "$OUT"
expect_rc "chain: rmi -f of it is refused too" 1 md rmi -f "$mid"
expect_rc "chain: rmi of the tag" 0 dk rmi chain:1
# three images and the RUN's layer
expect_eq "chain: ... deletes the image, its untagged parents and their layer" "4" "$(grep -c '^Deleted: ' <<<"$OUT")"
expect_eq "chain: images -a is back" "$base_all" "$(nall)"

# docker-py: images.build with a path and tag
out=$(SOCK=$SOCK B=$B timeout 300 /usr/bin/python3 - <<'PY' 2>&1
import os, docker
c = docker.DockerClient(base_url="unix://" + os.environ["SOCK"])
img, logs = c.images.build(path=os.environ["B"] + "/multi", tag="py-multi:1", rm=True)
print("tagged", "py-multi:1" in img.tags)
print("steps", sum(1 for l in logs if "stream" in l and l["stream"].startswith("Step ")))
print("run", c.containers.run("py-multi:1", remove=True, network_mode="none").decode().strip())
try:
    c.images.build(path=os.environ["B"] + "/fail", tag="py-fail")
except docker.errors.BuildError as e:
    print("error", e.msg)
PY
)
expect_match "docker-py: the image and its tag" "^tagged True$" "$out"
expect_match "docker-py: the steps in the log" "^steps 8$" "$out"
expect_match "docker-py: the image runs" "^run built$" "$out"
expect_match "docker-py: BuildError with docker's message" "^error The command '/bin/sh -c false' returned a non-zero code: 1$" "$out"
md rm -f $(md ps -aq) >/dev/null 2>&1

# compose build:
P=$T/proj$TAG
mkdir -p "$P"
cp -r "$B/multi" "$P/multi"
cat >"$P/docker-compose.yml" <<'YML'
version: "3"
services:
  web:
    build:
      context: ./multi
    image: composed:1
    network_mode: none
YML
(cd "$P" && DOCKER_HOST=unix://$SOCK timeout 300 docker-compose build >"$T/compose.out" 2>&1)
expect_eq "compose build: exit 0" "0" "$?"
expect_match "compose build: the classic output" "Successfully tagged composed:1" "$(cat "$T/compose.out")"
expect_eq "compose build: the image runs" "built" "$(md run --rm --network none composed:1)"
expect_eq "no container left at the end" "0" "$(nctrs)"

suite_end
