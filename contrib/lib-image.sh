# lib-image.sh - shared by the image recipes: temp dirs, JSON strings, docker-archive packing.
# usage: . contrib/lib-image.sh; image_write_archive ROOTFS.tar OUT.tar NAME[:TAG] CONFIG_BODY CREATED_BY
# shellcheck shell=sh

# --- temporary directories, removed on exit ----------------------------------
IMG_TMPDIRS=''
img_cleanup() {
	for d in $IMG_TMPDIRS; do
		[ -d "$d" ] || continue
		# an interrupted mmdebstrap may leave mounts below d: unmount them, deepest first
		awk -v d="$d/" 'index($2, d) == 1 { print $2 }' /proc/self/mounts 2>/dev/null | sort -r |
			while read -r m; do umount -l "$m" 2>/dev/null || true; done
		rm -rf --one-file-system "$d"
	done
	IMG_TMPDIRS=''
}
trap 'img_cleanup' EXIT
trap 'img_cleanup; trap - EXIT; exit 130' INT
trap 'img_cleanup; trap - EXIT; exit 143' TERM

# img_mktemp VAR: create a directory that is deleted when the script exits, store its path in VAR
# (not a $(...) function: the cleanup list must be updated in this shell, not a subshell)
img_mktemp() {
	_d=$(mktemp -d "${TMPDIR:-/tmp}/minidock-image.XXXXXXXX")
	chmod 755 "$_d"
	IMG_TMPDIRS="$IMG_TMPDIRS $_d"
	eval "$1=\$_d"
}

img_die() {
	printf '%s: %s\n' "${0##*/}" "$*" >&2
	exit 1
}

# --- JSON ---------------------------------------------------------------------
# json_str STRING: print STRING as a JSON string literal (quotes included)
json_str() {
	JS_IN=$1 awk 'BEGIN {
		s = ENVIRON["JS_IN"]; o = ""
		for (i = 1; i <= length(s); i++) {
			c = substr(s, i, 1)
			if (c == "\\") c = "\\\\"
			else if (c == "\"") c = "\\\""
			else if (c == "\n") c = "\\n"
			else if (c == "\t") c = "\\t"
			else if (c == "\r") c = "\\r"
			o = o c
		}
		printf "\"%s\"", o
	}'
}

# json_array WORD...: print the words as a JSON array of strings
json_array() {
	_out='['
	_sep=''
	for _w in "$@"; do
		_out="$_out$_sep$(json_str "$_w")"
		_sep=','
	done
	printf '%s]' "$_out"
}

# --- image helpers ------------------------------------------------------------
# img_created: RFC 3339 time from SOURCE_DATE_EPOCH (default 2024-01-01T00:00:00Z)
img_created() {
	date -u -d "@${SOURCE_DATE_EPOCH:-1704067200}" +%Y-%m-%dT%H:%M:%SZ
}

# img_arch: the OCI architecture name of this machine's Debian architecture
img_arch() {
	_a=$(dpkg --print-architecture 2>/dev/null || uname -m)
	case $_a in
	amd64 | x86_64) echo amd64 ;;
	arm64 | aarch64) echo arm64 ;;
	armhf | armel) echo arm ;;
	i386) echo 386 ;;
	*) echo "$_a" ;;
	esac
}

# img_ref NAME[:TAG]: print NAME:TAG, adding ":latest" when no tag is given
img_ref() {
	case ${1##*/} in
	*@*) img_die "digest references are not taggable: $1" ;;
	*:*) printf '%s\n' "$1" ;;
	*) printf '%s:latest\n' "$1" ;;
	esac
}

# sha256_of FILE: print the hex sha256 of FILE
sha256_of() {
	sha256sum <"$1" | cut -c1-64
}

# image_write_archive ROOTFS.tar OUT.tar NAME[:TAG] CONFIG_BODY CREATED_BY
#   Packs a one-layer image as a docker-archive (the `docker save` format):
#     manifest.json, repositories, <config-sha>.json, <diffid>/{layer.tar,VERSION,json}
#   CONFIG_BODY is the inside of the config's "config" object, e.g. "Cmd":["sh"].
#   Output is byte-reproducible: fixed mtimes (SOURCE_DATE_EPOCH), owners and modes.
#   Sets IMAGE_ID (sha256:<hex>) and prints "OUT.tar sha256:<id> <bytes>".
image_write_archive() {
	[ $# -eq 5 ] || img_die "image_write_archive: want 5 arguments, got $#"
	_rootfs=$1 _out=$2 _cfgbody=$4 _by=$5
	_ref=$(img_ref "$3")
	[ -f "$_rootfs" ] || img_die "no such rootfs tar: $_rootfs"
	case $_out in /*) ;; *) _out=$PWD/$_out ;; esac

	_created=$(img_created)
	_diff=$(sha256_of "$_rootfs")
	_stage=''
	img_mktemp _stage

	mkdir "$_stage/$_diff"
	ln "$_rootfs" "$_stage/$_diff/layer.tar" 2>/dev/null || cp "$_rootfs" "$_stage/$_diff/layer.tar"
	printf '1.0' >"$_stage/$_diff/VERSION"

	printf '{"architecture":"%s","os":"linux","created":"%s","config":{%s},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created":"%s","created_by":%s}]}' \
		"$(img_arch)" "$_created" "$_cfgbody" "$_diff" "$_created" "$(json_str "$_by")" >"$_stage/config.json"
	_id=$(sha256_of "$_stage/config.json")
	mv "$_stage/config.json" "$_stage/$_id.json"

	# legacy v1 metadata (docker <= 24 writes it; loaders that read manifest.json ignore it)
	printf '{"id":"%s","created":"%s","os":"linux","config":{%s}}' \
		"$_diff" "$_created" "$_cfgbody" >"$_stage/$_diff/json"
	printf '[{"Config":"%s.json","RepoTags":[%s],"Layers":["%s/layer.tar"]}]' \
		"$_id" "$(json_str "$_ref")" "$_diff" >"$_stage/manifest.json"
	printf '{%s:{%s:"%s"}}' \
		"$(json_str "${_ref%:*}")" "$(json_str "${_ref##*:}")" "$_diff" >"$_stage/repositories"

	(cd "$_stage" && tar --format=gnu --sort=name --mtime="@${SOURCE_DATE_EPOCH:-1704067200}" \
		--owner=0 --group=0 --numeric-owner --mode='a=rX,u+w' \
		-cf "$_out.tmp.$$" manifest.json repositories "$_id.json" "$_diff")
	mv -f "$_out.tmp.$$" "$_out"
	rm -rf "$_stage"

	IMAGE_ID=sha256:$_id
	printf '%s %s %s\n' "$_out" "$IMAGE_ID" "$(stat -c %s "$_out")"
}

# rootfs_tar DIR OUT.tar [TAR-OPTIONS...]: deterministic layer tar of DIR, member names without "./"
rootfs_tar() {
	_dir=$1 _o=$2
	shift 2
	case $_o in /*) ;; *) _o=$PWD/$_o ;; esac
	# shellcheck disable=SC2046 # one argument per top-level entry is intended
	(cd "$_dir" && LC_ALL=C tar --sort=name --owner=0 --group=0 --numeric-owner "$@" \
		-cf "$_o.tmp.$$" $(LC_ALL=C ls -A))
	mv -f "$_o.tmp.$$" "$_o"
}
