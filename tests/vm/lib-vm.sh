# lib-vm.sh - what the VM tiers (run-vm.sh, run-vm-systemd.sh) share,
# sourced with $src set: fail, the paths (vm_paths) and the host's tools
# (vm_preflight), the cached Debian cloud kernel (fetch_kernel sets $k),
# copying a dynamic binary with its libraries into $stage (add_binary; the
# build tree's libjail.so.0 also into /usr/lib) and the test rootfs
# (add_rootfs), booting qemu (boot) and the serial log's "JRVM: " lines as
# one TAP stream (to_tap, report).
fail() { echo "1..1"; echo "not ok 1 - vm tier: $*"; exit 1; }

# build (BUILD_DIR, else $JR_BUILD, else $src/build), JAILRUN, ROOTFS,
# CGPROBE (each overridable from the environment) and cache.
vm_paths() { # [BUILD_DIR]
  build=${1:-${JR_BUILD:-$src/build}}
  build=$(cd "$build" && pwd) || exit 1
  JAILRUN=${JAILRUN:-$build/cmd/jailrun}
  ROOTFS=${ROOTFS:-$build/tests/rootfs}
  CGPROBE=${JR_CGPROBE:-$build/tests/vm/cgprobe}
  cache=$build/vm-cache
}

# The cache directory, the built files a guest gets, and qemu.
vm_preflight() {
  mkdir -p "$cache" || fail "mkdir $cache"
  for f in "$JAILRUN" "$CGPROBE" "$ROOTFS/bin/busybox"; do [ -e "$f" ] || fail "$f is missing: build first (ninja -C $build)"; done
  command -v qemu-system-x86_64 >/dev/null || fail "qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)"
}

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
  rm -f "$stage$2" && cp "$1" "$stage$2" || fail "copy $1"
  for lib in $(ldd "$1" 2>/dev/null | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }'); do
    # rm first: a stage made from a Debian root has absolute symlinks
    # there (ld-linux), and cp would write through them into the host
    mkdir -p "$stage$(dirname "$lib")" && rm -f "$stage$lib" && cp -L "$lib" "$stage$lib" || fail "copy $lib"
    # a library of the build tree (libjail.so.0, found by jailrun's
    # RUNPATH $ORIGIN/..) goes where the guest's loader looks by default
    case $lib in /lib/* | /usr/lib/* | /lib64/*) ;; *)
      mkdir -p "$stage/usr/lib" && rm -f "$stage/usr/lib/${lib##*/}" && cp -L "$lib" "$stage/usr/lib/" || fail "copy $lib" ;;
    esac
  done
}

# The test rootfs (with cgprobe) as $stage/rootfs, readable by every user.
add_rootfs() {
  cp -a "$ROOTFS" "$stage/rootfs" && cp "$CGPROBE" "$stage/rootfs/usr/bin/cgprobe" || fail "copy the rootfs"
  chmod -R a+rX "$stage/rootfs"
}

# Boot $k with the initramfs INITRD, MEM MiB and the kernel command line
# APPEND, the serial console into LOG, bounded by $limit seconds; sets qs
# (timeout's status) and secs (the boot's wall time).
boot() { # INITRD MEM APPEND LOG
  tb=$(date +%s.%N)
  timeout -k 5 "$limit" qemu-system-x86_64 -accel tcg -m "$2" -smp 1 -nographic -no-reboot -nic none \
    -kernel "$k" -initrd "$1" -append "$3" </dev/null >"$4" 2>&1
  qs=$?
  secs=$(awk -v a="$tb" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
}

# The serial log LOG as TAP on stdout and in TAP; false when a test failed.
report() { # LOG TAP
  to_tap "$1" "$qs" "$secs" | tee "$2"
  ! grep -q '^not ok' "$2"
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

