# lib.sh - sourced by the benchmark and soak scripts in tests/bench/:
# where the binaries are, feature detection of the jailrun build, running
# as the test user, hyperfine, and result rows.  Nothing here is timed.
#
# A result row (RESULTS, tab-separated) is:
#   SECTION MODE LABEL VALUE UNIT EXTRA NOTE
# VALUE "-" means not measured, NOTE says why.  table.py turns rows into
# markdown with a ratio against the jailrun row of the same section/mode.
set -u
BENCH=${BENCH:-$(cd "$(dirname "$0")" && pwd)}
JR_SRC=${JR_SRC:-$(cd "$BENCH/../.." && pwd)}
JR_BUILD=${JR_BUILD:-$JR_SRC/build}
JAILRUN=${JAILRUN:-$JR_BUILD/cmd/jailrun}
ROOTFS=${ROOTFS:-$JR_BUILD/tests/rootfs}
BENCHSRV=${BENCHSRV:-$JR_BUILD/tests/bench/jr-benchsrv}
BENCH_USER=${JAILRUN_TEST_USER:-jrtest}
RUNS=${BENCH_RUNS:-100}
QUICK=${BENCH_QUICK:-0}
WORK=${BENCH_WORK:-/tmp/jrbench}
RESULTS=${BENCH_RESULTS:-$WORK/results.tsv}
LOG=${BENCH_LOG:-$WORK/bench.log}
UPATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin

# row SECTION MODE LABEL VALUE UNIT [EXTRA [NOTE]]
row() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "${6:-}" "${7:-}" >> "$RESULTS"; }
# na SECTION MODE LABEL WHY: a row that says why nothing was measured.
na() { row "$1" "$2" "$3" - - "" "$4"; }
log() { echo "bench: $*" >&2; echo "== $*" >> "$LOG"; }

# Feature detection: what this jailrun build offers (never guessed).
jr_help() { "$JAILRUN" --help 2>&1; }
jr_has_publish() { jr_help | grep -q -- '--publish'; }
jr_has_proxy() { jr_help | grep -q -- '--net-allow'; }
jr_has_exec() { jr_help | grep -q -- '--detach' && "$JAILRUN" exec --help >/dev/null 2>&1; }
# The default network is the private bridge when a jail without --no-net
# sees an interface besides lo.
jr_has_bridge() {
  out=$(timeout 20 "$JAILRUN" "$ROOTFS" /bin/cat /proc/self/net/dev 2>/dev/null) || return 1
  printf '%s\n' "$out" | sed -n 's/^ *\([a-z0-9]*\):.*/\1/p' | grep -qv '^lo$'
}
NA_PUBLISH="not available in this build (jailrun --help has no --publish)"
NA_PROXY="not available in this build (jailrun --help has no --net-allow)"
NA_EXEC="not available in this build (no 'jailrun exec' / --detach)"
NA_BRIDGE="not available in this build (the default network has no interface but lo)"

# The test user, its ids and its private runtime dir under WORK.
bench_user_setup() {
  id -u "$BENCH_USER" >/dev/null 2>&1 || useradd -M -s /bin/sh "$BENCH_USER" || return 1
  BUID=$(id -u "$BENCH_USER"); BGID=$(id -g "$BENCH_USER")
  UWORK=$WORK/user
  mkdir -p "$UWORK/run" && chown -R "$BUID:$BGID" "$UWORK" && chmod 700 "$UWORK/run"
}
# as MODE CMD...: run CMD as root, or as the test user with a clean env.
as() {
  local m=$1; shift
  if [ "$m" = root ]; then "$@"; return; fi
  setpriv --reuid="$BUID" --regid="$BGID" --init-groups --reset-env \
    env PATH="$UPATH" HOME="$UWORK" XDG_RUNTIME_DIR="$UWORK/run" "$@"
}
# wdir MODE: a scratch dir the mode's user owns.
wdir() { if [ "$1" = root ]; then echo "$WORK/root"; else echo "$UWORK"; fi; }

# hf SECTION MODE TAG RUNS NAME CMD [NAME CMD...]: hyperfine (no shell)
# over the commands in turn, in BENCH_ROUNDS rounds (default 3) so that a
# burst of load on a shared machine hits every command alike; one row per
# command from all its runs (median ms; extra: mean±sd, p99).  A CMD of
# "NA:why" gives a row that says why; a command that fails, one that says so.
hf() {
  local sec m tag n w rounds per r i a prev name
  sec=$1 m=$2 tag=$3 n=$4; shift 4
  w=$(wdir "$m"); rounds=${BENCH_ROUNDS:-3}
  [ "$n" -ge $((rounds * 5)) ] || rounds=1
  per=$(( (n + rounds - 1) / rounds ))
  r=1
  while [ $r -le $rounds ]; do
    i=0
    for a in "$@"; do
      i=$((i + 1))
      if [ $((i % 2)) = 1 ]; then prev=$a; continue; fi
      case $a in NA:*) continue ;; esac
      [ -e "$w/hf-$tag-$i.failed" ] && continue
      as "$m" hyperfine -N -w 3 -r "$per" -n "$prev" --export-json "$w/hf-$tag-$i-$r.json" "$a" \
        >> "$LOG" 2>&1 || : > "$w/hf-$tag-$i.failed"
    done
    r=$((r + 1))
  done
  i=0
  for a in "$@"; do
    i=$((i + 1))
    if [ $((i % 2)) = 1 ]; then name=$a; continue; fi
    case $a in
      NA:*) na "$sec" "$m" "$name" "${a#NA:}" ;;
      *) if [ -e "$w/hf-$tag-$i.failed" ]; then na "$sec" "$m" "$name" "failed: $a (see $LOG)"
         else python3 "$BENCH/table.py" hf "$sec" "$m" "$w/hf-$tag-$i-"*.json >> "$RESULTS"; fi ;;
    esac
  done
}

# rounds3 SEC MODE LABEL_A CMD_A LABEL_B CMD_B: CMD_A and CMD_B (each
# run as `CMD MODE`, printing exec-latency-timer's line: the median ms
# first) in three interleaved rounds, so that a burst of load on a shared
# machine hits both alike; then a row each: the median of the rounds'
# medians, every round's figure (or a row saying the timer failed).
rounds3() {
  local a="" b="" k pair v
  for k in 1 2 3; do
    a="$a $($4 "$2" 2>> "$LOG" | cut -d' ' -f1)"
    b="$b $($6 "$2" 2>> "$LOG" | cut -d' ' -f1)"
  done
  for pair in "$3:$a" "$5:$b"; do
    v=$(echo "${pair#*:}" | tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { if (NR == 3) print v[2] }')
    if [ -n "$v" ]; then row "$1" "$2" "${pair%%:*}" "$v" ms "median of 3 rounds:${pair#*:}"
    else na "$1" "$2" "${pair%%:*}" "failed: exec-latency-timer (see $LOG)"; fi
  done
}

# free_port: a TCP port free on 127.0.0.1 now (the kernel's choice).
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# wait_port PORT [SECONDS]: until 127.0.0.1:PORT accepts, bounded.
wait_port() {
  local i=0; while [ $i -lt $(( ${2:-10} * 10 )) ]; do
    "$BENCHSRV" ping 127.0.0.1 "$1" 2>/dev/null && return 0
    sleep 0.1; i=$((i + 1))
  done
  return 1
}
# tree_rss PID SKIPCOMM: "RSS PROCS SKIPPED PSS": VmRSS and Pss (KiB) summed
# over PID and its descendants, leaving out the SKIPPED processes whose comm
# is SKIPCOMM (the jailed command); PROCS is how many were summed.  PSS
# shares shared pages out, so a peer with a process per connection is not
# counted many times over.
tree_rss() {
  python3 - "$1" "$2" <<'EOF'
import os, sys
root, skip = int(sys.argv[1]), sys.argv[2]
kids = {}
for p in os.listdir('/proc'):
    if p.isdigit():
        try:
            st = open(f'/proc/{p}/stat').read()
            ppid = int(st[st.rindex(')') + 2:].split()[1])
            kids.setdefault(ppid, []).append(int(p))
        except OSError:
            pass
total, pss, n, skipped, todo = 0, 0, 0, 0, [root]
while todo:
    p = todo.pop(); todo += kids.get(p, [])
    try:
        comm = open(f'/proc/{p}/comm').read().strip()
        rss = [l for l in open(f'/proc/{p}/status') if l.startswith('VmRSS:')]
    except OSError:
        continue
    if comm == skip:
        skipped += 1
    elif rss:
        total += int(rss[0].split()[1])
        n += 1
        try:
            pss += sum(int(l.split()[1]) for l in open(f'/proc/{p}/smaps_rollup') if l.startswith('Pss:'))
        except OSError:
            pass
print(total, n, skipped, pss)
EOF
}
# kill_tree PID: SIGKILL PID's descendants, then PID (processes we started).
kill_tree() {
  local c
  for c in $(pgrep -P "$1" 2>/dev/null); do kill_tree "$c"; done
  kill -9 "$1" 2>/dev/null
}
# stop JOB: kill_tree a job started with spawn and reap it, quietly.
stop() { kill_tree "$1"; wait "$1"; } 2>/dev/null
# bench_bin: BIN, a directory every mode (and the jail user of a root run)
# can read, holding jr-benchsrv; the jails get it with -v "$BIN:/workspace:ro".
bench_bin() {
  BIN=$WORK/bin
  mkdir -p "$BIN" && cp "$BENCHSRV" "$BIN/" && chmod 755 "$BIN" "$BIN/jr-benchsrv"
}
# spawn MODE CMD...: start CMD in the background as MODE; JOB is the
# shell's job pid (for wait), SPID the command's own pid (for /proc): a
# backgrounded function runs in a subshell whose child is the command.
spawn() {
  local i c
  as "$@" &
  JOB=$! SPID=$!
  i=0
  while [ $i -lt 100 ]; do
    c=$(pgrep -P "$JOB" | head -1)
    if [ -n "$c" ]; then SPID=$c; return 0; fi
    case $(cat "/proc/$JOB/comm" 2>/dev/null) in sh|dash|bash) ;; *) return 0 ;; esac
    sleep 0.02; i=$((i + 1))
  done
}
# mkbundle DIR MODE [ARG...]: an OCI bundle running ARGs (default /bin/true)
# in ROOTFS, read-only, with user, pid, net, ipc, uts, mount and cgroup
# namespaces (runc spec, or runc spec --rootless for the user mode).
mkbundle() {
  local d bm
  rm -rf "$1" && mkdir -p "$1" && (cd "$1" && if [ "$2" = root ]; then runc spec; else runc spec --rootless; fi) || return 1
  d=$1 bm=$2; shift 2
  [ $# -gt 0 ] || set -- /bin/true
  python3 - "$d/config.json" "$ROOTFS" "$bm" "$BUID" "$BGID" "$@" <<'EOF'
import json, sys
path, rootfs, mode, uid, gid = sys.argv[1:6]
c = json.load(open(path))
c["root"] = {"path": rootfs, "readonly": True}
c["process"]["terminal"] = False
c["process"]["args"] = sys.argv[6:]
ns = {n["type"] for n in c["linux"]["namespaces"]}
for t in ("pid", "network", "ipc", "uts", "mount", "user", "cgroup"):
    if t not in ns:
        c["linux"]["namespaces"].append({"type": t})
if mode == "root":   # as jailrun does: jail root is an unprivileged host uid
    c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 1000000, "size": 65536}]
    c["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 1000000, "size": 65536}]
else:
    c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": int(uid), "size": 1}]
    c["linux"]["gidMappings"] = [{"containerID": 0, "hostID": int(gid), "size": 1}]
json.dump(c, open(path, "w"), indent=1)
EOF
}

