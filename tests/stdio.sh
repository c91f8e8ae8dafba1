#!/bin/sh
# stdio.sh - the jail and the caller's stdio (issue 12 items 2-4, issue 13
# -i/-t): a closed 0, 1 or 2 is never filled by an internal socket or pipe
# (run, run --name, exec), a directory or O_PATH fd on stdio is refused,
# the caller's terminal never enters the jail (relayed through a pipe, or
# a pty of the jail's own devpts with -t), -i, window size, Ctrl-C.
. "$JR_SRC/tests/lib.sh"
plan 15
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
wait_file() { i=0; while [ ! -s "$1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done; }
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

done_testing
