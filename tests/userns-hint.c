/* userns-hint.c - jr_userns_hint (why creating a user namespace failed,
 * and the fix) against sysctl trees made in a temporary directory: each
 * cause the kernel can have (AppArmor's restriction, Debian's
 * unprivileged_userns_clone, max_user_namespaces) and none.  TAP. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "tap.h"

static void
put (const char *dir, const char *name, const char *val)
{
  char path[512];
  snprintf (path, sizeof path, "%s/%s", dir, name);
  if (val == NULL)
    {
      unlink (path);
      return;
    }
  FILE *f = fopen (path, "w");
  if (f == NULL || fprintf (f, "%s\n", val) < 0 || fclose (f) != 0)
    {
      perror (path);
      exit (1);
    }
}

static void
expect (const char *dir, int e, const char *want, const char *name)
{
  char buf[640];
  jr_userns_hint (dir, e, buf, sizeof buf);
  if (!ok (strstr (buf, want) != NULL, "%s", name))
    diag ("  got: %s\n#  want: ...%s...", buf, want);
}

int
main (void)
{
  char dir[] = "/tmp/jr-userns-hint.XXXXXX", sub[600];
  if (mkdtemp (dir) == NULL)
    return perror ("mkdtemp"), 1;
  snprintf (sub, sizeof sub, "%s/kernel", dir);
  mkdir (sub, 0755);
  snprintf (sub, sizeof sub, "%s/user", dir);
  mkdir (sub, 0755);
  tap_plan (7);

  put (dir, "user/max_user_namespaces", "15000");
  put (dir, "kernel/apparmor_restrict_unprivileged_userns", "1");
  expect (dir, EPERM, "AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns=1)",
          "AppArmor restriction, EPERM: named");
  expect (dir, EACCES, "install it (meson install puts apparmor/jailrun in /etc/apparmor.d",
          "AppArmor restriction, EACCES: the fix is the profile");
  expect (dir, EACCES, "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0", "AppArmor restriction: or the sysctl");
  put (dir, "kernel/apparmor_restrict_unprivileged_userns", "0");
  put (dir, "kernel/unprivileged_userns_clone", "0");
  expect (dir, EPERM, "kernel.unprivileged_userns_clone=0): sysctl -w kernel.unprivileged_userns_clone=1",
          "AppArmor off, Debian's unprivileged_userns_clone=0: named");
  put (dir, "kernel/unprivileged_userns_clone", "1");
  put (dir, "user/max_user_namespaces", "0");
  expect (dir, ENOSPC, "user.max_user_namespaces=0): sysctl -w user.max_user_namespaces=15000", "max_user_namespaces=0: named");
  put (dir, "user/max_user_namespaces", "15000");
  expect (dir, EPERM, "a seccomp filter or security module of the calling environment", "no sysctl forbids it: the environment");
  put (dir, "kernel/apparmor_restrict_unprivileged_userns", NULL);
  put (dir, "kernel/unprivileged_userns_clone", NULL);
  expect (dir, EACCES, "run 'jailrun check'", "no such sysctls at all: the environment");

  put (dir, "user/max_user_namespaces", NULL);
  snprintf (sub, sizeof sub, "%s/kernel", dir);
  rmdir (sub);
  snprintf (sub, sizeof sub, "%s/user", dir);
  rmdir (sub);
  rmdir (dir);
  return tap_done (false);
}
