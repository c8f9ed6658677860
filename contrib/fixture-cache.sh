#!/bin/sh
# Build a test image (docker-archive) once and cache it, keyed by the sha256 of its recipe; prints its path.
# usage: fixture-cache.sh apache|busybox [CACHE_DIR]   (default ${MINIDOCK_TEST_CACHE:-/var/cache/minidock-test})
set -eu
umask 022
here=$(cd "$(dirname "$0")" && pwd)

usage() {
	cat >&2 <<EOF
usage: ${0##*/} apache|busybox [CACHE_DIR]
Prints CACHE_DIR/<kind>-<first 12 hex of sha256(recipe files)>.tar, building it when missing
(apache: about a minute, root and the Debian mirror; busybox: about a second).
Cached archives of older recipes are removed after 2 days without use.
EOF
	exit 2
}

if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi
kind=$1
dir=${2:-${MINIDOCK_TEST_CACHE:-/var/cache/minidock-test}}
case $kind in
apache) set -- mkimage-apache.sh mkimage-debian.sh lib-image.sh ;;
busybox) set -- mkimage-busybox.sh lib-image.sh ;;
*) usage ;;
esac

key=$(cd "$here" && cat "$@" | sha256sum | cut -c1-12)
out=$dir/$kind-$key.tar

mkdir -p "$dir" || {
	echo "${0##*/}: cannot create $dir" >&2
	exit 1
}
# one builder at a time; the others wait and then find the archive
exec 9>"$dir/.lock-$kind"
flock -w 900 9 || {
	echo "${0##*/}: timed out waiting for $dir/.lock-$kind" >&2
	exit 1
}

if [ ! -s "$out" ]; then
	tmp=$dir/.$kind-$key.$$.tar
	trap 'rm -f "$tmp" "$tmp".tmp.*' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	start=$(date +%s)
	echo "${0##*/}: building $kind fixture (recipe $key)" >&2
	case $kind in
	apache) "$here/mkimage-apache.sh" "$tmp" apache:latest >&2 ;;
	busybox) "$here/mkimage-busybox.sh" "$tmp" busybox:latest >&2 ;;
	esac || {
		echo "${0##*/}: building the $kind fixture failed" >&2
		exit 1
	}
	mv -f "$tmp" "$out"
	echo "${0##*/}: built $out in $(($(date +%s) - start)) s" >&2
else
	touch "$out" # mtime = last use, for the pruning below
fi

find "$dir" -maxdepth 1 -name "$kind-*.tar" ! -name "${out##*/}" -mtime +2 -delete 2>/dev/null || true
printf '%s\n' "$out"
