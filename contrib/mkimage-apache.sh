#!/bin/sh
# Build the Debian + apache2 image (docker-archive; Cmd apache2-foreground, port 80, StopSignal SIGWINCH).
# usage: mkimage-apache.sh OUT.tar [NAME[:TAG]]     (root, about a minute; default name apache:latest)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: ${0##*/} OUT.tar [NAME[:TAG]]" >&2
	exit 2
fi
exec "$here/mkimage-debian.sh" --include apache2 "${2:-apache}" "$1"
