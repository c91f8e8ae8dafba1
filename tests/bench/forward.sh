#!/bin/sh
# forward.sh - port forwarding into a network namespace: a 1 GiB transfer
# (jr-benchsrv source -> jr-benchsrv get, MiB/s, median of 3) and HTTP
# requests/s at 1, 50, 200 and 500 connections (wrk against jr-benchsrv
# http; the p99 at 200 is the latency target):
# jailrun -p (when this build has it) against a direct loopback connection,
# socat (fork per connection), slirp4netns and pasta port forwarding, the
# same server binary behind each, root and rootless.  slirp4netns and pasta
# need /dev/net/tun: where the user cannot open it the row says so.
# JR_BENCH_BASE=/path/to/jailrun adds the rows of another build, measured
# in the same run.  Loopback only.  Run by run.sh; rows to RESULTS.
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"
BYTES=1073741824 DUR=5
[ "$QUICK" = 1 ] && BYTES=268435456 DUR=2
SEC_T="Forwarder: $((BYTES >> 20)) MiB transfer (median of 3)"
SEC_1="Forwarder: HTTP requests/s, 1 connection (wrk, ${DUR} s)"
SEC_50="Forwarder: HTTP requests/s, 50 connections (wrk, ${DUR} s)"
SEC_200="Forwarder: HTTP requests/s, 200 connections (wrk, ${DUR} s)"
SEC_500="Forwarder: HTTP requests/s, 500 connections (wrk, ${DUR} s)"
bench_bin
SRV="$BIN/jr-benchsrv http 0.0.0.0:8080 & exec $BIN/jr-benchsrv source 0.0.0.0:8081 $BYTES"

# xfer MODE LABEL BULKPORT [NOTE]: the transfer row, median of 3.
xfer() {
  ts=""
  for k in 1 2 3; do ts="$ts $(as "$1" timeout 120 "$BIN/jr-benchsrv" get 127.0.0.1 "$3" | awk -v b="$BYTES" '$1 == b { print $3 }')"; done
  med=$(echo $ts | tr ' ' '\n' | sort -n | awk '{ v[NR] = $1 } END { if (NR == 3) print v[2] }')
  if [ -n "$med" ]; then row "$SEC_T" "$1" "$2" "$med" "MiB/s" "runs:$ts${4:+; $4}"
  else na "$SEC_T" "$1" "$2" "failed: transfer incomplete (MiB/s:$ts)"; fi
}
# measure MODE LABEL HTTPPORT BULKPORT [NOTE]: every metric through one target.
measure() {
  xfer "$1" "$2" "$4" "${5:-}"
  for c in 1 50 200 500; do
    t=2; [ "$c" = 1 ] && t=1
    out=$(as "$1" timeout $((DUR + 30)) wrk -t$t -c$c -d${DUR}s --latency "http://127.0.0.1:$3/" 2>&1)
    rps=$(printf '%s\n' "$out" | awk '/^Requests\/sec:/ { print $2 }')
    p99=$(printf '%s\n' "$out" | awk '$1 == "99%" { print $2 }')
    errs=$(printf '%s\n' "$out" | grep -E 'Socket errors|Non-2xx' | tr -s ' ' | tr '\n' ' ')
    eval "sec=\$SEC_$c"
    if [ -n "$rps" ]; then row "$sec" "$1" "$2" "$rps" "req/s" "p99 latency $p99${errs:+; $errs}"
    else na "$sec" "$1" "$2" "failed: wrk: $(printf '%s\n' "$out" | tail -1)"; fi
  done
}
# na_all MODE LABEL WHY
na_all() { for s in "$SEC_T" "$SEC_1" "$SEC_50" "$SEC_200" "$SEC_500"; do na "$s" "$1" "$2" "$3"; done; }
# ready PORT: the forward answers HTTP (not just accepts), bounded.
ready() { wait_port "$1" 15 && python3 "$BENCH/loadclient.py" 127.0.0.1 "$1" --probe 0.5 >/dev/null 2>&1; }
# jr_publish MODE JAILRUN LABEL: the servers in a jail behind -p.
jr_publish() {
  h=$(free_port) b=$(free_port)
  spawn "$1" "$2" --no-net -p "127.0.0.1:$h:8080" -p "127.0.0.1:$b:8081" -v "$BIN:/workspace:ro" "$ROOTFS" \
    /bin/sh -c "/workspace/jr-benchsrv http 0.0.0.0:8080 & exec /workspace/jr-benchsrv source 0.0.0.0:8081 $BYTES" 2>> "$LOG"
  j=$JOB
  if ready "$h"; then log "forward: $3, $1"; measure "$1" "$3" "$h" "$b"
  else na_all "$1" "$3" "failed: the forward of 127.0.0.1:$h did not answer (see $LOG)"; fi
  stop "$j"
}
tun_ok() { [ "$1" = root ] || as "$1" sh -c ': <>/dev/net/tun' 2>/dev/null; }

for m in root user; do
  w=$(wdir "$m"); mkdir -p "$w"
  # jailrun -p (and, with JR_BENCH_BASE=/path/to/an/older/jailrun, that
  # build too, side by side in the same run)
  if jr_has_publish; then
    jr_publish "$m" "$JAILRUN" "jailrun -p"
    [ -n "${JR_BENCH_BASE:-}" ] && jr_publish "$m" "$JR_BENCH_BASE" "before: jailrun -p of $JR_BENCH_BASE"
  else
    na_all "$m" "jailrun -p" "$NA_PUBLISH"
  fi
  # direct: the servers on host loopback
  h=$(free_port) b=$(free_port)
  spawn "$m" "$BIN/jr-benchsrv" http "127.0.0.1:$h"; j1=$JOB
  spawn "$m" "$BIN/jr-benchsrv" source "127.0.0.1:$b" "$BYTES"; j2=$JOB
  cc=$(cat /proc/sys/net/ipv4/tcp_congestion_control)
  if ready "$h"; then log "forward: direct, $m"; measure "$m" "direct loopback (no forwarder)" "$h" "$b" "sender's TCP congestion control: $cc (host default)"
  else na_all "$m" "direct loopback (no forwarder)" "failed: jr-benchsrv did not answer"; fi
  # the same sender without pacing: jailrun's forwarder and jails use reno
  # on their local hops, so on a host whose default paces (bbr) this is
  # the baseline that compares like with like
  b2=$(free_port)
  spawn "$m" env JR_BENCH_CC=reno "$BIN/jr-benchsrv" source "127.0.0.1:$b2" "$BYTES"; j5=$JOB
  if wait_port "$b2" 15; then log "forward: direct reno, $m"; xfer "$m" "direct loopback, sender reno (no pacing)" "$b2" "sender's TCP congestion control: reno"
  else na "$SEC_T" "$m" "direct loopback, sender reno (no pacing)" "failed: jr-benchsrv did not listen (see $LOG)"; fi
  stop "$j5"
  # socat in front of the same servers
  sh_=$(free_port) sb=$(free_port)
  spawn "$m" socat "TCP-LISTEN:$sh_,bind=127.0.0.1,reuseaddr,fork,backlog=1024" "TCP:127.0.0.1:$h"; j3=$JOB
  spawn "$m" socat "TCP-LISTEN:$sb,bind=127.0.0.1,reuseaddr,fork,backlog=1024" "TCP:127.0.0.1:$b"; j4=$JOB
  if ready "$sh_"; then log "forward: socat, $m"; measure "$m" "socat (fork per connection)" "$sh_" "$sb"
  else na_all "$m" "socat (fork per connection)" "failed: socat did not answer"; fi
  stop "$j3"; stop "$j4"; stop "$j1"; stop "$j2"
  # slirp4netns: servers in a new network namespace, forwards added over its API
  if tun_ok "$m"; then
    if [ "$m" = root ]; then spawn "$m" unshare -n sh -c "$SRV"
    else spawn "$m" unshare -Urn sh -c "$SRV"; fi
    j1=$JOB nsp=$SPID
    sock=$w/slirp.sock; rm -f "$sock"
    spawn "$m" slirp4netns --configure --mtu=65520 --disable-host-loopback --api-socket "$sock" "$nsp" tap0 >> "$LOG" 2>&1; j2=$JOB
    h=$(free_port) b=$(free_port); i=0
    while [ ! -S "$sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    for pp in "$h:8080" "$b:8081"; do
      printf '{"execute":"add_hostfwd","arguments":{"proto":"tcp","host_addr":"127.0.0.1","host_port":%s,"guest_port":%s}}' \
        "${pp%:*}" "${pp#*:}" | as "$m" socat - "UNIX-CONNECT:$sock" >> "$LOG" 2>&1
    done
    if ready "$h"; then log "forward: slirp4netns, $m"; measure "$m" "slirp4netns" "$h" "$b"
    else na_all "$m" "slirp4netns" "failed: slirp4netns did not forward (see $LOG)"; fi
    stop "$j2"; stop "$j1"
    # pasta (passt): it runs the servers in its own namespaces
    h=$(free_port) b=$(free_port)
    ra=""; [ "$m" = root ] && ra="--runas 0"
    spawn "$m" pasta -f $ra --config-net -t "127.0.0.1/$h:8080" -t "127.0.0.1/$b:8081" -- sh -c "$SRV" >> "$LOG" 2>&1; j1=$JOB
    if ready "$h"; then log "forward: pasta, $m"; measure "$m" "pasta" "$h" "$b"
    else na_all "$m" "pasta" "failed: pasta did not forward (see $LOG)"; fi
    stop "$j1"
  else
    why="not available on this host: $BENCH_USER cannot open /dev/net/tun ($(stat -c %A /dev/net/tun 2>/dev/null || echo missing))"
    na_all "$m" "slirp4netns" "$why"; na_all "$m" "pasta" "$why"
  fi
done
exit 0
