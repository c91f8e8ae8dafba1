#!/bin/sh
# netiso.sh - the private network's isolation between jails (DESIGN §4):
# each jail's eth0 is one end of a veth pair whose other end, with the
# gateway address, sits alone in a netns of its own with no uplink.  A
# jail reaches neither another jail's address nor its proxy, and as root
# the outer netns is inspected directly.  Traffic stays inside the
# namespaces the jails made.
. "$JR_SRC/tests/lib.sh"
if [ "$JR_MODE" = root ]; then plan 11; else plan 8; fi
mkscratch
mkdir "$SCRATCH/w" && chmod 777 "$SCRATCH/w" # the jail user of a root run writes here
P=/usr/bin/probe

# jail A: the egress proxy on its gateway, a web server on its eth0
timeout -k 5 120 "$JAILRUN" --net-allow proxy --allow example.com -v "$SCRATCH/w:/mnt" "$ROOTFS" \
  sh -c 'ip -4 -o addr show eth0 | awk "{print \$4}" | cut -d/ -f1 > /mnt/a.tmp; mv /mnt/a.tmp /mnt/a.addr
         exec httpd -f -p 7000 -h /tmp' >"$SCRATCH/a.out" 2>&1 & A=$!
trap 'kill $A 2>/dev/null; rm -rf "$SCRATCH"' EXIT
for i in $(seq 100); do [ -s "$SCRATCH/w/a.addr" ] && break; sleep 0.1; done
aaddr=$(cat "$SCRATCH/w/a.addr" 2>/dev/null)
like "jail A has an address on eth0" "$aaddr" '^10\.88\.[0-9]+\.[0-9]+$'
like "control: a jail reaches a server on its own eth0 address" "$(jr "$ROOTFS" sh -c \
  'httpd -p 7000 -h /tmp; $0 connect $(ip -4 -o addr show eth0 | awk "{print \$4}" | cut -d/ -f1) 7000' $P)" "connect ok"

for mode in default proxy; do
  opt=; [ $mode = proxy ] && opt="--net-allow proxy"
  out=$(jr $opt "$ROOTFS" sh -c "$P connect $aaddr 7000; $P connect $aaddr 3128; $P connect 10.88.0.1 3128")
  like "$mode jail B: jail A's address unreachable" "$(echo "$out" | sed -n 1p)" "connect (EHOSTUNREACH|ENETUNREACH|ETIMEDOUT)"
  like "$mode jail B: jail A's address, proxy port, unreachable" "$(echo "$out" | sed -n 2p)" "connect (EHOSTUNREACH|ENETUNREACH|ETIMEDOUT)"
  if [ $mode = proxy ]; then
    like "proxy jail B: its gateway serves its own proxy" "$(echo "$out" | sed -n 3p)" "connect ok"
  else
    like "default jail B: its gateway has no proxy (not A's)" "$(echo "$out" | sed -n 3p)" "connect ECONNREFUSED"
  fi
done

if [ "$JR_MODE" = root ]; then
  # The outer end: the helper (the supervisor's child that is not the
  # jail's init) lives in the jail's netns and holds the private one open.
  sup=$(pgrep -o -f "^[^ ]*jailrun --net-allow proxy --allow example.com -v $SCRATCH/w:/mnt")
  helper=
  for c in $(pgrep -P "$sup"); do
    [ "$(cat /proc/$c/comm)" = jailrun-init ] || helper=$c
  done
  own=$(readlink "/proc/$helper/ns/net")
  priv=
  for f in /proc/$helper/fd/*; do
    case $(readlink "$f") in net:*) [ "$(readlink "$f")" = "$own" ] || priv=$f ;; esac
  done
  links=$(nsenter --net="$priv" ip -o link 2>&1 | awk -F': ' '{print $2}' | sed 's/@.*//' | tr '\n' ' ')
  is "the private netns holds only lo and veth0" "$links" "lo veth0 "
  is "the private netns has only the subnet's route (no uplink)" \
    "$(nsenter --net="$priv" ip -4 route 2>&1 | awk '{print $1, $2, $3}' | tr '\n' ' ')" "10.88.0.0/16 dev veth0 "
  ok "the private netns is neither the host's nor the jail's" \
    sh -c "test -n '$priv' && test '$(readlink "$priv")' != '$(readlink /proc/self/ns/net)' && test '$(readlink "$priv")' != '$own'"
fi
kill $A 2>/dev/null
wait $A 2>/dev/null
done_testing
