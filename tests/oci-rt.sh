#!/bin/sh
# oci-rt.sh - the OCI runtime-tools validation suite (tests/oci/, vendored)
# against runc and jailrun-oci on this machine, as root only: the suite
# runs runc, and its bundles map no ids, which rootless jailrun-oci (like
# rootless runc) refuses.  The suite is built once
# into the build directory (BUILD/oci-runtime-tools; rebuilt only when
# missing), then every test runs with both runtimes; rtcompare.py prints
# both columns and fails a test that passes with runc unless jailrun-oci's
# failure is one of jailrun's declared floors, read from the run's TAP and
# jailrun-oci's --log (no_new_privs always, no host networking, no
# namespace of another or the host's user namespace, no host device, no
# cgroup v1 limit).
set -u
SUITE=$JR_BUILD/oci-runtime-tools
RUNC=$(command -v runc || echo /usr/sbin/runc)
if [ ! -x "$SUITE/runtimetest" ] || [ ! -f "$SUITE/built.stamp" ]; then
  t0=$(date +%s)
  sh "$JR_SRC/tests/oci/build-runtime-tools.sh" "$SUITE" > "$JR_BUILD/oci-runtime-tools.log" 2>&1 || {
    echo "1..1"; echo "not ok 1 - build the runtime-tools suite (see $JR_BUILD/oci-runtime-tools.log)"; tail -5 "$JR_BUILD/oci-runtime-tools.log" | sed 's/^/# /'; exit 1; }
  touch "$SUITE/built.stamp"
  echo "# built the runtime-tools suite in $(($(date +%s) - t0)) s"
fi
W=$(mktemp -d /tmp/oci-rt.XXXXXX)
trap 'rm -rf "$W"' EXIT
cat > "$W/jailrun-oci" <<WRAP
#!/bin/sh
exec "$JAILRUN" oci --log "\$JR_RT_LOG" "\$@"
WRAP
chmod 755 "$W/jailrun-oci"
t0=$(date +%s)
python3 "$JR_SRC/tests/oci/rtcompare.py" "$SUITE" "$RUNC" "$W/jailrun-oci"; s=$?
echo "# both columns in $(($(date +%s) - t0)) s"
exit $s
