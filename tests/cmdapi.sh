#!/bin/sh
# cmdapi.sh LIBJAIL CLI_LIB SRCDIR - TAP: the CLI speaks only jail.h.
# 1: every jail_/jr_ symbol the CLI's objects (all of cmd/ but oci.c, the
#    one exception: the OCI verbs) use is one libjail.so exports;
# 2: those files include no header but jail.h and cmd/'s own;
# 3: no two source files call each other both ways (tests/callpairs.sh).
set -u
lib=$1 cli=$2 src=$3
echo "1..3"
exported=$(nm -D --defined-only "$lib" | awk '$2 == "T" {print $3}' | sed 's/@.*//' | sort -u)
used=$(nm -u "$cli" | awk '{print $2}' | grep -E '^(jail|jr)_' | sort -u)
bad=$(printf '%s\n' "$used" | grep -vxF "$exported" | grep .)
if [ -n "$used" ] && [ -z "$bad" ]; then echo "ok 1 - the CLI uses only libjail.so's exports"
else echo "not ok 1 - the CLI uses internal symbols"; printf '%s\n' "$bad" | sed 's/^/# /'; fi
inc=$(cd "$src/cmd" && for f in *.c *.h; do
  [ "$f" = oci.c ] && continue
  sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f" | while read -r h; do
    [ "$h" = jail.h ] || [ -f "$h" ] || echo "$f: $h"
  done
done)
if [ -z "$inc" ]; then echo "ok 2 - cmd/ includes only jail.h and its own headers"
else echo "not ok 2 - cmd/ includes internal headers"; printf '%s\n' "$inc" | sed 's/^/# /'; fi
pairs=$(sh "$src/tests/callpairs.sh" "$(dirname "$lib")")
if [ -z "$pairs" ]; then echo "ok 3 - no pair of files calls each other both ways"
else echo "not ok 3 - files call each other both ways"; printf '%s\n' "$pairs" | sed 's/^/# /'; fi
