#!/bin/sh
# bad-input.sh - jailrun's own failures: one clear message, exit 125,
# nothing left behind.
. "$JR_SRC/tests/lib.sh"
plan 34
mkscratch
P=/usr/bin/probe
mounts_before=$(wc -l < /proc/self/mountinfo)
# check NAME REGEX ARGS... : exit 125, one stderr line matching REGEX
check() {
  name=$1 re=$2; shift 2
  err=$(jr "$@" 2>&1 >/dev/null); s=$?
  is "$name: exit 125" "$s" 125
  like "$name: message" "$err" "$re"
}
check "nonexistent rootfs" "rootfs .*/nope.*No such file" --no-net "$SCRATCH/nope" /bin/true
touch "$SCRATCH/file"
check "rootfs is a file" "rootfs .*not a directory" --no-net "$SCRATCH/file" /bin/true
check "malformed -v" "volume 'nocolon': malformed" --no-net -v nocolon "$ROOTFS" /bin/true
check "-v missing source" "volume .*source .*No such file" --no-net -v "$SCRATCH/none:/x" "$ROOTFS" /bin/true
check "-v bad mode" "unknown mode 'rx'" --no-net -v "$SCRATCH:/x:rx" "$ROOTFS" /bin/true
check "unknown capability" "capability 'CAP_BOGUS': unknown" --no-net --cap-add CAP_BOGUS "$ROOTFS" /bin/true
check "bad uid" "user 'abc': not a numeric" --no-net -u abc "$ROOTFS" /bin/true
mkdir -p "$SCRATCH/evil"; cp -a "$ROOTFS/bin" "$SCRATCH/evil/"; mkdir "$SCRATCH/evil/dev" "$SCRATCH/evil/tmp"
ln -s /etc "$SCRATCH/evil/proc"
check "rootfs with /proc a symlink" "/proc is a symlink" --no-net "$SCRATCH/evil" /bin/true
rm "$SCRATCH/evil/proc"; mkdir "$SCRATCH/evil/proc" "$SCRATCH/evil/usr"; cp -a "$ROOTFS/usr/bin" "$SCRATCH/evil/usr/"
ln -s /etc "$SCRATCH/evil/workspace"; ln -s ../../../../etc "$SCRATCH/evil/rel"; mkdir "$SCRATCH/vol"
check "-v target symlink to /etc" "symlink on the path is refused" --no-net -v "$SCRATCH/vol:/workspace" "$SCRATCH/evil" /bin/true
check "-v target relative symlink out" "symlink on the path is refused" --no-net -v "$SCRATCH/vol:/rel/x" "$SCRATCH/evil" /bin/true
check "--read-write on /" "read-write" --no-net --read-write / /bin/true
long=$(printf 'a%.0s' $(seq 300))
check "-v target with a 300-char component" "too long" --no-net -v "$SCRATCH/vol:/tmp/x/$long" "$ROOTFS" /bin/true
check "--timeout not a number" "--timeout 'abc': not a number" --no-net --timeout abc "$ROOTFS" /bin/true
check "--tmpfs size=0" "bad option 'size=0'" --no-net --tmpfs /x:size=0 "$ROOTFS" /bin/true
check "--tmpfs size 2^64-1 (wraps to unlimited)" "size 18446744073709551615 is too large" --no-net --tmpfs /tmp/x:size=18446744073709551615 "$ROOTFS" /bin/true
check "--tmpfs size 2^64-2^30 (17179869183g)" "size 17179869183g is too large" --no-net --tmpfs /tmp/x:size=17179869183g "$ROOTFS" /bin/true
is "no mount left in the caller's namespace" "$(wc -l < /proc/self/mountinfo)" "$mounts_before"
# only this build's binary (other builds may run jails on the same machine),
# and not the supervisors of detached jails (run -d), which live on by design
ok "nothing left behind (no jail process)" sh -c '! pgrep -af "^$JAILRUN( |\$)" | grep -Ev " (-d|--detach) " | grep -q .'
done_testing
