#!/bin/sh
# proxydns.sh - a slow DNS answer does not serialise the egress proxy
# (issue 16): the supervisor runs in a mount+net namespace this test made,
# whose /etc/resolv.conf points at tests/slowdns.py on 127.0.0.1:53 there
# (names starting with "slow" answered after 3 s, others at once), with a
# web server on 127.0.0.1:8080 there too.  A jail asks the proxy for slow
# names and, meanwhile, for a fast one: the fast requests must be served
# while the slow ones wait, and several slow names must resolve side by
# side (the proxy's resolver threads).  Rootless, the namespaces are made
# in a user namespace mapping the caller to root, and jailrun runs in a
# nested one mapping it back to its own ids.  No traffic leaves that netns.
. "$JR_SRC/tests/lib.sh"
plan 8
mkscratch
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
cp "$JR_SRC/tests/slowdns.py" "$SCRATCH/"
mkdir "$SCRATCH/pub" && echo "content" > "$SCRATCH/pub/f.txt"
chmod -R a+rX "$SCRATCH"
echo "nameserver 127.0.0.1" > "$SCRATCH/resolv.conf"
echo "hosts: files dns" > "$SCRATCH/nsswitch.conf"
if [ "$JR_MODE" = root ]; then outer="unshare -m -n"; wrap=
else outer="unshare -r -m -n"; wrap="unshare --map-user=$(id -u) --map-group=$(id -g)"; fi

allow="--allow-private fast.test:8080"
for i in 0 1 2 3; do allow="$allow --allow-private slow$i.test:8080"; done
cat > "$SCRATCH/inner.sh" <<EOF
set -u
ip link set lo up || exit 1
mount --bind "$SCRATCH/resolv.conf" /etc/resolv.conf || exit 1
mount --bind "$SCRATCH/nsswitch.conf" /etc/nsswitch.conf || exit 1
$PY "$SCRATCH/slowdns.py" serve "$SCRATCH/dns.log" & D=\$!
$PY -m http.server --bind 127.0.0.1 --directory "$SCRATCH/pub" 8080 >/dev/null 2>&1 & H=\$!
trap 'kill \$D \$H 2>/dev/null' EXIT
for i in \$(seq 100); do
  [ -e "$SCRATCH/dns.log.ready" ] && $PY -c 'import socket; socket.create_connection(("127.0.0.1", 8080), 1)' 2>/dev/null && break
  sleep 0.1
done
jail() { timeout -k 5 60 $wrap "$JAILRUN" --net-allow proxy $allow -v "$SCRATCH:/mnt:ro" / $PY /mnt/slowdns.py client 8080 "\$@"; }
jail 1 5 > "$SCRATCH/one.out" 2>&1
jail 4 3 > "$SCRATCH/four.out" 2>&1
EOF
timeout -k 5 150 $outer sh "$SCRATCH/inner.sh" > "$SCRATCH/inner.out" 2>&1
echo "# inner: $(cat "$SCRATCH/inner.out")"

# one slow name, five fast ones meanwhile
one=$(cat "$SCRATCH/one.out")
echo "$one" | sed 's/^/# /'
slow_end=$(echo "$one" | awk '$1 == "slow0.test" && $2 == "200" { print $4 }')
like "the slow name is served, after the 3 s delay" "$slow_end" '^([3-9]|[1-9][0-9])\.'
is "five fast requests served" "$(echo "$one" | awk '$1 == "fast.test" && $2 == "200"' | wc -l)" 5
ok "every fast request took < 1.5 s while the slow name waited" \
  awk -v s="${slow_end:-0}" '$1 == "fast.test" && ($4 - $3 >= 1.5 || $4 >= s) { bad = 1 } END { exit bad }' "$SCRATCH/one.out"
ok "the resolver answered fast.test before slow0.test" \
  awk '$1 == "slow0.test" { s = $3 } $1 == "fast.test" && !f { f = $3 } END { exit !(f && s && f < s) }' "$SCRATCH/dns.log"

# four slow names at once: side by side, not one after another (>= 12 s)
four=$(cat "$SCRATCH/four.out")
echo "$four" | sed 's/^/# /'
is "four slow names served" "$(echo "$four" | awk '$1 ~ /^slow/ && $2 == "200"' | wc -l)" 4
ok "four slow names resolved side by side (all done within 6 s)" \
  awk '$1 ~ /^slow/ { n++; if ($4 > m) m = $4 } END { exit !(n == 4 && m < 6) }' "$SCRATCH/four.out"
is "three fast requests served meanwhile" "$(echo "$four" | awk '$1 == "fast.test" && $2 == "200" && $4 < 3' | wc -l)" 3
ok "the DNS server saw the four slow names" \
  sh -c "test \$(awk '\$1 ~ /^slow[0-3]\\.test\$/' '$SCRATCH/dns.log' | cut -d' ' -f1 | sort -u | wc -l) = 4"
done_testing
