#!/bin/sh
# Developer tool (issue 18), not run by the suite: usage  sh tests/callpairs.sh [BUILDDIR]
# Pairs of source files that call each other (A uses a symbol B defines and
# B one A defines), from the object files of a build: nm's T/D/B/R vs U.
b=${1:-build}
for o in $(find "$b" -name '*.c.o' -path '*jail_internal*' ; find "$b" -name '*.c.o' -path '*jailrun.p*'); do
  n=$(basename "$(dirname "$o")" | sed "s/\.p$//")/$(basename "$o" .c.o)
  nm "$o" | awk -v n="$n" '$1=="U"{print "U",n,$2} NF==3 && $2~/[TDBR]/{print "D",n,$3}'
done | awk '$1=="D"{def[$3]=$2} $1=="U"{u[NR]=$2" "$3} END{for(i in u){split(u[i],a," "); if(a[2] in def && def[a[2]]!=a[1]) e[a[1]" "def[a[2]]]=e[a[1]" "def[a[2]]]" "a[2]}
 for(k in e){split(k,p," "); r=p[2]" "p[1]; if((r in e) && p[1]<p[2]) print p[1]" <-> "p[2]":"e[k]" |"e[r]}}' | sort
