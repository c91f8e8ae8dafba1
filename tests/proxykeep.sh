#!/bin/sh
# proxykeep.sh - the egress proxy's kept-alive client connections (issue
# 16): every request on a connection is parsed and checked on its own,
# request bodies are framed (a request hidden in or after a body, or
# behind a Content-Length/Transfer-Encoding conflict, never reaches a host
# the allowlist denies), pipelined requests are answered in order, the
# answers are framed (Content-Length, chunked, HEAD, 204, interim 100,
# close-delimited) and idle connections are closed.  tests/kasrv.py runs
# an origin (allowed) and a "denied" listener on 127.0.0.1 that logs every
# connection it gets; tests/kacli.py is the client in the jail, one
# connection per call.  Loopback only.
. "$JR_SRC/tests/lib.sh"
plan 33
mkscratch
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
cp "$JR_SRC/tests/kasrv.py" "$JR_SRC/tests/kacli.py" "$SCRATCH/"
chmod 644 "$SCRATCH"/*.py
$PY "$SCRATCH/kasrv.py" "$SCRATCH/ports" "$SCRATCH/srv.log" & SRV=$!
trap 'kill $SRV 2>/dev/null; rm -rf "$SCRATCH"' EXIT
wait_for test -s "$SCRATCH/ports"
read -r o d < "$SCRATCH/ports"
touch "$SCRATCH/srv.log"
CRLF='\r\n'
# g PATH / gd PATH: a GET to the origin / to the denied listener
g() { printf '%s' "GET http://{A}$1 HTTP/1.1${CRLF}Host: {A}${CRLF}${CRLF}"; }
gd() { printf '%s' "GET http://{D}$1 HTTP/1.1${CRLF}Host: {D}${CRLF}${CRLF}"; }
# kc STEP...: one connection from a jail allowed to reach the origin only
kc() { jr --net-allow proxy --allow "127.0.0.1:$o" --audit-log "$SCRATCH/$AUD" -v "$SCRATCH:/mnt:ro" / \
  $PY /mnt/kacli.py 10.88.0.1 3128 "$o" "$d" "$@" 2>&1; }
# none_denied WHAT: the denied listener has had no connection so far
none_denied() { is "$1: the denied host saw no connection" "$(grep -c 'DENIED CONN' "$SCRATCH/srv.log")" 0; }
origin_got() { grep -c "^REQ $1\$" "$SCRATCH/srv.log"; }

AUD=audit.jsonl

is "two requests on one connection, both answered, the connection kept" \
  "$(kc s:"$(g /one)" r s:"$(g /two)" r)" "200/keep-alive from /one 200/keep-alive from /two"
is "the origin got both" "$(origin_got "GET /one body=''")$(origin_got "GET /two body=''")" 11
is "... on one upstream connection (kept for the second)" \
  "$(sed -n "/^REQ GET \/one /,/^REQ GET \/two /p" "$SCRATCH/srv.log" | grep -c 'ORIGIN CONN')" 0
is "one audit line per request" "$(grep -c '"decision":"allow".*"bytes_down":[1-9]' "$SCRATCH/audit.jsonl")" 2

# an idle kept-alive connection is closed (in the background: it waits)
AUD=idle.jsonl
kc s:"$(g /idle)" r w:13 r > "$SCRATCH/idle.out" &
IDLE=$!
AUD=audit.jsonl

# the allowlist is checked for every request on the connection
is "a second request to a denied host on the same connection: 403" \
  "$(kc s:"$(g /first)" r s:"$(gd /second)" r)" "200/keep-alive from /first 403/close closed"
none_denied "second request"
is "pipelined, allowed then denied: 200, then 403" \
  "$(kc s:"$(g /p1)$(gd /p2)" r)" "200/keep-alive 403/close from /p1 closed"
none_denied "pipelined"
is "three pipelined requests answered in order" \
  "$(kc s:"$(g /q1)$(g /q2)$(g /q3)" r)" "200/keep-alive 200/keep-alive 200/keep-alive from /q1 from /q2 from /q3"
like "a denied request with an allowed one pipelined after it: 403, the rest unread" \
  "$(kc s:"$(gd /r1)$(g /r2)" r)" "^403/close closed$"
none_denied "denied first"
is "... and the allowed one after it never reached the origin" "$(origin_got "GET /r2 body=''")" 0

# request bodies are framed: Content-Length bytes go to the origin, and
# what follows is the next request, checked like the first
is "a request line hidden after a short body is a request of its own: 403" \
  "$(kc s:"POST http://{A}/post HTTP/1.1${CRLF}Host: {A}${CRLF}Content-Length: 5${CRLF}${CRLF}hello$(gd /hidden)" r)" \
  "200/keep-alive 403/close from /post closed"
none_denied "request after a body"
is "... and the origin got exactly the body" "$(origin_got "POST /post body='hello'")" 1
inner="GET http://127.0.0.1:$d/inbody HTTP/1.1${CRLF}Host: 127.0.0.1:$d${CRLF}${CRLF}"
n=$(printf '%b' "$inner" | wc -c)
is "a request inside a body is body: it goes to the origin" \
  "$(kc s:"POST http://{A}/post2 HTTP/1.1${CRLF}Host: {A}${CRLF}Content-Length: $n${CRLF}${CRLF}$inner" r s:"$(g /after)" r)" \
  "200/keep-alive from /post2 200/keep-alive from /after"
none_denied "request inside a body"
is "... whole" "$(grep -c "^REQ POST /post2 body='GET http://127.0.0.1:$d/inbody HTTP/1.1" "$SCRATCH/srv.log")" 1
is "Content-Length with Transfer-Encoding, a request smuggled after: 400" \
  "$(kc s:"POST http://{A}/clte HTTP/1.1${CRLF}Host: {A}${CRLF}Content-Length: 5${CRLF}Transfer-Encoding: chunked${CRLF}${CRLF}0${CRLF}${CRLF}$(gd /clte)" r)" \
  "400/close closed"
none_denied "Content-Length and Transfer-Encoding"
is "two Content-Length headers that disagree, a request smuggled after: 400" \
  "$(kc s:"POST http://{A}/cl2 HTTP/1.1${CRLF}Host: {A}${CRLF}Content-Length: 0${CRLF}Content-Length: 44${CRLF}${CRLF}$(gd /cl2)" r)" \
  "400/close closed"
none_denied "two Content-Length headers"
out=$(kc s:"POST http://{A}/chunk HTTP/1.1${CRLF}Host: {A}${CRLF}Transfer-Encoding: chunked${CRLF}${CRLF}5${CRLF}hello${CRLF}0${CRLF}${CRLF}$(gd /afterchunk)" r)
like "a chunked request, a request after its end: the connection ends with the origin" "$out" "^200 "
none_denied "request after a chunked body"
out=$(kc s:"GET http://{A}/ten HTTP/1.0${CRLF}Host: {A}${CRLF}${CRLF}$(gd /afterten)" r)
like "HTTP/1.0, a request pipelined after it: the connection ends with the origin" "$out" "^200 "
none_denied "request after HTTP/1.0"

# answers are framed
is "a chunked answer, then the next request" "$(kc s:"$(g /chunked)" r s:"$(g /afterchunked)" r)" \
  "200/keep-alive from /chunked 200/keep-alive from /afterchunked"
is "HEAD (a Content-Length and no body), then the next request" \
  "$(kc s:"HEAD http://{A}/head HTTP/1.1${CRLF}Host: {A}${CRLF}${CRLF}" r s:"$(g /afterhead)" r)" \
  "200/keep-alive 200/keep-alive from /afterhead"
is "204, then the next request" "$(kc s:"$(g /204)" r s:"$(g /after204)" r)" "204/keep-alive 200/keep-alive from /after204"
is "an interim 100 is passed on before the answer" "$(kc s:"$(g /100)" r s:"$(g /after100)" r)" \
  "100 200/keep-alive from /100 200/keep-alive from /after100"
is "an answer without a length ends the client connection" "$(kc s:"$(g /eof)" r)" "200/close from /eof closed"

wait "$IDLE"
is "an idle kept-alive connection is closed (10 s)" "$(cat "$SCRATCH/idle.out")" "200/keep-alive from /idle closed"

# control: the denied listener does log a connection
$PY -c "import socket; socket.create_connection(('127.0.0.1', $d), 5).close()"
wait_for grep -q 'DENIED CONN' "$SCRATCH/srv.log"
is "control: the denied listener logs a direct connection" "$(grep -c 'DENIED CONN' "$SCRATCH/srv.log")" 1
done_testing
