#!/bin/sh
# run-as.sh root|user SCRIPT [ARG...] - run one TAP test script as root or
# as the unprivileged test user (rootless mode).  Exit 77 means skipped;
# with CI=true or JAILRUN_NO_SKIP=1 every skip becomes a failure.
set -u
mode=$1; shift
user=${JAILRUN_TEST_USER:-jrtest}
noskip() { [ "${CI:-}" = true ] || [ "${JAILRUN_NO_SKIP:-}" = 1 ]; }
skip() {
  echo "1..0 # SKIP $*"
  if noskip; then echo "Bail out! skip not allowed in CI: $*"; exit 1; fi
  exit 77
}
[ "$(id -u)" = 0 ] || skip "the test runner must be root (it runs each test as root and as $user)"
export JR_MODE=$mode
if [ "$mode" = root ]; then
  exec sh "$@"
fi
if ! id -u "$user" >/dev/null 2>&1; then
  useradd -M -s /bin/sh "$user" 2>/dev/null || skip "cannot create test user $user"
fi
uid=$(id -u "$user")
# A private runtime dir, as a login session would have.
export XDG_RUNTIME_DIR=/tmp/jailrun-test-run-$uid
mkdir -p "$XDG_RUNTIME_DIR" && chown "$user" "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
exec setpriv --reuid="$uid" --regid="$(id -g "$user")" --init-groups --reset-env \
  env PATH=/usr/local/bin:/usr/bin:/bin JR_MODE=user XDG_RUNTIME_DIR="$XDG_RUNTIME_DIR" \
  JAILRUN="$JAILRUN" ROOTFS="$ROOTFS" JR_BUILD="$JR_BUILD" JR_SRC="$JR_SRC" CI="${CI:-}" \
  JAILRUN_NO_SKIP="${JAILRUN_NO_SKIP:-}" sh "$@"
