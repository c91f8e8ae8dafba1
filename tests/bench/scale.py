#!/usr/bin/env python3
"""scale.py - the work of tests/bench/scale.sh: COUNT detached jails with
the default network, started one after another.

  scale.py JAILRUN ROOTFS COUNT OUTDIR RESULTS MODE

Times every start (`jailrun -d`), the median of 20 `jailrun exec NAME
/bin/true` into the first jail at checkpoints (1 running ... COUNT
running), sums the PSS (smaps_rollup) of jailrun's own processes
(supervisors, netns helpers, inits, exec zygotes; the jailed `sleep` left
out), then `rm -f`s every jail and checks that no process, mount,
namespace, cgroup, network link or state file of theirs is left.  Writes
start.dat, exec.dat (for the plot) to OUTDIR and result rows (table.py's
format) to RESULTS.  Sends no traffic.
"""
import os
import statistics
import subprocess
import sys
import time

SEC = "Scale: %d detached jails, default network (%s)"


def run_ms(argv):
    """(milliseconds, exit status, stderr) of running argv."""
    t = time.perf_counter()
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return (time.perf_counter() - t) * 1e3, p.returncode, p.stderr.decode(errors="replace").strip()


def exec_median(jr, name, n=20):
    t = [run_ms([jr, "exec", name, "/bin/true"])[0] for _ in range(n)]
    return statistics.median(t)


def proc_table():
    """{pid: (ppid, comm, cmdline)} of every process now."""
    out = {}
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            st = open("/proc/%s/stat" % p).read()
            ppid = int(st[st.rindex(")") + 2:].split()[1])
            comm = open("/proc/%s/comm" % p).read().strip()
            cmd = open("/proc/%s/cmdline" % p, "rb").read().replace(b"\0", b" ").decode(errors="replace")
            out[int(p)] = (ppid, comm, cmd)
        except (OSError, ValueError):
            pass
    return out


def ours(prefix):
    """Pids of the jails' processes: each supervisor (its command line
    names a jail of ours) and its descendants; the jailed sleep left out."""
    t = proc_table()
    kids = {}
    for pid, (ppid, _, _) in t.items():
        kids.setdefault(ppid, []).append(pid)
    todo = [pid for pid, (_, comm, cmd) in t.items() if comm == "jailrun" and "--name " + prefix in cmd]
    seen = set()
    while todo:
        p = todo.pop()
        if p not in seen:
            seen.add(p)
            todo += kids.get(p, [])
    return sorted(p for p in seen if t[p][1] != "sleep"), t


def pss_kib(pids):
    total = 0
    for p in pids:
        try:
            total += sum(int(l.split()[1]) for l in open("/proc/%d/smaps_rollup" % p) if l.startswith("Pss:"))
        except OSError:
            pass
    return total


def host_ns():
    """The namespaces this script (in the host's) is in."""
    return {os.readlink("/proc/self/ns/%s" % k) for k in os.listdir("/proc/self/ns")}


def cgroup2_root():
    """Where the cgroup v2 hierarchy is mounted (/sys/fs/cgroup, or
    /sys/fs/cgroup/unified on a hybrid host)."""
    for l in open("/proc/self/mountinfo"):
        if " - cgroup2 " in l:
            return l.split()[4]
    return "/sys/fs/cgroup"


def footprint(pids):
    """Namespaces (not the host's) and cgroup directories of pids, with
    the namespaces they hold open as fds (the helper's private netns)."""
    ns, cgs, host, top = set(), set(), host_ns(), cgroup2_root()
    for p in pids:
        try:
            for k in os.listdir("/proc/%d/ns" % p):
                ns.add(os.readlink("/proc/%d/ns/%s" % (p, k)))
            for f in os.listdir("/proc/%d/fd" % p):
                t = os.readlink("/proc/%d/fd/%s" % (p, f))
                if t.startswith(("net:", "user:", "mnt:")):
                    ns.add(t)
            for l in open("/proc/%d/cgroup" % p):
                if l.startswith("0::"):
                    cgs.add(top + l[3:].strip())
        except OSError:
            pass
    return ns - host, {c for c in cgs if c.rstrip("/") != top and os.path.isdir(c)}


def ns_alive(nsset):
    """Those of nsset still held by any process (as a namespace or an fd)
    or by a mount."""
    left = set()
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            for k in os.listdir("/proc/%s/ns" % p):
                left.add(os.readlink("/proc/%s/ns/%s" % (p, k)))
            for f in os.listdir("/proc/%s/fd" % p):
                left.add(os.readlink("/proc/%s/fd/%s" % (p, f)))
        except OSError:
            pass
    mounts = open("/proc/self/mountinfo").read()
    return {n for n in nsset if n in left or n in mounts}


def host_links():
    return sorted(os.listdir("/sys/class/net"))


def state_dir(mode):
    if mode == "root":
        return "/run/jailrun"
    return os.path.join(os.environ.get("XDG_RUNTIME_DIR", "/run/user/%d" % os.getuid()), "jailrun")


def state_left(mode, prefix):
    d = state_dir(mode)
    try:
        return [e for e in os.listdir(d) if e.startswith(prefix)]
    except OSError:
        return []


def checkpoints(count):
    pts = {1, count}
    step = max(1, count // 10)
    pts.update(range(step, count + 1, step))
    return sorted(pts)


def start_all(jr, rootfs, count, prefix, out):
    """Start the jails, exec latency at each checkpoint; (starts, execs, first error)."""
    starts, execs, err = [], [], ""
    pts = set(checkpoints(count))
    with open(os.path.join(out, "start.dat"), "w") as sf, open(os.path.join(out, "exec.dat"), "w") as ef:
        for i in range(1, count + 1):
            ms, rc, e = run_ms([jr, "-d", "--name", "%s%d" % (prefix, i), rootfs, "/bin/sleep", "1000000"])
            if rc != 0:
                err = "jail %d: exit %d: %s" % (i, rc, e[:200])
                break
            starts.append(ms)
            sf.write("%d %.2f\n" % (i, ms))
            if i in pts:
                m = exec_median(jr, prefix + "1")
                execs.append((i, m))
                ef.write("%d %.2f\n" % (i, m))
                sf.flush()
                ef.flush()
                print("scale: %d running: start %.1f ms, exec median %.1f ms" % (i, ms, m), file=sys.stderr)
    return starts, execs, err


def remove_all(jr, n, prefix):
    t, errs = time.perf_counter(), 0
    for i in range(1, n + 1):
        errs += run_ms([jr, "rm", "-f", "%s%d" % (prefix, i)])[1] != 0
    return time.perf_counter() - t, errs


def leftovers(mode, prefix, pids, t0, nsset, cgs, links0, mounts0):
    """{kind: what is left} after rm -f, waiting up to 30 s for the kernel."""
    end = time.monotonic() + 30
    while True:
        now, _t = ours(prefix)
        alive = [p for p in pids if p in _t and _t[p][2] == t0[p][2]]
        left = {
            "processes": sorted(set(now) | set(alive)),
            "mounts": [l for l in open("/proc/self/mountinfo") if prefix in l],
            "namespaces": sorted(ns_alive(nsset)),
            "cgroups": sorted(c for c in cgs if os.path.isdir(c)),
            "links": sorted(set(host_links()) - set(links0)),
            "state files": state_left(mode, prefix),
        }
        if not any(left.values()) or time.monotonic() > end:
            break
        time.sleep(0.5)
    left["host mount lines"] = len(open("/proc/self/mountinfo").readlines()) - mounts0
    return left


def main():
    jr, rootfs, count, out, results, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
    prefix = "jrscale%d-" % os.getpid()
    sec = SEC % (count, mode)
    links0, mounts0 = host_links(), len(open("/proc/self/mountinfo").readlines())
    starts, execs, err = start_all(jr, rootfs, count, prefix, out)
    n = len(starts)
    pids, t0 = ours(prefix)
    kib = pss_kib(pids)
    nsset, cgs = footprint(pids)
    comms = {}
    for p in pids:
        comms[t0[p][1]] = comms.get(t0[p][1], 0) + 1
    rm_s, rm_errs = remove_all(jr, n, prefix)
    left = leftovers(mode, prefix, pids, t0, nsset, cgs, links0, mounts0)

    rows = []
    def row(label, value, extra="", note=""):
        rows.append("\t".join([sec, mode, label, value, "", extra, note]))
    row("jails started", "%d" % n, "of %d" % count, err)
    if n:
        w = min(20, n)
        row("start of the 1st jail (ms)", "%.2f" % starts[0])
        row("start of the last jail (ms)", "%.2f" % starts[-1], "jail %d" % n)
        row("start, median of the first %d (ms)" % w, "%.2f" % statistics.median(starts[:w]))
        row("start, median of the last %d (ms)" % w, "%.2f" % statistics.median(starts[-w:]),
            "all %d: median %.2f, max %.2f" % (n, statistics.median(starts), max(starts)))
    if execs:
        row("exec with 1 running (ms)", "%.2f" % execs[0][1], "median of 20 jailrun exec NAME /bin/true")
        row("exec with %d running (ms)" % execs[-1][0], "%.2f" % execs[-1][1], "median of 20")
    row("PSS of jailrun's processes (MiB)", "%.1f" % (kib / 1024.0),
        "%d processes: %s" % (len(pids), ", ".join("%d %s" % (v, k) for k, v in sorted(comms.items()))))
    row("rm -f of every jail (s)", "%.1f" % rm_s, "%d failed" % rm_errs)
    kinds = [k for k in left if k != "host mount lines"]
    row("left after rm -f (kinds)", "%d" % sum(1 for k in kinds if left[k]),
        "; ".join("%s %d" % (k, len(left[k])) for k in kinds) + "; host mountinfo lines %+d" % left["host mount lines"]
        + " (tracked before rm: %d processes, %d namespaces, %d cgroups)" % (len(pids), len(nsset), len(cgs)),
        "; ".join("%s: %s" % (k, " ".join(map(str, left[k][:5]))) for k in kinds if left[k]))
    with open(results, "a") as f:
        f.write("\n".join(rows) + "\n")
    for r in rows:
        print(r.replace("\t", " | "), file=sys.stderr)


if __name__ == "__main__":
    main()
