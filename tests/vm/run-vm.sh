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
. "$src/tests/vm/lib-vm.sh"
vm_paths "${1:-}"
limit=${JR_VM_TIMEOUT:-240}

build_initramfs() {
  stage=$cache/stage
  rm -rf "$stage"
  mkdir -p "$stage/bin" "$stage/usr/bin" "$stage/etc" "$stage/jr/tests/vm" || fail "mkdir $stage"
  bb=$(command -v busybox) || fail "busybox-static is not installed"
  cp "$bb" "$stage/bin/busybox"
  add_binary "$JAILRUN" /usr/bin/jailrun
  add_binary "$(command -v setpriv)" /usr/bin/setpriv
  add_rootfs
  cp "$src/tests/lib.sh" "$stage/jr/tests/" && cp "$src/tests/vm/guest.sh" "$src/tests/vm/guest-oci.sh" "$src/tests/vm/lib-guest-oci.sh" "$stage/jr/tests/vm/"
  cp "$src/tests/vm/init.sh" "$stage/init" && chmod 755 "$stage/init"
  (cd "$stage" && find . | cpio -o -H newc -R 0:0 --quiet) > "$cache/initramfs.cpio" || fail "cpio"
}

vm_preflight
fetch_kernel
build_initramfs
boot "$cache/initramfs.cpio" 1024 'console=ttyS0 cgroup_no_v1=all panic=-1' "$cache/serial.log"
echo "# kernel $(basename "$k"), serial log $cache/serial.log"
report "$cache/serial.log" "$cache/tap.txt"
