#!/bin/sh
# mkrootfs.sh OUT PROBE... - build a busybox rootfs for the tests from
# Debian's busybox-static, with the static probe programs in /usr/bin.
set -eu
out=$1; shift
bb=$(command -v busybox) || { echo "mkrootfs: busybox-static is not installed (apt-get install busybox-static)" >&2; exit 1; }
tmp=$out.tmp.$$
rm -rf "$tmp"
mkdir -p "$tmp/bin" "$tmp/usr/bin" "$tmp/proc" "$tmp/dev" "$tmp/sys" "$tmp/tmp" "$tmp/etc" \
         "$tmp/workspace" "$tmp/root" "$tmp/home" "$tmp/var/tmp" "$tmp/run"
cp "$bb" "$tmp/bin/busybox"
for a in $("$bb" --list); do
  [ "$a" = busybox ] || ln -sf busybox "$tmp/bin/$a"
done
for p in "$@"; do cp "$p" "$tmp/usr/bin/"; done
printf 'root:x:0:0:root:/root:/bin/sh\njail:x:65532:65532:jail:/tmp:/bin/sh\n' > "$tmp/etc/passwd"
printf 'root:x:0:\njail:x:65532:\n' > "$tmp/etc/group"
chmod 1777 "$tmp/tmp"
chmod -R a+rX "$tmp"
rm -rf "$out"
mv "$tmp" "$out"
