#!/bin/sh
# ux.sh - what a new user (and a Docker user) expects of the command line
# (issue 13): names free when a jail ends, the network and limits in
# inspect and ps, the -d best-effort warning, --help of every subcommand,
# Docker words, ps/inspect formats, a full /proc with masked paths.
. "$JR_SRC/tests/lib.sh"
plan 2
mkscratch
names=""
cleanup() { for n in $names; do "$JAILRUN" rm -f "$n" >/dev/null 2>&1; done; rm -rf "$SCRATCH"; }
trap cleanup EXIT
N=jrux$$

# A name is free as soon as 'run --name' returns (20 in a row).
good=0
for i in $(seq 20); do
  "$JAILRUN" run --no-net --name ${N}r "$ROOTFS" sh -c 'exit 3' >/dev/null 2>&1
  [ $? = 3 ] && good=$((good + 1))
done
is "run --name: the name is free when it returns, 20/20" "$good" 20
good=0
for i in $(seq 20); do
  "$JAILRUN" run --no-net --name ${N}h / sh -c 'exit 3' >/dev/null 2>&1
  [ $? = 3 ] && good=$((good + 1))
done
is "run --name on /: 20/20" "$good" 20

done_testing
