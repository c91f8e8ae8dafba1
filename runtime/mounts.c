/* mounts.c - the jail's filesystem view.  Runs in the child, in its new
 * user and mount namespaces, before any untrusted code.  Every target is
 * resolved with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS |
 * RESOLVE_NO_MAGICLINKS) from the fd of the new root and mounted through
 * fds with the new mount API (open_tree, fsopen/fsmount, move_mount,
 * mount_setattr); no path is ever joined into a string. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"
#include "mounts.h"

/* Mount a new tmpfs at target. */
static int
mount_tmpfs (int rootfd, const char *target, unsigned long long size, unsigned mode,
             unsigned attrs, struct jail_error *e)
{
  int m = jr_tmpfs_new (size, mode, attrs, e);
  if (m < 0)
    return m;
  int r = jr_attach (m, rootfd, target, false, e);
  close (m);
  return r;
}

int
jr_mounts_check (const struct jail_config *cfg, jail_error **err)
{
  static const char *const special[] = { "proc", "sys", "dev", NULL };
  if (cfg->rootfs == NULL)
    return jr_error_msg (err, EINVAL, "rootfs: not set: give a directory holding a root filesystem, or /");
  int root cleanup_close = open (cfg->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return jr_error (err, errno, "rootfs %s", cfg->rootfs);
  for (size_t i = 0; special[i]; i++)
    {
      struct stat st;
      if (fstatat (root, special[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
        {
          if (errno == ENOENT && (cfg->read_write || strcmp (special[i], "sys") == 0))
            continue;
          return jr_error (err, errno, "rootfs %s: /%s (a rootfs needs empty /proc and /dev directories)", cfg->rootfs, special[i]);
        }
      if (S_ISLNK (st.st_mode))
        return jr_error_msg (err, ELOOP, "rootfs %s: /%s is a symlink; refused because it could redirect a mount outside the jail: make it a directory", cfg->rootfs, special[i]);
      if (!S_ISDIR (st.st_mode))
        return jr_error_msg (err, ENOTDIR, "rootfs %s: /%s is not a directory", cfg->rootfs, special[i]);
    }
  return 0;
}

/* Number of components of an absolute normalised path. */
static size_t
path_depth (const char *p)
{
  size_t d = 0;
  for (; *p; p++)
    d += *p == '/';
  return d;
}

/* Mount one volume (cloned from the host path) at its target. */
static int
mount_volume (const struct jr_volume *v, int vfd, int rootfd, struct jail_error *e)
{
  struct stat st;
  if (fstat (vfd, &st) < 0)
    return jr_error_buf (e, errno, "volume %s: fstat", v->src);
  unsigned attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (v->ro ? MOUNT_ATTR_RDONLY : 0);
  int r = jr_setattr (vfd, attrs, true, e, v->src);
  if (r == 0)
    r = jr_attach (vfd, rootfd, v->dst, !S_ISDIR (st.st_mode), e);
  return r < 0 ? jr_error_buf_wrap (e, "volume %s:%s", v->src, v->dst) : 0;
}

/* Mount one --tmpfs at its target. */
static int
mount_user_tmpfs (const struct jr_tmpfs *t, int rootfd, struct jail_error *e)
{
  unsigned attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (t->exec ? 0 : MOUNT_ATTR_NOEXEC);
  return mount_tmpfs (rootfd, t->dst, t->size, t->mode, attrs, e);
}

/* Mount every volume and --tmpfs in order of target depth, as Docker
 * does, so /a is mounted before /a/b whichever kind each is (a volume
 * before a tmpfs of the same depth). */
static int
mount_user_mounts (const struct jail_config *cfg, const int *vfd, int rootfd, struct jail_error *e)
{
  size_t max = 0;
  for (size_t i = 0; i < cfg->n_volumes; i++)
    if (path_depth (cfg->volumes[i].dst) > max)
      max = path_depth (cfg->volumes[i].dst);
  for (size_t i = 0; i < cfg->n_tmpfs; i++)
    if (path_depth (cfg->tmpfs[i].dst) > max)
      max = path_depth (cfg->tmpfs[i].dst);
  int r = 0;
  for (size_t d = 1; r == 0 && d <= max; d++)
    {
      for (size_t i = 0; r == 0 && i < cfg->n_volumes; i++)
        if (path_depth (cfg->volumes[i].dst) == d)
          r = mount_volume (&cfg->volumes[i], vfd[i], rootfd, e);
      for (size_t i = 0; r == 0 && i < cfg->n_tmpfs; i++)
        if (path_depth (cfg->tmpfs[i].dst) == d)
          r = mount_user_tmpfs (&cfg->tmpfs[i], rootfd, e);
    }
  return r;
}

/* Cover a host directory with an empty tmpfs; only a path that does not
 * exist is left alone. */
static int
hide_dir (int rootfd, const char *path, struct jail_error *e)
{
  int t = jr_hidden_open (rootfd, path);
  if (t < 0 && errno == ENOENT)
    return 0;
  if (t < 0)
    return jr_error_buf (e, errno, "%s: cannot hide it", path);
  int m = jr_tmpfs_new (1 << 20, 0755, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, e);
  int r = m < 0 ? -1 : move_mount (m, "", t, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
  int saved = errno;
  close (t);
  if (m < 0)
    return m;
  close (m);
  return r < 0 ? jr_error_buf (e, saved, "%s: hide", path) : 0;
}

/* The runtime's own tmpfs mounts: /tmp, and /sys and the hidden host
 * dirs for "/". */
static int
mount_tmpfses (const struct jail_config *cfg, int rootfd, struct jail_error *e)
{
  const unsigned safe = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
  int r = mount_tmpfs (rootfd, "/tmp", JR_TMP_SIZE, 01777, safe, e);
  if (r == 0 && cfg->host_root)
    r = mount_tmpfs (rootfd, "/sys", 4096, 0555, safe | MOUNT_ATTR_RDONLY, e);
  for (size_t i = 0; r == 0 && cfg->host_root && jr_hidden_dirs[i]; i++)
    r = hide_dir (rootfd, jr_hidden_dirs[i], e);
  return r;
}

/* O_PATH fd of a host path checked at configuration time: no symlink
 * may appear since (jr_host_path_resolve resolved them, following only root's) and it must still be the
 * same inode, so a jail cannot swap a source for a link between runs. */
static int
open_checked (const char *path, dev_t dev, ino_t ino, struct jail_error *e)
{
  struct open_how how = {
    .flags = O_PATH | O_CLOEXEC,
    .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
  };
  int fd = (int) syscall (SYS_openat2, AT_FDCWD, path, &how, sizeof how);
  if (fd < 0 && errno != ELOOP)
    return jr_error_buf (e, errno, "%s", path);
  struct stat st;
  if (fd < 0 || fstat (fd, &st) < 0 || st.st_dev != dev || st.st_ino != ino)
    {
      if (fd >= 0)
        close (fd);
      return jr_error_buf (e, ESTALE, "%s: changed since it was checked (replaced, or a symlink swapped in): check it and retry", path);
    }
  return fd;
}

/* Clone src_fd's tree (recursively) into a detached mount, every mount
 * of it private: a clone keeps its source's peer group or master, and a
 * host mount made later below the source would then appear in the jail. */
static int
clone_tree (int src_fd, const char *what, struct jail_error *e)
{
  int m = open_tree (src_fd, "", AT_EMPTY_PATH | OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
  if (m < 0)
    return jr_error_buf (e, errno, "%s: open_tree", what);
  struct mount_attr a = { .propagation = MS_PRIVATE };
  if (mount_setattr (m, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof a) < 0)
    {
      int r = jr_error_buf (e, errno, "%s: make the clone private", what);
      close (m);
      return r;
    }
  return m;
}

int
jr_mounts_open (const struct jail_config *cfg, struct jr_trees *t, struct jail_error *e)
{
  t->root_src = t->root = -1;
  for (size_t i = 0; i < JR_MAX_VOLUMES; i++)
    t->vol[i] = -1;
  /* Cut every mount of the new namespace from the host's peer groups
   * before anything is cloned from it (the clones would stay slaves). */
  if (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    return jr_error_buf (e, errno, "make / private");
  t->root_src = open_checked (cfg->rootfs, cfg->root_dev, cfg->root_ino, e);
  if (t->root_src < 0)
    return jr_error_buf_wrap (e, "rootfs");
  t->root = clone_tree (t->root_src, cfg->rootfs, e);
  if (t->root < 0)
    return jr_error_buf_wrap (e, "rootfs");
  for (size_t i = 0; i < cfg->n_volumes && i < JR_MAX_VOLUMES; i++)
    {
      const struct jr_volume *v = &cfg->volumes[i];
      if (v->idmap_fd >= 0) /* made by the parent (idmap.c) */
        {
          t->vol[i] = v->idmap_fd;
          continue;
        }
      int src = open_checked (v->src, v->dev, v->ino, e);
      if (src < 0)
        return jr_error_buf_wrap (e, "volume");
      t->vol[i] = clone_tree (src, v->src, e);
      close (src);
      if (t->vol[i] < 0)
        return jr_error_buf_wrap (e, "volume");
    }
  unsigned attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (cfg->read_write ? 0 : MOUNT_ATTR_RDONLY);
  return jr_setattr (t->root, attrs, true, e, "rootfs");
}

/* Create a missing workdir where it can be (a tmpfs, a read-write volume
 * or root; the read-only root's skeleton already holds it), as Docker. */
static int
make_workdir (const struct jail_config *cfg, int rootfd, struct jail_error *e)
{
  int fd = jr_ensure_path (rootfd, cfg->workdir, false, e);
  if (fd < 0)
    return jr_error_buf_wrap (e, "workdir %s", cfg->workdir);
  close (fd);
  return 0;
}

/* Make the attached tree at rootfd the root and detach the old one. */
static int
pivot (int rootfd, struct jail_error *e)
{
  if (fchdir (rootfd) < 0)
    return jr_error_buf (e, errno, "rootfs: fchdir");
  if (syscall (SYS_pivot_root, ".", ".") < 0)
    return jr_error_buf (e, errno, "rootfs: pivot_root");
  if (umount2 (".", MNT_DETACH) < 0)
    return jr_error_buf (e, errno, "rootfs: detach old root");
  if (chdir ("/") < 0)
    return jr_error_buf (e, errno, "rootfs: chdir /");
  return 0;
}

int
jr_mounts_setup (const struct jail_config *cfg, struct jr_trees *t, struct jail_error *e)
{
  /* Attach the clone over the rootfs directory itself (by fd), or a
   * read-only skeleton around it holding the mount points the root lacks;
   * t->root then names the root of the attached mount, from which
   * everything else is resolved. */
  int r = jr_mount_root (cfg, t, e);
  /* Mount points the read-only root lacks deeper down. */
  if (r == 0)
    r = jr_mount_skeletons (cfg, t, t->root, e);
  if (r == 0)
    r = jr_mount_proc (t->root, e);
  if (r == 0)
    r = jr_mount_dev (t->root, e);
  if (r == 0)
    r = mount_tmpfses (cfg, t->root, e);
  if (r == 0)
    r = mount_user_mounts (cfg, t->vol, t->root, e);
  if (r == 0)
    r = make_workdir (cfg, t->root, e);
  if (r == 0)
    r = pivot (t->root, e);
  jr_trees_close (t);
  return r < 0 ? jr_error_buf_wrap (e, "mounts") : 0;
}

void
jr_trees_close (struct jr_trees *t)
{
  int *fds[] = { &t->root_src, &t->root };
  for (size_t i = 0; i < 2; i++)
    if (*fds[i] >= 0)
      close (*fds[i]), *fds[i] = -1;
  for (size_t i = 0; i < JR_MAX_VOLUMES; i++)
    if (t->vol[i] >= 0)
      close (t->vol[i]), t->vol[i] = -1;
}
