#!/bin/sh
# stacks.sh - issue 14: the internet switch of a running jail (jailrun net
# allow|deny|ls|off|on) while a published port keeps serving, with the
# changes in the audit log.  Traffic goes only to loopback and to the
# namespaces the jails made.
. "$JR_SRC/tests/lib.sh"
# Named networks are root only in this version: rootless checks the refusal.
if [ "$JR_MODE" = user ]; then plan 46; else plan 62; fi
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

# --- named networks ----------------------------------------------------------
nets=""
stop_all() { for n in $names; do "$JAILRUN" rm -f "$n" >/dev/null 2>&1; done; names=""; }
trap 'stop_all; for n in $nets; do "$JAILRUN" network rm "$n" >/dev/null 2>&1; done; cleanup' EXIT
srv() { # srv NAME OPTS... : a detached jail serving its name on :8000
  n=$1; shift; names="$names $n"
  "$JAILRUN" run -d --name "$n" "$@" -v "$SCRATCH:/mnt:ro" / python3 /mnt/switchcli.py serve 8000 "hello from $n" >/dev/null
}
get() { timeout -k 5 30 "$JAILRUN" exec "$1" python3 /mnt/switchcli.py get "$2" 8000 2>&1; }
NA=${N}na NB=${N}nb NC=${N}nc
if [ "$JR_MODE" = user ]; then
  out=$("$JAILRUN" network create "$NA" 2>&1)
  like "rootless: network create is refused: 125, says why" "$?:$out" "^125:.*named networks need root"
  out=$("$JAILRUN" network ls 2>&1)
  unlike "rootless: nothing left behind" "$out" "$NA"
  out=$("$JAILRUN" run --network "$NA" "$ROOTFS" true 2>&1)
  like "rootless: --network NAME is refused: 125" "$?:$out" "^125:.*named networks need root"
else
  nets="$NA $NB $NC"
  out=$("$JAILRUN" network create "$NA" --subnet 10.89.7.0/24 2>&1)
  is "network create NAME --subnet" "$?:$out" "0:$NA"
  "$JAILRUN" network create "$NB" --subnet 10.90.7.0/24 >/dev/null
  like "network ls: ready, subnet, holder" "$("$JAILRUN" network ls)" "^$NA +ready +10\.89\.7\.0/24 +[0-9]+$"
  holder=$("$JAILRUN" network inspect "$NA" | sed -n 's/.*"Holder": {"Pid": \([0-9]*\).*/\1/p')
  ok "network inspect names a live holder process" kill -0 "$holder"
  hp2=$(freeport)
  srv "${N}a1" --network "$NA" -p "$hp2:8000"
  srv "${N}a2" --network "$NA" --network-alias db
  srv "${N}b1" --network "$NB"
  srv "${N}d1"
  for j in a1 a2 b1 d1; do for i in $(seq 50); do get "${N}$j" 127.0.0.1 | grep -q hello && break; sleep 0.1; done; done
  a1ip=$("$JAILRUN" network inspect "$NA" | sed -n "s/.*\"Address\": \"\([0-9.]*\)\", \"Names\": \"${N}a1\".*/\1/p")
  is "same network: by --name" "$(get "${N}a2" "${N}a1")" "hello from ${N}a1"
  is "same network: a jail started later is found by --network-alias" "$(get "${N}a1" db)" "hello from ${N}a2"
  is "same network: by address" "$(get "${N}a2" "$a1ip")" "hello from ${N}a1"
  like "other network: the address is unreachable" "$(get "${N}b1" "$a1ip")" "^error: (EHOSTUNREACH|ENETUNREACH|timeout)"
  like "other network: the name is unknown" "$(get "${N}b1" "${N}a1")" "^error: no such name"
  like "default network: unreachable" "$(get "${N}d1" "$a1ip")" "^error: (EHOSTUNREACH|ENETUNREACH|timeout)"
  like "a jail on a network cannot reach the host's loopback service" \
    "$(timeout 30 "$JAILRUN" exec "${N}a1" python3 /mnt/switchcli.py get 127.0.0.1 "$op")" "^error: ECONNREFUSED"
  like "nor anything through the network's gateway" \
    "$(timeout 30 "$JAILRUN" exec "${N}a1" python3 /mnt/switchcli.py get 10.89.7.1 "$op")" "^error: (ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|timeout)"
  is "-p publishes a port of a jail on a named network" "$(curl -sS -m 10 "http://127.0.0.1:$hp2/" 2>&1)" "hello from ${N}a1"
  out=$("$JAILRUN" network rm "$NA" 2>&1)
  like "network rm while jails are on it: 125" "$?:$out" "^125:.*has 2 jail\(s\) on it"
  "$JAILRUN" rm -f "${N}a2" >/dev/null
  unlike "a jail that ends leaves the others' /etc/hosts" "$("$JAILRUN" exec "${N}a1" cat /etc/hosts)" "db"
  stop_all
  out=$("$JAILRUN" network rm "$NA" 2>&1)
  is "network rm NAME" "$?:$out" "0:$NA"
  gone() { [ ! -e "/proc/$1" ] || grep -q '^[0-9]* (.*) Z' "/proc/$1/stat"; }
  ok "network rm ends the holder" gone "$holder"
  "$JAILRUN" network create "$NC" >/dev/null
  h=$("$JAILRUN" network inspect "$NC" | sed -n 's/.*"Holder": {"Pid": \([0-9]*\).*/\1/p')
  kill -9 "$h"; sleep 0.2
  like "a holder that died is reported stale" "$("$JAILRUN" network ls)" "^$NC +stale"
  out=$("$JAILRUN" run --network "$NC" "$ROOTFS" true 2>&1)
  like "--network on a stale network: 125, says what to do" "$?:$out" "^125:.*is stale.*jailrun network rm $NC"
  "$JAILRUN" network rm "$NC" >/dev/null
  unlike "network rm cleans a stale network" "$("$JAILRUN" network ls)" "$NC"
fi
out=$("$JAILRUN" run --network host "$ROOTFS" true 2>&1)
like "--network host is refused: 125, says why" "$?:$out" "^125:.*never shares the host's network"
is "--network none is --no-net" "$("$JAILRUN" run --network none "$ROOTFS" probe ifaces | sed -n 's/^ *\([a-z0-9]*\):.*/\1/p' | tr '\n' ' ')" "lo "
out=$("$JAILRUN" run --network "${N}nosuch" "$ROOTFS" true 2>&1)
like "--network of no such network: 125" "$?:$out" "^125:.*(no network named|need root)"
out=$("$JAILRUN" run --network-alias 'bad name' "$ROOTFS" true 2>&1)
like "bad --network-alias: 125" "$?:$out" "^125:.*network-alias 'bad name'"
out=$("$JAILRUN" network create "${N}x" --subnet 10.1.2.3/30 2>&1)
like "network create with a bad subnet: 125" "$?:$out" "^125:.*(subnet|need root)"

# --- health ------------------------------------------------------------------
H=${N}h; names="$names $H"
"$JAILRUN" run -d --name "$H" --health-cmd 'test -e /tmp/ready && id -u' --health-interval 200ms \
  --health-retries 3 --health-start-period 30s "$ROOTFS" sh -c 'sleep 1; touch /tmp/ready; exec sleep 300' >/dev/null
like "ps shows the health state (starting)" "$("$JAILRUN" ps | grep "^$H ")" " running\(starting\) "
out=$(timeout -k 5 30 "$JAILRUN" wait --healthy "$H"); st=$?
is "wait --healthy: 0 once healthy" "$st:$out" "0:healthy"
is "inspect: health, and the check ran as the jail's user" "$("$JAILRUN" inspect -f '{{json .State.Health}}' "$H")" \
  '{"Status":"healthy","FailingStreak":0,"LastExitCode":0,"LastOutput":"65532"}'
"$JAILRUN" exec "$H" rm /tmp/ready
out=$(timeout -k 5 30 sh -c "while \"$JAILRUN\" wait --healthy $H >/dev/null; do sleep 0.1; done; \"$JAILRUN\" wait --healthy $H"); st=$?
is "3 failures in a row after healthy: unhealthy, wait says 1" "$st:$out" "1:unhealthy"
like "inspect counts the failing streak" "$("$JAILRUN" inspect -f '{{json .State.Health}}' "$H")" '"Status":"unhealthy","FailingStreak":[3-9]'
H2=${N}h2; names="$names $H2"
"$JAILRUN" run -d --name "$H2" --health-cmd 'sleep 5' --health-interval 100ms --health-timeout 300ms --health-retries 1 \
  "$ROOTFS" sleep 300 >/dev/null
out=$(timeout -k 5 30 "$JAILRUN" wait --healthy "$H2"); st=$?
is "a check over its timeout fails" "$st:$out" "1:unhealthy"
like "inspect says it timed out" "$("$JAILRUN" inspect -f '{{json .State.Health}}' "$H2")" '"LastExitCode":137,"LastOutput":"timed out after 0\.3 s"'
H3=${N}h3; names="$names $H3"
"$JAILRUN" run -d --name "$H3" --health-cmd true --health-interval 10s "$ROOTFS" sh -c 'sleep 0.5; exit 3' >/dev/null
out=$(timeout -k 5 30 "$JAILRUN" wait --healthy "$H3"); st=$?
like "wait --healthy: 1 when the jail ends first" "$st:$out" "^1:exited"
out=$(timeout -k 5 30 "$JAILRUN" wait "$H3"); st=$?
is "wait NAME: the jail's exit status" "$st:$out" "3:3"
H4=${N}h4; names="$names $H4"
"$JAILRUN" run -d --name "$H4" "$ROOTFS" sleep 300 >/dev/null
out=$(timeout -k 5 30 "$JAILRUN" wait --healthy "$H4" 2>&1)
like "wait --healthy on a jail without --health-cmd: 125" "$?:$out" "^125:.*has no --health-cmd"
out=$("$JAILRUN" run --health-cmd true --health-interval 5x "$ROOTFS" true 2>&1)
like "bad --health-interval: 125" "$?:$out" "^125:.*health-interval '5x': a duration like"
out=$("$JAILRUN" run --health-cmd true --health-retries 0 "$ROOTFS" true 2>&1)
like "bad --health-retries: 125" "$?:$out" "^125:.*health-retries '0'"
done_testing
