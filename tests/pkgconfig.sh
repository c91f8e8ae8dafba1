#!/bin/sh
# pkgconfig.sh BUILD_DIR - the public header compiles alone and a bare
# `#include <jail.h>` program builds and runs with `pkg-config --cflags
# --libs libjail`, from the build tree (meson-uninstalled) and installed
# (meson install --destdir, PKG_CONFIG_SYSROOT_DIR); the installed jailrun
# (and jailrun-oci) find the installed libjail.so by their RUNPATH, the
# libdir (meson install runs no ldconfig).  No root needed.
set -u
B=$1
n=0; failed=0
t() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi; }
echo "1..10"
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
cat > "$W/bare.c" <<'C'
#include <jail.h>
#include <stdio.h>
int main (void) { printf ("%s\n", jail_version ()); return 0; }
C

# Build tree: pkg-config picks libjail-uninstalled.pc from meson-uninstalled.
flags=$(PKG_CONFIG_PATH="$B/meson-uninstalled" pkg-config --cflags --libs libjail 2>&1); t $? "uninstalled: pkg-config finds libjail"
cc -Wall -Werror -o "$W/bare-u" "$W/bare.c" $flags 2>"$W/err"; t $? "uninstalled: a bare #include <jail.h> program builds: $(head -c 300 "$W/err")"
v=$(LD_LIBRARY_PATH="$B" "$W/bare-u"); t $? "uninstalled: it runs ($v)"

# Installed into a DESTDIR.
meson install -C "$B" --no-rebuild --quiet --destdir "$W/root" >"$W/inst" 2>&1; t $? "meson install --destdir: $(tail -c 300 "$W/inst")"
pc=$(find "$W/root" -name libjail.pc | head -n 1)
flags=$(PKG_CONFIG_SYSROOT_DIR="$W/root" PKG_CONFIG_PATH="${pc%/*}" pkg-config --cflags --libs libjail 2>&1)
cc -Wall -Werror -o "$W/bare-i" "$W/bare.c" $flags 2>"$W/err"; t $? "installed: the program builds with $flags: $(head -c 300 "$W/err")"
lib=$(find "$W/root" -name 'libjail.so.0' | head -n 1)
v=$(LD_LIBRARY_PATH="${lib%/*}" "$W/bare-i"); t $? "installed: it runs with the installed library ($v)"
bin=$(find "$W/root" -path '*/bin/jailrun' | head -n 1)
rp=$(readelf -d "$bin" | sed -n 's/.*(RUNPATH).*\[\(.*\)\]/\1/p')
test -n "$rp" && test "$W/root$rp" = "${lib%/*}"; t $? "installed jailrun's RUNPATH is the libdir ($rp)"
v=$(LD_LIBRARY_PATH="${lib%/*}" "${bin%/*}/jailrun-oci" --version | head -n 1); t $? "installed jailrun-oci runs with the installed libjail.so ($v)"
grep -q '^Requires.private: .*libmnl.*json-c' "$pc"; t $? "installed .pc has Requires.private"
test -s "$(find "$W/root" -path '*man1/jailrun.1' | head -n 1)" && test -s "$(find "$W/root" -path '*bash-completion/completions/jailrun' | head -n 1)"
t $? "meson install puts the man page and the bash completion"
exit $failed
