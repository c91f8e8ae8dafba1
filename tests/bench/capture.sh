#!/bin/sh
# capture.sh - jail_capture() of a Python one-liner against the same
# one-liner run directly: `python3 -c 'print(1)'` captured through the
# library (exec-latency-timer --capture, one process calling jail_capture()
# in a loop) in a detached --no-net jail on the host root `/` (the busybox
# bench rootfs has no Python), against posix_spawn of the same command on
# the host (stdout to /dev/null).  Three interleaved rounds; each row is
# the median of the rounds' medians.  /usr/bin/python3 on both sides (a
# python3 earlier in root's PATH may be a wrapper, such as a pyenv shim).
# Root and rootless.  Run by run.sh; rows to RESULTS.
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"
N=$RUNS; [ "$N" -ge 60 ] || N=60
SEC="Capture: python3 -c 'print(1)', median of 3 rounds of $((N / 3))"
TIMER=$JR_BUILD/tests/exec-latency-timer
jname=jrbench-capture-$$
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
capture_jail() { as "$1" "$TIMER" --capture $((N / 3)) "$jname" "$PY" -c 'print(1)'; }
capture_host() { as "$1" "$TIMER" $((N / 3)) "$PY" -c 'print(1)'; }

for m in root user; do
  if ! jr_has_exec || [ ! -x "$TIMER" ]; then
    na "$SEC" "$m" "jail_capture() (library call)" "$NA_EXEC"
    continue
  fi
  if ! as "$m" timeout 30 "$JAILRUN" run -d --name "$jname" --no-net / /bin/sleep 3600 >> "$LOG" 2>&1; then
    na "$SEC" "$m" "jail_capture() (library call)" "failed: jailrun run -d --name $jname --no-net / (see $LOG)"
    continue
  fi
  log "capture, $m"
  rounds3 "$SEC" "$m" "jail_capture() (library call)" capture_jail "python3 on the host (posix_spawn)" capture_host
  as "$m" timeout 30 "$JAILRUN" rm -f "$jname" >> "$LOG" 2>&1
done
exit 0
