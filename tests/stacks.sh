#!/bin/sh
# stacks.sh - issue 14: the internet switch of a running jail (jailrun net
# allow|deny|ls|off|on) while a published port keeps serving, with the
# changes in the audit log; named networks (root and rootless: isolation,
# names, a hostile jail), health, restart, up/down and examples/stack.
# Traffic goes only to loopback and to the namespaces the jails made.
. "$JR_SRC/tests/lib.sh"
if [ "$JR_MODE" = root ]; then plan 138; else plan 137; fi
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
cp "$JR_SRC/tests/switchcli.py" "$JR_SRC/tests/nsescape.py" "$SCRATCH/"
mkdir "$SCRATCH/pub" "$SCRATCH/www"
echo "allowed content" > "$SCRATCH/pub/f.txt"
echo "served from the jail" > "$SCRATCH/www/index.html"
chmod -R a+rX "$SCRATCH"

# A host "internet" on loopback, allowed by its literal address.
op=$(freeport)
$PY -m http.server --bind 127.0.0.1 --directory "$SCRATCH/pub" "$op" >/dev/null 2>&1 & PSRV=$!
wait_url "http://127.0.0.1:$op/f.txt"
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
wait_url "http://127.0.0.1:$hp/"
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
wait_for grep -q 200 "$SCRATCH/hold.out"
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
# Hostile: jails on one network share a parent user namespace (rootless:
# the holder's).  Even with CAP_SYS_ADMIN in its own, a jail gets no
# handle on that parent (NS_GET_PARENT) and cannot signal another jail on
# the network, its supervisor or the network's holder (their host pids).
a2init=$("$JAILRUN" inspect -f '{{.State.InitPid}}' "${N}a2")
a2sup=$("$JAILRUN" inspect -f '{{.State.SupervisorPid}}' "${N}a2")
is "a jail on the network cannot reach the parent user namespace, another jail, its supervisor or the holder" \
  "$(timeout 30 "$JAILRUN" run --network "$NA" --cap-add CAP_SYS_ADMIN -v "$SCRATCH:/mnt:ro" / \
     python3 /mnt/nsescape.py "$a2init" "$a2sup" "$holder" 2>&1 | tr '\n' ' ')" \
  "parent: Operation not permitted kill $a2init: No such process kill $a2sup: No such process kill $holder: No such process "
like "two jails on one network are in different user namespaces" \
  "$("$JAILRUN" exec "${N}a1" readlink /proc/self/ns/user):$("$JAILRUN" exec "${N}a2" readlink /proc/self/ns/user)" \
  "^user:\[([0-9]+)\]:user:\[[0-9]+\]$"
if [ "$JR_MODE" = root ]; then
  # A network is its creator's: another user does not find it.
  tu=${JAILRUN_TEST_USER:-jrtest}
  id -u "$tu" >/dev/null 2>&1 || useradd -M -s /bin/sh "$tu"
  out=$(setpriv --reuid="$(id -u "$tu")" --regid="$(id -g "$tu")" --init-groups --reset-env \
        env PATH=/usr/bin:/bin "$JAILRUN" run --network "$NA" / true 2>&1)
  like "another user cannot join the network: 125" "$?:$out" "^125:.*no network named '$NA'"
fi
ok "... and their user namespaces differ" test "$("$JAILRUN" exec "${N}a1" readlink /proc/self/ns/user)" != "$("$JAILRUN" exec "${N}a2" readlink /proc/self/ns/user)"
# On two networks (--network repeated): A (a1) on NA, B (ab) on both, C (b1)
# on NB.  One veth per network, the hosts files merged and kept current.
srv "${N}ab" --network "$NA" --network "$NB" --network-alias both
for i in $(seq 50); do get "${N}ab" 127.0.0.1 | grep -q hello && break; sleep 0.1; done
b1ip=$("$JAILRUN" network inspect "$NB" | sed -n "s/.*\"Address\": \"\([0-9.]*\)\", \"Names\": \"${N}b1\".*/\1/p")
is "on two networks: eth0 and eth1" \
  "$("$JAILRUN" exec "${N}ab" sed -n 's/^ *\([a-z0-9]*\):.*/\1/p' /proc/net/dev | sort | tr '\n' ' ')" "eth0 eth1 lo "
is "B reaches A (first network) by name" "$(get "${N}ab" "${N}a1")" "hello from ${N}a1"
is "B reaches C (second network) by name" "$(get "${N}ab" "${N}b1")" "hello from ${N}b1"
is "A reaches B by its alias" "$(get "${N}a1" both)" "hello from ${N}ab"
is "C reaches B by name" "$(get "${N}b1" "${N}ab")" "hello from ${N}ab"
like "A cannot reach C (B on both does not route)" "$(get "${N}a1" "$b1ip")" "^error: (EHOSTUNREACH|ENETUNREACH|timeout)"
like "C cannot reach A" "$(get "${N}b1" "$a1ip")" "^error: (EHOSTUNREACH|ENETUNREACH|timeout)"
srv "${N}b2" --network "$NB"
for i in $(seq 50); do get "${N}ab" "${N}b2" | grep -q hello && break; sleep 0.1; done
is "a jail started later on the second network is found by B" "$(get "${N}ab" "${N}b2")" "hello from ${N}b2"
"$JAILRUN" rm -f "${N}b2" >/dev/null
for i in $(seq 50); do "$JAILRUN" exec "${N}ab" grep -q "${N}b2" /etc/hosts || break; sleep 0.1; done
unlike "a jail that ends leaves B's merged /etc/hosts" "$("$JAILRUN" exec "${N}ab" cat /etc/hosts)" "${N}b2"
"$JAILRUN" rm -f "${N}ab" >/dev/null
out=$("$JAILRUN" run --network "$NA" --network "$NA" "$ROOTFS" true 2>&1)
like "--network NAME twice: 125" "$?:$out" "^125:.*--network '$NA' given twice"
NO=${N}no; nets="$nets $NO"
"$JAILRUN" network create "$NO" --subnet 10.89.0.0/16 >/dev/null
out=$("$JAILRUN" run --network "$NA" --network "$NO" "$ROOTFS" true 2>&1)
like "two networks whose subnets overlap: 125" "$?:$out" "^125:.*--network $NA and --network $NO: their subnets overlap"
"$JAILRUN" network rm "$NO" >/dev/null
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
# Attack: a jail flocks its read-only /etc/hosts (the network's hosts file):
# every later join and leave on the network must not hang on that lock.
ND=${N}nd; nets="$nets $ND"
"$JAILRUN" network create "$ND" --subnet 10.91.7.0/24 >/dev/null
hosts=$("$JAILRUN" network inspect "$ND" | sed -n 's/.*"Hosts": "\(.*\)",$/\1/p')
names="$names ${N}lk"
"$JAILRUN" run -d --name "${N}lk" --network "$ND" / python3 -c \
  'import fcntl,time; f=open("/etc/hosts"); fcntl.flock(f, fcntl.LOCK_EX); time.sleep(600)' >/dev/null
for i in $(seq 50); do flock -n "$hosts" true || break; sleep 0.1; done
out=$(timeout -k 5 20 "$JAILRUN" run --network "$ND" / cat /etc/hosts 2>&1)
like "a jail holding a lock on /etc/hosts does not block another jail's join" "$?:$out" "^0:127\.0\.0\.1"
stop_all
out=$("$JAILRUN" network rm "$ND" 2>&1)
is "and the network is removed after" "$?:$out" "0:$ND"
out=$("$JAILRUN" run --network host "$ROOTFS" true 2>&1)
like "--network host is refused: 125, says why" "$?:$out" "^125:.*never shares the host's network"
is "--network none is --no-net" "$("$JAILRUN" run --network none "$ROOTFS" probe ifaces | sed -n 's/^ *\([a-z0-9]*\):.*/\1/p' | tr '\n' ' ')" "lo "
out=$("$JAILRUN" run --network "${N}nosuch" "$ROOTFS" true 2>&1)
like "--network of no such network: 125" "$?:$out" "^125:.*no network named"
out=$("$JAILRUN" run --network-alias 'bad name' "$ROOTFS" true 2>&1)
like "bad --network-alias: 125" "$?:$out" "^125:.*network-alias 'bad name'"
out=$("$JAILRUN" network create "${N}x" --subnet 10.1.2.3/30 2>&1)
like "network create with a bad subnet: 125" "$?:$out" "^125:.*subnet"

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
# --- restart -----------------------------------------------------------------
# jstate NAME: inspect's State on one line ("Key": value, ...)
jstate() { "$JAILRUN" inspect -f '{{json .State}}' "$1" | python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin)))'; }
R=${N}r; names="$names $R"
"$JAILRUN" run -d --name "$R" --restart on-failure:2 "$ROOTFS" sh -c 'echo ran; exit 1' >/dev/null
out=$(timeout -k 5 30 "$JAILRUN" wait "$R"); st=$?
is "on-failure:2, exit 1: wait gives the status once it stays exited" "$st:$out" "1:1"
like "inspect: exited after 2 restarts" "$(jstate "$R")" \
  '"Status": "exited", .*"RestartCount": 2, "RestartPolicy": "on-failure:2", "ExitStatus": 1'
is "the command ran 3 times (its log)" "$("$JAILRUN" logs "$R" | grep -c '^ran$')" "3"
like "ps shows the restart count" "$("$JAILRUN" ps | grep "^$R ")" " exited,restarts=2 "
R0=${N}r0; names="$names $R0"
"$JAILRUN" run -d --name "$R0" --restart on-failure "$ROOTFS" true >/dev/null
out=$(timeout -k 5 30 "$JAILRUN" wait "$R0"); st=$?
is "on-failure and exit 0: ends with 0" "$st:$out" "0:0"
like "on-failure and exit 0: no restart" "$(jstate "$R0")" '"RestartCount": 0,'

RA=${N}ra; names="$names $RA"
rp=$(freeport)
"$JAILRUN" run -d --name "$RA" --restart always -p "$rp:8000" -v "$SCRATCH:/mnt:ro" \
  / python3 -m http.server --bind 127.0.0.1 --directory /mnt/www 8000 >/dev/null 2>&1
rserves() { curl -sS -m 10 "http://127.0.0.1:$rp/" 2>&1; }
wait_url "http://127.0.0.1:$rp/"
is "always: the published port serves" "$(rserves)" "served from the jail"
is "the command is the jail's pid 2" "$("$JAILRUN" exec "$RA" sh -c 'tr "\0" " " < /proc/2/cmdline')" \
  "python3 -m http.server --bind 127.0.0.1 --directory /mnt/www 8000 "
t0=$(date +%s%N)
"$JAILRUN" exec "$RA" kill -9 2
for i in $(seq 300); do curl -s -o /dev/null "http://127.0.0.1:$rp/" && break; sleep 0.05; done
t1=$(date +%s%N)
is "killed: it comes back and the port serves again" "$(rserves)" "served from the jail"
echo "# restart after kill -9 until the port serves again: $(( (t1 - t0) / 1000000 )) ms"
like "inspect counts the restart" "$(jstate "$RA")" '"Status": "running", .*"RestartCount": 1, "RestartPolicy": "always"'
unlike "the port was never 'in use' (its log)" "$("$JAILRUN" logs "$RA")" "in use"
t0=$(date +%s%N)
out=$("$JAILRUN" restart "$RA" 2>&1)
t1=$(date +%s%N)
is "jailrun restart NAME" "$?:$out" "0:$RA"
echo "# jailrun restart (SIGTERM, stop, start again): $(( (t1 - t0) / 1000000 )) ms"
for i in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$rp/" && break; sleep 0.05; done
is "after restart the port serves" "$(rserves)" "served from the jail"
like "a manual restart is not counted" "$(jstate "$RA")" '"Status": "running", .*"RestartCount": 1,'
out=$("$JAILRUN" stop "$RA" 2>&1)
is "stop a restarting jail" "$?:$out" "0:$RA"
sleep 1
like "stop does not restart it" "$(jstate "$RA")" '"Status": "exited", .*"RestartCount": 1,'
ok "the published port is closed after stop" sh -c "! curl -s -m 5 -o /dev/null http://127.0.0.1:$rp/"

RB=${N}rb; names="$names $RB"
"$JAILRUN" run -d --name "$RB" --restart always "$ROOTFS" sh -c 'echo ran; exit 1' >/dev/null
sleep 2
"$JAILRUN" stop "$RB" >/dev/null
n1=$("$JAILRUN" logs "$RB" | grep -c '^ran$')
ok "back-off: 100 ms doubling gives 3 to 8 runs in 2 s (got $n1)" test "$n1" -ge 3 -a "$n1" -le 8
sleep 1
is "stop during the back-off: no more runs" "$("$JAILRUN" logs "$RB" | grep -c '^ran$'):$("$JAILRUN" ps | grep -c "^$RB .* exited")" "$n1:1"
out=$("$JAILRUN" run -d --restart sometimes "$ROOTFS" true 2>&1)
like "bad --restart: 125" "$?:$out" "^125:.*restart 'sometimes': use no, on-failure\[:N\], always or unless-stopped"
out=$("$JAILRUN" run --restart always "$ROOTFS" true 2>&1)
like "--restart without -d: 125" "$?:$out" "^125:.*--restart needs -d"
out=$("$JAILRUN" restart "$R" 2>&1)
like "restart of an ended jail: 125" "$?:$out" "^125:.*restart $R: the jail has ended"
# --- the stack file (jailrun up/down) ------------------------------------------
P=${N}st
mkdir "$SCRATCH/stack"
sp=$(freeport)
cat > "$SCRATCH/stack/jailrun.yaml" <<EOF
services:
  db:
    rootfs: /
    command: python3 -m http.server --bind 0.0.0.0 --directory /mnt/www 8001
    volumes: ["$SCRATCH:/mnt:ro"]
    healthcheck:
      test: ["CMD-SHELL", "python3 /mnt/switchcli.py get 127.0.0.1 8001 | grep -q served"]
      interval: 200ms
      retries: 3
  app:
    rootfs: /
    command: ["python3", "-m", "http.server", "--bind", "0.0.0.0", "--directory", "/mnt/www", "8000"]
    volumes: ["$SCRATCH:/mnt:ro"]
    ports: ["127.0.0.1:$sp:8000"]
    depends_on:
      db:
        condition: service_healthy
    environment:
      GREETING: hello
    frobnicate: 1
EOF
chmod -R a+rX "$SCRATCH/stack"
t0=$(date +%s%N)
out=$(cd "$SCRATCH/stack" && "$JAILRUN" up -d -p "$P" 2>"$SCRATCH/up.err")
st=$?; t1=$(date +%s%N)
is "up -d: the services in depends_on order" "$st:$(echo $out)" "0:$P-db $P-app"
echo "# up of 2 services (db healthy first): $(( (t1 - t0) / 1000000 )) ms"
like "an unknown key is a warning naming file:line:key" "$(cat "$SCRATCH/up.err")" \
  "warning: jailrun.yaml:20: service app: unknown key 'frobnicate' ignored"
like "ps shows the stack (db healthy)" "$("$JAILRUN" ps | grep "^$P-db ")" " running\(healthy\) "
wait_url "http://127.0.0.1:$sp/"
is "the app's published port serves on the host" "$(curl -sS -m 10 "http://127.0.0.1:$sp/" 2>&1)" "served from the jail"
is "app reaches db by its service name" \
  "$("$JAILRUN" exec "$P-app" python3 /mnt/switchcli.py get db 8001 2>&1)" "served from the jail"
is "environment (map form)" "$("$JAILRUN" exec "$P-app" sh -c 'echo $GREETING')" "hello"
like "up made the network PROJECT-default" "$("$JAILRUN" network ls)" "^$P-default "
holder=$("$JAILRUN" network ls | awk -v n="$P-default" '$1 == n { print $4 }')
out=$(cd "$SCRATCH/stack" && "$JAILRUN" down -p "$P" 2>&1)
is "down: removes the services" "$?:$(echo $out)" "0:$P-app $P-db"
is "down leaves no jail and no network" "$("$JAILRUN" ps | grep -c "^$P-"):$("$JAILRUN" network ls | grep -c "^$P-")" "0:0"
# (ended: gone, or a zombie where the host's pid 1 does not reap)
ok "down leaves no network holder (pid $holder)" sh -c "[ -n '$holder' ] && { ! kill -0 '$holder' 2>/dev/null || grep -q '^State:.*Z' /proc/$holder/status; }"
# A dependency that never gets healthy: 125, everything removed.
sed -e 's|get 127.0.0.1 8001|get 127.0.0.1 9|' -e 's/retries: 3/retries: 1/' \
  "$SCRATCH/stack/jailrun.yaml" > "$SCRATCH/stack/sick.yaml"
out=$("$JAILRUN" up -f "$SCRATCH/stack/sick.yaml" -p "$P" 2>&1); st=$?
like "up: a dependency that gets unhealthy fails (125)" "$st:$(echo $out)" "^125:.*$P-db did not become healthy"
is "a failed up removes what it started" "$("$JAILRUN" ps | grep -c "^$P-"):$("$JAILRUN" network ls | grep -c "^$P-")" "0:0"
# A service on two networks (networks: as a list and as a map): it finds
# both neighbours by name; they do not find each other.
cat > "$SCRATCH/stack/two.yaml" <<EOF
networks:
  front: {}
  back: {internal: true}
services:
  mid:
    rootfs: /
    command: sleep 300
    networks: [front, back]
  web:
    rootfs: /
    command: sleep 300
    networks: {front: {aliases: [www]}}
  db:
    rootfs: /
    command: sleep 300
    networks: [back]
EOF
out=$("$JAILRUN" up -d -f "$SCRATCH/stack/two.yaml" -p "$P" 2>&1)
is "up: a service on two networks starts" "$?:$(echo $out)" "0:$P-mid $P-web $P-db"
hosts() { "$JAILRUN" exec "$P-$1" cat /etc/hosts 2>&1 | awk '{ for (i = 2; i <= NF; i++) print $i }' | sort -u | tr '\n' ' '; }
like "  it has an interface on each (eth0, eth1)" "$("$JAILRUN" exec "$P-mid" cat /proc/net/dev 2>&1 | tr -d ' ' | cut -d: -f1 | sort | tr '\n' ' ')" "eth0 eth1"
like "  and finds web (by alias too) and db" "$(hosts mid)" "(^| )db .*web .*www "
like "  web finds mid" "$(hosts web)" "(^| )mid "
ok "  web does not know db; db does not know web" sh -c "! echo '$(hosts web)' | grep -qw db && ! echo '$(hosts db)' | grep -qw web"
out=$("$JAILRUN" down -f "$SCRATCH/stack/two.yaml" -p "$P" 2>&1)
is "down: removes the three and both networks" "$?:$("$JAILRUN" ps | grep -c "^$P-"):$("$JAILRUN" network ls | grep -c "^$P-")" "0:0:0"
printf 'services:\n  web:\n    image: nginx\n    command: ["true"]\n' > "$SCRATCH/stack/img.yaml"
out=$("$JAILRUN" up -f "$SCRATCH/stack/img.yaml" -p "$P" 2>&1)
like "image: is an error naming file:line and why (125)" "$?:$out" \
  "^125:.*img\.yaml:3: service web: image: jailrun runs a rootfs directory.*podman export"
printf 'services:\n  web:\n    rootfs: /\n    command: [true\n' > "$SCRATCH/stack/syntax.yaml"
out=$("$JAILRUN" up -f "$SCRATCH/stack/syntax.yaml" -p "$P" 2>&1)
like "a YAML syntax error names file:line (125)" "$?:$out" "^125:.*syntax\.yaml:[45]: "
printf 'services:\n  web:\n    rootfs: /\n    command: ["true"]\n    depends_on: [nosuch]\n' > "$SCRATCH/stack/dep.yaml"
out=$("$JAILRUN" up -f "$SCRATCH/stack/dep.yaml" -p "$P" 2>&1)
like "depends_on an unknown service (125)" "$?:$out" "^125:.*dep\.yaml:5: depends_on: no service 'nosuch'"
is "bad files leave nothing behind" "$("$JAILRUN" ps | grep -c "^$P-")" "0"
# --- examples/stack: the local-AI stack stand-in --------------------------------
E=${N}ex
cp -r "$JR_SRC/examples/stack" "$SCRATCH/ex"
ep=$(freeport)
sed -i "s/127.0.0.1:8000:8000/127.0.0.1:$ep:8000/" "$SCRATCH/ex/jailrun.yaml"
chmod -R a+rX "$SCRATCH/ex"
t0=$(date +%s%N)
out=$("$JAILRUN" up -d -f "$SCRATCH/ex/jailrun.yaml" -p "$E" 2>&1); st=$?
t1=$(date +%s%N)
is "example: up -d (model healthy first)" "$st:$(echo $out)" "0:$E-model $E-vectordb $E-app"
echo "# up of the example stack (3 services, model healthy first): $(( (t1 - t0) / 1000000 )) ms"
for i in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$ep/" && break; sleep 0.1; done
is "example: the app on the host's loopback reaches db and model by name" \
  "$(curl -sS -m 20 "http://127.0.0.1:$ep/?q=models+memory" 2>&1)" \
  "context: models need memory | answer: generated text about models memory"
like "example: the app's egress is the proxy, offline until allowed" \
  "$(curl -sS -m 20 "http://127.0.0.1:$ep/fetch?url=http://127.0.0.1:$op/f.txt" 2>&1)" \
  "^error: 403 .*no --allow rule matches 127\.0\.0\.1:$op"
gw=$("$JAILRUN" network inspect "$E-default" | sed -n 's/.*"Gateway": "\([0-9.]*\)".*/\1/p')
for s in model vectordb app; do
  like "example: $s has no way to the host (gateway $gw:$op)" \
    "$("$JAILRUN" exec "$E-$s" python3 /srv/probe.py "http://$gw:$op/f.txt" 2>&1 | tail -1)" \
    "(Connection refused|unreachable|timed out)"
done
like "example: the model server has no proxy either" "$("$JAILRUN" net ls "$E-model" 2>&1)" "no egress proxy"
out=$("$JAILRUN" net allow "$E-app" "127.0.0.1:$op" 2>&1)
is "example: net allow for the app" "$?:$out" "0:"
is "example: the app fetches the allowed host" \
  "$(curl -sS -m 20 "http://127.0.0.1:$ep/fetch?url=http://127.0.0.1:$op/f.txt" 2>&1)" "allowed content"
like "example: another jail on the network cannot use the app's proxy" \
  "$("$JAILRUN" exec "$E-model" python3 /srv/probe.py "http://$gw:3128/" 2>&1 | tail -1)" \
  "(Connection refused|unreachable|timed out)"
t0=$(date +%s%N)
"$JAILRUN" exec "$E-model" kill -9 2
for i in $(seq 300); do "$JAILRUN" exec "$E-model" python3 /srv/probe.py http://127.0.0.1:8080/health >/dev/null 2>&1 && break; sleep 0.05; done
t1=$(date +%s%N)
like "example: a killed model server is restarted" "$(jstate "$E-model")" '"Status": "running", .*"RestartCount": 1,'
echo "# example: model server killed until it answers again: $(( (t1 - t0) / 1000000 )) ms"
is "example: the app reaches the restarted model" \
  "$(curl -sS -m 20 "http://127.0.0.1:$ep/?q=jails" 2>&1)" "context: jails are namespaces | answer: generated text about jails"
holder=$("$JAILRUN" network ls | awk -v n="$E-default" '$1 == n { print $4 }')
out=$("$JAILRUN" down -f "$SCRATCH/ex/jailrun.yaml" -p "$E" 2>&1)
is "example: down" "$?:$(echo $out)" "0:$E-app $E-vectordb $E-model"
is "example: down leaves no jail state and no network" \
  "$("$JAILRUN" ps | grep -c "^$E-"):$("$JAILRUN" network ls | grep -c "^$E-")" "0:0"
ok "example: no process left (network holder $holder, no supervisor)" sh -c \
  "{ ! kill -0 '$holder' 2>/dev/null || grep -q '^State:.*Z' /proc/$holder/status; } && ! ps -eo args | grep -q '[j]ailrun.* -p $E\$'"
done_testing
