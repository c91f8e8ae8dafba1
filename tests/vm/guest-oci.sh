#!/bin/sh
# guest-oci.sh - jailrun-oci's cgroup v2 in the VM tier's guest (pure
# cgroup v2, memory pids cpu enabled), as root and as the user jrtest in
# its delegated cgroup $JR_DELEG: a bundle over the guest's test rootfs
# with memory and pids limits goes through create/start/state/exec/pause/
# resume/update/kill/delete; the limits are what was asked and hold (a
# fork loop stops at pids.max, a memory hog is OOM-killed), the frozen
# state shows in `state`, update changes memory.max and pids.max, and
# delete leaves no cgroup.
. "$JR_SRC/tests/lib.sh"
. "$JR_SRC/tests/vm/lib-guest-oci.sh"
plan 20
CG=/sys/fs/cgroup
oci_scratch 60
if [ "$JR_MODE" = root ]; then
  CGP=/oci-test/c1
else # below the delegated cgroup (its processes are in jailrun's leaf by now)
  CGP=${JR_DELEG#$CG}/oci-test/c1
fi
D=$CG$CGP
limits_bundle "$SCRATCH/b" "$CGP" '["/bin/sleep", "300"]'

oci create --bundle "$SCRATCH/b" c1; s=$?
is "create with memory, pids and cpu limits: exit 0" "$s" 0
pid=$(oci state c1 | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
is "the init is in the cgroup $CGP" "$(cat "$D/cgroup.procs" 2>&1)" "$pid"
is "memory.max, memory.swap.max, pids.max, cpu.max are what was asked" \
  "$(cat "$D/memory.max" "$D/memory.swap.max" "$D/pids.max" "$D/cpu.max" 2>&1 | tr '\n' ' ')" "33554432 0 16 50000 100000 "
oci start c1
like "state: running" "$(oci state c1)" '"status": ?"running"'

# pids.max holds: a fork loop inside stops at it (init + cgprobe + 14)
out=$(oci exec c1 /usr/bin/cgprobe forks 100 3 2>&1)
echo "# $out"
k=$(printf '%s\n' "$out" | sed -n 's/^forks ok \([0-9]*\) failed.*/\1/p')
ok "a fork loop stops at pids.max: at most 14 children, got ${k:-none}" test "${k:-99}" -le 14 -a "${k:-0}" -ge 8
like "  the other forks failed" "$out" "failed (8[6-9]|9[0-2])"
ok "  pids.events counts the refusals" test "$(sed -n 's/^max //p' "$D/pids.events")" -gt 0

# memory.max holds: a hog is OOM-killed in the container's cgroup
oci exec c1 /usr/bin/cgprobe hog 256 >"$SCRATCH/hog" 2>&1; s=$?
is "a 256M hog under memory.max 32M: killed (137)" "$s" 137
unlike "  it never got its 256M" "$(cat "$SCRATCH/hog")" "hog done"
ok "  memory.events counts the OOM kill" test "$(sed -n 's/^oom_kill //p' "$D/memory.events")" -ge 1

# pause/resume through cgroup.freeze
oci pause c1; s=$?
is "pause: exit 0, state paused" "$s:$(oci state c1 | grep -o '"status": *"[a-z]*"' | tr -d ' ')" '0:"status":"paused"'
is "  the kernel says frozen" "$(grep frozen "$D/cgroup.events")" "frozen 1"
oci resume c1; s=$?
is "resume: exit 0, state running" "$s:$(oci state c1 | grep -o '"status": *"[a-z]*"' | tr -d ' ')" '0:"status":"running"'

# update: new limits in the live cgroup
echo '{"memory": {"limit": 67108864, "swap": 67108864}, "pids": {"limit": 32}}' > "$SCRATCH/res.json"
oci update --resources "$SCRATCH/res.json" c1; s=$?
is "update --resources FILE: memory.max and pids.max changed" "$s:$(cat "$D/memory.max" "$D/pids.max" | tr '\n' ' ')" "0:67108864 32 "
echo '{"pids": {"limit": -1}}' | oci update --resources - c1; s=$?
is "update --resources -: pids.limit -1 is max again" "$s:$(cat "$D/pids.max")" "0:max"
echo '{"hugepageLimits": [{"pageSize": "2MB", "limit": 1}]}' | oci update --resources - c1 2>"$SCRATCH/err"; s=$?
like "update with a limit v2 cannot enforce: refused, naming it" "$s:$(cat "$SCRATCH/err")" "^125:.*--resources.hugepageLimits: cannot be enforced"

# kill --all, delete: nothing left
oci exec -d c1 /bin/sleep 200
oci kill --all c1 KILL; s=$?
is "kill --all KILL: exit 0" "$s" 0
i=0; while [ -s "$D/cgroup.procs" ] && [ $i -lt 50 ]; do i=$((i + 1)); sleep 0.1; done
is "  every process of the cgroup is gone" "$(cat "$D/cgroup.procs" 2>&1)" ""
oci delete c1; s=$?
is "delete: exit 0" "$s" 0
ok "  the cgroup and the parent create made are gone" test ! -e "$D" -a ! -e "${D%/c1}"
done_testing
