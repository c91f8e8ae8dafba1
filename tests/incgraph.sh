#!/bin/sh
# Developer tool (issue 18), not run by the suite: usage  sh tests/incgraph.sh [SRCDIR]
# Folder include graph: for each #include "x.h" in runtime/ netns/ seccomp/ cmd/,
# print "file-folder -> header-folder: header" (cross-folder edges only, unique).
cd "${1:-.}"
for f in $(git ls-files 'cmd/*.[ch]' 'runtime/*.[ch]' 'netns/*.[ch]' 'seccomp/*.[ch]'); do
  sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f" | while read -r h; do
    hb=$(basename "$h"); hd=$(git ls-files "*/$hb" | head -1 | xargs -r dirname)
    [ -n "$hd" ] || hd=build
    [ "$hd" = "$(dirname "$f")" ] || echo "$(dirname "$f") -> $hd/$hb  ($(basename "$f"))"
  done
done | sort | awk '{k=$1" "$2" "$3; a[k]=a[k] " " $4} END {for (k in a) print k a[k]}' | sort
