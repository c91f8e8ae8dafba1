#!/bin/sh
# symbols.sh LIB HEADER - TAP: libjail.so exports exactly the functions
# jail.h declares, each with the JAIL_ version node.
set -u
lib=$1 hdr=$2
echo "1..2"
exported=$(nm -D --defined-only "$lib" | awk '$2 == "T" {print $3}' | sed 's/@.*//' | sort)
declared=$(grep -oE '^JAIL_EXPORT [^(]*[ *]jail_[a-z0-9_]+ \(' "$hdr" | grep -oE 'jail_[a-z0-9_]+' | sort)
if [ -n "$exported" ] && [ "$exported" = "$declared" ]; then echo "ok 1 - exported symbols equal the header"
else echo "not ok 1 - exported symbols equal the header"; printf "%s\n" "$exported" "--" "$declared" | sed 's/^/# /'; fi
bad=$(nm -D --defined-only "$lib" | awk '$2 == "T" && $3 !~ /@@JAIL_/ {print $3}')
if [ -z "$bad" ]; then echo "ok 2 - every symbol is versioned"; else echo "not ok 2 - unversioned: $bad"; fi
