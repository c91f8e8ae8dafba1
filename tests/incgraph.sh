#!/bin/sh
# Folder include graph (issue 18).  usage: sh tests/incgraph.sh [--check] [SRCDIR]
# Without --check (a developer tool): for each #include "x.h" in runtime/
# netns/ seccomp/ cmd/, print "file-folder -> header-folder: header"
# (cross-folder edges only, unique).
# --check (in the suite, TAP): netns/ and seccomp/ speak to runtime/ only
# through their own faces: no file under them includes runtime/internal.h.
check=0
[ "$1" = --check ] && { check=1; shift; }
cd "${1:-.}" || exit 1
if [ "$check" = 1 ]; then
  echo "1..1"
  bad=$(grep -l '^#include "internal.h"' netns/*.[ch] seccomp/*.[ch] 2>/dev/null)
  if [ -z "$bad" ]; then
    echo "ok 1 - no file under netns/ or seccomp/ includes runtime/internal.h"
  else
    echo "not ok 1 - these include runtime/internal.h:" $bad
  fi
  exit 0
fi
for f in $(git ls-files 'cmd/*.[ch]' 'runtime/*.[ch]' 'netns/*.[ch]' 'seccomp/*.[ch]'); do
  sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f" | while read -r h; do
    hb=$(basename "$h"); hd=$(git ls-files "*/$hb" | head -1 | xargs -r dirname)
    [ -n "$hd" ] || hd=build
    [ "$hd" = "$(dirname "$f")" ] || echo "$(dirname "$f") -> $hd/$hb  ($(basename "$f"))"
  done
done | sort | awk '{k=$1" "$2" "$3; a[k]=a[k] " " $4} END {for (k in a) print k a[k]}' | sort
