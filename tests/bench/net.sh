#!/bin/sh
# net.sh - network benchmark (a program, not a timed test): forwarder
# throughput for a 1 GiB transfer against a direct loopback connection and
# socat (and slirp4netns / pasta port forwarding when installed), added
# latency per request at 200 connections, and the extra start-up time of
# the default network over --no-net.  Prints ratios measured in one run.
# Usage: JAILRUN=... ROOTFS=... sh tests/bench/net.sh   (traffic: loopback only)
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
J=${JAILRUN:-$src/build/cmd/jailrun}
R=${ROOTFS:-$src/build/tests/rootfs}
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
BYTES=${BENCH_BYTES:-1073741824}
w=$(mktemp -d "${TMPDIR:-/tmp}/jrbench.XXXXXX"); chmod 755 "$w"
pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$w"; }
trap cleanup EXIT
trap "exit 130" INT TERM PIPE HUP
cc -O2 -pthread -o "$w/tcpbench" "$src/tests/bench/tcpbench.c" || exit 1
port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
waitport() { for i in $(seq 100); do "$w/tcpbench" client 127.0.0.1 "$1" 1 >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }
best() { # best of 3 transfers to port $1, MB/s
  b=0; for i in 1 2 3; do v=$("$w/tcpbench" client 127.0.0.1 "$1" "$BYTES" | cut -d' ' -f1); [ "${v:-0}" -gt "$b" ] && b=$v; done; echo "$b"; }

# throughput
pd=$(port); "$w/tcpbench" server "$pd" & pids="$pids $!"
pj=$(port); "$J" --no-net -p "$pj:9000" -v "$w:/mnt:ro" / /mnt/tcpbench server 9000 & pids="$pids $!"
ps=$(port); socat "TCP-LISTEN:$ps,bind=127.0.0.1,fork,reuseaddr" "TCP:127.0.0.1:$pd" & pids="$pids $!"
waitport "$pd"; waitport "$pj"; waitport "$ps"
direct=$(best "$pd"); jr=$(best "$pj"); so=$(best "$ps")
echo "throughput, $BYTES bytes, best of 3 (MB/s):"
echo "  direct loopback   $direct"
echo "  jailrun -p        $jr  (ratio to direct $(echo "scale=2; $jr/$direct" | bc))"
echo "  socat             $so  (jailrun/socat $(echo "scale=2; $jr/$so" | bc))"
if [ -r /dev/net/tun ] && [ -w /dev/net/tun ] && [ "$(id -u)" != 0 ] && command -v pasta >/dev/null 2>&1; then
  pp=$(port); pasta -f -t "$pp:9000" -u none -T none -U none -- "$w/tcpbench" server 9000 >/dev/null 2>&1 & pids="$pids $!"
  waitport "$pp" && pa=$(best "$pp") && echo "  pasta -t          $pa  (jailrun/pasta $(echo "scale=2; $jr/$pa" | bc))"
else
  echo "  pasta / slirp4netns: not measured (they need a readable /dev/net/tun and a non-root caller;"
  echo "  here: $(ls -l /dev/net/tun 2>&1 | cut -d' ' -f1), uid $(id -u))"
fi

# latency at 200 connections: the same echo server direct and through -p
lp=$(port); "$w/tcpbench" echo "$lp" & pids="$pids $!"
ljp=$(port); "$J" --no-net -p "$ljp:9001" -v "$w:/mnt:ro" / /mnt/tcpbench echo 9001 & pids="$pids $!"
waitport "$lp"; waitport "$ljp"
ld=$("$w/tcpbench" lat 127.0.0.1 "$lp" 200 200); lj=$("$w/tcpbench" lat 127.0.0.1 "$ljp" 200 200)
echo "latency, 200 connections x 200 one-byte round trips (us):"
echo "  direct            p50 $(echo "$ld" | cut -d' ' -f1)  p99 $(echo "$ld" | cut -d' ' -f2)"
echo "  jailrun -p        p50 $(echo "$lj" | cut -d' ' -f1)  p99 $(echo "$lj" | cut -d' ' -f2)"
echo "  added by -p       p50 $(( $(echo "$lj" | cut -d' ' -f1) - $(echo "$ld" | cut -d' ' -f1) ))  p99 $(( $(echo "$lj" | cut -d' ' -f2) - $(echo "$ld" | cut -d' ' -f2) ))"

# start-up: default network over --no-net
if command -v hyperfine >/dev/null 2>&1; then
  hyperfine -N --warmup 3 --runs 30 --export-json "$w/h.json" "$J --no-net $R /bin/true" "$J $R /bin/true" >/dev/null 2>&1
  $PY -c "
import json; r=json.load(open('$w/h.json'))['results']
a,b=r[0]['mean']*1e3,r[1]['mean']*1e3
print('start-up (hyperfine, 30 runs): --no-net %.1f ms, default network %.1f ms, extra %.1f ms (x%.2f)'%(a,b,b-a,b/a))"
else
  echo "start-up: hyperfine not installed (apt-get install hyperfine)"
fi
