#!/bin/sh
# oci.sh - jailrun-oci, the OCI runtime CLI (issue 15): create/state/start/
# kill/delete of a hand-made bundle over the busybox rootfs (exit status,
# the init's host uid, the fifo gate, refusals that leave nothing behind),
# and, as root, podman, Docker and containerd running containers through
# it (oci-podman.sh, oci-docker.sh, oci-ctr.sh).
. "$JR_SRC/tests/lib.sh"
# As root only: the podman, Docker and containerd parts (oci-podman.sh,
# oci-docker.sh, oci-ctr.sh: these engines need root on this host) and the
# root-only checks (id slots, shared host mounts, joining a netns).
if [ "$JR_MODE" = root ]; then plan 190; else plan 116; fi
oci_scratch
B=$SCRATCH/bundle

# the mounts runc's `spec` writes, and a bind of $SCRATCH/data
engine_mounts='[
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    {"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
    {"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
    {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]},
    {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
    {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "size=1m"]},
    {"destination": "/tmp/data", "type": "bind", "source": "'"$SCRATCH/data"'", "options": ["rbind", "ro", "noatime", "rprivate"]}
  ]'
# mkbundle DIR ARGS_JSON [EXTRA_TOP_LEVEL_JSON [NAMESPACES_JSON]]:
# oci_bundle with what an engine writes besides (those mounts,
# capabilities, rlimits, masked and read-only paths).
mkbundle() {
  oci_bundle "$1" "$2" top="${3:-}"'"hostname": "ocitest",' ns="${4:-}" mounts="$engine_mounts" \
    env='["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"]' \
    process='"capabilities": {"bounding": ["CAP_KILL", "CAP_CHOWN"], "effective": ["CAP_KILL"], "permitted": ["CAP_KILL", "CAP_CHOWN"]},
    "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],' \
    linux='"maskedPaths": ["/proc/kcore", "/proc/keys", "/sys/firmware"], "readonlyPaths": ["/proc/sys"],'
}
mkdir "$SCRATCH/data" && echo from-host > "$SCRATCH/data/f" && chmod -R a+rX "$SCRATCH/data"

# --- create, state created, start, state running, kill, stopped, delete
mkbundle "$B" '["sh", "-c", "trap \"exit 7\" TERM; echo started > /tmp/x; sleep 300 & wait"]'
ids="$ids c1"
oci create --bundle "$B" --pid-file "$SCRATCH/c1.pid" c1; s=$?
is "create exits 0" "$s" 0
pid=$(cat "$SCRATCH/c1.pid" 2>/dev/null)
like "the pid file holds a pid" "$pid" '^[0-9]+$'
st=$(oci state c1)
like "state: created" "$st" '"status": ?"created"'
like "state: the init's pid" "$st" "\"pid\": ?$pid,"
like "state: the bundle" "$st" "\"bundle\": ?\"$B\""
like "state: ociVersion" "$st" '"ociVersion": ?"1\.0\.2"'
like "the init waits: still create's image before start" "$(tr '\0' ' ' < /proc/"$pid"/cmdline)" "create --bundle"
ok "  and /tmp/x is not written" test ! -e "/proc/$pid/root/tmp/x"
hostuid=$(awk '/^Uid:/ {print $2}' /proc/"$pid"/status)
if [ "$JR_MODE" = root ]; then
  ok "the init's host uid is not 0 (it is $hostuid)" test "$hostuid" != 0
else
  is "the init's host uid is the caller's" "$hostuid" "$(id -u)"
fi
like "a bind mount with an atime option (noatime, which the kernel locks for a host mount): read-only as asked" "$(awk '$5 == "/tmp/data" {print $6}' /proc/"$pid"/mountinfo)" '^ro,'
oci start c1; s=$?
is "start exits 0" "$s" 0
i=0; while [ "$(awk '{print $3}' /proc/"$pid"/stat 2>/dev/null)" != S ] || [ ! -e /proc/"$pid"/root/tmp/x ]; do
  [ $i -lt 50 ] || break; i=$((i + 1)); sleep 0.1; done
like "state: running" "$(oci state c1)" '"status": ?"running"'
like "the command is the init (pid file = the command)" "$(tr '\0' ' ' < /proc/"$pid"/cmdline)" "^sh -c trap"
like "the init's status: the config's bounding set, no_new_privs, seccomp" "$(grep -E '^(NoNewPrivs|Seccomp|CapBnd|CapEff):' /proc/"$pid"/status | tr -s '\t\n' '  ')" \
  'CapEff: 0000000000000021 CapBnd: 0000000000000021 NoNewPrivs: 1 Seccomp: 2'
oci start c1 2>/dev/null; s=$?
is "start twice: refused" "$s" 125
# exec: the command's status; a process.json asking for more than the
# container's bounding set gets the same policy as the init
oci exec c1 sh -c 'cat /tmp/x; exit 5' > "$SCRATCH/out"; s=$?
is "exec ID COMMAND: its exit status" "$s" 5
is "  it runs in the container" "$(cat "$SCRATCH/out")" started
cat > "$SCRATCH/process.json" <<'EOF'
{"args": ["sleep", "200"], "env": ["PATH=/bin"], "cwd": "/tmp", "user": {"uid": 0, "gid": 0},
 "capabilities": {"bounding": ["CAP_KILL", "CAP_CHOWN", "CAP_SYS_ADMIN"], "effective": ["CAP_KILL", "CAP_SYS_ADMIN"],
                  "permitted": ["CAP_KILL", "CAP_CHOWN", "CAP_SYS_ADMIN"]}}
EOF
oci exec --process "$SCRATCH/process.json" --detach --pid-file "$SCRATCH/exec.pid" c1; s=$?
is "exec --process --detach exits 0" "$s" 0
epid=$(cat "$SCRATCH/exec.pid" 2>/dev/null)
facts() { grep -E '^(Uid|Gid|CapBnd|CapEff|NoNewPrivs|Seccomp|Seccomp_filters):' /proc/"$1"/status; readlink /proc/"$1"/ns/pid /proc/"$1"/ns/mnt /proc/"$1"/ns/user /proc/"$1"/ns/net; }
is "  the exec'd process has the init's ids, caps, seccomp, namespaces" "$(facts "$epid" 2>&1)" "$(facts "$pid" 2>&1)"
like "ps --format json: the container's host pids" "$(oci ps --format json c1)" "^\\[([0-9]+,)*$pid(,[0-9]+)*\\]$"
cg=$(sed -n 's/.*"cgroup":"\([^"]*\)".*/\1/p' "$R/c1/state.json" | sed 's,\\/,/,g')
if [ "$JR_MODE" = root ]; then
  # as root each container gets a cgroup v2 (here /jailrun-oci/ID: no cgroupsPath)
  like "the container has a cgroup v2 of its own" "$cg" '/jailrun-oci/c1$'
  is "  holding the init, its sleep and the exec'd process" "$(grep -cxE "$pid|$epid" "$cg/cgroup.procs"):$(wc -l < "$cg/cgroup.procs")" "2:3"
  is "  the container's cgroup namespace is rooted there" "$(oci exec c1 grep ^0:: /proc/self/cgroup)" "0::/"
  oci pause c1; s=$?
  is "pause exits 0" "$s" 0
  like "  state: paused" "$(oci state c1)" '"status": ?"paused"'
  is "  the kernel froze the cgroup" "$(grep frozen "$cg/cgroup.events")" "frozen 1"
  oci pause c1 2>"$SCRATCH/err"; s=$?
  is "  pause twice: refused" "$s:$(cat "$SCRATCH/err")" "125:jailrun-oci: pause: container c1 is paused, not running"
  oci resume c1; s=$?
  is "resume exits 0; state: running" "$s:$(oci state c1 | grep -o '"status": *"[a-z]*"' | tr -d ' ')" '0:"status":"running"'
  echo '{"pids": {"limit": 50}}' | oci update --resources - c1 2>"$SCRATCH/err"; s=$?
  like "update with a limit this host cannot enforce: refused, naming it" "$s:$(cat "$SCRATCH/err")" "^125:.*cgroup $cg: pids.max does not exist"
else
  is "rootless without a delegated cgroup: no cgroup" "$cg" ""
  oci pause c1 2>"$SCRATCH/err"; s=$?
  is "pause: refused with the reason" "$s:$(cat "$SCRATCH/err")" "125:jailrun-oci: pause: container c1 has no cgroup of its own (created with --cgroup-manager disabled, or rootless without a delegated cgroup)"
fi
kill -9 "$epid" 2>/dev/null
oci delete c1 2>"$SCRATCH/err"; s=$?
is "delete of a running container without --force: refused" "$s" 125
like "  with a message saying how" "$(cat "$SCRATCH/err")" "container c1 is running: stop it first, or delete --force"
oci kill c1 TERM; s=$?
is "kill ID TERM exits 0" "$s" 0
i=0; while [ -r /proc/"$pid"/stat ] && [ "$(awk '{print $3}' /proc/"$pid"/stat)" != Z ] && [ $i -lt 50 ]; do i=$((i + 1)); sleep 0.1; done
like "state: stopped after kill" "$(oci state c1)" '"status": ?"stopped"'
oci kill c1 9 2>/dev/null; s=$?
is "kill of a stopped container: an error" "$s" 125
oci exec c1 true 2>/dev/null; s=$?
is "exec in a stopped container: an error" "$s" 125
oci delete c1; s=$?
is "delete exits 0" "$s" 0
ok "delete removes the state directory" test ! -e "$R/c1"
[ "$JR_MODE" != root ] || ok "  and the container's cgroup" test ! -e "$cg"
oci state c1 2>/dev/null; s=$?
is "state of a deleted container: an error" "$s" 125

# --- as root, each container gets its own host id range (an id slot of
# `jailrun run`'s allocator, /run/jailrun/.ids), given back by delete
if [ "$JR_MODE" = root ]; then
  mkbundle "$B" '["sleep", "300"]'
  ids="$ids u1 u2"
  oci create --bundle "$B" --pid-file "$SCRATCH/u1.pid" u1
  oci create --bundle "$B" --pid-file "$SCRATCH/u2.pid" u2
  p1=$(cat "$SCRATCH/u1.pid" 2>/dev/null); p2=$(cat "$SCRATCH/u2.pid" 2>/dev/null)
  h1=$(awk '/^Uid:/ {print $2}' /proc/"$p1"/status 2>/dev/null)
  h2=$(awk '/^Uid:/ {print $2}' /proc/"$p2"/status 2>/dev/null)
  ok "two containers: different host uids ($h1, $h2), both unprivileged" \
    test -n "$h1" -a -n "$h2" -a "$h1" != "$h2" -a "${h1:-0}" -ge 1000000 -a "${h2:-0}" -ge 1000000
  is "  the uid map is a whole slot at the container's base" "$(tr -s ' ' < /proc/"$p1"/uid_map)" " 0 $h1 65536"
  slot=$(grep -l "^$p1 " /run/jailrun/.ids/[0-9]* 2>/dev/null)
  like "  the init holds its id slot" "$slot" '^/run/jailrun/\.ids/[0-9]+$'
  oci delete --force u1; oci delete --force u2
  ok "  delete gives the slot back (another jail may hold it since)" sh -c "test -n '$slot' && ! grep -qs '^$p1 ' '$slot'"
fi

# --- the command's exit status reaches the parent (the init is create's
# sibling: CLONE_PARENT), here a python waiter in the engine's place.
mkbundle "$B" '["sh", "-c", "cat /tmp/data/f; hostname; exit 42"]'
out=$(python3 - "$OCI" "$R" "$B" <<'PY'
import os, subprocess, sys
oci, root, b = sys.argv[1:4]
subprocess.run([oci, "--root", root, "create", "--bundle", b, "--pid-file", b + "/pid", "c2"], check=True)
pid = int(open(b + "/pid").read())
subprocess.run([oci, "--root", root, "start", "c2"], check=True)
_, ws = os.waitpid(pid, 0)
sys.stdout.flush()
print("status", os.waitstatus_to_exitcode(ws))
subprocess.run([oci, "--root", root, "delete", "c2"], check=True)
PY
)
like "exit status 42 reaches the waiting parent" "$out" "status 42"
like "a read-only bind mount and the hostname" "$(echo "$out" | tr '\n' ' ')" "from-host ocitest"

# --- process.terminal: the pty comes over --console-socket (an engine's
# listener played by python), made in the container's own devpts
mkbundle "$B" '["sh", "-c", "tty; exit 3"]'
sed -i 's/"terminal": false/"terminal": true/' "$B/config.json"
ids="$ids t1"
out=$(timeout -k 5 30 python3 - "$OCI" "$R" "$B" <<'PY' 2>&1
import array, os, socket, subprocess, sys
oci, root, b = sys.argv[1:4]
sp = b + "/console.sock"
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sp)
srv.listen(1)
p = subprocess.Popen([oci, "--root", root, "create", "--bundle", b, "--console-socket", sp, "--pid-file", b + "/pid", "t1"])
conn, _ = srv.accept()
msg, anc, _, _ = conn.recvmsg(64, socket.CMSG_LEN(4))
fd = array.array("i", anc[0][2][:4])[0]
rc = p.wait()
pid = int(open(b + "/pid").read())
subprocess.run([oci, "--root", root, "start", "t1"], check=True)
out = b""
while len(out) < 4096:
    try:
        d = os.read(fd, 1024)
    except OSError:
        break
    if not d:
        break
    out += d
_, ws = os.waitpid(pid, 0)
print(rc, msg.decode(), out.decode().replace("\r", "").strip(), os.waitstatus_to_exitcode(ws))
subprocess.run([oci, "--root", root, "delete", "t1"], check=True)
PY
)
is "create --console-socket: the pty's master and name reach the engine; the command's tty is it" "$out" "0 /dev/pts/0 /dev/pts/0 3"
mkbundle "$B" '["true"]'
sed -i 's/"terminal": false/"terminal": true/' "$B/config.json"
oci create --bundle "$B" t2 2>"$SCRATCH/err"; s=$?
is "process.terminal without --console-socket: refused" "$s:$(cat "$SCRATCH/err")" "125:jailrun-oci: create: process.terminal is true: give --console-socket"

# --- hooks in the runtime's namespaces, the state JSON on stdin
H=$SCRATCH/hooks; mkdir "$H"
hook() { echo "{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"cat > $H/$1\"]}"; }
mkbundle "$B" '["sleep", "100"]' "\"hooks\": {\"prestart\": [$(hook prestart)], \"createRuntime\": [$(hook createRuntime)],
  \"poststart\": [$(hook poststart)], \"poststop\": [$(hook poststop)]},"
ids="$ids h1"
oci create --bundle "$B" --pid-file "$SCRATCH/h1.pid" h1; s=$?
is "create with hooks exits 0" "$s" 0
hpid=$(cat "$SCRATCH/h1.pid" 2>/dev/null)
like "prestart got the state (id, pid) on stdin" "$(cat "$H/prestart" 2>&1)" "\"id\": ?\"h1\".*|\"pid\": ?$hpid"
ok "createRuntime ran" grep -q "\"pid\": *$hpid" "$H/createRuntime"
oci start h1
like "poststart ran with status running" "$(tr -d '\n ' < "$H/poststart" 2>&1)" '"status":"running"'
oci delete --force h1
like "poststop ran at delete with status stopped" "$(tr -d '\n ' < "$H/poststop" 2>&1)" '"status":"stopped"'
mkbundle "$B" '["true"]' '"hooks": {"prestart": [{"path": "/bin/false"}]},'
oci create --bundle "$B" h2 2>"$SCRATCH/err"; s=$?
is "a failing prestart hook fails create" "$s:$(cat "$SCRATCH/err")" "125:jailrun-oci: hooks.prestart[0] /bin/false: failed (exit status 1)"
ok "  and leaves no state" test ! -e "$R/h2"

# --- createContainer (before pivot_root: a host path, the container's
# mount and pid namespaces) and startContainer (in the container: its
# path and /tmp are the container's), run by the init with no_new_privs
chmod 777 "$H"
cc='{"path": "/bin/sh", "args": ["sh", "-c", "cat > HD/cc; readlink /proc/self/ns/mnt /proc/self/ns/pid /proc/self/ns/user > HD/cc.ns; grep NoNewPrivs /proc/self/status >> HD/cc.ns"]}'
sc='{"path": "/bin/sh", "args": ["sh", "-c", "cat > /tmp/sc"]}'
mkbundle "$B" '["sh", "-c", "cat /tmp/sc; exec sleep 100"]' "\"hooks\": {\"createContainer\": [$(echo "$cc" | sed "s|HD|$H|g")], \"startContainer\": [$sc]},"
ids="$ids h3"
oci create --bundle "$B" --pid-file "$SCRATCH/h3.pid" h3 > "$SCRATCH/h3.out" 2>&1; s=$?
hpid=$(cat "$SCRATCH/h3.pid" 2>/dev/null)
is "create with createContainer and startContainer hooks exits 0" "$s:$(cat "$SCRATCH/h3.out")" "0:"
like "createContainer got the state (id, status creating, the init's host pid)" "$(tr -d '\n ' < "$H/cc" 2>&1)" "\"id\":\"h3\",\"status\":\"creating\",\"pid\":$hpid,"
oci start h3
i=0; while ! grep -q '}' "$SCRATCH/h3.out" && [ $i -lt 50 ]; do i=$((i + 1)); sleep 0.1; done
like "startContainer ran in the container before the process (its /tmp/sc is the state)" "$(tr -d '\n ' < "$SCRATCH/h3.out")" "\"id\":\"h3\",\"status\":\"created\",\"pid\":$hpid,"
is "  and the process is still the container's pid 1" "$(tr '\0' ' ' < /proc/"$hpid"/cmdline)" "sleep 100 "
is "createContainer ran in the container's mount, pid and user namespaces, with no_new_privs" "$(tr -s '\t\n' '  ' < "$H/cc.ns" 2>&1)" \
  "$(readlink /proc/"$hpid"/ns/mnt /proc/"$hpid"/ns/pid /proc/"$hpid"/ns/user | tr '\n' ' ')NoNewPrivs: 1 "
oci delete --force h3
mkbundle "$B" '["true"]' '"hooks": {"createContainer": [{"path": "/bin/false"}]},'
oci create --bundle "$B" h4 2>"$SCRATCH/err"; s=$?
is "a failing createContainer hook fails create" "$s:$(cat "$SCRATCH/err")" "125:jailrun-oci: create: hooks.createContainer[0] /bin/false: failed (exit status 1)"
ok "  and leaves no state" test ! -e "$R/h4"
mkbundle "$B" '["echo", "not-reached"]' '"hooks": {"startContainer": [{"path": "/bin/false", "timeout": 5}]},'
ids="$ids h5"
oci create --bundle "$B" h5 > "$SCRATCH/h5.out" 2>&1 && oci start h5
i=0; while ! oci state h5 | grep -q stopped && [ $i -lt 50 ]; do i=$((i + 1)); sleep 0.1; done
is "a failing startContainer hook stops the container before its process" "$(cat "$SCRATCH/h5.out")" "jailrun-oci: hooks.startContainer[0] /bin/false: failed (exit status 1)"
oci delete h5

# --- linux.devices: an allowed character device is the host's node bound
# onto the path, a fifo is made with its mode; others are refused
mkbundle "$B" '["sh", "-c", "stat -c \"%F %t:%T\" /dev/my-null; stat -c \"%F %a\" /dev/sub/fifo; echo x > /dev/my-null && echo wrote"]'
sed -i 's|"namespaces":|"devices": [{"path": "/dev/my-null", "type": "c", "major": 1, "minor": 3, "fileMode": 438}, {"path": "/dev/sub/fifo", "type": "p", "fileMode": 384, "uid": 0, "gid": 0}], "namespaces":|' "$B/config.json"
ids="$ids d1"
oci create --bundle "$B" d1 > "$SCRATCH/d1.out" 2>&1 && oci start d1
i=0; while ! oci state d1 | grep -q stopped && [ $i -lt 50 ]; do i=$((i + 1)); sleep 0.1; done
is "linux.devices: /dev/null's node at the path, a fifo with fileMode 0600" "$(cat "$SCRATCH/d1.out" | tr '\n' ' ')" \
  "character special file 1:3 fifo 600 wrote "
oci delete d1
for dev in '"type": "c", "major": 10, "minor": 666' '"type": "b", "major": 8, "minor": 0'; do
  sed -i "s|\"devices\": \[[^]]*\]|\"devices\": [{\"path\": \"/dev/x\", $dev}]|" "$B/config.json"
  oci create --bundle "$B" d2 2>"$SCRATCH/err"; s=$?
  like "linux.devices: a host device outside the allowlist ($dev) is refused" "$s:$(cat "$SCRATCH/err")" \
    "^125:jailrun-oci: config.json: linux.devices\[0\] /dev/x: (character|block) device [0-9]+:[0-9]+ refused: jailrun's floor gives a container no host device but"
  ok "  and leaves no state" test ! -e "$R/d2"
done

# --- linux.sysctl (namespaced keys only); resources that set nothing
mkbundle "$B" '["cat", "/proc/sys/net/ipv4/ip_unprivileged_port_start"]'
sed -i 's/"namespaces":/"sysctl": {"net.ipv4.ip_unprivileged_port_start": "0"}, "resources": {"memory": {"limit": 0}, "pids": {"limit": 0}}, "namespaces":/' "$B/config.json"
ids="$ids s1"
oci create --bundle "$B" s1 > "$SCRATCH/s1.out"; oci start s1
i=0; while ! oci state s1 | grep -q stopped && [ $i -lt 50 ]; do i=$((i + 1)); sleep 0.1; done
is "linux.sysctl is written in the container's network namespace" "$(cat "$SCRATCH/s1.out")" 0
oci delete s1
sed -i 's/"kernel.domainname"//; s/"net.ipv4.ip_unprivileged_port_start": "0"/"kernel.core_pattern": "|x"/' "$B/config.json"
oci create --bundle "$B" s2 2>"$SCRATCH/err"; s=$?
like "a host-wide sysctl is refused" "$s:$(cat "$SCRATCH/err")" "^125:.*linux.sysctl: kernel.core_pattern is not a key of a namespace the container owns"
sed -i 's/"kernel.core_pattern": "|x"//; s/"pids": {"limit": 0}/"pids": {"limit": 100}/' "$B/config.json"
oci create --bundle "$B" s3 2>"$SCRATCH/err"; s=$?
like "a cgroup limit that cannot be enforced is refused" "$s:$(cat "$SCRATCH/err")" "^125:.*linux.resources: pids.max: the pids controller is not in the cgroup v2 hierarchy at .* or run with --cgroup-manager disabled"
ok "  and leaves no state" test ! -e "$R/s3"
[ "$JR_MODE" != root ] || ok "  and no cgroup" test ! -e "${cg%/c1}/s3"
sed -i 's/"pids": {"limit": 100}/"pids": {"limit": 0}, "hugepageLimits": [{"pageSize": "2MB", "limit": 1}]/' "$B/config.json"
oci create --bundle "$B" s3 2>"$SCRATCH/err"; s=$?
is "a limit cgroup v2 has no file for is refused" "$s:$(cat "$SCRATCH/err")" "125:jailrun-oci: config.json: linux.resources.hugepageLimits: cannot be enforced on cgroup v2 by jailrun-oci: drop it"
sed -i 's/"namespaces":/"cgroupsPath": "machine.slice:jr:s3", "namespaces":/; s/, "hugepageLimits": \[[^]]*\]//' "$B/config.json"
oci create --bundle "$B" s3 2>"$SCRATCH/err"; s=$?
like "runc's systemd form of cgroupsPath: refused, saying what to use" "$s:$(cat "$SCRATCH/err")" "^125:.*linux.cgroupsPath machine.slice:jr:s3: the systemd form slice:prefix:name needs --systemd-cgroup .*or give a path"
# the attack: a trailing "/." names the cgroup root ("/.") or the
# runtime's own cgroup ("."), which the ".."/root checks missed: the
# container would run (and be limited, frozen, killed) there
for cp in /. . sub/. /x/..; do
  sed -i "s|\"cgroupsPath\": \"machine.slice:jr:s3\"|\"cgroupsPath\": \"$cp\"|" "$B/config.json"
  oci create --bundle "$B" s3 2>"$SCRATCH/err"; s=$?
  like "cgroupsPath $cp (a cgroup the runtime did not make) is refused" "$s:$(cat "$SCRATCH/err")" "^125:.*linux.cgroupsPath $cp: give a path of its own below the cgroup root"
  ok "  and leaves no state" test ! -e "$R/s3"
  oci delete --force s3 >/dev/null 2>&1
  sed -i "s|\"cgroupsPath\": \"$cp\"|\"cgroupsPath\": \"machine.slice:jr:s3\"|" "$B/config.json"
done
if [ "$JR_MODE" = root ]; then
  # an absolute cgroupsPath: made below the cgroup2 mount, the parents
  # create made removed by delete
  top="jrtest-oci-$$"
  sed -i "s|\"cgroupsPath\": \"machine.slice:jr:s3\"|\"cgroupsPath\": \"/$top/sub/s3\"|" "$B/config.json"
  ids="$ids s3"
  oci create --bundle "$B" s3; s=$?
  cgm=$(sed -n 's/.*"cgroup":"\([^"]*\)".*/\1/p' "$R/s3/state.json" | sed 's,\\/,/,g')
  is "create with cgroupsPath /$top/sub/s3 exits 0" "$s:${cgm#"${cgm%/"$top"/sub/s3}"}" "0:/$top/sub/s3"
  is "  the init is in it" "$(cat "$cgm/cgroup.procs" 2>&1)" "$(oci state s3 | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')"
  oci delete --force s3
  ok "  delete removes it and the parents create made" test ! -e "${cgm%/sub/s3}"
fi

# --- a rootfs inside a shared host mount (as Docker's data root): the
# container's mounts are all private (a peer would propagate both ways,
# and pivot_root refuses a shared root)
if [ "$JR_MODE" = root ]; then
  mkdir -p "$SCRATCH/shared" && mount --bind "$SCRATCH/shared" "$SCRATCH/shared" && mount --make-shared "$SCRATCH/shared"
  cp -a "$ROOTFS" "$SCRATCH/shared/rootfs"
  mkbundle "$B" '["sleep", "100"]'
  sed -i "s|\"path\": \"$ROOTFS\"|\"path\": \"$SCRATCH/shared/rootfs\"|" "$B/config.json"
  ids="$ids p1"
  oci create --bundle "$B" --pid-file "$SCRATCH/p1.pid" p1; s=$?
  is "create with the rootfs in a shared mount" "$s" 0
  is "  no mount of the container is shared with the host" "$(grep -c shared: /proc/"$(cat "$SCRATCH/p1.pid")"/mountinfo)" 0
  oci delete --force p1
  # rootfsPropagation rshared and a "shared" bind: peer groups of the
  # container's own; a mount the host makes under the (shared) rootfs
  # afterwards must not appear inside
  mkdir -p "$SCRATCH/shared/rootfs/mnt"
  sed -i 's|"namespaces":|"rootfsPropagation": "rshared", "namespaces":|; s|"rbind", "ro", "noatime", "rprivate"|"rbind", "ro", "shared"|' "$B/config.json"
  ids="$ids p2"
  oci create --bundle "$B" --pid-file "$SCRATCH/p2.pid" p2; s=$?
  is "create with rootfsPropagation rshared and a shared bind" "$s" 0
  p2=$(cat "$SCRATCH/p2.pid" 2>/dev/null)
  cg=$(grep -o 'shared:[0-9]*' /proc/"${p2:-0}"/mountinfo | sort -u)
  like "  the container's mounts are shared among themselves" "$(awk '$5 == "/" && / shared:/' /proc/"${p2:-0}"/mountinfo | wc -l):$(awk '$5 == "/tmp/data"' /proc/"${p2:-0}"/mountinfo)" '^1:.* shared:'
  is "  in peer groups of their own (none of the host's)" "$(for g in $cg; do grep -c " $g " /proc/self/mountinfo; done | sort -u | tr '\n' ' ')" "0 "
  mount -t tmpfs jrprop "$SCRATCH/shared/rootfs/mnt"
  is "  a host mount under the shared rootfs does not propagate in" "$(grep -c jrprop /proc/"${p2:-0}"/mountinfo)" 0
  umount "$SCRATCH/shared/rootfs/mnt"
  oci delete --force p2
  umount -l "$SCRATCH/shared"
fi

# --- refusals: one message, status 125, nothing left behind
mkbundle "$B" '["/nonexistent"]'
oci create --bundle "$B" c3 2>"$SCRATCH/err"; s=$?
is "missing command: create fails" "$s" 125
like "  with the words engines map to 127" "$(cat "$SCRATCH/err")" 'exec: "/nonexistent": stat /nonexistent: no such file or directory'
ok "  and leaves no state" test ! -e "$R/c3"
mkbundle "$B" '["true"]' '' '[{"type": "pid"}, {"type": "mount"}]'
oci create --bundle "$B" c4 2>"$SCRATCH/err"; s=$?
is "host networking (no network namespace): refused" "$s" 125
like "  with a reason" "$(cat "$SCRATCH/err")" "host networking is refused"
ok "  and leaves no state" test ! -e "$R/c4"

# --- list: the containers under --root, as table, ids or state JSON
"$OCI" --root "$SCRATCH/none" list > "$SCRATCH/out"; s=$?
is "list of a root not made yet: the header only" "$s:$(cat "$SCRATCH/out")" "0:$(printf '%-20s %-8s %-8s %-30s %s' ID PID STATUS BUNDLE CREATED)"
mkbundle "$B" '["sleep", "300"]'
ids="$ids l1 l2"
oci create --bundle "$B" l1 && oci create --bundle "$B" l2 && oci start l2
is "list -q: the ids, sorted" "$(oci list -q | tr '\n' ' ')" "l1 l2 "
like "list: a row per container with its status" "$(oci list | awk 'NR > 1 {print $1, $3}' | tr '\n' ' ')" '^l1 created l2 running $'
out=$(oci list --format json | python3 -c 'import json, sys; print(" ".join(c["id"] + ":" + c["status"] + ":" + str(c["pid"] > 0) for c in json.load(sys.stdin)))')
is "list --format json: their state objects" "$out" "l1:created:True l2:running:True"
oci delete --force l1; oci delete --force l2

# --- --preserve-fds N: fds 3..N+2 reach the container's process, no other
mkbundle "$B" '["sh", "-c", "cat <&3; [ -e /proc/self/fd/4 ] && echo fd4-open; echo end"]'
ids="$ids pf1 pf2"
oci create --preserve-fds 1 --bundle "$B" pf1 3<"$SCRATCH/data/f" 4<"$SCRATCH/data/f" > "$SCRATCH/out"
oci start pf1
i=0; while ! oci state pf1 | grep -q '"stopped"' && [ $i -lt 50 ]; do i=$((i + 1)); sleep 0.1; done
is "create --preserve-fds 1: the init reads fd 3, fd 4 is closed" "$(cat "$SCRATCH/out" | tr '\n' ' ')" "from-host end "
oci delete pf1
mkbundle "$B" '["sleep", "300"]'
oci create --bundle "$B" pf2 && oci start pf2
out=$(oci exec --preserve-fds 1 pf2 sh -c '[ -e /proc/self/fd/4 ] && echo fd4-open; cat <&3' 3<"$SCRATCH/data/f" 4<"$SCRATCH/data/f")
is "exec --preserve-fds 1: the same" "$out" "from-host"
oci exec --preserve-fds 3 pf2 true 3<"$SCRATCH/data/f" 2>"$SCRATCH/err"; s=$?
is "--preserve-fds naming fds that are not open: refused" "$s:$(cat "$SCRATCH/err")" \
  "125:jailrun-oci: exec: --preserve-fds 3: fd 4 is not open (the fds to pass are 3 to 5)"
oci delete --force pf2

# --- linux.namespaces paths: join a network namespace (as root, one a
# test process holds); the host's own is refused in both modes
nsj='[{"type": "pid"}, {"type": "network", "path": "NSPATH"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}]'
if [ "$JR_MODE" = root ]; then
  unshare -n sleep 60 & holder=$!
  i=0; while [ "$(readlink /proc/$holder/ns/net)" = "$(readlink /proc/self/ns/net)" ] && [ $i -lt 50 ]; do i=$((i + 1)); sleep 0.1; done
  mkbundle "$B" '["readlink", "/proc/self/ns/net"]' '' "$(echo "$nsj" | sed "s|NSPATH|/proc/$holder/ns/net|")"
  ids="$ids nj1 nj3"
  oci create --bundle "$B" nj3 2>"$SCRATCH/err"; s=$?
  like "joining a network namespace with a sysfs mount: refused, saying why" "$s:$(cat "$SCRATCH/err")" "^125:.*sysfs cannot be mounted in a joined network namespace"
  python3 - "$B/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); c["mounts"] = [m for m in c["mounts"] if m["type"] != "sysfs"]
json.dump(c, open(sys.argv[1], "w"))
PY
  oci create --bundle "$B" nj1 > "$SCRATCH/out" && oci start nj1
  i=0; while ! oci state nj1 | grep -q '"stopped"' && [ $i -lt 50 ]; do i=$((i + 1)); sleep 0.1; done
  is "a network namespace path is joined" "$(cat "$SCRATCH/out")" "$(readlink /proc/$holder/ns/net)"
  oci delete nj1; kill $holder
fi
mkbundle "$B" '["true"]' '' "$(echo "$nsj" | sed "s|NSPATH|/proc/self/ns/net|")"
oci create --bundle "$B" nj2 2>"$SCRATCH/err"; s=$?
is "the host's own network namespace by path: refused" "$s:$(cat "$SCRATCH/err")" \
  "125:jailrun-oci: config.json: linux.namespaces: /proc/self/ns/net is the host's own network namespace: refused (jailrun never runs a container in the host's network namespace: give a namespace of its own, or none)"
ok "  and leaves no state" test ! -e "$R/nj2"

# --- annotations: run.jailrun.net=proxy gives the container jailrun's
# private network whose only way out is the egress proxy, served by a
# sidecar that exits with the init.  A loopback test server is allowed by
# literal address; another port is refused; the audit log has both.
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
mkdir "$SCRATCH/pub" && echo via-proxy > "$SCRATCH/pub/f.txt" && chmod -R a+rX "$SCRATCH/pub"
port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
$PY -m http.server --bind 127.0.0.1 --directory "$SCRATCH/pub" "$port" >/dev/null 2>&1 & pids="$pids $!"
i=0; while ! $PY -c "import socket,sys; socket.create_connection(('127.0.0.1',$port),1)" 2>/dev/null && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.1; done
hostip=$(ip -4 -o addr show scope global 2>/dev/null | awk '{print $4}' | cut -d/ -f1 | head -n1)
[ -n "$hostip" ] || hostip=$(hostname -I 2>/dev/null | awk '{print $1}')
proxyann() { echo "\"annotations\": {\"run.jailrun.net\": \"proxy\", \"run.jailrun.allow\": \"127.0.0.1:$port\"$1},"; }
mkbundle "$B" "[\"sh\", \"-c\", \"echo \$HTTP_PROXY; wget -q -O - http://127.0.0.1:$port/f.txt; wget -O - http://127.0.0.1:$((port + 1))/ 2>&1 | grep -o '403 Forbidden'; \
  grep -c . /proc/net/route; /usr/bin/probe connect $hostip $port; /usr/bin/probe connect 192.0.2.1 80\"]" \
  "$(proxyann ', "run.jailrun.audit-log": "a1.jsonl"')"
ids="$ids a1"
oci create --bundle "$B" --pid-file "$SCRATCH/a1.pid" a1 > "$SCRATCH/out" 2>&1; s=$?
is "create with run.jailrun.net=proxy exits 0" "$s" 0
sc=$(sed -n 's/.*"sidecar":\([0-9]*\).*/\1/p' "$R/a1/state.json" 2>/dev/null)
like "  a sidecar serves the proxy (its pid is in state.json)" "$sc" '^[0-9]+$'
# (as root: rootless, the sidecar is not dumpable, so its fds are not the caller's to read)
[ "$JR_MODE" = root ] && is "  the sidecar holds none of create's stdio" "$(readlink /proc/"${sc:-0}"/fd/1 2>&1)" /dev/null
oci start a1
i=0; while ! oci state a1 | grep -q '"stopped"' && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.1; done
out=$(cat "$SCRATCH/out")
is "  HTTP_PROXY is set in the container's environment" "$(echo "$out" | sed -n 1p)" "http://10.88.0.1:3128"
is "  the allowed loopback server is reachable through the proxy" "$(echo "$out" | sed -n 2p)" via-proxy
is "  another port is refused (403)" "$(echo "$out" | sed -n 3p)" "403 Forbidden"
is "  no route but the private subnet's (no default route)" "$(echo "$out" | sed -n 4p)" 2
like "  the host's address is unreachable directly" "$(echo "$out" | sed -n 5p)" "connect (ENETUNREACH|EHOSTUNREACH)"
like "  a public-looking address is unreachable directly" "$(echo "$out" | sed -n 6p)" "connect (ENETUNREACH|EHOSTUNREACH)"
log="$R/audit/a1.jsonl"
is "the audit log (a plain name: STATEROOT/audit) has both decisions" \
  "$(sed -n 's/.*"jail":"\([^"]*\)".*"target":"\([^"]*\)".*"decision":"\([a-z]*\)".*/\1 \2 \3/p' "$log" 2>&1 | tr '\n' ' ')" \
  "a1 127.0.0.1:$port allow a1 127.0.0.1:$((port + 1)) deny "
i=0; while [ -n "$sc" ] && [ -e /proc/"$sc" ] && [ "$(awk '{print $3}' /proc/"$sc"/stat 2>/dev/null)" != Z ] && [ $i -lt 50 ]; do i=$((i + 1)); sleep 0.1; done
ok "the sidecar exited with the container's init (no daemon left)" sh -c "[ ! -e /proc/$sc ] || [ \"\$(awk '{print \$3}' /proc/$sc/stat)\" = Z ]"
oci delete a1
mkbundle "$B" '["sleep", "300"]' "$(proxyann '')"
ids="$ids a2"
oci create --bundle "$B" a2 && oci start a2
sc=$(sed -n 's/.*"sidecar":\([0-9]*\).*/\1/p' "$R/a2/state.json" 2>/dev/null)
ok "a running container's sidecar is alive" test -n "$sc" -a -e "/proc/${sc:-0}"
oci delete --force a2
i=0; while [ -n "$sc" ] && [ -e /proc/"$sc" ] && [ "$(awk '{print $3}' /proc/"$sc"/stat 2>/dev/null)" != Z ] && [ $i -lt 50 ]; do i=$((i + 1)); sleep 0.1; done
ok "  delete --force: the sidecar is gone too" sh -c "[ ! -e /proc/$sc ] || [ \"\$(awk '{print \$3}' /proc/$sc/stat)\" = Z ]"
mkdir "$SCRATCH/auditdir"
mkbundle "$B" '["true"]' "$(proxyann ", \"run.jailrun.audit-log\": \"$SCRATCH/auditdir/x.jsonl\"")"
oci create --bundle "$B" a3 2>"$SCRATCH/err"; s=$?
like "an audit log outside STATEROOT/audit and --audit-dir: refused" "$s:$(cat "$SCRATCH/err")" \
  "^125:jailrun-oci: config.json: annotations: run.jailrun.audit-log=$SCRATCH/auditdir/x.jsonl: refused: the audit log goes in $R/audit"
ok "  nothing left: no state, no audit file" test ! -e "$R/a3" -a ! -e "$SCRATCH/auditdir/x.jsonl"
ids="$ids a3"
"$OCI" --root "$R" --audit-dir "$SCRATCH/auditdir" create --bundle "$B" a3; s=$?
is "  the same path under --audit-dir DIR: accepted" "$s:$(ls "$SCRATCH/auditdir")" "0:x.jsonl"
oci delete --force a3
mkbundle "$B" '["true"]' '"annotations": {"run.jailrun.net": "proxy", "run.jailrun.alow": "x"},'
oci create --bundle "$B" a4 2>"$SCRATCH/err"; s=$?
is "an unknown run.jailrun annotation: refused" "$s:$(cat "$SCRATCH/err")" \
  "125:jailrun-oci: config.json: annotations: run.jailrun.alow: not a jailrun annotation (run.jailrun.net, run.jailrun.allow, run.jailrun.audit-log)"
mkbundle "$B" '["true"]' '"annotations": {"run.jailrun.net": "proxy", "run.jailrun.allow": "*.:0"},'
oci create --bundle "$B" a5 2>"$SCRATCH/err"; s=$?
like "a bad allow entry: refused, naming the annotation" "$s:$(cat "$SCRATCH/err")" "^125:jailrun-oci: config.json: annotations: run.jailrun.allow: "
ok "  and leaves no state" test ! -e "$R/a5"

# --- kill --all: every process of the container, through pidfds
dead() { [ ! -e "/proc/$1" ] || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; }
mkbundle "$B" '["sh", "-c", "trap \"\" USR1; sleep 1000 & while true; do wait; sleep 0.1; done"]'
ids="$ids k1"
oci create --bundle "$B" k1 && oci start k1
kpid=$(oci state k1 | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
oci exec --detach --pid-file "$SCRATCH/k1.pid" k1 sleep 999
kexec=$(cat "$SCRATCH/k1.pid")
ksleep=""; i=0
while [ -z "$ksleep" ] && [ $i -lt 50 ]; do ksleep=$(pgrep -P "$kpid" -x sleep | head -n 1); i=$((i + 1)); sleep 0.1; done
if [ "$JR_MODE" = root ]; then
  # The pid-reuse race: kill --all checks a process (it is in the
  # container's pid namespace), then signals it.  strace holds the second
  # signal call 10 s; in the window the checked process dies and a host
  # process takes its pid (clone3 with set_tid, ready beforehand).  That
  # host process must not be hit: the signal goes through a pidfd opened
  # before the check.  (jailrun-oci before this change: kill(pid) after a
  # readlink of /proc/PID/ns/pid hit it.)
  python3 -c '
import ctypes, os, signal, struct, sys, time
libc = ctypes.CDLL(None, use_errno=True)
tid = (ctypes.c_int * 1)(int(sys.argv[1]))
args = ctypes.create_string_buffer(struct.pack("11Q", 0, 0, 0, 0, signal.SIGCHLD, 0, 0, 0, ctypes.addressof(tid), 1, 0))
for _ in range(1500):
    pid = libc.syscall(435, args, 88)
    if pid == 0:
        signal.signal(signal.SIGUSR1, signal.SIG_DFL)
        os.execvp("sleep", ["sleep", "60"])
    if pid > 0:
        print(pid)
        sys.exit(0)
    time.sleep(0.02)
sys.exit(1)' "$ksleep" > "$SCRATCH/hostpid" & helper=$!
  strace -f -qq -o "$SCRATCH/strace" -e trace=kill,pidfd_send_signal -e inject=kill,pidfd_send_signal:delay_enter=10000000:when=2 \
    "$OCI" --root "$R" kill --all k1 USR1 & stp=$!
  i=0; while [ "$(cat "$SCRATCH/strace" 2>/dev/null | grep -cE '(kill|pidfd_send_signal)\(.*\) += ')" -lt 1 ] && [ $i -lt 200 ]; do i=$((i + 1)); sleep 0.1; done
  sleep 0.5 # the first signal returned; the next process is checked and its signal held
  kill -9 "$ksleep"
  wait $helper
  hostpid=$(cat "$SCRATCH/hostpid")
  wait $stp; s=$?
  is "kill --all with its second signal held 10 s: exit 0" "$s" 0
  is "  a host process took the checked pid $ksleep in the window" "${hostpid:-none}" "$ksleep"
  sleep 0.5
  is "  and was not signalled (the pidfd still named the dead one): it sleeps on" "$(awk '{print $3}' "/proc/${hostpid:-0}/stat" 2>&1)" S
  [ -z "$hostpid" ] || kill -9 "$hostpid"
  ok "  the exec'd process got USR1 (and died of it)" dead "$kexec"
else
  oci kill --all k1 USR1; s=$?
  is "kill --all USR1: exit 0" "$s" 0
  i=0; while ! dead "$kexec" && [ $i -lt 50 ]; do i=$((i + 1)); sleep 0.1; done
  ok "  the exec'd process got it (and died of it)" dead "$kexec"
  ok "  the init ignores it and lives" test -e "/proc/$kpid"
fi
oci kill --all k1 KILL; s=$?
i=0; while [ -e "/proc/$kpid" ] && [ "$(awk '{print $3}' /proc/"$kpid"/stat 2>/dev/null)" != Z ] && [ $i -lt 50 ]; do i=$((i + 1)); sleep 0.1; done
like "kill --all KILL: exit 0, stopped" "$s:$(oci state k1 | tr -d '\n')" '^0:.*"status": ?"stopped"'
oci delete k1

# --- global flags and features
out=$("$OCI" features | python3 -c 'import json, sys; d = json.load(sys.stdin); print(d["ociVersionMax"], d["linux"]["seccomp"]["enabled"], d["annotations"]["org.jailrun.no-new-privileges"])')
is "features: JSON with jailrun's floor declared" "$out" "1.0.2 True always"
is "features: cgroup v2, systemd and systemdUser" "$("$OCI" features | python3 -c 'import json, sys; c = json.load(sys.stdin)["linux"]["cgroup"]; print(c["v1"], c["v2"], c["systemd"], c["systemdUser"])')" "False True True True"
# --systemd-cgroup (the systemd VM tier runs it under a manager: tests/vm/guest-systemd.sh)
mkbundle "$SCRATCH/sdb" '["true"]'
if [ "$(cat /proc/1/comm)" != systemd ] && [ ! -e "${XDG_RUNTIME_DIR:-/nonexistent}/systemd/private" ]; then
  oci --systemd-cgroup create --bundle "$SCRATCH/sdb" sd1 2>"$SCRATCH/err"; s=$?
  like "--systemd-cgroup without a systemd manager: 125, saying so and what to use" "$s:$(cat "$SCRATCH/err")" "^125:jailrun-oci: --systemd-cgroup: no systemd (system|user) manager is reachable for uid $(id -u) .*: run with --cgroup-manager cgroupfs"
  ok "  and leaves no state" test ! -e "$R/sd1"
  oci --cgroup-manager systemd create --bundle "$SCRATCH/sdb" sd1 2>"$SCRATCH/err"; s=$?
  like "--cgroup-manager systemd: the same" "$s:$(cat "$SCRATCH/err")" "^125:jailrun-oci: --systemd-cgroup: no systemd"
else
  ids="$ids sd1"
  oci --systemd-cgroup create --bundle "$SCRATCH/sdb" sd1; s=$?
  is "--systemd-cgroup under a systemd manager: create works" "$s" 0
  ok "  in the scope jailrun-oci-sd1.scope" grep -q "/jailrun-oci-sd1.scope$" "/proc/$(oci state sd1 | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')/cgroup"
  oci delete --force sd1; s=$?
  is "  delete --force: 0" "$s" 0
fi
sed -i 's/"namespaces":/"cgroupsPath": "\/machine\/sd2", "namespaces":/' "$SCRATCH/sdb/config.json"
oci --systemd-cgroup create --bundle "$SCRATCH/sdb" sd2 2>"$SCRATCH/err"; s=$?
like "--systemd-cgroup with a cgroupfs path: refused, saying the form" "$s:$(cat "$SCRATCH/err")" "^125:.*linux.cgroupsPath /machine/sd2: with --systemd-cgroup give slice:prefix:name"
sed -i 's/"cgroupsPath": "\/machine\/sd2"/"cgroupsPath": "machine.slice:jr:sub.slice"/' "$SCRATCH/sdb/config.json"
oci --systemd-cgroup create --bundle "$SCRATCH/sdb" sd2 2>"$SCRATCH/err"; s=$?
like "--systemd-cgroup with a slice as the name: refused" "$s:$(cat "$SCRATCH/err")" "^125:.*a scope of its own, not in a slice"
ok "  nothing left under the state root" test ! -e "$R/sd2"
"$OCI" --log "$SCRATCH/log.json" --log-format json --root "$R" state nosuch 2>/dev/null
out=$(python3 -c 'import json, sys; l = open(sys.argv[1]).read().splitlines(); d = json.loads(l[0]); print(len(l), d["level"], d["msg"])' "$SCRATCH/log.json")
is "--log --log-format json: one JSON object per line" "$out" "1 error container nosuch does not exist (state root $R)"
"$JAILRUN" oci --root "$R" state nosuch 2>"$SCRATCH/err"; s=$?
is "jailrun oci VERB: the same CLI" "$s:$(cat "$SCRATCH/err")" "125:jailrun-oci: container nosuch does not exist (state root $R)"

[ "$JR_MODE" = root ] && . "$JR_SRC/tests/oci-podman.sh"
done_testing
