#!/bin/sh
# run-vm.sh [BUILD_DIR] - the VM tier: boot Debian's cloud kernel under
# qemu (TCG) with cgroup_no_v1=all and an initramfs holding busybox, the
# jailrun binary with the shared libraries ldd names, the test rootfs (plus
# tests/vm/cgprobe) and the guest tests; the guest runs tests/vm/guest.sh and
# guest-oci.sh (jailrun-oci's cgroups) as root and as a user with a delegated
# cgroup and powers off.  The results
# come back as "JRVM: " lines on the serial console and are printed here as
# one TAP stream.  By hand, after a build:  sh tests/vm/run-vm.sh build
# The kernel is fetched once with apt-get download (never installed) and
# cached in BUILD_DIR/vm-cache.  JR_VM_TIMEOUT (default 240 s) bounds qemu.
set -u
src=${JR_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${1:-${JR_BUILD:-$src/build}}
build=$(cd "$build" && pwd) || exit 1
JAILRUN=${JAILRUN:-$build/cmd/jailrun}
ROOTFS=${ROOTFS:-$build/tests/rootfs}
CGPROBE=${JR_CGPROBE:-$build/tests/vm/cgprobe}
cache=$build/vm-cache
limit=${JR_VM_TIMEOUT:-240}

. "$src/tests/vm/lib-vm.sh"

build_initramfs() {
  stage=$cache/stage
  rm -rf "$stage"
  mkdir -p "$stage/bin" "$stage/usr/bin" "$stage/etc" "$stage/jr/tests/vm" || fail "mkdir $stage"
  bb=$(command -v busybox) || fail "busybox-static is not installed"
  cp "$bb" "$stage/bin/busybox"
  add_binary "$JAILRUN" /usr/bin/jailrun
  add_binary "$(command -v setpriv)" /usr/bin/setpriv
  cp -a "$ROOTFS" "$stage/rootfs" && cp "$CGPROBE" "$stage/rootfs/usr/bin/cgprobe" || fail "copy the rootfs"
  chmod -R a+rX "$stage/rootfs"
  cp "$src/tests/lib.sh" "$stage/jr/tests/" && cp "$src/tests/vm/guest.sh" "$src/tests/vm/guest-oci.sh" "$stage/jr/tests/vm/"
  cp "$src/tests/vm/init.sh" "$stage/init" && chmod 755 "$stage/init"
  (cd "$stage" && find . | cpio -o -H newc -R 0:0 --quiet) > "$cache/initramfs.cpio" || fail "cpio"
}

mkdir -p "$cache" || fail "mkdir $cache"
for f in "$JAILRUN" "$CGPROBE" "$ROOTFS/bin/busybox"; do [ -e "$f" ] || fail "$f is missing: build first (ninja -C $build)"; done
command -v qemu-system-x86_64 >/dev/null || fail "qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)"
fetch_kernel
build_initramfs
t0=$(date +%s.%N)
timeout -k 5 "$limit" qemu-system-x86_64 -accel tcg -m 1024 -smp 1 -nographic -no-reboot -nic none \
  -kernel "$k" -initrd "$cache/initramfs.cpio" \
  -append 'console=ttyS0 cgroup_no_v1=all panic=-1' </dev/null >"$cache/serial.log" 2>&1
qs=$?
secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
echo "# kernel $(basename "$k"), serial log $cache/serial.log"
to_tap "$cache/serial.log" "$qs" "$secs" | tee "$cache/tap.txt"
! grep -q '^not ok' "$cache/tap.txt"
