#!/bin/sh
# deps.sh [LIST] - install the Debian packages in tests/packages.txt (or
# in LIST, e.g. tests/bench/packages.txt) that are missing (needs root;
# uses apt-get only when something is missing).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
list=${1:-$here/packages.txt}
missing=$(grep -v '^#' "$list" | while read -r p; do
  [ -n "$p" ] || continue
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
done)
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "deps: missing packages: $missing; run as root (sudo) to install them" >&2
  exit 1
fi
echo "deps: installing" $missing >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends $missing >&2
