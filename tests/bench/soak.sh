#!/bin/sh
# soak.sh - load, soak and abuse, bounded, loopback only:
#   sudo sh tests/bench/soak.sh [--cycles N] [--only cycles,load,slowloris,fdlimit]
# cycles:    N (default 1,000) run/exit cycles of jailrun through the CLI
#            and through libjail, as root and rootless (tests/leak.sh with
#            JR_LEAK_CYCLES=N): mounts, processes, fds, children, heap,
#            state files, cgroup dirs counted before and after.
# load:      10,000 sequential + 1,000 concurrent sha256-checked connections
#            through the forwarder (load.sh)          } when this build has
# slowloris: slowhttptest against the forwarder/proxy }  -p / --net-allow;
# fdlimit:   the supervisor under a low RLIMIT_NOFILE } else "not available"
# Prints a markdown table per part; exits non-zero when a check failed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
cycles=1000 only="cycles load slowloris fdlimit"
while [ $# -gt 0 ]; do
  case $1 in
    --cycles) cycles=$2; shift ;;
    --only) only=$(echo "$2" | tr ',' ' '); shift ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "soak.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[ "$(id -u)" = 0 ] || { echo "soak.sh: run as root (it runs every part as root and as the test user)" >&2; exit 1; }
sh "$src/tests/deps.sh" "$src/tests/packages.txt" && sh "$src/tests/deps.sh" "$here/packages.txt" || exit 1
export JR_SRC=$src JR_BUILD=${JR_BUILD:-$src/build}
[ -f "$JR_BUILD/build.ninja" ] || meson setup "$JR_BUILD" "$src" >/dev/null || exit 1
ninja -C "$JR_BUILD" >/dev/null || { echo "soak.sh: build failed" >&2; exit 1; }
export JAILRUN=${JAILRUN:-$JR_BUILD/cmd/jailrun} ROOTFS=${ROOTFS:-$JR_BUILD/tests/rootfs}
export BENCH_WORK=${BENCH_WORK:-/tmp/jrsoak}
rm -rf "$BENCH_WORK" && mkdir -p "$BENCH_WORK/root" && chmod 755 "$BENCH_WORK" || exit 1
export BENCH_RESULTS=$BENCH_WORK/results.tsv BENCH_LOG=$BENCH_WORK/soak.log
: > "$BENCH_RESULTS"; : > "$BENCH_LOG"
. "$here/lib.sh"
bench_user_setup || exit 1
export BUID BGID UWORK
fail=0

# The run/exit cycles: the leak test at full length, root then rootless.
soak_cycles() {
  echo "#### $cycles run/exit cycles through the CLI and $cycles through libjail (tests/leak.sh $cycles)"
  echo
  echo "| mode | what | before | after | |"
  echo "|---|---|---:|---:|---|"
  for m in root user; do
    t0=$(date +%s)
    out=$(timeout -k 10 3600 sh "$src/tests/run-as.sh" "$m" "$src/tests/leak.sh" "$cycles" 2>&1); rc=$?
    echo "$out" >> "$LOG"
    printf '%s\n' "$out" | awk -v m="$m" '/^# leak: /{ d = ($4 == $5) ? "ok" : "**changed**"; if ($3 ~ /rss|all-users/) d = "(informative: " (($4 == $5) ? "same" : "changed") ")"; printf "| %s | %s | %s | %s | %s |\n", m, $3, $4, $5, d }'
    nok=$(printf '%s\n' "$out" | grep -c '^not ok')
    echo "| $m | TAP checks failed / wall time | | | $nok / $(( $(date +%s) - t0 )) s |"
    [ "$rc" = 0 ] && [ "$nok" = 0 ] || fail=1
  done
  echo
}

for part in $only; do
  case $part in
    cycles) soak_cycles ;;
    load|slowloris|fdlimit) sh "$here/$part.sh" || fail=1 ;;
    *) echo "soak.sh: no part '$part'" >&2; exit 2 ;;
  esac
done
[ -s "$RESULTS" ] && python3 "$here/table.py" md "$RESULTS"
echo
if [ "$fail" = 0 ]; then echo "soak: all checks passed"; else echo "soak: FAILED (log: $LOG)"; fi
exit "$fail"
