# oci-podman.sh - sourced by oci.sh as root: podman runs containers
# through jailrun-oci.  A private --root/--runroot and containers.conf
# under $SCRATCH; an image imported from a tarball of the test rootfs;
# --network none (no host change); --cgroups disabled (this hybrid host's
# v2 tree lacks controllers); explicit --ulimit values (root here lacks
# CAP_SYS_RESOURCE, and podman asks for NOFILE 1048576 by default).
PW=$SCRATCH/podman
mkdir -p "$PW"
cat > "$PW/containers.conf" <<CONF
[engine]
runtime_supports_nocgroup = ["jailrun-oci"]
runtime_supports_json = ["jailrun-oci"]
CONF
export CONTAINERS_CONF="$PW/containers.conf"
pm() { timeout -k 5 120 podman --root "$PW/root" --runroot "$PW/run" --storage-driver vfs \
         --cgroup-manager cgroupfs --events-backend file "$@"; }
prun() { pm --runtime "$OCI" run --network none --cgroups disabled \
           --ulimit nofile=20000:20000 --ulimit nproc=32768:32768 "$@"; }
cleanup_podman() { pm rm -af >/dev/null 2>&1; pm rmi -af >/dev/null 2>&1; }
trap 'cleanup_podman; oci_cleanup' EXIT
tar -C "$ROOTFS" -cf "$PW/bb.tar" .
pm import "$PW/bb.tar" localhost/jrbb >/dev/null 2>&1; s=$?
is "podman import of the busybox rootfs" "$s" 0

out=$(prun --rm localhost/jrbb echo hi 2>&1); s=$?
is "podman run --rm IMG echo hi: prints hi" "$out" hi
is "  exit status 0" "$s" 0
prun --rm localhost/jrbb sh -c 'exit 42' >/dev/null 2>&1; s=$?
is "podman: exit status 42 passes through" "$s" 42
out=$(prun --rm localhost/jrbb /nonexistent 2>&1); s=$?
is "podman: a missing command gives 127" "$s" 127
like "  with jailrun-oci's message" "$out" 'jailrun-oci: create: exec: "/nonexistent"'

out=$(prun --rm localhost/jrbb sh -c 'stat -c %u:%g /bin/busybox; touch /x && echo wrote' 2>&1 | tr -s ' \n' '  ')
is "podman without --uidmap: the idmapped rootfs keeps the image's owners, root writes it" "$out" "0:0 wrote "
out=$(prun --rm -t localhost/jrbb sh -c 'tty; exit 4' 2>&1 | tr -d '\r'); s=$?
is "podman run -t: the command's tty is the container's pty" "$out" "/dev/pts/0"
prun --rm -t localhost/jrbb sh -c 'exit 4' >/dev/null 2>&1; s=$?
is "podman run -t: exit status 4 passes through" "$s" 4
cid=$(prun -d localhost/jrbb sleep 300 2>/dev/null)
pid=$(pm inspect --format '{{.State.Pid}}' "$cid" 2>/dev/null)
like "podman run -d: the pid of the container's init" "$pid" '^[1-9][0-9]*$'
uid=$(awk '/^Uid:/ {print $2}' /proc/"$pid"/status 2>/dev/null)
ok "podman: the init's host uid is not 0 (it is $uid)" test -n "$uid" -a "$uid" != 0
is "podman: the init is the command (pid 1 inside)" "$(tr '\0' ' ' < /proc/"$pid"/cmdline 2>/dev/null)" "sleep 300 "
like "podman inspect names jailrun-oci as the runtime" "$(pm inspect --format '{{.OCIRuntime}}' "$cid" 2>/dev/null)" 'jailrun-oci$'
out=$(pm exec "$cid" sh -c 'echo in-exec; ps -o pid,args | grep -c "^ *1 sleep 300"' 2>&1 | tr '\n' ' ')
is "podman exec runs in the container (its pid 1 is the command)" "$out" "in-exec 1 "
pm exec "$cid" sh -c 'exit 3' >/dev/null 2>&1; s=$?
is "podman exec: exit status 3 passes through" "$s" 3
pm exec "$cid" nosuchcmd >/dev/null 2>&1; s=$?
is "podman exec: a missing command gives 127" "$s" 127
out=$(pm exec -u 65532 -w /tmp -e FOO=bar "$cid" sh -c 'echo $(id -u) $PWD $FOO; grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status' 2>&1 | tr -s '\t\n' '  ')
is "podman exec -u -w -e: user, cwd, env; no_new_privs and seccomp" "$out" "65532 /tmp bar NoNewPrivs: 1 Seccomp: 2 "
out=$(pm exec -t -u 65532 "$cid" sh -c 'tty; stat -c %u "$(tty)"' 2>&1 | tr -d '\r' | tr '\n' ' ')
is "podman exec -t: a pty of the container's devpts, owned by the exec's user" "$out" "/dev/pts/0 65532 "
pm stop -t 1 "$cid" >/dev/null 2>&1; s=$?
is "podman stop (TERM, then KILL: sleep as pid 1 ignores TERM)" "$s" 0
pm rm "$cid" >/dev/null 2>&1; s=$?
is "podman rm" "$s" 0
ok "  jailrun-oci's state of the container is gone" test ! -e "/run/jailrun-oci/$cid"

out=$(prun --rm --uidmap 0:2000000:65536 --gidmap 0:2000000:65536 localhost/jrbb \
      sh -c 'id -u; cat /proc/self/uid_map; touch /x && echo wrote' 2>&1 | tr -s ' \n' '  ')
is "podman --uidmap: container root on host 2000000, rootfs writable" "$out" "0 0 2000000 65536 wrote "
# run.jailrun.* annotations from podman run --annotation: the egress proxy
# (oci.sh's loopback server on $port, allowed by literal address); the
# audit log in the folder given with --runtime-flag audit-dir
mkdir -p "$PW/audit"
out=$(pm --runtime "$OCI" --runtime-flag "audit-dir=$PW/audit" run --rm --network none --cgroups disabled \
      --ulimit nofile=20000:20000 --ulimit nproc=32768:32768 --annotation run.jailrun.net=proxy \
      --annotation "run.jailrun.allow=127.0.0.1:$port" --annotation "run.jailrun.audit-log=$PW/audit/p.jsonl" localhost/jrbb \
      sh -c "wget -q -O - http://127.0.0.1:$port/f.txt; wget -O - http://127.0.0.1:$((port + 1))/ 2>&1 | grep -o '403 Forbidden'; grep -c . /proc/net/route" 2>&1 | tr '\n' ' ')
is "podman run --annotation run.jailrun.net=proxy: the allowed server through the proxy, another port 403, no default route" \
  "$out" "via-proxy 403 Forbidden 2 "
is "  the audit log has both decisions" \
  "$(sed -n 's/.*"target":"\([^"]*\)".*"decision":"\([a-z]*\)".*/\1 \2/p' "$PW/audit/p.jsonl" 2>&1 | tr '\n' ' ')" \
  "127.0.0.1:$port allow 127.0.0.1:$((port + 1)) deny "
out=$(prun --rm --annotation run.jailrun.net=proxy --annotation run.jailrun.audit-log=/etc/jr-audit.jsonl localhost/jrbb true 2>&1); s=$?
like "podman: an audit log outside the allowed folders is refused with jailrun-oci's message" "$s:$out" \
  "^12[56]:.*run.jailrun.audit-log=/etc/jr-audit.jsonl: refused"
ok "  and not written" test ! -e /etc/jr-audit.jsonl
is "  no sidecar left behind" "$(pgrep -f "^$OCI .*create --bundle" | wc -l)" 0
pm save --format oci-archive -o "$PW/bb-oci.tar" localhost/jrbb >/dev/null 2>&1  # for oci-ctr.sh
cleanup_podman
is "nothing of podman's left mounted" "$(grep -c " $PW" /proc/self/mountinfo)" 0
. "$JR_SRC/tests/oci-docker.sh"
