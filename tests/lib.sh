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

# --- jailrun-oci (oci*.sh, vm/guest-oci*.sh)
# oci_scratch [TIMEOUT [FLAG...]]: mkscratch and a jailrun-oci to test:
# $OCI (a link named jailrun-oci to $JAILRUN), $R (its --root under
# $SCRATCH) and `oci VERB ARGS...` (jailrun-oci --root $R FLAG... VERB,
# bounded by TIMEOUT seconds, 30 unless given).  At exit every container
# named in $ids is deleted (--force), every pid in $pids killed, then
# cleanup_more runs (a no-op: a test redefines it for what else it made)
# and $SCRATCH is removed.
oci_scratch() {
  mkscratch
  OCI=$SCRATCH/bin/jailrun-oci
  mkdir "$SCRATCH/bin" && ln -s "$JAILRUN" "$OCI"
  R=$SCRATCH/state
  _oci_timeout=${1:-30}
  [ $# = 0 ] || shift
  _oci_flags="$*"
  ids=""
  pids=""
  trap oci_cleanup EXIT
}
# oci VERB ARGS...: jailrun-oci as oci_scratch set it up (its FLAGs split
# into words).
# shellcheck disable=SC2086
oci() { timeout -k 5 "$_oci_timeout" "$OCI" --root "$R" $_oci_flags "$@"; }
cleanup_more() { :; }
# oci_cleanup: what oci_scratch's EXIT trap does (oci-podman.sh and the
# engines it sources call it from theirs).
oci_cleanup() {
  for _c in $ids; do "$OCI" --root "$R" delete --force "$_c" >/dev/null 2>&1; done
  for _p in $pids; do kill "$_p" 2>/dev/null; done
  cleanup_more
  rm -rf "$SCRATCH"
}
# The namespaces an OCI bundle gets unless told: new pid, network, ipc,
# uts and mount namespaces (and a user namespace, jailrun-oci's own).
OCI_NS='[{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}]'
# oci_bundle DIR ARGS_JSON [PART=JSON...]: DIR/config.json running
# ARGS_JSON as container root (no capabilities, no terminal) over the
# read-only test rootfs; rootless, the only id mapping is container 0
# onto the caller.  A PART replaces a default; an empty one keeps it:
#   top=     top-level keys before "process", each ending in a comma
#            (annotations, hooks, hostname); default none
#   process= process keys before "terminal", each ending in a comma
#            (capabilities, rlimits); default none
#   env=     process.env; default PATH only
#   mounts=  the mounts; default /proc, a /dev tmpfs, a 1m /tmp tmpfs
#   linux=   linux keys before the id maps, each ending in a comma
#            (cgroupsPath, resources, maskedPaths); default none
#   ns=      linux.namespaces; default $OCI_NS
# Tests edit the file with sed, so its layout is part of the contract:
# "terminal": false, "root": {"path": "$ROOTFS", "readonly": true},
# "mounts": [, "linux": {, "namespaces": and {"type": "pid"} stand as here.
oci_bundle() {
  _dir=$1 _args=$2
  shift 2
  _top='' _proc='' _env='' _mounts='' _linux='' _ns=''
  for _part in "$@"; do
    case $_part in
      top=*) _top=${_part#top=} ;;
      process=*) _proc=${_part#process=} ;;
      env=*) _env=${_part#env=} ;;
      mounts=*) _mounts=${_part#mounts=} ;;
      linux=*) _linux=${_part#linux=} ;;
      ns=*) _ns=${_part#ns=} ;;
      '') ;;
      *) echo "oci_bundle: unknown part $_part" >&2; return 1 ;;
    esac
  done
  [ -n "$_env" ] || _env='["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]'
  [ -n "$_ns" ] || _ns=$OCI_NS
  [ -n "$_mounts" ] || _mounts='[
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755", "size=65536k"]},
    {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "size=1m"]}
  ]'
  _maps=''
  if [ "$JR_MODE" != root ]; then
    _maps="\"uidMappings\": [{\"containerID\": 0, \"hostID\": $(id -u), \"size\": 1}],
    \"gidMappings\": [{\"containerID\": 0, \"hostID\": $(id -g), \"size\": 1}],"
  fi
  mkdir -p "$_dir"
  cat > "$_dir/config.json" <<OCIEOF
{
  "ociVersion": "1.0.2",
  $_top
  "process": {
    $_proc
    "terminal": false, "user": {"uid": 0, "gid": 0}, "args": $_args,
    "env": $_env, "cwd": "/"
  },
  "root": {"path": "$ROOTFS", "readonly": true},
  "mounts": $_mounts,
  "linux": {
    $_linux
    $_maps
    "namespaces": $_ns
  }
}
OCIEOF
}
