#!/bin/sh
# cgroup.sh - cgroup limits on the build machine (root and rootless).  On
# a hybrid host (memory/pids/cpu bound to cgroup v1) a limit is an error
# (125) naming the controller and the fix, or with --limits best-effort a
# warning; on a unified host root enforces and an undelegated user gets
# the error.  Without limit flags root still gets a cgroup (accounting,
# clean kill), a user without delegation runs silently without one.
# Nothing is left behind, also after SIGKILL of the supervisor.
# Enforcement itself (OOM, fork bomb, cpu share) is proven in tests/vm.
. "$JR_SRC/tests/lib.sh"
plan 22
P=/usr/bin/probe
M=$(grep ' - cgroup2 ' /proc/self/mountinfo | awk '{ print $5; exit }')
hybrid=no
grep -qw memory "$M/cgroup.controllers" 2>/dev/null || hybrid=yes
echo "# cgroup2 at $M, controllers: $(cat "$M/cgroup.controllers" 2>/dev/null), hybrid: $hybrid"

# stale: jailrun cgroups under $M whose supervisor is dead
stale() {
  find "$M" -maxdepth 4 -type d -name 'jailrun-[0-9]*' 2>/dev/null | while read -r d; do
    pid=$(basename "$d" | cut -d- -f2)
    [ -d "/proc/$pid" ] || echo "$d"
  done
}
mine() { find "$M" -maxdepth 4 -type d -name "jailrun-$1-*" 2>/dev/null | head -n 1; }
has_mine() { [ -n "$(mine "$1")" ]; }

# A limit that cannot be enforced: 125 with the controller and the fix.
out=$(jr --no-net --memory 64m "$ROOTFS" $P exit 0 2>&1); rc=$?
if [ "$hybrid" = no ] && [ "$JR_MODE" = root ]; then
  is "unified host, root: --memory is enforced, the command runs" "$rc" 0
  is "unified host, root: no message" "$out" ""
else
  is "--memory without a usable memory controller: exit 125" "$rc" 125
  if [ "$hybrid" = yes ]; then
    like "the message names the controller, the hierarchy and the fix" "$out" \
      "^jailrun: cgroup: --memory cannot be enforced: the memory controller is not in the cgroup v2 hierarchy at $M .*unified cgroups.*drop --memory"
  else
    like "the message names the controller and the fix" "$out" \
      "^jailrun: cgroup: --memory cannot be enforced: memory controller: no cgroup delegated .*systemd-run --user -p Delegate=yes --scope"
  fi
fi
out=$(jr --no-net --cpus 0.5 --pids-limit 32 "$ROOTFS" $P exit 0 2>&1); rc=$?
if [ "$hybrid" = no ] && [ "$JR_MODE" = root ]; then
  is "unified host, root: --cpus --pids-limit run" "$rc" 0
else
  like "--cpus and --pids-limit: both named" "$rc $out" "^125 jailrun: cgroup: --cpus, --pids-limit cannot be enforced"
fi
[ "$JR_MODE" = user ] && like "rootless: the fix names systemd-run delegation" "$out" "systemd-run --user -p Delegate=yes --scope"
[ "$JR_MODE" = root ] && is "root: the fix does not send root to systemd-run --user" "$(printf '%s' "$out" | grep -c 'Delegate=yes')" 0

# best-effort: runs, and says what is and is not enforced.
out=$(jr --no-net --memory 64m --pids-limit 32 --limits best-effort "$ROOTFS" $P exit 7 2>&1); rc=$?
is "best-effort: the command runs" "$rc" 7
if [ "$hybrid" = no ] && [ "$JR_MODE" = root ]; then
  unlike "best-effort, all enforced: no warning" "$out" "warning"
else
  like "best-effort: one warning line listing what is not enforced" "$out" \
    "^jailrun: warning: limits best-effort: enforced: none; NOT enforced: memory, pids \("
fi

# Bad values: 125 before anything runs.
for bad in "--memory 12q" "--memory 100k" "--cpus 0" "--cpus abc" "--pids-limit 0" "--pids-limit 1.5" "--limits maybe"; do
  out=$(jr --no-net $bad "$ROOTFS" $P exit 0 2>&1); rc=$?
  [ "$rc" = 125 ] && printf '%s' "$out" | grep -q "^jailrun: --" || { echo "# $bad: $rc $out"; bad_fail=1; }
done
is "bad limit values: 125 with a message naming the flag" "${bad_fail:-0}" 0

# Without limit flags: a cgroup as root (the command is cloned into it),
# silently none for a user without delegation.
"$JAILRUN" --no-net "$ROOTFS" $P sleep 3 >/dev/null 2>"${TMPDIR:-/tmp}/jr-cg-err.$$" & sup=$!
if [ "$JR_MODE" = root ]; then
  wait_for has_mine $sup
  d=$(mine $sup)
  ok "root: the jail has its own cgroup under $M/jailrun" test "${d%/*}" = "$M/jailrun"
  ok "root: the command was cloned into it" wait_for grep -q . "$d/cgroup.procs"
else
  sleep 1
  is "rootless without delegation: no cgroup made" "$(mine $sup)" ""
  ok "rootless without delegation: the jail still runs" kill -0 $sup
fi
wait $sup; rc=$?
is "no limit flags: exit 0, nothing on stderr" "$rc $(cat "${TMPDIR:-/tmp}/jr-cg-err.$$")" "0 "
rm -f "${TMPDIR:-/tmp}/jr-cg-err.$$"
out=$(jr --no-net --stats "$ROOTFS" $P exit 0 2>&1)
if [ "$JR_MODE" = root ]; then
  like "--stats: CPU time from cpu.stat" "$out" "^jailrun: stats: memory peak [^,]+, cpu [0-9]+\.[0-9]{3}s, tasks peak"
else
  like "--stats without a cgroup: says so" "$out" "^jailrun: stats: not available"
fi

# --cgroup-parent: must exist; as root the jail's cgroup goes below it and
# only the jail's own cgroup is removed; rootless it must be writable.
out=$(jr --no-net --cgroup-parent /jailrun-no-such-parent "$ROOTFS" $P exit 0 2>&1); rc=$?
like "--cgroup-parent missing: 125, says to create it" "$rc $out" "^125 jailrun: --cgroup-parent /jailrun-no-such-parent: $M/jailrun-no-such-parent is not a cgroup \(create it first"
if [ "$JR_MODE" = root ]; then
  mkdir "$M/jrtest-parent-$$"
  "$JAILRUN" --no-net --cgroup-parent "/jrtest-parent-$$" "$ROOTFS" $P sleep 2 >/dev/null 2>&1 & sup=$!
  wait_for has_mine $sup
  d=$(mine $sup)
  wait $sup
  ok "root --cgroup-parent: the jail's cgroup was below it and is gone, the parent stays" \
    test "${d%/*}" = "$M/jrtest-parent-$$" -a ! -d "$d" -a -d "$M/jrtest-parent-$$"
  rmdir "$M/jrtest-parent-$$"
else
  out=$(jr --no-net --cgroup-parent / "$ROOTFS" $P exit 0 2>&1); rc=$?
  like "rootless --cgroup-parent not writable: 125" "$rc $out" "^125 jailrun: cgroup $M: mkdir: Permission denied"
fi

# SIGKILL of the supervisor: the jail dies with it, the next start removes
# its cgroup.
"$JAILRUN" --no-net "$ROOTFS" $P sleep 30 >/dev/null 2>&1 & sup=$!
sleep 1
d=$(mine $sup)
init=$(pgrep -P $sup)
cmd=$(pgrep -P "${init:-0}")
kill -KILL $sup
wait $sup 2>/dev/null
gone() { ! kill -0 "${init:-0}" 2>/dev/null && ! kill -0 "${cmd:-0}" 2>/dev/null; }
ok "after SIGKILL the jail's init (${init:-none}) and command (${cmd:-none}) are gone" test -n "$init" -a -n "$cmd" && wait_for gone
jr --no-net "$ROOTFS" $P exit 0
if [ "$JR_MODE" = root ]; then
  ok "the next start removed the stale cgroup ${d:-(none seen)}" test -n "$d" -a ! -d "$d"
else
  is "rootless: no cgroup was made" "$d" ""
fi
# --cgroup-manager: without a systemd manager for the caller (this build
# host's pid 1 is not systemd) auto falls back to cgroupfs and check says
# why; systemd is refused (125) naming the cause and the fix.  The systemd
# side itself is proven in tests/vm (systemd tier).
if [ "$JR_MODE" = root ]; then sock=/run/systemd/private; who=system; else sock=${XDG_RUNTIME_DIR:-/run/user/$(id -u)}/systemd/private; who=user; fi
if [ -S "$sock" ]; then
  like "check: a $who manager answers at $sock: systemd" "$("$JAILRUN" check 2>&1)" "cgroup manager +systemd: a transient scope from the $who manager"
else
  like "check: no $who manager: cgroupfs, and why" "$("$JAILRUN" check 2>&1)" "ok +cgroup manager +cgroupfs \\(no systemd $who manager is reachable for uid $(id -u) \\($sock: No such file"
fi
out=$(jr --no-net --cgroup-manager systemd "$ROOTFS" $P exit 0 2>&1); rc=$?
if [ -S "$sock" ]; then is "--cgroup-manager systemd with a $who manager: runs" "$rc" 0; else
like "--cgroup-manager systemd without a manager: 125, the cause and the fix" "$rc $out" \
  "^125 jailrun: --cgroup-manager systemd: no systemd $who manager is reachable for uid $(id -u) .*or use --cgroup-manager cgroupfs$"; fi
is "--cgroup-manager cgroupfs: runs" "$(jr --no-net --cgroup-manager cgroupfs "$ROOTFS" $P exit 0 2>&1; echo $?)" 0
is "--cgroup-manager auto: runs" "$(jr --no-net --cgroup-manager auto "$ROOTFS" $P exit 0 2>&1; echo $?)" 0
out=$(jr --no-net --cgroup-manager bogus "$ROOTFS" $P exit 0 2>&1); rc=$?
like "--cgroup-manager bogus: 125" "$rc $out" "^125 jailrun: --cgroup-manager: give auto, systemd or cgroupfs$"
out=$(jr --no-net --cgroup-manager systemd --cgroup-parent /x "$ROOTFS" $P exit 0 2>&1); rc=$?
like "--cgroup-manager systemd with --cgroup-parent: 125" "$rc $out" \
  "^125 jailrun: --cgroup-parent /x: a cgroupfs path goes with --cgroup-manager cgroupfs, not systemd$"
is "no stale jailrun cgroup left under $M" "$(stale | wc -l)" 0
done_testing
