#!/bin/sh
# mounts.sh - the jail's mount table against the host (issue 12 item 1,
# issue 13's first bug): no host mount made after the start reaches a jail
# (no master:/shared: tag in its mountinfo) in run, run -d and exec, with
# the busybox rootfs, a -v source and `/`; mounts in order of depth.
. "$JR_SRC/tests/lib.sh"
plan 32
mkscratch
S=$SCRATCH
D=$S/d
names=""
cleanup() {
  for n in $names; do "$JAILRUN" rm -f "$n" >/dev/null 2>&1; done
  [ "$JR_MODE" = root ] && umount -R "$D" 2>/dev/null
  rm -rf "$S"
}
trap cleanup EXIT
mkdir -p "$D/src" && cp -a "$ROOTFS" "$D/rootfs" && mkdir -p "$D/rootfs/opt/x" "$D/src/y" && chmod 755 "$D/rootfs/opt"

# attack.sh KIND NAME MNT JP JAILRUN-ARGS... : start a jail (KIND run: in
# the foreground; exec: run -d, then look with exec), mount a tmpfs on the
# host path MNT once it is up, and print what the jail sees at JP ("leak"
# when the host's file is there) and how many jail mounts are tied to a
# host peer group (master:/shared: tags).
cat > "$S/attack.sh" <<'SH'
kind=$1 name=$2 mnt=$3 jp=$4; shift 4
look="if [ -e $jp/f ]; then echo leak; else echo none; fi; grep -cE ' (master|shared):' /proc/self/mountinfo"
if [ "$kind" = run ]; then
  rm -f "$mnt.in" "$mnt.out"; mkfifo "$mnt.in" "$mnt.out"
  timeout -k 5 60 "$JAILRUN" run --no-net "$@" /bin/sh -c "echo up; read x; $look" <"$mnt.in" >"$mnt.out" 2>&1 &
  exec 3>"$mnt.in" 4<"$mnt.out"
  read up <&4
  mount -t tmpfs t "$mnt" && echo host > "$mnt/f" || echo "mount failed"
  echo go >&3
  tr '\n' ' ' <&4
  wait
  exec 3>&- 4<&-
  rm -f "$mnt.in" "$mnt.out"
else
  timeout -k 5 60 "$JAILRUN" run -d --name "$name" --no-net "$@" /bin/sleep 300 >/dev/null
  mount -t tmpfs t "$mnt" && echo host > "$mnt/f" || echo "mount failed"
  timeout -k 5 60 "$JAILRUN" exec "$name" /bin/sh -c "$look" 2>&1 | tr '\n' ' '
  "$JAILRUN" rm -f "$name" >/dev/null 2>&1
fi
umount "$mnt"
SH
# world CMD: run CMD in a mount namespace where mounts are shared, as on a
# systemd host.  Root: D is made a shared bind mount on the host itself
# (the issue's reproduction); rootless (no host mounts possible): in a
# namespace of the test user's own, D likewise.
world() {
  if [ "$JR_MODE" = root ]; then sh -c "$1"; return; fi
  unshare -c --keep-caps -m --propagation private sh -c "mount --bind '$D' '$D' && mount --make-shared '$D' && $1"
}
if [ "$JR_MODE" = root ]; then mount --bind "$D" "$D" && mount --make-shared "$D"; fi
# world_root CMD: a private mount namespace whose / is shared and holds a
# tmpfs on /usr/local (so nothing is mounted on the real host's /).
world_root() {
  wr_cmd="mount --make-rshared / && mount -t tmpfs base /usr/local && mkdir /usr/local/x && $1"
  if [ "$JR_MODE" = root ]; then set -- unshare -m; else set -- unshare -c --keep-caps -m; fi
  "$@" --propagation private sh -c "$wr_cmd"
}
export JAILRUN
N=jrmnt$$
names="$N-1 $N-2 $N-3"

# 1. host mounts made after the start never reach a jail (issue 12 item 1)
ok "the test can make a shared mount (rootless: unshare -c --keep-caps -m, util-linux)" \
  world "grep -q ' $D $D .* shared:' /proc/self/mountinfo"
is "busybox rootfs under a shared mount: run" \
  "$(world "sh $S/attack.sh run - $D/rootfs/opt/x /opt/x $D/rootfs")" "none 0 "
is "busybox rootfs under a shared mount: run -d + exec" \
  "$(world "sh $S/attack.sh exec $N-1 $D/rootfs/opt/x /opt/x $D/rootfs")" "none 0 "
is "-v source under a shared mount: run" \
  "$(world "sh $S/attack.sh run - $D/src/y /workspace/y -v $D/src:/workspace $ROOTFS")" "none 0 "
is "-v source under a shared mount: run -d + exec" \
  "$(world "sh $S/attack.sh exec $N-2 $D/src/y /workspace/y -v $D/src:/workspace $ROOTFS")" "none 0 "
is "/ with / shared: run" \
  "$(world_root "sh $S/attack.sh run - /usr/local/x /usr/local/x /")" "none 0 "
is "/ with / shared: run -d + exec" \
  "$(world_root "sh $S/attack.sh exec $N-3 /usr/local/x /usr/local/x /")" "none 0 "
is "no host mount left on D" "$(grep -c " $D/" /proc/self/mountinfo)" 0
tags=" (master|shared):"
is "busybox jail: no mount tied to a host peer group" "$(jr --no-net "$ROOTFS" /bin/grep -cE "$tags" /proc/self/mountinfo)" 0
is "/ jail: no mount tied to a host peer group" "$(jr --no-net / /bin/grep -cE "$tags" /proc/self/mountinfo)" 0
is "/ jail under a shared /: no mount tied to a host peer group" \
  "$(world_root "$JAILRUN run --no-net / /bin/grep -cE '$tags' /proc/self/mountinfo")" 0
is "-v jail under a shared D: no mount tied to a host peer group" \
  "$(world "$JAILRUN run --no-net -v $D/src:/workspace $D/rootfs /bin/grep -cE '$tags' /proc/self/mountinfo")" 0
# no jail mount propagates out either: the host's D has no new mount
is "no jail mount propagated to the host" "$(grep -c " $D/" /proc/self/mountinfo)" 0

# 2. volumes and --tmpfs mounted in order of target depth (issue 12)
mkdir -p "$S/w/cache"; echo v > "$S/w/v"; chmod -R 777 "$S/w"
is "--tmpfs below a -v target" "$(jr --no-net --tmpfs /workspace/cache:size=1m -v "$S/w:/workspace" "$ROOTFS" \
  /bin/sh -c 'echo a > /workspace/cache/f && echo b > /workspace/g && stat -f -c %T /workspace/cache' 2>&1)" tmpfs
ok "the -v is the host dir, the tmpfs is not" sh -c "test -f '$S/w/g' && ! test -e '$S/w/cache/f'"
is "--tmpfs below a read-only -v target" "$(jr --no-net --tmpfs /workspace/cache -v "$S/w:/workspace:ro" "$ROOTFS" \
  /bin/sh -c 'touch /workspace/cache/f && ! touch /workspace/h 2>/dev/null && stat -f -c %T /workspace/cache' 2>&1)" tmpfs
is "-v below a --tmpfs target" "$(jr --no-net -v "$S/w:/var/w" --tmpfs /var "$ROOTFS" /bin/cat /var/w/v 2>&1)" v

# 3. -v, --tmpfs and -w onto paths the read-only root lacks (issue 13): a
# read-only tmpfs skeleton holds the mount points; nothing is written to
# the host, and the root stays read-only.
host_top=$(ls -a /); rootfs_top=$(ls -a "$ROOTFS"); rootfs_usr=$(ls -a "$ROOTFS/usr")
is "/: -v onto /workspace (absent on the host), python reads and writes it" \
  "$(cd "$S" && jr --no-net -v "$S/w:/workspace" / python3 -c 'import os; print(open("/workspace/v").read().strip(), os.getcwd()); open("/workspace/py", "w").write("x")' 2>&1)" "v /"
ok "/: the volume's file reached the host" test -f "$S/w/py"
is "/: -w /newdir, --tmpfs /models, -v /data: all there, / read-only" \
  "$(jr --no-net -w /newdir --tmpfs /models -v "$S/w:/data:ro" / python3 -c '
import os
open("/models/m", "w").write("m")
try:
    open("/x", "w")
except OSError as e:
    print(os.getcwd(), os.listdir("/data") != [], e.strerror)' 2>&1)" "/newdir True Read-only file system"
is "/: the host root is unchanged" "$(ls -a /)" "$host_top"
P=/usr/bin/probe
is "busybox: -v /data, --tmpfs /cache, -w /newdir" \
  "$(jr --no-net -v "$S/w:/data" --tmpfs /cache -w /newdir "$ROOTFS" /bin/sh -c 'pwd; cat /data/v; '$P' write /cache/x' 2>&1 | tr '\n' ' ')" "/newdir v write ok "
is "busybox: -w made in a --tmpfs and in a volume" \
  "$(jr --no-net --tmpfs /cache -v "$S/w:/data" -w /cache/new/wd "$ROOTFS" /bin/sh -c 'pwd; cd /data/wd2 2>/dev/null || echo no-wd2' 2>&1 | tr '\n' ' ')$(jr --no-net -v "$S/w:/data" -w /data/wd2 "$ROOTFS" /bin/pwd 2>&1)" "/cache/new/wd no-wd2 /data/wd2"
ok "the volume's -w dir is on the host" test -d "$S/w/wd2"
is "busybox: / is still read-only" "$(jr --no-net -v "$S/w:/data" "$ROOTFS" $P write /x)" "write EROFS"
is "busybox: the skeleton's new dirs are read-only" "$(jr --no-net -w /newdir "$ROOTFS" $P write /newdir/x)" "write EROFS"
is "busybox: the root mount is a read-only tmpfs" \
  "$(jr --no-net -v "$S/w:/data" "$ROOTFS" /bin/awk '$5 == "/" {i = 7; while ($i != "-") i++; print $6, $(i + 1)}' /proc/self/mountinfo)" "ro,nosuid,nodev,relatime tmpfs"
is "busybox: -v onto a missing file and a missing dir below /usr" \
  "$(jr --no-net -v "$S/w/v:/etc/newfile:ro" -v "$S/w:/usr/new" "$ROOTFS" /bin/sh -c 'cat /etc/newfile /usr/new/v; ls /usr/bin/probe; '$P' write /usr/x' 2>&1 | tr '\n' ' ')" "v v /usr/bin/probe write EROFS "
is "busybox: the rootfs on the host is unchanged" "$(ls -a "$ROOTFS"; ls -a "$ROOTFS/usr")" "$rootfs_top
$rootfs_usr"
names="$names $N-4"
jr run -d --name $N-4 --no-net -v "$S/w:/workspace" / /bin/sleep 300 >/dev/null
is "run -d + exec: the volume and a read-only skeleton root, one mount on /" \
  "$(jr exec $N-4 /bin/sh -c 'cat /workspace/v; awk '"'"'$5 == "/" {i = 7; while ($i != "-") i++; print $6, $(i + 1)}'"'"' /proc/self/mountinfo; touch /q 2>/dev/null || echo ro' 2>&1 | tr '\n' ' ')" "v ro,nosuid,nodev,relatime tmpfs ro "
"$JAILRUN" rm -f $N-4 >/dev/null 2>&1
mkdir -p "$S/many/many" && cp -a "$ROOTFS/." "$S/many/" && (cd "$S/many/many" && seq 800 | xargs touch)
err=$(jr --no-net -v "$S/w:/many/new" "$S/many" /bin/true 2>&1); s=$?
is "a parent with 800 entries: exit 125" "$s" 125
like "a parent with 800 entries: message names the path and the fix" "$err" "mount point /many/new: .*more than 768 entries.*create the mount point in the rootfs, or mount a volume or --tmpfs on a parent"
done_testing
