#!/bin/sh
# load.sh - 10,000 sequential and 1,000 concurrent sha256-checked
# connections through jailrun's forwarder (-p 127.0.0.1:H:8080) to
# jr-benchsrv's echo server in the jail, as root and rootless: no byte lost
# or reordered, and the supervisor's fd count back to its start value.  The
# same load against the echo server on host loopback is the control (it
# proves the client and server right).  Loopback only.  Run by soak.sh;
# exits 1 when a check fails.  BENCH_LOAD_SEQ / BENCH_LOAD_CONC override
# the counts.
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"
SEQ=${BENCH_LOAD_SEQ:-10000} CONC=${BENCH_LOAD_CONC:-1000}
SEC="Load: $SEQ sequential + $CONC concurrent sha256-checked connections (16 KiB each way)"
fail=0
bench_bin

# load_rows MODE LABEL PORT PID: run the client, add rows, check.
load_rows() {
  fd0=$(ls "/proc/$4/fd" 2>/dev/null | wc -l)
  out=$(timeout -k 5 900 python3 "$BENCH/loadclient.py" 127.0.0.1 "$3" --sequential "$SEQ" --concurrent "$CONC" 2>&1)
  rc=$?
  echo "$out" >> "$LOG"
  sleep 2   # let the forwarder close what the peers closed
  fd1=$(ls "/proc/$4/fd" 2>/dev/null | wc -l)
  set -- "$1" "$2" "$(printf '%s\n' "$out" | awk '$1 == "sequential"')" "$(printf '%s\n' "$out" | awk '$1 == "concurrent"')"
  if [ -z "$3" ]; then na "$SEC" "$1" "$2" "failed: $(printf '%s\n' "$out" | tail -1)"; fail=1; return; fi
  set -- "$1" "$2" $3 $4
  # $3.. = sequential N ok bad secs concurrent N ok bad secs
  row "$SEC" "$1" "$2" "$(echo "$7 ${12:-0}" | awk '{ printf "%.2f", $1 + $2 }')" s \
    "sequential ok $5/$4 in $7 s, concurrent ok ${10:-0}/${9:-0} in ${12:-0} s; fds of the supervisor (control: of the server) $fd0 → $fd1"
  [ "$rc" = 0 ] && [ "$6" = 0 ] && [ "${11:-1}" = 0 ] && [ "$fd0" = "$fd1" ] || fail=1
}

for m in root user; do
  p=$(free_port)
  spawn "$m" "$BIN/jr-benchsrv" echo "127.0.0.1:$p"; sp=$SPID spj=$JOB
  wait_port "$p" && load_rows "$m" "direct loopback (control)" "$p" "$sp"
  stop "$spj"
  if ! jr_has_publish; then na "$SEC" "$m" "jailrun -p" "$NA_PUBLISH"; continue; fi
  p=$(free_port)
  spawn "$m" "$JAILRUN" --no-net -p "127.0.0.1:$p:8080" -v "$BIN:/workspace:ro" "$ROOTFS" \
    /workspace/jr-benchsrv echo 8080 2>> "$LOG"; jp=$SPID jpj=$JOB
  if wait_port "$p"; then load_rows "$m" "jailrun -p" "$p" "$jp"
  else na "$SEC" "$m" "jailrun -p" "the forwarder did not listen on 127.0.0.1:$p"; fail=1; fi
  stop "$jpj"
done
exit "$fail"
