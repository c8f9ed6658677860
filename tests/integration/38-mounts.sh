#!/bin/bash
# Mounts as a user sees them inside the container, with our client, the
# stock docker CLI and docker-py: --tmpfs and --mount type=tmpfs (a tmpfs
# of that size and mode), --mount binds (read-only, propagation in
# mountinfo, a missing source refused where -v creates it), --mount
# volumes with labels, docker's messages for bad input (exit 125, nothing
# created), inspect's HostConfig.Tmpfs and Mounts, and no mount left.
. "$(dirname "$0")/lib.sh"
suite_begin mounts
daemon_start || { not_ok "daemon starts"; suite_end; exit 1; }
bb=$(busybox_archive) && md load -i "$bb" >/dev/null && ok "busybox image loaded" || not_ok "load busybox"

SRC=$T/src
mkdir -p "$SRC" && echo host >"$SRC/f"
# a source with a mount below it (unmounted before the suite ends): what
# NonRecursive and the read-only modes are about
NEST=$T/nest
mkdir -p "$NEST/sub" && mount -t tmpfs -o size=1m mdtest-sub "$NEST/sub" && ok "a host mount below a bind source" ||
    not_ok "mount a tmpfs on $NEST/sub"

scenario() {
    local c=$CLI
    # --tmpfs: a tmpfs with the size and mode asked, docker's default flags
    out=$($c run --rm --tmpfs /run:size=64m,mode=1777 busybox sh -c 'grep " /run " /proc/mounts; stat -c %a /run')
    # (1777 is tmpfs's own default: the kernel does not list it)
    expect_match "$c: --tmpfs is a tmpfs of 64m, nosuid,nodev,noexec" \
        "^tmpfs /run tmpfs rw,nosuid,nodev,noexec,[a-z,]*size=65536k 0 0" "$out"
    expect_eq "$c: ... its mode is 1777" "1777" "$(tail -n1 <<<"$out")"
    expect_match "$c: --tmpfs exec lifts noexec" "^tmpfs /x tmpfs rw,nosuid,nodev,[a-z,]*size=1024k" \
        "$($c run --rm --tmpfs /x:exec,size=1m busybox grep ' /x ' /proc/mounts)"

    # --mount type=tmpfs
    out=$($c run --rm --mount type=tmpfs,destination=/t,tmpfs-size=2m,tmpfs-mode=700 busybox \
        sh -c 'grep " /t " /proc/mounts; stat -c %a /t; echo w > /t/f && cat /t/f')
    expect_match "$c: --mount type=tmpfs: size and mode" "^tmpfs /t tmpfs rw,nosuid,nodev,noexec,[a-z,]*size=2048k,mode=700 0 0" "$out"
    expect_eq "$c: ... stat shows 700, and it is writable" "700
w" "$(tail -n2 <<<"$out")"
    expect_match "$c: --mount type=tmpfs,readonly is read-only" "^tmpfs /t tmpfs ro," \
        "$($c run --rm --mount type=tmpfs,dst=/t,ro busybox grep ' /t ' /proc/mounts)"

    # --mount type=bind: read-only refuses writes; the host file stays
    expect_eq "$c: --mount bind shows the host's file" "host" \
        "$($c run --rm --mount type=bind,src="$SRC",dst=/b busybox cat /b/f)"
    expect_rc "$c: --mount bind,readonly refuses writes" 1 \
        $c run --rm --mount type=bind,source="$SRC",target=/b,readonly busybox sh -c 'echo x > /b/f'
    expect_match "$c: ... with the kernel's reason" "Read-only file system" "$OUT"
    expect_eq "$c: ... and the host file is unchanged" "host" "$(cat "$SRC/f")"

    # propagation: rshared shows a peer group in mountinfo, the default none
    expect_match "$c: bind-propagation=rshared shows in mountinfo" " /b [^ ]+ .*shared:[0-9]+" \
        "$($c run --rm --mount type=bind,src="$SRC",dst=/b,bind-propagation=rshared busybox grep ' /b ' /proc/self/mountinfo)"
    expect_no_match "$c: the default (rprivate) has no peer group" "shared:|master:" \
        "$($c run --rm --mount type=bind,src="$SRC",dst=/b busybox grep ' /b ' /proc/self/mountinfo)"

    # -v takes a propagation in its mode too
    expect_match "$c: -v SRC:DST:rshared shows in mountinfo" " /b [^ ]+ .*shared:[0-9]+" \
        "$($c run --rm -v "$SRC:/b:rshared" busybox grep ' /b ' /proc/self/mountinfo)"

    # submounts: recursive by default, read-only with the bind; not with
    # bind-recursive=disabled; writable with bind-recursive=writable
    expect_match "$c: a bind takes the submounts of its source" "^mdtest-sub /n/sub tmpfs rw," \
        "$($c run --rm --mount type=bind,src="$NEST",dst=/n busybox grep ' /n/sub ' /proc/mounts)"
    expect_match "$c: ... read-only too when the bind is" "^mdtest-sub /n/sub tmpfs ro," \
        "$($c run --rm --mount type=bind,src="$NEST",dst=/n,ro busybox grep ' /n/sub ' /proc/mounts)"
    expect_eq "$c: bind-recursive=disabled leaves them out" "0" \
        "$($c run --rm --mount type=bind,src="$NEST",dst=/n,bind-recursive=disabled busybox grep -c ' /n/sub ' /proc/mounts)"
    expect_eq "$c: bind-recursive=writable: the bind read-only, its submount writable" "ro rw" \
        "$($c run --rm --mount type=bind,src="$NEST",dst=/n,ro,bind-recursive=writable busybox sh -c \
            'for m in /n /n/sub; do grep " $m " /proc/mounts | cut -d" " -f4 | cut -d, -f1; done' | xargs)"

    # --read-only with a --tmpfs: the rootfs refuses writes, the tmpfs takes them
    expect_eq "$c: --read-only --tmpfs /run: /run writable, / not" "ok
touch: /x: Read-only file system" "$($c run --rm --read-only --tmpfs /run busybox sh -c 'touch /run/x && echo ok; touch /x' 2>&1)"

    # a missing --mount source is an error; a missing -v source is created
    expect_rc "$c: --mount bind of a missing source: exit 125" 125 \
        $c run --rm --mount type=bind,src="$T/nosuch-$c",dst=/x busybox true
    expect_match "$c: ... docker's message" "Error response from daemon: invalid mount config for type \"bind\": bind source path does not exist: $T/nosuch-$c\$" \
        "$(head -n1 <<<"$OUT")"
    expect_eq "$c: ... and nothing was created" "no" "$([ -e "$T/nosuch-$c" ] && echo yes || echo no)"
    $c run --rm -v "$T/made-$c:/x" busybox true
    expect_eq "$c: -v creates a missing source directory" "yes" "$([ -d "$T/made-$c" ] && echo yes || echo no)"

    # bad tmpfs options: docker's messages, exit 125
    expect_rc "$c: --tmpfs with an unknown option: exit 125" 125 $c run --rm --tmpfs /x:size=1m,bogus busybox true
    expect_match "$c: ... docker's message" 'Error response from daemon: invalid tmpfs option \["bogus"\]$' "$(head -n1 <<<"$OUT")"
    expect_rc "$c: --tmpfs on a relative path: exit 125" 125 $c run --rm --tmpfs x busybox true
    expect_match "$c: ... docker's message" "Error response from daemon: invalid mount path: 'x' mount path must be absolute\$" "$(head -n1 <<<"$OUT")"
    expect_rc "$c: a --tmpfs and a -v on one path: exit 125" 125 $c run --rm --tmpfs /x -v "$SRC:/x" busybox true
    expect_match "$c: ... Duplicate mount point" "Error response from daemon: Duplicate mount point: /x\$" "$(head -n1 <<<"$OUT")"
    # the CLI's own --mount checks
    expect_rc "$c: --mount without a target: exit 125" 125 $c run --rm --mount type=bind,src=/tmp busybox true
    expect_eq "$c: ... the CLI's message" "invalid argument \"type=bind,src=/tmp\" for \"--mount\" flag: target is required" "$(head -n1 <<<"$OUT")"
    expect_rc "$c: --mount mixing options: exit 125" 125 $c run --rm --mount type=tmpfs,dst=/x,volume-nocopy busybox true
    expect_eq "$c: ... the CLI's message" "invalid argument \"type=tmpfs,dst=/x,volume-nocopy\" for \"--mount\" flag: cannot mix 'volume-*' options with mount type 'tmpfs'" "$(head -n1 <<<"$OUT")"
    expect_eq "$c: no failed run left a container" "" "$($c ps -aq)"

    # --mount type=volume: the volume is created with its labels
    expect_eq "$c: --mount type=volume writes into the named volume" "v" \
        "$($c run --rm --mount type=volume,src=mv-$c,dst=/v,volume-label=made=by-mount busybox sh -c 'echo v > /v/f; cat /v/f')"
    expect_eq "$c: ... created with its label" '{"made":"by-mount"}' "$($c volume inspect -f '{{json .Labels}}' "mv-$c")"
    expect_eq "$c: ... -v NAME:/p finds the same volume" "v" "$($c run --rm -v "mv-$c:/w" busybox cat /w/f)"
    $c volume rm "mv-$c" >/dev/null

    # inspect: HostConfig.Tmpfs as given, Mounts for --mount (not --tmpfs)
    $c create --name insp-$c --tmpfs /run:size=64m,mode=1777 --mount type=tmpfs,dst=/t \
        --mount type=bind,src="$SRC",dst=/b,readonly,bind-propagation=rslave busybox true >/dev/null
    expect_eq "$c: inspect HostConfig.Tmpfs" '{"/run":"size=64m,mode=1777"}' "$($c inspect -f '{{json .HostConfig.Tmpfs}}' insp-$c)"
    expect_eq "$c: inspect Mounts" "tmpfs  /t true |bind $SRC /b false rslave|" \
        "$($c inspect -f '{{range .Mounts}}{{.Type}} {{.Source}} {{.Destination}} {{.RW}} {{.Propagation}}|{{end}}' insp-$c)"
    expect_eq "$c: inspect HostConfig.Mounts keeps the request" "bind true rslave" \
        "$($c inspect -f '{{range .HostConfig.Mounts}}{{if eq .Type "bind"}}{{.Type}} {{.ReadOnly}} {{.BindOptions.Propagation}}{{end}}{{end}}' insp-$c)"
    $c rm insp-$c >/dev/null
}
run_both scenario
umount "$NEST/sub" && ok "the host mount below the bind source unmounted" || not_ok "umount $NEST/sub"

# the API: a Mounts field the runtime cannot honour is named in a 400
code=$(api -o "$T/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -d '{"Image":"busybox","Cmd":["true"],"HostConfig":{"Mounts":[{"Type":"bind","Source":"/tmp","Target":"/x","BindOptions":{"ReadOnlyNonRecursive":true}}]}}' \
    http://x/v1.50/containers/create)
expect_eq "API: ReadOnlyNonRecursive without ReadOnly: 400" '400 {"message":"option ReadOnlyNonRecursive requires ReadOnly"}' "$code $(cat "$T/body")"
code=$(api -o "$T/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -d '{"Image":"busybox","Cmd":["true"],"HostConfig":{"Mounts":[{"Type":"tmpfs","Target":"/x","TmpfsOptions":{"Options":[["uid","5"]]}}]}}' \
    http://x/v1.50/containers/create)
expect_eq "API: a TmpfsOptions.Options entry docker refuses: 400" '400 {"message":"invalid mount config for type \"tmpfs\": invalid option: uid"}' "$code $(cat "$T/body")"
out=$(api -X POST -H 'Content-Type: application/json' \
    -d '{"Image":"busybox","Cmd":["sh","-c","grep \" /x \" /proc/mounts"],"HostConfig":{"Mounts":[{"Type":"tmpfs","Target":"/x","TmpfsOptions":{"SizeBytes":3145728,"Mode":448,"Options":[["exec"]]}}]}}' \
    "http://x/v1.50/containers/create?name=apitmp")
md start -a apitmp >"$T/apitmp.out" 2>&1
expect_match "API: TmpfsOptions SizeBytes, Mode, Options exec" "^tmpfs /x tmpfs rw,nosuid,nodev,[a-z,]*size=3072k,mode=700 0 0" "$(cat "$T/apitmp.out")"
expect_no_match "... exec lifted noexec" "noexec" "$(cat "$T/apitmp.out")"
md rm apitmp >/dev/null

# a running container's mounts survive a daemon restart and go with it
md run -d --name live --tmpfs /run:size=8m --mount type=bind,src="$SRC",dst=/b busybox sh -c 'echo t > /run/x; sleep 300' >/dev/null
daemon_stop
daemon_start || not_ok "daemon restarts"
expect_eq "after a restart: the tmpfs kept its content" "t" "$(md exec live cat /run/x)"
expect_eq "... inspect Mounts still there" "bind $SRC /b" "$(md inspect -f '{{range .Mounts}}{{.Type}} {{.Source}} {{.Destination}}{{end}}' live)"
md rm -f live >/dev/null

# docker-py: mounts=[Mount(...)] and tmpfs=
out=$(SOCK=$SOCK SRC=$SRC timeout 120 /usr/bin/python3 - <<'PY' 2>&1
import os, docker
from docker.types import Mount
c = docker.DockerClient(base_url="unix://" + os.environ["SOCK"])
src = os.environ["SRC"]
out = c.containers.run("busybox", ["sh", "-c",
    "grep -E ' /(run|t|b) ' /proc/mounts | cut -d' ' -f2-4 | sed 's/,relatime//'; stat -c %a /t; "
    "echo x > /b/f 2>/dev/null || echo ro"],
    tmpfs={"/run": "size=8m"},
    mounts=[Mount("/b", src, type="bind", read_only=True, propagation="rprivate"),
            Mount("/t", None, type="tmpfs", tmpfs_size=4 << 20, tmpfs_mode=0o1770)],
    remove=True)
print(out.decode().strip())
try:
    c.containers.create("busybox", "true", mounts=[Mount("/x", "/nonexistent-md", type="bind")])
except docker.errors.APIError as e:
    print(e.status_code, e.explanation)
PY
)
expect_eq "docker-py: tmpfs= and mounts=[Mount(...)]" "/b ext4 ro
/t tmpfs rw,nosuid,nodev,noexec,size=4096k,mode=1770
/run tmpfs rw,nosuid,nodev,noexec,size=8192k
1770
ro
400 invalid mount config for type \"bind\": bind source path does not exist: /nonexistent-md" \
    "$(sed -E 's|^/b [a-z0-9]+ |/b ext4 |; s|^(/b ext4 ro)[^ ]*|\1|' <<<"$out")"

suite_end
