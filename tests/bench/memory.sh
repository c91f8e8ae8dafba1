#!/bin/sh
# memory.sh - what a runtime keeps resident besides the jailed command:
# PSS (and VmRSS) summed over the runtime's process tree, the command
# (sleep) left out.  Idle: jailrun --no-net (supervisor + init) against bwrap (outer +
# pid-1 bwrap), unshare -f and runc run (foreground).  With 500 connections
# held open through a port forward: jailrun -p (supervisor + init, the
# jailed server left out) against socat (a process per connection), when
# this build has -p.  Root and rootless.  Run by run.sh; rows to RESULTS.
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"
SEC="Memory of the runtime, idle (PSS; command: sleep)"
SEC2="Memory of the forwarder with 500 connections open (PSS)"
bench_bin

# rss_of MODE LABEL SKIP CMD...: start CMD, wait until a SKIP process is in
# its tree, add a row with the tree's RSS without SKIP processes.
rss_of() {
  m=$1 label=$2 skip=$3; shift 3
  spawn "$m" "$@"
  i=0
  while [ $i -lt 100 ]; do
    set -- $(tree_rss "$SPID" "$skip")
    [ "$3" -gt 0 ] && break
    sleep 0.05; i=$((i + 1))
  done
  sleep 0.5
  set -- $(tree_rss "$SPID" "$skip")
  if [ "$3" -gt 0 ]; then row "$SEC" "$m" "$label" "$4" KiB "RSS $1 KiB; $2 runtime processes summed, the command left out"
  else na "$SEC" "$m" "$label" "failed: no $skip process appeared under $label"; fi
  stop "$JOB"
}

for m in root user; do
  w=$(wdir "$m"); mkdir -p "$w"
  rss_of "$m" "jailrun --no-net" sleep "$JAILRUN" --no-net "$ROOTFS" /bin/sleep 600
  rss_of "$m" "bwrap --unshare-all" sleep bwrap --unshare-all --ro-bind "$ROOTFS" / --proc /proc --dev /dev --tmpfs /tmp /bin/sleep 600
  rss_of "$m" "unshare -Urpfnmiu --mount-proc" sleep unshare -Urpfnmiu --mount-proc sleep 600
  if mkbundle "$w/bundle-sleep" "$m" /bin/sleep 600 >> "$LOG" 2>&1 && chown -R "$(as "$m" id -u)" "$w/bundle-sleep"; then
    as "$m" runc --root "$w/runc" delete -f jrbench-mem >/dev/null 2>&1
    rss_of "$m" "runc run" sleep runc --root "$w/runc" run -b "$w/bundle-sleep" jrbench-mem
    as "$m" runc --root "$w/runc" delete -f jrbench-mem >/dev/null 2>&1
  fi
done

# with_conns MODE LABEL PORT JOB SKIP: hold 500 connections, then the RSS
# of the tree of JOB without SKIP processes.
with_conns() {
  python3 "$BENCH/loadclient.py" 127.0.0.1 "$3" --hold 500 --hold-secs 12 > "$WORK/hold.$$" 2>&1 & hp=$!
  sleep 8
  kb=$(tree_rss "$4" "$5")
  wait "$hp"
  row "$SEC2" "$1" "$2" "$(echo "$kb" | cut -d' ' -f4)" KiB "RSS ${kb%% *} KiB; $(echo "$kb" | cut -d' ' -f2) processes; $(cut -d' ' -f3,4 "$WORK/hold.$$" | awk '{ print $1 " connected, " $2 " echoed" }'); $5 left out"
}
for m in root user; do
  if jr_has_publish; then
    p=$(free_port)
    spawn "$m" "$JAILRUN" --no-net -p "127.0.0.1:$p:8080" -v "$BIN:/workspace:ro" "$ROOTFS" \
      /workspace/jr-benchsrv echo 8080 2>> "$LOG"
    if wait_port "$p"; then with_conns "$m" "jailrun -p" "$p" "$SPID" jr-benchsrv
    else na "$SEC2" "$m" "jailrun -p" "the forwarder did not listen on 127.0.0.1:$p"; fi
    stop "$JOB"
  else
    na "$SEC2" "$m" "jailrun -p" "$NA_PUBLISH"
  fi
  p=$(free_port) q=$(free_port)
  spawn "$m" "$BIN/jr-benchsrv" echo "127.0.0.1:$q"; sj=$JOB
  spawn "$m" socat "TCP-LISTEN:$p,bind=127.0.0.1,reuseaddr,fork,backlog=1024" "TCP:127.0.0.1:$q"
  wait_port "$p" && with_conns "$m" "socat (fork per connection)" "$p" "$SPID" jr-benchsrv
  stop "$JOB"; stop "$sj"
done
rm -f "$WORK/hold.$$"
exit 0
