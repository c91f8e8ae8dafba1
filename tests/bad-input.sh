#!/bin/sh
# bad-input.sh - jailrun's own failures: one clear message, exit 125,
# nothing left behind.
. "$JR_SRC/tests/lib.sh"
plan 48
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
check "unknown user name" "user 'abc': not in .*/etc/passwd" --no-net -u abc "$ROOTFS" /bin/true
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
# --subnet: special ranges, and ranges the caller's own routes cover (a
# netns of the test's own with 10.123.0.0/16 on lo stands in for the host's)
check "--subnet loopback" "subnet '127.0.0.0/8': overlaps 127.0.0.0/8 \(loopback\)" --subnet 127.0.0.0/8 "$ROOTFS" /bin/true
check "--subnet multicast" "overlaps 224.0.0.0/4 \(multicast\)" --subnet 224.0.0.0/8 "$ROOTFS" /bin/true
check "--subnet link-local" "overlaps 169.254.0.0/16 \(link-local\)" --subnet 169.254.0.0/16 "$ROOTFS" /bin/true
check "--subnet this network" "overlaps 0.0.0.0/8" --subnet 0.0.0.0/8 "$ROOTFS" /bin/true
if [ "$JR_MODE" = root ]; then ns="unshare -n"; else ns="unshare -rn"; fi
err=$($ns sh -c 'ip link set lo up && ip addr add 10.123.0.1/16 dev lo && exec timeout -k 5 60 "$0" --subnet 10.123.4.0/24 "$1" /bin/true' \
  "$JAILRUN" "$ROOTFS" 2>&1 >/dev/null); s=$?
is "--subnet overlapping a host route: exit 125" "$s" 125
like "--subnet overlapping a host route: message names the route" "$err" "subnet '10.123.4.0/24': overlaps the host's route (local )?10.123.0.0/16 dev lo"
check "--no-net --net-allow proxy" "network: --no-net .* and --net-allow proxy .* conflict" --no-net --net-allow proxy "$ROOTFS" /bin/true
check "--net-allow proxy --no-net" "network: --net-allow proxy .* and --no-net .* conflict" --net-allow proxy --no-net "$ROOTFS" /bin/true
is "no mount left in the caller's namespace" "$(wc -l < /proc/self/mountinfo)" "$mounts_before"
# only this build's binary (other builds may run jails on the same machine),
# and not the supervisors of detached jails (run -d) nor the holders of named
# networks (network create), which live on by design
ok "nothing left behind (no jail process)" sh -c '! pgrep -af "^$JAILRUN( |\$)" | grep -Ev " (-d|--detach|network create) " | grep -q .'
done_testing
