#!/bin/sh
# Issue 18, run by the suite through tests/cmdapi.sh: usage  sh tests/callpairs.sh [BUILDDIR]
# Pairs of source files that call each other (A uses a symbol B defines and
# B one A defines), from the object files of a build: nm's T/D/B/R vs U.
b=${1:-build}
objs=$(find "$b" -name '*.c.o' \( -path '*jail_internal*' -o -path '*jailrun.p*' -o -path '*jailrun_cli*' \))
# One nm for all: "path/lib.p/file.c.o:[addr] TYPE name"; a file is named lib/file.
nm -A $objs | awk '{i=index($0, ":"); path=substr($0, 1, i-1); $0=substr($0, i+1)
  np=split(path, p, "/"); f=p[np]; sub(/\.c\.o$/, "", f); d=p[np-1]; sub(/\.p$/, "", d); n=d "/" f
  if ($1=="U") print "U", n, $2; else if (NF==3 && $2~/[TDBR]/) print "D", n, $3}' \
| awk '$1=="D"{def[$3]=$2} $1=="U"{u[NR]=$2" "$3} END{for(i in u){split(u[i],a," "); if(a[2] in def && def[a[2]]!=a[1]) e[a[1]" "def[a[2]]]=e[a[1]" "def[a[2]]]" "a[2]}
 for(k in e){split(k,p," "); r=p[2]" "p[1]; if((r in e) && p[1]<p[2]) print p[1]" <-> "p[2]":"e[k]" |"e[r]}}' | sort
