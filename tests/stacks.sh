#!/bin/sh
# stacks.sh - issue 14: the internet switch of a running jail (jailrun net
# allow|deny|ls|off|on) while a published port keeps serving, with the
# changes in the audit log.  Traffic goes only to loopback and to the
# namespaces the jails made.
. "$JR_SRC/tests/lib.sh"
plan 26
mkscratch
N=jrs$$
names=""
PSRV=""
cleanup() {
  for n in $names; do "$JAILRUN" rm -f "$n" >/dev/null 2>&1; done
  [ -n "$PSRV" ] && kill "$PSRV" 2>/dev/null
  rm -rf "$SCRATCH"
}
trap cleanup EXIT
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
freeport() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cp "$JR_SRC/tests/switchcli.py" "$SCRATCH/"
mkdir "$SCRATCH/pub" "$SCRATCH/www"
echo "allowed content" > "$SCRATCH/pub/f.txt"
echo "served from the jail" > "$SCRATCH/www/index.html"
chmod -R a+rX "$SCRATCH"

# A host "internet" on loopback, allowed by its literal address.
op=$(freeport)
$PY -m http.server --bind 127.0.0.1 --directory "$SCRATCH/pub" "$op" >/dev/null 2>&1 & PSRV=$!
for i in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$op/f.txt" && break; sleep 0.2; done
URL="http://127.0.0.1:$op/f.txt"

# --- the internet switch ---------------------------------------------------
# A served app (published) whose egress starts with an empty allowlist.
hp=$(freeport)
log="$SCRATCH/audit.jsonl"
A=${N}a; names="$names $A"
out=$("$JAILRUN" run -d --name "$A" --net-allow proxy --audit-log "$log" -p "$hp:8000" -v "$SCRATCH:/mnt:ro" \
      / python3 -m http.server --bind 127.0.0.1 --directory /mnt/www 8000 2>&1)
is "start with --net-allow proxy and an empty allowlist" "$?:$out" "0:$A"
serves() { curl -sS -m 10 "http://127.0.0.1:$hp/" 2>&1; }
for i in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$hp/" && break; sleep 0.2; done
fetch() { timeout -k 5 60 "$JAILRUN" exec "$A" python3 /mnt/switchcli.py fetch "$URL" 2>&1; }
like "empty allowlist: the jail is offline" "$(fetch)" "^error: 403 .*no --allow rule matches 127\.0\.0\.1:$op"
is "published port serves (offline)" "$(serves)" "served from the jail"
ls0=$("$JAILRUN" net ls "$A" 2>&1)
like "net ls: the switch is on, no entries" "$ls0" "^egress on$"
like "net ls: the last decisions" "$ls0" "recent .* deny GET 127\.0\.0\.1:$op no --allow rule"

out=$("$JAILRUN" net allow "$A" "127.0.0.1:$op" 2>&1)
is "net allow NAME 127.0.0.1:PORT" "$?:$out" "0:"
is "allowed with no restart" "$(fetch)" "allowed content"
like "net ls lists the entry" "$("$JAILRUN" net ls "$A")" "allow 127\.0\.0\.1:$op"
is "published port serves (online)" "$(serves)" "served from the jail"

# An open tunnel is cut by net off, the next request is refused.
timeout -k 5 60 "$JAILRUN" exec "$A" python3 /mnt/switchcli.py hold "127.0.0.1:$op" 20 > "$SCRATCH/hold.out" 2>&1 & H=$!
for i in $(seq 50); do grep -q 200 "$SCRATCH/hold.out" && break; sleep 0.1; done
out=$("$JAILRUN" net off "$A" 2>&1)
is "net off NAME" "$?:$out" "0:"
wait $H
like "net off cuts an open tunnel at once" "$(tr '\n' ' ' < "$SCRATCH/hold.out")" "^HTTP/1.1 200 Connection established eof after [0-2]\.[0-9] s $"
like "net off: offline" "$(fetch)" "^error: 403 .*egress is switched off"
is "published port serves (switched off)" "$(serves)" "served from the jail"
like "net ls says off and keeps the entry" "$("$JAILRUN" net ls "$A")" "^egress off"
"$JAILRUN" net on "$A"
is "net on: online again" "$(fetch)" "allowed content"
"$JAILRUN" net deny "$A" "127.0.0.1:$op"
like "net deny removes the entry" "$(fetch)" "^error: 403 .*no --allow rule"
is "published port serves (after all of it)" "$(serves)" "served from the jail"

# The audit log: one line per change, with who made it.
changes=$(grep '"change"' "$log")
is "audit log: one line per change" "$(echo "$changes" | sed 's/.*"change":"\([^"]*\)".*/\1/' | tr '\n' ,)" \
  "allow 127.0.0.1:$op,off,on,deny 127.0.0.1:$op,"
is "audit log: each change names the caller's uid and pid" \
  "$(echo "$changes" | $PY -c "
import json,sys
print(sum(1 for l in sys.stdin if (lambda d: d['by_uid']==$(id -u) and d['by_pid']>1 and d['time'].endswith('Z'))(json.loads(l))))")" 4

# Bad input: 125, one message, nothing changed.
out=$("$JAILRUN" net deny "$A" example.com 2>&1)
is "net deny of an entry not in the list: 125" "$?" 125
like "net deny: message" "$out" "net deny example\.com: not in the allowlist"
out=$("$JAILRUN" net allow "$A" "localhost:$op" 127.1 2>&1)
like "net allow with one bad entry: 125, message" "$?:$out" "^125:.*allow '127\.1': odd IP address form"
unlike "a change applies wholly or not at all" "$("$JAILRUN" net ls "$A")" "^allow "
out=$("$JAILRUN" net off "${N}missing" 2>&1)
like "net off of no such jail: 125" "$?:$out" "^125:.*no jail named"
out=$("$JAILRUN" net frob "$A" 2>&1)
like "unknown net verb: 125 with usage" "$?:$out" "^125:.*expected 'net allow\|deny NAME"
B=${N}b; names="$names $B"
"$JAILRUN" run -d --name "$B" "$ROOTFS" sleep 60 >/dev/null
out=$("$JAILRUN" net allow "$B" example.com 2>&1)
like "a jail without the proxy: 125, says how" "$?:$out" "^125:.*no egress proxy: start it with --net-allow proxy"
done_testing
