#!/bin/sh
# oci-podman.sh [RUNS] - wall time of `podman run --rm IMAGE true` with
# jailrun-oci against runc (and crun when installed and able to run here),
# RUNS runs each (10 by default), interleaved, one line per runtime with the
# median and the range.  Standalone, as root: sudo sh tests/bench/oci-podman.sh
# The image is the test rootfs (build/tests/rootfs) imported into a private
# podman store under a temp dir; --network none; the --ulimit values the
# tests use (root here lacks CAP_SYS_RESOURCE).  jailrun-oci runs with
# --cgroups disabled (it makes no cgroup yet); runc and crun with podman's
# cgroupfs manager (podman refuses --cgroups disabled for runc).
set -u
RUNS=${1:-10}
here=$(cd "$(dirname "$0")/../.." && pwd)
JAILRUN=${JAILRUN:-$here/build/cmd/jailrun}
ROOTFS=${ROOTFS:-$here/build/tests/rootfs}
[ "$(id -u)" = 0 ] || { echo "oci-podman.sh: run as root" >&2; exit 2; }
W=$(mktemp -d)
mkdir "$W/bin" && ln -s "$(readlink -f "$JAILRUN")" "$W/bin/jailrun-oci"
printf '[engine]\nruntime_supports_nocgroup = ["jailrun-oci"]\nruntime_supports_json = ["jailrun-oci"]\n' > "$W/containers.conf"
export CONTAINERS_CONF="$W/containers.conf"
pm() { timeout -k 5 120 podman --root "$W/root" --runroot "$W/run" --storage-driver vfs --cgroup-manager cgroupfs \
         --events-backend file "$@"; }
trap 'pm rm -af >/dev/null 2>&1; pm rmi -af >/dev/null 2>&1; rm -rf "$W"' EXIT
tar -C "$ROOTFS" -cf "$W/bb.tar" . && pm import "$W/bb.tar" localhost/jrbench >/dev/null || exit 1

# args RUNTIME: the podman arguments for one run with it.
args() {
  case $1 in
    jailrun-oci) echo "--runtime $W/bin/jailrun-oci run --cgroups disabled" ;;
    *) echo "--runtime $(command -v "$1") run" ;;
  esac
}
names="jailrun-oci runc"
if command -v crun >/dev/null; then
  # shellcheck disable=SC2046
  if err=$(pm $(args crun) --rm --network none --ulimit nofile=20000:20000 --ulimit nproc=32768:32768 localhost/jrbench true 2>&1)
  then names="$names crun"; else echo "crun: not runnable on this host: $(echo "$err" | tail -n 1)"; fi
else
  echo "crun: not installed"
fi
for n in $names; do : > "$W/$n.times"; done
for i in $(seq "$RUNS"); do
  for n in $names; do
    t0=$(date +%s%N)
    # shellcheck disable=SC2046
    pm $(args "$n") --rm --network none --ulimit nofile=20000:20000 --ulimit nproc=32768:32768 localhost/jrbench true \
      >/dev/null 2>&1 || echo "run $i with $n failed" >&2
    echo $(( ($(date +%s%N) - t0) / 1000000 )) >> "$W/$n.times"
  done
done
echo "podman run --rm IMAGE true, wall ms, $RUNS runs each, interleaved ($(nproc) cpus, load $(cut -d' ' -f1 /proc/loadavg))"
for n in $names; do
  sort -n "$W/$n.times" | awk -v n="$n" '{ v[NR] = $1 } END {
    m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%-12s median %6.0f ms  min %5d  max %5d\n", n, m, v[1], v[NR] }'
done
