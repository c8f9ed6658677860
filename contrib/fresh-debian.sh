#!/bin/bash
# Run a command in a clean Debian 12 chroot with a fresh clone of this repository: how to
# check that `make deps` really installs everything (a new user's machine has only
# Debian's base). The chroot has Debian's required and important packages plus make, git,
# sudo and ca-certificates; the stock docker CLI is copied in, as the machines provide it.
# usage: contrib/fresh-debian.sh DIR [COMMAND]     (root; needs mmdebstrap and the network)
#   DIR      the chroot: made with mmdebstrap when it does not exist, reused when it does
#   COMMAND  run in the clone, by bash (default: make demo && bash .ci/run)
set -eu
[ "$(id -u)" -eq 0 ] || { echo "${0##*/}: needs root" >&2; exit 1; }
[ $# -ge 1 ] || { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
R=$(realpath -m "$1")
CMD=${2:-'make demo && bash .ci/run'}
REPO=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -d "$R/usr" ]; then
    mmdebstrap --variant=important --include=make,git,sudo,ca-certificates bookworm "$R"
fi
# the chroot's root is a mount of its own, as / is on a machine (pivot_root needs it);
# private, and the host's trees below it slaves, so nothing made inside reaches the host
mount --bind "$R" "$R"
mount --make-private "$R"
trap 'umount -R "$R" 2>/dev/null || umount -R -l "$R"' EXIT
mount -t proc proc "$R/proc"
mount --rbind /sys "$R/sys" && mount --make-rslave "$R/sys"
mount --rbind /dev "$R/dev" && mount --make-rslave "$R/dev"
mount -t tmpfs tmpfs "$R/run"
if command -v docker >/dev/null; then cp "$(command -v docker)" "$R/usr/local/bin/docker"; fi
cp /etc/resolv.conf "$R/etc/resolv.conf"
rm -rf "$R/root/minidock"
git clone -q "$REPO" "$R/root/minidock"
chroot "$R" /usr/bin/env -i HOME=/root TERM=dumb CI=true \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    bash -c "cd /root/minidock && $CMD"
