/* mounts_skel.c - mount points a read-only root lacks.  A volume, a
 * --tmpfs or the workdir may name a path the root does not have (the host's
 * `/` has no /workspace); nothing may be written to the rootfs, so the
 * nearest existing directory P of such a path is covered by a small tmpfs,
 * the "skeleton", that looks like P: each entry of P is recreated in it (a
 * symlink as the same symlink; a directory or file as an empty one with the
 * entry's own mount tree, cloned and read-only, bound on it), the missing
 * paths are made in it, and then the skeleton is made read-only.  When P is
 * the root itself the skeleton becomes the jail's root.  Runs in the child
 * before the runtime's and the user's mounts, through fds only (targets
 * resolved with jr_resolve), without malloc. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"
#include "mounts.h"

/* Size of a skeleton tmpfs: 4 MiB gives it 1024 inodes. */
#define SKEL_SIZE (4ull << 20)
/* Most entries of P a skeleton recreates. */
#define SKEL_MAX_ENTRIES 768

struct jr_dirent64
{
  unsigned long long d_ino;
  long long d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

/* Target i of the jail (the runtime's /tmp, each volume, each --tmpfs,
 * the workdir), or NULL past the end.  *file: the mount point is a file;
 * *mount: something is mounted there (the workdir is not). */
static const char *
target_at (const struct jail_config *cfg, const struct jr_trees *t, size_t i, bool *file, bool *mount)
{
  *file = false;
  *mount = true;
  if (i == 0)
    return "/tmp";
  i--;
  if (i < cfg->n_volumes)
    {
      struct stat st;
      *file = fstat (t->vol[i], &st) == 0 && !S_ISDIR (st.st_mode);
      return cfg->volumes[i].dst;
    }
  i -= cfg->n_volumes;
  if (i < cfg->n_tmpfs)
    return cfg->tmpfs[i].dst;
  *mount = false;
  return i == cfg->n_tmpfs ? cfg->workdir : NULL;
}

/* Whether dir is a strict ancestor of path (both normalised). */
static bool
below (const char *dir, const char *path)
{
  size_t n = strlen (dir);
  if (n == 1)
    return path[1] != '\0';
  return strncmp (dir, path, n) == 0 && path[n] == '/';
}

/* Whether path lies inside another mount of the jail, where it is made
 * (or refused) when that mount is there, not in the root. */
static bool
covered (const struct jail_config *cfg, const struct jr_trees *t, int rootfd, const char *path)
{
  static const char *const runtime[] = { "/proc", "/dev", NULL };
  for (size_t i = 0; runtime[i]; i++)
    if (below (runtime[i], path))
      return true;
  if (cfg->host_root && below ("/sys", path))
    return true;
  for (size_t i = 0; cfg->host_root && jr_hidden_dirs[i]; i++)
    if (below (jr_hidden_dirs[i], path) && jr_hidden_exists (rootfd, jr_hidden_dirs[i]))
      return true;
  bool file, mount;
  const char *m;
  for (size_t i = 0; (m = target_at (cfg, t, i, &file, &mount)) != NULL; i++)
    if (mount && below (m, path))
      return true;
  return false;
}

/* 1 when path is missing from the root, with *plen the length of its
 * longest existing prefix (0 for "/"); 0 when it exists, or when a prefix
 * is not a directory or a symlink (the mount itself then says so). */
static int
missing (int rootfd, const char *path, size_t *plen)
{
  struct jail_error e = { 0 };
  int fd = jr_resolve (rootfd, path, 0, &e);
  if (fd >= 0 || e.code != ENOENT)
    {
      if (fd >= 0)
        close (fd);
      return 0;
    }
  char buf[PATH_MAX];
  size_t len = strlen (path), best = 0;
  if (len >= sizeof buf)
    return 0;
  for (size_t i = 1; i < len; i++)
    {
      if (path[i] != '/')
        continue;
      memcpy (buf, path, i);
      buf[i] = '\0';
      fd = jr_resolve (rootfd, buf, O_DIRECTORY, &e);
      if (fd < 0)
        {
          if (e.code != ENOENT)
            return 0;
          break;
        }
      close (fd);
      best = i;
    }
  *plen = best;
  return 1;
}

/* Recreate entry name of directory dfd in skeleton m. */
static int
skel_entry (int dfd, int m, const char *name, unsigned char type, struct jail_error *e)
{
  struct stat st;
  if (type == DT_UNKNOWN)
    {
      if (fstatat (dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return jr_error_buf (e, errno, "%s: stat", name);
      type = S_ISDIR (st.st_mode) ? DT_DIR : S_ISLNK (st.st_mode) ? DT_LNK
                                                                  : DT_REG;
    }
  if (type == DT_LNK)
    {
      char target[PATH_MAX];
      ssize_t n = readlinkat (dfd, name, target, sizeof target - 1);
      if (n < 0)
        return jr_error_buf (e, errno, "%s: readlink", name);
      target[n] = '\0';
      if (symlinkat (target, m, name) < 0)
        return jr_error_buf (e, errno, "%s: symlink", name);
      return 0;
    }
  int src = open_tree (dfd, name, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT);
  if (src < 0)
    return jr_error_buf (e, errno, "%s: open_tree", name);
  int r = 0;
  if (type == DT_DIR)
    r = mkdirat (m, name, 0755);
  else
    {
      int f = openat (m, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
      r = f < 0 ? -1 : close (f);
    }
  if (r == 0)
    r = move_mount (src, "", m, name, MOVE_MOUNT_F_EMPTY_PATH);
  int saved = errno;
  close (src);
  return r < 0 ? jr_error_buf (e, saved, "%s: bind", name) : 0;
}

/* Recreate every entry of directory dfd in skeleton m. */
static int
skel_entries (int dfd, int m, const char *pdir, struct jail_error *e)
{
  char buf[4096] __attribute__ ((aligned (8)));
  size_t count = 0;
  for (;;)
    {
      long n = syscall (SYS_getdents64, dfd, buf, sizeof buf);
      if (n < 0)
        return jr_error_buf (e, errno, "%s: read the directory", pdir);
      if (n == 0)
        return 0;
      for (long off = 0; off < n;)
        {
          struct jr_dirent64 *d = (struct jr_dirent64 *) (buf + off);
          off += d->d_reclen;
          if (strcmp (d->d_name, ".") == 0 || strcmp (d->d_name, "..") == 0)
            continue;
          if (++count > SKEL_MAX_ENTRIES)
            return jr_error_buf (e, E2BIG, "%s holds more than %d entries, too many to rebuild read-only around a new mount point: create the mount point in the rootfs, or mount a volume or --tmpfs on a parent directory", pdir, SKEL_MAX_ENTRIES);
          int r = skel_entry (dfd, m, d->d_name, d->d_type, e);
          if (r < 0)
            return r;
        }
    }
}

/* Make in skeleton m (which stands for directory pdir, plen bytes of path)
 * every missing target whose nearest existing directory is pdir. */
static int
skel_points (const struct jail_config *cfg, const struct jr_trees *t, int rootfd, int m,
             const char *path, size_t plen, struct jail_error *e)
{
  bool file, mount;
  const char *p;
  for (size_t i = 0; (p = target_at (cfg, t, i, &file, &mount)) != NULL; i++)
    {
      size_t l;
      if (covered (cfg, t, rootfd, p) || !missing (rootfd, p, &l) || l != plen || strncmp (p, path, plen) != 0)
        continue;
      int fd = jr_ensure_path (m, p + plen, file, e);
      if (fd < 0)
        return jr_error_buf_wrap (e, "%s", p);
      close (fd);
    }
  return 0;
}

/* Make skeleton m read-only, every mount in it private. */
static int
skel_seal (int m, const char *pdir, struct jail_error *e)
{
  struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
                          .propagation = MS_PRIVATE };
  if (mount_setattr (m, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof a) < 0)
    return jr_error_buf (e, errno, "%s: make read-only", pdir);
  return 0;
}

/* New skeleton tmpfs with the mode of directory dfd. */
static int
skel_new (int dfd, struct jail_error *e)
{
  struct stat st;
  if (fstat (dfd, &st) < 0)
    return jr_error_buf (e, errno, "fstat");
  return jr_tmpfs_new (SKEL_SIZE, st.st_mode & 07777, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, e);
}

/* Cover directory pdir (below the attached root) with a skeleton holding
 * the missing mount points below it. */
static int
skel_dir (const struct jail_config *cfg, const struct jr_trees *t, int rootfd,
          const char *pdir, size_t plen, struct jail_error *e)
{
  int pfd cleanup_close = jr_resolve (rootfd, pdir, O_DIRECTORY, e);
  if (pfd < 0)
    return pfd;
  /* Opened before the skeleton covers it: reads what is below. */
  int dfd cleanup_close = openat (pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return jr_error_buf (e, errno, "%s: open", pdir);
  int m cleanup_close = skel_new (dfd, e);
  if (m < 0)
    return m;
  int r = skel_points (cfg, t, rootfd, m, pdir, plen, e);
  if (r == 0 && move_mount (m, "", pfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    r = jr_error_buf (e, errno, "%s: attach", pdir);
  if (r == 0)
    r = skel_entries (dfd, m, pdir, e);
  if (r == 0)
    r = skel_seal (m, pdir, e);
  return r < 0 ? jr_error_buf_wrap (e, "read-only skeleton of %s", pdir) : 0;
}

/* Where the root's clone is parked inside the root skeleton while its
 * entries are cloned from it (attached, as older kernels clone only from
 * mounts of the caller's namespace); removed before anything runs. */
#define SKEL_PARK ".jailrun-root"

/* The root skeleton: attached where the rootfs clone would be, the clone
 * parked inside it (never below it: pivot_root's old root must be the
 * only mount stacked on the new root), its entries cloned, the clone
 * detached again; the skeleton becomes t->root. */
static int
skel_root (const struct jail_config *cfg, struct jr_trees *t, struct jail_error *e)
{
  int m = skel_new (t->root, e);
  if (m < 0)
    return m;
  int r = skel_points (cfg, t, t->root, m, "/", 0, e);
  if (r == 0 && move_mount (m, "", t->root_src, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    r = jr_error_buf (e, errno, "attach");
  if (r == 0 && mkdirat (m, SKEL_PARK, 0700) < 0)
    r = jr_error_buf (e, errno, "mkdir " SKEL_PARK);
  if (r == 0 && move_mount (t->root, "", m, SKEL_PARK, MOVE_MOUNT_F_EMPTY_PATH) < 0)
    r = jr_error_buf (e, errno, "park the root");
  int dfd = r == 0 ? openat (t->root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
  if (r == 0 && dfd < 0)
    r = jr_error_buf (e, errno, "open the root");
  if (r == 0)
    r = skel_entries (dfd, m, "/", e);
  if (dfd >= 0)
    close (dfd);
  if (r == 0 && (fchdir (m) < 0 || umount2 (SKEL_PARK, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 || unlinkat (m, SKEL_PARK, AT_REMOVEDIR) < 0))
    r = jr_error_buf (e, errno, "unpark the root");
  if (r == 0)
    r = skel_seal (m, "/", e);
  close (t->root);
  t->root = m;
  return r < 0 ? jr_error_buf_wrap (e, "read-only skeleton of /") : 0;
}

/* First target that is missing from the root and not inside another
 * mount, from index *i on; its existing prefix length in *plen. */
static const char *
next_missing (const struct jail_config *cfg, const struct jr_trees *t, int rootfd, size_t *i, size_t *plen)
{
  bool file, mount;
  const char *p;
  for (; (p = target_at (cfg, t, *i, &file, &mount)) != NULL; (*i)++)
    if (!covered (cfg, t, rootfd, p) && missing (rootfd, p, plen))
      return p;
  return NULL;
}

int
jr_mount_root (const struct jail_config *cfg, struct jr_trees *t, struct jail_error *e)
{
  size_t plen, i = 0;
  const char *p;
  while (!cfg->read_write && (p = next_missing (cfg, t, t->root, &i, &plen)) != NULL)
    {
      if (plen == 0)
        {
          int r = skel_root (cfg, t, e);
          return r < 0 ? jr_error_buf_wrap (e, "mount point %s", p) : 0;
        }
      i++;
    }
  if (move_mount (t->root, "", t->root_src, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    return jr_error_buf (e, errno, "rootfs %s: attach", cfg->rootfs);
  return 0;
}

int
jr_mount_skeletons (const struct jail_config *cfg, const struct jr_trees *t, int rootfd,
                    struct jail_error *e)
{
  size_t plen, i = 0;
  const char *p;
  while (!cfg->read_write && (p = next_missing (cfg, t, rootfd, &i, &plen)) != NULL)
    {
      char pdir[PATH_MAX];
      memcpy (pdir, p, plen);
      pdir[plen] = '\0';
      int r = skel_dir (cfg, t, rootfd, pdir, plen, e);
      if (r < 0)
        return jr_error_buf_wrap (e, "mount point %s", p);
      i++;
    }
  return 0;
}
