/* mounts_dev.c - the jail's /proc (a fresh full procfs of its pid
 * namespace with Docker's masked and read-only paths) and its
 * minimal /dev (a small tmpfs with null zero full random urandom tty bound
 * from the host, a private devpts instance and /dev/shm). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "mounts.h"

static const char *const dev_nodes[] = { "null", "zero", "full", "random", "urandom", "tty", NULL };

/* Docker's masked paths (hidden: /dev/null over files, an empty
 * read-only tmpfs over directories) and read-only paths (bound onto
 * themselves read-only) of a full procfs. */
static const char *const proc_masked[] = {
  "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
  "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", NULL
};
static const char *const proc_readonly[] = {
  "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL
};

/* Create a configured procfs mount fd; subset selects subset=pid. */
static int
proc_new (bool subset, struct jail_error *e)
{
  int fs = fsopen ("proc", FSOPEN_CLOEXEC);
  if (fs < 0)
    return jr_error_buf (e, errno, "/proc: fsopen");
  int r = subset ? fsconfig (fs, FSCONFIG_SET_STRING, "subset", "pid", 0) : 0;
  if (r == 0)
    r = fsconfig (fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0);
  int m = r == 0 ? fsmount (fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC) : -1;
  int saved = errno;
  close (fs);
  if (m < 0)
    return jr_error_buf (e, saved, "/proc: mount procfs");
  return m;
}

/* Hide one path: /dev/null over a file, an empty read-only tmpfs over a
 * directory. */
static int
proc_mask_one (int rootfd, const char *path, bool dir, struct jail_error *e)
{
  int m = dir ? jr_tmpfs_new (4096, 0555, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, e)
              : open_tree (AT_FDCWD, "/dev/null", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  if (m < 0)
    return dir ? m : jr_error_buf (e, errno, "/dev/null: open_tree");
  int r = dir ? 0 : jr_setattr (m, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, false, e, path);
  if (r == 0)
    r = jr_attach (m, rootfd, path, !dir, e);
  close (m);
  return r;
}

/* Make one path read-only: a read-only bind of it onto itself. */
static int
proc_ro_one (int rootfd, const char *path, int t, struct jail_error *e)
{
  int m = open_tree (t, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
  if (m < 0)
    return jr_error_buf (e, errno, "%s: open_tree", path);
  struct stat st;
  int r = fstat (t, &st) < 0 ? jr_error_buf (e, errno, "%s: stat", path) : 0;
  if (r == 0)
    r = jr_setattr (m, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, true, e, path);
  if (r == 0)
    r = jr_attach (m, rootfd, path, !S_ISDIR (st.st_mode), e);
  close (m);
  return r;
}

/* Docker's masked and read-only paths over the full procfs at /proc. */
static int
proc_harden (int rootfd, struct jail_error *e)
{
  for (int pass = 0; pass < 2; pass++)
    for (const char *const *p = pass ? proc_readonly : proc_masked; *p; p++)
      {
        int t = jr_resolve (rootfd, *p, 0, e);
        if (t < 0)
          continue; /* absent on this kernel */
        struct stat st;
        int r = fstat (t, &st) < 0 ? jr_error_buf (e, errno, "%s: stat", *p)
                : pass             ? proc_ro_one (rootfd, *p, t, e)
                                   : proc_mask_one (rootfd, *p, S_ISDIR (st.st_mode), e);
        close (t);
        if (r < 0)
          return r;
      }
  return 0;
}

/* A full procfs (free, nproc, top and os.cpu_count() read meminfo, stat,
 * cpuinfo, uptime, loadavg) with Docker's masks; where the kernel refuses
 * a full procfs in this user namespace (a host /proc with parts covered),
 * subset=pid. */
int
jr_mount_proc (int rootfd, struct jail_error *e)
{
  bool full = true;
  int m = proc_new (false, e);
  if (m < 0 && e->code == EPERM)
    {
      full = false;
      m = proc_new (true, e);
    }
  if (m < 0)
    return m;
  int r = jr_attach (m, rootfd, "/proc", false, e);
  close (m);
  if (r == 0 && full)
    r = proc_harden (rootfd, e);
  return r;
}

/* Bind the host's device node name onto an empty file in the new /dev. */
static int
bind_node (int devfd, const char *name, struct jail_error *e)
{
  char host[32];
  snprintf (host, sizeof host, "/dev/%s", name);
  int src = open_tree (AT_FDCWD, host, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  if (src < 0)
    return jr_error_buf (e, errno, "/dev/%s: open_tree", name);
  int f = openat (devfd, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0666);
  if (f >= 0)
    close (f);
  int r = f < 0 ? -1 : move_mount (src, "", devfd, name, MOVE_MOUNT_F_EMPTY_PATH);
  int saved = errno;
  close (src);
  if (r < 0)
    return jr_error_buf (e, saved, "/dev/%s: bind", name);
  return 0;
}

/* devpts with its own ptmx, and /dev/ptmx pointing at it. */
static int
mount_devpts (int rootfd, int devfd, struct jail_error *e)
{
  int fs = fsopen ("devpts", FSOPEN_CLOEXEC);
  int r = fs < 0 ? -1 : fsconfig (fs, FSCONFIG_SET_FLAG, "newinstance", NULL, 0);
  if (r == 0)
    r = fsconfig (fs, FSCONFIG_SET_STRING, "ptmxmode", "0666", 0);
  if (r == 0)
    r = fsconfig (fs, FSCONFIG_SET_STRING, "mode", "0620", 0);
  if (r == 0)
    r = fsconfig (fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0);
  int m = r == 0 ? fsmount (fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC) : -1;
  int saved = errno;
  if (fs >= 0)
    close (fs);
  if (m < 0)
    return jr_error_buf (e, saved, "/dev/pts: mount devpts");
  r = jr_attach (m, rootfd, "/dev/pts", false, e);
  close (m);
  if (r == 0 && symlinkat ("pts/ptmx", devfd, "ptmx") < 0)
    r = jr_error_buf (e, errno, "/dev/ptmx: symlink");
  return r;
}

int
jr_dev_nodes (int devfd, struct jail_error *e)
{
  int r = 0;
  for (size_t i = 0; r == 0 && dev_nodes[i]; i++)
    r = bind_node (devfd, dev_nodes[i], e);
  static const char *const links[][2] = {
    { "/proc/self/fd", "fd" },
    { "/proc/self/fd/0", "stdin" },
    { "/proc/self/fd/1", "stdout" },
    { "/proc/self/fd/2", "stderr" },
  };
  for (size_t i = 0; r == 0 && i < 4; i++)
    if (symlinkat (links[i][0], devfd, links[i][1]) < 0)
      r = jr_error_buf (e, errno, "/dev/%s: symlink", links[i][1]);
  return r;
}

int
jr_mount_dev (int rootfd, struct jail_error *e)
{
  int m = jr_tmpfs_new (65536, 0755, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, e);
  if (m < 0)
    return m;
  int r = jr_attach (m, rootfd, "/dev", false, e);
  if (r == 0)
    r = jr_dev_nodes (m, e);
  if (r == 0 && (mkdirat (m, "pts", 0755) < 0 || mkdirat (m, "shm", 01777) < 0))
    r = jr_error_buf (e, errno, "/dev: mkdir");
  if (r == 0)
    r = mount_devpts (rootfd, m, e);
  int shm = r == 0 ? jr_tmpfs_new (JR_TMP_SIZE, 01777, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, e) : -1;
  if (r == 0)
    r = shm < 0 ? shm : jr_attach (shm, rootfd, "/dev/shm", false, e);
  if (shm >= 0)
    close (shm);
  /* /dev itself read-only: the jail cannot add nodes or links. */
  if (r == 0)
    r = jr_setattr (m, MOUNT_ATTR_RDONLY, false, e, "/dev");
  close (m);
  return r;
}
