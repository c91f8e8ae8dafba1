#!/bin/sh
# slowloris.sh - slowhttptest (slow headers) against jailrun's forwarder
# and egress proxy while a probe keeps sending plain requests: the other
# clients must keep being served, and the forwarder's caps and idle
# timeouts must close the slow connections (slowhttptest's "closed"
# count).  The same attack on jr-benchsrv on host loopback is the control
# (it has no timeout: its slow connections stay open).  Loopback only,
# BENCH_SLOW_SECS (default 60) long, BENCH_SLOW_CONNS (default 500)
# connections.  Run by soak.sh; exits 1 when a check fails.
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"
SECS=${BENCH_SLOW_SECS:-60} CONNS=${BENCH_SLOW_CONNS:-500}
SEC="Slowloris: slowhttptest -H, $CONNS connections, $SECS s"
fail=0
bench_bin

# attack MODE LABEL PORT PID CHECK: slowhttptest + probe; rows; the probe
# must be served throughout; CHECK=1 also requires slow connections closed.
attack() {
  w=$(wdir "$1"); csv=$w/slow-$$-$3
  cpu0=$(awk '{ print $14 + $15 }' "/proc/$4/stat")
  as "$1" slowhttptest -H -c "$CONNS" -r 200 -i 5 -x 24 -p 3 -l "$SECS" -g -o "$csv" \
    -u "http://127.0.0.1:$3/" >> "$LOG" 2>&1 & st=$!
  sleep 3
  pr=$(python3 "$BENCH/loadclient.py" 127.0.0.1 "$3" --probe $((SECS - 6)) 2>&1)
  wait "$st"
  cpu=$(( $(awk '{ print $14 + $15 }' "/proc/$4/stat") - cpu0 ))
  last=$(tail -1 "$csv.csv" 2>/dev/null)   # seconds,closed,pending,connected,available
  closed=$(echo "$last" | cut -d, -f2); conn=$(echo "$last" | cut -d, -f4)
  set -- "$@" $pr
  # $6.. = probe N ok bad max_ms
  row "$SEC" "$1" "$2" "${8:-0}" "probe ok" \
    "probe served ${8:-0}/${7:-?} (slowest ${10:-?} ms); slow connections at the end: ${conn:-?} open, ${closed:-?} closed; CPU $cpu ticks"
  [ "$2" = "direct loopback (control)" ] || [ "${9:-1}" = 0 ] || fail=1
  if [ "$5" = 1 ] && [ "${closed:-0}" = 0 ]; then fail=1; fi
}

for m in root user; do
  p=$(free_port)
  spawn "$m" "$BIN/jr-benchsrv" http "127.0.0.1:$p"; sp=$SPID spj=$JOB
  wait_port "$p" && attack "$m" "direct loopback (control)" "$p" "$sp" 0
  stop "$spj"
  if jr_has_publish; then
    p=$(free_port)
    spawn "$m" "$JAILRUN" --no-net -p "127.0.0.1:$p:8080" -v "$BIN:/workspace:ro" "$ROOTFS" \
      /workspace/jr-benchsrv http 8080 2>> "$LOG"; jp=$SPID jpj=$JOB
    # An L4 forwarder cannot tell a slow HTTP head from a slow client: the
    # check is that the others keep being served; closed ones are reported.
    if wait_port "$p"; then attack "$m" "jailrun -p" "$p" "$jp" 0
    else na "$SEC" "$m" "jailrun -p" "the forwarder did not listen on 127.0.0.1:$p"; fail=1; fi
    stop "$jpj"
  else
    na "$SEC" "$m" "jailrun -p" "$NA_PUBLISH"
  fi
  if jr_has_proxy; then
    # The attack goes through the proxy from inside a jail on the host root
    # (slowhttptest is the host's); meanwhile jr-benchsrv crr, in the same
    # jail, sends one plain request through the proxy every 0.2 s.
    p=$(free_port)
    spawn "$m" "$BIN/jr-benchsrv" http "127.0.0.1:$p"; sp=$SPID spj=$JOB
    wait_port "$p"
    out=$(as "$m" timeout $((SECS + 60)) "$JAILRUN" --net-allow proxy --allow "127.0.0.1:$p" -v "$BIN:/srv:ro" / \
      /bin/sh -c 'px=${HTTP_PROXY#http://}; px=${px%/}
        slowhttptest -H -c "$0" -r 200 -i 5 -x 24 -p 3 -l "$1" -g -o /tmp/slowproxy -d "$px" -u "$2" >/dev/null 2>&1 &
        sleep 3; n=0 ok=0; end=$(( $(date +%s) + $1 - 6 ))
        while [ "$(date +%s)" -lt "$end" ]; do
          n=$((n + 1)); /srv/jr-benchsrv crr env 127.0.0.1 "$3" 1 >/dev/null 2>&1 && ok=$((ok + 1)); sleep 0.2
        done
        wait; echo "probe $n $ok $(tail -1 /tmp/slowproxy.csv)"' \
      "$CONNS" "$SECS" "http://127.0.0.1:$p/" "$p" 2>> "$LOG")
    stop "$spj"
    set -- $out   # probe N OK seconds,closed,pending,connected,available
    row "$SEC" "$m" "jailrun --net-allow proxy" "${3:-0}" "probe ok" \
      "probe served ${3:-0}/${2:-?} through the proxy; slowhttptest's last sample (seconds,closed,pending,connected,available): ${4:-none}"
    [ -n "${2:-}" ] && [ "$2" = "$3" ] && [ "$(echo "${4:-}" | cut -d, -f2)" != 0 ] || fail=1
  else
    na "$SEC" "$m" "jailrun --net-allow proxy" "$NA_PROXY"
  fi
done
exit "$fail"
