#!/bin/sh
# run-vm-systemd.sh [BUILD_DIR] - the systemd VM tier: boot Debian's cloud
# kernel (as run-vm.sh) with a Debian 12 root that runs systemd as pid 1: a
# laptop-like guest with dbus, logind and a user jrtest (uid 1000) with
# lingering, so that user@1000.service runs and delegates cpu memory pids.
# The root is built offline from Debian's packages with mmdebstrap (minbase
# + systemd systemd-sysv dbus dbus-user-session libpam-systemd), cached as
# BUILD_DIR/vm-cache/systemd-root.tar; jailrun and the libraries ldd names,
# the test rootfs (plus cgprobe) and the tests are added to a copy of it,
# which becomes the initramfs.  Its /init (tests/vm/init-systemd.sh) copies
# the root into a tmpfs and switch_roots to systemd (pivot_root cannot
# leave an initramfs).  The unit jrtest.service runs
# tests/vm/driver-systemd.sh, which runs tests/vm/guest-systemd.sh and
# guest-oci-systemd.sh (jailrun-oci --systemd-cgroup) as root
# and, through su (a PAM login session, as on a laptop), as jrtest, with
# plain jailrun commands (no systemd-run); results come back as "JRVM: "
# lines on the serial console.  JR_VM_TIMEOUT (default 1500 s) bounds qemu.
set -u
src=${JR_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$src/tests/vm/lib-vm.sh"
vm_paths "${1:-}"
limit=${JR_VM_TIMEOUT:-1500}

PKGS=systemd,systemd-sysv,dbus,dbus-user-session,libpam-systemd
# Documentation, manuals and translations stay out (a smaller initramfs).
EXCL='--dpkgopt=path-exclude=/usr/share/doc/* --dpkgopt=path-exclude=/usr/share/man/* --dpkgopt=path-exclude=/usr/share/locale/* --dpkgopt=path-exclude=/usr/share/info/*'

# The Debian 12 root, built once (about 3 minutes) and cached; rebuilt when
# the package list changes.
build_root() {
  tar=$cache/systemd-root.tar
  [ -s "$tar" ] && [ "$(cat "$cache/systemd-root.pkgs" 2>/dev/null)" = "$PKGS $EXCL" ] && return 0
  command -v mmdebstrap >/dev/null || fail "mmdebstrap is not installed (apt-get install mmdebstrap)"
  rm -f "$tar" "$cache/systemd-root.pkgs"
  # shellcheck disable=SC2086
  mmdebstrap --quiet --variant=minbase --include="$PKGS" $EXCL bookworm "$cache/systemd-root.new.tar" >"$cache/mmdebstrap.log" 2>&1 \
    || fail "mmdebstrap bookworm: $(tail -n 3 "$cache/mmdebstrap.log" | tr '\n' ' ')"
  mv "$cache/systemd-root.new.tar" "$tar" && echo "$PKGS $EXCL" > "$cache/systemd-root.pkgs"
}

# The user with lingering, the test unit, fewer units on the way.
configure_root() {
  echo 'jrtest:x:1000:1000:jrtest:/home/jrtest:/bin/sh' >> "$stage/etc/passwd"
  echo 'jrtest:*:19000:0:99999:7:::' >> "$stage/etc/shadow"
  echo 'jrtest:x:1000:' >> "$stage/etc/group"
  mkdir -p "$stage/home/jrtest" "$stage/var/lib/systemd/linger" && chown 1000:1000 "$stage/home/jrtest"
  touch "$stage/var/lib/systemd/linger/jrtest"
  # a machine id, so that no first-boot logic runs
  tr -d '-' < /proc/sys/kernel/random/uuid > "$stage/etc/machine-id"
  echo jrvm > "$stage/etc/hostname"
  u=$stage/etc/systemd/system
  cp "$src/tests/vm/jrtest.service" "$u/" && mkdir -p "$u/multi-user.target.wants" \
    && ln -sf ../jrtest.service "$u/multi-user.target.wants/jrtest.service" || fail "install jrtest.service"
  for m in getty@tty1.service serial-getty@ttyS0.service apt-daily.timer apt-daily-upgrade.timer \
           e2scrub_all.timer fstrim.timer dpkg-db-backup.timer systemd-timesyncd.service; do
    ln -sf /dev/null "$u/$m"
  done
}

build_initramfs() {
  stage=$cache/stage-systemd
  rm -rf "$stage"
  mkdir -p "$stage" && tar -x -p --numeric-owner -f "$cache/systemd-root.tar" -C "$stage" || fail "unpack the root"
  add_binary "$JAILRUN" /usr/bin/jailrun
  add_rootfs
  mkdir -p "$stage/jr/tests/vm" && cp "$src/tests/lib.sh" "$stage/jr/tests/" \
    && cp "$src/tests/vm/guest-systemd.sh" "$src/tests/vm/guest-oci-systemd.sh" "$src/tests/vm/lib-guest-oci.sh" "$src/tests/vm/driver-systemd.sh" "$stage/jr/tests/vm/" \
    && chmod -R a+rX "$stage/jr" || fail "copy the tests"
  cp "$src/tests/vm/init-systemd.sh" "$stage/init" && chmod 755 "$stage/init"
  configure_root
  (cd "$stage" && find . | cpio -o -H newc --quiet) > "$cache/initramfs-systemd.cpio" || fail "cpio"
}

vm_preflight
fetch_kernel
t0=$(date +%s.%N)
build_root
build_initramfs
t1=$(date +%s.%N)
boot "$cache/initramfs-systemd.cpio" 2048 'console=ttyS0 panic=-1 quiet systemd.show_status=0 systemd.unified_cgroup_hierarchy=1' \
  "$cache/serial-systemd.log"
prep=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
echo "# kernel $(basename "$k"), root and initramfs ready in $prep s ($(du -m "$cache/initramfs-systemd.cpio" | cut -f1) MiB), serial log $cache/serial-systemd.log"
report "$cache/serial-systemd.log" "$cache/tap-systemd.txt"
