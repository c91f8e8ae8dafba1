#!/bin/sh
# oci-sec.sh - attacks of a hostile OCI container on jailrun-oci (review
# 5): the container's code is long-lived and hostile; it attacks through
# every fd, path and process jailrun-oci brings near it, above all the
# short-lived `exec`s into it.  Each check performs the attack.
. "$JR_SRC/tests/lib.sh"
if [ "$JR_MODE" = root ]; then plan 20; else plan 19; fi
oci_scratch
B=$SCRATCH/bundle
cleanup_more() { rm -rf "/tmp/jrsec-log-$$"; }

# mkbundle DIR ARGS_JSON [CAPS_JSON]: oci_bundle with a devpts and the
# capability sets CAPS_JSON (all three; CAP_KILL unless given).
mkbundle() {
  _caps=${3:-'["CAP_KILL"]'}
  oci_bundle "$1" "$2" process="\"capabilities\": {\"bounding\": $_caps, \"effective\": $_caps, \"permitted\": $_caps}," \
    mounts='[
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755", "size=65536k"]},
    {"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
    {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "size=1m"]}
  ]'
}

# fcap_of FILE: its security.capability: none, v2 (holds for host root)
# or "v3 rootid=N".
fcap_of() {
  python3 -c '
import os, struct, sys
try:
    v = os.getxattr(sys.argv[1], "security.capability")
except OSError:
    print("none"); sys.exit()
magic = struct.unpack("<I", v[:4])[0] >> 24
print("v3 rootid=%d" % struct.unpack("<I", v[20:24])[0] if magic == 3 else "v%d" % magic)' "$1"
}
# wait_line FILE REGEX: until FILE has a matching line (bounded, 30 s).
wait_line() { _i=0; while ! grep -Eq "$2" "$1" 2>/dev/null && [ $_i -lt 300 ]; do _i=$((_i + 1)); sleep 0.1; done; }

# --- 1. a process exec'd into the container is the container's to stop
# (SIGSTOP: same uid, or CAP_KILL in its user namespace) as soon as it
# appears in its pid namespace.  Until it execs, it holds jailrun-oci's
# fds: the state directory, the pid file's directory, the cgroup, the
# caller's stdio.  The container must not be able to open them through
# /proc/PID/fd (a directory there walks up to the host's /).  As root the
# container is granted CAP_SYS_PTRACE in its own user namespace (engines
# grant it for debuggers): that must not reach host files either.
echo "host-secret-$$" > "$SCRATCH/secret"
if [ "$JR_MODE" = root ]; then chmod 644 "$SCRATCH/secret"; caps='["CAP_KILL", "CAP_SYS_PTRACE"]'; else chmod 600 "$SCRATCH/secret"; caps=''; fi
mkbundle "$B" "[\"probe\", \"fdsteal\", \"12\", \"${SCRATCH#/}/secret\"]" "${caps:-}"
ids="$ids steal"
oci create --bundle "$B" steal > "$SCRATCH/steal.out" 2>&1
oci start steal
i=0
while [ $i -lt 20 ] && ! grep -q '^fd ' "$SCRATCH/steal.out"; do
  oci exec --pid-file "$SCRATCH/exec.pid" steal true >/dev/null 2>&1 </dev/null
  i=$((i + 1))
done
wait_line "$SCRATCH/steal.out" '^fd (escape|none)'
cat "$SCRATCH/steal.out" | sed "s,^,# ,"
unlike "exec: the container cannot take jailrun-oci's fds from the exec'd process (/proc/PID/fd)" "$(cat "$SCRATCH/steal.out")" 'fd escape'
unlike "  nor read a host file through them" "$(cat "$SCRATCH/steal.out")" "host-secret-$$"
oci delete --force steal

# --- 2. the caller's controlling terminal: `jailrun-oci exec` (no --tty)
# run from a terminal session with its stdio redirected; the exec'd
# process must not reach that terminal through /dev/tty (runc: setsid).
mkbundle "$B" '["sleep", "60"]'
ids="$ids ctty"
oci create --bundle "$B" ctty </dev/null >/dev/null 2>&1
oci start ctty
python3 "$JR_SRC/tests/ptyrun.py" --timeout 20 -- sh -c "'$OCI' --root '$R' exec ctty sh -c 'if (: > /dev/tty) 2>/dev/null; then echo ttyopen; else echo ttyrefused; fi' </dev/null >'$SCRATCH/tty.out' 2>&1" >/dev/null 2>&1
is "exec from a terminal: the exec'd process has no controlling terminal of the caller's" "$(cat "$SCRATCH/tty.out")" ttyrefused
# its own session: a signal to jailrun-oci exec is forwarded to it
(exec "$OCI" --root "$R" exec ctty sh -c 'trap "exit 9" TERM; echo up; sleep 30 & wait' > "$SCRATCH/sig.out" 2>&1) &
epid=$!
wait_line "$SCRATCH/sig.out" up
kill -TERM "$epid"; wait "$epid"; s=$?
is "  and a SIGTERM to jailrun-oci exec reaches it (forwarded: exit 9)" "$s" 9
oci delete --force ctty

# --- 3. the same for the container's init: create and start from a
# terminal session, the init's stdio redirected.
mkbundle "$B" '["sh", "-c", "if (: > /dev/tty) 2>/dev/null; then echo ttyopen; else echo ttyrefused; fi"]'
ids="$ids ctty2"
python3 "$JR_SRC/tests/ptyrun.py" --timeout 20 -- sh -c "'$OCI' --root '$R' create --bundle '$B' ctty2 </dev/null >'$SCRATCH/tty2.out' 2>&1; '$OCI' --root '$R' start ctty2; sleep 1" >/dev/null 2>&1
wait_line "$SCRATCH/tty2.out" 'tty'
is "create from a terminal: the init has no controlling terminal of the caller's" "$(cat "$SCRATCH/tty2.out")" ttyrefused
oci delete --force ctty2
# --- 4. a writable rootfs that jailrun idmapped (as root, no mapping in
# the config: host 0 on disk is the container's root): the container,
# with the caps podman and Docker grant (FSETID, SETFCAP), must not mint
# a file that is privileged on the host: a file capability holding for
# host root (v2, or v3 with rootid 0; jailrun-oci drops CAP_SETFCAP on
# an idmapped rootfs), or an image's setuid-root binary rewritten with its
# setuid bit kept (held by the kernel: that needs CAP_FSETID on the host).
# Rootless the rootfs is the caller's: the same checks hold trivially.
W=$SCRATCH/wroot
cp -a "$ROOTFS" "$W"
cp "$W/bin/busybox" "$W/bin/suidprog" && chmod 4755 "$W/bin/suidprog"
mkbundle "$B" '["sh", "-c", "cp /bin/busybox /bin/capprog; probe setcap /bin/capprog; cp /bin/busybox /bin/suidprog; echo done"]' \
  '["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETFCAP", "CAP_SETGID", "CAP_SETUID"]'
sed -i "s|\"path\": \"$ROOTFS\", \"readonly\": true|\"path\": \"$W\", \"readonly\": false|" "$B/config.json"
ids="$ids idm"
oci create --bundle "$B" idm > "$SCRATCH/idm.out" 2>&1
oci start idm
wait_line "$SCRATCH/idm.out" '^done'
fcap=$(fcap_of "$W/bin/capprog")
ok "idmapped rootfs: the file capability the container set does not hold for host root ($fcap)" \
  sh -c "[ '$fcap' = none ] || { [ '${fcap#v3 rootid=}' != '$fcap' ] && [ '${fcap#v3 rootid=}' != 0 ]; }"
ok "  an image's setuid-root binary the container rewrote is not setuid root on the host ($(stat -c '%A %u' "$W/bin/suidprog"))" \
  sh -c "! { [ \"\$(stat -c %u '$W/bin/suidprog')\" = 0 ] && [ -u '$W/bin/suidprog' ]; }"
oci delete --force idm
chmod -R u+w "$W" 2>/dev/null; rm -rf "$W"

# --- 5. the same through `jailrun run -v SRC:DST:idmap` (root: SRC of
# host root appears as the jail's root with -u 0): with --cap-add SETFCAP
# the jail would write a file capability holding for host root.  Refused;
# rootless (own files only) the capability it writes holds for the
# caller's id at most.
mkdir "$SCRATCH/vol" && cp "$ROOTFS/bin/busybox" "$SCRATCH/vol/f" && chmod 755 "$SCRATCH/vol"
out=$( (timeout -k 5 30 "$JAILRUN" run -u 0:0 --cap-add SETFCAP --no-net -v "$SCRATCH/vol:/x:rw,idmap" "$ROOTFS" probe setcap /x/f 2>&1; echo "status $?" ) | tr "\n" " ")
fcap=$(fcap_of "$SCRATCH/vol/f")
if [ "$JR_MODE" = root ]; then
  like "run -u 0 --cap-add SETFCAP -v ROOT_OWNED:/x:idmap: refused" "$out" \
    "belongs to host root and the jail keeps CAP_SETFCAP .*status 125"
else
  like "run -u 0 --cap-add SETFCAP -v OWN:/x:idmap (rootless): it runs" "$out" "setcap ok"
fi
ok "  no file capability for host root on SRC ($fcap)" sh -c "[ '$fcap' = none ] || { [ '${fcap#v3 rootid=}' != '$fcap' ] && [ '${fcap#v3 rootid=}' != 0 ]; }"

# --- 6. jailrun-oci exec joins the container's mount namespace itself
# (then clones the process): an error after that must not be logged by
# opening --log inside the container, where the container planted that
# path (its /tmp is a tmpfs of its own) as a symlink to a host file in a
# rw volume that only host root may write (jailrun-oci there writes as
# host uid 0; rootless as the caller, which the container is already).
V=$SCRATCH/hostvol
mkdir "$V" && chmod 755 "$V" && echo orig > "$V/victim" && chmod 644 "$V/victim"
LOGD=/tmp/jrsec-log-$$
mkdir "$LOGD"
mkbundle "$B" "[\"sh\", \"-c\", \"mkdir -p $LOGD && ln -s /hostvol/victim $LOGD/oci.log && ln -s /hostvol/made $LOGD/new.log && echo planted; sleep 60\"]"
sed -i "s|\"mounts\": \[|\"mounts\": [{\"destination\": \"/hostvol\", \"type\": \"bind\", \"source\": \"$V\", \"options\": [\"rbind\", \"rw\"]},|" "$B/config.json"
ids="$ids logc"
oci create --bundle "$B" logc > "$SCRATCH/logc.out" 2>&1
oci start logc
wait_line "$SCRATCH/logc.out" planted
timeout -k 5 30 "$OCI" --root "$R" --log "$LOGD/oci.log" exec logc no-such-command-here >/dev/null 2>&1
timeout -k 5 30 "$OCI" --root "$R" --log "$LOGD/new.log" exec logc no-such-command-here >/dev/null 2>&1
is "exec's error is not appended through the container's symlink to a host file" "$(cat "$V/victim")" orig
ok "  nor a file created through it" test ! -e "$V/made"
like "  it is in the --log file the engine named" "$(cat "$LOGD/oci.log" 2>&1)" 'no-such-command-here'
oci delete --force logc

# --- 7. the exec caller itself never enters the container (a library
# caller of jail_oci_exec would be left in its mount namespace, where
# every later path is the container's): a middle process joins and clones
# the process as the caller's child.
mkbundle "$B" '["sleep", "60"]'
ids="$ids nsc"
oci create --bundle "$B" nsc </dev/null >/dev/null 2>&1
oci start nsc
(exec "$OCI" --root "$R" exec nsc sh -c 'echo $$ > /tmp/me; exec sleep 20' </dev/null >/dev/null 2>&1) &
cpid=$!
ipid=$(oci state nsc | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
i=0; while [ $i -lt 100 ] && [ ! -s "/proc/$ipid/root/tmp/me" ]; do i=$((i + 1)); sleep 0.1; done
spid=$(pgrep -P "$cpid" -x sleep | head -1)
is "  the exec'd process is the caller's child" "$(awk '/^PPid:/ {print $2}' /proc/"${spid:-0}"/status 2>&1)" "$cpid"
# (rootless, jailrun-oci is not dumpable: its namespaces are root's to read)
[ "$JR_MODE" != root ] || is "  the caller stays in its own mount and user namespaces" \
  "$(readlink /proc/"$cpid"/ns/mnt /proc/"$cpid"/ns/user 2>&1)" "$(readlink /proc/self/ns/mnt /proc/self/ns/user)"
kill "$cpid" 2>/dev/null; wait "$cpid" 2>/dev/null
oci delete --force nsc

# --- 8. a startContainer hook runs a file of the container's (its path
# resolves in the container: the image decides what runs) just before the
# process: it must be held to jailrun's floor (the seccomp filter, the
# process's capabilities), or be refused.
mkbundle "$B" '["true"]'
sed -i 's|"linux": {|"hooks": {"startContainer": [{"path": "/usr/bin/probe", "args": ["probe", "status"]}]}, "linux": {|' "$B/config.json"
ids="$ids sth"
oci create --bundle "$B" sth > "$SCRATCH/sth.out" 2>&1 && oci start sth
sleep 1
unlike "startContainer hook (the container's file): never without the seccomp floor or with more capabilities than the process" \
  "$(tr '\t\n' '  ' < "$SCRATCH/sth.out")" 'Seccomp: 0 |CapEff: 000001ffffffffff'
oci delete --force sth

# --- 9. a container that joins the pid namespace of a long-lived one
# (a pod): a createContainer hook runs before pivot_root, its root the
# host's /.  The other container, granted CAP_SYS_PTRACE in its own user
# namespace (harmless by jailrun's floor), must not reach the host's
# files through /proc/HOOK/root.
mkbundle "$B" '["sleep", "60"]' '["CAP_KILL", "CAP_SYS_PTRACE"]'
ids="$ids pa pb"
oci create --bundle "$B" --pid-file "$SCRATCH/pa.pid" pa </dev/null >/dev/null 2>&1
oci start pa
apid=$(cat "$SCRATCH/pa.pid" 2>/dev/null)
B2=$SCRATCH/bundle2
mkbundle "$B2" '["true"]'
sed -i "s|\"linux\": {|\"hooks\": {\"createContainer\": [{\"path\": \"/bin/sleep\", \"args\": [\"sleep\", \"8\"]}]}, \"linux\": {|; s|{\"type\": \"pid\"}|{\"type\": \"pid\", \"path\": \"/proc/$apid/ns/pid\"}|" "$B2/config.json"
(timeout -k 5 30 "$OCI" --root "$R" create --bundle "$B2" pb </dev/null >/dev/null 2>&1 &)
sleep 3
out=$(oci exec pa sh -c "for p in /proc/[0-9]*; do cat \$p/root${SCRATCH}/secret 2>/dev/null; done" 2>&1)
unlike "joined pid namespace: a createContainer hook does not open the host's / to the other container" "$out" "host-secret-$$"
oci delete --force pb >/dev/null 2>&1; oci delete --force pa

# --- 10. a container that joins another's pid namespace, with no cgroup
# of its own (--cgroup-manager disabled; rootless without delegation):
# ps and kill --all of it must not reach the other container's processes.
mkbundle "$B" '["sleep", "60"]'
ids="$ids ka kb"
ocid() { timeout -k 5 30 "$OCI" --cgroup-manager disabled --root "$R" "$@"; }
ocid create --bundle "$B" --pid-file "$SCRATCH/ka.pid" ka </dev/null >/dev/null 2>&1
ocid start ka
kapid=$(cat "$SCRATCH/ka.pid" 2>/dev/null)
mkbundle "$B2" '["sleep", "60"]'
sed -i "s|{\"type\": \"pid\"}|{\"type\": \"pid\", \"path\": \"/proc/$kapid/ns/pid\"}|" "$B2/config.json"
ocid create --bundle "$B2" kb </dev/null >/dev/null 2>&1; s=$?
if [ "$s" = 0 ]; then
  ocid start kb
  out=$(ocid ps --format json kb 2>&1)
  ocid kill --all kb KILL
  sleep 1
else
  out="create refused: $s"
fi
unlike "joined pid namespace: ps of the joining container does not list the other's init ($out)" "$out" "[^0-9]$kapid[^0-9]"
ok "  kill --all of it leaves the other container alive" test -d "/proc/$kapid"
ocid delete --force kb >/dev/null 2>&1; ocid delete --force ka

ok "nothing left in the state root" test -z "$(ls "$R" | grep -v '^audit$')"
ok "  and no process of the containers" sh -c "! pgrep -f '[p]robe fdsteal' >/dev/null"
done_testing
