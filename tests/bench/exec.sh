#!/bin/sh
# exec.sh - exec latency into a running jail: `jailrun exec NAME /bin/true`
# into `jailrun run -d --name NAME --no-net ROOTFS sleep` (when this build
# has exec), against `runc exec` into a detached runc container of the
# same rootfs and `nsenter` into an `unshare -Urpfnmiu --mount-proc sleep`
# (user, mount, pid, net, ipc, uts).  Median and p99 over at least 200
# execs, root and rootless.  Run by run.sh; rows to RESULTS.
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"
N=$RUNS; [ "$N" -ge 200 ] || N=200
SEC="Exec latency: /bin/true into a running jail (hyperfine, $N runs)"
jname=jrbench-exec-$$

# The pid of the sleep that unshare forked (its pid 1), bounded wait.
sleep_child() {
  i=0; while [ $i -lt 100 ]; do
    c=$(pgrep -P "$1" -x sleep | head -1); [ -n "$c" ] && { echo "$c"; return 0; }
    sleep 0.05; i=$((i + 1))
  done
  return 1
}

# api_rows MODE: jail_exec() from a linked program (exec-latency-timer
# --api) against posix_spawn of /bin/true on the host, in three
# interleaved rounds; each row is the median of the rounds' medians.
TIMER=$JR_BUILD/tests/exec-latency-timer
api_jail() { as "$1" "$TIMER" --api $((N / 3)) "$jname"; }
api_host() { as "$1" "$TIMER" $((N / 3)) /bin/true; }
api_rows() {
  if ! jr_has_exec || [ ! -x "$TIMER" ]; then
    na "$SEC" "$1" "jail_exec() (library call)" "$NA_EXEC"; return
  fi
  rounds3 "$SEC" "$1" "jail_exec() (library call)" api_jail "/bin/true on the host (posix_spawn)" api_host
}

for m in root user; do
  w=$(wdir "$m"); mkdir -p "$w"
  set --
  if jr_has_exec; then
    if as "$m" timeout 30 "$JAILRUN" run -d --name "$jname" --no-net "$ROOTFS" /bin/sleep 3600 >> "$LOG" 2>&1; then
      set -- "jailrun exec" "$JAILRUN exec $jname /bin/true"
    else
      set -- "jailrun exec" "NA:failed: jailrun run -d --name $jname (see $LOG)"
    fi
  else
    set -- "jailrun exec" "NA:$NA_EXEC"
  fi
  # runc: a detached container running sleep.
  ok=0
  if mkbundle "$w/bundle-exec" "$m" /bin/sleep 3600 >> "$LOG" 2>&1 && chown -R "$(as "$m" id -u)" "$w/bundle-exec"; then
    as "$m" runc --root "$w/runc" delete -f "$jname" >/dev/null 2>&1
    as "$m" timeout 30 runc --root "$w/runc" run -d -b "$w/bundle-exec" "$jname" </dev/null >> "$LOG" 2>&1 && ok=1
  fi
  if [ $ok = 1 ]; then set -- "$@" "runc exec" "runc --root $w/runc exec $jname /bin/true"
  else set -- "$@" "runc exec" "NA:failed: runc run -d (see $LOG)"; fi
  # nsenter into the namespaces unshare made.
  spawn "$m" unshare -Urpfnmiu --mount-proc sleep 3600
  uj=$JOB
  if t=$(sleep_child "$SPID"); then
    set -- "$@" "nsenter -U -m -p -n -i -u" "nsenter -t $t -U -m -p -n -i -u --preserve-credentials true"
  else
    set -- "$@" "nsenter -U -m -p -n -i -u" "NA:failed: no sleep under unshare"
  fi
  log "exec, $m"
  hf "$SEC" "$m" "exec-$m" "$N" "$@"
  api_rows "$m"
  if jr_has_exec; then
    as "$m" timeout 30 "$JAILRUN" stop "$jname" >> "$LOG" 2>&1
    as "$m" timeout 30 "$JAILRUN" rm "$jname" >> "$LOG" 2>&1
  fi
  [ $ok = 1 ] && as "$m" runc --root "$w/runc" delete -f "$jname" >> "$LOG" 2>&1
  stop "$uj"
done
exit 0
