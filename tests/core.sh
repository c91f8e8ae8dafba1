#!/bin/sh
# core.sh - the core jail of issue 2: namespaces, ids, capabilities, the
# read-only root, /tmp, volumes, the host-root default, environment, fds,
# exit statuses, signals, timeout and the death of the caller.
. "$JR_SRC/tests/lib.sh"
plan 47
mkscratch
P=/usr/bin/probe

# namespaces: every one new
host_ns=$(for n in user pid mnt net ipc uts cgroup; do echo "ns/$n $(stat -L -c %i /proc/self/ns/$n)"; done)
jail_ns=$(jr --no-net "$ROOTFS" $P ns)
same=$(printf '%s\n%s\n' "$host_ns" "$jail_ns" | sort | uniq -d | wc -l)
is "7 namespaces reported" "$(printf '%s\n' "$jail_ns" | grep -c '^ns/')" 7
is "no namespace shared with the host" "$same" 0

# ids and the map
st=$(jr --no-net "$ROOTFS" $P status)
like "uid 65532" "$st" "^Uid:	65532	65532	65532	65532"
like "gid 65532" "$st" "^Gid:	65532	65532	65532	65532"
map=$(jr --no-net "$ROOTFS" /bin/cat /proc/self/uid_map | tr -s ' ' | sed 's/^ //')
# As root: host uid 1000000 + K*65536 + 65532, K the jail's id slot (other
# jails running on the host hold the lower ones).
if [ "$JR_MODE" = root ]; then
  got=$(printf '%s\n' "$map" | awk '{ ok = $1 == 65532 && $3 == 1 && $2 >= 1065532 && ($2 - 1065532) % 65536 == 0; print ok ? "65532 1065532+K*65536 1" : $0 }')
  want="65532 1065532+K*65536 1"
else got=$map; want="65532 $(id -u) 1"; fi
is "uid_map maps 65532 to an unprivileged host uid (as root: of the jail's own id slot)" "$got" "$want"
for c in CapInh CapPrm CapEff CapBnd CapAmb; do
  like "$c empty" "$st" "^$c:	0000000000000000"
done
like "NoNewPrivs 1" "$st" "^NoNewPrivs:	1"
like "seccomp filter loaded" "$st" "^Seccomp:	2"

# filesystem
is "write to / fails with EROFS" "$(jr --no-net "$ROOTFS" $P write /x)" "write EROFS"
is "/tmp is writable" "$(jr --no-net "$ROOTFS" $P write /tmp/x)" "write ok"
is "/tmp is noexec" "$(jr --no-net "$ROOTFS" /bin/sh -c "cp $P /tmp/p && $P exec /tmp/p")" "exec EACCES"
mkdir "$SCRATCH/rw" "$SCRATCH/ro"; chmod 777 "$SCRATCH/rw"; echo host > "$SCRATCH/ro/f"
is "-v rw is writable" "$(jr --no-net -v "$SCRATCH/rw:/workspace" "$ROOTFS" $P write /workspace/out)" "write ok"
is "the host sees the file" "$(cat "$SCRATCH/rw/out" 2>&1)" "probe"
is "-v :ro is read-only" "$(jr --no-net -v "$SCRATCH/ro:/workspace:ro" "$ROOTFS" $P write /workspace/f)" "write EROFS"
is "-v :ro content visible" "$(jr --no-net -v "$SCRATCH/ro:/workspace:ro" "$ROOTFS" /bin/cat /workspace/f)" "host"
is "--tmpfs is writable" "$(jr --no-net --tmpfs /run:size=1m "$ROOTFS" $P write /run/x)" "write ok"

# the embedded default: host root, read-only, private dirs hidden
is "host root: /home and /root are empty" "$(jr --no-net / /bin/sh -c 'ls -A /home /root /run /var/tmp | grep -v "^/.*:$" | grep -v "^$" | wc -l')" 0
is "host root: python3 runs" "$(jr --no-net / python3 -c 'print(1)')" 1
is "host root: write to /usr fails" "$(jr --no-net / /bin/sh -c 'touch /usr/x 2>&1 | grep -c "Read-only"')" 1
is "host root: no /sys content" "$(jr --no-net / /bin/sh -c 'ls -A /sys | wc -l')" 0

hidden=$(for d in /home /root /run /var/tmp /mnt /media /srv /tmp; do [ -d $d ] && echo $d; done | tr '\n' ' ')
is "host root: every private dir is an empty tmpfs" "$(jr --no-net / /bin/sh -c "for d in $hidden; do awk -v d=\$d '\$5 == d && \$0 ~ / - tmpfs / {print d}' /proc/self/mountinfo | tail -1; done" | tr '\n' ' ')" "$hidden"
is "tmpfs inodes are bounded (64m /tmp: 16384)" "$(jr --no-net "$ROOTFS" /bin/stat -f -c %c /tmp)" 16384

# network, fds, environment, hostname
is "--no-net: only lo" "$(jr --no-net "$ROOTFS" $P ifaces | sed -n 's/^ *\([a-z0-9]*\):.*/\1/p' | tr '\n' ' ')" "lo "
fds=$(exec 7</etc/hostname; jr --no-net "$ROOTFS" $P fds)
is "no inherited fd (only 0 1 2)" "$(printf '%s\n' "$fds" | awk '{print $2}' | sort -n | tr '\n' ' ')" "0 1 2 "
env=$(SECRET=hunter2 jr --no-net -e FOO=bar -e SECRET2=x "$ROOTFS" $P env)
unlike "caller's SECRET not inherited" "$env" "hunter2"
like "-e FOO=bar set, HOME=/tmp" "$(printf '%s\n' "$env" | grep -E '^(FOO|HOME)=' | sort | tr '\n' ' ')" "^FOO=bar HOME=/tmp $"
is "--hostname" "$(jr --no-net --hostname box1 "$ROOTFS" $P hostname)" "hostname box1"

# statuses and signals
jr --no-net "$ROOTFS" $P exit 42; is "exit status passed through" $? 42
jr --no-net "$ROOTFS" $P kill 9; is "death by SIGKILL is 137" $? 137
out=$(jr --no-net "$ROOTFS" nonexistent-cmd 2>&1); s=$?
is "missing command is 127" "$s" 127
t0=$(date +%s)
out=$(jr --no-net --timeout 1 "$ROOTFS" $P sleep 30 2>&1); s=$?
is "--timeout exits 124" "$s" 124
ok "--timeout within 10 s and says so" sh -c "[ $(( $(date +%s) - t0 )) -lt 10 ] && echo '$out' | grep -q timeout"

# options: workdir, user, capabilities, env-file, nested volumes
is "-w sets the working directory" "$(jr --no-net -w /usr/bin "$ROOTFS" /bin/pwd)" "/usr/bin"
like "-u 1000:1001" "$(jr --no-net -u 1000:1001 "$ROOTFS" $P status)" "^Uid:	1000	1000	1000	1000"
cst=$(jr --no-net --cap-add NET_BIND_SERVICE "$ROOTFS" $P status)
like "--cap-add keeps only that cap (effective)" "$cst" "^CapEff:	0000000000000400"
like "--cap-add keeps only that cap (bounding)" "$cst" "^CapBnd:	0000000000000400"
printf '# comment\nA=1\n\nB=two words\n' > "$SCRATCH/envf"
is "--env-file" "$(jr --no-net --env-file "$SCRATCH/envf" "$ROOTFS" $P env | grep -E '^(A|B)=' | tr '\n' ';')" "A=1;B=two words;"
mkdir -p "$SCRATCH/outer/inner" "$SCRATCH/in2"; echo deep > "$SCRATCH/in2/f"
is "nested volumes mount in depth order" "$(jr --no-net -v "$SCRATCH/in2:/workspace/inner:ro" -v "$SCRATCH/outer:/workspace:ro" "$ROOTFS" /bin/cat /workspace/inner/f)" "deep"
jr --no-net "$ROOTFS" /etc/passwd 2>/dev/null; is "non-executable command is 126" $? 126

# a caller that ignores SIGCHLD/SIGPIPE: init still reaps, command gets defaults
out=$(timeout 20 python3 -c 'import os,signal,sys; signal.signal(signal.SIGCHLD, signal.SIG_IGN); signal.signal(signal.SIGPIPE, signal.SIG_IGN); os.execv(sys.argv[1], sys.argv[1:])' \
  "$JAILRUN" --no-net "$ROOTFS" /bin/sh -c 'grep SigIgn /proc/self/status; exit 3'); s=$?
is "caller ignoring SIGCHLD: exit status still 3" "$s" 3
like "ignored signals are not inherited" "$out" "SigIgn:	0000000000000000"

# signals reach the command through the supervisor and init
"$JAILRUN" --no-net "$ROOTFS" $P sleep 94 & jp=$!
sleep 1; kill -TERM $jp; wait $jp; is "SIGTERM forwarded: 143" $? 143

# a killed caller takes the jail with it (bounded wait)
"$JAILRUN" --no-net "$ROOTFS" $P sleep 93 & jp=$!
sleep 1; kill -9 $jp; wait $jp 2>/dev/null
i=0; while pgrep -f "probe slee[p] 93" >/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
ok "SIGKILL of jailrun leaves no jail process" sh -c '! pgrep -f "probe slee[p] 93"'
done_testing
