#!/bin/sh
# net.sh - the network of issue 4: -p forwarding (curl, 64 MiB both ways,
# half-close, 200 concurrent connections), the private network's shape,
# isolation in every mode, the egress proxy's decisions and audit log, and
# bad network input.  Traffic goes only to loopback and to the namespaces
# the jails made.
. "$JR_SRC/tests/lib.sh"
plan 62
mkscratch
P=/usr/bin/probe
cp "$JR_SRC/tests/netsrv.py" "$JR_SRC/tests/netcli.py" "$JR_SRC/tests/proxycli.py" "$SCRATCH/"
chmod 644 "$SCRATCH"/*.py
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
CLI="$PY $SCRATCH/netcli.py"
# bg_jail ARGS... : start a jail in the background, pid in $BG
bg_jail() { timeout -k 5 120 "$JAILRUN" "$@" >"$SCRATCH/bg.out" 2>&1 & BG=$!; }
stop_jail() { kill "$BG" 2>/dev/null; wait "$BG" 2>/dev/null; }

# -p with --no-net: python3 http.server in the host-root jail, curl on the host
hp=$(freeport)
bg_jail --no-net -p "$hp:8000" / python3 -m http.server --bind 127.0.0.1 8000
wait_url "http://127.0.0.1:$hp/"
page=$(curl -sS -m 10 "http://127.0.0.1:$hp/" 2>&1)
like "curl through -p to python3 http.server (--no-net)" "$page" "Directory listing for /"
ifnames() { sed -n 's/^ *\([a-z0-9]*\):.*/\1/p'; }
ifs=$(jr --no-net "$ROOTFS" $P ifaces | ifnames)
is "--no-net jail has only lo" "$(echo $ifs)" "lo"
stop_jail

# -p to busybox httpd in the rootfs jail (default network)
mkdir "$SCRATCH/www"; echo "hello from busybox" > "$SCRATCH/www/index.html"; chmod -R a+rX "$SCRATCH/www"
hp=$(freeport)
bg_jail -p "$hp:8080" -v "$SCRATCH/www:/tmp/www:ro" "$ROOTFS" httpd -f -p 127.0.0.1:8080 -h /tmp/www
wait_url "http://127.0.0.1:$hp/"
is "curl through -p to busybox httpd (default network)" "$(curl -sS -m 10 "http://127.0.0.1:$hp/" 2>&1)" "hello from busybox"
stop_jail

# data path: sha256 both ways, half-close, concurrency (test server in the jail)
hp=$(freeport)
bg_jail -p "$hp:9000" -v "$SCRATCH:/mnt:ro" / python3 /mnt/netsrv.py 9000
like "test server reachable through -p" "$($CLI wait 127.0.0.1 "$hp")" "^ok"
like "64 MiB host->jail, sha256 matches" "$($CLI up 127.0.0.1 "$hp" 67108864)" "^ok"
like "64 MiB jail->host, sha256 matches" "$($CLI down 127.0.0.1 "$hp" 67108864)" "^ok"
like "half-close: 8 MiB then SHUT_WR, EOF-gated reply" "$($CLI up 127.0.0.1 "$hp" 8388608)" "^ok"
like "200 concurrent connections, none lost" "$($CLI conc 127.0.0.1 "$hp" 200)" "^ok conc 200/200"
# local TCP does not pace (docs/perf-profile.md, forwarder): a published
# loopback port's accepted sockets use reno, whatever the host's default
$PY -c 'import socket, sys, time; s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); time.sleep(3)' "$hp" &
hold=$!; i=0
while [ $i -lt 20 ] && ! ss -tin state established "( sport = :$hp )" | grep -q ' rtt:'; do sleep 0.1; i=$((i + 1)); done
like "a loopback publish's accepted socket uses reno (host default: $(cat /proc/sys/net/ipv4/tcp_congestion_control))" \
  "$(ss -tin state established "( sport = :$hp )" | tr '\n' ' ')" " reno "
kill $hold 2>/dev/null; wait $hold 2>/dev/null
stop_jail
is "the jail's network namespace defaults to reno (--no-net, default network)" \
  "$(jr --no-net "$ROOTFS" cat /proc/sys/net/ipv4/tcp_congestion_control) $(jr "$ROOTFS" cat /proc/sys/net/ipv4/tcp_congestion_control)" "reno reno"
hp6=$(freeport)
bg_jail --no-net -p "[::1]:$hp6:9000" -v "$SCRATCH:/mnt:ro" / python3 /mnt/netsrv.py 9000
like "-p [::1]:PORT:PORT over IPv6" "$($CLI wait ::1 "$hp6")" "^ok"
is "IPv6 publish does not bind 127.0.0.1" "$(curl -s -o /dev/null -w '%{http_code}' -m 3 "http://127.0.0.1:$hp6/" 2>/dev/null)" "000"
stop_jail

# EMFILE: under a tiny fd limit the forwarder drops what it cannot hold,
# does not spin while clients keep knocking, and recovers
hp=$(freeport)
(ulimit -n 40; exec timeout -k 5 120 "$JAILRUN" --no-net -p "$hp:9000" -v "$SCRATCH:/mnt:ro" / python3 /mnt/netsrv.py 9000) \
  >"$SCRATCH/bg.out" 2>&1 & BG=$!
$CLI wait 127.0.0.1 "$hp" >/dev/null
sup=$(pgrep -o -f "^[^ ]*jailrun --no-net -p $hp:9000")
cpu() { awk '{print $14 + $15}' "/proc/$sup/stat"; }
c0=$(cpu)
like "EMFILE: 60 held connections do not kill the forwarder" "$($CLI hold 127.0.0.1 "$hp" 60 3)" "^ok hold"
c1=$(cpu)
ok "EMFILE: the supervisor does not spin (<100 ticks in 3 s, used $((c1 - c0)))" [ $((c1 - c0)) -lt 100 ]
like "EMFILE: the forwarder recovers" "$($CLI up 127.0.0.1 "$hp" 1048576)" "^ok"
stop_jail

# the private network: eth0 with one address, no default route
ifs=$(jr "$ROOTFS" $P ifaces | ifnames)
is "default network: lo and eth0" "$(echo $ifs)" "lo eth0"
addr=$(jr "$ROOTFS" ip -4 -o addr show eth0)
like "eth0 has one address in 10.88.0.0/16" "$addr" "inet 10\.88\.[0-9]+\.[0-9]+/16"
routes=$(jr "$ROOTFS" ip route)
unlike "no default route" "$routes" "default"
a1=$(jr "$ROOTFS" sh -c 'ip -4 -o addr show eth0 | awk "{print \$4}"; sleep 1' &
     jr "$ROOTFS" sh -c 'ip -4 -o addr show eth0 | awk "{print \$4}"; sleep 1'; wait)
is "two concurrent jails get different addresses" "$(printf '%s\n' $a1 | sort -u | wc -l)" 2
jr --subnet 10.99.0.0/24 "$ROOTFS" ip -4 -o addr show eth0 > "$SCRATCH/sub" 2>&1
like "--subnet is used" "$(cat "$SCRATCH/sub")" "inet 10\.99\.0\.[0-9]+/24"

# isolation: host loopback service, a host address, a public-looking one
hs=$(freeport)
# listen_on PORT FILE: a host listener on 127.0.0.1:PORT for 60 s; FILE appears when it listens
listen_on() { $PY -c "import socket,time; s=socket.socket(); s.bind(('127.0.0.1',$1)); s.listen(); open('$2','w'); time.sleep(60)" & }
listen_on "$hs" "$SCRATCH/hs.ready"; HSRV=$!
wait_for test -e "$SCRATCH/hs.ready"
hostip=$(ip -4 -o addr show scope global 2>/dev/null | awk '{print $4}' | cut -d/ -f1 | head -n1)
[ -n "$hostip" ] || hostip=$(hostname -I 2>/dev/null | awk '{print $1}')
for mode in default --no-net proxy; do
  case $mode in default) opt="";; proxy) opt="--net-allow proxy";; *) opt=$mode;; esac
  out=$(jr $opt "$ROOTFS" sh -c "$P connect 127.0.0.1 $hs; $P connect $hostip $hs; $P connect 192.0.2.1 80; $P connect ::1 $hs")
  like "$mode: host's 127.0.0.1 service unreachable" "$(echo "$out" | sed -n 1p)" "connect (ECONNREFUSED|ENETUNREACH)"
  like "$mode: host address $hostip unreachable" "$(echo "$out" | sed -n 2p)" "connect (ECONNREFUSED|ENETUNREACH|EHOSTUNREACH)"
  like "$mode: public-looking address unreachable" "$(echo "$out" | sed -n 3p)" "connect (ENETUNREACH|EHOSTUNREACH)"
done
kill $HSRV 2>/dev/null

# the egress proxy
mkdir "$SCRATCH/pub"; echo "allowed content" > "$SCRATCH/pub/f.txt"
op=$(freeport); other=$(freeport)
$PY -m http.server --bind 127.0.0.1 --directory "$SCRATCH/pub" "$op" >/dev/null 2>&1 & PSRV=$!
wait_url "http://127.0.0.1:$op/f.txt"
log="$SCRATCH/audit.jsonl"
out=$(jr --net-allow proxy --allow "localhost:$op" --allow '*.example.test' --audit-log "$log" "$ROOTFS" \
  sh -c "env | grep -c -i _proxy=; wget -q -O - http://localhost:$op/f.txt")
like "proxy variables set in the jail" "$(echo "$out" | sed -n 1p)" "^6$"
is "busybox wget through the proxy to allowlisted localhost:PORT" "$(echo "$out" | sed -n 2p)" "allowed content"
out=$(jr --net-allow proxy --allow "localhost:$op" -v "$SCRATCH:/mnt:ro" / env -u NO_PROXY -u no_proxy python3 -c \
  "import urllib.request; print(urllib.request.urlopen('http://localhost:$op/f.txt', timeout=10).read().decode().strip())" 2>&1)
is "python urllib through the proxy" "$out" "allowed content"
printf 'localhost:%s\n# comment\n' "$op" > "$SCRATCH/allow.txt"
is "--allow-file entries apply" "$(jr --net-allow proxy --allow-file "$SCRATCH/allow.txt" "$ROOTFS" wget -q -O - "http://localhost:$op/f.txt")" "allowed content"
pc() { jr --net-allow proxy --allow "localhost:$op" --allow '*.example.test' --audit-log "$log" \
  -v "$SCRATCH:/mnt:ro" / python3 /mnt/proxycli.py 10.88.0.1 3128 "$@" 2>&1; }
like "other port refused (403)" "$(pc raw "CONNECT localhost:$other HTTP/1.1\r\nHost: localhost:$other\r\n\r\n")" "^HTTP/1.1 403"
like "other name refused (403)" "$(pc raw "CONNECT other.test:443 HTTP/1.1\r\n\r\n")" "^HTTP/1.1 403"
like "127.1 refused" "$(pc raw "GET http://127.1:$op/f.txt HTTP/1.1\r\nHost: 127.1:$op\r\n\r\n")" "^HTTP/1.1 4[0-9][0-9]"
like "2130706433 refused" "$(pc raw "CONNECT 2130706433:$op HTTP/1.1\r\n\r\n")" "^HTTP/1.1 4[0-9][0-9]"
like "0x7f.1 refused" "$(pc raw "CONNECT 0x7f.1:$op HTTP/1.1\r\n\r\n")" "^HTTP/1.1 4[0-9][0-9]"
like "[::ffff:127.0.0.1] refused" "$(pc raw "CONNECT [::ffff:127.0.0.1]:$op HTTP/1.1\r\n\r\n")" "^HTTP/1.1 4[0-9][0-9]"
like "Host header disagreeing with the URI refused" "$(pc raw "GET http://localhost:$op/f.txt HTTP/1.1\r\nHost: evil.test\r\n\r\n")" "^HTTP/1.1 400"
like "oversized head refused (431)" "$(pc big "localhost:$op")" "^HTTP/1.1 431"
like "Content-Length + Transfer-Encoding refused" "$(pc cl-te "localhost:$op")" "^HTTP/1.1 400"
like "*.example.test does not match evilexample.test" "$(pc raw "CONNECT evilexample.test:443 HTTP/1.1\r\n\r\n")" "^HTTP/1.1 403"
like "CONNECT to the allowlisted port is tunnelled" "$(pc raw "CONNECT localhost:$op HTTP/1.1\r\n\r\n")" "^HTTP/1.1 200"
like "denial body says which rule" "$(jr --net-allow proxy "$ROOTFS" wget -O - "http://localhost:$other/" 2>&1; \
  jr --net-allow proxy -v "$SCRATCH:/mnt:ro" / python3 -c "
import socket; s=socket.create_connection(('10.88.0.1',3128)); s.sendall(b'CONNECT x.test:443 HTTP/1.1\r\n\r\n'); print(s.recv(999).decode())")" \
  "no --allow rule matches x.test:443"
is "one audit line per decision" "$(wc -l < "$log")" 12
is "every audit line is JSON with the fields" "$($PY -c "
import json,sys
keys={'time','jail','client','method','target','address','decision','reason','bytes_up','bytes_down','duration_ms'}
print(sum(1 for l in open('$log') if set(json.loads(l))==keys))")" 12
like "allowed tunnel logged with bytes" "$(grep '"decision":"allow"' "$log" | head -n1)" '"address":"127\.0\.0\.1".*"bytes_down":[1-9]'
like "denials logged with the reason" "$(grep -c '"decision":"deny"' "$log")" "^10$"
like "odd form logged" "$(grep 2130706433 "$log")" "odd IP address form"
learn=$(jr --net-allow proxy --allow '*' --audit-log "$SCRATCH/learn.jsonl" -v "$SCRATCH:/mnt:ro" / \
  python3 /mnt/proxycli.py 10.88.0.1 3128 raw "CONNECT localhost:$op HTTP/1.1\r\n\r\n")
like "learn mode (--allow '*') still refuses loopback" "$learn" "^HTTP/1.1 403"
like "learn mode logs the decision" "$(cat "$SCRATCH/learn.jsonl")" '"decision":"deny".*non-public'
kill $PSRV 2>/dev/null

# bad input: 125, a message, nothing started
bad() {
  name=$1 re=$2; shift 2
  err=$(jr "$@" "$ROOTFS" sh -c 'echo STARTED' 2>&1); s=$?
  is "$name: exit 125" "$s" 125
  like "$name: message" "$err" "$re"
}
bad "malformed -p" "publish '8080': expected \[ADDR:\]HOSTPORT:JAILPORT" -p 8080
bad "-p port 0" "publish '0:80'" -p 0:80
busy=$(freeport)
listen_on "$busy" "$SCRATCH/busy.ready"; BSRV=$!
wait_for test -e "$SCRATCH/busy.ready"
bad "-p port in use" "publish 127\.0\.0\.1:$busy:80: bind host port.*Address already in use" -p "$busy:80"
kill $BSRV
bad "bad --allow entry" "allow '127\.1': odd IP address form" --net-allow proxy --allow 127.1
bad "--allow without the proxy" "need --net-allow proxy" --allow example.com
done_testing
