#!/bin/sh
# oci-join.sh - jailrun-oci's linux.namespaces paths (issue 15): a second
# container joins the first's pid, ipc, uts, network and user namespaces
# (a Kubernetes pod: pause container + app containers) and sees its
# processes; a pid namespace alone brings the user namespace owning it; a
# mount namespace is used as it is; and the floor holds: the host's own
# namespaces, a user namespace mapping container 0 to host root, a pid
# namespace owned by the host's user namespace, a file that is not a
# namespace, a namespace of the wrong type, a time namespace path and a
# startContainer hook with a joined mount namespace are refused with 125,
# leaving nothing behind.  As root also a podman pod whose infra container and
# members all run through jailrun-oci.
. "$JR_SRC/tests/lib.sh"
if [ "$JR_MODE" = root ]; then plan 36; else plan 23; fi
oci_scratch

# mkbundle DIR ARGS_JSON NAMESPACES_JSON [TOP_LEVEL_JSON]: oci_bundle with
# the hostname pod (and TOP_LEVEL_JSON's keys, each ending in a comma)
mkbundle() { oci_bundle "$1" "$2" ns="$3" top="${4:-}"'"hostname": "pod",'; }

# joins TYPE=PATH...: a namespaces list joining those, new for the rest
joins() {
  out=""
  for t in mount pid network ipc uts user cgroup; do
    p=""
    for a in "$@"; do case $a in "$t="*) p=${a#*=} ;; esac; done
    if [ -n "$p" ]; then out="$out, {\"type\": \"$t\", \"path\": \"$p\"}"
    elif [ "$t" != user ] && [ "$t" != cgroup ]; then out="$out, {\"type\": \"$t\"}"; fi
  done
  echo "[${out#, }]"
}
waitstop() { i=0; while ! oci state "$1" | grep -q '"stopped"' && [ $i -lt 50 ]; do i=$((i + 1)); sleep 0.1; done; }
nsof() { for t in $2; do readlink /proc/"$1"/ns/"$t"; done | tr '\n' ' '; }

# --- the pod's first container (the pause container's part)
mkbundle "$SCRATCH/b1" '["sh", "-c", "echo pod-file > /tmp/x; exec sleep 300"]' "$OCI_NS"
ids="$ids p1"
oci create --bundle "$SCRATCH/b1" --pid-file "$SCRATCH/p1.pid" p1 && oci start p1
p1=$(cat "$SCRATCH/p1.pid")
i=0; while [ "$(tr '\0' ' ' < /proc/"$p1"/cmdline)" != "sleep 300 " ] && [ $i -lt 50 ]; do i=$((i + 1)); sleep 0.1; done
ns="/proc/$p1/ns"

# --- a second container joins its pid, ipc, uts, network and user
# namespaces: its processes are visible, the namespaces are the same
# (Rootless, no cgroup of its own can be made on this host, and a joined
# pid namespace needs one: ps, kill --all and delete go by it; the pid
# namespace is left out there and its refusal checked below.)
if [ "$JR_MODE" = root ]; then pidj="pid=$ns/pid"; shared="pid ipc uts net user"; else pidj=""; shared="ipc uts net user"; fi
mkbundle "$SCRATCH/b2" '["sh", "-c", "tr \"\\0\" \" \" < /proc/1/cmdline; hostname; exec sleep 300"]' \
  "$(joins $pidj network=$ns/net ipc=$ns/ipc uts=$ns/uts user=$ns/user)"
ids="$ids p2"
# (without timeout(1): the init's parent is then this shell, create's)
"$OCI" --root "$R" create --bundle "$SCRATCH/b2" --pid-file "$SCRATCH/p2.pid" p2 > "$SCRATCH/out2" 2>&1; s=$?
is "create joining pid, ipc, uts, network and user by path: exit 0" "$s:$(cat "$SCRATCH/out2")" "0:"
p2=$(cat "$SCRATCH/p2.pid" 2>/dev/null)
is "  the pid file holds the init in the joined namespaces (its parent is create's)" \
  "$(awk '/^PPid:/ {print $2}' /proc/"${p2:-0}"/status 2>/dev/null)" "$$"
oci start p2 > "$SCRATCH/out2" 2>&1
i=0; while [ "$(tr '\0' ' ' < /proc/"$p2"/cmdline)" != "sleep 300 " ] && [ $i -lt 50 ]; do i=$((i + 1)); sleep 0.1; done
is "  the same $shared namespaces" "$(nsof "$p2" "$shared")" "$(nsof "$p1" "$shared")"
unlike "  but a mount namespace of its own" "$(nsof "$p2" mnt)" "^$(nsof "$p1" mnt)\$"
if [ "$JR_MODE" = root ]; then
  out=$(oci exec p2 sh -c 'tr "\0" " " < /proc/1/cmdline; ps -o args | grep -c "^sleep 300"' 2>&1 | tr '\n' ' ')
  is "  it sees the first container's processes (its pid 1, both sleeps)" "$out" "sleep 300 2 "
  is "  exec into it lands in the joined pid namespace" "$(oci exec p2 readlink /proc/self/ns/pid 2>&1)" "$(readlink "$ns/pid")"
else
  mkbundle "$SCRATCH/b2p" '["true"]' "$(joins pid=$ns/pid network=$ns/net user=$ns/user)"
  oci create --bundle "$SCRATCH/b2p" p2p 2>"$SCRATCH/err"; s=$?
  like "  joining the pid namespace without a cgroup of its own: refused" "$s:$(cat "$SCRATCH/err")" \
    "^125:jailrun-oci: config.json: linux.namespaces: joining a pid namespace needs a cgroup of the container's own"
  is "  exec into it lands in the joined network namespace" "$(oci exec p2 readlink /proc/self/ns/net 2>&1)" "$(readlink "$ns/net")"
fi
ok "  its init is not host uid 0" test "$(awk '/^Uid:/ {print $2}' /proc/"$p2"/status)" != 0

# --- a pid namespace alone: jailrun joins the user namespace owning it
# (the init's namespaces are readable once it runs its command); rootless
# (no cgroup of its own here, see above) a cgroup namespace alone
if [ "$JR_MODE" = root ]; then alone=pid; first='tr \"\\0\" \" \" < /proc/1/cmdline'; want="sleep 300 "
else alone=cgroup; first='echo joined'; want="joined"; fi
mkbundle "$SCRATCH/b3" "[\"sh\", \"-c\", \"$first; exec sleep 300\"]" "$(joins $alone=$ns/$alone)"
ids="$ids p3"
oci create --bundle "$SCRATCH/b3" --pid-file "$SCRATCH/p3.pid" p3 > "$SCRATCH/out3" 2>&1 && oci start p3 >> "$SCRATCH/out3" 2>&1
p3=$(cat "$SCRATCH/p3.pid" 2>/dev/null || echo 0)
i=0; while [ "$(tr '\0' ' ' < /proc/"$p3"/cmdline)" != "sleep 300 " ] && [ $i -lt 50 ]; do i=$((i + 1)); sleep 0.1; done
is "a $alone namespace path alone: the container is in the user namespace that owns it" "$(nsof "$p3" "$alone user")" "$(nsof "$p1" "$alone user")"
is "  and it ran in it ($want)" "$(cat "$SCRATCH/out3")" "$want"
oci delete --force p3

# --- a mount namespace (with its user namespace) is used as it is
mkbundle "$SCRATCH/b4" '["cat", "/tmp/x"]' "$(joins mount=$ns/mnt user=$ns/user)"
ids="$ids p4"
oci create --bundle "$SCRATCH/b4" p4 > "$SCRATCH/out4" 2>&1 && oci start p4 >> "$SCRATCH/out4" 2>&1; waitstop p4
is "a joined mount namespace: the first container's files (its /tmp/x)" "$(cat "$SCRATCH/out4")" "pod-file"
oci delete p4

# --- refusals: exit 125, one message, no state left
refused() { # NAME ID NAMESPACES REGEX [TOP_LEVEL_JSON]
  mkbundle "$SCRATCH/b-$2" '["true"]' "$3" "${5:-}"
  oci create --bundle "$SCRATCH/b-$2" "$2" 2>"$SCRATCH/err"; s=$?
  like "$1: refused" "$s:$(cat "$SCRATCH/err")" "^125:jailrun-oci: $4"
  ok "  and leaves no state, no process" test ! -e "$R/$2" -a -z "$(pgrep -f "create --bundle $SCRATCH/b-$2")"
}
refused "the host's user namespace (the caller's own)" r1 "$(joins user=/proc/self/ns/user)" \
  "config.json: linux.namespaces: /proc/self/ns/user is the host's own user namespace: refused"
refused "a file that is not a namespace" r2 "$(joins network=$SCRATCH/b1/config.json)" \
  "config.json: linux.namespaces: network namespace $SCRATCH/b1/config.json is not a namespace file"
refused "a namespace of the wrong type" r3 "$(joins pid=$ns/net)" \
  "config.json: linux.namespaces: $ns/net is not a pid namespace"
refused "a time namespace path (jailrun makes none)" r10 \
  "$(joins | sed "s|]\$|, {\"type\": \"time\", \"path\": \"$ns/time\"}]|")" \
  "config.json: linux.namespaces: joining the time namespace at $ns/time is not supported by jailrun-oci \\(jailrun makes no time namespace\\): drop the path"
refused "a startContainer hook with a joined mount namespace" r11 "$(joins mount=$ns/mnt user=$ns/user)" \
  "config.json: hooks: createContainer and startContainer hooks need a mount namespace of the container's own" \
  '"hooks": {"startContainer": [{"path": "/bin/true"}]},'
mkbundle "$SCRATCH/b5" '["sleep", "300"]' "$OCI_NS"
ids="$ids p5"
oci create --bundle "$SCRATCH/b5" --pid-file "$SCRATCH/p5.pid" p5 && oci start p5
refused "a pid namespace with another container's user namespace" r4 \
  "$(joins pid=$ns/pid user=/proc/$(cat "$SCRATCH/p5.pid")/ns/user)" \
  "config.json: linux.namespaces: the pid namespace $ns/pid belongs to another user namespace than the joined one"
if [ "$JR_MODE" = root ]; then
  # the attack: a user namespace whose uid 0 is host root
  unshare -U --map-root-user sleep 60 & h=$!; pids="$pids $h"
  i=0; while [ "$(readlink /proc/$h/ns/user)" = "$(readlink /proc/self/ns/user)" ] && [ $i -lt 50 ]; do i=$((i + 1)); sleep 0.1; done
  refused "a user namespace mapping container 0 to host root" r5 "$(joins user=/proc/$h/ns/user)" \
    "config.json: linux.namespaces: the joined user namespace maps container uid 0 to host uid 0: refused"
  # the attack: an unprivileged user's own user namespace (its maker
  # could enter or trace the container)
  tu=${JAILRUN_TEST_USER:-jrtest}
  setpriv --reuid="$tu" --regid="$tu" --init-groups unshare -U sleep 60 & h=$!; pids="$pids $h"
  i=0; while [ "$(readlink /proc/$h/ns/user)" = "$(readlink /proc/self/ns/user)" ] && [ $i -lt 50 ]; do i=$((i + 1)); sleep 0.1; done
  refused "a user namespace made by an unprivileged user" r9 "$(joins user=/proc/$h/ns/user)" \
    "config.json: linux.namespaces: user namespace /proc/$h/ns/user was made by uid $(id -u "$tu"), not by jailrun-oci's caller"
  unshare -p -f sleep 60 & h=$!; pids="$pids $h"
  i=0; while [ "$(readlink /proc/$h/ns/pid_for_children)" = "$(readlink /proc/self/ns/pid)" ] && [ $i -lt 50 ]; do i=$((i + 1)); sleep 0.1; done
  refused "a pid namespace owned by the host's user namespace" r7 "$(joins pid=/proc/$h/ns/pid_for_children)" \
    "config.json: linux.namespaces: the user namespace owning the joined ones is the host's own user namespace: refused"
  # a uts namespace of another user namespace: no hostname there
  unshare -u sleep 60 & h=$!; pids="$pids $h"
  i=0; while [ "$(readlink /proc/$h/ns/uts)" = "$(readlink /proc/self/ns/uts)" ] && [ $i -lt 50 ]; do i=$((i + 1)); sleep 0.1; done
  refused "a hostname in a joined uts namespace of another user namespace" r8 "$(joins uts=/proc/$h/ns/uts)" \
    "config.json: hostname pod cannot be set in a joined uts namespace \(/proc/$h/ns/uts belongs to another user namespace\)"
  # podman pods: the infra container and two members, all through
  # jailrun-oci; the pod shares ipc, net, uts and (with --uidmap) user,
  # which the members join by path.  (podman refuses --share pid with
  # --cgroups disabled, which this hybrid host needs.)
  PW=$SCRATCH/podman
  mkdir -p "$PW"
  cat > "$PW/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
cgroups = "disabled"
[engine]
runtime_supports_nocgroup = ["jailrun-oci"]
runtime_supports_json = ["jailrun-oci"]
CONF
  export CONTAINERS_CONF="$PW/containers.conf"
  pm() { timeout -k 5 120 podman --root "$PW/root" --runroot "$PW/run" --storage-driver vfs \
           --cgroup-manager cgroupfs --events-backend file --runtime "$OCI" "$@"; }
  trap 'pm pod rm -f jrpod >/dev/null 2>&1; pm rm -af >/dev/null 2>&1; pm rmi -af >/dev/null 2>&1; oci_cleanup' EXIT
  tar -C "$ROOTFS" -cf "$PW/bb.tar" .
  pm import "$PW/bb.tar" localhost/jrbb >/dev/null 2>&1
  pm pod create --name jrpod --network none --share ipc,net,uts --uidmap 0:2000000:65536 --gidmap 0:2000000:65536 \
    --infra-image localhost/jrbb --infra-command "sleep 300" >/dev/null 2>"$SCRATCH/err"; s=$?
  is "podman pod create (its infra container through jailrun-oci)" "$s:$(cat "$SCRATCH/err")" "0:"
  pm run --pod jrpod -d --name jrweb localhost/jrbb \
    sh -c 'mkdir /tmp/w && echo pod-net > /tmp/w/f && exec httpd -f -p 127.0.0.1:8080 -h /tmp/w' >/dev/null 2>&1
  infra=$(pm pod inspect --format '{{.InfraContainerID}}' jrpod 2>/dev/null)
  ip=$(pm inspect --format '{{.State.Pid}}' "$infra" 2>/dev/null); wp=$(pm inspect --format '{{.State.Pid}}' jrweb 2>/dev/null)
  like "  the infra container runs under jailrun-oci" "$(pm inspect --format '{{.OCIRuntime}}' "$infra" 2>/dev/null)" 'jailrun-oci$'
  is "  podman run --pod: the member is in the infra's ipc, uts, network and user namespaces" \
    "$(nsof "${wp:-0}" "ipc uts net user")" "$(nsof "${ip:-0}" "ipc uts net user")"
  i=0; while ! grep -q ':1F90 ' /proc/"${wp:-0}"/net/tcp 2>/dev/null && [ $i -lt 50 ]; do i=$((i + 1)); sleep 0.1; done
  out=$(pm run --pod jrpod --rm localhost/jrbb sh -c 'wget -q -O - http://127.0.0.1:8080/f; cat /proc/self/uid_map' 2>&1 | tr -s ' \n' '  ')
  is "  a second member reaches the first one's loopback server (one network), container 0 on host 2000000" "$out" "pod-net 0 2000000 65536 "
  pm pod rm -f jrpod >/dev/null 2>&1; s=$?
  is "  podman pod rm -f" "$s:$(ls /run/jailrun-oci 2>/dev/null | grep -c "^$infra")" "0:0"
  pm rmi -af >/dev/null 2>&1
fi
for i in p2 p1 p5; do oci delete --force "$i"; done
ids=""
is "every container deleted" "$(ls "$R" 2>/dev/null | wc -l)" 0
done_testing
