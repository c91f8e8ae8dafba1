#!/bin/sh
# oci-validation.sh SUITE [JAILRUN_OCI [RUNC]] - the OCI runtime-tools
# validation suite against runc and jailrun-oci on this machine, one row
# per test: its result with each runtime (PASS, FAIL, EMPTY: no checks).
# A manual bench script, not a meson test: the suite is built outside the
# tree (runtime-tools commit 0105384 with its vendored Go modules, built
# offline with Debian's golang-go; SUITE holds runtimetest and
# validation/NAME/NAME.t).  Run as root from anywhere.
#
# jailrun-oci keeps its floor under every config.json, so a test whose only
# failed checks are "has expected noNewPrivileges" (the config asks for
# false; jailrun always sets no_new_privs) is shown as FAIL(nnp).
# The cgroup resource tests (linux_cgroups_*) and the AppArmor/SELinux label
# tests are left out, as in runc's baseline.
set -u
SUITE=${1:?usage: oci-validation.sh SUITE [JAILRUN_OCI [RUNC]]}
here=$(cd "$(dirname "$0")/.." && pwd)
JR=${2:-$here/build/cmd/jailrun}
RUNC=${3:-$(command -v runc)}
[ "$(id -u)" = 0 ] || { echo "oci-validation.sh: run as root (the suite creates containers as root)" >&2; exit 2; }
[ -x "$SUITE/runtimetest" ] || { echo "oci-validation.sh: $SUITE/runtimetest missing: build the suite first" >&2; exit 2; }
[ -x "$RUNC" ] || { echo "oci-validation.sh: runc not found (apt-get install runc)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The runtime is called jailrun-oci (dispatch on argv[0]).
ln -s "$(readlink -f "$JR")" "$tmp/jailrun-oci"

# result RUNTIME TEST: PASS, FAIL, FAIL(nnp) or EMPTY, and the first failed
# check, from the TAP the test prints (tap-go's JSON diagnostics included).
result() {
  out=$(cd "$SUITE" && RUNTIME=$1 timeout -k 5 120 "./validation/$2/$2.t" 2>&1); rc=$?
  printf '%s\n' "$out" | python3 -c '
import re, sys
rc = int(sys.argv[1]); out = sys.stdin.read()
NNP = "has expected noNewPrivileges"
def nnp_only(bad, out):
    # Checks that run runtimetest in the container carry its TAP, escaped,
    # in their diagnostics: each failed "check ..." must hide only NNP.
    inner = re.findall(r"\\nnot ok \d+ - ([^\\]*)", out)
    outer = [b for b in bad if b.strip() != NNP]
    return all(i.strip() == NNP for i in inner) and (not outer or (inner and len(outer) <= len(inner)))
bad = re.findall(r"^not ok \d+ - (.*)$", out, re.M)
plan = re.search(r"^1\.\.(\d+)\s*$", out, re.M)
if plan and plan.group(1) == "0" and not bad and rc == 0:
    print("EMPTY")
elif plan and not bad and rc == 0:
    print("PASS")
elif rc == 0 and bad and nnp_only(bad, out):
    print("FAIL(nnp)")
else:
    lines = [l for l in out.splitlines() if l.strip()]
    why = bad[0] if bad else (lines[-1] if lines else "no output")
    print("FAIL", why[:90].replace("\t", " "))
' "$rc"
}

tests=$(cd "$SUITE/validation" && ls -d */ | tr -d / | grep -v -E '^(util|linux_cgroups_.*|linux_mount_label|linux_process_apparmor_profile)$')
printf '%-32s %-10s %-10s %s\n' TEST runc jailrun-oci "jailrun-oci's first failed check"
np=0 jp=0 n=0
for t in $tests; do
  r=$(result "$RUNC" "$t" | cut -d' ' -f1)
  j=$(result "$tmp/jailrun-oci" "$t")
  jr=${j%% *}
  why=""; [ "$jr" = FAIL ] && why=${j#FAIL }
  printf '%-32s %-10s %-10s %s\n' "$t" "$r" "$jr" "$why"
  n=$((n + 1))
  [ "$r" = PASS ] && np=$((np + 1))
  [ "$jr" = PASS ] && jp=$((jp + 1))
done
echo "tests: $n; PASS: runc $np, jailrun-oci $jp (FAIL(nnp): only jailrun's no_new_privs floor failed)"
