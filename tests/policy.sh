#!/bin/sh
# policy.sh - hardening of issue 12 ("also found") outside seccomp: init's
# /proc/1/cmdline shows a neutral name, never the host command line.
. "$JR_SRC/tests/lib.sh"
plan 6
mkscratch
N=jrpol$$
names=""
cleanup() { for n in $names; do "$JAILRUN" rm -f "$n" >/dev/null 2>&1; done; rm -rf "$SCRATCH"; }
trap cleanup EXIT

# /proc/1/cmdline: the jail's init is a clone of jailrun; without care it
# shows jailrun's own command line (rootfs path, volumes, the allowlist).
secret=jrsecret$$
mkdir "$SCRATCH/$secret"; chmod 755 "$SCRATCH/$secret"
cmdline() { tr '\0' '|' < /proc/1/cmdline; }
out=$(jr --net-allow proxy --allow "$secret.example.com" -e "K=$secret" -v "$SCRATCH/$secret:/workspace:ro" \
      "$ROOTFS" /bin/sh -c "tr '\\0' '|' < /proc/1/cmdline; echo; cat /proc/1/comm")
is "run: /proc/1/cmdline and comm are jailrun-init" "$(printf '%s' "$out" | tr '\n' ' ')" "jailrun-init| jailrun-init"
unlike "run: no host path or option in /proc/1/cmdline" "$out" "$secret|$SCRATCH|--"
is "host root: /proc/1/cmdline is jailrun-init" "$(jr --no-net / sh -c "tr '\\0' '|' < /proc/1/cmdline")" "jailrun-init|"
names="$names $N"
jr run -d --name $N --no-net -v "$SCRATCH/$secret:/workspace:ro" "$ROOTFS" sleep 900 >/dev/null
out=$(jr exec $N sh -c "tr '\\0' '|' < /proc/1/cmdline; echo; ps -o comm | sed -n 2p")
is "run -d: /proc/1/cmdline and ps show jailrun-init" "$(printf '%s' "$out" | tr '\n' ' ')" "jailrun-init| jailrun-init"
unlike "run -d: no host path in /proc/1/cmdline" "$out" "$secret|$SCRATCH"
is "the jail runs on after init renamed itself" "$(jr exec $N sh -c 'echo alive')" alive
done_testing
