#!/bin/sh
# readme.sh - the README's three workloads run as written: each code block
# after a "<!-- readme-test: NAME -->" line is extracted from README.md and
# run verbatim (sh, or python3 for a python block) from an empty directory
# with jailrun on PATH, root and rootless; the outputs are checked against
# what the README's comments say.  So the README cannot drift.
. "$JR_SRC/tests/lib.sh"
plan 13
mkscratch
cleanup() { for n in ai-app model agent; do "$JAILRUN" rm -f $n >/dev/null 2>&1; done; rm -rf "$SCRATCH"; }
trap cleanup EXIT
PATH="$(dirname "$JAILRUN"):$PATH"; export PATH
umask 022

# block NAME: the code block after NAME's marker.
block() {
  awk -v m="<!-- readme-test: $1 -->" '
    $0 == m { want = 1; next }
    want && /^```/ { if (inb) exit; inb = 1; next }
    inb { print }' "$JR_SRC/README.md"
}
# run NAME DIR [python]: run the block in DIR (made if missing), stdout+stderr.
run() {
  block "$1" >"$SCRATCH/$1.code"
  mkdir -p "$SCRATCH/$2"
  if [ "${3:-}" = python ]; then
    (cd "$SCRATCH/$2" && PYTHONPATH="$JR_SRC/python" LIBJAIL="$JR_BUILD/libjail.so.0" PYTHONDONTWRITEBYTECODE=1 \
      timeout -k 5 120 /usr/bin/python3 "$SCRATCH/$1.code" 2>&1)
  else
    (cd "$SCRATCH/$2" && timeout -k 5 120 sh "$SCRATCH/$1.code" 2>&1)
  fi
}

for b in ai-app model agent agent-python; do
  ok "README has the block '$b'" test -n "$(block $b)"
done

out=$(run ai-app a)
like "ai-app: the app answers on 127.0.0.1:8765" "$out" '^\{"reply": "hello from the jail"\}$'
like "ai-app: ps shows the one published port" "$out" '^127\.0\.0\.1:8765->8000/tcp$'

out=$(run model b)
like "model: inspect shows the port on 127.0.0.1 only" "$out" \
  '^\[\{"HostIp":"127\.0\.0\.1","HostPort":8766,"JailPort":8000,"Protocol":"tcp"\}\]$'
like "model: the host listens on 127.0.0.1:8766 only" "$(printf '%s\n' "$out" | grep ':8766$' | tr '\n' ' ')" '^127\.0\.0\.1:8766 $'
like "model: private network, empty allowlist, no egress" "$out" '^private \[\]$'
like "model: a connection out fails" "$out" '^OSError: \[Errno 101\] Network is unreachable$'
# The limits line matches what this host can enforce (a strict run tells).
if jr run --no-net --memory 512m --pids-limit 64 / true >/dev/null 2>&1; then
  want='^enforced: memory=512M pids=64, not: -$'
else
  want='^enforced: (-|[a-z=0-9M ]+), not: [a-z=0-9M ]*(memory|pids)'
fi
like "model: inspect's limits match what the host enforces" "$out" "$want"

out=$(run agent c)
is "agent: snippets, the workspace, no network, timeout" "$(printf '%s\n' "$out" | grep -v '^jailrun: timeout')" "agent
[1, 2, 3]
written by the agent
OSError: [Errno 101] Network is unreachable
status 124
agent"
is "agent-python: capture of three snippets" "$(run agent-python c python)" "0 45
0 written by the agent
1 ZeroDivisionError: division by zero"
done_testing
