#!/bin/sh
# ux.sh - what a new user (and a Docker user) expects of the command line
# (issue 13): names free when a jail ends, the network and limits in
# inspect and ps, the -d best-effort warning, --help of every subcommand,
# Docker words, ps/inspect formats, a full /proc with masked paths.
. "$JR_SRC/tests/lib.sh"
plan 22
mkscratch
names=""
cleanup() { for n in $names; do "$JAILRUN" rm -f "$n" >/dev/null 2>&1; done; rm -rf "$SCRATCH"; }
trap cleanup EXIT
N=jrux$$

# A name is free as soon as 'run --name' returns (20 in a row).
good=0
for i in $(seq 20); do
  "$JAILRUN" run --no-net --name ${N}r "$ROOTFS" sh -c 'exit 3' >/dev/null 2>&1
  [ $? = 3 ] && good=$((good + 1))
done
is "run --name: the name is free when it returns, 20/20" "$good" 20
good=0
for i in $(seq 20); do
  "$JAILRUN" run --no-net --name ${N}h / sh -c 'exit 3' >/dev/null 2>&1
  [ $? = 3 ] && good=$((good + 1))
done
is "run --name on /: 20/20" "$good" 20

# inspect and ps show the network: published ports, addresses, mode.
names="$names ${N}n"
port=$((20000 + $$ % 20000))
jr run -d --name ${N}n -p 127.0.0.1:$port:8000 "$ROOTFS" sleep 900 >/dev/null
is "inspect: published port (host address, host port, jail port)" \
  "$("$JAILRUN" inspect -f '{{json .Config.Network.Ports}}' ${N}n)" \
  "[{\"HostIp\":\"127.0.0.1\",\"HostPort\":$port,\"JailPort\":8000,\"Protocol\":\"tcp\"}]"
like "inspect: the jail's own address and the mode" \
  "$("$JAILRUN" inspect -f '{{.Config.Network.Mode}} {{json .Config.Network.Addresses}}' ${N}n)" \
  '^private \["127.0.0.1/8","::1/128","10\.88\.[0-9]+\.[0-9]+/16"\]$'
like "ps: PORTS column" "$("$JAILRUN" ps | grep "^${N}n ")" " 127.0.0.1:$port->8000/tcp "
is "ps --format json: ports" "$("$JAILRUN" ps --format json | python3 -c "import json,sys; print([j['Ports'] for j in json.load(sys.stdin) if j['Name']=='${N}n'][0])")" \
  "127.0.0.1:$port->8000/tcp"
like "ps -q: names only" "$("$JAILRUN" ps -q)" "^${N}n$"
"$JAILRUN" rm -f ${N}n >/dev/null
names="$names ${N}a"
jr run -d --name ${N}a --net-allow proxy --allow example.test "$ROOTFS" sleep 900 >/dev/null
is "inspect: proxy mode and its allowlist" \
  "$("$JAILRUN" inspect -f '{{.Config.Network.Mode}} {{json .Config.Network.Allow}}' ${N}a)" 'proxy ["example.test:443"]'
"$JAILRUN" rm -f ${N}a >/dev/null
is "inspect --format: unknown field is an error" "$("$JAILRUN" inspect -f '{{.Nope}}' ${N}x >/dev/null 2>&1; echo $?)" 125

# -d --limits best-effort: warned before detaching, in the log, in inspect
# (on a unified host as root both are enforced: no warning, inspect says so).
M=$(grep ' - cgroup2 ' /proc/self/mountinfo | awk '{ print $5; exit }')
all=no
[ "$JR_MODE" = root ] && grep -qw memory "$M/cgroup.controllers" 2>/dev/null && grep -qw pids "$M/cgroup.controllers" && all=yes
names="$names ${N}b"
out=$(jr run -d --name ${N}b --no-net --memory 64m --pids-limit 32 --limits best-effort "$ROOTFS" sleep 900 2>&1)
lim=$("$JAILRUN" inspect -f '{{.Config.Cgroup.Limits.Mode}}|{{.Config.Cgroup.Limits.Enforced}}|{{.Config.Cgroup.Limits.NotEnforced}}' ${N}b)
if [ $all = yes ]; then
  is "-d best-effort, all enforced: no warning" "$out" "${N}b"
  unlike "-d best-effort, all enforced: nothing in the log" "$("$JAILRUN" logs ${N}b)" "warning"
  is "-d best-effort, all enforced: inspect" "$lim" "best-effort|memory=64M pids=32|-"
  like "ps: LIMITS" "$("$JAILRUN" ps | grep "^${N}b ")" " memory=64M pids=32 "
else
  like "-d best-effort: warning on stderr before the name" "$(printf '%s' "$out" | head -n 1)" "^jailrun: warning: limits best-effort: enforced: none; NOT enforced: memory, pids"
  like "-d best-effort: warning in the log" "$("$JAILRUN" logs ${N}b)" "warning: --limits best-effort: not enforced: memory=64M pids=32"
  is "-d best-effort: inspect marks the unenforced limits" "$lim" "best-effort|-|memory=64M pids=32"
  like "ps: LIMITS of what is enforced only" "$("$JAILRUN" ps | grep "^${N}b ")" "^${N}b +[0-9]+ +running +[^ ]+ +none +- +- "
fi
"$JAILRUN" rm -f ${N}b >/dev/null

# --help of every subcommand: exit 0 with a usage; ps refuses arguments.
for c in inspect stop rm logs check ps exec; do
  out=$("$JAILRUN" $c --help 2>&1); rc=$?
  ok "$c --help: exit 0 with usage" sh -c "[ $rc = 0 ] && printf '%s' \"\$0\" | grep -q '^Usage: jailrun $c'" "$out"
done
is "ps with an unknown argument: 125" "$("$JAILRUN" ps bogus >/dev/null 2>&1; echo $?)" 125
like "--version: libraries and their versions" "$("$JAILRUN" --version)" "^features: seccomp\(libseccomp-[0-9.]+\) .*json-c-[0-9.]+"

done_testing
