#!/bin/sh
# stack.sh - issue 14's figures, from one run, as root and rootless:
#   - `jailrun up -d` of examples/stack (3 services, the model healthy
#     first): median of 5 ups (each followed by a down);
#   - a restart of its model server: `kill -9` of the server inside the
#     jail until its /health answers again (restart: unless-stopped),
#     once per up: median of 5;
#   - start-up of /bin/true on a named network vs the default network vs
#     --no-net: medians of 30 runs, the three interleaved, each timed from
#     the shell (the same fork overhead in every row).
# Loopback and the jails' own networks only.
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"
UP="Stacks: examples/stack up and model restart"
START="Stacks: start-up of /bin/true by network (interleaved)"
NUP=${BENCH_STACK_UPS:-5}
NSTART=${BENCH_STACK_STARTS:-30}
[ "$QUICK" = 1 ] && NUP=3

now_ms() { date +%s%N | awk '{ printf "%.1f", $1 / 1e6 }'; }
# median FILE: the median of the numbers in FILE, one a line.
median() { sort -n "$1" | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# spread FILE: "min A, max B, n=N".
spread() { sort -n "$1" | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "min %s, max %s, n=%d", lo, hi, NR }'; }

# up_and_restart MODE: NUP rounds of up -d, kill the model, wait, down.
up_and_restart() {
  m=$1 w=$(wdir "$1") p=jrbst$$
  rm -rf "$w/stack" && cp -r "$JR_SRC/examples/stack" "$w/stack" || return 1
  port=$(free_port)
  sed -i "s/127.0.0.1:8000:8000/127.0.0.1:$port:8000/" "$w/stack/jailrun.yaml"
  [ "$m" = root ] || chown -R "$BUID:$BGID" "$w/stack"
  chmod -R a+rX "$w/stack"
  : > "$w/up.ms"; : > "$w/restart.ms"
  i=0
  while [ $i -lt "$NUP" ]; do
    i=$((i + 1))
    t0=$(now_ms)
    if ! as "$m" "$JAILRUN" up -d -f "$w/stack/jailrun.yaml" -p "$p" >> "$LOG" 2>&1; then
      log "stack: up failed ($m, round $i)"; as "$m" "$JAILRUN" down -f "$w/stack/jailrun.yaml" -p "$p" >> "$LOG" 2>&1
      continue
    fi
    t1=$(now_ms)
    echo "$t0 $t1" | awk '{ print $2 - $1 }' >> "$w/up.ms"
    t0=$(now_ms)
    as "$m" "$JAILRUN" exec "$p-model" kill -9 2 >> "$LOG" 2>&1
    k=0 ok=0
    while [ $k -lt 600 ]; do
      # The old server may still answer for an instant: serving again means
      # the restart count moved and /health answers.
      if as "$m" "$JAILRUN" inspect -f '{{.State.RestartCount}}' "$p-model" 2>/dev/null | grep -q '^[1-9]' &&
         as "$m" "$JAILRUN" exec "$p-model" python3 /srv/probe.py http://127.0.0.1:8080/health >/dev/null 2>&1; then
        ok=1; break
      fi
      sleep 0.02; k=$((k + 1))
    done
    t1=$(now_ms)
    [ $ok = 1 ] && echo "$t0 $t1" | awk '{ print $2 - $1 }' >> "$w/restart.ms"
    as "$m" "$JAILRUN" down -f "$w/stack/jailrun.yaml" -p "$p" >> "$LOG" 2>&1
  done
  if [ -s "$w/up.ms" ]; then row "$UP" "$m" "jailrun up -d (3 services, model healthy first)" "$(median "$w/up.ms")" ms "$(spread "$w/up.ms")"
  else na "$UP" "$m" "jailrun up -d" "up failed (see $LOG)"; fi
  if [ -s "$w/restart.ms" ]; then row "$UP" "$m" "jailrun: model server kill -9 until /health answers" "$(median "$w/restart.ms")" ms "$(spread "$w/restart.ms")"
  else na "$UP" "$m" "model server restart" "never answered again (see $LOG)"; fi
}

# startups MODE: NSTART rounds of (--no-net, default network, --network).
startups() {
  m=$1 w=$(wdir "$1") net=jrbnet$$
  if ! as "$m" "$JAILRUN" network create "$net" --subnet 10.97.0.0/24 >> "$LOG" 2>&1; then
    na "$START" "$m" "jailrun --network NAME" "network create failed (see $LOG)"; return
  fi
  : > "$w/nonet.ms"; : > "$w/default.ms"; : > "$w/named.ms"
  i=0
  while [ $i -lt "$NSTART" ]; do
    i=$((i + 1))
    for v in nonet default named; do
      case $v in
        nonet) set -- --no-net ;;
        default) set -- ;;
        named) set -- --network "$net" ;;
      esac
      t0=$(now_ms)
      as "$m" "$JAILRUN" "$@" "$ROOTFS" /bin/true >> "$LOG" 2>&1 && t1=$(now_ms) &&
        echo "$t0 $t1" | awk '{ print $2 - $1 }' >> "$w/$v.ms"
    done
  done
  as "$m" "$JAILRUN" network rm "$net" >> "$LOG" 2>&1
  base=$(median "$w/nonet.ms")
  for v in nonet default named; do
    case $v in
      nonet) label="jailrun --no-net" ;;
      default) label="jailrun (default network)" ;;
      named) label="jailrun --network NAME" ;;
    esac
    med=$(median "$w/$v.ms")
    extra="$(spread "$w/$v.ms")"
    [ "$v" != nonet ] && extra="$extra; $(echo "$med $base" | awk '{ printf "%+.1f ms vs --no-net", $1 - $2 }')"
    row "$START" "$m" "$label" "$med" ms "$extra"
  done
}

for m in root user; do
  log "stack: $m"
  up_and_restart "$m"
  startups "$m"
done
