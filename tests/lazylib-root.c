/* lazylib-root.c - libjail's first-use loader (runtime/lazylib.h) never
 * maps a library from a root the process entered after it started: a
 * jail's root can hold a libseccomp.so.2 of its own.  The attack: plant a
 * library whose constructor reports itself (tests/fakelib.c) as
 * libseccomp.so.2 in every system library directory of a scratch root,
 * chroot into it (rootless: inside a new user and mount namespace) and ask
 * libjail for what needs libseccomp (the dump of a policy with an edit).
 * Usage: lazylib-root FAKELIB.so.  TAP. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jail.h"
#include "tap.h"

/* Copy the file src to dst (0755). */
static int
copy (const char *src, const char *dst)
{
  char buf[65536];
  int in = open (src, O_RDONLY | O_CLOEXEC), out = open (dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
  ssize_t n = 0;
  while (in >= 0 && out >= 0 && (n = read (in, buf, sizeof buf)) > 0)
    if (write (out, buf, (size_t) n) != n)
      n = -1;
  int r = in >= 0 && out >= 0 && n == 0 ? 0 : -1;
  if (in >= 0)
    close (in);
  if (out >= 0)
    close (out);
  return r;
}

/* The scratch root: the fake as libseccomp.so.2 in each library dir. */
static int
plant (const char *root, const char *fake)
{
  static const char *const dirs[] = { "lib", "lib/x86_64-linux-gnu", "usr", "usr/lib", "usr/lib/x86_64-linux-gnu",
                                      "lib64", "usr/lib64" };
  char p[4096];
  for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
    {
      snprintf (p, sizeof p, "%s/%s", root, dirs[i]);
      if (mkdir (p, 0755) < 0 && errno != EEXIST)
        return -1;
      snprintf (p, sizeof p, "%s/%s/libseccomp.so.2", root, dirs[i]);
      if (strcmp (dirs[i], "usr") != 0 && copy (fake, p) < 0)
        return -1;
    }
  return 0;
}

/* In a child: optionally chroot into root, then dump a policy that needs
 * libseccomp; write the error message (or "OK") to out. */
static void
child (const char *root, int out)
{
  if (root && geteuid () != 0 && unshare (CLONE_NEWUSER | CLONE_NEWNS) < 0)
    _exit (3);
  if (root && (chroot (root) < 0 || chdir ("/") < 0))
    _exit (4);
  char *text = NULL;
  jail_error *err = NULL;
  int r = jail_seccomp_dump ("+ptrace", &text, NULL, &err);
  const char *m = r == 0 ? "OK" : jail_error_message (err);
  (void) !write (out, m, strlen (m));
  _exit (0);
}

/* Run child(root); its message into msg, the fake's report into loaded. */
static void
attempt (const char *root, char *msg, size_t size, bool *loaded)
{
  int m[2], f[2];
  if (pipe2 (m, O_CLOEXEC) < 0 || pipe2 (f, 0) < 0)
    exit (2);
  char fd[16];
  snprintf (fd, sizeof fd, "%d", f[1]);
  setenv ("JR_FAKELIB_FD", fd, 1);
  pid_t pid = fork ();
  if (pid == 0)
    child (root, m[1]);
  close (m[1]);
  close (f[1]);
  ssize_t n = read (m[0], msg, size - 1);
  msg[n > 0 ? n : 0] = '\0';
  char b[8];
  *loaded = read (f[0], b, sizeof b) > 0;
  waitpid (pid, NULL, 0);
  close (m[0]);
  close (f[0]);
}

int
main (int argc, char **argv)
{
  char root[] = "/tmp/jr-lazylib-XXXXXX", msg[1024];
  bool loaded;
  if (argc != 2 || mkdtemp (root) == NULL || plant (root, argv[1]) < 0)
    {
      fprintf (stderr, "usage: lazylib-root FAKELIB.so (and a writable /tmp)\n");
      return 2;
    }
  tap_plan (3);
  attempt (NULL, msg, sizeof msg, &loaded);
  ok (strcmp (msg, "OK") == 0, "in its own root, libjail loads libseccomp on first use (%s)", msg);
  attempt (root, msg, sizeof msg, &loaded);
  ok (strstr (msg, "not loaded from a root other than") != NULL,
      "after chroot into a root holding a libseccomp.so.2: refused (%s)", msg);
  ok (!loaded, "the planted library was never mapped (its constructor did not run)");
  char cmd[128];
  snprintf (cmd, sizeof cmd, "rm -rf %s", root);
  (void) !system (cmd);
  return tap_done (false);
}
