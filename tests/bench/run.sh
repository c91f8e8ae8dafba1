#!/bin/sh
# run.sh - the jailrun benchmarks against the peers, one command:
#   sudo sh tests/bench/run.sh [--quick] [--runs N] [--only startup,exec,...]
# Installs the peers from Debian (tests/bench/packages.txt), builds jailrun
# if needed, measures every section as root and rootless (user jrtest)
# where the peer supports it, and prints markdown tables: medians and
# ratios from this one run on this machine.  A section whose jailrun
# feature this build lacks says "not available in this build".
# Sections: startup exec capture forward proxy memory stack (default: all); scale
# (1,000 detached jails, --scale-count N for fewer) runs only when named.
# Output: the tables on stdout; raw rows, hyperfine JSON and a log in
# $BENCH_WORK (default /tmp/jrbench).  Loopback traffic only.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
only="startup exec capture forward proxy memory stack"
runs=100 quick=0
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1; runs=30 ;;
    --runs) runs=$2; shift ;;
    --only) only=$(echo "$2" | tr ',' ' '); shift ;;
    --scale-count) export SCALE_COUNT=$2; shift ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[ "$(id -u)" = 0 ] || { echo "run.sh: run as root (it installs the peers and measures root and rootless modes)" >&2; exit 1; }

sh "$src/tests/deps.sh" "$src/tests/packages.txt" && sh "$src/tests/deps.sh" "$here/packages.txt" || exit 1
export JR_BUILD=${JR_BUILD:-$src/build}
[ -f "$JR_BUILD/build.ninja" ] || meson setup "$JR_BUILD" "$src" >/dev/null || exit 1
ninja -C "$JR_BUILD" >/dev/null || { echo "run.sh: build failed (ninja -C $JR_BUILD)" >&2; exit 1; }

export BENCH_WORK=${BENCH_WORK:-/tmp/jrbench}
export BENCH_RUNS=$runs BENCH_QUICK=$quick
export BENCH_RESULTS=$BENCH_WORK/results.tsv BENCH_LOG=$BENCH_WORK/bench.log
rm -rf "$BENCH_WORK" && mkdir -p "$BENCH_WORK/root" && chmod 755 "$BENCH_WORK" || exit 1
: > "$BENCH_RESULTS"; : > "$BENCH_LOG"
. "$here/lib.sh"
bench_user_setup || { echo "run.sh: cannot set up the test user $BENCH_USER" >&2; exit 1; }
export BUID BGID UWORK

for s in $only; do
  [ -f "$here/$s.sh" ] || { echo "run.sh: no section '$s'" >&2; exit 2; }
  sh "$here/$s.sh" || echo "run.sh: section $s ended with an error (see $BENCH_LOG)" >&2
done

echo "### jailrun benchmarks"
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs ($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)); $(. /etc/os-release && echo "$PRETTY_NAME"); kernel $(uname -r)."
echo "jailrun $("$JAILRUN" --version | head -1 | cut -d' ' -f2) ($(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo unknown)); peers: $(for p in bubblewrap runc util-linux socat slirp4netns passt tinyproxy wrk hyperfine; do printf '%s %s, ' "$p" "$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null)"; done | sed 's/, $//')."
echo "Command: \`sudo sh tests/bench/run.sh$( [ "$quick" = 1 ] && echo ' --quick')\`. Ratios compare medians from this run; \"jailrun 1.2x faster\" means the peer's median is 1.2 times jailrun's."
python3 "$here/table.py" md "$BENCH_RESULTS"
python3 "$here/table.py" targets "$BENCH_RESULTS"
