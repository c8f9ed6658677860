#!/bin/bash
# Images: load, images, tag, inspect, history, save -> load, import with
# --change, rmi/untag/dangling/prune with our client and the stock docker
# CLI; OCI layouts (skopeo's and a hand-made nested index); a two-layer
# image with whiteouts mounted as an overlay; malicious and corrupt archives
# refused with nothing stored or written outside; setuid bits and xattrs
# kept; the store surviving a daemon restart and cleaning up after one.
. "$(dirname "$0")/lib.sh"
suite_begin images
daemon_start || { not_ok "daemon starts"; suite_end; exit 1; }

BB=$(busybox_archive) || { not_ok "build the busybox archive"; suite_end; exit 1; }
"$ROOT/contrib/mkimage-busybox.sh" --rootfs "$T/rootfs.tar" >/dev/null 2>&1 ||
    not_ok "build the busybox rootfs tar"
BBHEX=$(tar -xOf "$BB" manifest.json | sed -E 's/.*"Config":"([0-9a-f]{64})\.json".*/\1/')
BBID=sha256:$BBHEX
S=${BBHEX:0:12}
DIFF=sha256:$(sha256sum <"$T/rootfs.tar" | cut -c1-64)
LAYERS=$DATA/image/layers

# go-units HumanDuration for the fixture's 2024-01-01 creation date
age=$(($(date +%s) - 1704067200))
if [ $age -ge $((2 * 365 * 86400)) ]; then AGO="$((age / (365 * 86400))) years ago"; else AGO="$((age / (30 * 86400))) months ago"; fi
# docker's image Size: file contents (symlinks count their target's length)
SIZE=$(python3 -c '
import sys, tarfile
t = tarfile.open(sys.argv[1])
print(sum(m.size for m in t if m.isreg()) + sum(len(m.linkname) for m in t if m.issym()))' "$T/rootfs.tar")
human() { python3 -c '
import sys
v, p = float(sys.argv[1]), int(sys.argv[2])
u = ["B", "kB", "MB", "GB", "TB"]; i = 0
while v >= 1000 and i < 4: v /= 1000; i += 1
print("%.*g%s" % (p, v, u[i]))' "$1" "$2"; }
HS=$(human "$SIZE" 3)

nimages() { md images -aq | wc -l; }
nlayers() { find "$LAYERS" -mindepth 1 -maxdepth 1 | wc -l; }
# a column-aligned row as docker's tabwriter prints it
row() { printf "$1" "${@:2}"; }

scenario() { # with CLI=md and CLI=dk; starts and ends with an empty store
    local c=$CLI
    expect_eq "$c: load prints the tag" "Loaded image: busybox:latest" "$($c load -i "$BB" 2>&1)"
    expect_eq "$c: images" "REPOSITORY   TAG       IMAGE ID       CREATED       SIZE
busybox      latest    $S   $AGO   $HS" "$($c images)"
    expect_eq "$c: images -q" "$S" "$($c images -q)"
    expect_eq "$c: images --no-trunc -q" "$BBID" "$($c images -q --no-trunc)"
    expect_eq "$c: images --digests" "REPOSITORY   TAG       DIGEST    IMAGE ID       CREATED       SIZE
busybox      latest    <none>    $S   $AGO   $HS" "$($c images --digests)"
    expect_eq "$c: images --format" "busybox:latest $S" "$($c images --format '{{.Repository}}:{{.Tag}} {{.ID}}')"

    expect_rc "$c: tag" 0 $c tag busybox mdtest/bb:$c
    expect_eq "$c: images REPOSITORY filter" "mdtest/bb    $c        $S   $AGO   $HS" \
        "$($c images mdtest/bb | tail -n +2)"
    expect_eq "$c: images -f reference" "mdtest/bb:$c" "$($c images -f reference='mdtest/*' --format '{{.Repository}}:{{.Tag}}')"
    expect_eq "$c: inspect Id" "$BBID" "$($c image inspect -f '{{.Id}}' mdtest/bb:$c)"
    expect_eq "$c: inspect RepoTags (sorted by full name)" "[\"busybox:latest\",\"mdtest/bb:$c\"]" \
        "$($c image inspect -f '{{json .RepoTags}}' busybox)"
    expect_eq "$c: inspect Config" '{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"],"WorkingDir":"/"}' \
        "$($c image inspect -f '{{json .Config}}' busybox)"
    expect_eq "$c: inspect Os/Architecture/Created" "linux/amd64 2024-01-01T00:00:00Z" \
        "$($c image inspect -f '{{.Os}}/{{.Architecture}} {{.Created}}' busybox)"
    expect_eq "$c: inspect RootFS" "layers [\"$DIFF\"]" "$($c image inspect -f '{{.RootFS.Type}} {{json .RootFS.Layers}}' busybox)"
    expect_match "$c: inspect LastTagTime set by tag" '^20[0-9]{2}-' "$($c image inspect -f '{{.Metadata.LastTagTime}}' busybox)"
    out=$($c image inspect busybox nosuch 2>&1); rc=$?
    expect_eq "$c: inspect of a missing image fails" "1" "$rc"
    expect_match "$c: ... with docker's message" "Error response from daemon: No such image: nosuch:latest" "$out"
    expect_match "$c: ... after printing the one found" "\"Id\": \"$BBID\"" "$out"

    expect_eq "$c: history" "IMAGE          CREATED       CREATED BY                   SIZE      COMMENT
$S   $AGO   contrib/mkimage-busybox.sh   $HS    " "$($c history busybox)"
    expect_eq "$c: history -q --no-trunc" "$BBID" "$($c history -q --no-trunc busybox)"
    expect_eq "$c: history -H=false" "2024-01-01T00:00:00Z $SIZE" \
        "$($c history -H=false --format '{{.CreatedAt}} {{.Size}}' busybox)"

    # save -> rmi -> load, and the archive other tools read
    expect_rc "$c: save -o" 0 $c save -o "$T/save-$c.tar" busybox mdtest/bb:$c
    $c save busybox mdtest/bb:$c >"$T/save2-$c.tar"
    expect_eq "$c: save to stdout writes the same archive" "$(sha256sum <"$T/save-$c.tar")" "$(sha256sum <"$T/save2-$c.tar")"
    expect_eq "$c: the layer blob is the original layer tar" "$DIFF" \
        "sha256:$(tar -xOf "$T/save-$c.tar" "blobs/sha256/${DIFF#sha256:}" | sha256sum | cut -c1-64)"
    expect_eq "$c: save writes manifest.json" "[{\"Config\":\"blobs/sha256/$BBHEX\",\"RepoTags\":[\"busybox:latest\",\"mdtest/bb:$c\"],\"Layers\":[\"blobs/sha256/${DIFF#sha256:}\"]}]" \
        "$(tar -xOf "$T/save-$c.tar" manifest.json)"
    if command -v skopeo >/dev/null; then
        expect_match "$c: skopeo inspect docker-archive: reads our save" "\"$DIFF\"" \
            "$(skopeo inspect "docker-archive:$T/save-$c.tar:busybox:latest" 2>&1)"
    fi
    expect_eq "$c: rmi of one of two tags untags" "Untagged: mdtest/bb:$c" "$($c rmi mdtest/bb:$c)"
    expect_eq "$c: rmi of the last tag deletes image and layer" "Untagged: busybox:latest
Deleted: $BBID
Deleted: $DIFF" "$($c rmi busybox)"
    expect_eq "$c: no images left" "0" "$(nimages)"
    expect_eq "$c: no layers left" "0" "$(nlayers)"
    expect_eq "$c: load of the saved archive" "Loaded image: busybox:latest
Loaded image: mdtest/bb:$c" "$($c load -i "$T/save-$c.tar")"
    expect_eq "$c: ... gives the same image" "$BBID" "$($c image inspect -f '{{.Id}}' mdtest/bb:$c)"
    expect_rc "$c: rmi of a missing image fails" 1 $c rmi nosuch
    expect_eq "$c: ... with docker's message" "Error response from daemon: No such image: nosuch:latest" "$OUT"
    $c rmi mdtest/bb:$c >/dev/null

    # import with changes
    id=$($c import -c 'CMD ["/bin/sh","-c","echo imported"]' -c 'ENV A=1 B="two words"' -c 'EXPOSE 8080' \
        -c 'WORKDIR /srv' -c 'LABEL k=v' -c 'STOPSIGNAL SIGWINCH' -m "from a test" "$T/rootfs.tar" imp:$c)
    expect_match "$c: import prints the new id" '^sha256:[0-9a-f]{64}$' "$id"
    expect_eq "$c: import --change sets the config" '{"ExposedPorts":{"8080/tcp":{}},"Env":["A=1","B=two words"],"Cmd":["/bin/sh","-c","echo imported"],"WorkingDir":"/srv","Labels":{"k":"v"},"StopSignal":"SIGWINCH"}' \
        "$($c image inspect -f '{{json .Config}}' imp:$c)"
    expect_eq "$c: import -m is the comment" "from a test" "$($c image inspect -f '{{.Comment}}' imp:$c)"
    expect_eq "$c: the imported layer is the rootfs tar" "[\"$DIFF\"]" "$($c image inspect -f '{{json .RootFS.Layers}}' imp:$c)"
    expect_rc "$c: import refuses RUN" 1 $c import -c 'RUN true' "$T/rootfs.tar" bad:$c
    expect_eq "$c: ... with docker's message" "Error response from daemon: run is not a valid change command" "$OUT"

    # dangling images and prune
    dang=$($c import - <"$T/rootfs.tar")
    expect_eq "$c: images -f dangling=true" "<none>       <none>    ${dang:7:12}" \
        "$($c images -f dangling=true | tail -n +2 | cut -c1-35)"
    expect_eq "$c: images -f dangling=false lists the tagged ones" "busybox imp" \
        "$($c images -f dangling=false --format '{{.Repository}}' | sort | xargs)"
    expect_eq "$c: image prune -f" "Deleted Images:
deleted: $dang

Total reclaimed space: 0B" "$($c image prune -f)"
    out=$(echo n | $c image prune 2>&1); rc=$?
    expect_eq "$c: image prune asks first; no means no" "0 WARNING! This will remove all dangling images.
Are you sure you want to continue? [y/N] " "$rc $out"

    # an image a container uses
    if cid=$($c create busybox true 2>/dev/null) && [ -n "$cid" ]; then
        expect_rc "$c: rmi of an image in use is refused" 1 $c rmi busybox
        expect_eq "$c: ... with docker's conflict" "Error response from daemon: conflict: unable to remove repository reference \"busybox\" (must force) - container ${cid:0:12} is using its referenced image $S" "$OUT"
        expect_eq "$c: rmi -f untags it" "Untagged: busybox:latest" "$($c rmi -f busybox)"
        expect_eq "$c: ... leaving it dangling" "<none>       <none>    $S" \
            "$($c images -f dangling=true | tail -n +2 | cut -c1-35)"
        expect_eq "$c: prune keeps what a container uses" "Total reclaimed space: 0B" "$($c image prune -f)"
        $c rm "$cid" >/dev/null
        expect_eq "$c: then prune removes it" "Deleted Images:
deleted: $BBID

Total reclaimed space: 0B" "$($c image prune -f)"
    else
        not_ok "$c: create a container to hold the image"
    fi
    expect_eq "$c: image prune -a -f" "Deleted Images:
untagged: imp:$c
deleted: $id
deleted: $DIFF

Total reclaimed space: $(human "$SIZE" 4)" "$($c image prune -a -f)"
    expect_eq "$c: empty again" "0 0" "$(nimages) $(nlayers)"
}
run_both scenario

# prune -a never touches an image a container uses, running or stopped, nor
# any of its tags (ps goes on showing the tag); once the container is gone,
# prune -a removes it
prune_in_use() { # starts and ends with an empty store
    local c=$CLI n=pr-$CLI
    $c load -i "$BB" >/dev/null && $c tag busybox mdtest/run:$c
    $c run -d --name "$n" busybox sleep 100 >/dev/null
    expect_eq "$c: image prune -a -f with a running container" "Total reclaimed space: 0B" "$($c image prune -a -f)"
    expect_eq "$c: ... keeps the image and both tags" "busybox:latest mdtest/run:$c" \
        "$($c images --format '{{.Repository}}:{{.Tag}}' | sort | xargs)"
    expect_eq "$c: ... ps shows the tag" "busybox" "$($c ps -f name="^$n\$" --format '{{.Image}}')"
    $c kill "$n" >/dev/null
    expect_eq "$c: image prune -a -f with a stopped container" "Total reclaimed space: 0B" "$($c image prune -a -f)"
    expect_eq "$c: ... keeps the image and both tags" "busybox:latest mdtest/run:$c" \
        "$($c images --format '{{.Repository}}:{{.Tag}}' | sort | xargs)"
    $c rm "$n" >/dev/null
    expect_match "$c: with the container removed, prune -a deletes the image" "deleted: $BBID" "$($c image prune -a -f)"
    expect_eq "$c: ... empty again" "0 0" "$(nimages) $(nlayers)"
}
run_both prune_in_use

# --- the stock CLI reading stdin; compressed archives
expect_eq "dk: load from stdin" "Loaded image: busybox:latest" "$(dk load <"$BB")"
md rmi busybox >/dev/null
expect_eq "md: load of a gzip-compressed archive from stdin" "Loaded image: busybox:latest" \
    "$(gzip -c "$BB" | md load)"
md rmi busybox >/dev/null
expect_eq "dk: load of a zstd-compressed archive" "Loaded image: busybox:latest" \
    "$(zstd -qc "$BB" >"$T/bb.tar.zst" && dk load -i "$T/bb.tar.zst")"
expect_rc "md: load refuses a terminal as stdin" 1 script -qec "$MINIDOCK -H unix://$SOCK load" /dev/null
expect_match "... with docker's message" "requested load from stdin, but stdin is empty" "$OUT"
expect_rc "md: save refuses a terminal as stdout" 1 script -qec "$MINIDOCK -H unix://$SOCK save busybox" /dev/null
expect_match "... with docker's message" "cowardly refusing to save to a terminal. Use the -o flag or redirect" "$OUT"

# --- OCI layouts
if command -v skopeo >/dev/null; then
    skopeo copy -q "docker-archive:$BB" "oci-archive:$T/oci.tar:ocibb:1" 2>"$T/skopeo.log" &&
        expect_eq "load of skopeo's OCI archive" "Loaded image: ocibb:1" "$(md load -i "$T/oci.tar")" ||
        not_ok "skopeo copy to oci-archive: $(cat "$T/skopeo.log")"
    expect_eq "... with busybox's layer" "[\"$DIFF\"]" "$(md image inspect -f '{{json .RootFS.Layers}}' ocibb:1)"
fi
# a hand-made layout: a gzip layer, an index inside index.json choosing
# between arm64 and amd64, and no mediaType fields (as umoci writes)
python3 - "$T/rootfs.tar" "$T/ocidir" <<'EOF'
import gzip, hashlib, json, os, sys
src, out = sys.argv[1], sys.argv[2]
os.makedirs(out + "/blobs/sha256")
def blob(data):
    d = hashlib.sha256(data).hexdigest()
    open(out + "/blobs/sha256/" + d, "wb").write(data)
    return {"digest": "sha256:" + d, "size": len(data)}
raw = open(src, "rb").read()
layer = blob(gzip.compress(raw, mtime=0))
diff = "sha256:" + hashlib.sha256(raw).hexdigest()
mans = []
for arch in ("arm64", "amd64"):
    cfg = {"architecture": arch, "os": "linux", "created": "2024-01-01T00:00:00Z",
           "config": {"Cmd": ["sh"], "Labels": {"arch": arch}},
           "rootfs": {"type": "layers", "diff_ids": [diff]}}
    c = blob(json.dumps(cfg).encode())
    m = blob(json.dumps({"schemaVersion": 2, "config": c, "layers": [layer]}).encode())
    m["platform"] = {"os": "linux", "architecture": arch}
    mans.append(m)
idx = blob(json.dumps({"schemaVersion": 2, "manifests": mans}).encode())
idx["annotations"] = {"org.opencontainers.image.ref.name": "nested:1"}
json.dump({"schemaVersion": 2, "manifests": [idx]}, open(out + "/index.json", "w"))
open(out + "/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')
EOF
tar -C "$T/ocidir" -cf "$T/nested.tar" oci-layout index.json blobs
expect_eq "load of a nested OCI index" "Loaded image: nested:1" "$(md load -i "$T/nested.tar")"
expect_eq "... picks linux/amd64" "amd64 amd64" "$(md image inspect -f '{{.Architecture}} {{.Config.Labels.arch}}' nested:1)"
md rmi nested:1 >/dev/null; md rmi ocibb:1 >/dev/null 2>&1

# --- two layers with whiteouts, checked through a real overlay mount
mklayers() {
    python3 - "$T" "$TAG" <<'EOF'
import io, sys, tarfile
T, TAG = sys.argv[1], sys.argv[2]
def mk(path, entries):
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as t:
        for name, kind, data, extra in entries:
            ti = tarfile.TarInfo(name); ti.mtime = 1704067200
            ti.type = {"f": tarfile.REGTYPE, "d": tarfile.DIRTYPE, "l": tarfile.SYMTYPE,
                       "h": tarfile.LNKTYPE, "c": tarfile.CHRTYPE}[kind]
            ti.mode = 0o755 if kind == "d" else 0o644
            for k, v in extra.items(): setattr(ti, k, v)
            if kind == "f":
                ti.size = len(data); t.addfile(ti, io.BytesIO(data))
            else:
                if kind in "lh": ti.linkname = data.decode()
                t.addfile(ti)
mk(T + "/l1.tar", [("file", "f", b"gone\n", {}), ("dir/", "d", b"", {}), ("dir/a", "f", b"a\n", {}),
                   ("dir/b", "f", b"b\n", {}), ("keep", "f", b"kept\n", {}),
                   ("suid", "f", b"#!/bin/sh\n", {"mode": 0o4755, "uid": 0, "gid": 0,
                    "pax_headers": {"SCHILY.xattr.user.mdtest": "hello",
                                    "SCHILY.xattr.security.capability": "\x01\x00\x00\x02\x00\x20\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"}}),
                   ("suidlink", "h", b"suid", {})])
mk(T + "/l2.tar", [(".wh.file", "f", b"", {}), ("dir/", "d", b"", {}), ("dir/.wh..wh..opq", "f", b"", {}),
                   ("dir/c", "f", b"c\n", {})])
# malicious layers
mk(T + "/evil-dotdot.tar", [("ok", "f", b"x", {}), ("../evil-" + TAG, "f", b"evil", {})])
mk(T + "/evil-abs.tar", [("/tmp/mdtest-evil-abs", "f", b"evil", {})])
mk(T + "/evil-symlink.tar", [("x", "l", T.encode(), {}), ("x/evil-symlink", "f", b"evil", {})])
mk(T + "/evil-hardlink.tar", [("h", "h", b"../../../etc/passwd", {})])
mk(T + "/evil-device.tar", [("null", "c", b"", {"devmajor": 1, "devminor": 3})])
EOF
    # 8 GiB announced in the header, 512 bytes there
    python3 - "$T/evil-size.tar" <<'EOF'
import sys, tarfile
ti = tarfile.TarInfo("huge"); ti.size = (8 << 30) - 1
h = ti.tobuf(format=tarfile.USTAR_FORMAT)
open(sys.argv[1], "wb").write(h + b"\0" * 512)
EOF
}
# mkarchive OUT TAG LAYER... : a docker-archive (docker <= 24 layout)
mkarchive() {
    local out=$1 tag=$2 d ids="" layers="" l; shift 2
    d=$(mktemp -d "$T/arch.XXXX")
    for l in "$@"; do
        local h; h=$(sha256sum <"$l" | cut -c1-64)
        mkdir -p "$d/$h"; cp "$l" "$d/$h/layer.tar"
        ids="$ids${ids:+,}\"sha256:$h\""; layers="$layers${layers:+,}\"$h/layer.tar\""
    done
    printf '{"architecture":"amd64","os":"linux","created":"2024-01-01T00:00:00Z","config":{"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":[%s]}}' "$ids" >"$d/config.json"
    local cid; cid=$(sha256sum <"$d/config.json" | cut -c1-64); mv "$d/config.json" "$d/$cid.json"
    printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":[%s]}]' "$cid" "$tag" "$layers" >"$d/manifest.json"
    (cd "$d" && tar -cf "$out" manifest.json "$cid.json" */layer.tar) && rm -rf "$d"
}
mklayers
mkarchive "$T/wh.tar" wh:1 "$T/l1.tar" "$T/l2.tar"
expect_eq "load of a two-layer image" "Loaded image: wh:1" "$(md load -i "$T/wh.tar")"
lower=$(md image inspect -f '{{.GraphDriver.Data.UpperDir}}:{{.GraphDriver.Data.LowerDir}}' wh:1)
top=${lower%%:*}
expect_match "the upper layer holds a 0/0 char device for .wh.file" "^character special file 0,0$" \
    "$(stat -c '%F %t,%T' "$top/file" 2>&1)"
expect_eq "... and dir is opaque" "y" "$(python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], "trusted.overlay.opaque").decode())' "$top/dir" 2>&1)"
mkdir -p "$T/mnt"
# the suite's own mount: gone even if the suite is interrupted here
trap 'umount "$T/mnt" 2>/dev/null' EXIT
if mount -t overlay overlay -o "lowerdir=$lower" "$T/mnt" 2>"$T/mount.err"; then
    expect_eq "overlay: the whited-out file is gone" "absent" "$([ -e "$T/mnt/file" ] && echo present || echo absent)"
    expect_eq "overlay: the opaque dir shows only the upper layer" "c" "$(ls "$T/mnt/dir" | xargs)"
    expect_eq "overlay: untouched files stay" "kept" "$(cat "$T/mnt/keep")"
    expect_eq "overlay: setuid bit kept" "4755 0:0 2" "$(stat -c '%a %u:%g %h' "$T/mnt/suid")"
    expect_eq "overlay: xattrs kept" "hello 0100000200200000000000000000000000000000" \
        "$(python3 -c 'import os,sys; p=sys.argv[1]; print(os.getxattr(p,"user.mdtest").decode(), os.getxattr(p,"security.capability").hex())' "$T/mnt/suid" 2>&1)"
    umount "$T/mnt"
else
    not_ok "mount the image as an overlay: $(cat "$T/mount.err")"
fi
md save -o "$T/wh-saved.tar" wh:1
for l in l1 l2; do
    h=$(sha256sum <"$T/$l.tar" | cut -c1-64)
    expect_eq "save gives back $l byte for byte (whiteouts as .wh. entries)" "$h" \
        "$(tar -xOf "$T/wh-saved.tar" "blobs/sha256/$h" 2>/dev/null | sha256sum | cut -c1-64)"
done
md rmi wh:1 >/dev/null
dk load -i "$T/wh-saved.tar" >/dev/null
expect_eq "docker load of our save of the two-layer image" "wh:1" "$(dk images --format '{{.Repository}}:{{.Tag}}' wh)"
md rmi wh:1 >/dev/null

# --- malicious and corrupt archives: refused, named, nothing stored
before="$(nimages) $(nlayers)"
refuse() { # name layer-tar expected-message
    mkarchive "$T/a-$1.tar" "evil:$1" "$2"
    expect_rc "load refuses $1" 1 md load -i "$T/a-$1.tar"
    expect_match "... naming the entry: $3" "$3" "$OUT"
    expect_rc "import refuses $1" 1 md import "$2" "evil:$1"
    expect_match "... naming the entry: $3" "$3" "$OUT"
    expect_eq "... and stores nothing" "$before" "$(nimages) $(nlayers)"
    expect_eq "... and leaves nothing in image/tmp" "0" "$(find "$DATA/image/tmp" -mindepth 1 | wc -l)"
}
refuse dotdot "$T/evil-dotdot.tar" "entry \"\\.\\./evil-$TAG\": path escapes the layer"
refuse abs "$T/evil-abs.tar" 'entry "/tmp/mdtest-evil-abs": absolute path'
refuse symlink "$T/evil-symlink.tar" 'entry "x/evil-symlink": path goes through a symbolic link'
refuse hardlink "$T/evil-hardlink.tar" 'entry "h": hardlink target "../../../etc/passwd" escapes the layer'
refuse device "$T/evil-device.tar" 'entry "null": device nodes are not allowed in image layers'
refuse size "$T/evil-size.tar" 'entry "huge": Truncated tar archive'
expect_eq "nothing was written outside the layers" "0 absent absent" \
    "$(find "$T" -name "evil-$TAG" | wc -l) $([ -e /tmp/mdtest-evil-abs ] && echo present || echo absent) $([ -e "$T/evil-symlink" ] && echo present || echo absent)"
# a config that names another layer
mkarchive "$T/good.tar" good:1 "$T/l1.tar"
mkdir -p "$T/wrong" && tar -C "$T/wrong" -xf "$T/good.tar"
cfg=$(ls "$T/wrong" | grep json | grep -v manifest)
sed -i "s/sha256:[0-9a-f]\{64\}/sha256:$(printf '0%.0s' $(seq 64))/" "$T/wrong/$cfg"
(cd "$T/wrong" && tar -cf "$T/wrongdiff.tar" *)
expect_rc "load refuses a layer whose diff id is not the config's" 1 md load -i "$T/wrongdiff.tar"
expect_match "... saying so" 'invalid diffID: expected "sha256:0{64}", got "sha256:' "$OUT"
head -c 3000 "$T/good.tar" >"$T/cut.tar"
expect_rc "load refuses a cut archive" 1 md load -i "$T/cut.tar"
expect_rc "load refuses what is not an archive" 1 md load -i /etc/hostname
expect_eq "after all of these the store is as before" "$before" "$(nimages) $(nlayers)"

# --- a load whose client goes away in the middle of the body: the daemon
# answers others meanwhile, and what it had unpacked so far goes away
partial_load() { # ARCHIVE FRACTION: send that much of the archive, ping, hang up
    python3 - "$SOCK" "$1" "$2" <<'PYEOF'
import socket, subprocess, sys, time
sock, path, frac = sys.argv[1], sys.argv[2], float(sys.argv[3])
data = open(path, "rb").read()
s = socket.socket(socket.AF_UNIX)
s.connect(sock)
s.sendall(b"POST /v1.50/images/load?quiet=1 HTTP/1.1\r\nHost: x\r\n"
          b"Content-Type: application/x-tar\r\nContent-Length: %d\r\n\r\n" % len(data))
s.sendall(data[: int(len(data) * frac)])
time.sleep(0.3)  # the daemon is unpacking, and waits for more
t0 = time.time()
ping = subprocess.run(["curl", "-sf", "--max-time", "5", "--unix-socket", sock, "http://x/_ping"],
                      capture_output=True, text=True).stdout
print("%s %s" % (ping, "fast" if time.time() - t0 < 2 else "slow"))
s.close()
PYEOF
}
for cut in "$BB 0.5" "$T/wh.tar 0.5" "$T/wh.tar 0.9"; do
    read -r arch frac <<<"$cut"
    expect_eq "a load in progress (${arch##*/}, $frac of it sent) does not hold up other requests" \
        "OK fast" "$(partial_load "$arch" "$frac")"
    sleep 0.5
    expect_eq "... and when its client hangs up, nothing is stored" "$before" "$(nimages) $(nlayers)"
    expect_eq "... and nothing is left in image/tmp" "0" "$(find "$DATA/image/tmp" -mindepth 1 | wc -l)"
done
expect_eq "the daemon still loads after that" "Loaded image: wh:1" "$(md load -i "$T/wh.tar")"
md rmi wh:1 >/dev/null

# --- restart: the store persists; leftovers of a crash are cleaned up
mkdir -p "$DATA/image/tmp/unpack-leftover/diff" "$LAYERS/0000000000000000000000000000000000000000000000000000000000000000/diff"
ids_before=$(md images -q --no-trunc | sort | xargs)
daemon_stop
daemon_start || not_ok "daemon restarts"
expect_eq "images survive a restart" "$ids_before" "$(md images -q --no-trunc | sort | xargs)"
expect_eq "busybox still inspects" "$BBID" "$(md image inspect -f '{{.Id}}' busybox)"
expect_eq "restart removes unfinished unpacks and unused layers" "0 absent" \
    "$(find "$DATA/image/tmp" -mindepth 1 | wc -l) $([ -e "$LAYERS/0000000000000000000000000000000000000000000000000000000000000000" ] && echo present || echo absent)"
expect_eq "docker info counts the images" "$(nimages)" "$(dk info -f '{{.Images}}')"
# a layer damaged on disk: save fails instead of writing a wrong archive
truncate -s 100 "$LAYERS/${DIFF#sha256:}/diff/bin/busybox"
for c in md dk; do
    expect_rc "$c: save of a damaged layer fails" 1 $c save -o "$T/damaged-$c.tar" busybox
    expect_match "$c: ... as a cut stream (or no answer at all)" "unexpected EOF|EOF|closed the connection" "$OUT"
    expect_eq "$c: ... and leaves no file" "absent" "$([ -e "$T/damaged-$c.tar" ] && echo present || echo absent)"
done
expect_match "the daemon says why" 'layer file "bin/busybox" changed on disk' "$(cat "$T/daemon.log")"
md rmi busybox >/dev/null
expect_eq "all images removed at the end" "0 0" "$(nimages) $(nlayers)"
suite_end
