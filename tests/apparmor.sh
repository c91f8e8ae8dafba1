#!/bin/sh
# apparmor.sh - when the kernel refuses a user namespace (AppArmor's
# restriction on Ubuntu 23.10+, a disabled sysctl, a container's seccomp
# profile), jailrun fails with 125 naming the cause and the fix, and
# leaves nothing behind; jailrun check reports AppArmor's user-namespace
# rule.  The refusal is made real by tests/nouserns (a seccomp filter that
# fails clone/unshare with CLONE_NEWUSER); the AppArmor wording for hosts
# with the sysctl set is unit-tested in userns-hint.
. "$JR_SRC/tests/lib.sh"
plan 7
NOUSERNS=$JR_BUILD/tests/nouserns
aa=$(cat /proc/sys/kernel/apparmor_restrict_unprivileged_userns 2>/dev/null)

out=$("$NOUSERNS" EPERM unshare -U true 2>&1); rc=$?
ok "the wrapper really refuses user namespaces (unshare -U: $out)" test "$rc" != 0
out=$(timeout -k 5 60 "$NOUSERNS" EPERM "$JAILRUN" --no-net "$ROOTFS" /bin/true 2>&1); rc=$?
if [ "${aa:-0}" != 0 ]; then
  want="^125 jailrun: jail: clone into a new user namespace: Operation not permitted: AppArmor restricts unprivileged user namespaces"
else
  want="^125 jailrun: jail: clone into a new user namespace: Operation not permitted: user namespaces are refused here though no sysctl forbids them: a seccomp filter or security module .*run 'jailrun check'$"
fi
like "EPERM: 125 with the cause and the fix" "$rc $out" "$want"
out=$(timeout -k 5 60 "$NOUSERNS" EACCES "$JAILRUN" --no-net "$ROOTFS" /bin/true 2>&1); rc=$?
like "EACCES: 125 naming it" "$rc $out" "^125 jailrun: jail: clone into a new user namespace: Permission denied: "
is "nothing left: no jailrun process of this test" "$(pgrep -u "$(id -u)" -f "jailrun --no-net $ROOTFS /bin/true" | wc -l)" 0
out=$(timeout -k 5 60 "$NOUSERNS" EPERM "$JAILRUN" check 2>&1); rc=$?
like "check under the filter: user namespaces are a gap" "$rc $out" "^1 gap +user namespaces +Operation not permitted"

out=$("$JAILRUN" check 2>&1)
if [ -z "$aa" ]; then
  like "check: no AppArmor userns rule in this kernel" "$out" "ok +apparmor userns +no AppArmor user-namespace restriction in this kernel"
else
  like "check: AppArmor's rule is reported" "$out" "apparmor userns +kernel.apparmor_restrict_unprivileged_userns=$aa; jailrun runs"
fi
like "check: the apparmor line comes right after user namespaces" "$(printf '%s\n' "$out" | grep -A1 'user namespaces' | tail -n 1)" "apparmor userns"
done_testing
