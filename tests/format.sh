#!/bin/sh
# format.sh [--fix] [SRCDIR] - is every .c/.h under cmd runtime netns seccomp
# tests formatted as .clang-format says?  TAP; without --fix, exit 1
# listing the files clang-format would change; --fix reformats them in
# place.  Needs clang-format (tests/packages.txt).
fix=0
[ "${1:-}" = --fix ] && { fix=1; shift; }
cd "${1:-$(dirname "$0")/..}" || exit 1
echo "1..1"
if ! command -v clang-format >/dev/null 2>&1; then
  echo "not ok 1 - clang-format is not installed (apt-get install clang-format)"; exit 1
fi
bad=
for f in $(find cmd runtime netns seccomp tests -name '*.[ch]' | sort); do
  if ! clang-format --style=file "$f" | cmp -s "$f" -; then
    if [ "$fix" = 1 ]; then clang-format --style=file -i "$f"; else bad="$bad $f"; fi
  fi
done
if [ -z "$bad" ]; then
  echo "ok 1 - every .c/.h is formatted as .clang-format says"
else
  echo "not ok 1 - clang-format would change:$bad (sh tests/format.sh --fix)"; exit 1
fi
