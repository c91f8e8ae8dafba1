#!/bin/sh
# lifecycle.sh - long-running jails (issue 6): run -d, exec (policy equal
# to the first process), statuses, signals, stdin, timeout, 50 concurrent
# execs, ps, inspect, logs, stop, rm, name clash, a SIGKILLed supervisor,
# and (as root) another user who must not reach the jail.
. "$JR_SRC/tests/lib.sh"
if [ "$JR_MODE" = root ]; then plan 99; else plan 83; fi
mkscratch
P=/usr/bin/probe
N=jrlc$$
names=""
cleanup() { for n in $names; do "$JAILRUN" rm -f "$n" >/dev/null 2>&1; done; rm -rf "$SCRATCH"; }
trap cleanup EXIT
mkdir "$SCRATCH/w"; chmod 777 "$SCRATCH/w"
# facts.sh PID: the policy fields of process PID as seen inside the jail.
cat > "$SCRATCH/w/facts.sh" <<'SH'
grep -E '^(Uid|Gid|Groups|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp|Seccomp_filters):' /proc/$1/status
for n in user pid mnt net ipc uts cgroup time; do echo "ns/$n $(readlink /proc/$1/ns/$n)"; done
echo "uid_map $(cat /proc/$1/uid_map)"; echo "gid_map $(cat /proc/$1/gid_map)"
sed 's/^/cgroup /' /proc/$1/cgroup
SH
# facts_norm FILE: the facts with an exec's own cgroup (exec-N, a child of
# the jail's: same limits) written as the jail's.
facts_norm() { sed 's#^\(cgroup 0::\)/exec-[0-9]*$#\1/#' "$1"; }

# start: returns once up, prints the name
names="$names $N"
out=$(jr run -d --name $N --no-net -e RUNVAR=r1 -v "$SCRATCH/w:/workspace" "$ROOTFS" \
      /bin/sh -c 'sh /workspace/facts.sh $$ > /workspace/first; echo hello-log; exec sleep 900001'); s=$?
is "run -d exits 0" "$s" 0
is "run -d prints the name" "$out" "$N"
like "ps lists it running" "$("$JAILRUN" ps)" "^$N +[0-9]+ +running .* none .*$ROOTFS"
wait_for test -s "$SCRATCH/w/first"
ok "first process wrote its facts" test -s "$SCRATCH/w/first"

# policy equality between the first process and an exec'd one
jr exec $N sh -c 'sh /workspace/facts.sh $$' > "$SCRATCH/exec.facts"
for f in Seccomp: Seccomp_filters: NoNewPrivs: CapBnd: CapEff: CapPrm: CapInh: CapAmb: Uid: Gid: Groups: \
         ns/user ns/pid ns/mnt ns/net ns/ipc ns/uts ns/cgroup uid_map gid_map; do
  is "exec: $f equal to the first process" "$(grep "^$f" "$SCRATCH/exec.facts")" "$(grep "^$f" "$SCRATCH/w/first")"
done
is "exec: cgroup the jail's or its own child (every hierarchy)" "$(facts_norm "$SCRATCH/exec.facts" | grep ^cgroup)" "$(grep ^cgroup "$SCRATCH/w/first")"
like "exec: seccomp filter and no caps" "$(cat "$SCRATCH/exec.facts")" "Seccomp:	2"
# --cap-add: an exec'd process keeps exactly the jail's bounding set (the
# exec zygote drops the rest once, for every process it clones; its
# clones skip that drop): neither more nor less than the first process.
names="$names ${N}c"
jr run -d --name ${N}c --no-net --cap-add NET_BIND_SERVICE "$ROOTFS" /bin/sleep 900003 > /dev/null
is "exec with --cap-add: bounding, effective and ambient sets are the kept cap only" \
  "$(jr exec ${N}c grep -E '^Cap(Eff|Bnd|Amb):' /proc/self/status | tr -s '\t\n' '  ')" \
  "CapEff: 0000000000000400 CapBnd: 0000000000000400 CapAmb: 0000000000000400 "
"$JAILRUN" rm -f ${N}c > /dev/null 2>&1

# statuses, signals, stdin, env, workdir, timeout
jr exec $N $P exit 42; is "exit status passed through" $? 42
jr exec $N $P kill 9; is "SIGKILL is 137" $? 137
jr exec $N sh -c 'kill -TERM $$'; is "SIGTERM is 143" $? 143
jr exec $N nonexistent-cmd 2>/dev/null; is "missing command is 127" $? 127
is "stdin is piped" "$(echo piped-in | jr exec $N cat)" "piped-in"
is "1 MiB through stdin" "$(head -c 1048576 /dev/zero | jr exec $N wc -c | tr -d ' ')" 1048576
is "jail env kept, -e added" "$(jr exec -e EX=e1 $N sh -c 'echo $RUNVAR $EX')" "r1 e1"
is "-w sets the workdir" "$(jr exec -w /tmp $N pwd)" "/tmp"
t0=$(date +%s)
jr exec --timeout 1 $N sleep 30 2>/dev/null; s=$?
is "--timeout exits 124" "$s" 124
ok "--timeout kills within 10 s" test $(( $(date +%s) - t0 )) -lt 10
"$JAILRUN" exec $N $P sleep 30 & ep=$!
sleep 0.5; kill -TERM $ep; wait $ep; is "a signal to exec reaches the process" $? 143
err=$(jr exec -u 1234 $N true 2>&1); s=$?
is "exec -u another uid: 125" "$s" 125
like "exec -u: says why" "$err" "maps only its user"

# As root the jail has a cgroup here (the v2 hierarchy, even without
# controllers): each exec gets its own child of it, a timeout kills all
# the exec started (also what left its session), ended ones are removed.
if [ "$JR_MODE" = root ]; then
  like "exec: its own cgroup below the jail's" "$(grep '^cgroup 0::' "$SCRATCH/exec.facts")" "^cgroup 0::/exec-[0-9]+$"
  jr exec --timeout 1 $N sh -c "setsid sleep 97$$ & sleep 60" 2>/dev/null
  i=0; while pgrep -f "sleep 97$$" >/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  unlike "--timeout also killed what the exec started in another session" "$(pgrep -af "sleep 97$$")" "sleep"
  jr exec $N true
  cg=$("$JAILRUN" inspect -f '{{.Config.Cgroup.Path}}' $N | grep -v '^null$')
  # One empty cgroup is made ahead for the next exec; no other is left.
  spare=$(ls "$cg" 2>&1 | grep '^exec-')
  is "ended execs' cgroups are removed (one empty spare for the next exec)" "$(echo "$spare" | grep -c .):$(cat "$cg/$spare/cgroup.procs" 2>&1 | wc -l)" "1:0"
fi

# 50 concurrent execs
i=0; while [ $i -lt 50 ]; do
  ( jr exec $N sh -c "echo out-$i" > "$SCRATCH/c.$i" 2>&1; echo $? > "$SCRATCH/rc.$i" ) &
  i=$((i + 1))
done
wait
good=0; i=0; while [ $i -lt 50 ]; do
  [ "$(cat "$SCRATCH/rc.$i")" = 0 ] && [ "$(cat "$SCRATCH/c.$i")" = "out-$i" ] && good=$((good + 1))
  i=$((i + 1))
done
is "50 concurrent execs all succeed" "$good" 50

# the exec zygote killed: execs fall back to a helper per exec
sup=$("$JAILRUN" inspect -f '{{.State.SupervisorPid}}' $N)
init=$("$JAILRUN" inspect -f '{{.State.InitPid}}' $N)
zyg=$(pgrep -P "$sup" | grep -vx "$init")
ok "the supervisor has an exec zygote" test -n "$zyg"
kill -9 $zyg 2>/dev/null
is "exec works after the zygote died" "$(jr exec $N sh -c 'echo alive; exit 6'; echo " $?")" "alive
 6"
jr exec $N sh -c 'sh /workspace/facts.sh $$' > "$SCRATCH/exec2.facts"
is "fallback exec: same policy as the first process" "$(facts_norm "$SCRATCH/exec2.facts" | grep -v '^ns/time')" "$(grep -v '^ns/time' "$SCRATCH/w/first")"

# inspect, logs, clash
js=$("$JAILRUN" inspect $N)
ok "inspect is JSON" sh -c "printf '%s' '$js' | python3 -c 'import json,sys; json.load(sys.stdin)'"
like "inspect: read-only root, no_new_privs, seccomp" "$("$JAILRUN" inspect -f '{{.Config.ReadOnlyRoot}} {{.Config.NoNewPrivileges}} {{.Config.Seccomp.Mode}}' $N)" '^true true filter$'
like "inspect: cgroup path and limits" "$("$JAILRUN" inspect -f '{{.Config.Cgroup.Path}} {{json .Config.Cgroup.Limits}}' $N)" '^(/[^ ]*|null) \{.*"Enforced":'
like "inspect: volume with its flags" "$(printf '%s' "$js" | tr -d '\n')" "\"Destination\": \"/workspace\", *\"Options\": \"rw,nosuid,nodev"
like "logs show the first process's output" "$("$JAILRUN" logs $N)" "hello-log"
err=$(jr run -d --name $N --no-net "$ROOTFS" sleep 1 2>&1); s=$?
is "name clash: 125" "$s" 125
like "name clash: says so" "$err" "already in use"
err=$(jr exec nosuchjail$$ true 2>&1); s=$?
is "exec into an unknown jail: 125" "$s" 125
like "unknown jail: clear message" "$err" "no jail named"

# stop, exec into a stopped jail, rm, reuse of the name
is "stop exits 0" "$(jr stop -t 5 $N >/dev/null; echo $?)" 0
like "ps shows it exited" "$("$JAILRUN" ps)" "^$N +[0-9]+ +exited"
err=$(jr exec $N true 2>&1); s=$?
is "exec into a stopped jail: 125" "$s" 125
like "stopped jail: clear message" "$err" "not running"
jr rm $N >/dev/null; is "rm exits 0" $? 0
unlike "rm: gone from ps" "$("$JAILRUN" ps)" "^$N "
is "the name is reusable" "$(jr run -d --name $N --no-net "$ROOTFS" sleep 900002)" "$N"

# supervisor SIGKILLed: the jail dies, ps says dead, rm cleans
"$JAILRUN" exec $N sleep 900003 & ep=$!
sleep 0.5
sup=$("$JAILRUN" inspect -f '{{.State.SupervisorPid}}' $N)
kill -9 "$sup"; wait $ep 2>/dev/null
i=0; while pgrep -f "sleep 90000[23]" >/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
ok "supervisor killed: no jail process left" sh -c '! pgrep -f "sleep 90000[23]"'
like "ps shows it dead" "$("$JAILRUN" ps)" "^$N +[0-9]+ +dead"
jr rm $N >/dev/null; is "rm of a dead jail exits 0" $? 0
unlike "rm cleaned it" "$("$JAILRUN" ps)" "^$N "

# --timeout of a detached jail: it ends with 124
names="$names ${N}t"
jr run -d --name ${N}t --timeout 1 --no-net "$ROOTFS" sleep 900006 >/dev/null
i=0; while ! "$JAILRUN" ps | grep -Eq "^${N}t +[0-9]+ +exited" && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
like "run -d --timeout: the jail ends with status 124" "$("$JAILRUN" inspect -f '{{.State.Status}} {{.State.ExitStatus}}' ${N}t)" '^exited 124$'
jr rm ${N}t >/dev/null

# --name without -d: the jail runs here, on our stdio, and can be exec'd into
( jr run --name ${N}f --no-net "$ROOTFS" sh -c 'echo fg-started; sleep 2; exit 7' > "$SCRATCH/fg.out"; echo $? > "$SCRATCH/fg.rc" ) &
wait_for grep -q fg-started "$SCRATCH/fg.out" 2>/dev/null
is "foreground named jail: exec into it" "$(jr exec ${N}f echo in-fg)" "in-fg"
wait
is "foreground named jail: its status" "$(cat "$SCRATCH/fg.rc")" 7
unlike "foreground named jail: forgotten when it ends" "$("$JAILRUN" ps)" "^${N}f "
is "foreground named jail: stdin and stdout" "$(echo fg-in | jr run --name ${N}g --no-net "$ROOTFS" cat)" "fg-in"

# check: every probe reported, nothing required missing on this host
out=$(jr check); s=$?
is "check exits 0 here" "$s" 0
for f in "user namespaces" "cgroup v2 controllers" "cgroup delegation" "seccomp user notification" landlock veth bridge openat2 clone3 pidfd "idmapped mounts"; do
  like "check reports $f" "$out" "^(ok|warn|gap) +$f "
done
like "check: a veth pair can be made here (the default network works)" "$out" "^ok +veth "
like "check: a fix line for each gap" "$(printf '%s\n' "$out" | grep -A1 '^warn' | sed -n 2p)" "fix: "

# another user can neither see, exec into, nor stop the jail (root runs this part)
if [ "$JR_MODE" = root ]; then
  id jrtest2 >/dev/null 2>&1 || useradd -M -s /bin/sh jrtest2
  jr run -d --name $N --no-net "$ROOTFS" sleep 900004 >/dev/null
  as2() { as_user jrtest2 env XDG_RUNTIME_DIR=/tmp/jailrun-test-run-jrtest2 "$@"; }
  err=$(as2 "$JAILRUN" exec $N true 2>&1); s=$?
  is "other user: exec is 125" "$s" 125
  like "other user: no such jail for them" "$err" "no jail named|not a directory you own"
  as2 "$JAILRUN" stop $N >/dev/null 2>&1; s=$?
  is "other user: stop is 125" "$s" 125
  ok "other user: cannot list /run/jailrun" sh -c "! setpriv --reuid=jrtest2 --regid=jrtest2 --init-groups ls /run/jailrun/$N >/dev/null 2>&1"
  ok "other user: cannot connect to the socket" sh -c "! setpriv --reuid=jrtest2 --regid=jrtest2 --init-groups /usr/bin/python3 -c 'import socket; s=socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET); s.connect(\"/run/jailrun/$N/sock\")' 2>/dev/null"
  sup=$("$JAILRUN" inspect -f '{{.State.SupervisorPid}}' $N)
  ok "other user: cannot signal the supervisor" sh -c "! setpriv --reuid=jrtest2 --regid=jrtest2 --init-groups kill -0 $sup 2>/dev/null"
  like "still running afterwards" "$("$JAILRUN" ps)" "^$N +[0-9]+ +running"
  # a rootless jail of jrtest, attacked by jrtest2 through jrtest's state dir
  x1=/tmp/jailrun-test-run-$(id -u jrtest)
  mkdir -p "$x1" && chown jrtest "$x1" && chmod 700 "$x1"
  as1() { as_user jrtest env XDG_RUNTIME_DIR="$x1" "$@"; }
  is "jrtest starts a rootless jail" "$(as1 "$JAILRUN" run -d --name ${N}u --no-net "$ROOTFS" sleep 900005)" "${N}u"
  err=$(as_user jrtest2 env XDG_RUNTIME_DIR="$x1" "$JAILRUN" exec ${N}u true 2>&1); s=$?
  is "jrtest2 using jrtest's state dir: exec is 125" "$s" 125
  like "jrtest2: the state dir is refused" "$err" "not a directory you own"
  as_user jrtest2 env XDG_RUNTIME_DIR="$x1" "$JAILRUN" stop ${N}u >/dev/null 2>&1
  is "jrtest2: stop of jrtest's jail is 125" $? 125
  ok "jrtest2: cannot connect to jrtest's socket" sh -c "! setpriv --reuid=jrtest2 --regid=jrtest2 --init-groups /usr/bin/python3 -c 'import socket; s=socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET); s.connect(\"$x1/jailrun/${N}u/sock\")' 2>/dev/null"
  like "jrtest's jail still runs" "$(as1 "$JAILRUN" ps)" "^${N}u +[0-9]+ +running"
  as1 "$JAILRUN" rm -f ${N}u >/dev/null
fi
done_testing
