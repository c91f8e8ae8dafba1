/* idmap.c - -v SRC:DST:idmap: the volume is an idmapped mount (like
 * podman's) on which SRC's owner appears as the jail user, so the jail
 * reads and writes SRC as its owner would and new files belong to that
 * owner on the host.  Idmapping a mount of a host filesystem needs
 * CAP_SYS_ADMIN over it, so the parent (root) builds each tree before the
 * clone: a user namespace mapping SRC's owner (uid and gid) to the jail
 * user's host ids, open_tree, mount_setattr MOUNT_ATTR_IDMAP; the child
 * attaches that tree instead of cloning SRC itself.  Rootless, the jail
 * user already is the caller: idmap is accepted when SRC is the caller's
 * and refused otherwise. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

/* Write "inside outside 1" into /proc/PID/FILE. */
static int
write_map (pid_t pid, const char *file, unsigned inside, unsigned long long outside, jail_error **err)
{
  char path[64], line[64];
  enum jr_procw_stage stage;
  snprintf (line, sizeof line, "%u %llu 1\n", inside, outside);
  int r = jr_proc_write (pid, file, line, path, &stage);
  return r < 0 ? jr_error (err, -r, "volume idmap: %s", file) : 0;
}

/* A user namespace whose maps send SRC's owner st to the jail user's
 * host ids; its fd. */
static int
owner_userns (const struct stat *st, const struct jr_hostids *ids, jail_error **err)
{
  int p[2];
  if (pipe2 (p, O_CLOEXEC) < 0)
    return jr_error (err, errno, "volume idmap: pipe");
  pid_t pid = (pid_t) syscall (SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, 0);
  if (pid == 0)
    {
      char c;
      close (p[1]);
      (void) !read (p[0], &c, 1); /* until the parent has the ns fd */
      _exit (0);
    }
  int saved = errno, r = pid < 0 ? jr_error (err, saved, "volume idmap: clone") : 0;
  close (p[0]);
  if (r == 0)
    r = write_map (pid, "uid_map", st->st_uid, ids->uid, err);
  if (r == 0)
    r = write_map (pid, "gid_map", st->st_gid, ids->gid, err);
  char path[64];
  snprintf (path, sizeof path, "/proc/%d/ns/user", (int) pid);
  int fd = r == 0 ? open (path, O_RDONLY | O_CLOEXEC) : -1;
  if (r == 0 && fd < 0)
    r = jr_error (err, errno, "volume idmap: %s", path);
  close (p[1]);
  while (pid > 0 && waitpid (pid, NULL, __WALL) < 0 && errno == EINTR)
    ;
  return r < 0 ? r : fd;
}

/* The idmapped detached tree of volume v in *out (-1 rootless, where a
 * plain bind is already right).  setfcap: the jail keeps CAP_SETFCAP; a
 * file capability it wrote on a tree of host root's would hold for host
 * root (the rootid of the jail's root goes through the idmap to host 0):
 * refused. */
static int
idmap_tree (const struct jr_volume *v, const struct jr_hostids *ids, bool setfcap, int *out, jail_error **err)
{
  *out = -1;
  struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
  int src cleanup_close = (int) syscall (SYS_openat2, AT_FDCWD, v->src, &how, sizeof how);
  struct stat st;
  if (src < 0 || fstat (src, &st) < 0)
    return jr_error (err, errno, "volume %s", v->src);
  if (st.st_dev != v->dev || st.st_ino != v->ino)
    return jr_error_msg (err, ESTALE, "volume %s: changed since it was checked: check it and retry", v->src);
  if (geteuid () != 0)
    return st.st_uid == geteuid () ? 0
                                   : jr_error_msg (err, EPERM, "volume %s:%s:idmap: rootless, idmap works only on your own files (%s belongs to uid %u); "
                                                               "run as root or chown it",
                                                   v->src, v->dst, v->src, (unsigned) st.st_uid);
  if (setfcap && st.st_uid == 0)
    return jr_error_msg (err, EPERM, "volume %s:%s:idmap: %s belongs to host root and the jail keeps CAP_SETFCAP (--cap-add): a file capability it wrote there would hold for host root; drop --cap-add SETFCAP, or idmap a directory another user owns",
                         v->src, v->dst, v->src);
  int ns cleanup_close = owner_userns (&st, ids, err);
  if (ns < 0)
    return ns;
  int m = open_tree (src, "", AT_EMPTY_PATH | OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  struct mount_attr a = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t) ns };
  if (m < 0 || mount_setattr (m, "", AT_EMPTY_PATH, &a, sizeof a) < 0)
    {
      int saved = errno;
      if (m >= 0)
        close (m);
      return jr_error (err, saved, "volume %s:%s:idmap: %s (the filesystem may not support idmapped mounts: see 'jailrun check')",
                       v->src, v->dst, m < 0 ? "open_tree" : "mount_setattr");
    }
  *out = m;
  return 0;
}

int
jr_idmap_prepare (struct jail_config *cfg, const struct jr_hostids *ids, jail_error **err)
{
  for (size_t i = 0; i < cfg->n_volumes; i++)
    {
      struct jr_volume *v = &cfg->volumes[i];
      if (!v->idmap)
        continue;
      int r = idmap_tree (v, ids, cfg->caps & (1ull << 31), &v->idmap_fd, err);
      if (r < 0)
        {
          jr_idmap_release (cfg);
          return r;
        }
    }
  return 0;
}

void
jr_idmap_release (struct jail_config *cfg)
{
  for (size_t i = 0; i < cfg->n_volumes; i++)
    if (cfg->volumes[i].idmap_fd >= 0)
      {
        close (cfg->volumes[i].idmap_fd);
        cfg->volumes[i].idmap_fd = -1;
      }
}
