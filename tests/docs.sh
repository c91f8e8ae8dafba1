#!/bin/sh
# docs.sh JAILRUN SRC - every long option of `jailrun --help` and every
# subcommand is in the man page and the bash and zsh completions; the completion
# completes subcommands and jail options.  No root needed.
set -u
J=$1; S=$2
n=0; failed=0
t() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi; }
echo "1..8"
opts=$("$J" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u)
miss=""; for o in $opts; do grep -q -- "$(printf '%s' "$o" | sed 's/-/\\\\-/g')" "$S/doc/jailrun.1" || miss="$miss $o"; done
t "$( [ -z "$miss" ]; echo $?)" "man page has every --help option (missing:$miss)"
miss=""; for c in exec ps inspect logs stop rm check; do grep -q "^\.B $c\b" "$S/doc/jailrun.1" || miss="$miss $c"; done
t "$( [ -z "$miss" ]; echo $?)" "man page has every subcommand (missing:$miss)"
man -l "$S/doc/jailrun.1" >/dev/null 2>"$S.man.err" </dev/null; r=$?; [ -s "$S.man.err" ] && r=1; rm -f "$S.man.err"
t $r "man page renders without warnings"
miss=""; for o in $opts; do case $o in --seccomp-dump|--privileged) continue ;; esac; grep -qE -- "[\" ]$o\b" "$S/completion/jailrun.bash" || miss="$miss $o"; done
t "$( [ -z "$miss" ]; echo $?)" "bash completion has every --help option (missing:$miss)"
miss=""; for o in $opts; do case $o in --seccomp-dump|--privileged) continue ;; esac; grep -qE -- "'$o\[" "$S/completion/_jailrun" || miss="$miss $o"; done
t "$( [ -z "$miss" ]; echo $?)" "zsh completion has every --help option (missing:$miss)"
zsh -n "$S/completion/_jailrun" 2>&1; t $? "zsh completion parses (zsh -n)"
got=$(bash -c '. "$0"; COMP_WORDS=(jailrun ins); COMP_CWORD=1; _jailrun; echo "${COMPREPLY[*]}"' "$S/completion/jailrun.bash" 2>&1)
t "$( [ "$got" = inspect ]; echo $?)" "completes a subcommand (got '$got')"
got=$(bash -c '. "$0"; COMP_WORDS=(jailrun --cap-d); COMP_CWORD=1; _jailrun; echo "${COMPREPLY[*]}"' "$S/completion/jailrun.bash" 2>&1)
t "$( [ "$got" = --cap-drop ]; echo $?)" "completes an option (got '$got')"
exit $failed
