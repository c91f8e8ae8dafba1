#!/bin/sh
# bootstrap.sh - set-up in one command on a fresh Debian 12: install what
# is missing, build with meson, and run a real jail on the host root.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${JR_BUILD_DIR:-$src/build}
sh "$src/tests/deps.sh"
[ -f "$build/build.ninja" ] || meson setup "$build" "$src" >/dev/null
ninja -C "$build" >/dev/null
echo "built $build/cmd/jailrun; a jail on the host root (/):"
"$build/cmd/jailrun" --no-net / /bin/sh -c \
  'echo "  inside: $(id)"; grep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/self/status | sed "s/^/  /"; echo "  /home holds $(ls -A /home | wc -l) entries"'
