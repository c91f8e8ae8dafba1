#!/bin/sh
# guest-systemd.sh - the systemd VM tier's tests (tests/vm/run-vm-systemd.sh),
# as root (a system service) and as the user jrtest (a login session with
# a lingering user manager), with plain jailrun commands: check says the
# systemd manager places the jail; jailrun gets a transient scope
# jailrun-NAME.scope / jailrun-PID.scope from the caller's manager with
# the limits, the jail's cgroup below it; a memory hog is OOM-killed and
# reported, a fork bomb capped, cpu within 20% of --cpus 0.5; the scope
# exists while the jail runs and is gone after (also for a detached jail);
# --cgroup-manager cgroupfs bypasses systemd.
. "$JR_SRC/tests/lib.sh"
jr() { timeout -k 5 90 "$JAILRUN" --no-net "$@"; }
plan 27
CG=/sys/fs/cgroup
P=/usr/bin/cgprobe
if [ "$JR_MODE" = root ]; then who=system; SC="systemctl"; else who=user; SC="systemctl --user"; fi
echo "# uid $(id -u), own cgroup $(cut -d: -f3 /proc/self/cgroup), XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-unset}"

wait_for() { # up to 20 s until CMD succeeds
  _i=0
  while [ $_i -lt 200 ]; do "$@" && return 0; sleep 0.1; _i=$((_i + 1)); done
  return 1
}
scope_dir() { find $CG -type d -name "$1" 2>/dev/null | head -n 1; }
has_scope() { [ -n "$(scope_dir "$1")" ]; }
no_scope() { [ -z "$(scope_dir "$1")" ]; }
inactive() { [ "$($SC is-active "$1" 2>/dev/null)" != active ]; }

out=$("$JAILRUN" check 2>&1)
echo "# $(printf '%s\n' "$out" | grep 'cgroup manager')"
like "check: the $who manager would place the jail" "$out" "ok +cgroup manager +systemd: a transient scope from the $who manager \\(systemd [0-9][^)]*\\) "
like "check: cpu, memory and pids are there" "$out" "controllers there: cpu memory pids"
like "check: no delegated cgroup needed" "$out" "ok +cgroup delegation "

# Memory: a hog is OOM-killed and reported.
out=$(jr --memory 32m "$ROOTFS" $P hog 256 2>&1); rc=$?
echo "# $(printf '%s' "$out" | tr '\n' ' ')"
is "memory hog: exit 137" "$rc" 137
like "memory hog: reported as out of memory" "$out" "killed: out of memory, memory.max=32M, peak [0-9.]+[KMG]"
out=$(jr --memory 64m "$ROOTFS" $P hog 16 2>&1); rc=$?
is "16M under a 64M limit: exit 0" "$rc $out" "0 hog done 16"

# Fork bomb: capped at the limit, the jail stays usable.
out=$(jr --pids-limit 16 --stats "$ROOTFS" $P forks 200 5 2>&1); rc=$?
echo "# $(printf '%s' "$out" | tr '\n' ' ')"
is "fork bomb: exit 0" "$rc" 0
k=$(printf '%s\n' "$out" | sed -n 's/^forks ok \([0-9]*\) failed.*/\1/p')
ok "fork bomb: at most 14 children (16 - init - cgprobe), got ${k:-none}" test "${k:-99}" -le 14 -a "${k:-0}" -ge 8
like "fork bomb: the jail forks again afterwards" "$out" "after ok"

is "the jail sees its cgroup as / (cgroup namespace)" "$(jr "$ROOTFS" /bin/cat /proc/self/cgroup)" "0::/"

# CPU: --cpus 0.5 over a 3 s busy loop, its own CPU time over its wall
# time (the jail's start-up, slow under TCG, is outside the loop).
out=$(jr --cpus 0.5 --stats "$ROOTFS" $P spin 3 2>&1); rc=$?
wall=$(printf '%s\n' "$out" | sed -n 's/^spin wall_usec //p')
cpu=$(printf '%s\n' "$out" | sed -n 's/^spin cpu_usec //p')
all=$(printf '%s\n' "$out" | sed -n 's/.*stats:.* cpu \([0-9.]*\)s.*/\1/p')
ratio=$(awk -v c="${cpu:-0}" -v w="${wall:-1}" 'BEGIN { printf "%.3f", c / w }')
echo "# cpu for --cpus 0.5: the loop's own ${cpu:-?}us over ${wall:-?}us of wall: ratio $ratio (the jail's cgroup, start-up included: ${all:-?}s)"
is "busy loop: exit 0" "$rc" 0
ok "cpu share within 20% of 0.5 (got $ratio)" awk -v r="$ratio" 'BEGIN { exit !(r >= 0.4 && r <= 0.6) }'

# A named jail: jailrun-NAME.scope while it runs, with the jail's cgroup
# below it and the limits on it; gone after.
name=sd$JR_MODE
"$JAILRUN" --no-net --name $name --memory 48m --pids-limit 32 "$ROOTFS" /bin/sleep 120 & sup=$!
ok "jailrun-$name.scope appears" wait_for has_scope jailrun-$name.scope
d=$(scope_dir jailrun-$name.scope)
echo "# scope $d: $(ls "$d" 2>/dev/null | grep jailrun | tr '\n' ' ')"
is "the $who manager reports it active" "$($SC is-active jailrun-$name.scope 2>&1)" active
is "MemoryMax and TasksMax on the scope" "$($SC show -p MemoryMax -p TasksMax --value jailrun-$name.scope 2>&1 | tr '\n' ' ')" "50331648 32 "
ok "the jail's cgroup is below the scope" test -n "$(ls -d "$d"/jailrun-[0-9]* 2>/dev/null)"
is "memory.max of the jail's cgroup" "$(cat "$d"/jailrun-[0-9]*/memory.max 2>&1)" 50331648
kill -TERM $sup
wait $sup
ok "after the jail: the scope's cgroup is gone" wait_for no_scope jailrun-$name.scope
ok "after the jail: the scope is not active" inactive jailrun-$name.scope

# An unnamed jail: jailrun-PID.scope.
"$JAILRUN" --no-net "$ROOTFS" /bin/sleep 120 & sup=$!
ok "unnamed: jailrun-$sup.scope appears" wait_for has_scope jailrun-$sup.scope
kill -TERM $sup
wait $sup
ok "unnamed: gone after" wait_for no_scope jailrun-$sup.scope

# A detached jail: the supervisor's scope lives until stop.
n2=sdd$JR_MODE
"$JAILRUN" run -d --name $n2 --no-net --memory 64m "$ROOTFS" /bin/sleep 60 >/dev/null 2>&1
ok "detached: jailrun-$n2.scope while it runs" wait_for has_scope jailrun-$n2.scope
like "detached: exec into it runs in the jail's cgroup below the scope" \
  "$(timeout -k 5 60 "$JAILRUN" exec $n2 /bin/cat /proc/self/cgroup 2>&1)" "^0::/exec-[0-9]+$"
"$JAILRUN" stop $n2 >/dev/null 2>&1; "$JAILRUN" rm $n2 >/dev/null 2>&1
ok "detached: gone after stop" wait_for no_scope jailrun-$n2.scope

# --cgroup-manager cgroupfs bypasses systemd: root uses /jailrun; the
# user's login session is not delegated, so a limit is refused there.
out=$(jr --cgroup-manager cgroupfs --memory 32m "$ROOTFS" $P hog 256 2>&1); rc=$?
if [ "$JR_MODE" = root ]; then
  is "cgroupfs as root: the hog is still OOM-killed (137)" "$rc" 137
else
  like "cgroupfs as a user in a login session: 125, not delegated" "$rc $out" "^125 jailrun: cgroup: --memory cannot be enforced"
fi

is "no jailrun scope left" "$(find $CG -type d -name 'jailrun-*.scope' | wc -l)" 0
is "no jailrun cgroup left" "$(find $CG -type d -name 'jailrun-[0-9]*' | wc -l)" 0
done_testing
