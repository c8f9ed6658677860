#!/bin/sh
# Build a Debian image (docker-archive) with mmdebstrap minbase from this machine's apt sources; needs root.
# usage: mkimage-debian.sh [--include PKGS] [--suite SUITE] [--cmd 'CMD ARGS'] [--mirror SRC] [-v] NAME[:TAG] OUT.tar
set -eu
umask 022
export LC_ALL=C
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-1704067200}" # 2024-01-01: reproducible mtimes

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=contrib/lib-image.sh
. "$here/lib-image.sh"

usage() {
	cat >&2 <<EOF
usage: ${0##*/} [options] NAME[:TAG] OUT.tar
  --include PKGS   extra packages, comma or space separated (apache2 adds apache2-foreground,
                   Cmd ["apache2-foreground"], ExposedPorts 80/tcp, StopSignal SIGWINCH)
  --suite SUITE    Debian suite (default: this machine's, e.g. bookworm)
  --cmd 'CMD ...'  the image's Cmd, split on blanks (default: bash, or apache2-foreground)
  --mirror SRC     mmdebstrap mirror: a URL or a sources file
                   (default: /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list)
  -v, --verbose    show mmdebstrap's progress
Needs root (mmdebstrap root mode) and the Debian mirror; takes about a minute.
EOF
	exit 2
}

include='' suite='' cmd='' mirror='' verbose=0
while [ $# -gt 0 ]; do
	case $1 in
	--include) [ $# -ge 2 ] || usage; include="$include $2"; shift 2 ;;
	--include=*) include="$include ${1#*=}"; shift ;;
	--suite) [ $# -ge 2 ] || usage; suite=$2; shift 2 ;;
	--suite=*) suite=${1#*=}; shift ;;
	--cmd) [ $# -ge 2 ] || usage; cmd=$2; shift 2 ;;
	--cmd=*) cmd=${1#*=}; shift ;;
	--mirror) [ $# -ge 2 ] || usage; mirror=$2; shift 2 ;;
	--mirror=*) mirror=${1#*=}; shift ;;
	-v | --verbose) verbose=1; shift ;;
	-h | --help) usage ;;
	--) shift; break ;;
	-*) echo "${0##*/}: unknown option $1" >&2; usage ;;
	*) break ;;
	esac
done
[ $# -eq 2 ] || usage
name=$1 out=$2
case $out in /*) ;; *) out=$PWD/$out ;; esac

[ "$(id -u)" -eq 0 ] || img_die "needs root (mmdebstrap runs in root mode)"
command -v mmdebstrap >/dev/null || img_die "mmdebstrap is missing (apt-get install mmdebstrap, or make deps)"

# packages: commas and blanks both separate
pkgs=$(printf '%s\n' "$include" | tr ',' ' ' | xargs)
apache=0
case " $pkgs " in *" apache2 "*) apache=1 ;; esac

# --- mirror: the configured sources file for the host's own suite, else its first URL ---
host_suite=$(. /etc/os-release && printf '%s' "${VERSION_CODENAME:-}")
suite=${suite:-${host_suite:-bookworm}}
if [ -z "$mirror" ]; then
	for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
		[ -s "$f" ] && { mirror=$f; break; }
	done
	[ -n "$mirror" ] || img_die "no /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list; use --mirror URL"
	if [ "$suite" != "$host_suite" ]; then
		# a sources file names its own suites; for another suite use its first mirror URL
		url=$(awk '/^URIs:/ { print $2; exit } /^deb / { for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) { print $i; exit } }' "$mirror")
		[ -n "$url" ] || img_die "cannot read a mirror URL from $mirror; use --mirror URL"
		mirror=$url
	fi
fi

W=''
img_mktemp W
R=$W/rootfs

set -- --variant=minbase --mode=root --format=directory \
	--aptopt='Acquire::Languages "none"' \
	--dpkgopt='path-exclude=/usr/share/man/*' \
	--dpkgopt='path-exclude=/usr/share/locale/*' \
	--dpkgopt='path-exclude=/usr/share/doc/*' \
	--dpkgopt='path-include=/usr/share/doc/*/copyright' \
	--dpkgopt='path-exclude=/usr/share/info/*' \
	--dpkgopt='path-exclude=/usr/share/lintian/*'
[ -z "$pkgs" ] || set -- "$@" --include="$(printf '%s' "$pkgs" | tr ' ' ',')"
[ "$verbose" -eq 1 ] || set -- "$@" --quiet

echo "${0##*/}: mmdebstrap $suite minbase${pkgs:+ + $pkgs} from $mirror" >&2
if [ "$verbose" -eq 1 ]; then
	mmdebstrap "$@" "$suite" "$R" "$mirror"
elif ! mmdebstrap "$@" "$suite" "$R" "$mirror" >"$W/mmdebstrap.log" 2>&1; then
	tail -n 30 "$W/mmdebstrap.log" >&2
	img_die "mmdebstrap failed"
fi

# --- clean up what a container runtime provides or what makes builds differ ---
# /dev: mmdebstrap leaves device nodes (root mode); the runtime mounts its own /dev.
# Removing them only works now: inside a customize hook /dev is still mounted.
find "$R/dev" -mindepth 1 -delete
rm -f "$R/etc/hostname" "$R/etc/resolv.conf" "$R/etc/hosts"
rm -f "$R"/var/log/*.log "$R"/var/log/apt/* "$R/var/cache/ldconfig/aux-cache"
rm -rf "$R"/var/lib/apt/lists/* "$R"/var/cache/apt/*.bin "$R"/tmp/* "$R"/var/tmp/*

env='"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"'
extra=''
if [ "$apache" -eq 1 ]; then
	cat >"$R/usr/local/bin/apache2-foreground" <<'EOF'
#!/bin/sh
# Run apache2 in the foreground as the container's PID 1 (written by contrib/mkimage-debian.sh).
set -e
. /etc/apache2/envvars
mkdir -p "$APACHE_RUN_DIR" "$APACHE_LOCK_DIR" "$APACHE_LOG_DIR"
rm -f "$APACHE_PID_FILE"
exec /usr/sbin/apache2 -DFOREGROUND "$@"
EOF
	chmod 755 "$R/usr/local/bin/apache2-foreground"
	: "${cmd:=apache2-foreground}"
	extra=',"ExposedPorts":{"80/tcp":{}},"StopSignal":"SIGWINCH"'
fi
: "${cmd:=bash}"
set -f # split the command on blanks, without globbing
# shellcheck disable=SC2086
cmdjson=$(json_array $cmd)
set +f

rootfs_tar "$R" "$W/layer.tar" --mtime="@$SOURCE_DATE_EPOCH" --clamp-mtime \
	--format=posix --pax-option='exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime' \
	--xattrs --xattrs-include='*'
rm -rf --one-file-system "$R"

image_write_archive "$W/layer.tar" "$out" "$name" \
	"\"Env\":[$env],\"Cmd\":$cmdjson$extra" \
	"contrib/mkimage-debian.sh: mmdebstrap --variant=minbase $suite${pkgs:+ --include=$(printf '%s' "$pkgs" | tr ' ' ',')}"
