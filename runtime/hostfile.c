/* hostfile.c - host files and paths jailrun opens because the user named
 * them: reading capped regular files without following a last-component
 * symlink, nor one on the way that root does not own (--env-file,
 * --allow-file, --seccomp FILE), appending to the
 * audit log only when the caller owns it, resolving a -v source through
 * root-owned symlinks only, escaping bytes shown in messages, and
 * reading a small state file at a directory fd; its public face is
 * jail_read_file (jail.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "error.h"
#include "hostfile.h"

#define JR_MAX_LINKS 40

const char *
jr_printable (const char *s, size_t n, char *buf, size_t size)
{
  size_t o = 0;
  for (size_t i = 0; i < n && size > 8; i++)
    {
      unsigned char c = (unsigned char) s[i];
      if (o + 8 >= size)
        {
          memcpy (buf + o, "...", 3);
          o += 3;
          break;
        }
      if (c == '\\')
        buf[o++] = '\\', buf[o++] = '\\';
      else if (c >= 0x20 && c < 0x7f)
        buf[o++] = (char) c;
      else
        o += (size_t) snprintf (buf + o, size - o, "\\x%02x", c);
    }
  if (size > 0)
    buf[o < size ? o : size - 1] = '\0';
  return buf;
}

/* What kind of file st is, for "not a regular file (a directory)". */
static const char *
file_kind (const struct stat *st)
{
  switch (st->st_mode & S_IFMT)
    {
    case S_IFDIR:
      return "a directory";
    case S_IFCHR:
      return "a character device";
    case S_IFBLK:
      return "a block device";
    case S_IFIFO:
      return "a FIFO";
    case S_IFSOCK:
      return "a socket";
    case S_IFLNK:
      return "a symlink";
    default:
      return "not a regular file";
    }
}

/* The error for an open that failed with errno: a symlink in the last
 * component (O_NOFOLLOW says ELOOP) or a FIFO without a reader (ENXIO)
 * gets its own message. */
static int
open_error (const char *what, const char *path, jail_error **err)
{
  int e = errno;
  struct stat st;
  if (e == ELOOP && lstat (path, &st) == 0 && S_ISLNK (st.st_mode))
    return jr_error_msg (err, ELOOP, "%s %s: is a symlink, and jailrun does not follow one here "
                                     "(a jail may have planted it): name the file itself",
                         what, path);
  if (e == ENXIO && lstat (path, &st) == 0 && !S_ISREG (st.st_mode))
    return jr_error_msg (err, EINVAL, "%s %s: not a regular file (%s): name a regular file",
                         what, path, file_kind (&st));
  return jr_error (err, e, "%s %s", what, path);
}

/* Refuse anything but a regular file (a FIFO, a device, a directory). */
static int
require_regular (const char *what, const char *path, int fd, struct stat *st, jail_error **err)
{
  if (fstat (fd, st) < 0)
    return jr_error (err, errno, "%s %s: fstat", what, path);
  if (!S_ISREG (st->st_mode))
    return jr_error_msg (err, EINVAL, "%s %s: not a regular file (%s): name a regular file",
                         what, path, file_kind (st));
  return 0;
}

/* Refuse a NUL byte in text, naming the line. */
static int
check_text (const char *what, const char *path, const char *b, size_t n, jail_error **err)
{
  const char *nul = memchr (b, '\0', n);
  if (nul == NULL)
    return 0;
  unsigned line = 1;
  for (const char *p = b; p < nul; p++)
    line += *p == '\n';
  return jr_error_msg (err, EINVAL, "%s %s:%u: a NUL byte: the file must be text", what, path, line);
}

/* The path to open for path: its directory resolved through root-owned
 * symlinks only (as for -v), then its last component, which the open
 * below does not follow.  *full is allocated. */
static int
resolve_parent (const char *what, const char *path, char **full, jail_error **err)
{
  const char *slash = strrchr (path, '/');
  const char *base = slash ? slash + 1 : path;
  char *dir cleanup_free = slash ? strndup (path, slash == path ? 1 : (size_t) (slash - path)) : strdup (".");
  char *abs cleanup_free = NULL;
  struct stat st;
  if (dir == NULL)
    return jr_error (err, ENOMEM, "%s", what);
  int r = jr_host_path_resolve (what, dir, &abs, &st, err);
  if (r < 0)
    return r;
  if (asprintf (full, "%s/%s", strcmp (abs, "/") ? abs : "", *base ? base : ".") < 0)
    return jr_error (err, ENOMEM, "%s", what);
  return 0;
}

/* open(2) of a path resolve_parent made, refusing any symlink on it (one
 * swapped in since the resolution included): -1 with errno on failure. */
static int
open_resolved (const char *full, int flags, mode_t mode)
{
  struct open_how how = {
    .flags = (uint64_t) (flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY),
    .mode = (flags & O_CREAT) ? mode : 0,
    .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
  };
  return (int) syscall (SYS_openat2, AT_FDCWD, full, &how, sizeof how);
}

int
jr_hostfile_read (const char *what, const char *path, size_t cap, int flags,
                  char **buf, size_t *len, jail_error **err)
{
  char *full cleanup_free = NULL;
  int r = resolve_parent (what, path, &full, err);
  if (r < 0)
    return r;
  int fd cleanup_close = open_resolved (full, O_RDONLY, 0);
  if (fd < 0)
    return open_error (what, path, err);
  struct stat st;
  r = require_regular (what, path, fd, &st, err);
  if (r < 0)
    return r;

  size_t have = ((size_t) st.st_size < cap ? (size_t) st.st_size : cap) + 1, n = 0;
  char *b cleanup_free = malloc (have + 1);
  if (b == NULL)
    return jr_error (err, ENOMEM, "%s %s", what, path);
  for (;;)
    {
      if (n == have && have > cap)
        break;
      if (n == have)
        {
          have = have * 2 > cap + 1 ? cap + 1 : have * 2;
          char *nb = realloc (b, have + 1);
          if (nb == NULL)
            return jr_error (err, ENOMEM, "%s %s", what, path);
          b = nb;
        }
      ssize_t got = read (fd, b + n, have - n);
      if (got < 0 && errno == EINTR)
        continue;
      if (got < 0)
        return jr_error (err, errno, "%s %s: read", what, path);
      if (got == 0)
        break;
      n += (size_t) got;
    }

  if (n > cap)
    return jr_error_msg (err, EFBIG, "%s %s: larger than %zu %s: jailrun reads at most that much here",
                         what, path, cap >= (1u << 20) ? cap >> 20 : cap >> 10, cap >= (1u << 20) ? "MiB" : "KiB");
  if ((flags & JR_HOSTFILE_TEXT) && (r = check_text (what, path, b, n, err)) < 0)
    return r;
  b[n] = '\0';
  *len = n;
  *buf = jr_steal_ptr (&b);
  return 0;
}

ssize_t
jr_hostfile_read_at (int dirfd, const char *name, char *buf, size_t size)
{
  int fd cleanup_close = openat (dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat (fd, &st) < 0)
    return -errno;
  if (!S_ISREG (st.st_mode))
    return -EINVAL;

  ssize_t n = read (fd, buf, size);
  if (n < 0)
    return -errno;
  if ((size_t) n == size)
    return -EFBIG;
  if (n == 0)
    return -ENODATA;
  buf[n] = '\0';
  return n;
}

int
jr_hostfile_lines (const char *what, const char *path, jr_hostfile_line_fn *fn, void *arg, jail_error **err)
{
  char *text cleanup_free = NULL;
  size_t len;
  int r = jr_hostfile_read (what, path, JR_HOSTFILE_MAX, JR_HOSTFILE_TEXT, &text, &len, err);
  char *line = text;
  for (unsigned no = 1; r == 0 && line && *line; no++)
    {
      char *next = strchr (line, '\n');
      if (next)
        *next++ = '\0';
      if ((r = fn (arg, line, err)) < 0)
        jr_error_wrap (err, "%s %s:%u", what, path, no);
      line = next;
    }
  return r;
}

int
jr_hostfile_open_append (const char *what, const char *path, jail_error **err)
{
  char *full cleanup_free = NULL;
  int r = resolve_parent (what, path, &full, err);
  if (r < 0)
    return r;
  int fd cleanup_close = open_resolved (full, O_WRONLY | O_APPEND | O_CREAT | O_EXCL, 0600);
  if (fd < 0 && errno == EEXIST)
    fd = open_resolved (full, O_WRONLY | O_APPEND, 0);
  if (fd < 0)
    return open_error (what, path, err);
  struct stat st;
  r = require_regular (what, path, fd, &st, err);
  if (r < 0)
    return r;
  if (st.st_uid != geteuid ())
    return jr_error_msg (err, EPERM, "%s %s: owned by uid %u, not by you (uid %u): jailrun appends only "
                                     "to a log you own: name a new file",
                         what, path, (unsigned) st.st_uid, (unsigned) geteuid ());
  if (st.st_nlink != 1)
    return jr_error_msg (err, EPERM, "%s %s: has %lu hard links: name a file with one", what, path,
                         (unsigned long) st.st_nlink);
  if (fcntl (fd, F_SETFL, O_WRONLY | O_APPEND) < 0)
    return jr_error (err, errno, "%s %s: fcntl", what, path);
  return jr_steal_fd (&fd);
}

/* A path being resolved: dir is an O_PATH fd of res (absolute, free of
 * symlinks); rest holds the components still to walk. */
struct walk
{
  int dir;
  char res[PATH_MAX];
  char *rest;
  unsigned links;
};

/* Refuse the symlink name (in w->res) that a non-root user owns. */
static int
refuse_link (const char *what, const char *path, struct walk *w, const char *name,
             const struct stat *st, jail_error **err)
{
  char link[PATH_MAX + NAME_MAX + 2], esc_link[512], esc_real[512];
  snprintf (link, sizeof link, "%s%s%s", w->res, strcmp (w->res, "/") ? "/" : "", name);
  char *real cleanup_free = realpath (path, NULL);
  jr_printable (link, strlen (link), esc_link, sizeof esc_link);
  if (real)
    jr_printable (real, strlen (real), esc_real, sizeof esc_real);
  return jr_error_msg (err, EPERM, "%s %s: %s is a symlink owned by uid %u, not root, and jailrun follows "
                                   "only root's symlinks here (a jail may have planted it): %s%s",
                       what, path, esc_link, (unsigned) st->st_uid,
                       real ? "write the real path instead: " : "write the path without the symlink",
                       real ? esc_real : "");
}

/* A symlink of procfs is followed only on the way to jailrun's own files
 * (/proc/self, /proc/mounts..., then /proc/<our pid>/...): the links
 * of another process (root, cwd, exe, fd/N) are magic, their text is a
 * path in that process's namespace, and their owner is root as soon as
 * the process makes itself non-dumpable: a jail's process could send a
 * walk of /proc/PID/root/... to the host's /. */
static int
proc_link_ok (int linkfd, const struct walk *w)
{
  struct statfs sf;
  struct stat dir;
  char own[32];
  if (fstatfs (linkfd, &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC)
    return 1;
  if (fstat (w->dir, &dir) == 0 && dir.st_ino == 1)
    return 1; /* procfs's root: self, thread-self, mounts, net (into self) */
  size_t n = (size_t) snprintf (own, sizeof own, "/proc/%d", (int) getpid ());
  return strncmp (w->res, own, n) == 0 && (w->res[n] == '\0' || w->res[n] == '/');
}

static int
refuse_proc_link (const char *what, const char *path, const struct walk *w, const char *name, jail_error **err)
{
  char link[PATH_MAX + NAME_MAX + 2], esc[512];
  snprintf (link, sizeof link, "%s/%s", w->res, name);
  jr_printable (link, strlen (link), esc, sizeof esc);
  return jr_error_msg (err, EPERM, "%s %s: %s is a /proc link of another process, and jailrun does not follow "
                                   "one here (its target is a path in that process's namespace, and a jail's process "
                                   "chooses its owner): write the real path instead",
                       what, path, esc);
}

/* Replace w->rest by target + "/" + tail; an absolute target restarts
 * the walk at /. */
static int
follow (struct walk *w, int linkfd, const char *tail, jail_error **err, const char *what)
{
  char target[PATH_MAX];
  ssize_t n = readlinkat (linkfd, "", target, sizeof target - 1);
  if (n < 0)
    return jr_error (err, errno, "%s: readlink", what);
  target[n] = '\0';
  if (++w->links > JR_MAX_LINKS)
    return jr_error (err, ELOOP, "%s", what);
  size_t len = (size_t) n + strlen (tail) + 2;
  char *rest = malloc (len);
  if (rest == NULL)
    return jr_error (err, ENOMEM, "%s", what);
  snprintf (rest, len, "%s/%s", target, tail);
  free (w->rest);
  w->rest = rest;
  if (target[0] != '/')
    return 0;
  int root = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return jr_error (err, errno, "%s: open /", what);
  close (w->dir);
  w->dir = root;
  strcpy (w->res, "/");
  return 0;
}

/* Cut the last component of the absolute path res ("/a/b" -> "/a"). */
static void
parent (char *res)
{
  char *slash = strrchr (res, '/');
  slash[slash == res] = '\0';
}

/* Move w one step down into name (or up for ".."); 1 when name was a
 * symlink that was followed (w->rest then holds its target + tail). */
static int
step (const char *what, const char *path, struct walk *w, const char *name, const char *tail,
      jail_error **err)
{
  int fd = openat (w->dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat (fd, &st) < 0)
    {
      int r = jr_error (err, errno, "%s %s", what, path);
      if (fd >= 0)
        close (fd);
      return r;
    }
  int r = 0;
  if (S_ISLNK (st.st_mode) && st.st_uid != 0)
    r = refuse_link (what, path, w, name, &st, err);
  else if (S_ISLNK (st.st_mode))
    r = proc_link_ok (fd, w) ? follow (w, fd, tail, err, what) : refuse_proc_link (what, path, w, name, err);
  else if (strcmp (name, "..") == 0)
    parent (w->res);
  else if (strlen (w->res) + strlen (name) + 2 > sizeof w->res)
    r = jr_error (err, ENAMETOOLONG, "%s %s", what, path);
  else
    snprintf (w->res + strlen (w->res), sizeof w->res - strlen (w->res), "%s%s",
              strcmp (w->res, "/") ? "/" : "", name);
  if (r < 0 || S_ISLNK (st.st_mode))
    close (fd);
  else
    close (w->dir), w->dir = fd;
  return r < 0 ? r : S_ISLNK (st.st_mode);
}

int
jr_host_path_resolve (const char *what, const char *path, char **out, struct stat *st,
                      jail_error **err)
{
  char cwd[PATH_MAX] = "";
  if (path[0] != '/' && getcwd (cwd, sizeof cwd) == NULL)
    return jr_error (err, errno, "%s %s: getcwd", what, path);
  struct walk w = { .dir = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC), .res = "/" };
  size_t len = strlen (cwd) + strlen (path) + 2;
  w.rest = malloc (len);
  int r = w.dir < 0 || w.rest == NULL ? jr_error (err, w.dir < 0 ? errno : ENOMEM, "%s %s", what, path) : 0;
  if (r == 0)
    snprintf (w.rest, len, "%s/%s", cwd, path);

  while (r == 0)
    {
      char *s = w.rest + strspn (w.rest, "/");
      size_t n = strcspn (s, "/");
      char name[NAME_MAX + 1];
      if (n == 0)
        break;
      if (n > NAME_MAX)
        {
          r = jr_error (err, ENAMETOOLONG, "%s %s", what, path);
          break;
        }
      memcpy (name, s, n);
      name[n] = '\0';
      char *tail cleanup_free = strdup (s + n);
      if (tail == NULL)
        r = jr_error (err, ENOMEM, "%s", what);
      else if (strcmp (name, ".") == 0 || (r = step (what, path, &w, name, tail, err)) == 0)
        memmove (w.rest, tail, strlen (tail) + 1);
      r = r < 0 ? r : 0;
    }

  if (r == 0 && fstat (w.dir, st) < 0)
    r = jr_error (err, errno, "%s %s: fstat", what, path);
  if (r == 0 && (*out = strdup (w.res)) == NULL)
    r = jr_error (err, ENOMEM, "%s", what);
  if (w.dir >= 0)
    close (w.dir);
  free (w.rest);
  return r;
}

int
jail_read_file (const char *what, const char *path, char **text, size_t *len, jail_error **err)
{
  return jr_hostfile_read (what, path, JR_HOSTFILE_MAX, JR_HOSTFILE_TEXT, text, len, err);
}
