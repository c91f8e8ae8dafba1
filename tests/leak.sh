#!/bin/sh
# leak.sh - run/exit cycles of jailrun leave nothing behind: no mount, no
# process, no fd, no child, no heap growth in an embedding process, no
# state file, no cgroup directory.  JR_LEAK_CYCLES cycles through the CLI
# and as many through libjail from one process (tests/bench/cycles.c);
# 50 in the test suite, 1,000 in tests/bench/soak.sh (leak.sh [CYCLES]).  Counts are printed
# as "# leak: NAME BEFORE AFTER" lines.  A correctness test, not a timed one.
# As root the state dir is /run/jailrun, shared with every other jailrun on
# the host: the test re-runs itself in a private mount namespace with a
# tmpfs there, so the state-file count is ours alone (rootless: a private
# XDG_RUNTIME_DIR).  cgroups are named jailrun-PID-... after the
# supervisor's pid: the leaked ones are those of the pids this test ran.
if [ "$JR_MODE" = root ] && [ -z "${JR_LEAK_PRIVATE:-}" ]; then
  mkdir -p /run/jailrun
  exec env JR_LEAK_PRIVATE=1 unshare -m --propagation private \
    sh -c 'mount -t tmpfs -o mode=700 jrleak /run/jailrun && exec sh "$0" "$@"' "$0" "$@"
fi
. "$JR_SRC/tests/lib.sh"
N=${1:-${JR_LEAK_CYCLES:-50}}
CYCLES=${JR_CYCLES_BIN:-$JR_BUILD/tests/bench/jr-cycles}
plan 15
mkscratch
export XDG_RUNTIME_DIR="$SCRATCH/run"
mkdir -m 700 "$XDG_RUNTIME_DIR"
: > "$SCRATCH/pids"
tok=jrleak$$t$(date +%s)
pat="[${tok%"${tok#?}"}]${tok#?}"   # a regex matching $tok but not itself

procs() { grep -las -- "$pat" /proc/[0-9]*/cmdline 2>/dev/null | wc -l; }
mounts() { wc -l < /proc/self/mountinfo; }
nsmounts() { grep -c ' nsfs ' /proc/self/mountinfo; }
shellfds() { ls /proc/$$/fd | wc -l; }
statefiles() {
  d=/run/jailrun; [ "$JR_MODE" = root ] || d=$XDG_RUNTIME_DIR/jailrun
  [ -d "$d" ] && find "$d" -mindepth 1 2>/dev/null | wc -l || echo 0
}
cgall() { find /sys/fs/cgroup -mindepth 1 -maxdepth 8 -type d -name '*jailrun*' 2>/dev/null; }
cgdirs() { cgall | wc -l; }
# cgroup dirs named after one of our supervisors' pids (in $SCRATCH/pids)
cgours() {
  cgall | sed -n 's|.*/jailrun-\([0-9]*\)-[^/]*$|\1|p' | grep -Fxc -f "$SCRATCH/pids"
}
snapshot() { echo "$(procs) $(mounts) $(nsmounts) $(shellfds) $(statefiles) $(cgdirs)"; }

# jrpid ARGS...: run jailrun, note its pid; the status is jailrun's.
jrpid() { "$JAILRUN" "$@" & _p=$!; echo "$_p" >> "$SCRATCH/pids"; wait "$_p"; }
# one_run I: the I-th CLI cycle; prints "ok" when the status is the expected one.
one_run() {
  case $(($1 % 5)) in
    0) want=0; jrpid --no-net "$ROOTFS" /bin/sh -c 'exit 0' "$tok" ;;
    1) want=3; jrpid --no-net -v "$SCRATCH:/workspace:ro" "$ROOTFS" /bin/sh -c 'exit 3' "$tok" ;;
    2) want=137; jrpid --no-net --tmpfs /run:size=1m "$ROOTFS" /bin/sh -c 'kill -9 $$' "$tok" ;;
    3) want=0; jrpid --no-net "$ROOTFS" /bin/sh -c '/bin/sh -c "sleep 60; :" "$0" & exit 0' "$tok" ;;
    4) want=124; jrpid --no-net --timeout 0.2 "$ROOTFS" /bin/sh -c 'sleep 60; :' "$tok" 2>/dev/null ;;
  esac
  [ $? = "$want" ] && echo ok
}

jr --no-net "$ROOTFS" /bin/true   # warm-up: first-use effects are not leaks
set -- $(snapshot)
p0=$1 m0=$2 n0=$3 f0=$4 s0=$5 c0=$6
good=0 i=1
while [ $i -le "$N" ]; do
  [ "$(one_run $i)" = ok ] && good=$((good + 1))
  i=$((i + 1))
done
# Give the kernel one second to finish reaping, no more.
i=0; while [ "$(procs)" != "$p0" ] && [ $i -lt 10 ]; do sleep 0.1; i=$((i + 1)); done
set -- $(snapshot)
for kv in "processes $p0 $1" "mounts $m0 $2" "nsfs-mounts $n0 $3" "shell-fds $f0 $4" \
          "state-files $s0 $5" "cgroup-dirs-all-users $c0 $6"; do
  echo "# leak: cli-$kv"
done
is "$N CLI runs exit with the expected status" "$good" "$N"
is "no jail process left (cmdline token)" "$1" "$p0"
is "host mountinfo lines unchanged" "$2" "$m0"
is "no namespace bind-mounted (nsfs)" "$3" "$n0"
is "caller shell fds unchanged" "$4" "$f0"
is "no state file left" "$5" "$s0"
ours=$(cgours); echo "# leak: cli-cgroup-dirs-ours 0 $ours"
is "no cgroup directory of ours left (jailrun-PID-*)" "$ours" 0

# The same through libjail, from one process.
# tcache and fastbins off: freed chunks there count as "in use" in mallinfo2,
# so with them on the heap figure drifts without any leak.
out=$(GLIBC_TUNABLES=glibc.malloc.tcache_count=0:glibc.malloc.mxfast=0 timeout -k 5 600 "$CYCLES" "$N" "$ROOTFS" "$SCRATCH" "$tok" 2>&1); rc=$?
printf '%s\n' "$out" | sed -n 's/^\([a-z-]*\) \([0-9-]*\) \([0-9-]*\)$/# leak: lib-\1 \2 \3/p'
val() { printf '%s\n' "$out" | awk -v k="$1" -v f="$2" '$1 == k { print $f }'; }
is "libjail: $N runs with the expected status" "$(val failed-runs 2)/$rc" "0/0"
is "libjail: caller fds unchanged" "$(val fds 3)" "$(val fds 2)"
is "libjail: no child left (zombie or running)" "$(val children 3)/$(val unreaped 2)" "$(val children 2)/0"
is "libjail: caller mountinfo unchanged" "$(val mountinfo 3)" "$(val mountinfo 2)"
is "libjail: heap bytes in use unchanged" "$(val heap-bytes 3)" "$(val heap-bytes 2)"
ok "libjail: no jail process left" sh -c "[ \$(grep -las -- '$pat' /proc/[0-9]*/cmdline | wc -l) = 0 ]"
echo "$(printf '%s\n' "$out" | awk '$1 == "pid" { print $2 }')" > "$SCRATCH/pids"
ours=$(cgours); echo "# leak: lib-cgroup-dirs-ours 0 $ours"
is "libjail: no cgroup directory of ours left" "$ours" 0
is "libjail: no state file left" "$(statefiles)" "$s0"
done_testing
