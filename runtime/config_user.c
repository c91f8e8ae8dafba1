/* config_user.c - -u NAME[:GROUP]: user and group names resolved from a
 * root's own /etc/passwd and /etc/group: the rootfs's for `run` (not the
 * host's, unless the rootfs is /), the running jail's for `exec` (seen
 * through its first process, /proc/PID/root).  That root may be hostile
 * (a running jail can rewrite its files), so the files are opened below
 * the root fd with openat2 RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS (a
 * symlink cannot lead out), O_NONBLOCK (a FIFO cannot hang us), must be
 * regular files not on FUSE, and are read up to JR_IDFILE_MAX bytes.
 * What the ids may be is the caller's check (exec: the jail's map). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

#define JR_IDFILE_MAX (4u << 20)

/* Parse a decimal id (0 .. 2^32-2), refusing signs and junk. */
int
jr_parse_id (const char *s, size_t len, unsigned *out)
{
  if (len == 0 || len > 10)
    return -EINVAL;
  unsigned long long v = 0;
  for (size_t i = 0; i < len; i++)
    {
      if (s[i] < '0' || s[i] > '9')
        return -EINVAL;
      v = v * 10 + (s[i] - '0');
    }
  if (v >= 0xffffffffull)
    return -EINVAL;
  *out = (unsigned) v;
  return 0;
}
#ifndef FUSE_SUPER_MAGIC
#define FUSE_SUPER_MAGIC 0x65735546
#endif

/* Read etc/NAME below the directory fd root (shown as label in
 * messages) into a malloc'd string. */
static int
read_idfile (int root, const char *label, const char *name, char **out, jail_error **err)
{
  struct open_how how = { .flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
                          .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
  int fd cleanup_close = (int) syscall (SYS_openat2, root, name, &how, sizeof how);
  struct stat st;
  struct statfs sf;
  if (fd < 0 || fstat (fd, &st) < 0 || fstatfs (fd, &sf) < 0)
    return jr_error (err, errno, "user: %s/%s", label, name);
  if (!S_ISREG (st.st_mode) || st.st_size > JR_IDFILE_MAX || sf.f_type == FUSE_SUPER_MAGIC)
    return jr_error_msg (err, EINVAL, "user: %s/%s: not a regular file of at most 4 MiB", label, name);
  char *buf = malloc ((size_t) st.st_size + 1);
  size_t n = 0;
  ssize_t k = 1;
  while (buf && n < (size_t) st.st_size && (k = read (fd, buf + n, (size_t) st.st_size - n)) > 0)
    n += (size_t) k;
  if (buf == NULL || k < 0)
    {
      free (buf);
      return jr_error (err, buf ? errno : ENOMEM, "user: %s/%s: read", label, name);
    }
  buf[n] = '\0';
  *out = buf;
  return 0;
}

/* In the text of a passwd/group file, the fields of the entry called
 * name (len bytes); false when there is none. */
static bool
find_entry (char *text, const char *name, size_t len, char *f[4])
{
  for (char *save = NULL, *l = strtok_r (text, "\n", &save); l; l = strtok_r (NULL, "\n", &save))
    {
      f[0] = l;
      f[1] = f[2] = f[3] = NULL;
      for (int i = 1; i < 4 && (f[i] = strchr (f[i - 1], ':')); i++)
        *f[i]++ = '\0';
      if (f[3] && strlen (f[0]) == len && strncmp (f[0], name, len) == 0)
        return true;
    }
  return false;
}

/* A field that must be a decimal id (up to the next ':'). */
static bool
field_id (const char *s, unsigned *out)
{
  return jr_parse_id (s, strcspn (s, ":"), out) == 0;
}

/* Whether s (len bytes) is a user or group name as useradd takes it:
 * [A-Za-z_][A-Za-z0-9_.-]*, an optional final '$', at most 32 bytes. */
static bool
valid_name (const char *s, size_t len)
{
  if (len == 0 || len > 32 || !(isalpha ((unsigned char) s[0]) || s[0] == '_'))
    return false;
  for (size_t i = 1; i < len; i++)
    if (!(isalnum ((unsigned char) s[i]) || strchr ("_.-", s[i]) || (s[i] == '$' && i == len - 1)))
      return false;
  return true;
}

/* Each part of spec ("A[:B]") an id or a valid name; false on junk. */
static bool
valid_spec (const char *spec, const char *colon, size_t ulen)
{
  unsigned id;
  const char *g = colon ? colon + 1 : NULL;
  return (jr_parse_id (spec, ulen, &id) == 0 || valid_name (spec, ulen))
         && (g == NULL || jr_parse_id (g, strlen (g), &id) == 0 || valid_name (g, strlen (g)));
}

/* The ids of user (ulen bytes, NULL: keep *uid) and group (NULL: none)
 * from etc/passwd and etc/group below root. */
static int
lookup (int root, const char *label, const char *user, size_t ulen, const char *group,
        unsigned *uid, unsigned *gid, jail_error **err)
{
  char *f[4];
  char *text cleanup_free = NULL;
  if (user)
    {
      int r = read_idfile (root, label, "etc/passwd", &text, err);
      if (r < 0)
        return r;
      if (!find_entry (text, user, ulen, f) || !field_id (f[2], uid) || !field_id (f[3], gid))
        return jr_error_msg (err, ENOENT, "user '%.*s': not in %s/etc/passwd: give a numeric UID[:GID] or a user of the rootfs",
                             (int) ulen, user, label);
    }
  if (group == NULL)
    return 0;
  free (text);
  text = NULL;
  int r = read_idfile (root, label, "etc/group", &text, err);
  if (r < 0)
    return r;
  if (!find_entry (text, group, strlen (group), f) || !field_id (f[2], gid))
    return jr_error_msg (err, ENOENT, "user: group '%s' not in %s/etc/group: give a numeric GID or a group of the rootfs",
                         group, label);
  return 0;
}

int
jr_user_resolve (int root, const char *label, const char *spec, unsigned *uid, unsigned *gid, jail_error **err)
{
  const char *colon = spec ? strchr (spec, ':') : NULL;
  size_t ulen = spec ? (colon ? (size_t) (colon - spec) : strlen (spec)) : 0;
  if (spec == NULL || !valid_spec (spec, colon, ulen))
    return jr_error_msg (err, EINVAL, "user '%s': give UID[:GID] or NAME[:GROUP] (names from the rootfs's /etc/passwd and /etc/group)",
                         spec ? spec : "");
  unsigned u = 0, g = 0;
  bool unum = jr_parse_id (spec, ulen, &u) == 0;
  bool gnum = colon && jr_parse_id (colon + 1, strlen (colon + 1), &g) == 0;
  unsigned ug = u; /* NAME alone: its primary group; UID alone: GID = UID */
  if (!unum || (colon && !gnum))
    {
      if (root < 0)
        return jr_error_msg (err, EINVAL, "user '%s': a name needs the rootfs first (its /etc/passwd and /etc/group)", spec);
      /* The passwd entry sets uid and the gid slot, a group name then
       * overrides that slot. */
      int r = lookup (root, label, unum ? NULL : spec, ulen, colon && !gnum ? colon + 1 : NULL, &u,
                      colon && !gnum ? &g : &ug, err);
      if (r < 0)
        return r;
    }
  *uid = u;
  *gid = colon ? g : ug;
  return 0;
}

bool
jr_user_has_name (const char *spec)
{
  unsigned id;
  const char *colon = spec ? strchr (spec, ':') : NULL;
  size_t ulen = spec ? (colon ? (size_t) (colon - spec) : strlen (spec)) : 0;
  if (spec == NULL || !valid_spec (spec, colon, ulen))
    return false;
  return jr_parse_id (spec, ulen, &id) < 0 || (colon && jr_parse_id (colon + 1, strlen (colon + 1), &id) < 0);
}
