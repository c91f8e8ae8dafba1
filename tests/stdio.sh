#!/bin/sh
# stdio.sh - the jail and the caller's stdio (issue 12 items 2-4, issue 13
# -i/-t): a closed 0, 1 or 2 is never filled by an internal socket or pipe
# (run, run --name, exec), a directory or O_PATH fd on stdio is refused,
# the caller's terminal never enters the jail (relayed through a pipe, or
# a pty of the jail's own devpts with -t), -i, window size, Ctrl-C.
. "$JR_SRC/tests/lib.sh"
plan 39
mkscratch
N=jrio$$
names=""
# (a jail the attack left running is killed with its supervisor, by the
# marker in their command lines)
cleanup() {
  for n in $names; do "$JAILRUN" rm -f "$n" >/dev/null 2>&1; done
  for p in $(pgrep -f "sleep 9000[0-9]$$"); do kill -KILL "$p" 2>/dev/null; done
  rm -rf "$SCRATCH"
}
trap cleanup EXIT
mkdir "$SCRATCH/w"; chmod 777 "$SCRATCH/w"
# wait_file F: up to 10 s for F to be non-empty.
wait_file() { wait_for test -s "$1"; }
# with_opath FD CMD...: run CMD with an O_PATH fd of / on fd FD.
with_opath() { python3 -c 'import os,sys; fd=os.open("/", os.O_PATH); os.dup2(fd, int(sys.argv[1])); os.execvp(sys.argv[2], sys.argv[2:])' "$@"; }
# FDS: a shell snippet printing where its own 0, 1, 2 lead (from a
# subshell, so that a redirection of the output does not change them).
FDS='p=$$; (for i in 0 1 2; do readlink /proc/$p/fd/$i || echo closed; done)'

# 1. closed stdio: exec must not pass the supervisor's socket in
names="$names $N"
jr run -d --name $N --no-net -v "$SCRATCH/w:/workspace" "$ROOTFS" sleep 90001$$ >/dev/null
out=$(jr exec $N sh -c 'readlink /proc/$$/fd/0' 0<&-)
unlike "exec 0<&-: stdin is not jailrun's socket or pipe" "$out" "socket:|pipe:"
like "exec 0<&-: stdin is /dev/null" "$out" "null"
jr exec $N sh -c "$FDS > /workspace/exec-fds" 0<&- 1>&- 2>&-
unlike "exec 0<&- 1>&- 2>&-: no socket or pipe on 0-2" "$(cat "$SCRATCH/w/exec-fds" 2>&1)" "socket:|pipe:|No such|closed"

# 2. closed stdio: run (foreground) and run --name; a SIGKILLed caller
"$JAILRUN" run --no-net -v "$SCRATCH/w:/workspace" "$ROOTFS" sh -c "$FDS > /workspace/run-fds" 0<&- 1>&- 2>&-
unlike "run 0<&- 1>&- 2>&-: no socket or pipe on 0-2" "$(cat "$SCRATCH/w/run-fds" 2>&1)" "socket:|pipe:|No such|closed"
names="$names ${N}n"
"$JAILRUN" run --name ${N}n --no-net -v "$SCRATCH/w:/workspace" "$ROOTFS" sh -c "$FDS > /workspace/named-fds; exec sleep 90002$$" 0<&- 1>&- 2>&- &
cpid=$!
wait_file "$SCRATCH/w/named-fds"
unlike "run --name 0<&- 1>&- 2>&-: no internal pipe on 0-2" "$(cat "$SCRATCH/w/named-fds" 2>&1)" "socket:|pipe:|No such|closed"
kill -KILL $cpid; wait $cpid 2>/dev/null
i=0; while pgrep -f "sleep 90002$$" >/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
unlike "run --name, closed stdio: a SIGKILLed caller leaves no jail running" "$(pgrep -af "sleep 90002$$")" "sleep"

# 3. a directory or O_PATH fd on stdio is refused with 125
out=$(jr run --no-net "$ROOTFS" sh -c 'cd /proc/self/fd/0/.. && ls' 0</ 2>&1); s=$?
is "run 0</: 125" "$s" 125
like "run 0</: says why" "$out" "stdin is a directory"
out=$(jr run --no-net "$ROOTFS" true 2>&1 1</); s=$?
is "run 1</: 125" "$s" 125
out=$(with_opath 0 "$JAILRUN" run --no-net "$ROOTFS" true 2>&1); s=$?
is "run with an O_PATH stdin: 125" "$s" 125
like "run O_PATH: says why" "$out" "stdin is an O_PATH fd"
out=$(jr exec $N sh -c 'cd /proc/self/fd/0/.. && ls' 0</ 2>&1); s=$?
is "exec 0</: 125" "$s" 125
like "exec 0</: says why" "$out" "stdin is a directory"
out=$(with_opath 2 "$JAILRUN" exec $N true 2>/dev/null); s=$?
is "exec with an O_PATH stderr: 125" "$s" 125
is "the jail still runs" "$(jr exec $N echo alive)" "alive"

# 4. the caller's terminal never enters the jail (tests/ptyrun.py gives
# jailrun a real terminal): without -t a terminal stdin is /dev/null
# (relayed with -i), a terminal stdout/stderr a relayed pipe
PTY="python3 $JR_SRC/tests/ptyrun.py --timeout 30"
# fds_shape OUT: the three lines of FDS with pipe numbers dropped.
fds_shape() { printf '%s\n' "$1" | tr -d '\r' | sed 's/pipe:\[[0-9]*\]/pipe/' | tr '\n' ' '; }
is "exec on a terminal: stdin /dev/null, stdout/stderr pipes" "$(fds_shape "$($PTY -- "$JAILRUN" exec $N sh -c "$FDS")")" "/dev/null pipe pipe "
is "exec -i on a terminal: stdin a pipe too" "$(fds_shape "$($PTY -- "$JAILRUN" exec -i $N sh -c "$FDS")")" "pipe pipe pipe "
is "run on a terminal: stdin /dev/null, stdout/stderr pipes" "$(fds_shape "$($PTY -- "$JAILRUN" run --no-net "$ROOTFS" sh -c "$FDS")")" "/dev/null pipe pipe "
is "run --name on a terminal: pipes" "$(fds_shape "$($PTY -- "$JAILRUN" run -i --name ${N}t --no-net "$ROOTFS" sh -c "$FDS")")" "pipe pipe pipe "
is "exec -i relays what is typed" "$($PTY -w x -s 'typed-in\n\x04' -- "$JAILRUN" exec -i $N sh -c 'echo x; head -1' | tr -d '\r' | tail -1)" "typed-in"

# The attack: a process of the long-lived jail reopens the exec'd
# process's stdout through /proc and writes after the exec returned.
jr exec $N sh -c 'rm -f /tmp/pid /tmp/opened; (while [ ! -s /tmp/pid ]; do sleep 0.1; done; p=$(cat /tmp/pid);
  exec 3>/proc/$p/fd/1 && echo yes > /tmp/opened; sleep 2; i=0; while [ $i -lt 10 ]; do echo PWNED >&3; sleep 0.2; i=$((i + 1)); done) </dev/null >/dev/null 2>&1 &'
out=$($PTY -- sh -c "\"$JAILRUN\" exec $N sh -c 'echo \$\$ > /tmp/pid; sleep 1; echo exec-done'; sleep 4")
like "attack: the exec ran on the terminal" "$out" "exec-done"
unlike "attack: nothing the jail writes later reaches the caller's terminal" "$out" "PWNED"

# 5. -t: a pty of the jail's own devpts, relayed; -i; window size; Ctrl-C
is "run -t: tty is the jail's /dev/pts/0" "$($PTY -- "$JAILRUN" run -t --no-net "$ROOTFS" tty | tr -d '\r')" "/dev/pts/0"
out=$($PTY --size 33 77 -- "$JAILRUN" run -t --no-net "$ROOTFS" sh -c 'stty size; exit 6'); s=$?
is "run -t: stty size is the caller's" "$(printf '%s' "$out" | tr -d '\r')" "33 77"
is "run -t: exit status passes through" "$s" 6
OWN='t=$(tty); [ "$(stat -c %d "$t")" = "$(stat -c %d /dev/pts)" ] && echo "own $t"'
like "exec -t: the jail's own devpts" "$($PTY -- "$JAILRUN" exec -t $N sh -c "$OWN" | tr -d '\r')" "^own /dev/pts/[0-9]+$"
out=$($PTY --size 30 90 -- "$JAILRUN" exec -t $N sh -c 'stty size; exit 5'); s=$?
is "exec -t: stty size is the caller's" "$(printf '%s' "$out" | tr -d '\r')" "30 90"
is "exec -t: exit status passes through" "$s" 5
# an interactive shell: Ctrl-C reaches the foreground job (sleep), the
# shell survives, the window size follows a resize, exit status passes
SH_STEPS="-w \$ -s stty\x20size\n -w 24\x2080 -r 40 100 -d 0.5 -s stty\x20size\n -w 40\x20100 -s sleep\x20100\n -d 0.5 -R \x03echo\x20rc=\$?\n rc=130 -s exit\x207\n"
set -f # the steps hold a '?'
for how in "run -it --no-net $ROOTFS" "run -it --name ${N}i --no-net $ROOTFS" "exec -it $N"; do
  $PTY $SH_STEPS -- "$JAILRUN" $how sh -i > "$SCRATCH/sh.out"; s=$?
  out=$(tr -d '\r' < "$SCRATCH/sh.out")
  like "$how: Ctrl-C interrupts the foreground sleep (130)" "$out" "^rc=130$"
  like "$how: the window size follows" "$out" "^40 100$"
  is "$how: exit status passes through" "$s" 7
done
set +f
out=$($PTY -- sh -c "a=\$(stty -g); \"$JAILRUN\" run -it --no-net \"$ROOTFS\" true; [ \"\$a\" = \"\$(stty -g)\" ] && echo restored")
like "run -it: the caller's terminal mode is restored" "$out" "restored"
out=$(jr run -d -t --no-net "$ROOTFS" true 2>&1); s=$?
is "run -d -t: 125" "$s" 125

done_testing
