#!/bin/sh
# Build a byte-reproducible busybox image (docker-archive) from Debian's busybox-static package.
# usage: mkimage-busybox.sh OUT.tar [NAME[:TAG]]   |   mkimage-busybox.sh --rootfs OUT.tar
set -eu
umask 022
export LC_ALL=C
export SOURCE_DATE_EPOCH=1704067200 # 2024-01-01T00:00:00Z

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=contrib/lib-image.sh
. "$here/lib-image.sh"

usage() {
	cat >&2 <<EOF
usage: ${0##*/} OUT.tar [NAME[:TAG]]     image as a docker-archive (default name busybox:latest)
       ${0##*/} --rootfs OUT.tar         only the rootfs tarball (for 'minidock import')
The busybox-static .deb is cached in \${MINIDOCK_CACHE:-/var/cache/minidock}; delete it to refresh.
EOF
	exit 2
}

mode=image
case ${1:-} in
--rootfs) mode=rootfs; shift ;;
-h | --help | '') usage ;;
-*) usage ;;
esac
if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi
if [ "$mode" = rootfs ] && [ $# -ne 1 ]; then usage; fi
out=$1
name=${2:-busybox:latest}

for t in dpkg-deb tar sha256sum; do
	command -v "$t" >/dev/null || img_die "$t is required"
done

img_mktemp W

# --- the .deb: from the cache, else downloaded once from the configured mirror ---
cache=${MINIDOCK_CACHE:-/var/cache/minidock}
find_deb() {
	found=''
	for f in "$cache"/busybox-static_*.deb; do
		[ -f "$f" ] && found=$f
	done
	printf '%s' "$found"
}
deb=$(find_deb)
if [ -z "$deb" ]; then
	apt_opts='-q'
	[ "$(id -u)" -ne 0 ] || apt_opts='-q -o APT::Sandbox::User=root'
	# shellcheck disable=SC2086 # apt_opts holds several words
	if ! (cd "$W" && apt-get $apt_opts download busybox-static >/dev/null 2>"$W/apt.err"); then
		[ "$(id -u)" -eq 0 ] || { cat "$W/apt.err" >&2; img_die "apt-get download busybox-static failed"; }
		apt-get -q update >/dev/null 2>&1 || true
		# shellcheck disable=SC2086
		(cd "$W" && apt-get $apt_opts download busybox-static >/dev/null) ||
			img_die "apt-get download busybox-static failed"
	fi
	for f in "$W"/busybox-static_*.deb; do deb=$f; done
	[ -f "$deb" ] || img_die "apt-get download produced no .deb"
	if mkdir -p "$cache" 2>/dev/null && [ -w "$cache" ]; then
		rm -f "$cache"/busybox-static_*.deb
		cp "$deb" "$cache/.dl.$$" && mv "$cache/.dl.$$" "$cache/${deb##*/}"
		deb=$cache/${deb##*/}
	else
		echo "${0##*/}: note: cannot write $cache, the .deb is not cached" >&2
	fi
fi

# --- the rootfs ---------------------------------------------------------------
dpkg-deb -x "$deb" "$W/pkg"
R=$W/rootfs
mkdir -p "$R/bin" "$R/sbin" "$R/usr/bin" "$R/usr/sbin" "$R/etc" "$R/root" "$R/tmp" \
	"$R/proc" "$R/sys" "$R/dev" "$R/run" "$R/var/www"
cp "$W/pkg/bin/busybox" "$R/bin/busybox"
chmod 755 "$R/bin/busybox"
# one symlink per applet, where busybox itself puts it (bin/sh, sbin/ip, usr/bin/wget, ...)
for p in $("$R/bin/busybox" --list-full); do
	[ "$p" = bin/busybox ] || ln -sf /bin/busybox "$R/$p"
done
chmod 1777 "$R/tmp"
chmod 700 "$R/root"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$R/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$R/etc/group"
echo 'hello from busybox' >"$R/var/www/index.html"

if [ "$mode" = rootfs ]; then
	rootfs_tar "$R" "$out" --mtime="@$SOURCE_DATE_EPOCH"
	case $out in /*) ;; *) out=$PWD/$out ;; esac
	printf '%s sha256:%s %s\n' "$out" "$(sha256_of "$out")" "$(stat -c %s "$out")"
	exit 0
fi

rootfs_tar "$R" "$W/layer.tar" --mtime="@$SOURCE_DATE_EPOCH"
rm -rf "$R" "$W/pkg"
env='"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"'
image_write_archive "$W/layer.tar" "$out" "$name" \
	"\"Env\":[$env],\"Cmd\":[\"sh\"],\"WorkingDir\":\"/\"" \
	"contrib/mkimage-busybox.sh"
