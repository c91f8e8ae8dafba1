#!/bin/sh
# cmdapi.sh LIBJAIL CLI_LIB SRCDIR JAILRUN INTERNAL_LIB - TAP: the CLI
# speaks only jail.h, with no exception.
# 1: every symbol the CLI's objects (all of cmd/) use that the library
#    defines (libjail_internal.a, any name) is one libjail.so exports;
# 2: those files include no header but jail.h and cmd/'s own;
# 3: no two source files call each other both ways (tests/callpairs.sh);
# 4: jailrun links the shared libjail.so and holds none of the library's
#    code (no symbol libjail_internal.a defines is defined in it).
set -u
lib=$1 cli=$2 src=$3 bin=$4 internal=$5
echo "1..4"
exported=$(nm -D --defined-only "$lib" | awk '$2 == "T" {print $3}' | sed 's/@.*//' | sort -u)
# The library's own definitions; not the stubs of the libraries libjail
# and the CLI load on first use (runtime/lazylib.h, cmd/lazy.h): those
# names are libseccomp's, json-c's and libyaml's API, each side has its own.
libdefs=$(nm --defined-only "$internal" 2>/dev/null | awk 'NF == 3 && $2 ~ /[TDBR]/ {print $3}' | grep -Ev '^(seccomp|json|yaml)_' | sort -u)
used=$(nm -u "$cli" | awk '{print $2}' | sort -u | grep -xF "$libdefs")
bad=$(printf '%s\n' "$used" | grep -vxF "$exported" | grep .)
if [ -n "$libdefs" ] && [ -n "$used" ] && [ -z "$bad" ]; then echo "ok 1 - the CLI uses only libjail.so's exports ($(echo "$used" | wc -l) of them)"
else echo "not ok 1 - the CLI uses internal symbols"; printf '%s\n' "$bad" | sed 's/^/# /'; fi
inc=$(cd "$src/cmd" && for f in *.c *.h; do
  sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f" | while read -r h; do
    [ "$h" = jail.h ] || [ -f "$h" ] || echo "$f: $h"
  done
done)
if [ -z "$inc" ]; then echo "ok 2 - cmd/ includes only jail.h and its own headers"
else echo "not ok 2 - cmd/ includes internal headers"; printf '%s\n' "$inc" | sed 's/^/# /'; fi
pairs=$(sh "$src/tests/callpairs.sh" "$(dirname "$lib")")
if [ -z "$pairs" ]; then echo "ok 3 - no pair of files calls each other both ways"
else echo "not ok 3 - files call each other both ways"; printf '%s\n' "$pairs" | sed 's/^/# /'; fi
needed=$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(libjail\.so[^]]*\)\]/\1/p')
inbin=$(nm --defined-only "$bin" | awk 'NF == 3 && $2 ~ /[TDBR]/ {print $3}' | sort -u | grep -xF "$libdefs" | grep -v '^_')
if [ -n "$needed" ] && [ -z "$inbin" ]; then echo "ok 4 - jailrun links $needed and holds none of the library's code"
else echo "not ok 4 - jailrun: NEEDED '$needed'; the library's symbols in it:"; printf '%s\n' "$inbin" | head -n 20 | sed 's/^/# /'; fi
