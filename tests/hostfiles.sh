#!/bin/sh
# hostfiles.sh - host files and paths the user names (DESIGN §3.2, §3.11;
# issue 12 items 5-7): a jail with a writable volume plants symlinks next
# to the files a later jailrun opens (--env-file, --audit-log, --seccomp,
# -v SRC); non-regular and oversized inputs; escaped messages.
. "$JR_SRC/tests/lib.sh"
plan 54
mkscratch
W=$SCRATCH/w
mkdir "$W" && chmod 777 "$W"
# plant CMD...: run CMD in a jail that has W writable at /home
plant() { jr --no-net -v "$W:/home" "$ROOTFS" "$@"; }
# check NAME REGEX ARGS... : exit 125 and a message matching REGEX
check() {
  name=$1 re=$2; shift 2
  err=$(jr "$@" 2>&1 >/dev/null); s=$?
  is "$name: exit 125" "$s" 125
  like "$name: message" "$err" "$re"
}
# The secret: root-only 0600 as root; rootless, a 0600 file only the caller
# reads stands in (the jail must not get it through a link it planted).
SECRET=$SCRATCH/secret
printf 'TOKEN=s3cr3t\n' > "$SECRET"; chmod 600 "$SECRET"

# --env-file through a planted symlink (issue 12 item 7)
plant ln -s "$SECRET" /home/env
out=$(jr --no-net --env-file "$W/env" "$ROOTFS" /bin/sh -c 'echo "token=$TOKEN"' 2>&1); s=$?
is "--env-file planted symlink: exit 125" "$s" 125
unlike "--env-file planted symlink: the secret does not reach the jail" "$out" "s3cr3t"
like "--env-file planted symlink: message" "$out" "env-file .*/w/env: is a symlink"

# ... or through a planted symlink to the secret's directory, in the middle of the path
mkdir "$SCRATCH/private"; chmod 700 "$SCRATCH/private"; cp "$SECRET" "$SCRATCH/private/secret"
plant ln -s "$SCRATCH/private" /home/dir
out=$(jr --no-net --env-file "$W/dir/secret" "$ROOTFS" /bin/sh -c 'echo "token=$TOKEN"' 2>&1); s=$?
is "--env-file through a planted directory symlink: exit 125" "$s" 125
unlike "--env-file through a planted directory symlink: the secret does not reach the jail" "$out" "s3cr3t"
like "--env-file through a planted directory symlink: message" "$out" "env-file .*/w/dir: .*/w/dir is a symlink owned by uid [0-9]+, not root"

# --audit-log through a planted symlink to a 0600 file (item 6)
TARGET=$SCRATCH/target
printf 'untouched\n' > "$TARGET"; chmod 600 "$TARGET"
plant ln -s "$TARGET" /home/log
# the jail asks the proxy for a name it denies without resolving it: one audit line
deny='wget -q -O - http://denied.test/ 2>/dev/null; true'
check "--audit-log planted symlink" "audit-log .*/w/log: is a symlink" \
  --net-allow proxy --allow example.test --audit-log "$W/log" "$ROOTFS" /bin/sh -c "$deny"
is "--audit-log planted symlink: the target is untouched" "$(cat "$TARGET")" "untouched"
check "--audit-log through a planted directory symlink" "audit-log .*/w/dir: .*/w/dir is a symlink owned by uid" \
  --net-allow proxy --allow example.test --audit-log "$W/dir/new.log" "$ROOTFS" /bin/sh -c "$deny"
is "--audit-log through a planted directory symlink: no file created there" "$(ls "$SCRATCH/private")" "secret"
# a file the jail made: as root it belongs to the jail's host uid, not to the caller
plant sh -c 'echo planted > /home/jlog'
if [ "$JR_MODE" = root ]; then
  check "--audit-log a file the jail owns" "audit-log .*/w/jlog: owned by uid [0-9]+, not by you \(uid 0\)" \
    --net-allow proxy --allow example.test --audit-log "$W/jlog" "$ROOTFS" /bin/sh -c "$deny"
  is "--audit-log a file the jail owns: not appended to" "$(cat "$W/jlog")" "planted"
else
  jr --net-allow proxy --allow example.test --audit-log "$W/jlog" "$ROOTFS" /bin/sh -c "$deny"; s=$?
  is "--audit-log a file the caller owns (rootless jail files are the caller's): exit 0" "$s" 0
  is "--audit-log a file the caller owns: appended to, not replaced" "$(head -n1 "$W/jlog")" "planted"
  like "--audit-log a file the caller owns: the denial is logged" "$(sed -n 2p "$W/jlog")" "denied.test"
fi
jr --net-allow proxy --allow example.test --audit-log "$SCRATCH/new.log" "$ROOTFS" /bin/sh -c "$deny"
is "--audit-log a new file: created 0600, owned by the caller" "$(stat -c '%a %u' "$SCRATCH/new.log")" "600 $(id -u)"
like "--audit-log a new file: the denial is logged" "$(cat "$SCRATCH/new.log")" "denied.test"
mkfifo "$SCRATCH/fifo.log"
check "--audit-log a FIFO" "audit-log .*fifo.log: not a regular file \(a FIFO\)" \
  --net-allow proxy --allow example.test --audit-log "$SCRATCH/fifo.log" "$ROOTFS" /bin/true

# inputs that are not regular files, or too big (bounded time: no hang)
bounded() { timeout -k 2 10 "$JAILRUN" "$@"; }
err=$(bounded --no-net --env-file /dev/zero "$ROOTFS" /bin/true 2>&1); s=$?
is "--env-file /dev/zero: exit 125 within 10 s" "$s" 125
like "--env-file /dev/zero: message" "$err" "env-file /dev/zero: not a regular file \(a character device\)"
err=$(bounded --no-net --allow-file /dev/zero "$ROOTFS" /bin/true 2>&1); s=$?
is "--allow-file /dev/zero: exit 125 within 10 s (no hang)" "$s" 125
like "--allow-file /dev/zero: message" "$err" "allow-file /dev/zero: not a regular file"
mkfifo "$SCRATCH/fifo"
err=$(bounded --no-net --env-file "$SCRATCH/fifo" "$ROOTFS" /bin/true 2>&1); s=$?
is "--env-file a FIFO: exit 125 within 10 s (no hang)" "$s" 125
like "--env-file a FIFO: message" "$err" "fifo: not a regular file \(a FIFO\)"
check "--env-file a directory (not silently empty)" "env-file .*: not a regular file \(a directory\)" \
  --no-net --env-file "$SCRATCH" "$ROOTFS" /bin/true
head -c 1048577 /dev/zero | tr '\0' '#' > "$SCRATCH/big"
check "--env-file over 1 MiB" "big: larger than 1 MiB" --no-net --env-file "$SCRATCH/big" "$ROOTFS" /bin/true
head -c 1048576 /dev/zero | tr '\0' '#' > "$SCRATCH/max"
out=$(jr --no-net --env-file "$SCRATCH/max" -e A=1 "$ROOTFS" /bin/sh -c 'echo "A=$A"' 2>&1)
is "--env-file of exactly 1 MiB (all comments) is read" "$out" "A=1"
printf 'A=1\nB=2\0C=3\n' > "$SCRATCH/nul"
check "--env-file with a NUL byte (not silently truncated)" "nul:2: a NUL byte" \
  --no-net --env-file "$SCRATCH/nul" "$ROOTFS" /bin/true
printf 'example.test\nbad\000host\n' > "$SCRATCH/nul.allow"
check "--allow-file with a NUL byte" "nul.allow:2: a NUL byte" \
  --net-allow proxy --allow-file "$SCRATCH/nul.allow" "$ROOTFS" /bin/true
printf 'A=1\n\033]0;pwned\007X\033[2J=1\n' > "$SCRATCH/esc"
err=$(jr --no-net --env-file "$SCRATCH/esc" "$ROOTFS" /bin/true 2>&1); s=$?
is "--env-file bad line with escape sequences: exit 125" "$s" 125
like "--env-file bad line: shown escaped" "$err" 'esc:2: env .\\x1b\]0;pwned\\x07X\\x1b\[2J=1.: malformed'
is "--env-file bad line: no raw control byte in the message" "$(printf '%s' "$err" | tr -d '\n' | tr -d '[:print:]' | wc -c)" 0
printf 'exa\033[31mmple..test\n' > "$SCRATCH/esc.allow"
err=$(jr --net-allow proxy --allow-file "$SCRATCH/esc.allow" "$ROOTFS" /bin/true 2>&1)
like "--allow-file bad line: shown escaped" "$err" 'esc.allow:1: allow .exa\\x1b\[31mmple..test.'

# --seccomp FILE: the same rules
printf '{"defaultAction": "SCMP_ACT_ALLOW"}\n' > "$SCRATCH/prof.json"
plant ln -s "$SCRATCH/prof.json" /home/prof.json
check "--seccomp planted symlink" "seccomp profile .*/w/prof.json: is a symlink" \
  --no-net --seccomp "$W/prof.json" "$ROOTFS" /bin/true
err=$(bounded --no-net --seccomp "$SCRATCH/fifo" "$ROOTFS" /bin/true 2>&1); s=$?
is "--seccomp a FIFO: exit 125 within 10 s" "$s" 125
printf '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["bogus\\u001b]0;t\\u0007"], "action": "SCMP_ACT_ERRNO"}]}' > "$SCRATCH/esc.json"
err=$(jr --no-net --seccomp "$SCRATCH/esc.json" "$ROOTFS" /bin/true 2>&1)
like "--seccomp FILE: a name from the file is shown escaped" "$err" 'unknown syscalls skipped: bogus\\x1b\]0;t\\x07'
is "--seccomp FILE: no raw control byte in the messages" "$(printf '%s' "$err" | tr -d '\n' | tr -d '[:print:]' | wc -c)" 0

# -v SRC through a planted symlink (item 5): as root it mounted the host's /
plant ln -s / /home/d
plant ln -s "$SCRATCH" /home/mine
check "-v planted symlink to /" "source .*/w/d: .*/w/d is a symlink owned by uid [0-9]+, not root.*write the real path instead: /\$" \
  --no-net -v "$W/d:/tmp/d" "$ROOTFS" /bin/ls /tmp/d
check "-v planted symlink in the middle of the path" "/w/d is a symlink owned by uid .*real path instead: /etc\$" \
  --no-net -v "$W/d/etc:/tmp/d" "$ROOTFS" /bin/true
check "-v planted symlink to a directory of the caller's" "/w/mine is a symlink owned by uid [0-9]+, not root" \
  --no-net -v "$W/mine:/tmp/d" "$ROOTFS" /bin/true
# ROOTFS is a host path the user names too: a jail's link to a tree must not become a later jail's root
plant ln -s "$ROOTFS" /home/rootfs
check "ROOTFS through a planted symlink" "rootfs .*/w/rootfs: .*/w/rootfs is a symlink owned by uid [0-9]+, not root" \
  --no-net "$W/rootfs" /bin/true
# a root-owned symlink is followed (/var/run -> /run on every current distribution)
out=$(jr --no-net -v /var/run:/tmp/r:ro "$ROOTFS" /bin/sh -c 'test -d /tmp/r && echo mounted' 2>&1)
is "-v through a root-owned symlink (/var/run) works" "$out" "mounted"
out=$(cd "$SCRATCH" && jr --no-net -v "./w/../w/.:/tmp/w" "$ROOTFS" /bin/sh -c 'test -L /tmp/w/d && echo mounted' 2>&1)
is "-v relative source with . and .. works" "$out" "mounted"
ok "nothing left behind (no jail process)" sh -c '! pgrep -af "^$JAILRUN( |\$)" | grep -Ev " (-d|--detach) " | grep -q .'
done_testing
