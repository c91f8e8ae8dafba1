#!/bin/sh
# forward-sec.sh - a published port (-p) gives the jail no way out (DESIGN
# §3/§4): the jail's process listens on the published port, takes two
# connections through the forward and turns every socket it got that way
# against a trap listener on the host's loopback: connect(AF_UNSPEC) then
# connect on an accepted socket and on the listener, sendto(MSG_FASTOPEN)
# after the reset, a fresh socket, and a second listener that must not be
# published.  A forwarder that handed the jail sockets of the host's
# network namespace (the bypass4netns idea, without a guard) fails these;
# the control runs the same attacks outside any jail and must reach the
# trap, so the attacks themselves are known to work.  Loopback only.
. "$JR_SRC/tests/lib.sh"
plan 19
mkscratch
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
cp "$JR_SRC/tests/fwdattack.py" "$SCRATCH/" && chmod 644 "$SCRATCH/fwdattack.py"
A="$SCRATCH/fwdattack.py"
freeport() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# wait_line FILE LINE: bounded wait for a line starting with LINE.
wait_line() { i=0; while ! grep -q "^$2" "$1" 2>/dev/null && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done; }
# reach PORT: "open" when something on host 127.0.0.1:PORT accepts.
reach() { $PY -c "import socket,sys; s=socket.socket(); s.settimeout(3); print('open' if s.connect_ex(('127.0.0.1',$1))==0 else 'closed')"; }

# attack NAME JPORT CMD...: a trap on host 127.0.0.1:$TRAP, then CMD (the
# attacker: fwdattack.py's jail side listening on JPORT, which host port
# $PUB reaches), two clients through $PUB, and a probe of $OTHER from the
# host.  Sets OUT (the attacker's lines), OTHER_REACH and HITS (connections
# the trap saw).
attack() {
  name=$1 jport=$2; shift 2
  TRAP=$(freeport) OTHER=$(freeport) OUT=$SCRATCH/$name.out
  log=$SCRATCH/trap-$name.log
  : > "$log"
  timeout -k 2 60 $PY "$A" trap "$TRAP" 40 "$log" & tp=$!
  wait_line "$log" "trap ready"
  "$@" jail "$jport" "$TRAP" "$OTHER" > "$OUT" 2>&1 & jp=$!
  wait_line "$OUT" listening
  timeout -k 2 30 $PY "$A" client "$PUB" 2 10 & cl=$!
  wait_line "$OUT" other-listening
  OTHER_REACH=$(reach "$OTHER")
  wait_line "$OUT" done
  kill "$tp" "$cl" "$jp" 2>/dev/null; wait "$tp" "$cl" "$jp" 2>/dev/null
  HITS=$(grep -c '^hit' "$log")
}
# res OUT KEY: the result the attacker printed for attempt KEY.
res() { sed -n "s/^$2 //p" "$1"; }

# Control: the same attacks with sockets of the host's namespace (no
# jail, no forward) reach the trap: the test can tell.
PUB=$(freeport)
attack control "$PUB" timeout -k 2 60 $PY "$A"
is "control: accepted socket reset and reconnected outside a jail" "$(res "$OUT" accepted-connect)" ok
is "control: the listener reset and reconnected outside a jail" "$(res "$OUT" listener-connect)" ok
ok "control: the trap saw the attacks ($HITS connections)" [ "$HITS" -ge 3 ]

# Control for why no jail gets a host socket at all: a socket keeps the
# network namespace it was made in.  In namespaces of its own (H for the
# host, J for a jail), netns_escape.py resets H's sockets from J and
# connects to an address only H reaches, and lists H's addresses.
ESC=$(timeout -k 2 60 unshare -Urn $PY "$JR_SRC/tests/netns_escape.py" 2>&1)
is "control: J's own socket cannot reach H's address" "$(echo "$ESC" | sed -n 's/^J: fresh socket connect to H-only address: //p')" ENETUNREACH
is "control: H's listeners (shutdown SHUT_RD, connect AF_UNSPEC) and accepted socket (AF_UNSPEC), used from J, connect out in H" \
  "$(echo "$ESC" | grep -c '^J: then connect to H-only address: ok$')" 3
like "control: H's trap saw those connections" "$ESC" "H: trap saw 3 connections"
like "control: SIOCGIFCONF on H's socket, from J, lists H's addresses" "$ESC" "on H's listener: .*lo:hostonly=10\.200\.0\.1"

# The jail, behind -p, in each network mode.
for net in --no-net default; do
  nf=$net; [ "$net" = default ] && nf=""
  PUB=$(freeport)
  attack "jail$net" 9000 timeout -k 5 90 "$JAILRUN" $nf -p "127.0.0.1:$PUB:9000" -v "$SCRATCH:/mnt:ro" / $PY /mnt/fwdattack.py
  like "$net: the forward delivered both connections to the jail" "$(cat "$OUT")" "^unspec-accepted2 "
  unlike "$net: connect(AF_UNSPEC) + connect on an accepted socket stays in the jail" "$(res "$OUT" accepted-connect)" "^(ok|EINPROGRESS)$"
  unlike "$net: sendto(MSG_FASTOPEN) after the reset stays in the jail" "$(res "$OUT" accepted-fastopen)" "^(ok|EINPROGRESS)$"
  unlike "$net: connect(AF_UNSPEC) + connect on the listener stays in the jail" "$(res "$OUT" listener-connect)" "^(ok|EINPROGRESS)$"
  is "$net: no connection from the jail reached the host's loopback" "$HITS" 0
  is "$net: a second listener in the jail (port $OTHER) is not published" "$OTHER_REACH" closed
done
done_testing
