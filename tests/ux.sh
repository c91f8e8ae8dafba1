#!/bin/sh
# ux.sh - what a new user (and a Docker user) expects of the command line
# (issue 13): names free when a jail ends, the network and limits in
# inspect and ps, the -d best-effort warning, --help of every subcommand,
# Docker words, ps/inspect formats, a full /proc with masked paths.
. "$JR_SRC/tests/lib.sh"
plan 63
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
names="$names ${N}f"
jr run -d --rm --name ${N}f --no-net "$ROOTFS" sleep 900 >/dev/null
is "inspect --format: strings raw, {{json}} quoted, {{.}} the whole" \
  "$("$JAILRUN" inspect -f '{{.Config.Network.Mode}} {{json .Config.Network.Mode}} {{.}}' ${N}f | cut -d, -f1)" 'none "none" {"Name":"'"${N}f"'"'
is "rm -f of a --rm jail: 0" "$("$JAILRUN" rm -f ${N}f; echo $?)" "${N}f
0"
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

# Docker words.
# refused ARGS...: jailrun's message on one line, then its exit status.
refused() { _o=$(jr run "$@" 2>&1); _r=$?; printf '%s %s' "$(printf '%s' "$_o" | tr -d '\n')" "$_r"; }
P=/usr/bin/probe
is "-u NAME from the rootfs's /etc/passwd" "$(jr run --no-net -u jail "$ROOTFS" id -u):$(jr run --no-net -u jail "$ROOTFS" id -g)" "65532:65532"
is "-u NAME:GROUP from / (host files)" "$(jr run --no-net -u nobody:daemon / id -u):$(jr run --no-net -u nobody:daemon / id -g)" \
  "$(id -u nobody):$(getent group daemon | cut -d: -f3)"
is "-u UID:GROUP" "$(jr run --no-net -u 4321:jail "$ROOTFS" id -g)" 65532
out=$(jr run --no-net -u nobody "$ROOTFS" id -u 2>&1); rc=$?
like "-u NAME the rootfs lacks: 125, names the file" "$rc $out" "^125 jailrun: user 'nobody': not in $ROOTFS/etc/passwd"
mkdir -p "$SCRATCH/evil/etc"; ln -s ../../../../../../../../etc/passwd "$SCRATCH/evil/etc/passwd"
out=$(jr run --no-net -u nobody "$SCRATCH/evil" /x 2>&1); rc=$?
like "-u: a rootfs symlink to the host's /etc/passwd is resolved inside the rootfs" "$rc $out" "^125 jailrun: user.*(Too many levels of symbolic links|not in $SCRATCH/evil/etc/passwd)"
rm "$SCRATCH/evil/etc/passwd"; mkfifo "$SCRATCH/evil/etc/passwd"
out=$(jr run --no-net -u nobody "$SCRATCH/evil" /x 2>&1); rc=$?
like "-u: a FIFO as /etc/passwd is refused, no hang" "$rc $out" "^125 jailrun: user: .*not a regular file"

# exec -u NAME[:GROUP]: names from the running jail's /etc/passwd and
# /etc/group, only ever the user the jail maps.
names="$names ${N}u ${N}x"
st() { o=$("$@" 2>&1); r=$?; printf "%s %s" "$o" "$r"; }
jr run -d --name ${N}u --no-net -u jail "$ROOTFS" sleep 900 >/dev/null
is "exec -u NAME, -u NAME:GROUP from the jail's files" \
  "$(jr exec -u jail ${N}u id -u):$(jr exec -u jail:jail ${N}u id -g)" "65532:65532"
like "exec -u NAME outside the jail's map: 125" "$(st jr exec -u root ${N}u id -u)" \
  "^jailrun: exec -u root: is 0:0 in the jail's /etc/passwd, outside this jail's map \(only 65532:65532.* 125$"
like "exec -u NAME not in the jail: 125" "$(st jr exec -u nosuch ${N}u id -u)" \
  "^jailrun: user 'nosuch': not in the jail's /etc/passwd.* 125$"
"$JAILRUN" rm -f ${N}u >/dev/null
# A hostile jail rewrites its /etc (a tmpfs it may write) between execs.
jr run -d --name ${N}x --no-net -u jail --tmpfs /etc:mode=1777 "$ROOTFS" sleep 900 >/dev/null
hx() { jr exec ${N}x sh -c "rm -f /etc/passwd; $1"; }
hx 'echo evil:x:0:0::/:/bin/sh >/etc/passwd'
like "exec -u: a uid 0 line of the jail is outside its map: 125, not run" \
  "$(st jr exec -u evil ${N}x id -u)" "^jailrun: exec -u evil: is 0:0 .*outside this jail's map.* 125$"
echo "hostonly:x:65532:65532::/:/bin/sh" >"$SCRATCH/hostpw"; chmod 644 "$SCRATCH/hostpw"
hx "ln -s $SCRATCH/hostpw /etc/passwd"
like "exec -u: a jail's symlink to a host file is resolved in the jail (read in the jail's root, never the host's)" \
  "$(st jr exec -u hostonly ${N}x id -u)" "^jailrun: user: the jail's /etc/passwd: No such file or directory 125$"
hx 'mkfifo /etc/passwd'
like "exec -u: a FIFO as the jail's /etc/passwd: 125, no hang (fails without O_NONBLOCK)" \
  "$(st timeout -k 1 20 "$JAILRUN" exec -u x ${N}x id -u)" "^jailrun: user: the jail's /etc/passwd: not a regular file of at most 4 MiB 125$"
hx 'truncate -s 5M /etc/passwd'
like "exec -u: a 5 MiB /etc/passwd: 125" "$(st jr exec -u x ${N}x id -u)" "not a regular file of at most 4 MiB 125$"
hx 'echo me:x:65532:65532::/:/bin/sh >/etc/passwd'
is "exec -u: a name the running jail added (its own user) works, the jail still answers" \
  "$(jr exec -u me ${N}x id -u)" 65532
"$JAILRUN" rm -f ${N}x >/dev/null
is "--memory 1.5g" "$(jr run -d --rm --name ${N}m --no-net --memory 1.5g --limits best-effort "$ROOTFS" sleep 900 >/dev/null 2>&1; "$JAILRUN" inspect -f '{{.Config.Cgroup.Limits.MemoryBytes}}' ${N}m; "$JAILRUN" rm -f ${N}m >/dev/null)" 1610612736
is "--memory 512MiB" "$(jr run -d --rm --name ${N}m --no-net --memory 512MiB --limits best-effort "$ROOTFS" sleep 900 >/dev/null 2>&1; "$JAILRUN" inspect -f '{{.Config.Cgroup.Limits.MemoryBytes}}' ${N}m; "$JAILRUN" rm -f ${N}m >/dev/null)" 536870912
like "--tmpfs size=1.5m" "$(jr run --no-net --tmpfs /tmp/t:size=1.5m "$ROOTFS" grep " /tmp/t " /proc/self/mountinfo)" "size=1536k"
is "--rm -d: the jail is forgotten when it ends" \
  "$(jr run -d --rm --name ${N}rm --no-net "$ROOTFS" sh -c 'sleep 0.3'; i=0; while "$JAILRUN" inspect ${N}rm >/dev/null 2>&1 && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done; "$JAILRUN" inspect ${N}rm 2>&1)" \
  "${N}rm
jailrun: no jail named '${N}rm' (see 'jailrun ps')"
is "--read-only accepted" "$(jr run --no-net --read-only "$ROOTFS" sh -c 'touch /x 2>/dev/null || echo ro')" ro
is "--cap-add then --cap-drop CAP: none left" "$(jr run --no-net --cap-add NET_RAW --cap-drop NET_RAW "$ROOTFS" sh -c 'grep CapEff /proc/self/status')" "CapEff:	0000000000000000"
is "--cap-add kept, --cap-drop ALL drops it" "$(jr run --no-net --cap-add NET_RAW "$ROOTFS" sh -c 'grep CapEff /proc/self/status') $(jr run --no-net --cap-add NET_RAW --cap-drop ALL "$ROOTFS" sh -c 'grep CapEff /proc/self/status')" \
  "CapEff:	0000000000002000 CapEff:	0000000000000000"
is "--network none = --no-net" "$(jr run --network none "$ROOTFS" $P ifaces | sed -n 's/^ *\([a-z0-9]*\):.*/\1/p')" lo
like "--network host: refused with the reason" "$(refused --network host "$ROOTFS" true)" "^jailrun: --network host: refused: the jail would share the host's network.* 125$"
like "--privileged: refused with the reason" "$(refused --privileged "$ROOTFS" true)" "^jailrun: --privileged: refused: .* 125$"
is "--security-opt no-new-privileges, seccomp=unconfined" "$(jr run --no-net --security-opt no-new-privileges --security-opt seccomp=unconfined "$ROOTFS" sh -c 'grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status | tr -d "\t\n"')" "NoNewPrivs:1Seccomp:0"
like "--security-opt apparmor=x: refused" "$(refused --security-opt apparmor=x "$ROOTFS" true)" "unknown: use no-new-privileges or seccomp=FILE\|unconfined 125$"
out=$(jr run -d --rm --name ${N}p -p 127.0.0.1:$port:80/tcp "$ROOTFS" sleep 900 2>&1)
is "-p HOST:JAIL/tcp" "$("$JAILRUN" ps | grep "^${N}p " | awk '{print $6}')" "127.0.0.1:$port->80/tcp"
"$JAILRUN" rm -f ${N}p >/dev/null 2>&1
like "-p .../udp: refused clearly" "$(refused -p 8080:80/udp "$ROOTFS" true)" "^jailrun: -p '8080:80/udp': only TCP ports can be published .* 125$"

# /proc: full (free, nproc, uptime, loadavg, stat, cpuinfo) with Docker's
# masked paths (empty) and read-only paths.
v=$("$JAILRUN" check | awk '$2 == "full" && $3 == "/proc" { print $1 }')
m=$(jr run --no-net "$ROOTFS" sh -c 'test -e /proc/meminfo && echo ok || echo warn')
is "check's 'full /proc' verdict matches the jail's /proc" "$v" "$m"
like "free in the busybox rootfs" "$(jr run --no-net "$ROOTFS" free 2>&1)" "^Mem: +[1-9][0-9]* +[0-9]+"
is "nproc in the busybox rootfs" "$(jr run --no-net "$ROOTFS" nproc)" "$(nproc)"
is "python3 os.cpu_count() on /" "$(jr run --no-net / python3 -c 'import os; print(os.cpu_count())')" \
  "$(python3 -c 'import os; print(os.cpu_count())')"
is "/proc has meminfo stat cpuinfo uptime loadavg" \
  "$(jr run --no-net "$ROOTFS" sh -c 'for f in meminfo stat cpuinfo uptime loadavg; do [ "$(head -c 1 /proc/$f | wc -c)" = 1 ] && printf "%s " $f; done')" \
  "meminfo stat cpuinfo uptime loadavg "
masked="/proc/asound /proc/acpi /proc/kcore /proc/keys /proc/latency_stats /proc/timer_list /proc/timer_stats /proc/sched_debug /proc/scsi"
want=""; for p in $masked; do [ -e "$p" ] && want="$want $p"; done
is "masked /proc paths present on the host are empty in the jail" \
  "$(jr run --no-net "$ROOTFS" sh -c "for p in $masked; do [ -e \$p ] || continue; if [ -d \$p ]; then [ -z \"\$(ls -A \$p)\" ] && printf ' %s' \$p; else [ \$(head -c 1 \$p | wc -c) = 0 ] && printf ' %s' \$p; fi; done")" "$want"
is "read-only /proc paths" "$(jr run --no-net "$ROOTFS" sh -c 'for p in /proc/sys /proc/irq /proc/bus /proc/fs; do awk -v p=$p "\$5 == p { split(\$6, o, \",\"); print p \"=\" o[1] }" /proc/self/mountinfo; done' | tr '\n' ' ')" \
  "/proc/sys=ro /proc/irq=ro /proc/bus=ro /proc/fs=ro "
like "writing /proc/sys: Read-only file system" "$(jr run --no-net "$ROOTFS" sh -c 'echo 4 > /proc/sys/kernel/ns_last_pid' 2>&1)" "Read-only file system"

# -v SRC:DST:idmap: the jail user reads and writes SRC as its owner; new
# files belong to that owner on the host.  Rootless the jail user is the
# caller already: accepted on the caller's files, refused on others'.
mkdir "$SCRATCH/own"; echo in > "$SCRATCH/own/in"; chmod 755 "$SCRATCH/own"; chmod 644 "$SCRATCH/own/in"
if [ "$JR_MODE" = root ]; then
  chown -R 4242:4343 "$SCRATCH/own"
  is "idmap: the jail sees SRC's files as its own and writes there" \
    "$(jr run --no-net -v "$SCRATCH/own:/workspace:idmap" "$ROOTFS" sh -c 'stat -c %u:%g /workspace/in; echo new > /workspace/out && echo wrote')" "65532:65532
wrote"
  is "idmap: the new file belongs to SRC's owner on the host" "$(stat -c %u:%g "$SCRATCH/own/out")" "4242:4343"
  is "without idmap the jail cannot write there" "$(jr run --no-net -v "$SCRATCH/own:/workspace" "$ROOTFS" sh -c 'echo x > /workspace/x 2>/dev/null || echo denied')" denied
else
  is "idmap rootless, own files: the jail writes as the caller" \
    "$(jr run --no-net -v "$SCRATCH/own:/workspace:idmap" "$ROOTFS" sh -c 'echo new > /workspace/out && echo wrote'; stat -c %u "$SCRATCH/own/out")" "wrote
$(id -u)"
  like "idmap rootless, another's files: refused" "$(refused --no-net -v /usr/share:/w:idmap "$ROOTFS" true)" \
    "^jailrun: .*volume /usr/share:/w:idmap: rootless, idmap works only on your own files .* 125$"
  is "the idmap volume's options in inspect" "$(jr run -d --rm --name ${N}i --no-net -v "$SCRATCH/own:/workspace:ro,idmap" "$ROOTFS" sleep 900 >/dev/null; "$JAILRUN" inspect -f '{{json .Config.Mounts}}' ${N}i | grep -o '"/workspace","Options":"[^"]*"'; "$JAILRUN" rm -f ${N}i >/dev/null)" '"/workspace","Options":"ro,nosuid,nodev,bind,idmap"'
fi

done_testing
