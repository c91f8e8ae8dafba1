#!/bin/sh
# proxy.sh - the egress proxy: CONNECT throughput (a 1 GiB transfer from
# jr-benchsrv source through the tunnel, median of 3) and the time of one
# request (new connection, CONNECT, one GET, close; median and p99 of
# 1,000 in a row), jailrun --net-allow proxy --allow 127.0.0.1:PORT (the
# client in the jail, through its HTTPS_PROXY; when this build has it)
# against tinyproxy with the same allowlist (Filter, FilterDefaultDeny,
# ConnectPort) and against no proxy at all (the added latency is the
# difference).  And plain-HTTP requests/s at 50 connections: wrk (in the
# jail for jailrun, on the host for tinyproxy) sends absolute-form GETs
# with keep-alive through the proxy to jr-benchsrv http; jailrun's proxy
# keeps both the client's and the upstream connection for the next
# request, tinyproxy closes both after each answer (wrk counts that as
# socket errors and reconnects); median of 3 interleaved rounds.
# JR_BENCH_BASE=/path/to/jailrun adds that build's row, measured alike.
# Root and rootless.  Loopback only.  Run by run.sh.
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"
BYTES=1073741824 NRR=1000 DUR=5
[ "$QUICK" = 1 ] && BYTES=268435456 NRR=300 DUR=2
SEC_T="Egress proxy: CONNECT $((BYTES >> 20)) MiB transfer (median of 3)"
SEC_L="Egress proxy: one request (connect, CONNECT, GET, close), median of $NRR"
SEC_R="Egress proxy: HTTP requests/s, 50 connections (wrk, ${DUR} s, median of 3)"
bench_bin
# wrk's script: the absolute-form target and its Host (the URL is the proxy).
printf '%s\n' 'function init(args)' '  wrk.path = args[1]' '  wrk.headers["Host"] = args[2]' 'end' \
  > "$BIN/proxy-target.lua" && chmod a+r "$BIN/proxy-target.lua"

# wrk_rps MODE PROXY CMD...: one wrk run at 50 connections through PROXY
# (ADDR:PORT, or "env": wrk runs in the jail CMD and uses $HTTP_PROXY);
# prints "REQ/S P99 ERRS" (ERRS "-" when wrk counted none), or nothing.
wrk_rps() {
  m=$1 purl=$2; shift 2
  wcmd="wrk -t2 -c50 -d${DUR}s --latency -s $BIN/proxy-target.lua"
  if [ "$purl" = env ]; then
    out=$(as "$m" timeout $((DUR + 60)) "$@" /bin/sh -c "$wcmd \"\$HTTP_PROXY\" -- http://127.0.0.1:$h/ 127.0.0.1:$h" 2>&1)
  else
    out=$(as "$m" timeout $((DUR + 60)) $wcmd "http://$purl" -- "http://127.0.0.1:$h/" "127.0.0.1:$h" 2>&1)
  fi
  printf '%s\n' "$out" >> "$LOG"
  printf '%s\n' "$out" | awk '/^Requests\/sec:/ { r = $2 } $1 == "99%" { p = $2 }
    /Socket errors|Non-2xx/ { e = 1 } END { if (r != "") print r, p, (e ? "errs" : "-") }'
}
# rps_rows MODE "LABEL|PROXY|CMD"...: three interleaved rounds over the
# proxies, then a row each: the median req/s, every round's figure.
rps_rows() {
  m=$1; shift
  for k in 1 2 3; do
    i=0
    for spec in "$@"; do
      i=$((i + 1))
      rest=${spec#*|}; purl=${rest%%|*} cmd=${rest#*|}
      r=$(wrk_rps "$m" "$purl" $cmd)
      rps=$(echo "$r" | cut -s -d' ' -f1) p99=$(echo "$r" | cut -s -d' ' -f2)
      eval "rr_$i=\"\${rr_$i:-} ${rps:-fail}\" rp_$i=\"\${rp_$i:-} ${p99:-?}\""
      case $r in *errs) eval "re_$i=1" ;; esac
    done
  done
  i=0
  for spec in "$@"; do
    i=$((i + 1)); lab=${spec%%|*}
    eval "runs=\${rr_$i} p99s=\${rp_$i} err=\${re_$i:-}"
    unset "rr_$i" "rp_$i" "re_$i"
    med=$(echo $runs | tr ' ' '\n' | grep -v fail | sort -n | awk '{ v[NR] = $1 } END { if (NR == 3) print v[2] }')
    note=""; [ -n "$err" ] && note="wrk counted socket errors: the proxy closes after the answer without saying Connection: close"
    if [ -n "$med" ]; then row "$SEC_R" "$m" "$lab" "$med" "req/s" "runs:$runs; p99 latency:$p99s" "$note"
    else na "$SEC_R" "$m" "$lab" "failed: wrk through the proxy (req/s:$runs; see $LOG)"; fi
  done
}
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
  set -- "tinyproxy (same allowlist)|127.0.0.1:$tp|"
  if jr_has_proxy; then
    W="--net-allow proxy --allow 127.0.0.1:$h -v $BIN:$BIN:ro /"
    set -- "jailrun --net-allow proxy|env|$JAILRUN $W" "$@"
    [ -n "${JR_BENCH_BASE:-}" ] && set -- "$@" "jailrun (base build) --net-allow proxy|env|$JR_BENCH_BASE $W"
  else
    na "$SEC_R" "$m" "jailrun --net-allow proxy" "$NA_PROXY"
  fi
  log "proxy requests/s, $m"
  rps_rows "$m" "$@"
  # the allowlist holds: a name that is not on it is refused
  if as "$m" "$BIN/jr-benchsrv" crr "127.0.0.1:$tp" localhost "$h" 1 >/dev/null 2>&1; then
    echo "proxy.sh: tinyproxy let localhost through: its allowlist is not the same" >> "$LOG"
  fi
  stop "$j3"; stop "$j1"; stop "$j2"
done
exit 0
