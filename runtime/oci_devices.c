/* oci_devices.c - config.json linux.devices.  A user namespace cannot
 * mknod a device (jailrun always runs a container in one), so, as runc
 * does rootless, a device is the host's node bind-mounted onto its path;
 * and jailrun's floor gives a container no host device beyond the ones
 * its own /dev has: null, zero, full, random, urandom and tty.  Any other
 * character or block device is refused here, with its path, before
 * anything is made; a fifo (type p) is made with mknod, its fileMode,
 * uid and gid applied.  A bound node keeps the host's mode and owner
 * (a bind mount shares the inode). */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "mounts.h"
#include "oci.h"

static const struct
{
  unsigned major, minor;
  const char *host;
} allowed[] = {
  { 1, 3, "/dev/null" },
  { 1, 5, "/dev/zero" },
  { 1, 7, "/dev/full" },
  { 1, 8, "/dev/random" },
  { 1, 9, "/dev/urandom" },
  { 5, 0, "/dev/tty" },
};

/* An optional unsigned member (-1 when absent), or -EINVAL. */
static long long
opt_u32 (json_object *o, const char *key)
{
  json_object *v = jr_oci_get (o, key);
  if (v == NULL)
    return -1;
  int64_t x = json_object_get_int64 (v);
  return json_object_is_type (v, json_type_int) && x >= 0 && x <= 0xffffffffLL ? x : -EINVAL;
}

/* One entry: a fifo, or an allowed character device. */
static int
parse_one (json_object *o, size_t i, struct jr_oci_device *d, jail_error **err)
{
  json_object *p = jr_oci_get (o, "path"), *t = jr_oci_get (o, "type");
  const char *path = p ? json_object_get_string (p) : NULL, *type = t ? json_object_get_string (t) : "";
  if (path == NULL || path[0] != '/' || strstr (path, "/../") || strcmp (path + strlen (path) - 3 * (strlen (path) >= 3), "/..") == 0)
    return jr_error_msg (err, EINVAL, "config.json: linux.devices[%zu]: path missing, not absolute or with ..", i);
  if ((d->path = strdup (path)) == NULL)
    return jr_error (err, ENOMEM, "config.json");
  long long maj = opt_u32 (o, "major"), min = opt_u32 (o, "minor");
  d->mode = opt_u32 (o, "fileMode"), d->uid = opt_u32 (o, "uid"), d->gid = opt_u32 (o, "gid");
  if (maj < -1 || min < -1 || d->mode < -1 || d->uid < -1 || d->gid < -1)
    return jr_error_msg (err, EINVAL, "config.json: linux.devices[%zu] %s: major, minor, fileMode, uid and gid are unsigned integers", i, path);
  d->fifo = strcmp (type, "p") == 0;
  if (d->fifo)
    return 0;
  bool chr = strcmp (type, "c") == 0 || strcmp (type, "u") == 0;
  for (size_t k = 0; chr && k < sizeof allowed / sizeof *allowed; k++)
    if (allowed[k].major == maj && allowed[k].minor == min)
      {
        d->host = allowed[k].host;
        return 0;
      }
  if (!chr && strcmp (type, "b") != 0)
    return jr_error_msg (err, EINVAL, "config.json: linux.devices[%zu] %s: type '%s': use c, u, b or p", i, path, type);
  return jr_error_msg (err, EPERM, "config.json: linux.devices[%zu] %s: %s device %lld:%lld refused: jailrun's floor gives a container no host device but null, zero, full, random, urandom and tty (1:3, 1:5, 1:7, 1:8, 1:9, 5:0), and fifos (type p)",
                       i, path, chr ? "character" : "block", maj, min);
}

int
jr_oci_devices_parse (json_object *a, struct jr_oci_spec *s, jail_error **err)
{
  if (a == NULL)
    return 0;
  if (!json_object_is_type (a, json_type_array))
    return jr_error_msg (err, EINVAL, "config.json: linux.devices: not an array");
  size_t n = json_object_array_length (a);
  if ((s->devices = calloc (n + 1, sizeof *s->devices)) == NULL)
    return jr_error (err, ENOMEM, "config.json");
  for (size_t i = 0; i < n; i++)
    {
      s->n_devices = i + 1;
      int r = parse_one (json_object_array_get_idx (a, i), i, &s->devices[i], err);
      if (r < 0)
        return r;
    }
  return 0;
}

/* A fifo at d->path (its directory made as needed), mode and owner set. */
static int
make_fifo (int dir, const char *base, const struct jr_oci_device *d, struct jail_error *e)
{
  mode_t mode = d->mode >= 0 ? (mode_t) d->mode & 07777 : 0666;
  if (mknodat (dir, base, S_IFIFO | mode, 0) < 0)
    return jr_error_buf (e, errno, "linux.devices %s: mkfifo", d->path);
  if (fchmodat (dir, base, mode, 0) < 0)
    return jr_error_buf (e, errno, "linux.devices %s: fileMode %o", d->path, (unsigned) mode);
  if ((d->uid >= 0 || d->gid >= 0) && fchownat (dir, base, (uid_t) d->uid, (gid_t) d->gid, AT_SYMLINK_NOFOLLOW) < 0)
    return jr_error_buf (e, errno, "linux.devices %s: uid/gid", d->path);
  return 0;
}

/* The host's node bound onto d->path (nothing when the node is there). */
static int
bind_device (int dir, const char *base, const struct jr_oci_device *d, struct jail_error *e)
{
  struct stat want, have;
  if (stat (d->host, &want) < 0 || !S_ISCHR (want.st_mode))
    return jr_error_buf (e, errno ? errno : ENODEV, "linux.devices %s: host node %s", d->path, d->host);
  if (fstatat (dir, base, &have, AT_SYMLINK_NOFOLLOW) == 0 && S_ISCHR (have.st_mode) && have.st_rdev == want.st_rdev)
    return 0;
  int src = open_tree (AT_FDCWD, d->host, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  if (src < 0)
    return jr_error_buf (e, errno, "linux.devices %s: open_tree %s", d->path, d->host);
  int f = openat (dir, base, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0666);
  int r = f < 0 ? -1 : move_mount (src, "", dir, base, MOVE_MOUNT_F_EMPTY_PATH);
  int saved = errno;
  if (f >= 0)
    close (f);
  close (src);
  return r < 0 ? jr_error_buf (e, saved, "linux.devices %s: bind %s", d->path, d->host) : 0;
}

int
jr_oci_devices_apply (int rootfd, const struct jr_oci_spec *s, struct jail_error *e)
{
  for (size_t i = 0; i < s->n_devices; i++)
    {
      const struct jr_oci_device *d = &s->devices[i];
      char dirpath[PATH_MAX], basepath[PATH_MAX];
      snprintf (dirpath, sizeof dirpath, "%s", d->path);
      snprintf (basepath, sizeof basepath, "%s", d->path);
      int dir = jr_ensure_path (rootfd, dirname (dirpath), false, e);
      if (dir < 0)
        return jr_error_buf_wrap (e, "linux.devices %s", d->path);
      const char *base = basename (basepath);
      int r = d->fifo ? make_fifo (dir, base, d, e) : bind_device (dir, base, d, e);
      close (dir);
      if (r < 0)
        return r;
    }
  return 0;
}
