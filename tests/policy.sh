#!/bin/sh
# policy.sh - hardening of issue 12 ("also found") outside seccomp: init's
# /proc/1/cmdline shows a neutral name, never the host command line; as
# root, every running jail has host ids of its own (slots under the state
# directory, stale ones reclaimed); a detached jail's log is capped
# (--log-max, rotated once).
# As root the state dir is /run/jailrun, shared with every other jailrun on
# the host: the test re-runs itself in a private mount namespace with a
# tmpfs there, so the id slots it sees are its own.
if [ "$JR_MODE" = root ] && [ -z "${JR_POLICY_PRIVATE:-}" ]; then
  mkdir -p /run/jailrun
  exec env JR_POLICY_PRIVATE=1 unshare -m --propagation private \
    sh -c 'mount -t tmpfs -o mode=700 jrpolicy /run/jailrun && exec sh "$0" "$@"' "$0" "$@"
fi
. "$JR_SRC/tests/lib.sh"
if [ "$JR_MODE" = root ]; then plan 25; else plan 23; fi
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

# Attack: every `exec` is cloned into the jail's pid namespace from a copy
# of the supervisor, whose cmdline is the host command line; a jail process
# that reads /proc/PID/cmdline of every process, over and over, sees it
# while the new process sets up (pid 4: "jailrun run -d --name ... -v
# /host/path:... ").  It must only ever see neutral names.
W=${N}w
names="$names $W"
jr run -d --name $W --no-net -v "$SCRATCH/$secret:/workspace:ro" "$ROOTFS" probe cmdwatch 6 "$secret" >/dev/null
for i in $(seq 1 30); do "$JAILRUN" exec $W true >/dev/null 2>&1; done
for i in $(seq 1 20); do
  out=$("$JAILRUN" logs $W 2>/dev/null); case $out in *cmdline*) break ;; esac; sleep 0.5
done
is "exec: no process of the jail ever shows the host command line" "$out" "cmdline clean"
"$JAILRUN" rm -f $W >/dev/null

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

# The log of a detached jail is capped: 64k per file, rotated once.
L=${N}l; names="$names $L"
lines='i=0; while [ $i -lt 3000 ]; do echo "line $i 0123456789012345678901234567890123456789"; i=$((i+1)); done'
jr run -d --name $L --log-max 64k --no-net "$ROOTFS" sh -c "sleep 0.5; $lines; echo end; exec sleep 900" >/dev/null
"$JAILRUN" logs -f $L > "$SCRATCH/follow" 2>&1 &
fpid=$!
i=0; while ! "$JAILRUN" logs $L 2>/dev/null | grep -q '^end$' && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
if [ "$JR_MODE" = root ]; then d=/run/jailrun/$L; else d=$XDG_RUNTIME_DIR/jailrun/$L; fi
is "log: both files at most 64k" "$(stat -c %s "$d/log" "$d/log.1" | awk '$1 > 65536 { print "over: " $1 } $1 <= 65536 { n++ } END { print n }')" 2
out=$("$JAILRUN" logs $L)
is "logs: the tail is there" "$(printf '%s\n' "$out" | tail -2 | tr '\n' ' ')" "line 2999 0123456789012345678901234567890123456789 end "
is "logs: log.1 then log, whole lines in order, the oldest rotated away" \
  "$(printf '%s\n' "$out" | awk '/^line / { if (p != "" && $2 != p + 1) bad++; p = $2; if (f == "") f = $2; n++ } END { print (bad + 0), (f > 0), (n > 1000) }')" "0 1 1"
is "logs: at most 2 x 64k kept" "$(printf '%s\n' "$out" | wc -c | awk '{ print ($1 <= 131072 && $1 > 65536) }')" 1
"$JAILRUN" rm -f $L >/dev/null
i=0; while kill -0 $fpid 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
kill $fpid 2>/dev/null; wait $fpid 2>/dev/null
is "logs -f across rotations: no line twice or out of order, reaches the end" \
  "$(awk '/^line / { if (p != "" && $2 <= p) bad++; p = $2 } END { print (bad + 0) }' "$SCRATCH/follow") $(tail -1 "$SCRATCH/follow")" "0 end"
# the default cap is 10m: a jail printing 11 MiB keeps at most 10 MiB in log
jr run -d --name $L --no-net "$ROOTFS" sh -c 'head -c 11534336 /dev/zero | tr "\0" "x"; echo; echo end; exec sleep 900' >/dev/null
i=0; while ! tail -c 4 "$d/log" 2>/dev/null | grep -q end && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
is "default cap: log and log.1 each at most 10 MiB" "$(stat -c %s "$d/log" "$d/log.1" | awk '$1 <= 10485760 { n++ } END { print n }')" 2
"$JAILRUN" rm -f $L >/dev/null
# --log-max 0: no cap
jr run -d --name $L --log-max 0 --no-net "$ROOTFS" sh -c "$lines; echo end; exec sleep 900" >/dev/null
i=0; while ! tail -c 4 "$d/log" 2>/dev/null | grep -q end && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
is "--log-max 0: one file holds everything" "$(test -e "$d/log.1" && echo rotated; "$JAILRUN" logs $L | grep -c '^line ')" 3000
"$JAILRUN" rm -f $L >/dev/null
out=$(jr run -d --log-max 1k --no-net "$ROOTFS" true 2>&1); s=$?
is "--log-max below 4k: 125 with a message" "$s: $out" "125: jailrun: --log-max '1k': not 0 (no cap) or a size of at least 4k (a number with an optional k, m or g suffix, e.g. 10m)"
jr run -d --log-max 10q --no-net "$ROOTFS" true >/dev/null 2>&1
is "--log-max junk: 125" $? 125
done_testing
