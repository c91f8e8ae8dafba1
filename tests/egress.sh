#!/bin/sh
# egress.sh - the egress proxy's conventions of issue 13: --allow-private
# (a name resolving to a private/reserved address, by name only), -e
# NO_PROXY merged with jailrun's, and the audit log naming the jail.  The
# "private" name is this host's name, served on the address it resolves to
# (a local address: traffic stays on the machine).  --upstream-proxy
# chains to tests/upstream.py on 127.0.0.1, which records what it got.
. "$JR_SRC/tests/lib.sh"
plan 28
mkscratch
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
hn=$(hostname)
haddr=$(getent ahostsv4 "$hn" | awk 'NR == 1 { print $1 }')
mkdir "$SCRATCH/pub"; echo "mirror content" > "$SCRATCH/pub/f.txt"
port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
$PY -m http.server --bind "$haddr" --directory "$SCRATCH/pub" "$port" >"$SCRATCH/srv.log" 2>&1 & SRV=$!
trap 'kill $SRV 2>/dev/null; rm -rf "$SCRATCH"' EXIT
wait_url "http://$haddr:$port/f.txt"
like "the host name resolves to a non-public local address ($hn -> $haddr)" \
  "$(curl -sS -m 10 "http://$haddr:$port/f.txt" 2>&1)" "mirror content"

log="$SCRATCH/audit.jsonl"
out=$(jr --net-allow proxy --allow-private "$hn:$port" --audit-log "$log" "$ROOTFS" wget -q -O - "http://$hn:$port/f.txt" 2>&1)
is "--allow-private NAME:PORT reaches a private address" "$out" "mirror content"
out=$(jr --net-allow proxy --allow "$hn:$port" "$ROOTFS" wget -O - "http://$hn:$port/f.txt" 2>&1)
like "plain --allow of the same name is refused (non-public)" "$out" "403"
out=$(jr --net-allow proxy --allow "$hn:$port" --allow-private "$hn:$port" "$ROOTFS" wget -q -O - "http://$hn:$port/f.txt" 2>&1)
is "--allow-private wins over a plain --allow of the same name" "$out" "mirror content"
out=$(jr --net-allow proxy --allow-private "$hn:$port" "$ROOTFS" wget -O - "http://localhost:$port/f.txt" 2>&1)
like "--allow-private allows only its name" "$out" "403"
like "the audit log of an anonymous jail names its pid" "$(cat "$log")" '"jail":"[0-9]+"'

name="egress$$"
out=$(jr --name "$name" --net-allow proxy --allow-private "$hn:$port" --audit-log "$log" "$ROOTFS" \
  wget -q -O - "http://$hn:$port/f.txt" 2>&1)
is "a named jail through the proxy" "$out" "mirror content"
like "the audit log of a named jail names it" "$(tail -n 1 "$log")" "\"jail\":\"$name\""

out=$(jr --net-allow proxy -e NO_PROXY=internal.test,.corp "$ROOTFS" sh -c 'echo "$NO_PROXY|$no_proxy"')
is "-e NO_PROXY is merged with jailrun's (both spellings)" "$out" \
  "localhost,127.0.0.1,::1,internal.test,.corp|localhost,127.0.0.1,::1,internal.test,.corp"
out=$(jr --net-allow proxy "$ROOTFS" sh -c 'echo "$NO_PROXY"')
is "NO_PROXY without -e" "$out" "localhost,127.0.0.1,::1"

# --upstream-proxy: what the allowlist permits goes to the upstream (the head as it came)
cp "$JR_SRC/tests/upstream.py" "$JR_SRC/tests/proxycli.py" "$SCRATCH/"; chmod 644 "$SCRATCH"/*.py
$PY "$SCRATCH/upstream.py" "$SCRATCH/up.port" "$SCRATCH/up.log" & UP=$!
trap 'kill $SRV $UP 2>/dev/null; rm -rf "$SCRATCH"' EXIT
wait_for test -s "$SCRATCH/up.port"
up=$(cat "$SCRATCH/up.port")
ujr() { jr --net-allow proxy --allow example.test:80 --allow '*.corp.test' --upstream-proxy "http://127.0.0.1:$up/" \
  --audit-log "$SCRATCH/up.jsonl" -v "$SCRATCH:/mnt:ro" "$@" 2>&1; }
is "plain HTTP goes through the upstream" "$(ujr "$ROOTFS" wget -q -O - http://example.test/x)" \
  "upstream saw GET http://example.test/x"
like "CONNECT goes through the upstream" "$(ujr / python3 /mnt/proxycli.py 10.88.0.1 3128 raw \
  "CONNECT api.corp.test:443 HTTP/1.1\r\nHost: api.corp.test:443\r\n\r\n")" \
  "^HTTP/1.1 200 Connection established"
like "the allowlist still applies with an upstream" "$(ujr "$ROOTFS" wget -O - http://other.test/x)" "403"
is "the upstream got exactly the allowed requests" "$(cat "$SCRATCH/up.log")" \
  "$(printf 'GET http://example.test/x HTTP/1.1\nCONNECT api.corp.test:443 HTTP/1.1')"
like "the audit log records the upstream's address" "$(grep -c '"address":"127.0.0.1","decision":"allow"' "$SCRATCH/up.jsonl")" "^2$"
# A request after an allowed one on the same connection is checked too
# (it once went to the upstream as it came), after a chunked body the
# connection ends, and nothing after a CONNECT goes before the upstream's
# 2xx: a refused CONNECT ends the connection.
deny2='GET http://other.test/x HTTP/1.1\r\nHost: other.test\r\n\r\n'
mark() { n=$(wc -l < "$SCRATCH/up.log"); }
seen() { sleep 1; sed -n "$((n + 1)),\$p" "$SCRATCH/up.log"; }
mark
like "an allowed request, then a denied one on its connection" "$(ujr / python3 /mnt/proxycli.py 10.88.0.1 3128 raw \
  "GET http://example.test/keep HTTP/1.1\r\nHost: example.test\r\n\r\n$deny2")" "^HTTP/1.1 200"
is "... the upstream never saw the denied one" "$(seen)" "GET http://example.test/keep HTTP/1.1"
mark
like "a chunked POST, then a denied request on its connection" "$(ujr / python3 /mnt/proxycli.py 10.88.0.1 3128 raw \
  "POST http://example.test/keep HTTP/1.1\r\nHost: example.test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n$deny2")" \
  "^HTTP/1.1 200"
is "... the upstream never saw the denied one" "$(seen)" "POST http://example.test/keep HTTP/1.1"
mark
like "a CONNECT the upstream refuses: its answer is passed on" "$(ujr / python3 /mnt/proxycli.py 10.88.0.1 3128 raw \
  "CONNECT refuse.corp.test:443 HTTP/1.1\r\nHost: refuse.corp.test:443\r\n\r\n$deny2")" "^HTTP/1.1 403"
is "... the upstream never saw the request pipelined after it" "$(seen)" "CONNECT refuse.corp.test:443 HTTP/1.1"

bad() {
  what=$1 re=$2; shift 2
  err=$(jr "$@" "$ROOTFS" sh -c 'echo STARTED' 2>&1); s=$?
  is "$what: exit 125, message" "$s:$(echo "$err" | grep -c -- "$re")" "125:1"
}
bad "--allow-private '*'" "allow-private '\*': a private address is allowed by name only" --net-allow proxy --allow-private '*'
bad "--allow-private '*.lan'" "by name only, never by a wildcard" --net-allow proxy --allow-private '*.lan:8080'
bad "--allow-private an address" "an address is allowed as it is: use --allow 10.0.0.1" --net-allow proxy --allow-private 10.0.0.1
bad "--allow-private without the proxy" "need --net-allow proxy" --allow-private mirror.lan
bad "--allow-private bad port" "allow 'mirror.lan:0': the port must be 1-65535" --net-allow proxy --allow-private mirror.lan:0
bad "--upstream-proxy not http" "upstream-proxy 'https://p:3128': expected http://HOST:PORT" --net-allow proxy --upstream-proxy https://p:3128
bad "--upstream-proxy without the proxy" "need --net-allow proxy" --upstream-proxy http://127.0.0.1:3128
done_testing
