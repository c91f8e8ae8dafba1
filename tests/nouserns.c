/* nouserns.c ERRNO COMMAND [ARG...] - run COMMAND where creating a user
 * namespace fails with ERRNO (EPERM or EACCES), as under AppArmor's
 * user-namespace restriction or a container's seccomp profile: a seccomp
 * filter makes clone and unshare with CLONE_NEWUSER fail with ERRNO, and
 * clone3 fail with ENOSYS (a filter cannot read its flags, so callers
 * fall back to clone).  Everything else is allowed. */
#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
main (int argc, char **argv)
{
  if (argc < 3 || (strcmp (argv[1], "EPERM") != 0 && strcmp (argv[1], "EACCES") != 0))
    {
      fprintf (stderr, "usage: nouserns EPERM|EACCES COMMAND [ARG...]\n");
      return 2;
    }
  int e = strcmp (argv[1], "EPERM") == 0 ? EPERM : EACCES;
  scmp_filter_ctx ctx = seccomp_init (SCMP_ACT_ALLOW);
  if (ctx == NULL
      || seccomp_rule_add (ctx, SCMP_ACT_ERRNO (ENOSYS), SCMP_SYS (clone3), 0) < 0
      || seccomp_rule_add (ctx, SCMP_ACT_ERRNO (e), SCMP_SYS (clone), 1,
                           SCMP_A0 (SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER))
             < 0
      || seccomp_rule_add (ctx, SCMP_ACT_ERRNO (e), SCMP_SYS (unshare), 1,
                           SCMP_A0 (SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER))
             < 0
      || seccomp_load (ctx) < 0)
    {
      perror ("nouserns: seccomp");
      return 2;
    }
  seccomp_release (ctx);
  execvp (argv[2], argv + 2);
  perror ("nouserns: exec");
  return 127;
}
