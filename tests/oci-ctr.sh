# oci-ctr.sh - sourced by oci.sh as root: containerd 1.6 runs a busybox
# image through jailrun-oci (ctr run --runtime io.containerd.runc.v2
# --runc-binary).  Root only: containerd, its snapshotter and the runc shim
# need root here (rootless containerd needs rootlesskit, not packaged).
# containerd is started and stopped here, offline, with its root, state,
# socket and the runtime's --root under $SCRATCH and no CRI plugin.  The
# image is oci-podman.sh's (the test rootfs imported), saved as an OCI
# archive.  --cpu-shares 0: ctr's default of 1024 is a cgroup setting, which
# jailrun-oci refuses while it makes no cgroup of its own.
CW=$SCRATCH/ctr
mkdir -p "$CW"
cat > "$CW/config.toml" <<CONF
version = 2
root = "$CW/root"
state = "$CW/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.internal.v1.tracing",
  "io.containerd.tracing.processor.v1.otlp"]
[grpc]
  address = "$CW/c.sock"
[ttrpc]
  address = "$CW/c.sock.ttrpc"
[debug]
  address = ""
CONF
timeout -k 5 300 containerd --config "$CW/config.toml" > "$CW/containerd.log" 2>&1 &
cpid=$!
ct() { timeout -k 5 60 ctr --address "$CW/c.sock" -n jrtest "$@"; }
crun_() { ct run --snapshotter native --cpu-shares 0 --runtime io.containerd.runc.v2 --runc-binary "$OCI" \
            --runc-root "$CW/runc" "$@"; }
stop_ctr() {
  for t in $(ct tasks ls -q 2>/dev/null); do ct tasks kill -s KILL "$t" >/dev/null 2>&1; ct tasks delete -f "$t" >/dev/null 2>&1; done
  for c in $(ct containers ls -q 2>/dev/null); do ct containers delete "$c" >/dev/null 2>&1; done
  kill "$cpid" 2>/dev/null
  i=0; while kill -0 "$cpid" 2>/dev/null && [ $i -lt 150 ]; do i=$((i + 1)); sleep 0.1; done
  grep -o " $CW[^ ]*" /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m"; done
}
trap 'stop_ctr; stop_docker; cleanup_podman; oci_cleanup' EXIT
i=0; while ! ct version >/dev/null 2>&1 && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.2; done
ct images import --snapshotter native "$PW/bb-oci.tar" >/dev/null 2>&1; s=$?
is "containerd started, ctr images import of the OCI archive" "$s" 0
out=$(crun_ --rm localhost/jrbb:latest k1 echo hi-ctr 2>&1); s=$?
is "ctr run --runc-binary jailrun-oci: prints hi" "$s:$out" "0:hi-ctr"
crun_ --rm localhost/jrbb:latest k2 sh -c 'exit 42' >/dev/null 2>&1; s=$?
is "ctr run: exit status 42 passes through" "$s" 42
out=$(crun_ --rm localhost/jrbb:latest k3 /nonexistent 2>&1); s=$?
like "ctr run: a missing command fails with jailrun-oci's message" "$s:$out" '^[1-9][0-9]*:.*OCI runtime create failed: create: exec: "/nonexistent": stat /nonexistent: no such file'
ct containers delete k3 >/dev/null 2>&1
crun_ -d localhost/jrbb:latest k4 sleep 300 >/dev/null 2>&1
kpid=$(ct tasks ls 2>/dev/null | awk '$1 == "k4" {print $2}')
like "ctr run -d: the task runs" "$(ct tasks ls 2>/dev/null | awk '$1 == "k4" {print $3}')" '^RUNNING$'
kuid=$(awk '/^Uid:/ {print $2}' /proc/"${kpid:-0}"/status 2>/dev/null)
ok "ctr: the init's host uid is not 0 (it is $kuid)" test -n "$kuid" -a "$kuid" != 0
is "ctr: the init is the command" "$(tr '\0' ' ' < /proc/"${kpid:-0}"/cmdline 2>/dev/null)" "sleep 300 "
out=$(ct tasks exec --exec-id e1 k4 sh -c 'echo in-exec; exit 3' 2>&1); s=$?
is "ctr tasks exec: runs in the container, its status passes through" "$s:$out" "3:in-exec"
ct tasks kill -s KILL k4 >/dev/null 2>&1
i=0; while [ "$(ct tasks ls 2>/dev/null | awk '$1 == "k4" {print $3}')" = RUNNING ] && [ $i -lt 50 ]; do i=$((i + 1)); sleep 0.1; done
ct tasks delete k4 >/dev/null 2>&1 && ct containers delete k4 >/dev/null 2>&1; s=$?
is "ctr tasks kill, tasks delete, containers delete" "$s" 0
ok "  jailrun-oci's state of it is gone" test ! -e "$CW/runc/k4"
stop_ctr
is "containerd stopped, nothing of it left mounted" "$(grep -c " $CW" /proc/self/mountinfo)" 0
