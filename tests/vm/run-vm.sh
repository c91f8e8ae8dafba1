#!/bin/sh
# run-vm.sh [BUILD_DIR] - the VM tier: boot Debian's cloud kernel under
# qemu (TCG) with cgroup_no_v1=all and an initramfs holding busybox, the
# jailrun binary with the shared libraries ldd names, the test rootfs (plus
# tests/vm/cgprobe) and the guest tests; the guest runs tests/vm/guest.sh as
# root and as a user with a delegated cgroup and powers off.  The results
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

fail() { echo "1..1"; echo "not ok 1 - vm tier: $*"; exit 1; }

# The kernel image of the package linux-image-cloud-amd64 depends on:
# only /boot/vmlinuz-* is unpacked from the .deb.
fetch_kernel() {
  k=$(ls "$cache"/vmlinuz-* 2>/dev/null | head -n 1)
  [ -n "$k" ] && return 0
  dep() { apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-/ { print $2; exit }'; }
  pkg=$(dep)
  if [ -z "$pkg" ] && [ "$(id -u)" = 0 ]; then apt-get update -qq >/dev/null 2>&1; pkg=$(dep); fi
  [ -n "$pkg" ] || fail "apt-cache knows no linux-image-cloud-amd64 (run apt-get update)"
  dl=$(mktemp -d) && chmod 755 "$dl"
  (cd "$dl" && apt-get download -q "$pkg" >/dev/null 2>"$dl/err") || fail "apt-get download $pkg: $(tail -n 1 "$dl/err")"
  dpkg-deb --fsys-tarfile "$dl"/*.deb | tar -x -C "$dl" --wildcards './boot/vmlinuz-*' \
    || fail "cannot unpack /boot/vmlinuz-* from $pkg"
  cp "$dl"/boot/vmlinuz-* "$cache"/ && rm -rf "$dl"
  k=$(ls "$cache"/vmlinuz-* | head -n 1)
}

# Copy a dynamic binary to DEST in the stage and every library ldd names.
add_binary() { # BIN DEST
  cp "$1" "$stage$2" || fail "copy $1"
  for lib in $(ldd "$1" 2>/dev/null | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }'); do
    mkdir -p "$stage$(dirname "$lib")" && cp -L "$lib" "$stage$lib" || fail "copy $lib"
  done
}

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
  cp "$src/tests/lib.sh" "$stage/jr/tests/" && cp "$src/tests/vm/guest.sh" "$stage/jr/tests/vm/"
  cp "$src/tests/vm/init.sh" "$stage/init" && chmod 755 "$stage/init"
  (cd "$stage" && find . | cpio -o -H newc -R 0:0 --quiet) > "$cache/initramfs.cpio" || fail "cpio"
}

# Serial log -> TAP: renumber the guest's ok lines, count its plans.
to_tap() { # LOG QEMU_STATUS SECONDS
  tr -d '\r' < "$1" | awk -v qs="$2" -v secs="$3" '
    /^JRVM-END/ { ended = 1; next }
    /^JRVM: / {
      l = substr($0, 7)
      if (l ~ /^1\.\.[0-9]+/) { split(l, a, "[. ]+"); planned += a[2]; next }
      if (l ~ /^(not )?ok [0-9]+/) {
        n++; nok = (l ~ /^not /); sub(/^(not )?ok [0-9]+/, "", l)
        if (nok) failed++
        print (nok ? "not ok " : "ok ") n l; next
      }
      if (l ~ /^Bail out!/) { n++; failed++; print "not ok " n " - guest: " l; next }
      print (l ~ /^#/ ? l : "# " l)
    }
    END {
      n++; print (ended ? "ok " : "not ok ") n " - the guest finished and powered off (qemu status " qs ", " secs " s)"
      n++; print (planned == n - 2 && planned > 0 ? "ok " : "not ok ") n " - the guest ran all " planned " planned tests (ran " n - 2 ")"
      print "1.." n
    }'
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
