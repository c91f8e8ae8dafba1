#!/bin/sh
# python.sh - the Python package (python/): pip-installs it offline into a
# fresh venv (Debian's pip is externally managed, PEP 668; the build backend
# is Debian's setuptools, seen through --system-site-packages) and runs its
# pytest suite there, as root and as the rootless test user.
. "$JR_SRC/tests/lib.sh"
plan 3
mkscratch
cp -r "$JR_SRC/python" "$SCRATCH/src"   # pip builds in the tree: a copy we may write
rm -rf "$SCRATCH/src/build" "$SCRATCH/src/"*.egg-info
/usr/bin/python3 -m venv --system-site-packages "$SCRATCH/venv"
out=$("$SCRATCH/venv/bin/pip" install -q --no-index --no-build-isolation "$SCRATCH/src" 2>&1); rc=$?
[ $rc = 0 ] || echo "$out" | sed 's/^/# /'
is "pip install ./python (offline, no compiler) into a venv" "$rc" 0
is "the package is the venv's, with its py.typed" \
  "$(cd / && "$SCRATCH/venv/bin/python" -c 'import jailrun, os; d = os.path.dirname(jailrun.__file__); print(d.startswith("'"$SCRATCH"'/venv/"), os.path.exists(d + "/py.typed"))')" "True True"
out=$(cd "$SCRATCH" && LIBJAIL="$JR_BUILD/libjail.so.0" PYTHONDONTWRITEBYTECODE=1 \
  timeout -k 5 240 "$SCRATCH/venv/bin/python" -m pytest -q -p no:cacheprovider "$SCRATCH/src/tests" 2>&1); rc=$?
[ $rc = 0 ] || echo "$out" | tail -60 | sed 's/^/# /'
is "pytest python/tests in the venv ($(echo "$out" | tail -1))" "$rc" 0
done_testing
