#!/bin/sh
# fdlimit.sh - fd exhaustion: the supervisor runs with RLIMIT_NOFILE 64
# (prlimit --pid once it listens) and gets 300 connections at once through -p.  It must refuse
# the excess, not spin (CPU time over 5 s of saturation stays under 1 s),
# and recover: once they close, 50 sha256-checked connections all pass.
# jr-benchsrv under the same limit is the control (reported, not checked:
# a plain level-triggered accept loop is the textbook spinner).  Loopback
# only; run by soak.sh; exits 1 when a check fails.
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"
LIMIT=64 HOLD=300
SEC="fd exhaustion: RLIMIT_NOFILE $LIMIT, $HOLD connections held"
fail=0
bench_bin
hz=$(getconf CLK_TCK)

# exhaust MODE LABEL PORT PID CHECK
exhaust() {
  python3 "$BENCH/loadclient.py" 127.0.0.1 "$3" --hold "$HOLD" --hold-secs 12 > "$WORK/hold.$$" 2>&1 & hp=$!
  sleep 4
  cpu0=$(awk '{ print $14 + $15 }' "/proc/$4/stat")
  sleep 5
  cpu=$(( $(awk '{ print $14 + $15 }' "/proc/$4/stat") - cpu0 ))
  wait "$hp"
  set -- "$@" $(cat "$WORK/hold.$$")
  # $6.. = hold N connected echoed
  rec=$(python3 "$BENCH/loadclient.py" 127.0.0.1 "$3" --sequential 50 --wait 10 2>&1 | awk '$1 == "sequential" { print $3 }')
  row "$SEC" "$1" "$2" "$(echo "$cpu $hz" | awk '{ printf "%.2f", $1 / $2 }')" "s CPU in 5 s" \
    "held ${8:-?} of $HOLD connected, ${9:-?} echoed; after they closed ${rec:-0}/50 sha256-checked connections passed"
  if [ "$5" = 1 ]; then
    [ "$cpu" -lt "$hz" ] && [ "${rec:-0}" = 50 ] && [ "${9:-$HOLD}" -lt "$HOLD" ] || fail=1
  fi
}

for m in root user; do
  p=$(free_port)
  spawn "$m" prlimit --nofile=$LIMIT:$LIMIT "$BIN/jr-benchsrv" echo "127.0.0.1:$p"; sp=$SPID spj=$JOB
  wait_port "$p" && exhaust "$m" "jr-benchsrv (control, no EMFILE handling)" "$p" "$sp" 0
  stop "$spj"
  if ! jr_has_publish; then na "$SEC" "$m" "jailrun -p" "$NA_PUBLISH"; continue; fi
  p=$(free_port)
  # Only the supervisor gets the low limit (prlimit on its pid, from root),
  # not the jailed server.
  spawn "$m" "$JAILRUN" --no-net -p "127.0.0.1:$p:8080" -v "$BIN:/workspace:ro" \
    "$ROOTFS" /workspace/jr-benchsrv echo 8080 2>> "$LOG"; jp=$SPID jpj=$JOB
  if ! wait_port "$p"; then na "$SEC" "$m" "jailrun -p" "the forwarder did not listen on 127.0.0.1:$p"; fail=1
  elif ! prlimit --pid "$jp" --nofile=$LIMIT:$LIMIT 2>> "$LOG" && ! as "$m" prlimit --pid "$jp" --nofile=$LIMIT:$LIMIT 2>> "$LOG"; then
    na "$SEC" "$m" "jailrun -p" "cannot lower the supervisor's RLIMIT_NOFILE from outside (prlimit --pid $jp, as root and as $m: see $LOG)"; fail=1
  else exhaust "$m" "jailrun -p" "$p" "$jp" 1; fi
  stop "$jpj"
done
rm -f "$WORK/hold.$$"
exit "$fail"
