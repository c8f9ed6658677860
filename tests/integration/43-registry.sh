#!/bin/bash
# Pulling from registries, against Debian's docker-registry (the distribution
# registry) on 127.0.0.1 with plain HTTP, and one with htpasswd Basic auth:
# docker's progress lines and messages with our client and the stock docker
# CLI, image ids and RepoDigests, "Image is up to date", layers already
# present, pull by digest, -a, Docker v2 and OCI manifests, a manifest list
# per platform, run's auto-pull and --pull, a missing tag or registry, a
# corrupted blob (nothing stored), login/logout, docker-py. Images are put
# into the registry with curl (the registry's upload API), so the digests
# are the ones this suite computes. No traffic beyond loopback.
. "$(dirname "$0")/lib.sh"
suite_begin registry
export HOME=$T/home # login writes $HOME/.minidock/config.json
mkdir -p "$HOME" "$T/certs.d"
DAEMON_EXTRA_FLAGS="--registry-certs $T/certs.d --insecure-registry 10.99.0.0/16 --insecure-registry reg.example:5000"
daemon_start || { not_ok "daemon starts"; suite_end; exit 1; }

REG_PIDS=()
stop_registries() {
    local p
    for p in "${REG_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    REG_PIDS=()
}
trap stop_registries EXIT

free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# reg_start NAME [AUTH-YAML]: a registry on a free loopback port; sets REG to host:port
reg_start() {
    local name=$1 port i
    port=$(free_port)
    mkdir -p "$T/$name"
    cat >"$T/$name.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $T/$name
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
${2:-}
EOF
    docker-registry serve "$T/$name.yml" >"$T/$name.log" 2>&1 &
    REG_PIDS+=($!)
    REG=127.0.0.1:$port
    for i in $(seq 1 100); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' "http://$REG/v2/")" != 000 ] && return 0
        sleep 0.05
    done
    echo "registry $name did not start:"; cat "$T/$name.log"
    return 1
}

CURL_AUTH=()
SCHEME=http
sha() { echo "sha256:$(sha256sum "$1" | cut -d' ' -f1)"; }
# push_blob REG REPO FILE: monolithic upload (POST, then PUT with the digest)
push_blob() {
    local d loc
    d=$(sha "$3")
    loc=$(curl -s "${CURL_AUTH[@]}" -D - -o /dev/null -X POST "$SCHEME://$1/v2/$2/blobs/uploads/" |
        tr -d '\r' | awk -F': ' 'tolower($1)=="location"{print $2}')
    case $loc in http*) ;; *) loc="$SCHEME://$1$loc" ;; esac
    case $loc in *\?*) loc="$loc&digest=$d" ;; *) loc="$loc?digest=$d" ;; esac
    curl -sf "${CURL_AUTH[@]}" -X PUT -H 'Content-Type: application/octet-stream' --data-binary @"$3" "$loc" >/dev/null
}
# push_manifest REG REPO REF FILE MEDIATYPE
push_manifest() {
    curl -sf "${CURL_AUTH[@]}" -X PUT -H "Content-Type: $5" --data-binary @"$4" "$SCHEME://$1/v2/$2/manifests/$3" >/dev/null
}
DV2=application/vnd.docker.distribution.manifest.v2+json
DLIST=application/vnd.docker.distribution.manifest.list.v2+json
OCIM=application/vnd.oci.image.manifest.v1+json
# manifest FILE CONFIG MEDIATYPE LAYER-TYPE LAYER...: writes an image manifest
manifest() {
    local out=$1 cfg=$2 mt=$3 lt=$4 ct l layers=""
    shift 4
    [ "$mt" = "$OCIM" ] && ct=application/vnd.oci.image.config.v1+json || ct=application/vnd.docker.container.image.v1+json
    for l in "$@"; do
        layers="$layers${layers:+,}{\"mediaType\":\"$lt\",\"size\":$(stat -c %s "$l"),\"digest\":\"$(sha "$l")\"}"
    done
    printf '{"schemaVersion":2,"mediaType":"%s","config":{"mediaType":"%s","size":%s,"digest":"%s"},"layers":[%s]}' \
        "$mt" "$ct" "$(stat -c %s "$cfg")" "$(sha "$cfg")" "$layers" >"$out"
}
GZ=application/vnd.docker.image.rootfs.diff.tar.gzip
OCIZST=application/vnd.oci.image.layer.v1.tar+zstd
short() { cut -c8-19 <<<"$1"; }

# ---- the images ----
F=$T/fix
mkdir -p "$F/bb"
bb=$(busybox_archive) && tar -C "$F/bb" -xf "$bb" && ok "busybox archive built" || not_ok "build busybox"
CFG=$F/bb/$(jq -r '.[0].Config' "$F/bb/manifest.json")
gzip -n -c "$F/bb/$(jq -r '.[0].Layers[0]' "$F/bb/manifest.json")" >"$F/l1.tar.gz"
ID=$(sha "$CFG")
# a second layer, zstd-compressed, on top of busybox
mkdir -p "$F/l2/etc" && echo "from layer two" >"$F/l2/etc/layered"
tar --sort=name --mtime=2024-01-01 --owner=0 --group=0 --numeric-owner -C "$F/l2" -cf "$F/l2.tar" etc
zstd -q -c "$F/l2.tar" >"$F/l2.tar.zst"
jq -c --arg d "$(sha "$F/l2.tar")" '.rootfs.diff_ids += [$d]' "$CFG" >"$F/layered.json"
# the same image as arm64, for the manifest list
jq -c '.architecture = "arm64"' "$CFG" >"$F/arm.json"
# a layer of its own, to be corrupted in the registry
mkdir -p "$F/l3/corrupt" && head -c 300000 /dev/urandom >"$F/l3/corrupt/data"
tar --sort=name --mtime=2024-01-01 --owner=0 --group=0 --numeric-owner -C "$F/l3" -cf - corrupt | gzip -n >"$F/l3.tar.gz"
jq -c --arg d "sha256:$(gzip -dc "$F/l3.tar.gz" | sha256sum | cut -d' ' -f1)" '.rootfs.diff_ids += [$d]' "$CFG" >"$F/corrupt.json"

push_image() { # REG REPO TAG CONFIG MEDIATYPE LAYERTYPE LAYER...
    local reg=$1 repo=$2 tag=$3 cfg=$4 mt=$5 lt=$6 l
    shift 6
    for l in "$@" "$cfg"; do push_blob "$reg" "$repo" "$l" || return 1; done
    manifest "$F/$repo-$tag.manifest" "$cfg" "$mt" "$lt" "$@" && push_manifest "$reg" "$repo" "$tag" "$F/$repo-$tag.manifest" "$mt"
}

reg_start plain || { not_ok "registry starts"; stop_registries; suite_end; exit 1; }
R=$REG
push_image "$R" busybox latest "$CFG" "$DV2" "$GZ" "$F/l1.tar.gz" &&
    push_image "$R" busybox v1 "$CFG" "$DV2" "$GZ" "$F/l1.tar.gz" &&
    push_image "$R" busybox-oci latest "$CFG" "$OCIM" application/vnd.oci.image.layer.v1.tar+gzip "$F/l1.tar.gz" &&
    push_image "$R" layered latest "$F/layered.json" "$OCIM" "$OCIZST" "$F/l1.tar.gz" "$F/l2.tar.zst" &&
    push_image "$R" multi amd64 "$CFG" "$DV2" "$GZ" "$F/l1.tar.gz" &&
    push_image "$R" multi arm64 "$F/arm.json" "$DV2" "$GZ" "$F/l1.tar.gz" &&
    push_image "$R" corrupt latest "$F/corrupt.json" "$DV2" "$GZ" "$F/l1.tar.gz" "$F/l3.tar.gz" &&
    ok "images pushed to the registry" || not_ok "push the images"
BB_DIGEST=$(sha "$F/busybox-latest.manifest")
L1=$(sha "$F/l1.tar.gz")
L2=$(sha "$F/l2.tar.zst")
printf '{"schemaVersion":2,"mediaType":"%s","manifests":[{"mediaType":"%s","size":%s,"digest":"%s","platform":{"architecture":"arm64","os":"linux","variant":"v8"}},{"mediaType":"%s","size":%s,"digest":"%s","platform":{"architecture":"amd64","os":"linux"}}]}' \
    "$DLIST" "$DV2" "$(stat -c %s "$F/multi-arm64.manifest")" "$(sha "$F/multi-arm64.manifest")" \
    "$DV2" "$(stat -c %s "$F/multi-amd64.manifest")" "$(sha "$F/multi-amd64.manifest")" >"$F/list.json"
push_manifest "$R" multi latest "$F/list.json" "$DLIST" && ok "manifest list pushed" || not_ok "push the manifest list"

fresh_pull_lines() { # REF TAG-OR-DIGEST REPO LAYER-DIGEST... (expected plain output of a cold pull)
    local ref=$1 id=$2 repo=$3 l
    shift 3
    echo "$id: Pulling from $repo"
    for l in "$@"; do echo "$(short "$l"): Pulling fs layer"; done
    for l in "$@"; do
        echo "$(short "$l"): Verifying Checksum"
        echo "$(short "$l"): Download complete"
        echo "$(short "$l"): Pull complete"
    done
}

# ---- pull, both clients ----
scenario() {
    local c=$CLI
    out=$($c pull "$R/busybox" 2>&1)
    expect_eq "$c: pull prints docker's progress lines" "Using default tag: latest
$(fresh_pull_lines "$R/busybox" latest busybox "$L1")
Digest: $BB_DIGEST
Status: Downloaded newer image for $R/busybox:latest
$R/busybox:latest" "$out"
    expect_eq "$c: the image has the config's id, its tag and RepoDigest" \
        "$ID [$R/busybox:latest] [$R/busybox@$BB_DIGEST]" \
        "$($c image inspect -f '{{.Id}} {{.RepoTags}} {{.RepoDigests}}' "$R/busybox")"
    expect_eq "$c: a second pull: Image is up to date" "latest: Pulling from busybox
Digest: $BB_DIGEST
Status: Image is up to date for $R/busybox:latest
$R/busybox:latest" "$($c pull "$R/busybox:latest" 2>&1)"
    expect_eq "$c: pull -q prints the reference only" "$R/busybox:latest" "$($c pull -q "$R/busybox:latest" 2>&1)"
    expect_eq "$c: the pulled image runs" "hello" "$($c run --rm "$R/busybox" echo hello 2>&1)"

    # OCI manifest of the same config: nothing to download, a new tag
    expect_eq "$c: pull of an OCI manifest whose image is present" "latest: Pulling from busybox-oci
Digest: $(sha "$F/busybox-oci-latest.manifest")
Status: Downloaded newer image for $R/busybox-oci:latest
$R/busybox-oci:latest" "$($c pull "$R/busybox-oci:latest" 2>&1)"
    # a layer already in the store: Already exists; the new one zstd
    expect_eq "$c: pull with a layer already present (and a zstd layer)" "latest: Pulling from layered
$(short "$L1"): Already exists
$(short "$L2"): Pulling fs layer
$(short "$L2"): Verifying Checksum
$(short "$L2"): Download complete
$(short "$L2"): Pull complete
Digest: $(sha "$F/layered-latest.manifest")
Status: Downloaded newer image for $R/layered:latest
$R/layered:latest" "$($c pull "$R/layered:latest" 2>&1)"
    expect_eq "$c: ... both layers in the container" "from layer two" "$($c run --rm "$R/layered" cat /etc/layered 2>&1)"
    expect_eq "$c: ... image id" "$(sha "$F/layered.json")" "$($c image inspect -f '{{.Id}}' "$R/layered")"

    # errors
    expect_rc "$c: pull of a missing tag fails" 1 $c pull "$R/busybox:nope"
    expect_eq "$c: ... with docker's message" \
        "Error response from daemon: manifest for $R/busybox:nope not found: manifest unknown: manifest unknown" "$OUT"
    expect_rc "$c: pull from a registry that is not there" 1 $c pull "127.0.0.1:$DEAD_PORT/busybox:latest"
    expect_eq "$c: ... Go's dial error" \
        "Error response from daemon: Get \"http://127.0.0.1:$DEAD_PORT/v2/busybox/manifests/latest\": dial tcp 127.0.0.1:$DEAD_PORT: connect: connection refused" "$OUT"
    expect_rc "$c: pull -a with a tag is refused" 1 $c pull -a "$R/busybox:latest"
    expect_eq "$c: ... docker's message" "tag can't be used with --all-tags/-a" "$OUT"

    # run: auto-pull, --pull
    $c rmi "$R/busybox:latest" "$R/busybox-oci:latest" "$R/layered:latest" >/dev/null 2>&1
    expect_eq "$c: images removed" "" "$($c images -q)"
    out=$($c run --rm "$R/busybox" echo auto 2>&1)
    expect_eq "$c: run pulls a missing image, then runs it" "Unable to find image '$R/busybox:latest' locally
$(fresh_pull_lines "$R/busybox" latest busybox "$L1")
Digest: $BB_DIGEST
Status: Downloaded newer image for $R/busybox:latest
auto" "$out"
    expect_eq "$c: run --pull always pulls a present image" "latest: Pulling from busybox
Digest: $BB_DIGEST
Status: Image is up to date for $R/busybox:latest
again" "$($c run --rm --pull always "$R/busybox" echo again 2>&1)"
    expect_rc "$c: run --pull never of a missing image" 125 $c run --rm --pull never "$R/busybox:v1" true
    expect_match "$c: ... No such image" "No such image: $R/busybox:v1" "$OUT"
    expect_rc "$c: run of a tag the registry lacks exits 125" 125 $c run --rm "$R/busybox:nope" true
    expect_match "$c: ... after docker's messages" "^Unable to find image '$R/busybox:nope' locally
(docker|minidock): Error response from daemon: manifest for $R/busybox:nope not found: manifest unknown: manifest unknown" "$OUT"

    # by digest
    $c rmi "$R/busybox:latest" >/dev/null 2>&1
    out=$($c pull "$R/busybox@$BB_DIGEST" 2>&1)
    expect_eq "$c: pull by digest" "$(fresh_pull_lines "$R/busybox" "$BB_DIGEST" busybox "$L1")
Digest: $BB_DIGEST
Status: Downloaded newer image for $R/busybox@$BB_DIGEST
$R/busybox@$BB_DIGEST" "$out"
    expect_eq "$c: ... RepoDigests, no tag" "$ID [] [$R/busybox@$BB_DIGEST]" \
        "$($c image inspect -f '{{.Id}} {{.RepoTags}} {{.RepoDigests}}' "$R/busybox@$BB_DIGEST")"
    $c rmi "$R/busybox@$BB_DIGEST" >/dev/null 2>&1

    # a manifest list: the host's platform, or --platform
    out=$($c pull -q "$R/multi:latest" 2>&1)
    expect_eq "$c: a manifest list gives the amd64 image" "$ID [$R/multi@$(sha "$F/list.json")]" \
        "$($c image inspect -f '{{.Id}} {{.RepoDigests}}' "$R/multi:latest")"
    out=$($c pull -q --platform linux/arm64 "$R/multi:latest" 2>&1)
    expect_eq "$c: --platform linux/arm64 gives the arm64 one" "$(sha "$F/arm.json") arm64" \
        "$($c image inspect -f '{{.Id}} {{.Architecture}}' "$R/multi:latest")"
    expect_rc "$c: a platform the list lacks" 1 $c pull --platform linux/s390x "$R/multi:latest"
    expect_match "$c: ... says so" "no matching manifest for linux/s390x in the manifest list entries" "$OUT"

    # -a: every tag
    out=$($c pull -a "$R/busybox" 2>&1)
    expect_match "$c: pull -a pulls every tag" "^latest: Pulling from busybox$" "$out"
    expect_match "$c: ... v1 too" "^v1: Pulling from busybox$" "$out"
    expect_eq "$c: ... and ends with the repository" "$R/busybox" "$(tail -n1 <<<"$out")"
    expect_eq "$c: ... both tags point at the image" "[$R/busybox:latest $R/busybox:v1]" \
        "$($c image inspect -f '{{.RepoTags}}' "$ID")"

    # a corrupted blob: an error, and nothing stored
    local layers_before
    layers_before=$(ls "$DATA/image/layers" | wc -l)
    expect_rc "$c: a corrupted blob fails the pull" 1 $c pull "$R/corrupt:latest"
    expect_match "$c: ... with docker's message" "^filesystem layer verification failed for digest $(sha "$F/l3.tar.gz")$" "$OUT"
    expect_eq "$c: ... no image" "" "$($c images -q "$R/corrupt")"
    expect_eq "$c: ... no layer left" "$layers_before" "$(ls "$DATA/image/layers" | wc -l)"
    expect_eq "$c: ... nothing in image/tmp" "" "$(ls "$DATA/image/tmp")"

    $c rmi -f $($c images -q | sort -u) >/dev/null 2>&1
    expect_eq "$c: all images removed" "" "$($c images -q)"
}

DEAD_PORT=$(free_port)
# corrupt the unique layer's blob in the registry's storage (same size, other bytes)
BLOB=$T/plain/docker/registry/v2/blobs/sha256/$(sha "$F/l3.tar.gz" | cut -c8-9)/$(sha "$F/l3.tar.gz" | cut -c8-)/data
[ -f "$BLOB" ] && head -c "$(stat -c %s "$BLOB")" /dev/zero | tr '\0' 'x' >"$BLOB.new" && mv "$BLOB.new" "$BLOB" &&
    ok "a blob corrupted in the registry" || not_ok "corrupt the blob ($BLOB)"
run_both scenario

# ---- push, and back ----
md load -i "$bb" >/dev/null
push_scenario() {
    local c=$CLI
    $c tag busybox "$R/pushed-$c:v1"
    out=$($c push "$R/pushed-$c:v1" 2>&1)
    local dg
    dg=$(sed -n 's/^v1: digest: \(sha256:[0-9a-f]*\) size: [0-9]*$/\1/p' <<<"$out")
    expect_eq "$c: push prints docker's lines" "The push refers to repository [$R/pushed-$c]
$(short "$ID_L1"): Preparing
$(short "$ID_L1"): Pushed
v1: digest: $dg size: $(curl -s -H "Accept: $OCIM" "http://$R/v2/pushed-$c/manifests/v1" | wc -c)" "$out"
    expect_eq "$c: ... the registry serves that manifest" "$dg" \
        "$(curl -s -H "Accept: $OCIM" "http://$R/v2/pushed-$c/manifests/v1" | sha256sum | sed 's/^/sha256:/; s/ .*//')"
    expect_eq "$c: ... skopeo inspect agrees" "$dg $ID_L1" \
        "$(skopeo inspect --tls-verify=false "docker://$R/pushed-$c:v1" | jq -r '.Digest + " " + .Layers[0]')"
    expect_match "$c: ... the digest is in RepoDigests" "$R/pushed-$c@$dg" "$($c image inspect -f '{{.RepoDigests}}' "$R/pushed-$c:v1")"
    expect_eq "$c: a second push: Layer already exists" "The push refers to repository [$R/pushed-$c]
$(short "$ID_L1"): Preparing
$(short "$ID_L1"): Layer already exists
v1: digest: $dg size: $(curl -s -H "Accept: $OCIM" "http://$R/v2/pushed-$c/manifests/v1" | wc -c)" "$($c push "$R/pushed-$c:v1" 2>&1)"
    $c rmi "$R/pushed-$c:v1" >/dev/null
    expect_eq "$c: pulled back, the same image id" "$ID" \
        "$($c pull -q "$R/pushed-$c:v1" >/dev/null && $c image inspect -f '{{.Id}}' "$R/pushed-$c:v1")"
    $c rmi "$R/pushed-$c:v1" >/dev/null
    expect_rc "$c: push of an image not here" 1 $c push "$R/nothere-$c:v1"
    expect_eq "$c: ... docker's message" "The push refers to repository [$R/nothere-$c]
An image does not exist locally with the tag: $R/nothere-$c" "$OUT"
}
ID_L1=$(jq -r '.rootfs.diff_ids[0]' "$CFG")
run_both push_scenario
md rmi busybox >/dev/null

# ---- the API ----
expect_eq "info: the insecure registries" '["127.0.0.0/8","10.99.0.0/16"] ["docker.io:true","reg.example:5000:false"]' \
    "$(api http://x/info | jq -c '.RegistryConfig | [.InsecureRegistryCIDRs, [.IndexConfigs[] | .Name + ":" + (.Secure|tostring)]] | .[0], .[1]' | paste -sd' ')"

st=$(api -o "$T/pull.json" -w '%{http_code}' -X POST "http://x/images/create?fromImage=$R/busybox&tag=latest")
expect_eq "API: pull answers 200" 200 "$st"
expect_match "API: the stream has Downloading with progressDetail" \
    "^\{\"status\":\"Downloading\",\"progressDetail\":\{\"current\":[0-9]+,\"total\":$(stat -c %s "$F/l1.tar.gz")\},\"progress\":\"\[=+>" "$(cat "$T/pull.json")"
expect_eq "API: a missing tag is a 404" 404 \
    "$(api -o /dev/null -w '%{http_code}' -X POST "http://x/images/create?fromImage=$R/busybox&tag=nope")"
expect_eq "API: a bad X-Registry-Auth is a 400" 400 \
    "$(api -o /dev/null -w '%{http_code}' -H 'X-Registry-Auth: !!' -X POST "http://x/images/create?fromImage=$R/busybox&tag=latest")"
md rmi "$R/busybox:latest" >/dev/null
expect_eq "API: /distribution of a manifest list" \
    "$DLIST $(sha "$F/list.json") $(stat -c %s "$F/list.json") arm64/v8 amd64/" \
    "$(api "http://x/distribution/$R/multi:latest/json" | jq -r '[.Descriptor.mediaType, .Descriptor.digest, (.Descriptor.size|tostring)] + [.Platforms[] | .architecture + "/" + (.variant // "")] | join(" ")')"
expect_eq "API: /distribution of an image manifest: the config's platform" \
    "$BB_DIGEST $(jq -r '.os + "/" + .architecture' "$CFG")" \
    "$(api "http://x/distribution/$R/busybox/json" | jq -r '.Descriptor.digest + " " + (.Platforms[] | .os + "/" + .architecture)')"
expect_eq "API: /distribution of a missing tag is a 404" 404 \
    "$(api -o /dev/null -w '%{http_code}' "http://x/distribution/$R/busybox:nope/json")"

# ---- docker-py ----
out=$(SOCK=$SOCK R=$R timeout 120 /usr/bin/python3 - <<'PY' 2>&1
import docker, os
c = docker.DockerClient(base_url="unix://" + os.environ["SOCK"])
img = c.images.pull(os.environ["R"] + "/busybox", tag="latest")
print(img.id, img.attrs["RepoDigests"][0].split("@")[1])
PY
)
expect_eq "docker-py: images.pull" "$ID $BB_DIGEST" "$out"
md rmi "$R/busybox:latest" >/dev/null

# ---- Basic auth ----
htpasswd -Bbn testuser testpass >"$T/htpasswd"
reg_start basic "auth:
  htpasswd:
    realm: basic-realm
    path: $T/htpasswd" || not_ok "basic-auth registry starts"
A=$REG
CURL_AUTH=(-u testuser:testpass)
push_image "$A" busybox latest "$CFG" "$DV2" "$GZ" "$F/l1.tar.gz" && ok "pushed to the basic-auth registry" || not_ok "push with basic auth"
CURL_AUTH=()
auth_scenario() {
    local c=$CLI
    expect_rc "$c: pull without credentials fails" 1 $c pull "$A/busybox:latest"
    expect_eq "$c: ... no basic auth credentials" \
        "Error response from daemon: Get \"http://$A/v2/busybox/manifests/latest\": no basic auth credentials" "$OUT"
    expect_rc "$c: login with a wrong password fails" 1 $c login -u testuser -p wrong "$A"
    expect_match "$c: ... with docker's message" \
        "Error response from daemon: login attempt to http://$A/v2/ failed with status: 401 Unauthorized" "$OUT"
    expect_rc "$c: login --password-stdin" 0 $c login -u testuser --password-stdin "$A" <<<"testpass"
    expect_match "$c: ... Login Succeeded" "^Login Succeeded$" "$OUT"
    expect_eq "$c: pull with the stored credentials" "$ID" "$($c pull -q "$A/busybox:latest" >/dev/null && $c image inspect -f '{{.Id}}' "$A/busybox:latest")"
    $c tag "$A/busybox:latest" "$A/pushed-$c:v1"
    expect_rc "$c: push with the stored credentials" 0 $c push "$A/pushed-$c:v1"
    expect_eq "$c: ... the registry has it" "200" \
        "$(curl -s -u testuser:testpass -o /dev/null -w '%{http_code}' -H "Accept: $OCIM" "http://$A/v2/pushed-$c/manifests/v1")"
    $c rmi "$A/pushed-$c:v1" >/dev/null
    expect_rc "$c: logout" 0 $c logout "$A"
    expect_eq "$c: ... docker's message" "Removing login credentials for $A" "$OUT"
    $c rmi "$A/busybox:latest" >/dev/null
}
run_both auth_scenario
# ---- Bearer tokens from a token server (the distribution token spec) ----
mkdir -p "$T/token"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/token/key.pem" -out "$T/token/cert.pem" -days 1 \
    -subj /CN=test-token-issuer >"$T/token/openssl.log" 2>&1 || not_ok "make the token signing key"
TPORT=$(free_port)
/usr/bin/python3 "$ROOT/tests/integration/registry-token-server.py" "$TPORT" "$T/token/key.pem" "$T/token/cert.pem" \
    testuser:testpass >"$T/token.log" 2>&1 &
REG_PIDS+=($!)
for i in $(seq 1 100); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$TPORT/token")" != 000 ] && break
    sleep 0.05
done
reg_start token "auth:
  token:
    realm: http://127.0.0.1:$TPORT/token
    service: test-registry
    issuer: test-issuer
    rootcertbundle: $T/token/cert.pem" || not_ok "token-auth registry starts"
TK=$REG
tok=$(curl -s -u testuser:testpass "http://127.0.0.1:$TPORT/token?service=test-registry&scope=repository:busybox:pull,push" | jq -r .token)
CURL_AUTH=(-H "Authorization: Bearer $tok")
push_image "$TK" busybox latest "$CFG" "$DV2" "$GZ" "$F/l1.tar.gz" && ok "pushed to the token-auth registry" || not_ok "push with a token"
CURL_AUTH=()
token_scenario() {
    local c=$CLI
    expect_rc "$c: token registry: pull without credentials fails" 1 $c pull "$TK/busybox:latest"
    expect_match "$c: ... unauthorized" "^Error response from daemon: .*unauthorized" "$OUT"
    expect_rc "$c: token registry: login" 0 $c login -u testuser --password-stdin "$TK" <<<"testpass"
    expect_eq "$c: ... pull with a token for the stored credentials" "$ID" \
        "$($c pull -q "$TK/busybox:latest" >/dev/null && $c image inspect -f '{{.Id}}' "$TK/busybox:latest")"
    $c tag "$TK/busybox:latest" "$TK/pushed-$c:v1"
    expect_rc "$c: ... push with a push-scoped token" 0 $c push "$TK/pushed-$c:v1"
    $c rmi "$TK/busybox:latest" "$TK/pushed-$c:v1" >/dev/null
    $c logout "$TK" >/dev/null
}
run_both token_scenario
expect_match "the token server was asked for pull and push scopes" "scope=repository%3Apushed-md%3Apull%2Cpush" "$(cat "$T/token.log")"

# ---- a registry that goes away mid-pull, and a daemon killed mid-pull ----
# A stub registry serves the corrupt image's manifest and config, then half of its
# second layer: in "cut" mode it closes the connection there, in "hang" mode it
# waits (and says so in a file), so the daemon can be killed at that point.
cat >"$T/stub.py" <<'PY'
import http.server, os, sys
port, mode, fixdir, marker = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
files = {}
for name in ("corrupt-latest.manifest", "corrupt.json", "l1.tar.gz", "l3.tar.gz"):
    import hashlib
    data = open(os.path.join(fixdir, name), "rb").read()
    files["sha256:" + hashlib.sha256(data).hexdigest()] = data
manifest = open(os.path.join(fixdir, "corrupt-latest.manifest"), "rb").read()
big = "sha256:" + hashlib.sha256(open(os.path.join(fixdir, "l3.tar.gz"), "rb").read()).hexdigest()
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def send(self, body, ctype="application/octet-stream"):
        self.send_response(200); self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def do_GET(self):
        p = self.path
        if p.endswith("/manifests/latest"):
            return self.send(manifest, "application/vnd.docker.distribution.manifest.v2+json")
        d = p.rsplit("/", 1)[-1]
        if "/blobs/" in p and d in files:
            if d != big:
                return self.send(files[d])
            body = files[d]
            self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
            self.wfile.write(body[: len(body) // 2]); self.wfile.flush()
            open(marker, "w").close()
            if mode == "hang":
                import time; time.sleep(3600)
            self.close_connection = True
            return
        self.send_response(404); self.send_header("Content-Length", "0"); self.end_headers()
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
PY
stub_start() { # MODE
    SPORT=$(free_port)
    rm -f "$T/stub.half"
    /usr/bin/python3 "$T/stub.py" "$SPORT" "$1" "$F" "$T/stub.half" >"$T/stub.log" 2>&1 &
    STUB=$!
    REG_PIDS+=($STUB)
    for i in $(seq 1 100); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$SPORT/v2/")" != 000 ] && return 0
        sleep 0.05
    done
}
nothing_stored() { # NAME
    expect_eq "$1: no image" "" "$(md images -q)"
    expect_eq "$1: no layer" "" "$(ls "$DATA/image/layers")"
    expect_eq "$1: nothing in image/tmp" "" "$(ls "$DATA/image/tmp")"
}
stub_start cut
expect_rc "the registry cuts the connection mid-layer: the pull fails" 1 md pull "127.0.0.1:$SPORT/corrupt:latest"
expect_match "... saying why" "^Get \"http://127.0.0.1:$SPORT/v2/corrupt/blobs/$(sha "$F/l3.tar.gz")\": transfer closed with [0-9]+ bytes remaining to read$" "$(tail -n1 <<<"$OUT")"
nothing_stored "cut mid-pull"
kill "$STUB"; wait "$STUB" 2>/dev/null

stub_start hang
md pull "127.0.0.1:$SPORT/corrupt:latest" >"$T/hang-pull.log" 2>&1 &
PULLER=$!
for i in $(seq 1 400); do [ -e "$T/stub.half" ] && break; sleep 0.05; done
[ -e "$T/stub.half" ] && ok "a pull is stuck in the middle of a layer" || not_ok "the stub registry was not reached"
kill -9 "$DPID"; wait "$DPID" 2>/dev/null
DPID=
wait "$PULLER"
expect_eq "the client of a killed daemon fails" 1 "$?"
expect_eq "... with Go's unexpected EOF" "unexpected EOF" "$(tail -n1 "$T/hang-pull.log")"
kill "$STUB"; wait "$STUB" 2>/dev/null
daemon_start || not_ok "daemon restarts"
nothing_stored "after kill -9 mid-pull and a restart"
expect_eq "... and a retry works" "$ID" "$(md pull -q "$R/busybox:latest" >/dev/null && md image inspect -f '{{.Id}}' "$R/busybox:latest")"
md rmi "$R/busybox:latest" >/dev/null

# ---- TLS, verified with the registry's own CA (--registry-certs DIR/HOST:PORT/ca.crt) ----
X=$T/tls
mkdir -p "$X"
{
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$X/ca.key" -out "$X/ca.crt" -days 1 -subj /CN=md-test-ca &&
        openssl req -x509 -newkey rsa:2048 -nodes -keyout "$X/other.key" -out "$X/other.crt" -days 1 -subj /CN=md-other-ca &&
        openssl req -newkey rsa:2048 -nodes -keyout "$X/server.key" -out "$X/server.csr" -subj /CN=127.0.0.1 &&
        printf 'subjectAltName=IP:127.0.0.1\n' >"$X/ext" &&
        openssl x509 -req -in "$X/server.csr" -CA "$X/ca.crt" -CAkey "$X/ca.key" -CAcreateserial \
            -out "$X/server.crt" -days 1 -extfile "$X/ext"
} >"$X/openssl.log" 2>&1 && ok "test CA and server certificate made" || not_ok "make the TLS certificates"
reg_start tls "  tls:
    certificate: $X/server.crt
    key: $X/server.key" || not_ok "TLS registry starts"
TL=$REG
SCHEME=https
CURL_AUTH=(--cacert "$X/ca.crt")
push_image "$TL" busybox latest "$CFG" "$DV2" "$GZ" "$F/l1.tar.gz" && ok "pushed to the TLS registry" || not_ok "push over TLS"
SCHEME=http
CURL_AUTH=()
mkdir -p "$T/certs.d/$TL"
cp "$X/ca.crt" "$T/certs.d/$TL/ca.crt"
expect_eq "TLS registry with its CA: pull" "$ID" \
    "$(md pull -q "$TL/busybox:latest" 2>&1 >/dev/null; md image inspect -f '{{.Id}}' "$TL/busybox:latest" 2>&1)"
md rmi "$TL/busybox:latest" >/dev/null 2>&1
cp "$X/other.crt" "$T/certs.d/$TL/ca.crt"
expect_rc "TLS registry with another CA: the pull fails" 1 md pull "$TL/busybox:latest"
expect_match "... with an x509 error" "^Error response from daemon: Get \"https://$TL/v2/busybox/manifests/latest\": tls: failed to verify certificate: x509: " "$OUT"
expect_eq "... and nothing stored" "" "$(md images -q)"

expect_eq "login stored docker's auths entry, mode 600" "600 $(printf testuser:testpass | base64)" \
    "$(md login -u testuser --password-stdin "$A" <<<testpass >/dev/null 2>&1; stat -c %a "$HOME/.minidock/config.json") $(jq -r ".auths[\"$A\"].auth" "$HOME/.minidock/config.json")"
expect_eq "logout of a registry not logged in to" "Not logged in to 127.0.0.1:1" "$(md logout 127.0.0.1:1)"

stop_registries
trap - EXIT
suite_end
