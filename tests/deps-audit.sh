#!/bin/bash
# Every program a test, fixture recipe or the demo calls must come from a package that
# `make deps` installs (contrib/install-deps.sh), or from Debian's essential/required base:
# CI and a new user's machine have nothing else. This finds the command words in those
# scripts, resolves each that is a program here to its Debian package, and fails on one
# that make deps would not bring; and it fails on a listed command that is not installed,
# naming the package to add. Prints "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
# the system's programs first, as tests/run.sh sets (not a pyenv python3 or a ~/bin curl)
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH
PASS=0 FAIL=0
ok() { PASS=$((PASS + 1)); }
not_ok() { FAIL=$((FAIL + 1)); echo "FAIL - $*"; }

SCRIPTS=(tests/run.sh tests/unit/run.sh tests/integration/*.sh $(ls contrib/*.sh | grep -v install-deps))
# Words of those scripts that name a program on some hosts but are prose, options or
# programs run inside a container (busybox applets) there, never on the host.
NOT_HOST_COMMANDS=" as w top write view size more init shutdown man dir route strip column file "
NOT_HOST_COMMANDS+=" netstat wget hostname idle ping ex sudo node ed "
# names in data and messages, programs of docker.io that `make bench` installs
NOT_HOST_COMMANDS+=" ctr runc docker-init "
# the tail of flags (--log-opt, --dns-opt) where llvm is installed
NOT_HOST_COMMANDS+=" opt "

deps=" $(contrib/install-deps.sh --list | tr '|\n' '  ') "
declare -A pkg_of
while IFS=$'\t' read -r cmd pkg; do
    case $cmd in '#'* | '') continue ;; esac
    pkg_of[$cmd]=$pkg
done <tests/host-commands.tsv

# Which package ships a program: dpkg's file lists, read once (dpkg-query -S takes half a
# second a call). A merged-/usr file is listed as its package ships it, /bin/x or /usr/bin/x.
declare -A owner_of
index_owners() {
    local f p
    for p in "$@"; do
        f=$(readlink -f "$p")
        printf '%s\n' "$p" "$f" "/usr$p" "/usr$f" "${p#/usr}" "${f#/usr}"
    done | sort -u >"$tmp/paths"
    while IFS=: read -r f p; do
        f=${f##*/}
        f=${f%.list}
        owner_of[$p]=${f%%:*}
    done < <(grep -xF -f "$tmp/paths" /var/lib/dpkg/info/*.list)
}
owner() {
    local p=$1 f d
    f=$(readlink -f "$p")
    for d in "$p" "$f" "/usr$p" "/usr$f" "${p#/usr}" "${f#/usr}"; do
        [ -z "${owner_of[$d]:-}" ] || { echo "${owner_of[$d]}"; return 0; }
    done
    return 1
}
# the package itself or one it depends on directly (python3 -> python3-minimal)
provides() {
    [ "$1" = "$2" ] && return 0
    dpkg-query -W -f='${Depends}, ${Pre-Depends}' "$1" 2>/dev/null | tr ',|' '\n\n' |
        sed 's/^ *//; s/[ :].*//' | grep -qx -- "$2"
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# the words of the scripts that name a command here at all (most are not: one fork each
# for thousands of words would take a minute); variables ($x, ${x}, x=) are not commands
words=$(comm -12 <(grep -hv '^[[:space:]]*#' "${SCRIPTS[@]}" |
    sed -E 's/\$\{?[A-Za-z_][A-Za-z0-9_]*//g; s/[A-Za-z_][A-Za-z0-9_]*\+?=//g' |
    grep -oE '[A-Za-z_][A-Za-z0-9_.+-]*' | sort -u) \
    <(compgen -c | sort -u))
paths=()
for w in $words "${!pkg_of[@]}"; do
    [ "$(type -t -- "$w")" = file ] && paths+=("$(command -v -- "$w")")
done
index_owners "${paths[@]}"
# essential, or priority required or important: on every Debian system (debootstrap
# and the installer bring those; apt itself is "important")
declare -A base
while IFS='|' read -r p e pr; do # (an empty Essential must not shift the fields)
    [ "$e" = yes ] || [ "$pr" = required ] || [ "$pr" = important ] && base[${p%%:*}]=1
done < <(dpkg-query -W -f='${Package}|${Essential}|${Priority}\n')
base_pkg() { [ -n "${base[$1]:-}" ]; }

# 1. the table: each package is one make deps installs, each command is installed
for cmd in "${!pkg_of[@]}"; do
    pkg=${pkg_of[$cmd]}
    if [ "$pkg" = - ]; then
        if command -v "$cmd" >/dev/null; then ok; else not_ok "$cmd is not on the PATH (the machine provides it; the suites that use it cannot run)"; fi
        continue
    fi
    found=0
    for alt in ${pkg//|/ }; do case $deps in *" $alt "*) found=1 ;; esac; done
    if [ "$found" -eq 1 ]; then ok; else not_ok "tests/host-commands.tsv: $cmd comes from $pkg, which contrib/install-deps.sh does not install"; fi
    if ! path=$(command -v "$cmd"); then
        not_ok "$cmd is not installed: run 'sudo make deps' (package ${pkg%%|*})"
        continue
    fi
    have=$(owner "$path") || have=''
    good=0
    for alt in ${pkg//|/ }; do [ -n "$have" ] && provides "$alt" "$have" && good=1; done
    if [ "$good" -eq 1 ]; then ok; else not_ok "$cmd is $path from package '${have:-none}', not from $pkg as tests/host-commands.tsv says"; fi
done

# 2. the scripts: every program they name comes from the base or from the table
for w in $words; do
    [ -z "${pkg_of[$w]:-}" ] || continue
    case $NOT_HOST_COMMANDS in *" $w "*) continue ;; esac
    [ "$(type -t -- "$w")" = file ] || continue
    path=$(command -v -- "$w")
    if ! pkg=$(owner "$path"); then
        not_ok "$w ($path) is called by $(grep -lw -- "$w" "${SCRIPTS[@]}" | head -3 | tr '\n' ' ')but belongs to no Debian package"
    elif base_pkg "$pkg"; then
        ok
    else
        not_ok "$w (package $pkg) is called by $(grep -lw -- "$w" "${SCRIPTS[@]}" | head -3 | tr '\n' ' ')but is not in tests/host-commands.tsv and make deps"
    fi
done
echo "deps-audit: $PASS passed, $FAIL failed"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
