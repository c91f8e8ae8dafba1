/* state.c - where long-running jails live on the host: the per-user state
 * directory (0700, owned by the caller), one directory per jail holding
 * the state file written by its supervisor, its log and its socket.
 * Nothing here is ever read from inside a jail.  Also the public jail_list. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "state.h"

/* Create dir (0700) unless present, then insist that it is a directory
 * (not a symlink) owned by us and closed to group and others. */
static int
secure_dir (const char *dir, jail_error **err)
{
  if (mkdir (dir, 0700) < 0 && errno != EEXIST)
    return jr_error (err, errno, "state: mkdir %s", dir);
  struct stat st;
  if (lstat (dir, &st) < 0)
    return jr_error (err, errno, "state: %s", dir);
  if (!S_ISDIR (st.st_mode))
    return jr_error_msg (err, ENOTDIR, "state: %s is not a directory: remove it", dir);
  if (st.st_uid != geteuid ())
    return jr_error_msg (err, EPERM, "state: %s is owned by uid %u, not by you (uid %u): remove it or set XDG_RUNTIME_DIR",
                         dir, (unsigned) st.st_uid, (unsigned) geteuid ());
  if (st.st_mode & 077)
    return jr_error_msg (err, EPERM, "state: %s is open to other users (mode %03o): chmod 700 %s",
                         dir, (unsigned) (st.st_mode & 0777), dir);
  return 0;
}

int
jr_state_root (char **out, jail_error **err)
{
  char buf[4096];
  const char *xdg = getenv ("XDG_RUNTIME_DIR");
  /* No printf on the way of every exec: its code is pages of libc that
   * the client would fault in for two strings. */
  if (geteuid () == 0)
    strcpy (buf, "/run/jailrun");
  else if (xdg && xdg[0] == '/')
    {
      struct stat st;
      if (stat (xdg, &st) < 0 || !S_ISDIR (st.st_mode) || st.st_uid != geteuid ())
        return jr_error_msg (err, EPERM, "state: XDG_RUNTIME_DIR=%s is not a directory you own: fix or unset it", xdg);
      if (strlen (xdg) >= sizeof buf - sizeof "/jailrun")
        return jr_error_msg (err, ENAMETOOLONG, "state: XDG_RUNTIME_DIR is too long");
      stpcpy (stpcpy (buf, xdg), "/jailrun");
    }
  else
    snprintf (buf, sizeof buf, "/tmp/jailrun-%u", (unsigned) geteuid ());
  int r = secure_dir (buf, err);
  if (r < 0)
    return r;
  *out = strdup (buf);
  return *out ? 0 : jr_error (err, ENOMEM, "state");
}

int
jr_state_name_check (const char *name, jail_error **err)
{
  size_t n = name ? strlen (name) : 0;
  bool ok = n > 0 && n <= JR_NAME_MAX && isalnum ((unsigned char) name[0]);
  for (size_t i = 0; ok && i < n; i++)
    ok = isalnum ((unsigned char) name[i]) || strchr ("_.-", name[i]);
  if (!ok)
    return jr_error_msg (err, EINVAL, "name '%s': use 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit",
                         name ? name : "");
  return 0;
}

int
jr_state_path (const char *name, const char *file, char **out, jail_error **err)
{
  char *root cleanup_free = NULL;
  int r = jr_state_name_check (name, err);
  if (r == 0)
    r = jr_state_root (&root, err);
  if (r < 0)
    return r;
  /* root/name[/file], as jr_state_root: without printf. */
  *out = malloc (strlen (root) + strlen (name) + strlen (file) + 3);
  if (*out == NULL)
    return jr_error (err, ENOMEM, "state");
  char *p = stpcpy (stpcpy (stpcpy (*out, root), "/"), name);
  if (*file)
    stpcpy (stpcpy (p, "/"), file);
  return 0;
}

int
jr_state_reserve (const char *name, jail_error **err)
{
  char *dir cleanup_free = NULL;
  int r = jr_state_path (name, "", &dir, err);
  if (r < 0)
    return r;
  if (mkdir (dir, 0700) == 0)
    return 0;
  if (errno != EEXIST)
    return jr_error (err, errno, "state: mkdir %s", dir);
  char *text cleanup_free = NULL;
  const char *st = "starting";
  if (jr_state_read (name, "state", &text, NULL) == 0)
    st = jr_state_name (jr_state_of (text));
  return jr_error_msg (err, EEXIST, "name '%s' is already in use by a %s jail: pick another --name, or 'jailrun rm -f %s'",
                       name, st, name);
}

int
jr_state_remove (const char *name, jail_error **err)
{
  char *dir cleanup_free = NULL;
  int r = jr_state_path (name, "", &dir, err);
  if (r < 0)
    return r;
  int dfd cleanup_close = open (dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dfd < 0)
    return errno == ENOENT ? jr_error_msg (err, ENOENT, "no jail named '%s' (see 'jailrun ps')", name)
                           : jr_error (err, errno, "state: %s", dir);
  const char *files[] = { "state", "state.tmp", "log", "log.1", "sock", "config.json", "config.json.tmp" };
  for (size_t i = 0; i < sizeof files / sizeof *files; i++)
    if (unlinkat (dfd, files[i], 0) < 0 && errno != ENOENT)
      return jr_error (err, errno, "state: remove %s/%s", dir, files[i]);
  if (rmdir (dir) < 0)
    return jr_error (err, errno, "state: rmdir %s", dir);
  return 0;
}

/* Write text to DIR/FILE.tmp, then rename over DIR/FILE. */
static int
write_atomic (const char *name, const char *file, const char *text, jail_error **err)
{
  char *path cleanup_free = NULL, *tmp cleanup_free = NULL;
  int r = jr_state_path (name, file, &path, err);
  if (r < 0)
    return r;
  if (asprintf (&tmp, "%s.tmp", path) < 0)
    return jr_error (err, ENOMEM, "state");
  int fd cleanup_close = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return jr_error (err, errno, "state: %s", tmp);
  size_t n = strlen (text);
  if (write (fd, text, n) != (ssize_t) n)
    return jr_error (err, errno ? errno : EIO, "state: write %s", tmp);
  if (rename (tmp, path) < 0)
    return jr_error (err, errno, "state: rename %s", tmp);
  return 0;
}

int
jr_state_write (const char *name, const char *text, jail_error **err)
{
  return write_atomic (name, "state", text, err);
}

int
jr_state_write_file (const char *name, const char *file, const char *text, jail_error **err)
{
  return write_atomic (name, file, text, err);
}

/* The error for path, a file of jail name that could not be opened or
 * found (errno e): no such jail when its directory is missing too. */
static int
file_error (const char *name, const char *path, int e, jail_error **err)
{
  char *dir cleanup_free = NULL;
  struct stat st;
  if (e == ENOENT && jr_state_path (name, "", &dir, NULL) == 0 && stat (dir, &st) < 0)
    return jr_error_msg (err, ENOENT, "no jail named '%s' (see 'jailrun ps')", name);
  return jr_error (err, e, "state: %s", path);
}

int
jr_state_exists (const char *name, const char *file, jail_error **err)
{
  char *path cleanup_free = NULL;
  struct stat st;
  int r = jr_state_path (name, file, &path, err);
  if (r == 0 && stat (path, &st) < 0)
    r = file_error (name, path, errno, err);
  return r;
}

int
jr_state_read (const char *name, const char *file, char **out, jail_error **err)
{
  char *path cleanup_free = NULL;
  int r = jr_state_path (name, file, &path, err);
  if (r < 0)
    return r;
  FILE *f = fopen (path, "re");
  if (f == NULL)
    return file_error (name, path, errno, err);
  char *buf = NULL;
  size_t len = 0;
  FILE *m = open_memstream (&buf, &len);
  char chunk[4096];
  size_t n;
  while (m && (n = fread (chunk, 1, sizeof chunk, f)) > 0)
    fwrite (chunk, 1, n, m);
  fclose (f);
  if (m == NULL || fclose (m) != 0)
    {
      free (buf);
      return jr_error (err, ENOMEM, "state");
    }
  *out = buf;
  return 0;
}

bool
jr_state_get (const char *text, const char *key, char *buf, size_t size)
{
  size_t k = strlen (key);
  for (const char *p = text; p && *p; p = strchr (p, '\n') ? strchr (p, '\n') + 1 : NULL)
    if (strncmp (p, key, k) == 0 && p[k] == '=')
      {
        size_t n = strcspn (p + k + 1, "\n");
        if (n >= size)
          n = size - 1;
        memcpy (buf, p + k + 1, n);
        buf[n] = '\0';
        return true;
      }
  if (size)
    buf[0] = '\0';
  return false;
}

long long
jr_state_get_ll (const char *text, const char *key, long long dflt)
{
  char buf[32], *end;
  if (!jr_state_get (text, key, buf, sizeof buf) || buf[0] == '\0')
    return dflt;
  long long v = strtoll (buf, &end, 10);
  return *end ? dflt : v;
}

unsigned long long
jr_pid_starttime (pid_t pid)
{
  char path[64], buf[1024];
  snprintf (path, sizeof path, "/proc/%d/stat", (int) pid);
  int fd cleanup_close = open (path, O_RDONLY | O_CLOEXEC);
  ssize_t n = fd < 0 ? -1 : read (fd, buf, sizeof buf - 1);
  if (n <= 0)
    return 0;
  buf[n] = '\0';
  char *p = strrchr (buf, ')'); /* comm may hold spaces */
  if (p == NULL || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X')
    return 0; /* a zombie is dead, whoever reaps it */
  for (int field = 2; p && field < 22; field++)
    p = strchr (p + 1, ' ');
  return p ? strtoull (p + 1, NULL, 10) : 0;
}

enum jr_jail_state
jr_state_of (const char *text)
{
  char st[32];
  jr_state_get (text, "state", st, sizeof st);
  if (strcmp (st, "exited") == 0)
    return JR_STATE_EXITED;
  pid_t pid = (pid_t) jr_state_get_ll (text, "supervisor_pid", 0);
  unsigned long long start = (unsigned long long) jr_state_get_ll (text, "supervisor_start", 0);
  if (pid <= 0 || jr_pid_starttime (pid) != start)
    return JR_STATE_DEAD;
  return strcmp (st, "running") == 0 ? JR_STATE_RUNNING : JR_STATE_STARTING;
}

const char *
jr_state_name (enum jr_jail_state s)
{
  static const char *const names[] = { "starting", "running", "exited", "dead" };
  return names[s];
}

int
jr_state_connect (const char *name, jail_error **err)
{
  char *path cleanup_free = NULL;
  int r = jr_state_path (name, "sock", &path, err);
  if (r < 0)
    return r;
  struct sockaddr_un a = { .sun_family = AF_UNIX };
  if (strlen (path) >= sizeof a.sun_path)
    return jr_error_msg (err, ENAMETOOLONG, "state: socket path %s is too long: use a shorter XDG_RUNTIME_DIR", path);
  strcpy (a.sun_path, path);
  int fd = socket (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return jr_error (err, errno, "jail %s: socket", name);
  if (connect (fd, (struct sockaddr *) &a, sizeof a) == 0)
    return fd;
  int e = errno;
  close (fd);
  char *text cleanup_free = NULL;
  r = jr_state_read (name, "state", &text, err);
  if (r < 0)
    return r;
  if (e == ENOENT || e == ECONNREFUSED)
    return jr_error_msg (err, ESRCH, "jail '%s' is not running (%s): start it again, or 'jailrun rm %s'",
                         name, jr_state_name (jr_state_of (text)), name);
  return jr_error (err, e, "jail %s: connect %s", name, path);
}

/* qsort comparator for names. */
static int
cmp_names (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

int
jr_state_list (char ***names, jail_error **err)
{
  char *root cleanup_free = NULL;
  int r = jr_state_root (&root, err);
  if (r < 0)
    return r;
  DIR *d = opendir (root);
  if (d == NULL)
    return jr_error (err, errno, "state: %s", root);
  char **v = calloc (1, sizeof *v);
  size_t n = 0;
  struct dirent *de;
  while (v && (de = readdir (d)) != NULL)
    {
      if (jr_state_name_check (de->d_name, NULL) < 0 || de->d_type != DT_DIR)
        continue;
      char **nv = realloc (v, (n + 2) * sizeof *v);
      char *copy = nv ? strdup (de->d_name) : NULL;
      if (copy == NULL)
        {
          jail_list_free (nv ? nv : v);
          v = NULL;
          break;
        }
      v = nv;
      v[n++] = copy;
      v[n] = NULL;
    }
  closedir (d);
  if (v == NULL)
    return jr_error (err, ENOMEM, "state");
  qsort (v, n, sizeof *v, cmp_names);
  *names = v;
  return (int) n;
}

void
jr_kv (FILE *f, const char *key, const char *fmt, ...)
{
  char *val = NULL;
  va_list ap;
  va_start (ap, fmt);
  int n = vasprintf (&val, fmt, ap);
  va_end (ap);
  if (n < 0)
    return;
  for (char *p = val; *p; p++)
    if (*p == '\n')
      *p = ' ';
  fprintf (f, "%s=%s\n", key, val);
  free (val);
}

int
jail_list (char ***names, jail_error **err)
{
  return jr_state_list (names, err);
}

void
jail_list_free (char **names)
{
  for (size_t i = 0; names && names[i]; i++)
    free (names[i]);
  free (names);
}
