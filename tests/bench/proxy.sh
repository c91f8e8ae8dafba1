#!/bin/sh
# proxy.sh - the egress proxy: CONNECT throughput (a 1 GiB transfer from
# jr-benchsrv source through the tunnel, median of 3) and the time of one
# request (new connection, CONNECT, one GET, close; median and p99 of
# 1,000 in a row), jailrun --net-allow proxy --allow 127.0.0.1:PORT (the
# client in the jail, through its HTTPS_PROXY; when this build has it)
# against tinyproxy with the same allowlist (Filter, FilterDefaultDeny,
# ConnectPort) and against no proxy at all (the added latency is the
# difference).  Root and rootless.  Loopback only.  Run by run.sh.
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"
BYTES=1073741824 NRR=1000
[ "$QUICK" = 1 ] && BYTES=268435456 NRR=300
SEC_T="Egress proxy: CONNECT $((BYTES >> 20)) MiB transfer (median of 3)"
SEC_L="Egress proxy: one request (connect, CONNECT, GET, close), median of $NRR"
bench_bin

# transfer MODE LABEL CMD...: three transfers, the median MiB/s row.
transfer() {
  m=$1 label=$2; shift 2
  ts=""
  for k in 1 2 3; do ts="$ts $(as "$m" timeout 300 "$@" 2>> "$LOG" | awk -v b="$BYTES" '$1 == b { print $3 }')"; done
  med=$(echo $ts | tr ' ' '\n' | sort -n | awk '{ v[NR] = $1 } END { if (NR == 3) print v[2] }')
  if [ -n "$med" ]; then row "$SEC_T" "$m" "$label" "$med" "MiB/s" "runs:$ts"
  else na "$SEC_T" "$m" "$label" "failed: transfer incomplete (MiB/s:$ts; see $LOG)"; fi
}
# latency MODE LABEL CMD...: the crr row (median µs), p99 and the added
# latency over the direct row of this mode in the details.
latency() {
  m=$1 label=$2; shift 2
  out=$(as "$m" timeout 600 "$@" 2>> "$LOG")
  set -- $out
  if [ $# -ge 4 ] && [ "$4" = 0 ]; then
    add=""; [ -n "${direct:-}" ] && add="; +$(( $2 - direct )) µs over no proxy"
    row "$SEC_L" "$m" "$label" "$(echo "$2" | awk '{ printf "%.2f", $1 / 1000 }')" ms "p99 $(echo "$3" | awk '{ printf "%.2f", $1 / 1000 }') ms$add"
    [ "$label" = "no proxy (direct)" ] && direct=$2
  else
    na "$SEC_L" "$m" "$label" "failed: '$out' (see $LOG)"
  fi
}

for m in root user; do
  w=$(wdir "$m"); mkdir -p "$w"
  h=$(free_port) b=$(free_port) tp=$(free_port)
  spawn "$m" "$BIN/jr-benchsrv" http "127.0.0.1:$h"; j1=$JOB
  spawn "$m" "$BIN/jr-benchsrv" source "127.0.0.1:$b" "$BYTES"; j2=$JOB
  printf '^127\\.0\\.0\\.1$\n' > "$w/tinyproxy.filter"
  cat > "$w/tinyproxy.conf" <<EOF
Port $tp
Listen 127.0.0.1
Timeout 600
MaxClients 1000
Allow 127.0.0.1
ConnectPort $h
ConnectPort $b
Filter "$w/tinyproxy.filter"
FilterType ere
FilterDefaultDeny Yes
LogLevel Error
EOF
  chmod a+r "$w/tinyproxy.conf" "$w/tinyproxy.filter"
  spawn "$m" tinyproxy -d -c "$w/tinyproxy.conf" >> "$LOG" 2>&1; j3=$JOB
  wait_port "$h"; wait_port "$tp"
  log "proxy, $m"
  direct=""
  latency "$m" "no proxy (direct)" "$BIN/jr-benchsrv" crr - 127.0.0.1 "$h" "$NRR"
  if jr_has_proxy; then
    J="$JAILRUN --net-allow proxy --allow 127.0.0.1:$h --allow 127.0.0.1:$b -v $BIN:/workspace:ro $ROOTFS /workspace/jr-benchsrv"
    latency "$m" "jailrun --net-allow proxy" $J crr env 127.0.0.1 "$h" "$NRR"
  else
    na "$SEC_L" "$m" "jailrun --net-allow proxy" "$NA_PROXY"
  fi
  latency "$m" "tinyproxy (same allowlist)" "$BIN/jr-benchsrv" crr "127.0.0.1:$tp" 127.0.0.1 "$h" "$NRR"
  transfer "$m" "no proxy (direct)" "$BIN/jr-benchsrv" cget - 127.0.0.1 "$b"
  if jr_has_proxy; then transfer "$m" "jailrun --net-allow proxy" $J cget env 127.0.0.1 "$b"
  else na "$SEC_T" "$m" "jailrun --net-allow proxy" "$NA_PROXY"; fi
  transfer "$m" "tinyproxy (same allowlist)" "$BIN/jr-benchsrv" cget "127.0.0.1:$tp" 127.0.0.1 "$b"
  # the allowlist holds: a name that is not on it is refused
  if as "$m" "$BIN/jr-benchsrv" crr "127.0.0.1:$tp" localhost "$h" 1 >/dev/null 2>&1; then
    echo "proxy.sh: tinyproxy let localhost through: its allowlist is not the same" >> "$LOG"
  fi
  stop "$j3"; stop "$j1"; stop "$j2"
done
exit 0
