#!/bin/sh
# oci-pod.sh - jailrun-oci's egress proxy annotations inside a
# Kubernetes-style pod, without Kubernetes: the pod's network namespace is
# made as a CNI would (`ip netns add`, loopback up, no route), a "pause"
# container and an "app" container join it by path, both with the pod's
# annotations run.jailrun.net=proxy + run.jailrun.allow.  The first claims
# the namespace and its sidecar puts the proxy's veth there; the second
# shares that proxy (no sidecar of its own): an allowed loopback server on
# the host (literal address) is reachable through it, another port is
# refused, nothing is reachable directly.  A third container with another
# allowlist is refused (one proxy per namespace), as is a namespace with
# ordinary egress (the allowlist would be a lie); the proxy ends with the
# container that claimed the namespace, and the namespace can be claimed
# again after.  Rootless, a joined namespace cannot take the proxy's veth:
# refused with a message, nothing left.
. "$JR_SRC/tests/lib.sh"
if [ "$JR_MODE" = root ]; then plan 19; else plan 3; fi
oci_scratch 60
pod=jrpod$$; egr=jrpodeg$$
cleanup_more() { if [ "$JR_MODE" = root ]; then ip netns del $pod 2>/dev/null; ip netns del $egr 2>/dev/null; fi; }
state_of() { oci state "$1" | grep -o '"status": *"[a-z]*"' | sed 's/.*"\([a-z]*\)"$/\1/'; }

# bundle DIR NETNS_PATH ARGS_JSON ALLOW: a container joining NETNS_PATH
# with the pod's annotations (no sysfs: it cannot be mounted in a joined
# network namespace).
bundle() {
  oci_bundle "$1" "$3" env='["PATH=/usr/bin:/bin"]' \
    top='"annotations": {"run.jailrun.net": "proxy", "run.jailrun.allow": "'"$4"'", "io.kubernetes.cri.sandbox-id": "pod1"},' \
    ns='[{"type": "pid"}, {"type": "network", "path": "'"$2"'"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}]' \
    mounts='[{"destination": "/proc", "type": "proc", "source": "proc"},
             {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]}]'
}

if [ "$JR_MODE" != root ]; then
  # a network namespace of the user's own (a user namespace holds it)
  unshare -Urn sleep 60 & holder=$!; pids="$pids $holder"
  i=0; while [ "$(readlink /proc/$holder/ns/net 2>/dev/null)" = "$(readlink /proc/self/ns/net)" ] && [ $i -lt 50 ]; do i=$((i + 1)); sleep 0.1; done
  bundle "$SCRATCH/u" "/proc/$holder/ns/net" '["true"]' "127.0.0.1:1"
  oci create --bundle "$SCRATCH/u" u1 2>"$SCRATCH/err"; s=$?
  like "rootless: net=proxy in a joined network namespace is refused, saying why" "$s:$(cat "$SCRATCH/err")" \
    "^125:jailrun-oci: config.json: annotations: run.jailrun.net=proxy in the network namespace /proc/$holder/ns/net \\(joined by path\\): needs jailrun-oci as root"
  ok "  no state left" test ! -e "$R/u1"
  ok "  no record, no sidecar" sh -c "[ ! -e '$R/netns' ] || [ -z \"\$(ls '$R/netns')\" ]"
  done_testing
fi

# The pod's network namespace, as a CNI plugin leaves it with no interface: lo only.
ip netns add $pod && ip -n $pod link set lo up
NS=/run/netns/$pod
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
mkdir "$SCRATCH/pub" && echo via-pod-proxy > "$SCRATCH/pub/f.txt" && chmod -R a+rX "$SCRATCH/pub"
port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
$PY -m http.server --bind 127.0.0.1 --directory "$SCRATCH/pub" "$port" >/dev/null 2>&1 & pids="$pids $!"
i=0; while ! $PY -c "import socket,sys; socket.create_connection(('127.0.0.1',$port),1)" 2>/dev/null && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.1; done
allow=127.0.0.1:$port

# The pause container: it claims the namespace, its sidecar serves the proxy.
bundle "$SCRATCH/pause" "$NS" '["sleep", "300"]' "$allow"
ids="$ids pause"
oci create --bundle "$SCRATCH/pause" pause && oci start pause; s=$?
is "pod: the pause container with the pod's annotations starts" "$s:$(state_of pause)" "0:running"
sc=$(sed -n 's/.*"sidecar":\([0-9]*\).*/\1/p' "$R/pause/state.json" 2>/dev/null)
ok "  its sidecar serves the proxy" test -n "$sc" -a -e "/proc/${sc:-0}"
like "  the namespace's record names it" "$(cat "$R"/netns/* 2>&1)" "^\\{\"owner\":\"pause\",\"sidecar\":$sc,"
like "  the pod's namespace got the proxy's interface (eth0 on the private subnet), no default route" \
  "$(ip -n $pod -4 -o addr show dev eth0 2>&1 | awk '{print $4}'):$(ip -n $pod route show default 2>&1)" "^10\\.88\\.[0-9]+\\.[0-9]+/16:$"

# The app container: shares the pause container's proxy.
bundle "$SCRATCH/app" "$NS" "[\"sh\", \"-c\", \"echo \$HTTP_PROXY; wget -q -O - http://127.0.0.1:$port/f.txt; wget -O - http://127.0.0.1:$((port + 1))/ 2>&1 | grep -o '403 Forbidden'; /usr/bin/probe connect 192.0.2.1 80; readlink /proc/self/ns/net\"]" "$allow"
ids="$ids app"
oci create --bundle "$SCRATCH/app" app >"$SCRATCH/out" 2>&1; s=$?
is "the app container with the same annotations: create exits 0" "$s" 0
unlike "  it shares the proxy: no sidecar of its own" "$(cat "$R/app/state.json" 2>&1)" '"sidecar"'
oci start app
i=0; while [ "$(state_of app)" != stopped ] && [ $i -lt 150 ]; do i=$((i + 1)); sleep 0.1; done
out=$(cat "$SCRATCH/out")
echo "# $(echo "$out" | tr '\n' ' ')"
is "  HTTP_PROXY is the pod's proxy" "$(echo "$out" | sed -n 1p)" "http://10.88.0.1:3128"
is "  the allowed loopback server is reachable through it" "$(echo "$out" | sed -n 2p)" via-pod-proxy
is "  another port is refused (403)" "$(echo "$out" | sed -n 3p)" "403 Forbidden"
like "  a public-looking address is unreachable directly" "$(echo "$out" | sed -n 4p)" "connect (ENETUNREACH|EHOSTUNREACH)"
is "  it ran in the pod's network namespace" "$(echo "$out" | sed -n 5p)" "$(ip netns exec $pod readlink /proc/self/ns/net)"
oci delete app

# Another allowlist in the same namespace: refused.
bundle "$SCRATCH/other" "$NS" '["true"]' "127.0.0.1:$((port + 1))"
oci create --bundle "$SCRATCH/other" other 2>"$SCRATCH/err"; s=$?
like "a container with another allowlist in the pod: refused, saying why" "$s:$(cat "$SCRATCH/err")" \
  "^125:jailrun-oci: config.json: annotations: network namespace $NS already has the egress proxy of container pause \\(run.jailrun.allow=$allow, audit-log=none\\): one network namespace has one proxy"
ok "  and leaves no state" test ! -e "$R/other"

# A namespace with ordinary egress (an interface with a route): refused.
ip netns add $egr && ip -n $egr link set lo up && ip -n $egr link add d0 type veth peer name d1 \
  && ip -n $egr addr add 192.0.2.10/24 dev d0 && ip -n $egr link set d1 up && ip -n $egr link set d0 up
bundle "$SCRATCH/eg" /run/netns/$egr '["true"]' "$allow"
ids="$ids eg"
oci create --bundle "$SCRATCH/eg" eg 2>"$SCRATCH/err"; s=$?
like "a namespace with ordinary egress: refused (the allowlist would be a lie)" "$s:$(cat "$SCRATCH/err")" \
  "^125:jailrun-oci: config.json: annotations: run.jailrun.net=proxy: the network namespace /run/netns/$egr has ordinary egress \\(a route through d0\\)"
is "  nothing left: no state, one record (the pod's)" "$(ls "$R" | grep -c '^eg$'):$(ls "$R/netns" | wc -l)" "0:1"
is "  and no veth added there" "$(ip -n $egr -o link show | awk -F': ' '{print $2}' | tr '\n' ' ')" "lo d1@d0 d0@d1 "

# The proxy lives as long as the pause container; then the namespace is free again.
oci delete --force pause
i=0; while ip -n $pod link show eth0 >/dev/null 2>&1 && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.1; done
is "deleting the pause container: its sidecar, the record and the interface are gone" \
  "$( [ -e "/proc/$sc" ] && [ "$(awk '{print $3}' /proc/$sc/stat 2>/dev/null)" != Z ] && echo sidecar)$(ls "$R/netns")$(ip -n $pod -o link show | awk -F': ' '{print $2}' | tr '\n' ' ')" "lo "
bundle "$SCRATCH/again" "$NS" '["sleep", "300"]' "$allow"
ids="$ids again"
oci create --bundle "$SCRATCH/again" again; s=$?
like "the namespace can be claimed again" "$s:$(cat "$R"/netns/* 2>&1)" "^0:\\{\"owner\":\"again\","
oci delete --force again
is "  delete --force: nothing left (no state, no record)" "$(ls "$R" | grep -v -e '^netns$' -e '^audit$' | tr '\n' ' ')$(ls "$R/netns")" ""
done_testing
