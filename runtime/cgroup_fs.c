/* cgroup_fs.c - small helpers on cgroupfs files relative to a directory
 * fd (read, write, parse controller lists and "key value" files), the
 * recursive kill-and-remove of a cgroup, process start times (the
 * owner check of stale jailrun cgroups), the caller's own cgroup and the
 * controllers a cgroup file lists (for cgroup.c and cgroup_systemd.c). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"

/* Read a file below dirfd into buf (NUL-terminated); bytes or -errno. */
ssize_t
jr_cg_read (int dirfd, const char *name, char *buf, size_t size)
{
  cleanup_close int fd = openat (dirfd, name, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  size_t off = 0;
  while (off + 1 < size)
    {
      ssize_t n = read (fd, buf + off, size - 1 - off);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return -errno;
      if (n == 0)
        break;
      off += (size_t) n;
    }
  buf[off] = '\0';
  return (ssize_t) off;
}

/* Write val to a file below dirfd in one write(2); 0 or -errno. */
int
jr_cg_write (int dirfd, const char *name, const char *val)
{
  cleanup_close int fd = openat (dirfd, name, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  size_t len = strlen (val);
  ssize_t n = write (fd, val, len);
  if (n < 0)
    return -errno;
  return (size_t) n == len ? 0 : -EIO;
}

/* "cpu memory pids" -> bits. */
unsigned
jr_cg_parse_controllers (const char *s)
{
  unsigned m = 0;
  static const struct
  {
    const char *name;
    unsigned bit;
  } t[] = {
    { "memory", JR_CG_MEMORY },
    { "cpu", JR_CG_CPU },
    { "pids", JR_CG_PIDS },
  };
  while (*s)
    {
      while (*s == ' ' || *s == '\n')
        s++;
      size_t n = strcspn (s, " \n");
      for (size_t i = 0; i < sizeof t / sizeof *t; i++)
        if (n == strlen (t[i].name) && strncmp (s, t[i].name, n) == 0)
          m |= t[i].bit;
      s += n;
    }
  return m;
}

/* Value of "key N" in a flat-keyed file's text, or -1. */
long long
jr_cg_key (const char *text, const char *key)
{
  size_t n = strlen (key);
  for (const char *p = text; p && *p; p = strchr (p, '\n') ? strchr (p, '\n') + 1 : NULL)
    if (strncmp (p, key, n) == 0 && p[n] == ' ')
      return strtoll (p + n + 1, NULL, 10);
  return -1;
}

DIR *
jr_cg_opendir (int dirfd)
{
  /* A fresh open, not a dup: a dup would share the directory offset, and
   * a second listing through it would start at the end. */
  int fd = dirfd >= 0 ? openat (dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
  DIR *d = fd >= 0 ? fdopendir (fd) : NULL;
  if (d == NULL && fd >= 0)
    close (fd);
  return d;
}

/* Wait (bounded: 5 s) until cgroup.events says "populated 0". */
static void
wait_empty (int dirfd)
{
  cleanup_close int fd = openat (dirfd, "cgroup.events", O_RDONLY | O_CLOEXEC);
  for (int i = 0; fd >= 0 && i < 100; i++)
    {
      char buf[256];
      ssize_t n = pread (fd, buf, sizeof buf - 1, 0);
      if (n <= 0)
        return;
      buf[n] = '\0';
      if (jr_cg_key (buf, "populated") == 0)
        return;
      struct pollfd p = { .fd = fd, .events = POLLPRI };
      poll (&p, 1, 50);
    }
}

/* Kill everything in parent_fd/name, then remove it and its children,
 * deepest first.  Best effort: what stays is removed by the next start's
 * stale cleanup. */
void
jr_cg_remove (int parent_fd, const char *name, int depth)
{
  if (depth > 32)
    return;
  int fd = openat (parent_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return;
  if (depth == 0)
    {
      jr_cg_write (fd, "cgroup.kill", "1");
      wait_empty (fd);
    }
  DIR *d = fdopendir (fd);
  if (d == NULL)
    {
      close (fd);
      return;
    }
  struct dirent *de;
  while ((de = readdir (d)) != NULL)
    if (de->d_type == DT_DIR && strcmp (de->d_name, ".") != 0 && strcmp (de->d_name, "..") != 0)
      jr_cg_remove (dirfd (d), de->d_name, depth + 1);
  closedir (d);
  unlinkat (parent_fd, name, AT_REMOVEDIR);
}

/* Start time (clock ticks since boot) of pid, 0 when it does not exist. */
unsigned long long
jr_proc_starttime (pid_t pid)
{
  char path[64], buf[1024];
  snprintf (path, sizeof path, "/proc/%d/stat", (int) pid);
  ssize_t n = jr_cg_read (AT_FDCWD, path, buf, sizeof buf);
  if (n <= 0)
    return 0;
  char *p = strrchr (buf, ')');
  /* Fields after ") ": state is field 3, starttime field 22. */
  for (int field = 2; p && field < 22; field++)
    p = strchr (p + 1, ' ');
  return p ? strtoull (p + 1, NULL, 10) : 0;
}

/* The caller's own cgroup as a path under mount ("0::" line). */
char *
jr_cg_own (const char *mount, const char *mroot)
{
  return jr_cg_of (0, mount, mroot);
}

char *
jr_cg_of (pid_t pid, const char *mount, const char *mroot)
{
  char buf[8192], file[64];
  if (pid > 0)
    snprintf (file, sizeof file, "/proc/%d/cgroup", (int) pid);
  else
    snprintf (file, sizeof file, "/proc/self/cgroup");
  if (jr_cg_read (AT_FDCWD, file, buf, sizeof buf) <= 0)
    return NULL;
  char *p = strstr (buf, "0::");
  if (p == NULL || (p != buf && p[-1] != '\n'))
    return NULL;
  p += 3;
  p[strcspn (p, "\n")] = '\0';
  size_t rl = strlen (mroot);
  if (strcmp (mroot, "/") != 0 && strncmp (p, mroot, rl) == 0)
    p += rl;
  char *out = NULL;
  if (asprintf (&out, "%s%s", mount, strcmp (p, "/") == 0 ? "" : p) < 0)
    return NULL;
  return out;
}

unsigned
jr_cg_controllers_of (const char *dir, const char *file)
{
  char path[4096], buf[512];
  snprintf (path, sizeof path, "%s/%s", dir, file);
  return jr_cg_read (AT_FDCWD, path, buf, sizeof buf) > 0 ? jr_cg_parse_controllers (buf) : 0;
}
