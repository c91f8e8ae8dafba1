#!/bin/sh
# scale.sh - COUNT detached jails (default 1,000) with the default network
# on this machine, as root: every start timed, exec latency at checkpoints
# (1 ... COUNT running), the PSS of jailrun's own processes, then rm -f of
# all and a check that nothing of theirs is left (process, mount,
# namespace, cgroup, link, state file).  A run.sh section (not a CI test):
#   sudo sh tests/bench/run.sh --only scale [--scale-count N]
#   sudo sh tests/bench/scale.sh [--count N]      (alone: prints the rows and targets)
# Limits the run needs and the host lacks are raised for the run only and
# put back; the host settings a user would change are printed.  Writes
# scale.png (start time and exec latency against jails running) into the
# bench output dir.  Sends no traffic.
count=${SCALE_COUNT:-1000}
alone=0
if [ -z "${BENCH_RESULTS:-}" ]; then # alone: an output dir of its own
  alone=1
  export BENCH_WORK=${BENCH_WORK:-/tmp/jrbench-scale}
  export BENCH_RESULTS=$BENCH_WORK/results.tsv BENCH_LOG=$BENCH_WORK/bench.log
  mkdir -p "$BENCH_WORK" && : > "$BENCH_RESULTS" && : > "$BENCH_LOG" || exit 1
fi
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"
while [ $# -gt 0 ]; do
  case $1 in
    --count) count=$2; shift ;;
    *) echo "scale.sh: unknown argument '$1' (use --count N)" >&2; exit 2 ;;
  esac
  shift
done
[ "$(id -u)" = 0 ] || { echo "scale.sh: run as root" >&2; exit 1; }
OUT=$WORK/scale
mkdir -p "$OUT" || exit 1

# sysctl_need NAME MIN: raise NAME to MIN for this run if it is lower.
RESTORE=
sysctl_need() {
  cur=$(sysctl -n "$1" 2>/dev/null) || return 0
  if [ "$cur" -lt "$2" ]; then
    echo "scale: $1 = $cur < $2 needed: raised for this run (a host running $count jails sets $1 >= $2)" >&2
    sysctl -q -w "$1=$2" && RESTORE="$RESTORE $1=$cur"
  else
    echo "scale: $1 = $cur (>= $2 needed)" >&2
  fi
}
# Per jail: supervisor, netns helper, init, exec zygote and the command;
# two network namespaces, one user, mount, pid, ipc, uts, cgroup namespace.
procs=$(ls /proc | grep -c '^[0-9]')
sysctl_need kernel.pid_max $(( (procs + 6 * count + 1000) > 32768 ? procs + 6 * count + 1000 : 32768 ))
sysctl_need kernel.threads-max $((procs + 6 * count + 1000))
sysctl_need user.max_user_namespaces $((2 * count + 100))
sysctl_need user.max_net_namespaces $((2 * count + 100))
sysctl_need user.max_mnt_namespaces $((2 * count + 100))
sysctl_need user.max_pid_namespaces $((2 * count + 100))
cat >&2 <<EOF
scale: rootless, the same jails also need: ulimit -u >= $((6 * count)) (RLIMIT_NPROC counts every
scale: process of the user), the user.max_*_namespaces above, and a delegated cgroup subtree
scale: whose pids.max allows $((6 * count)) processes.  jailrun uses no inotify instance and no key,
scale: and each process holds few fds (ulimit -n stays as it is).
EOF

log "scale, $count jails, root"
python3 "$BENCH/scale.py" "$JAILRUN" "$ROOTFS" "$count" "$OUT" "$RESULTS" root
for kv in $RESTORE; do sysctl -q -w "$kv"; done

if command -v gnuplot >/dev/null 2>&1 && [ -s "$OUT/start.dat" ]; then
  gnuplot <<EOF 2>> "$LOG" && echo "scale: plot in $OUT/scale.png" >&2
set terminal pngcairo size 1000,600
set output "$OUT/scale.png"
set title "jailrun: $count detached jails with the default network ($(nproc) CPUs, $(date -u '+%Y-%m-%d'))"
set xlabel "jails running"
set ylabel "ms"
set key top left
set grid
plot "$OUT/start.dat" using 1:2 with points pt 7 ps 0.4 title "start of the next jail (jailrun -d)", \
     "$OUT/exec.dat" using 1:2 with linespoints lw 2 pt 5 title "exec latency, median of 20 (jailrun exec NAME /bin/true)"
EOF
else
  echo "scale: no plot (gnuplot missing: apt-get install gnuplot-nox)" >&2
fi
if [ "$alone" = 1 ]; then
  python3 "$BENCH/table.py" md "$RESULTS"
  python3 "$BENCH/table.py" targets "$RESULTS" | grep -i "scale"
fi
exit 0
