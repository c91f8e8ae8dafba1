#!/bin/sh
# Folder include graph (issue 18).
# usage: sh tests/incgraph.sh [--check] [SRCDIR [BUILDDIR]]
# Without --check (a developer tool): for each #include "x.h" in runtime/
# netns/ seccomp/ cmd/, print "file-folder -> header-folder: header"
# (cross-folder edges only, unique).
# --check (in the suite, TAP) enforces cmd -> runtime -> {netns, seccomp}
# (docs/DESIGN.md section 2):
#  1: every #include "x.h" stays in its folder or goes down the graph:
#     cmd/ only to jail.h; runtime/ only to the faces netns/netns.h and
#     seccomp/jr_seccomp.h; netns/ and seccomp/ only to runtime/'s base;
#  2: the base (runtime/'s low-level primitives a lower folder may use:
#     $BASE) includes nothing but the base;
#  3: no pair of files includes each other (a file is x.c with x.h);
#  4: with BUILDDIR: netns/ and seccomp/ objects call into runtime/ only
#     the base's .c files (the same rule for calls as 1 for includes).
BASE="error jail hostfile fdpass loop sigpipe lazylib json_lazy clone_vm"
check=0
[ "$1" = --check ] && { check=1; shift; }
cd "${1:-.}" || exit 1
build=${2:-}

# "FILE TARGET" for each #include "x.h" of the four folders; TARGET is the
# header's path, found as the compiler does (own folder, then runtime/,
# netns/, seccomp/), or build/x.h when generated (default_bpf.h).
edges() {
  { ls cmd/*.[ch] runtime/*.[ch] netns/*.[ch] seccomp/*.[ch]
    grep -H '^#include "' cmd/*.[ch] runtime/*.[ch] netns/*.[ch] seccomp/*.[ch]; } | awk '
    !/:#include/ { have[$0] = 1; next }
    { f = substr($0, 1, index($0, ":") - 1); h = $0; sub(/^[^"]*"/, "", h); sub(/".*/, "", h)
      d = f; sub(/\/[^\/]*$/, "", d); t = "build/" h
      n = split(d " runtime netns seccomp", c, " ")
      for (i = 1; i <= n; i++) if ((c[i] "/" h) in have) { t = c[i] "/" h; break }
      print f, t }'
}

# The edges that break rule 1 or 2, one a line.
bad_edges() {
  edges | awk -v base="$BASE" '
    function isbase(p,   b) { if (p !~ /^runtime\//) return 0; b = p; sub(/^runtime\//, "", b); sub(/\.[ch]$/, "", b); return (b in B) }
    BEGIN { n = split(base, a, " "); for (i = 1; i <= n; i++) B[a[i]] = 1 }
    { f = $1; t = $2; fd = f; sub(/\/.*/, "", fd); td = t; sub(/\/.*/, "", td)
      if (td == "build") next
      if (isbase(f)) { if (!isbase(t)) print f " -> " t " (the base includes only the base)"; next }
      if (fd == td) next
      if (fd == "cmd" && t == "runtime/jail.h") next
      if (fd == "runtime" && (t == "netns/netns.h" || t == "seccomp/jr_seccomp.h")) next
      if ((fd == "netns" || fd == "seccomp") && td == "runtime") { if (!isbase(t)) print f " -> " t " (up into runtime'"'"'s internals)"; next }
      print f " -> " t " (not down cmd -> runtime -> {netns, seccomp})" }'
}

# Pairs of files (x.c + x.h) that include each other.
pairs() {
  edges | awk '{ a = $1; b = $2; sub(/\.[ch]$/, "", a); sub(/\.[ch]$/, "", b); if (a != b) e[a " " b] = 1 }
    END { for (k in e) { split(k, p, " "); if ((p[2] " " p[1]) in e && p[1] < p[2]) print p[1] " <-> " p[2] } }' | sort
}

# netns/ and seccomp/ objects' calls into runtime/ objects outside the base.
bad_calls() {
  o=$build/libjail_internal.a.p
  nm -A "$o"/*.c.o | awk -v base="$BASE" '
    BEGIN { n = split(base, a, " "); for (i = 1; i <= n; i++) B["runtime_" a[i]] = 1 }
    { i = index($0, ":"); f = substr($0, 1, i - 1); sub(/.*\//, "", f); sub(/\.c\.o$/, "", f); $0 = substr($0, i + 1)
      if ($1 == "U" && f ~ /^(netns|seccomp)_/) { u[f " " $2] = 1; next }
      if (NF == 3 && $2 ~ /[TDBR]/ && f ~ /^runtime_/ && !(f in B)) def[$3] = f }
    END { for (k in u) { split(k, p, " "); if (p[2] in def) { d = def[p[2]]; sub(/^runtime_/, "runtime/", d)
            g = p[1]; sub(/_.*/, "", g); print g " -> " d ".c: " p[2] } } }' | sort
}

if [ "$check" = 1 ]; then
  if [ -n "$build" ]; then echo "1..4"; else echo "1..3"; fi
  bad=$(bad_edges)
  if [ -z "$bad" ]; then echo "ok 1 - every include goes down cmd -> runtime -> {netns, seccomp} (or stays in its folder)"
  else echo "not ok 1 - includes against the graph:"; printf '%s\n' "$bad" | sed 's/^/# /'; fi
  bad=$(bad_edges | grep 'the base includes')
  if [ -z "$bad" ]; then echo "ok 2 - runtime's base ($BASE) includes only the base"
  else echo "not ok 2 - the base includes runtime internals"; fi
  bad=$(pairs)
  if [ -z "$bad" ]; then echo "ok 3 - no pair of files includes each other"
  else echo "not ok 3 - files include each other:"; printf '%s\n' "$bad" | sed 's/^/# /'; fi
  if [ -z "$build" ]; then :
  elif [ ! -d "$build/libjail_internal.a.p" ]; then echo "not ok 4 - $build/libjail_internal.a.p: no objects"
  else
    bad=$(bad_calls)
    if [ -z "$bad" ]; then echo "ok 4 - netns/ and seccomp/ call into runtime/ only its base"
    else echo "not ok 4 - calls up into runtime's internals:"; printf '%s\n' "$bad" | sed 's/^/# /'; fi
  fi
  exit 0 # (TAP: a "not ok" line fails the test)
fi
for f in $(git ls-files 'cmd/*.[ch]' 'runtime/*.[ch]' 'netns/*.[ch]' 'seccomp/*.[ch]'); do
  sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f" | while read -r h; do
    hb=$(basename "$h"); hd=$(git ls-files "*/$hb" | head -1 | xargs -r dirname)
    [ -n "$hd" ] || hd=build
    [ "$hd" = "$(dirname "$f")" ] || echo "$(dirname "$f") -> $hd/$hb  ($(basename "$f"))"
  done
done | sort | awk '{k=$1" "$2" "$3; a[k]=a[k] " " $4} END {for (k in a) print k a[k]}' | sort
