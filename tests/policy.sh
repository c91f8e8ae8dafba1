#!/bin/sh
# policy.sh - hardening of issue 12 ("also found") outside seccomp: init's
# /proc/1/cmdline shows a neutral name, never the host command line; as
# root, every running jail has host ids of its own (slots under the state
# directory, stale ones reclaimed).
# As root the state dir is /run/jailrun, shared with every other jailrun on
# the host: the test re-runs itself in a private mount namespace with a
# tmpfs there, so the id slots it sees are its own.
if [ "$JR_MODE" = root ] && [ -z "${JR_POLICY_PRIVATE:-}" ]; then
  mkdir -p /run/jailrun
  exec env JR_POLICY_PRIVATE=1 unshare -m --propagation private \
    sh -c 'mount -t tmpfs -o mode=700 jrpolicy /run/jailrun && exec sh "$0" "$@"' "$0" "$@"
fi
. "$JR_SRC/tests/lib.sh"
if [ "$JR_MODE" = root ]; then plan 15; else plan 13; fi
mkscratch
N=jrpol$$
names=""
cleanup() { for n in $names; do "$JAILRUN" rm -f "$n" >/dev/null 2>&1; done; rm -rf "$SCRATCH"; }
trap cleanup EXIT

# /proc/1/cmdline: the jail's init is a clone of jailrun; without care it
# shows jailrun's own command line (rootfs path, volumes, the allowlist).
secret=jrsecret$$
mkdir "$SCRATCH/$secret"; chmod 755 "$SCRATCH/$secret"
cmdline() { tr '\0' '|' < /proc/1/cmdline; }
out=$(jr --net-allow proxy --allow "$secret.example.com" -e "K=$secret" -v "$SCRATCH/$secret:/workspace:ro" \
      "$ROOTFS" /bin/sh -c "tr '\\0' '|' < /proc/1/cmdline; echo; cat /proc/1/comm")
is "run: /proc/1/cmdline and comm are jailrun-init" "$(printf '%s' "$out" | tr '\n' ' ')" "jailrun-init| jailrun-init"
unlike "run: no host path or option in /proc/1/cmdline" "$out" "$secret|$SCRATCH|--"
is "host root: /proc/1/cmdline is jailrun-init" "$(jr --no-net / sh -c "tr '\\0' '|' < /proc/1/cmdline")" "jailrun-init|"
names="$names $N"
jr run -d --name $N --no-net -v "$SCRATCH/$secret:/workspace:ro" "$ROOTFS" sleep 900 >/dev/null
out=$(jr exec $N sh -c "tr '\\0' '|' < /proc/1/cmdline; echo; ps -o comm | sed -n 2p")
is "run -d: /proc/1/cmdline and ps show jailrun-init" "$(printf '%s' "$out" | tr '\n' ' ')" "jailrun-init| jailrun-init"
unlike "run -d: no host path in /proc/1/cmdline" "$out" "$secret|$SCRATCH"
is "the jail runs on after init renamed itself" "$(jr exec $N sh -c 'echo alive')" alive
"$JAILRUN" rm -f $N >/dev/null

# Host ids: two detached jails share a volume.  B writes a 0600 file; as
# root, A (another host uid) cannot read it; rootless both are the caller.
A=${N}a B=${N}b
names="$names $A $B"
mkdir "$SCRATCH/shared"; chmod 777 "$SCRATCH/shared"
jr run -d --name $A --no-net -v "$SCRATCH/shared:/workspace" "$ROOTFS" sleep 900 >/dev/null
jr run -d --name $B --no-net -v "$SCRATCH/shared:/workspace" "$ROOTFS" sleep 900 >/dev/null
jr exec $B sh -c 'umask 077; echo secret-of-b > /workspace/b-only'
hostuid() { "$JAILRUN" inspect "$1" | sed -n 's/.*"HostUid": \([0-9]*\).*/\1/p'; }
ua=$(hostuid $A) ub=$(hostuid $B)
got=$(jr exec $A cat /workspace/b-only 2>&1)
# the uid of each jail's first command (the child of its init), seen from the host
psu=$(for n in $A $B; do
  init=$("$JAILRUN" inspect $n | sed -n 's/.*"InitPid": \([0-9]*\).*/\1/p')
  ps -o uid= -p "$(pgrep -P "$init" | head -1)" | tr -d ' '
done | tr '\n' ' ')
if [ "$JR_MODE" = root ]; then
  is "root: two running jails get the first two id slots" "$ua $ub" "1065532 1131068"
  like "root: jail A cannot read jail B's 0600 file in a shared volume" "$got" "Permission denied"
  is "root: the file on the host belongs to B's host uid" "$(stat -c %u "$SCRATCH/shared/b-only")" "$ub"
  is "root: ps on the host shows the jails' processes under their own uids" "$psu" "$ua $ub "
  is "root: each jail holds one slot file" "$(ls /run/jailrun/.ids | tr '\n' ' ')" "0 1 lock "
else
  is "rootless: both jails map to the caller" "$ua $ub" "$(id -u) $(id -u)"
  is "rootless: the jails share the caller's uid (reading B's file works)" "$got" "secret-of-b"
  is "rootless: the file on the host belongs to the caller" "$(stat -c %u "$SCRATCH/shared/b-only")" "$(id -u)"
  is "rootless: ps shows the jails' processes as the caller" "$psu" "$(id -u) $(id -u) "
  ok "rootless: no id slot is taken" test ! -e "${XDG_RUNTIME_DIR:-/nonexistent}/jailrun/.ids/0"
fi
"$JAILRUN" rm -f $A >/dev/null; "$JAILRUN" rm -f $B >/dev/null
if [ "$JR_MODE" = root ]; then
  is "root: the slots are released when the jails end" "$(ls /run/jailrun/.ids | tr '\n' ' ')" "lock "
  # a slot whose holder is gone is reclaimed; one whose holder lives is not
  echo "$$ $(awk '{ sub(/.*\) /, ""); print $20 }' /proc/$$/stat)" > /run/jailrun/.ids/0
  echo "999999 1" > /run/jailrun/.ids/1
  is "root: a live holder's slot is skipped, a dead holder's reclaimed" \
    "$(jr --no-net "$ROOTFS" cat /proc/self/uid_map | awk '{ print $2 }')" 1131068
  is "root: after the run only the live holder's slot is left" "$(ls /run/jailrun/.ids | tr '\n' ' ')" "0 lock "
  rm -f /run/jailrun/.ids/0
  is "root: -u beyond the slot size is refused with 125" "$(jr -u 70000 --no-net "$ROOTFS" true 2>&1; echo $?)" \
    "jailrun: userns: jail id 70000:70000: as root, the jail's uid and gid must be below 65536 (each jail gets a host id range of that size): use a smaller -u
125"
else
  is "rootless: -u of the jail's own choice still maps to the caller" "$(jr -u 70000 --no-net "$ROOTFS" cat /proc/self/uid_map | awk '{ print $1, $2 }')" "70000 $(id -u)"
  ok "rootless: still no id slot" test ! -e "${XDG_RUNTIME_DIR:-/nonexistent}/jailrun/.ids"
fi
done_testing
