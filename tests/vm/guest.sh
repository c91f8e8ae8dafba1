#!/bin/sh
# guest.sh - the cgroup tests run inside the VM tier's guest (pure cgroup
# v2, memory pids cpu enabled), once as root and once as the unprivileged
# user jrtest from its delegated cgroup $JR_DELEG: the jail is cloned into
# its own cgroup; a memory hog is OOM-killed and reported; a fork bomb is
# capped and the jail stays usable; an OOM kill of an exec into a detached
# jail is reported too; cpu.max holds within 20%; a missing
# controller is an error (125) or, best-effort, a warning; the cgroup is
# gone afterwards, also after SIGKILL of the supervisor.
. "$JR_SRC/tests/lib.sh"
# The guest kernel has no veth/bridge module loaded: these cgroup tests run
# loopback-only jails (the private network is tested in tests/net.sh).
jr() { timeout -k 5 60 "$JAILRUN" --no-net "$@"; }
plan 35
CG=/sys/fs/cgroup
P=/usr/bin/cgprobe
if [ "$JR_MODE" = root ]; then PARENT=$CG/jailrun; else PARENT=$JR_DELEG; fi

# wait_for CMD...: up to 10 s until CMD succeeds
wait_for() {
  _i=0
  while [ $_i -lt 100 ]; do "$@" && return 0; sleep 0.1; _i=$((_i + 1)); done
  return 1
}
jail_dir() { ls -d "$PARENT"/jailrun-"$1"-* 2>/dev/null | head -n 1; }
has_jail_dir() { [ -n "$(jail_dir "$1")" ]; }
procs_have_sleep() {
  for p in $(cat "$1/cgroup.procs" 2>/dev/null); do
    [ "$(cat /proc/$p/comm 2>/dev/null)" = sleep ] && return 0
  done
  return 1
}

# The jail runs in its own cgroup from the start.
"$JAILRUN" --no-net "$ROOTFS" /bin/sleep 3 & sup=$!
ok "the jail's cgroup appears under $PARENT" wait_for has_jail_dir $sup
d=$(jail_dir $sup)
ok "the command runs inside it" wait_for procs_have_sleep "$d"
wait $sup
"$JAILRUN" --no-net "$ROOTFS" /bin/sleep 2 & sup=$!
wait_for has_jail_dir $sup
d=$(jail_dir $sup)
mkdir "$d/child" "$d/child/grandchild"
wait $sup
ok "a cgroup with child cgroups is removed at the end too" test -n "$d" -a ! -d "$d"
is "the jail sees its cgroup as / (cgroup namespace)" "$(jr "$ROOTFS" /bin/cat /proc/self/cgroup)" "0::/"
ok "its cgroup is removed at the end" test ! -d "$d"

# Memory: a hog is OOM-killed and reported; below the limit all is well.
out=$(jr --memory 32m "$ROOTFS" $P hog 256 2>&1); rc=$?
echo "# $(printf '%s' "$out" | tr '\n' ' ')"
is "memory hog: exit 137" "$rc" 137
like "memory hog: reported as out of memory" "$out" "killed: out of memory, memory.max=32M, peak [0-9.]+[KMG]"
unlike "memory hog: never got its 256M" "$out" "hog done"
if [ "$JR_MODE" = user ]; then
  like "delegated cgroup with processes: they were moved into a leaf" "$(cat /proc/self/cgroup)" "^0::/deleg/jailrun-leaf$"
else
  ok "root: the empty jailrun/ subtree is removed too" test ! -d "$CG/jailrun"
fi
# exec into a long-running jail: the OOM kill is reported for the exec too
"$JAILRUN" run -d --name oomjail --no-net --memory 32m "$ROOTFS" /bin/sleep 60 >/dev/null 2>&1
out=$(timeout -k 5 60 "$JAILRUN" exec oomjail $P hog 256 2>&1); rc=$?
is "exec memory hog: exit 137" "$rc" 137
like "exec memory hog: reported as out of memory" "$out" "killed: out of memory"
# each exec has its own cgroup below the jail's (the hog above was limited
# by the jail's memory.max from there); a timeout kills all it started
like "exec: its own cgroup exec-N below the jail's" "$(timeout -k 5 60 "$JAILRUN" exec oomjail /bin/cat /proc/self/cgroup)" "^0::/exec-[0-9]+$"
timeout -k 5 60 "$JAILRUN" exec --timeout 1 oomjail /bin/sh -c 'setsid /bin/sleep 97 & /bin/sleep 60' 2>/dev/null
no_sleep97() {
  for f in /proc/[0-9]*/cmdline; do [ "$(tr '\0' ' ' 2>/dev/null < "$f")" = "/bin/sleep 97 " ] && return 1; done
  return 0
}
ok "exec --timeout killed the exec's setsid child too" wait_for no_sleep97
timeout -k 5 60 "$JAILRUN" exec oomjail /bin/true
d=$(ls -d "$PARENT"/jailrun-[0-9]* 2>/dev/null | head -n 1)
ok "the jail has a cgroup ($d)" test -n "$d"
spare=$(ls "$d" | grep '^exec-')
is "ended execs' cgroups are removed (one empty spare for the next exec)" \
  "$(printf '%s' "$spare" | grep -c .):$(cat "$d/$spare/cgroup.procs" 2>&1 | wc -l)" "1:0"
"$JAILRUN" stop oomjail >/dev/null 2>&1; "$JAILRUN" rm oomjail >/dev/null 2>&1
out=$(jr --memory 64m "$ROOTFS" $P hog 16 2>&1); rc=$?
is "16M under a 64M limit: exit 0" "$rc" 0
like "16M under a 64M limit: done" "$out" "hog done 16"

# Fork bomb: capped at the limit, the jail stays usable.
out=$(jr --pids-limit 16 --stats "$ROOTFS" $P forks 200 5 2>&1); rc=$?
echo "# $(printf '%s' "$out" | tr '\n' ' ')"
is "fork bomb: exit 0" "$rc" 0
k=$(printf '%s\n' "$out" | sed -n 's/^forks ok \([0-9]*\) failed.*/\1/p')
ok "fork bomb: at most 14 children (16 - init - cgprobe), got ${k:-none}" test "${k:-99}" -le 14 -a "${k:-0}" -ge 8
like "fork bomb: the other forks failed" "$out" "failed 1[89][0-9]$"
like "fork bomb: the jail forks again afterwards" "$out" "after ok"
like "--stats: tasks peak is the limit" "$out" "tasks peak 16"

# CPU: --cpus 0.5 over a 3 s busy loop: the spinning process's own CPU
# time against the wall time of the loop (the jail's start-up, which the
# cgroup's usage also counts, is left out: under TCG it is a large share).
out=$(jr --cpus 0.5 "$ROOTFS" $P spin 3 2>&1); rc=$?
wall=$(printf '%s\n' "$out" | sed -n 's/^spin wall_usec //p')
cpu=$(printf '%s\n' "$out" | sed -n 's/^spin cpu_usec //p')
ratio=$(awk -v c="${cpu:-0}" -v w="${wall:-1}" 'BEGIN { printf "%.3f", c / w }')
echo "# cpu.max for 0.5 cores: spin used ${cpu:-?}us of CPU over ${wall:-?}us of wall: ratio $ratio"
is "busy loop: exit 0" "$rc" 0
ok "cpu share within 20% of 0.5 (got $ratio)" awk -v r="$ratio" 'BEGIN { exit !(r >= 0.4 && r <= 0.6) }'

# A controller missing in the parent: an error naming it, or a warning.
if [ "$JR_MODE" = root ]; then N=$CG/nomem; else N=$JR_DELEG/nomem; fi
mkdir -p "$N" && echo +pids > "$N/cgroup.subtree_control" && mkdir -p "$N/p"
rel=${N#$CG}/p
out=$(jr --cgroup-parent "$rel" --memory 32m "$ROOTFS" /bin/true 2>&1); rc=$?
is "memory limit without a memory controller: exit 125" "$rc" 125
like "the message names the controller and the fix" "$out" "--memory cannot be enforced: the memory controller is not delegated to $N/p: .*drop --memory"
out=$(jr --cgroup-parent "$rel" --memory 32m --pids-limit 8 --limits best-effort "$ROOTFS" $P forks 20 2 2>&1); rc=$?
is "best-effort: runs" "$rc" 0
like "best-effort: warns what is and is not enforced" "$out" "warning: limits best-effort: enforced: pids; NOT enforced: memory"
like "best-effort: the pids limit holds" "$out" "forks ok [0-6] failed"
rmdir "$N/p" "$N"

# SIGKILL of the supervisor: the next start removes the stale cgroup.
"$JAILRUN" --no-net "$ROOTFS" /bin/sleep 30 & sup=$!
wait_for has_jail_dir $sup
d=$(jail_dir $sup)
wait_for procs_have_sleep "$d"
kill -KILL $sup
wait $sup 2>/dev/null
ok "after SIGKILL the cgroup is left behind" test -n "$d" -a -d "$d"
ok "its processes died with the supervisor" wait_for grep -q "populated 0" "$d/cgroup.events"
jr "$ROOTFS" /bin/true
ok "the next start removed it" test ! -d "$d"

# jailrun check finds what this guest kernel lacks: no veth module loaded.
out=$("$JAILRUN" check 2>&1)
like "check: no veth here, reported as a gap of the default network" "$out" "warn +veth +.*no veth support"
like "check: with the fix" "$out" "fix: load the veth module \\(modprobe veth\\) for the default network, or run with --no-net"

# Nothing left behind.
is "no jailrun cgroup left anywhere" "$(find $CG -type d -name 'jailrun-[0-9]*' | wc -l)" 0
done_testing
