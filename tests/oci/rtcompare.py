#!/usr/bin/env python3
"""rtcompare.py SUITE RUNC JAILRUN_OCI: run every OCI runtime-tools validation
program of SUITE (built by build-runtime-tools.sh) with runc and with
jailrun-oci, print both columns, and say, as TAP, whether each test that
passes with runc passes with jailrun-oci too.  A jailrun-oci failure is
accepted only when it is one of jailrun's declared floors, read from the
run itself, never from the test's name:
  nnp       the only failing checks are "has expected noNewPrivileges"
            (jailrun sets no_new_privs always) or CAP_SETFCAP expected in
            a capability set (jailrun drops it on a rootfs it idmapped:
            a file capability written there would hold for host root),
            directly or in the runtimetest output a check embeds;
  floor     every error jailrun-oci logged (--log) in that test names a
            declared refusal (host networking, a namespace of another or
            the host's user namespace, a host device, a cgroup v1 limit),
            and every other failing check (or the program's end) carries
            the runtime's exit status 125.
Each test runs from the suite's directory (runtimetest and the rootfs
tarball are read from there), one at a time, bounded by a timeout."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

FLOORS = [
    ("hostnet", r"host networking is refused by jailrun"),
    ("userns", r"belongs to another user namespace|is the host's own user namespace|"
               r"owning the joined ones is the host's own user namespace"),
    ("devices", r"jailrun's floor gives a container no host device"),
    ("cgroup-v1", r"is not in the cgroup v2 hierarchy"),
]
NNP = re.compile(r"^not ok \d+ - (has expected noNewPrivileges"
                 r"|expected (bounding|effective|permitted|inheritable|ambient) capability CAP_SETFCAP set)$")
RESULT = re.compile(r"^(ok|not ok) \d+")


def run(prog, runtime, env_extra, cwd):
    env = dict(os.environ, RUNTIME=runtime, **env_extra)
    try:
        p = subprocess.run([prog], env=env, cwd=cwd, capture_output=True, text=True, timeout=150)
        return p.stdout + p.stderr, p.returncode
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        return out, "timeout"


def blocks(out):
    """The not-ok results, each with its diagnostics: the lines between
    the results before and after it (tap-go writes a YAML block before or
    after its result, depending on the test)."""
    lines = out.splitlines()
    idx = [i for i, line in enumerate(lines) if RESULT.match(line)]
    res = []
    for k, i in enumerate(idx):
        if lines[i].startswith("not ok"):
            lo = idx[k - 1] + 1 if k > 0 else 0
            hi = idx[k + 1] if k + 1 < len(idx) else len(lines)
            res.append("\n".join([lines[i]] + lines[lo:i] + lines[i + 1:hi]))
    return res


def only_nnp(block):
    """Is this failure jailrun's no_new_privs floor: the nnp check itself,
    or a check whose embedded runtimetest output (a YAML "stdout") fails
    only the nnp check?"""
    if NNP.match(block.splitlines()[0]):
        return True
    inner = []
    for m in re.finditer(r'"stdout": ("(?:[^"\\]|\\.)*")', block):
        try:
            inner += [b.splitlines()[0] for b in blocks(json.loads(m.group(1)))]
        except ValueError:
            return False
    return bool(inner) and all(NNP.match(b) for b in inner)


def status(out, rc):
    plan = re.search(r"^1\.\.(\d+)", out, re.M)
    if rc == 0 and plan and not blocks(out):
        return "EMPTY" if plan.group(1) == "0" else "PASS"
    return "FAIL"


def floor_reason(out, rc, log):
    """Why a jailrun-oci failure is a declared floor, or None."""
    bad = blocks(out)
    others = [b for b in bad if not only_nnp(b)]
    plan = re.search(r"^1\.\.(\d+)", out, re.M)
    crashed = rc != 0 or plan is None
    errors = [line for line in log.splitlines() if line.strip()]
    if not errors:
        return "nnp" if bad and not others and not crashed else None
    names = set()
    for e in errors:
        hit = [n for n, rx in FLOORS if re.search(rx, e)]
        if not hit:
            return None
        names.update(hit)
    if any("exit status 125" not in b for b in others):
        return None
    if crashed and not others and "exit status 125" not in out:
        return None
    if bad and len(others) < len(bad):
        names.add("nnp")
    return "+".join(sorted(names))


def main():
    suite, runc, jr = sys.argv[1:4]
    tests = sorted(t for t in os.listdir(os.path.join(suite, "validation"))
                   if os.path.isfile(os.path.join(suite, "validation", t, t + ".t")))
    work = tempfile.mkdtemp(prefix="rtcompare.")
    rows, verdicts = [], []
    for t in tests:
        prog = os.path.join(suite, "validation", t, t + ".t")
        out_r, rc_r = run(prog, runc, {}, suite)
        log = os.path.join(work, t + ".log")
        out_j, rc_j = run(prog, jr, {"JR_RT_LOG": log}, suite)
        logtext = open(log).read() if os.path.exists(log) else ""
        s_r, s_j = status(out_r, rc_r), status(out_j, rc_j)
        why = ""
        if s_j == "FAIL":
            reason = floor_reason(out_j, rc_j, logtext)
            first = (blocks(out_j) or [out_j.strip().splitlines()[-1] if out_j.strip() else "no output"])[0]
            why = f"floor:{reason}" if reason else first.splitlines()[0][:90]
            if reason:
                s_j = "FAIL(floor)"
        rows.append((t, s_r, s_j, why))
        if s_r == "PASS":
            verdicts.append((s_j in ("PASS", "FAIL(floor)"), t, s_j, why))
    shutil.rmtree(work, ignore_errors=True)
    print(f"1..{len(verdicts)}")
    print(f"# {'TEST':<32} {'runc':<6} {'jailrun-oci':<12} reason")
    for t, a, b, w in rows:
        print(f"# {t:<32} {a:<6} {b:<12} {w}")
    n_r = sum(1 for r in rows if r[1] == "PASS")
    n_j = sum(1 for r in rows if r[2] == "PASS")
    n_f = sum(1 for r in rows if r[2] == "FAIL(floor)")
    print(f"# {len(rows)} tests; PASS: runc {n_r}, jailrun-oci {n_j} (+{n_f} failing only on a declared floor)")
    for i, (good, t, s, w) in enumerate(verdicts, 1):
        print(f"{'ok' if good else 'not ok'} {i} - {t}: passes with runc, {s} with jailrun-oci {w}".rstrip())
    return 0 if all(v[0] for v in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
