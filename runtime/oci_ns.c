/* oci_ns.c - linux.namespaces paths: the namespaces a container joins
 * instead of making its own.  create opens each path once (O_PATH first,
 * so whatever the path names is never opened for real unless it is an
 * nsfs file, then re-opened through that fd and its type checked with
 * NS_GET_NSTYPE), refuses the host's own namespaces, and works out the
 * user namespace to join: the config's, or the owner of a joined pid,
 * mount or cgroup namespace (jailrun always runs a container in a user
 * namespace, and one that does not own its pid, mount or cgroup
 * namespace could not mount /proc, its root or cgroup2 there).  A joined
 * user namespace must keep jailrun's floor: not the host's initial one,
 * and no uid or gid range onto host id 0 (checked through a process in
 * it, jr_oci_ns_check_maps).  The init joins the user namespace first,
 * then the others (jr_oci_ns_enter), as the runtime-spec and runc do. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "oci.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

static const struct
{
  const char *name; /* as in /proc/PID/ns/ */
  const char *oci;  /* as in config.json */
  int type;
} ns_tab[JR_OCI_NS_N] = {
  [JR_OCI_NS_IPC] = { "ipc", "ipc", CLONE_NEWIPC },
  [JR_OCI_NS_UTS] = { "uts", "uts", CLONE_NEWUTS },
  [JR_OCI_NS_NET] = { "net", "network", CLONE_NEWNET },
  [JR_OCI_NS_PID] = { "pid", "pid", CLONE_NEWPID },
  [JR_OCI_NS_CGROUP] = { "cgroup", "cgroup", CLONE_NEWCGROUP },
  [JR_OCI_NS_MNT] = { "mnt", "mount", CLONE_NEWNS },
  [JR_OCI_NS_USER] = { "user", "user", CLONE_NEWUSER },
};

void
jr_oci_ns_close (int fds[JR_OCI_NS_N])
{
  for (int k = 0; k < JR_OCI_NS_N; k++)
    if (fds[k] >= 0)
      close (fds[k]), fds[k] = -1;
}

/* Do fds a and b name the same namespace? */
static bool
same_ns (int a, int b)
{
  struct stat x, y;
  return fstat (a, &x) == 0 && fstat (b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

/* Is fd the namespace at /proc/PID/ns/NAME (unreadable: no)? */
static bool
is_ns_of (int fd, const char *pid, const char *name)
{
  char path[64];
  snprintf (path, sizeof path, "/proc/%s/ns/%s", pid, name);
  int o cleanup_close = open (path, O_RDONLY | O_CLOEXEC);
  return o >= 0 && same_ns (fd, o);
}

/* path as a namespace fd of type k, or -errno. */
static int
open_ns (const char *path, int k, jail_error **err)
{
  const char *t = ns_tab[k].oci;
  int p cleanup_close = open (path, O_PATH | O_CLOEXEC);
  if (p < 0)
    return jr_error (err, errno, "config.json: linux.namespaces: %s namespace %s", t, path);
  struct statfs sf;
  if (fstatfs (p, &sf) < 0 || sf.f_type != NSFS_MAGIC)
    return jr_error_msg (err, EINVAL, "config.json: linux.namespaces: %s namespace %s is not a namespace file (give /proc/PID/ns/%s or a bind mount of one)",
                         t, path, ns_tab[k].name);
  char self[64];
  snprintf (self, sizeof self, "/proc/self/fd/%d", p);
  int fd = open (self, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return jr_error (err, errno, "config.json: linux.namespaces: %s namespace %s", t, path);
  int type = ioctl (fd, NS_GET_NSTYPE);
  if (type != ns_tab[k].type)
    {
      close (fd);
      return jr_error_msg (err, EINVAL, "config.json: linux.namespaces: %s is not a %s namespace (give /proc/PID/ns/%s)", path, t,
                           ns_tab[k].name);
    }
  return fd;
}

/* The host's own namespaces (create's, or PID 1's) are refused. */
static int
refuse_host (int fd, int k, const char *path, jail_error **err)
{
  bool initial = is_ns_of (fd, "1", ns_tab[k].name) || is_ns_of (fd, "self", ns_tab[k].name);
  if (k == JR_OCI_NS_USER && !initial && ioctl (fd, NS_GET_PARENT) < 0 && errno == EPERM)
    initial = true; /* no parent in reach: the initial one, or outside ours */
  if (!initial)
    return 0;
  return jr_error_msg (err, EPERM, "config.json: linux.namespaces: %s is the host's own %s namespace: refused (jailrun never runs a container in the host's %s namespace: give a namespace of its own, or none)",
                       path, ns_tab[k].oci, ns_tab[k].oci);
}

/* A joined pid, mount or cgroup namespace must belong to the joined user
 * namespace (the init has no privilege over one that does not). */
static int
check_owner (int fds[JR_OCI_NS_N], int k, const struct jr_oci_spec *s, jail_error **err)
{
  int owner cleanup_close = ioctl (fds[k], NS_GET_USERNS);
  if (owner < 0)
    return jr_error (err, errno, "config.json: linux.namespaces: %s namespace %s: its user namespace", ns_tab[k].oci,
                     s->ns_join[k]);
  if (fds[JR_OCI_NS_USER] < 0)
    {
      fds[JR_OCI_NS_USER] = owner;
      owner = -1;
      return 0;
    }
  if (same_ns (owner, fds[JR_OCI_NS_USER]))
    return 0;
  return jr_error_msg (err, EINVAL, "config.json: linux.namespaces: the %s namespace %s belongs to another user namespace than the joined one: join the user namespace that owns it (or drop the user namespace path: jailrun then joins that one)",
                       ns_tab[k].oci, s->ns_join[k]);
}

/* A joined user namespace must have been made by the caller's own uid
 * (NS_GET_OWNER_UID): as root, an unprivileged user's `unshare -U` would
 * otherwise hold the container, and that user could ptrace it. */
static int
check_creator (int fd, const char *path, jail_error **err)
{
  uid_t owner;
  if (ioctl (fd, NS_GET_OWNER_UID, &owner) < 0)
    return jr_error (err, errno, "config.json: linux.namespaces: user namespace %s: its owner", path);
  if (owner == geteuid ())
    return 0;
  return jr_error_msg (err, EPERM, "config.json: linux.namespaces: user namespace %s was made by uid %u, not by jailrun-oci's caller (uid %u): refused (its maker could enter or trace the container: join a namespace made by the same user)",
                       path, (unsigned) owner, (unsigned) geteuid ());
}

int
jr_oci_ns_open (const struct jr_oci_spec *s, int fds[JR_OCI_NS_N], jail_error **err)
{
  for (int k = 0; k < JR_OCI_NS_N; k++)
    fds[k] = -1;
  int r = 0;
  for (int k = 0; r == 0 && k < JR_OCI_NS_N; k++)
    if (s->ns_join[k] && (r = fds[k] = open_ns (s->ns_join[k], k, err)) >= 0)
      r = refuse_host (fds[k], k, s->ns_join[k], err);
  static const int owned[] = { JR_OCI_NS_PID, JR_OCI_NS_MNT, JR_OCI_NS_CGROUP };
  for (size_t i = 0; r == 0 && i < sizeof owned / sizeof *owned; i++)
    if (fds[owned[i]] >= 0)
      r = check_owner (fds, owned[i], s, err);
  if (r == 0 && fds[JR_OCI_NS_USER] >= 0 && s->ns_join[JR_OCI_NS_USER] == NULL)
    r = refuse_host (fds[JR_OCI_NS_USER], JR_OCI_NS_USER, "the user namespace owning the joined ones", err);
  if (r == 0 && fds[JR_OCI_NS_USER] >= 0)
    r = check_creator (fds[JR_OCI_NS_USER], s->ns_join[JR_OCI_NS_USER] ? s->ns_join[JR_OCI_NS_USER] : "(the owner of the joined ones)", err);
  if (r < 0)
    jr_oci_ns_close (fds);
  return r < 0 ? r : 0;
}

/* 0, or -EPERM when a range of /proc/PID/FILE starts at host id 0. */
static int
check_map (pid_t pid, const char *file, jail_error **err)
{
  char path[64];
  snprintf (path, sizeof path, "/proc/%d/%s", (int) pid, file);
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  FILE *f = fd >= 0 ? fdopen (fd, "re") : NULL;
  if (f == NULL)
    {
      int e = errno;
      if (fd >= 0)
        close (fd);
      return jr_error (err, e, "joined user namespace: %s", path);
    }
  unsigned long first, lower, count;
  int r = 0, n = 0;
  while (r == 0 && fscanf (f, "%lu %lu %lu", &first, &lower, &count) == 3)
    {
      n++;
      if (lower == 0)
        r = jr_error_msg (err, EPERM, "config.json: linux.namespaces: the joined user namespace maps container %s %lu to host %s 0: refused (jailrun never runs a container as host root): join a user namespace that maps container ids to an unprivileged host range",
                          file[0] == 'u' ? "uid" : "gid", first, file[0] == 'u' ? "uid" : "gid");
    }
  fclose (f);
  if (r == 0 && n == 0)
    r = jr_error_msg (err, EPERM, "config.json: linux.namespaces: the joined user namespace has no %s: refused", file);
  return r;
}

int
jr_oci_ns_check_maps (pid_t pid, jail_error **err)
{
  int r = check_map (pid, "uid_map", err);
  return r < 0 ? r : check_map (pid, "gid_map", err);
}

int
jr_oci_ns_enter (const int fds[JR_OCI_NS_N], struct jail_error *e)
{
  int fresh = 0;
  for (int k = 0; k < JR_OCI_NS_USER; k++)
    {
      if (fds[k] < 0)
        {
          /* The pid namespace comes with the next clone, the cgroup
           * namespace after it (rooted at the container's cgroup). */
          if (k != JR_OCI_NS_PID && k != JR_OCI_NS_CGROUP)
            fresh |= ns_tab[k].type;
          continue;
        }
      if (setns (fds[k], ns_tab[k].type) < 0)
        return jr_error_buf (e, errno, "linux.namespaces: join the %s namespace", ns_tab[k].oci);
    }
  if (fresh && unshare (fresh) < 0)
    return jr_error_buf (e, errno, "linux.namespaces: unshare new namespaces in the joined user namespace");
  return 0;
}
