#!/bin/sh
# run-all.sh - the whole test suite: installs what is missing, builds, runs
# every meson test (each integration test as root and as an unprivileged
# user, plus the VM tier), turns skips into failures and ends with
# "N passed, N failed".  Run as root.
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
build=${JR_BUILD_DIR:-$src/build}
export JAILRUN_NO_SKIP=1
sh "$src/tests/deps.sh" || { echo "0 passed, 1 failed"; exit 1; }
if [ ! -f "$build/build.ninja" ]; then meson setup "$build" "$src" >/dev/null || { echo "0 passed, 1 failed"; exit 1; }; fi
ninja -C "$build" || { echo "0 passed, 1 failed"; exit 1; }
meson test -C "$build" --print-errorlogs --num-processes 1 "$@"
rc=$?
log="$build/meson-logs/testlog.json"
passed=$(grep -c '"result": "OK"' "$log" 2>/dev/null)
total=$(grep -c '"result":' "$log" 2>/dev/null)
failed=$((total - passed))
[ "$rc" = 0 ] || [ "$failed" -gt 0 ] || failed=1
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
