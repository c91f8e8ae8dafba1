/* probe.c - static program placed in the test rootfs; reports from
 * inside the jail what it sees, one "key value" line per fact, so shell
 * tests can grep.  Usage: probe WHAT [ARG...], WHAT one of:
 *   status   Cap*, NoNewPrivs, Seccomp, Uid, Gid lines of /proc/self/status
 *   ns       ns/<name> <inode> for every namespace link
 *   fds      fd <n> -> <target> for every open fd
 *   env      the environment, one KEY=VAL a line
 *   write P  try to create file P: "write ok" or "write <errno name>"
 *   exec P   try to execute P: "exec <errno name>" (on failure)
 *   ifaces   interface names from /proc/self/net/dev
 *   hostname the UTS host name
 *   sleep N  sleep N seconds
 *   kill S   kill itself with signal S
 *   exit N   exit with status N
 *   connect ADDR PORT  TCP connect: "connect ok" or "connect <errno name>"
 *   cmdwatch N NEEDLE  for N seconds, read /proc/PID/cmdline of every
 *            other process again and again; print "cmdline leak" at the
 *            first that holds NEEDLE, "cmdline clean" at the end
 *   fdsteal N FILE  for N seconds, stop (SIGSTOP) every process that
 *            appears, open each of its fds through /proc/PID/fd, and
 *            from a directory walk ".." up: if that reaches a root other
 *            than ours, print "fd escape PID FD -> TARGET" and FILE read
 *            from there ("host file TEXT"); "fd none" at the end.  A
 *            terminal among them prints "fd tty PID FD"
 *   setcap P set file capabilities (cap_setuid, effective) on file P:
 *            "setcap ok" or "setcap <errno name>" */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static const char *
errname (int e)
{
  switch (e)
    {
    case EPERM:
      return "EPERM";
    case ENOENT:
      return "ENOENT";
    case EACCES:
      return "EACCES";
    case EROFS:
      return "EROFS";
    case ENOSYS:
      return "ENOSYS";
    case EAFNOSUPPORT:
      return "EAFNOSUPPORT";
    case ENETUNREACH:
      return "ENETUNREACH";
    case ECONNREFUSED:
      return "ECONNREFUSED";
    case EFAULT:
      return "EFAULT";
    case EBADF:
      return "EBADF";
    case EINVAL:
      return "EINVAL";
    case ETIMEDOUT:
      return "ETIMEDOUT";
    case EHOSTUNREACH:
      return "EHOSTUNREACH";
    default:
      return "EOTHER";
    }
}

static int
cat_matching (const char *path, const char *const *prefixes)
{
  FILE *f = fopen (path, "re");
  char line[512];
  if (f == NULL)
    return 1;
  while (fgets (line, sizeof line, f))
    for (size_t i = 0; prefixes[i]; i++)
      if (strncmp (line, prefixes[i], strlen (prefixes[i])) == 0)
        fputs (line, stdout);
  fclose (f);
  return 0;
}

static int
do_ns (void)
{
  static const char *const names[] = { "user", "pid", "mnt", "net", "ipc", "uts", "cgroup", NULL };
  for (size_t i = 0; names[i]; i++)
    {
      char p[64];
      struct stat st;
      snprintf (p, sizeof p, "/proc/self/ns/%s", names[i]);
      if (stat (p, &st) == 0)
        printf ("ns/%s %lu\n", names[i], (unsigned long) st.st_ino);
    }
  return 0;
}

static int
do_fds (void)
{
  DIR *d = opendir ("/proc/self/fd");
  struct dirent *de;
  if (d == NULL)
    return 1;
  while ((de = readdir (d)))
    {
      char p[300], t[300];
      if (de->d_name[0] == '.' || atoi (de->d_name) == dirfd (d))
        continue;
      snprintf (p, sizeof p, "/proc/self/fd/%s", de->d_name);
      ssize_t n = readlink (p, t, sizeof t - 1);
      t[n < 0 ? 0 : n] = '\0';
      printf ("fd %s -> %s\n", de->d_name, t);
    }
  closedir (d);
  return 0;
}

static int
do_connect (const char *addr, const char *port)
{
  struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons (atoi (port)) };
  struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons (atoi (port)) };
  int v6 = strchr (addr, ':') != NULL;
  if ((v6 ? inet_pton (AF_INET6, addr, &s6.sin6_addr) : inet_pton (AF_INET, addr, &s4.sin_addr)) != 1)
    return 2;
  int fd = socket (v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    {
      printf ("connect %s\n", errname (errno));
      return 0;
    }
  struct timeval tv = { .tv_sec = 3 };
  setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  int r = v6 ? connect (fd, (void *) &s6, sizeof s6) : connect (fd, (void *) &s4, sizeof s4);
  printf ("connect %s\n", r == 0 ? "ok" : (errno == EINPROGRESS ? "ETIMEDOUT" : errname (errno)));
  close (fd);
  return 0;
}

/* Does some other process's /proc/PID/cmdline hold needle? */
static int
cmdline_scan (const char *needle, pid_t self)
{
  DIR *d = opendir ("/proc");
  struct dirent *de;
  int hit = 0;
  while (d && !hit && (de = readdir (d)) != NULL)
    {
      char path[300], buf[8192];
      if (de->d_name[0] < '1' || de->d_name[0] > '9' || atoi (de->d_name) == self)
        continue;
      snprintf (path, sizeof path, "/proc/%s/cmdline", de->d_name);
      int fd = open (path, O_RDONLY | O_CLOEXEC);
      ssize_t n = fd < 0 ? -1 : read (fd, buf, sizeof buf - 1);
      if (fd >= 0)
        close (fd);
      for (ssize_t i = 0; i < n; i++)
        buf[i] = buf[i] ? buf[i] : ' ';
      hit = n > 0 && (buf[n] = '\0', strstr (buf, needle) != NULL);
      if (hit && getenv ("PROBE_VERBOSE"))
        printf ("pid %s: %s\n", de->d_name, buf);
    }
  if (d)
    closedir (d);
  return hit;
}

static int
do_cmdwatch (int seconds, const char *needle)
{
  time_t end = time (NULL) + seconds;
  do
    if (cmdline_scan (needle, getpid ()))
      {
        puts ("cmdline leak");
        return 0;
      }
  while (time (NULL) < end);
  puts ("cmdline clean");
  return 0;
}

/* From directory fd, ".." until it stops moving: the top of its tree
 * (our own root when fd is inside it); -1 on error. */
static int
walk_up (int fd)
{
  int cur = openat (fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  for (int i = 0; cur >= 0 && i < 256; i++)
    {
      struct stat a, b;
      int up = openat (cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (up < 0 || fstat (up, &a) < 0 || fstat (cur, &b) < 0 || (a.st_dev == b.st_dev && a.st_ino == b.st_ino))
        {
          if (up >= 0)
            close (up);
          return cur;
        }
      close (cur);
      cur = up;
    }
  return cur;
}

/* One fd of another process: an escape (1) or a terminal (2)? */
static int
steal_one (const char *pid, const char *fdname, const char *file)
{
  char path[600], target[300] = "";
  snprintf (path, sizeof path, "/proc/%s/fd/%s", pid, fdname);
  int fd = open (path, O_PATH | O_CLOEXEC);
  struct stat st, root;
  if (fd < 0 || fstat (fd, &st) < 0 || stat ("/", &root) < 0)
    {
      if (fd >= 0)
        close (fd);
      return 0;
    }
  ssize_t n = readlink (path, target, sizeof target - 1);
  target[n < 0 ? 0 : n] = '\0';
  int hit = 0;
  if (S_ISCHR (st.st_mode) && (major (st.st_rdev) == 136 || major (st.st_rdev) == 4 || major (st.st_rdev) == 5))
    {
      printf ("fd tty %s %s -> %s\n", pid, fdname, target);
      hit = 2;
    }
  int top = S_ISDIR (st.st_mode) ? walk_up (fd) : -1;
  struct stat t;
  if (top >= 0 && fstat (top, &t) == 0 && (t.st_dev != root.st_dev || t.st_ino != root.st_ino))
    {
      char buf[256] = "";
      int f = openat (top, file, O_RDONLY | O_CLOEXEC);
      ssize_t k = f < 0 ? -1 : read (f, buf, sizeof buf - 1);
      buf[k < 0 ? 0 : k] = '\0';
      buf[strcspn (buf, "\n")] = '\0';
      printf ("fd escape %s %s -> %s\nhost file %s\n", pid, fdname, target, k < 0 ? errname (errno) : buf);
      hit = 1;
      if (f >= 0)
        close (f);
    }
  if (top >= 0)
    close (top);
  close (fd);
  return hit;
}

/* Stop each process not seen before, try its fds, let it go on. */
static int
do_fdsteal (int seconds, const char *file)
{
  static char seen[1 << 16];
  time_t end = time (NULL) + seconds;
  int hits = 0;
  DIR *d0 = opendir ("/proc");
  struct dirent *de;
  while (d0 && (de = readdir (d0)) != NULL)
    if (atoi (de->d_name) > 0 && atoi (de->d_name) < (1 << 16))
      seen[atoi (de->d_name)] = 1;
  if (d0)
    closedir (d0);
  while (!(hits & 1) && time (NULL) < end)
    {
      DIR *d = opendir ("/proc");
      while (d && (de = readdir (d)) != NULL)
        {
          int pid = atoi (de->d_name);
          if (pid <= 0 || pid >= (1 << 16) || seen[pid] || pid == getpid ())
            continue;
          seen[pid] = 1;
          kill (pid, SIGSTOP);
          char path[300];
          snprintf (path, sizeof path, "/proc/%d/fd", pid);
          DIR *f = opendir (path);
          if (getenv ("PROBE_VERBOSE"))
            printf ("pid %d: fd dir %s\n", pid, f ? "open" : errname (errno));
          struct dirent *fe;
          while (f && (fe = readdir (f)) != NULL)
            if (fe->d_name[0] != '.')
              hits |= steal_one (de->d_name, fe->d_name, file);
          if (f)
            closedir (f);
          kill (pid, SIGCONT);
        }
      if (d)
        closedir (d);
    }
  if (hits == 0)
    puts ("fd none");
  return 0;
}

/* A v2 security.capability xattr granting CAP_SETUID (permitted,
 * effective) on path. */
static int
do_setcap (const char *path)
{
  struct
  {
    uint32_t magic;
    struct
    {
      uint32_t permitted, inheritable;
    } data[2];
  } cap = { .magic = 0x02000000 | 0x000001, .data = { { 1u << 7, 0 }, { 0, 0 } } };
  int r = setxattr (path, "security.capability", &cap, sizeof cap, 0);
  printf ("setcap %s\n", r == 0 ? "ok" : errname (errno));
  return 0;
}

int
main (int argc, char **argv)
{
  static const char *const status_keys[] = { "Cap", "NoNewPrivs", "Seccomp", "Uid", "Gid", "Groups", NULL };
  static const char *const all[] = { "", NULL };
  if (argc < 2)
    return 2;
  const char *w = argv[1];
  setvbuf (stdout, NULL, _IOLBF, 0);
  if (strcmp (w, "status") == 0)
    return cat_matching ("/proc/self/status", status_keys);
  if (strcmp (w, "ns") == 0)
    return do_ns ();
  if (strcmp (w, "fds") == 0)
    return do_fds ();
  if (strcmp (w, "env") == 0)
    {
      for (char **e = environ; *e; e++)
        puts (*e);
      return 0;
    }
  if (strcmp (w, "write") == 0 && argc > 2)
    {
      int fd = open (argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
      printf ("write %s\n", fd >= 0 && write (fd, "probe\n", 6) == 6 ? "ok" : errname (errno));
      return 0;
    }
  if (strcmp (w, "exec") == 0 && argc > 2)
    {
      execl (argv[2], argv[2], (char *) NULL);
      printf ("exec %s\n", errname (errno));
      return 0;
    }
  if (strcmp (w, "ifaces") == 0)
    return cat_matching ("/proc/self/net/dev", all);
  if (strcmp (w, "hostname") == 0)
    {
      char h[256] = "";
      gethostname (h, sizeof h);
      printf ("hostname %s\n", h);
      return 0;
    }
  if (strcmp (w, "sleep") == 0 && argc > 2)
    return sleep ((unsigned) atoi (argv[2])), 0;
  if (strcmp (w, "kill") == 0 && argc > 2)
    return kill (getpid (), atoi (argv[2])), 99;
  if (strcmp (w, "exit") == 0 && argc > 2)
    return atoi (argv[2]);
  if (strcmp (w, "connect") == 0 && argc > 3)
    return do_connect (argv[2], argv[3]);
  if (strcmp (w, "cmdwatch") == 0 && argc > 3)
    return do_cmdwatch (atoi (argv[2]), argv[3]);
  if (strcmp (w, "setcap") == 0 && argc > 2)
    return do_setcap (argv[2]);
  if (strcmp (w, "fdsteal") == 0 && argc > 3)
    return do_fdsteal (atoi (argv[2]), argv[3]);
  return 2;
}
