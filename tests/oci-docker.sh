# oci-docker.sh - sourced by oci.sh as root: Docker (dockerd 20.10 with
# its containerd and containerd-shim-runc-v2) runs containers through
# jailrun-oci.  dockerd is started and stopped here, on private dirs under
# $SCRATCH, without iptables, bridge or forwarding (--network none).
DW=$SCRATCH/docker
mkdir -p "$DW"
DOCK=/usr/bin/docker   # /usr/local/bin/docker may be another client
timeout -k 5 300 dockerd --data-root "$DW/data" --exec-root "$DW/exec" --pidfile "$DW/dockerd.pid" \
  -H "unix://$DW/docker.sock" --iptables=false --ip6tables=false --bridge=none --ip-forward=false \
  --ip-masq=false --exec-opt native.cgroupdriver=cgroupfs --storage-driver vfs \
  --add-runtime "jailrun=$OCI" > "$DW/dockerd.log" 2>&1 &
dpid=$!
dk() { timeout -k 5 60 "$DOCK" -H "unix://$DW/docker.sock" "$@"; }
stop_docker() {
  dk rm -af >/dev/null 2>&1
  kill "$dpid" 2>/dev/null
  i=0; while kill -0 "$dpid" 2>/dev/null && [ $i -lt 150 ]; do i=$((i + 1)); sleep 0.1; done
  grep -o " $DW[^ ]*" /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m"; done
}
trap 'stop_docker; cleanup_podman; oci_cleanup' EXIT
i=0; while ! dk version >/dev/null 2>&1 && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.2; done
dk import "$PW/bb.tar" jrbb >/dev/null 2>&1; s=$?
is "dockerd started, image imported" "$s" 0
out=$(dk run --rm --runtime jailrun --network none jrbb echo hi-docker 2>&1); s=$?
is "docker run --runtime jailrun: prints hi (its prestart hook ran)" "$s:$out" "0:hi-docker"
dk run --rm --runtime jailrun --network none jrbb sh -c 'exit 42' >/dev/null 2>&1; s=$?
is "docker: exit status 42 passes through" "$s" 42
dk run --rm --runtime jailrun --network none jrbb /nonexistent >/dev/null 2>&1; s=$?
is "docker: a missing command gives 127" "$s" 127
cid=$(dk run -d --runtime jailrun --network none jrbb sleep 300 2>/dev/null)
dpid1=$(dk inspect --format '{{.State.Pid}}' "$cid" 2>/dev/null)
uid=$(awk '/^Uid:/ {print $2}' /proc/"$dpid1"/status 2>/dev/null)
ok "docker: the init's host uid is not 0 (it is $uid)" test -n "$uid" -a "$uid" != 0
is "docker exec" "$(dk exec "$cid" sh -c 'echo in-exec; exit 0' 2>&1)" in-exec
dk rm -f "$cid" >/dev/null 2>&1; s=$?
is "docker rm -f (kill, delete twice)" "$s" 0
ok "  jailrun-oci's state of it is gone" test ! -e "$DW/exec/runtime-runc/moby/$cid"
stop_docker
is "dockerd stopped, nothing of it left mounted" "$(grep -c " $DW" /proc/self/mountinfo)" 0
. "$JR_SRC/tests/oci-ctr.sh"
