#!/bin/sh
# Install the Debian packages minidock needs to build, test and benchmark; only those that are missing.
# usage: install-deps.sh [--check|--list]   (run by `make deps`; installing needs root;
#        --check lists what is missing, --list every package, one line each, A|B as written)
set -eu

# build: compiler, pkg-config and the libraries the binaries link: libmicrohttpd (the API
# server), jansson (JSON), libarchive (image tars), libcurl (registry client), libseccomp,
# libcap, libnl (links, veth, addresses, routes), libnftables (NAT, published ports),
# libssl (sha256), zlib (json-file logs: compress)
BUILD="build-essential pkg-config libmicrohttpd-dev libjansson-dev libarchive-dev
libcurl4-openssl-dev libseccomp-dev libcap-dev libnl-3-dev libnl-route-3-dev libnftables-dev
libssl-dev zlib1g-dev"
# tests: unit tests (check), fuzzing (clang + its runtime), host tools the integration suites
# use (tests/host-commands.tsv says which command comes from which; tests/deps-audit.sh checks
# it), image recipes (mmdebstrap, skopeo; the image's busybox comes via `apt-get download`),
# a local registry, docker-py and compose as extra clients. Not docker.io: it would bring a
# daemon. A|B: either one will do (busybox-static and busybox conflict; a host that has
# busybox keeps it), A is installed when neither is.
TEST="check clang libclang-rt-14-dev nftables iproute2 procps util-linux curl jq tmux zstd git
python3 busybox-static|busybox mmdebstrap skopeo docker-registry apache2-utils python3-docker
docker-compose"
# benchmarks
BENCH="wrk hyperfine"

check_only=0
case ${1:-} in
--check) check_only=1 ;;
--list)
	# shellcheck disable=SC2086 # one word per package
	printf '%s\n' $BUILD $TEST $BENCH
	exit 0
	;;
'') ;;
*)
	echo "usage: ${0##*/} [--check|--list]" >&2
	exit 2
	;;
esac

command -v dpkg-query >/dev/null || {
	echo "${0##*/}: dpkg-query not found: this script supports Debian (12, bookworm) and derivatives" >&2
	exit 1
}

installed() {
	[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}
missing=''
for p in $BUILD $TEST $BENCH; do
	have=0
	for alt in $(echo "$p" | tr '|' ' '); do
		if installed "$alt"; then have=1; break; fi
	done
	[ "$have" -eq 1 ] || missing="$missing ${p%%|*}"
done

if ! command -v docker >/dev/null; then
	echo "${0##*/}: note: no stock docker CLI on PATH; the suites that drive minidockd with it will be skipped" >&2
fi

if [ -z "$missing" ]; then
	echo "all dependencies present"
	exit 0
fi
if [ "$check_only" -eq 1 ]; then
	echo "missing:$missing"
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "${0##*/}: missing Debian packages:$missing" >&2
	echo "${0##*/}: installing them needs root: run 'sudo make deps'" >&2
	exit 1
fi

# refresh the package lists only when apt does not know a package
need_update=0
for p in $missing; do
	cand=$(apt-cache policy "$p" 2>/dev/null | awk '$1 == "Candidate:" { print $2 }')
	if [ -z "$cand" ] || [ "$cand" = "(none)" ]; then
		need_update=1
	fi
done
if [ "$need_update" -eq 1 ]; then
	echo "${0##*/}: apt-get update (a package is not in the lists)" >&2
	apt-get -q -o DPkg::Lock::Timeout=600 update >&2
fi

echo "${0##*/}: installing:$missing" >&2
# shellcheck disable=SC2086 # one argument per package
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	-o DPkg::Lock::Timeout=600 $missing >&2
echo "installed:$missing"
