/* mount_fd.c - the fd-based mount primitives under mounts.c, mounts_dev.c
 * and mounts_skel.c (declared in mounts.h): resolve a path inside a root
 * fd, create missing parts, attach a detached mount, make a tmpfs, set
 * mount attributes, and the host directories hidden under a tmpfs. */
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

/* Directories hidden under an empty tmpfs when the root is the host's. */
const char *const jr_hidden_dirs[] = {
  "/home", "/root", "/run", "/var/tmp", "/mnt", "/media", "/srv", NULL
};

int
jr_resolve (int rootfd, const char *path, int flags, struct jail_error *e)
{
  struct open_how how = {
    .flags = O_PATH | O_CLOEXEC | flags,
    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
  };
  while (*path == '/')
    path++;
  int fd = (int) syscall (SYS_openat2, rootfd, *path ? path : ".", &how, sizeof how);
  if (fd < 0)
    {
      if (errno == ELOOP || errno == EXDEV)
        return jr_error_buf (e, errno, "/%s: a symlink on the path is refused (it could point outside the jail)", path);
      return jr_error_buf (e, errno, "/%s", path);
    }
  return fd;
}

/* Walk path below rootfd one component at a time, creating missing
 * directories (and, when want_file, an empty final file).  Returns an
 * O_PATH fd of the final component. */
int
jr_ensure_path (int rootfd, const char *path, bool want_file, struct jail_error *e)
{
  int fd = jr_resolve (rootfd, path, 0, e);
  if (fd >= 0 || e->code != ENOENT)
    return fd;
  int cur = jr_resolve (rootfd, "/", O_DIRECTORY, e);
  char comp[256];
  for (const char *p = path; cur >= 0 && *p;)
    {
      while (*p == '/')
        p++;
      size_t n = strcspn (p, "/");
      if (n == 0)
        break;
      if (n >= sizeof comp)
        {
          close (cur);
          return jr_error_buf (e, ENAMETOOLONG, "%s: a path component is too long", path);
        }
      memcpy (comp, p, n);
      comp[n] = '\0';
      p += n;
      bool last = *p == '\0' || p[strspn (p, "/")] == '\0';
      if (last && want_file)
        {
          int f = openat (cur, comp, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
          if (f < 0 && errno != EEXIST)
            {
              int r = errno;
              close (cur);
              return jr_error_buf (e, r, "%s: create mount point", path);
            }
          if (f >= 0)
            close (f);
        }
      else if (mkdirat (cur, comp, 0755) < 0 && errno != EEXIST)
        {
          int r = errno;
          close (cur);
          if (r == EROFS)
            return jr_error_buf (e, r, "%s: does not exist and the mount that would hold it is read-only: create it in that volume's source, or mount a --tmpfs on a parent", path);
          return jr_error_buf (e, r, "%s: create mount point", path);
        }
      int next = jr_resolve (cur, comp, 0, e);
      close (cur);
      cur = next;
    }
  return cur;
}

/* Attach detached mount mfd on top of target below rootfd. */
int
jr_attach (int mfd, int rootfd, const char *target, bool want_file, struct jail_error *e)
{
  int t = jr_ensure_path (rootfd, target, want_file, e);
  if (t < 0)
    return t;
  int r = move_mount (mfd, "", t, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
  int saved = errno;
  close (t);
  if (r < 0)
    return jr_error_buf (e, saved, "%s: move_mount", target);
  return 0;
}

/* New detached tmpfs with the given options and mount attributes. */
int
jr_tmpfs_new (unsigned long long size, unsigned mode, unsigned attrs, struct jail_error *e)
{
  int fs = fsopen ("tmpfs", FSOPEN_CLOEXEC);
  if (fs < 0)
    return jr_error_buf (e, errno, "tmpfs: fsopen");
  char buf[32];
  int r = 0;
  if (size)
    {
      snprintf (buf, sizeof buf, "%llu", size);
      r = fsconfig (fs, FSCONFIG_SET_STRING, "size", buf, 0);
      /* Bound inodes too: empty files cost kernel memory, not size. */
      snprintf (buf, sizeof buf, "%llu", size / 4096 < 64 ? 64 : size / 4096);
      if (r == 0)
        r = fsconfig (fs, FSCONFIG_SET_STRING, "nr_inodes", buf, 0);
    }
  snprintf (buf, sizeof buf, "%o", mode);
  if (r == 0)
    r = fsconfig (fs, FSCONFIG_SET_STRING, "mode", buf, 0);
  if (r == 0)
    r = fsconfig (fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0);
  int m = r == 0 ? fsmount (fs, FSMOUNT_CLOEXEC, attrs) : -1;
  int saved = errno;
  close (fs);
  if (m < 0)
    return jr_error_buf (e, saved, "tmpfs: create");
  return m;
}

/* Set recursive mount attributes on a mount fd (an atime mode replaces
 * the current one: the kernel wants the atime field cleared with it). */
int
jr_setattr (int mfd, unsigned set, bool recursive, struct jail_error *e, const char *what)
{
  struct mount_attr a = { .attr_set = set, .attr_clr = set & MOUNT_ATTR__ATIME ? MOUNT_ATTR__ATIME : 0 };
  if (mount_setattr (mfd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &a, sizeof a) < 0)
    return jr_error_buf (e, errno, "%s: mount_setattr", what);
  return 0;
}

/* O_PATH fd of a host directory to hide.  Symlinks are followed but kept
 * inside the root (/home -> var/home on Fedora Atomic hides /var/home). */
int
jr_hidden_open (int rootfd, const char *path)
{
  struct open_how how = {
    .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
  };
  return (int) syscall (SYS_openat2, rootfd, path + 1, &how, sizeof how);
}

bool
jr_hidden_exists (int rootfd, const char *path)
{
  int fd = jr_hidden_open (rootfd, path);
  if (fd >= 0)
    close (fd);
  return fd >= 0;
}
