/* lazylib-root.c - libjail's first-use loader (runtime/lazylib.h) never
 * maps a library from a root the process entered after it started: a
 * jail's root can hold a libseccomp.so.2 of its own.  The attack: plant a
 * library whose constructor reports itself (tests/fakelib.c) as
 * libseccomp.so.2 in every system library directory of a scratch root,
 * chroot into it (rootless: inside a new user and mount namespace) and ask
 * libjail for what needs libseccomp (the dump of a policy with an edit).
 * And a root whose device and inode are the host's: a bind mount of the
 * host's "/" (as `jailrun run /` makes a jail's root) with the fake
 * mounted over the directory that holds the real libseccomp.so.2.
 * Usage: lazylib-root FAKELIB.so.  TAP. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
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

/* The host's directory holding libseccomp.so.2 (symlinks resolved) in
 * dir, or -1. */
static int
libseccomp_dir (char *dir, size_t size)
{
  static const char *const dirs[] = { "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64",
                                      "/lib", "/usr/lib" };
  char p[4096], real[4096];
  for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
    {
      snprintf (p, sizeof p, "%s/libseccomp.so.2", dirs[i]);
      if (access (p, F_OK) == 0 && realpath (dirs[i], real) != NULL)
        return snprintf (dir, size, "%s", real) < (int) size ? 0 : -1;
    }
  return -1;
}

/* In the child, in a mount namespace of its own: bind the host's "/" on
 * root (a "root/bind" of plant's) and mount a tmpfs holding fake as
 * libseccomp.so.2 over the directory of the real one there. */
static int
bind_host_root (const char *root, const char *fake)
{
  char dir[4096], p[8192];
  if (libseccomp_dir (dir, sizeof dir) < 0 || mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0
      || mount ("/", root, NULL, MS_BIND | MS_REC, NULL) < 0)
    return -1;
  snprintf (p, sizeof p, "%s%s", root, dir);
  if (mount ("tmpfs", p, "tmpfs", 0, "mode=0755") < 0)
    return -1;
  snprintf (p, sizeof p, "%s%s/libseccomp.so.2", root, dir);
  return copy (fake, p);
}

/* Rootless, in a new user namespace: map 0 to uid and gid (files can
 * then be made in it). */
static int
map_self (uid_t uid, gid_t gid)
{
  char m[64];
  int fd, r = 0;
  const char *const files[] = { "/proc/self/setgroups", "/proc/self/uid_map", "/proc/self/gid_map" };
  for (int i = 0; i < 3 && r == 0; i++)
    {
      if (i == 0)
        snprintf (m, sizeof m, "deny");
      else
        snprintf (m, sizeof m, "0 %u 1", i == 1 ? (unsigned) uid : (unsigned) gid);
      fd = open (files[i], O_WRONLY | O_CLOEXEC);
      r = fd >= 0 && write (fd, m, strlen (m)) == (ssize_t) strlen (m) ? 0 : -1;
      if (fd >= 0)
        close (fd);
    }
  return r;
}

/* In a child: optionally chroot into root (after bind_host_root when
 * fake is given), then dump a policy that needs libseccomp; write the
 * error message (or "OK") to out. */
static void
child (const char *root, const char *fake, int out)
{
  uid_t uid = geteuid ();
  gid_t gid = getegid ();
  if (root && unshare ((uid != 0 ? CLONE_NEWUSER : 0) | CLONE_NEWNS) < 0)
    _exit (3);
  if (root && uid != 0 && map_self (uid, gid) < 0)
    _exit (6);
  if (root && fake && bind_host_root (root, fake) < 0)
    _exit (5);
  if (root && (chroot (root) < 0 || chdir ("/") < 0))
    _exit (4);
  char *text = NULL;
  jail_error *err = NULL;
  int r = jail_seccomp_dump ("+ptrace", &text, NULL, &err);
  const char *m = r == 0 ? "OK" : jail_error_message (err);
  (void) !write (out, m, strlen (m));
  _exit (0);
}

/* Run child(root, fake); its message into msg, the fake's report into
 * loaded. */
static void
attempt (const char *root, const char *fake, char *msg, size_t size, bool *loaded)
{
  int m[2], f[2];
  if (pipe2 (m, O_CLOEXEC) < 0 || pipe2 (f, 0) < 0)
    exit (2);
  char fd[16];
  snprintf (fd, sizeof fd, "%d", f[1]);
  setenv ("JR_FAKELIB_FD", fd, 1);
  pid_t pid = fork ();
  if (pid == 0)
    child (root, fake, m[1]);
  close (m[1]);
  close (f[1]);
  ssize_t n = read (m[0], msg, size - 1);
  msg[n > 0 ? n : 0] = '\0';
  char b[8];
  *loaded = read (f[0], b, sizeof b) > 0;
  int st = 0;
  waitpid (pid, &st, 0);
  if (n <= 0)
    snprintf (msg, size, "the child failed before the call (exit %d)", WIFEXITED (st) ? WEXITSTATUS (st) : -1);
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
  tap_plan (5);
  attempt (NULL, NULL, msg, sizeof msg, &loaded);
  ok (strcmp (msg, "OK") == 0, "in its own root, libjail loads libseccomp on first use (%s)", msg);
  attempt (root, NULL, msg, sizeof msg, &loaded);
  ok (strstr (msg, "not loaded from a root other than") != NULL,
      "after chroot into a root holding a libseccomp.so.2: refused (%s)", msg);
  ok (!loaded, "the planted library was never mapped (its constructor did not run)");
  char bind[sizeof root + 8];
  snprintf (bind, sizeof bind, "%s/bind", root);
  if (mkdir (bind, 0755) < 0)
    return 2;
  attempt (bind, argv[1], msg, sizeof msg, &loaded);
  ok (strstr (msg, "not loaded from a root other than") != NULL,
      "after chroot into a bind mount of the host's / (its device and inode) with a libseccomp.so.2 mounted over the real one: refused (%s)",
      msg);
  ok (!loaded, "  the library mounted there was never mapped");
  char cmd[128];
  snprintf (cmd, sizeof cmd, "rm -rf %s", root);
  (void) !system (cmd);
  return tap_done (false);
}
