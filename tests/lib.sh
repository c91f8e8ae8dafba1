# lib.sh - TAP helpers for the jailrun shell tests.  Source it, call
# plan N, then ok/is/like/... Each test runs twice: JR_MODE=root and
# JR_MODE=user (rootless), set by run-as.sh.  $JAILRUN is the binary and
# $ROOTFS the busybox test rootfs (with /usr/bin/probe).
set -u
_n=0
_failed=0
plan() { echo "1..$1"; }
_report() { # $1 status, $2 name
  _n=$((_n + 1))
  if [ "$1" = 0 ]; then echo "ok $_n - $2 [$JR_MODE]"; else echo "not ok $_n - $2 [$JR_MODE]"; _failed=$((_failed + 1)); fi
}
ok() { # ok "name" cmd...
  _name=$1; shift
  if "$@"; then _report 0 "$_name"; else _report 1 "$_name"; fi
}
# is NAME GOT WANT
is() {
  if [ "$2" = "$3" ]; then _report 0 "$1"; else echo "#   got: '$2'"; echo "#  want: '$3'"; _report 1 "$1"; fi
}
# like NAME TEXT REGEX (grep -E)
like() {
  if printf '%s\n' "$2" | grep -Eq -- "$3"; then _report 0 "$1"; else echo "#   got: '$2'"; echo "#  want match: '$3'"; _report 1 "$1"; fi
}
unlike() {
  if printf '%s\n' "$2" | grep -Eq -- "$3"; then echo "#   got: '$2'"; echo "#  want no match: '$3'"; _report 1 "$1"; else _report 0 "$1"; fi
}
done_testing() { [ "$_failed" = 0 ]; exit $?; }
# mkscratch: set $SCRATCH to a new directory owned by whoever runs the
# test (755, so the jail user of a root run can read it), removed at exit.
mkscratch() {
  SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/jrtest.XXXXXX")
  chmod 755 "$SCRATCH"
  trap 'rm -rf "$SCRATCH"' EXIT
}
# jr ARGS... : run jailrun with a bounded time; output on stdout+stderr.
jr() { timeout -k 5 60 "$JAILRUN" "$@"; }
# as_user USER CMD... : run CMD as USER with USER's groups (e.g. a second,
# unrelated test user).
as_user() { _u=$1; shift; setpriv --reuid="$_u" --regid="$_u" --init-groups "$@"; }
# freeport: a TCP port on 127.0.0.1 that is free right now.
freeport() { ${PY:-python3} -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# wait_for CMD... : run CMD every 0.1 s until it succeeds, at most 100
# times; its last status.
wait_for() {
  _i=0
  while [ $_i -lt 100 ]; do "$@" && return 0; sleep 0.1; _i=$((_i + 1)); done
  return 1
}
# wait_url URL : wait until URL answers over HTTP (50 tries, 0.2 s apart).
wait_url() {
  _i=0
  while [ $_i -lt 50 ]; do curl -s -o /dev/null "$1" && return 0; sleep 0.2; _i=$((_i + 1)); done
  return 1
}
