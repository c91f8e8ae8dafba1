#!/usr/bin/env python3
"""table.py - result rows for the jailrun benchmarks (tests/bench/run.sh).

  table.py hf SECTION MODE JSON...  print one row for one command from
                                  its hyperfine JSON files (all rounds)
  table.py md RESULTS             print the rows as markdown tables, one per
                                  section, each value with its ratio to the
                                  jailrun row of the same section and mode

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


if __name__ == "__main__":
    if len(sys.argv) >= 5 and sys.argv[1] == "hf":
        hf_row(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif len(sys.argv) == 3 and sys.argv[1] == "md":
        md(sys.argv[2])
    else:
        sys.exit(__doc__)
