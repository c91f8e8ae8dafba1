/* config_user.c - -u NAME[:GROUP]: user and group names resolved from the
 * rootfs's own /etc/passwd and /etc/group (not the host's, unless the
 * rootfs is /).  The files are opened through the rootfs directory with
 * openat2 RESOLVE_IN_ROOT (a symlink in the rootfs cannot lead out),
 * must be regular files, and are read up to JR_IDFILE_MAX bytes. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

#define JR_IDFILE_MAX (4u << 20)

/* Read etc/NAME of the rootfs into a malloc'd string. */
static int
read_idfile (const struct jail_config *c, const char *name, char **out, jail_error **err)
{
  struct open_how how = { .flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
                          .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
  int root cleanup_close = open (c->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return jr_error (err, errno, "user: rootfs %s", c->rootfs);
  int fd cleanup_close = (int) syscall (SYS_openat2, root, name, &how, sizeof how);
  struct stat st;
  if (fd < 0 || fstat (fd, &st) < 0)
    return jr_error (err, errno, "user: %s/%s", c->rootfs, name);
  if (!S_ISREG (st.st_mode) || st.st_size > JR_IDFILE_MAX)
    return jr_error_msg (err, EINVAL, "user: %s/%s: not a regular file of at most 4 MiB", c->rootfs, name);
  char *buf = malloc ((size_t) st.st_size + 1);
  size_t n = 0;
  ssize_t k = 1;
  while (buf && n < (size_t) st.st_size && (k = read (fd, buf + n, (size_t) st.st_size - n)) > 0)
    n += (size_t) k;
  if (buf == NULL || k < 0)
    {
      free (buf);
      return jr_error (err, buf ? errno : ENOMEM, "user: %s/%s: read", c->rootfs, name);
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
  char *end;
  errno = 0;
  unsigned long v = strtoul (s, &end, 10);
  if (errno || *s < '0' || *s > '9' || (*end != '\0' && *end != ':') || v >= 0xffffffffu)
    return false;
  *out = (unsigned) v;
  return true;
}

/* The rootfs as users see it in messages ("" for the host root). */
static const char *
shown (const struct jail_config *c)
{
  return strcmp (c->rootfs, "/") == 0 ? "" : c->rootfs;
}

int
jr_user_lookup (const struct jail_config *c, const char *user, size_t ulen, const char *group,
                unsigned *uid, unsigned *gid, jail_error **err)
{
  if (c->rootfs == NULL)
    return jr_error_msg (err, EINVAL, "user '%s': a name needs the rootfs first (its /etc/passwd and /etc/group)",
                         user ? user : group);
  char *f[4];
  char *text cleanup_free = NULL;
  if (user)
    {
      int r = read_idfile (c, "etc/passwd", &text, err);
      if (r < 0)
        return r;
      if (!find_entry (text, user, ulen, f) || !field_id (f[2], uid) || !field_id (f[3], gid))
        return jr_error_msg (err, ENOENT, "user '%.*s': not in %s/etc/passwd: give a numeric UID[:GID] or a user of the rootfs",
                             (int) ulen, user, shown (c));
    }
  if (group == NULL)
    return 0;
  free (text);
  text = NULL;
  int r = read_idfile (c, "etc/group", &text, err);
  if (r < 0)
    return r;
  if (!find_entry (text, group, strlen (group), f) || !field_id (f[2], gid))
    return jr_error_msg (err, ENOENT, "user: group '%s' not in %s/etc/group: give a numeric GID or a group of the rootfs",
                         group, shown (c));
  return 0;
}
