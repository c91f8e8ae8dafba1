#!/bin/sh
# guest-oci-systemd.sh - jailrun-oci --systemd-cgroup in the systemd VM
# tier (tests/vm/run-vm-systemd.sh), as root (the system manager) and as
# the user jrtest in a login session (its user manager): cgroupsPath
# ":jrtest:c1" becomes the transient scope jrtest-c1.scope in the default
# slice (system.slice, or user.slice of the user manager) with
# Delegate=yes and the container's init as its process; memory.max,
# pids.max and cpu.max are unit properties and hold (the container's own
# process runs a fork loop and a memory hog: plain create/start, no exec
# needed); pause/resume/update/ps/exec/kill --all act on the scope's
# cgroup; delete removes the scope; a named slice works; a create that
# fails leaves no scope.
. "$JR_SRC/tests/lib.sh"
. "$JR_SRC/tests/vm/lib-guest-oci.sh"
plan 26
CG=/sys/fs/cgroup
if [ "$JR_MODE" = root ]; then SC="systemctl"; slice=system.slice; else SC="systemctl --user"; slice=user.slice; fi
oci_scratch 90 --systemd-cgroup
wait_for() { # up to 30 s until CMD succeeds
  _i=0
  while [ $_i -lt 300 ]; do "$@" && return 0; sleep 0.1; _i=$((_i + 1)); done
  return 1
}
inactive() { [ "$($SC is-active "$1" 2>/dev/null)" != active ]; }
gone() { [ -z "$(find $CG -type d -name "$1" 2>/dev/null)" ] && inactive "$1"; }
status() { oci state "$1" | grep -o '"status": *"[a-z]*"' | sed 's/.*"\([a-z]*\)"$/\1/'; }
# The container's own process: a fork loop against pids.max, a memory
# hog against memory.max, then it waits.
limits_bundle "$SCRATCH/b" ":jrtest:c1" '["/bin/sh", "-c", "/usr/bin/cgprobe forks 100 3; /usr/bin/cgprobe hog 256; echo hog-status $?; exec /bin/sleep 300"]'
oci create --bundle "$SCRATCH/b" c1 >"$SCRATCH/out" 2>&1; s=$?
is "create --systemd-cgroup: exit 0" "$s" 0
[ $s = 0 ] || echo "# $(cat "$SCRATCH/out")"
pid=$(oci state c1 | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
cgp=$(sed -n 's/^0:://p' "/proc/$pid/cgroup" 2>&1)
echo "# init $pid in $cgp"
like "the init is in the scope jrtest-c1.scope of $slice" "$cgp" "/$slice/jrtest-c1.scope$"
D=$CG$cgp
is "the $JR_MODE manager reports the scope active" "$($SC is-active jrtest-c1.scope 2>&1)" active
is "  Slice=$slice, Delegate=yes" "$($SC show -p Slice -p Delegate --value jrtest-c1.scope 2>&1 | tr '\n' ' ')" "$slice yes "
is "  MemoryMax, TasksMax as unit properties" "$($SC show -p MemoryMax -p TasksMax --value jrtest-c1.scope 2>&1 | tr '\n' ' ')" "33554432 16 "
is "  memory.max, memory.swap.max, pids.max, cpu.max in its cgroup" \
  "$(cat "$D/memory.max" "$D/memory.swap.max" "$D/pids.max" "$D/cpu.max" 2>&1 | tr '\n' ' ')" "33554432 0 16 50000 100000 "
is "  the init is its only process before start" "$(cat "$D/cgroup.procs" 2>&1)" "$pid"

oci start c1; s=$?
is "start: exit 0" "$s" 0
has_hog() { grep -q hog-status "$SCRATCH/out"; }
wait_for has_hog
echo "# $(tr '\n' ' ' < "$SCRATCH/out")"
k=$(sed -n 's/^forks ok \([0-9]*\) failed.*/\1/p' "$SCRATCH/out")
ok "pids.max holds: a fork loop gets at most 14 children (16 - sh - cgprobe), got ${k:-none}" test "${k:-99}" -le 14 -a "${k:-0}" -ge 8
ok "  pids.events counts the refusals" test "$(sed -n 's/^max //p' "$D/pids.events")" -gt 0
like "memory.max holds: a 256M hog under 32M is killed (137)" "$(cat "$SCRATCH/out")" "hog-status 137"
ok "  memory.events counts the OOM kill" test "$(sed -n 's/^oom_kill //p' "$D/memory.events")" -ge 1
is "  the container lives on (the OOM kill stopped one process, not the scope)" "$(status c1):$($SC is-active jrtest-c1.scope 2>&1)" "running:active"

oci pause c1; s=$?
is "pause: the scope's cgroup is frozen" "$s:$(status c1):$(grep frozen "$D/cgroup.events")" "0:paused:frozen 1"
oci resume c1; s=$?
is "resume: running again" "$s:$(status c1)" "0:running"
echo '{"pids": {"limit": 32}, "memory": {"limit": 67108864, "swap": 67108864}}' | oci update --resources - c1; s=$?
is "update: pids.max and memory.max in the cgroup and as unit properties" \
  "$s:$(cat "$D/pids.max" "$D/memory.max" | tr '\n' ' ')$($SC show -p TasksMax -p MemoryMax --value jrtest-c1.scope | tr '\n' ' ')" \
  "0:32 67108864 67108864 32 "
like "ps: the container's processes, the init among them" "$(oci ps --format json c1)" "^\[([0-9]+,)*$pid(,[0-9]+)*\]$"
out=$(oci exec c1 /bin/cat /proc/self/cgroup 2>&1); s=$?
is "exec: runs in the scope's cgroup (its namespace root)" "$s:$out" "0:0::/"

oci kill --all c1 KILL; s=$?
i=0; while [ -s "$D/cgroup.procs" ] && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.1; done
is "kill --all KILL: exit 0, nothing left in the cgroup" "$s:$(cat "$D/cgroup.procs" 2>/dev/null)" "0:"
oci delete c1; s=$?
is "delete: exit 0" "$s" 0
ok "  the scope is gone (no cgroup, not active)" wait_for gone jrtest-c1.scope

# A slice of its own, and delete --force of a running container.
limits_bundle "$SCRATCH/b2" "jrtest.slice:jr:c2" '["/bin/sleep", "300"]'
oci create --bundle "$SCRATCH/b2" c2 >/dev/null 2>&1; s=$?
pid=$(oci state c2 | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
like "cgroupsPath jrtest.slice:jr:c2: jr-c2.scope in jrtest.slice" "$s:$(cat "/proc/$pid/cgroup" 2>&1)" "^0:0::.*/jrtest.slice/jr-c2.scope$"
oci delete --force c2; s=$?
is "  delete --force: exit 0" "$s" 0
ok "  the scope is gone" wait_for gone jr-c2.scope

# A create that fails after the scope started leaves none.
limits_bundle "$SCRATCH/b3" ":jrtest:c3" '["/nonexistent"]'
oci create --bundle "$SCRATCH/b3" c3 >"$SCRATCH/err3" 2>&1; s=$?
like "create of a missing command: 125, the error" "$s:$(cat "$SCRATCH/err3")" "^125:.*/nonexistent"
no_c3() { gone jrtest-c3.scope && [ ! -e "$R/c3" ]; }
ok "  no scope left, no state" wait_for no_c3
done_testing
