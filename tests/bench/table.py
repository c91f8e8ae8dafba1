#!/usr/bin/env python3
"""table.py - result rows for the jailrun benchmarks (tests/bench/run.sh).

  table.py hf SECTION MODE JSON...  print one row for one command from
                                  its hyperfine JSON files (all rounds)
  table.py md RESULTS             print the rows as markdown tables, one per
                                  section, each value with its ratio to the
                                  jailrun row of the same section and mode
  table.py targets RESULTS        print issue 16's targets, each beside the
                                  ratio measured in this run: MET, NOT MET,
                                  or not measured (and why)

Rows are tab-separated: SECTION MODE LABEL VALUE UNIT EXTRA NOTE.
"""
import json
import sys

LOWER_IS_BETTER = {"s", "ms", "us", "KiB", "MiB"}


def pct(times, q):
    s = sorted(times)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def hf_row(section, mode, paths):
    """One row from the hyperfine JSON files of one command (its rounds)."""
    t, name = [], None
    for p in paths:
        for r in json.load(open(p))["results"]:
            t += r["times"]
            name = r["command"]
    mean = sum(t) / len(t)
    sd = (sum((x - mean) ** 2 for x in t) / max(1, len(t) - 1)) ** 0.5
    extra = "mean %.2f ± %.2f, p99 %.2f, n=%d" % (mean * 1e3, sd * 1e3, pct(t, 0.99) * 1e3, len(t))
    print("\t".join([section, mode, name, "%.2f" % (pct(t, 0.5) * 1e3), "ms", extra, ""]))


def ratio(value, unit, ref):
    """How jailrun compares with this row: 'jailrun 1.3x faster' etc."""
    if ref is None or value <= 0 or ref <= 0:
        return ""
    lower = unit in LOWER_IS_BETTER
    better = ref < value if lower else ref > value
    f = max(value, ref) / min(value, ref)
    if abs(f - 1) < 0.005:
        return "same"
    word = {"KiB": ("less", "more"), "MiB": ("less", "more")}.get(unit, ("faster", "slower"))
    return "jailrun %.2fx %s" % (f, word[0] if better else word[1])


def md(path):
    rows = [l.rstrip("\n").split("\t") for l in open(path) if l.strip()]
    sections = []
    for r in rows:
        if r[0] not in sections:
            sections.append(r[0])
    for sec in sections:
        mine = [r for r in rows if r[0] == sec]
        unit = next((r[4] for r in mine if r[3].replace(".", "", 1).isdigit()), "")
        print("\n#### %s\n" % sec)
        print("| mode | runtime | %s | jailrun vs this | details |" % (("median " + unit) if unit == "ms" else unit or "value"))
        print("|---|---|---:|---|---|")
        for r in mine:
            ref = next((float(x[3]) for x in mine if x[1] == r[1] and x[2].startswith("jailrun")
                        and x[3].replace(".", "", 1).isdigit()), None)
            try:
                v = float(r[3])
            except ValueError:
                print("| %s | %s | – | | %s |" % (r[1], r[2], "; ".join(x for x in (r[5], r[6]) if x)))
                continue
            rat = "" if r[2].startswith("jailrun") else ratio(v, r[4], ref)
            det = "; ".join(x for x in (r[5], r[6]) if x)
            print("| %s | %s | %s | %s | %s |" % (r[1], r[2], r[3], rat, det))


def find(rows, sec, mode, label):
    """(value, extra) of the row whose section starts with sec and label
    with label, in mode; None when absent or not measured."""
    for r in rows:
        if r[0].startswith(sec) and r[1] == mode and r[2].startswith(label):
            try:
                return float(r[3]), r[5]
            except ValueError:
                return None
    return None


def p99_of(extra):
    """The p99 figure in a row's details ("..., p99 12.3, ..."), or None."""
    for part in extra.replace(";", ",").split(","):
        w = part.split()
        if len(w) >= 2 and w[0] == "p99":
            try:
                return float(w[1])
            except ValueError:
                return None
    return None


def wrk_p99_ms(extra):
    """The wrk p99 in a row's details ("p99 latency 1.21ms"), in ms, or None."""
    w = extra.replace(";", " ").split()
    for i in range(len(w) - 2):
        if w[i] == "p99" and w[i + 1] == "latency":
            v = w[i + 2]
            for unit, scale in (("us", 1e-3), ("ms", 1.0), ("s", 1e3), ("m", 6e4)):
                if v.endswith(unit):
                    try:
                        return float(v[: -len(unit)]) * scale
                    except ValueError:
                        return None
    return None


START = "Start-up"
EXEC = "Exec latency"
FWD_T, FWD_R = "Forwarder: ", "Forwarder: HTTP requests/s, %d connection"
PROXY_R = "Egress proxy: HTTP requests/s, 50 connections"
CAPTURE = "Capture: python3"


def target_list():
    """(text, mode-independent check) pairs: check(rows, mode) returns
    (measured text, met) or (why not measured, None)."""
    def ratio_le(sec_a, lab_a, sec_b, lab_b, limit, what):
        def check(rows, m):
            a, b = find(rows, sec_a, m, lab_a), find(rows, sec_b, m, lab_b)
            if a is None or b is None:
                return "no %s row" % (lab_a if a is None else lab_b), None
            r = a[0] / b[0]
            return "%.2fx %s (%.2f vs %.2f)" % (r, what, a[0], b[0]), r <= limit
        return check

    def ratio_ge(sec_a, lab_a, sec_b, lab_b, limit, what):
        def check(rows, m):
            a, b = find(rows, sec_a, m, lab_a), find(rows, sec_b, m, lab_b)
            if a is None or b is None:
                return "no %s row" % (lab_a if a is None else lab_b), None
            r = a[0] / b[0]
            return "%.2fx %s (%.0f vs %.0f)" % (r, what, a[0], b[0]), r >= limit
        return check

    def abs_le(sec, lab, limit):
        def check(rows, m):
            a = find(rows, sec, m, lab)
            if a is None:
                return "no %s row" % lab, None
            return "%.2f ms" % a[0], a[0] <= limit
        return check

    def net_start(rows, m):
        a, b = find(rows, START, m, "jailrun (default network)"), find(rows, START, m, "jailrun --no-net")
        if a is None or b is None:
            return "no default-network or --no-net row", None
        return "%+.2f ms over --no-net (%.2f vs %.2f)" % (a[0] - b[0], a[0], b[0]), a[0] - b[0] <= 3

    def net_tail(rows, m):
        a = find(rows, START, m, "jailrun (default network, back-to-back)")
        p = p99_of(a[1]) if a else None
        if p is None:
            return "no back-to-back default-network row", None
        return "p99 %.2f ms, %.2fx the median %.2f ms" % (p, p / a[0], a[0]), p <= 1.5 * a[0]

    def added_p99(rows, m):
        a = find(rows, FWD_R % 200, m, "jailrun -p")
        b = find(rows, FWD_R % 200, m, "direct loopback (no forwarder)")
        pa, pb = (wrk_p99_ms(a[1]) if a else None), (wrk_p99_ms(b[1]) if b else None)
        if pa is None or pb is None:
            return "no p99 of %s at 200 connections" % ("jailrun -p" if pa is None else "direct loopback"), None
        return "%+.2f ms (p99 %.2f vs %.2f ms direct)" % (pa - pb, pa, pb), pa - pb <= 1.0

    def missing(why):
        return lambda rows, m: (why, None)

    t = [
        ("start-up: jailrun --no-net <= 0.8x bwrap --unshare-all",
         ratio_le(START, "jailrun --no-net", START, "bwrap --unshare-all", 0.8, "bwrap")),
        ("default network: <= +3 ms over --no-net (median)", net_start),
        ("default network: p99 <= 1.5x median over back-to-back starts", net_tail),
        ("exec: jailrun exec median <= 3 ms", abs_le(EXEC, "jailrun exec", 3.0)),
        ("exec: jailrun exec <= 0.1x runc exec",
         ratio_le(EXEC, "jailrun exec", EXEC, "runc exec", 0.1, "runc exec")),
        ("exec: jail_exec() <= 1.5x spawning /bin/true on the host",
         ratio_le(EXEC, "jail_exec()", EXEC, "/bin/true on the host", 1.5, "host spawn")),
        ("exec: jail_capture() of a Python one-liner <= 1.2x running it directly",
         ratio_le(CAPTURE, "jail_capture()", CAPTURE, "python3 on the host", 1.2, "running it directly")),
        ("forwarder: >= 0.9x direct loopback bytes/s (1 GiB)",
         ratio_ge(FWD_T, "jailrun -p", FWD_T, "direct loopback (no forwarder)", 0.9, "direct")),
        # like with like where the host's default paces (bbr): jailrun's
        # local hops use reno, so does this direct sender
        ("forwarder: >= 0.9x direct loopback bytes/s (1 GiB), direct sender reno (no pacing)",
         ratio_ge(FWD_T, "jailrun -p", FWD_T, "direct loopback, sender reno", 0.9, "direct reno")),
    ]
    for c in (1, 50, 500):
        t.append(("forwarder: req/s >= pasta at %d connection%s" % (c, "s" if c > 1 else ""),
                  ratio_ge(FWD_R % c, "jailrun -p", FWD_R % c, "pasta", 1.0, "pasta")))
    t += [
        ("forwarder: added p99 <= 1 ms at 200 connections", added_p99),
        ("proxy: >= 2x tinyproxy req/s at 50 connections",
         ratio_ge(PROXY_R, "jailrun --net-allow proxy", PROXY_R, "tinyproxy", 2.0, "tinyproxy")),
        ("proxy: a slow DNS answer does not hold up other connections",
         missing("a property, not a ratio: tests/proxydns.sh (root and rootless) checks it")),
    ]
    return t + scale_targets()


SCALE = "Scale: "


def scale_targets():
    """The targets of the scale section (scale.sh), from its rows."""
    def get(rows, m, label, exclude=None):
        for r in rows:
            if r[0].startswith(SCALE) and r[1] == m and r[2].startswith(label) \
                    and not (exclude and r[2].startswith(exclude)):
                try:
                    return float(r[3]), r[2], r[5]
                except ValueError:
                    return None
        return None

    def started(rows, m):
        a = get(rows, m, "jails started")
        if a is None:
            return "no scale row (run.sh --only scale)", None
        want = int(a[2].split()[-1])
        return "%d of %d" % (a[0], want), int(a[0]) == want

    def start_ratio(rows, m):
        a, b = get(rows, m, "start, median of the last"), get(rows, m, "start, median of the first")
        if a is None or b is None:
            return "no scale start rows", None
        r = a[0] / b[0]
        return "%.2fx (%.2f vs %.2f ms, medians of the last and first 20)" % (r, a[0], b[0]), r <= 2

    def exec_ratio(rows, m):
        a, b = get(rows, m, "exec with ", "exec with 1 running"), get(rows, m, "exec with 1 running")
        if a is None or b is None:
            return "no scale exec rows", None
        r = a[0] / b[0]
        return "%.2fx (%s %.2f vs %.2f ms)" % (r, a[1].split(" (")[0], a[0], b[0]), r <= 1.5

    def pss(rows, m):
        a = get(rows, m, "PSS of jailrun")
        if a is None:
            return "no scale PSS row", None
        return "%.1f MiB (%s)" % (a[0], a[2].split(":")[0]), a[0] <= 1024

    def clean(rows, m):
        a = get(rows, m, "left after rm -f")
        if a is None:
            return "no scale clean-up row", None
        return a[2], a[0] == 0

    return [
        ("scale: all jails start (default network)", started),
        ("scale: the last jails start in <= 2x the time of the first", start_ratio),
        ("scale: exec latency with all running <= 1.5x with one", exec_ratio),
        ("scale: jailrun's processes <= 1 GiB PSS in total", pss),
        ("scale: rm -f of all leaves no process, mount, namespace, cgroup, link or state file", clean),
    ]


def targets(path):
    rows = [l.rstrip("\n").split("\t") for l in open(path) if l.strip()]
    modes = [m for m in ("root", "user") if any(r[1] == m for r in rows)]
    print("\n#### Targets (issue 16), from this run\n")
    for text, check in target_list():
        for m in modes:
            got, ok = check(rows, m)
            if ok is None:
                print("- %s [%s]: not measured (%s)" % (text, m, got))
            else:
                print("- %s [%s]: got %s: %s" % (text, m, got, "MET" if ok else "NOT MET"))


if __name__ == "__main__":
    if len(sys.argv) >= 5 and sys.argv[1] == "hf":
        hf_row(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif len(sys.argv) == 3 and sys.argv[1] == "md":
        md(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "targets":
        targets(sys.argv[2])
    else:
        sys.exit(__doc__)
