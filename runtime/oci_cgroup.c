/* oci_cgroup.c - an OCI container's cgroup v2: linux.cgroupsPath resolved
 * (absolute: under the cgroup2 mount; relative: under the runtime's own
 * cgroup; none: /jailrun-oci/ID as root, jailrun-oci-ID beside the
 * caller rootless), made with mkdir -p, the controllers the resources
 * need enabled along its ancestors (a controller this host does not have
 * in cgroup v2 is an error naming it), the resources written, and its end
 * (kill, remove with the ancestors create made).  Also the freezer
 * (pause/resume), the member list (ps, kill --all) and update. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "oci.h"

/* The controller of a cgroup file ("memory" of "memory.max"). */
static void
controller_of (const char *file, char *out, size_t sz)
{
  snprintf (out, sz, "%.*s", (int) strcspn (file, "."), file);
}

/* Is word in the space-separated list text? */
static bool
has_word (const char *text, const char *word)
{
  size_t n = strlen (word);
  for (const char *p = text; (p = strstr (p, word)) != NULL; p += n)
    if ((p == text || p[-1] == ' ' || p[-1] == '\n') && (p[n] == '\0' || p[n] == ' ' || p[n] == '\n'))
      return true;
  return false;
}

/* Has path a "." or ".." component (anywhere, last included: "/." is
 * the cgroup root and "." the runtime's own cgroup, neither made for the
 * container)? */
static bool
dot_component (const char *path)
{
  for (const char *p = path; (p = strchr (p, '/')) != NULL; p++)
    {
      size_t n = strcspn (p + 1, "/");
      if ((n == 1 && p[1] == '.') || (n == 2 && p[1] == '.' && p[2] == '.'))
        return true;
    }
  return false;
}

/* The cgroup's absolute path from cgroupsPath (NULL: the default). */
static int
resolve (const char *cg_path, const char *id, char **out, char **mount, jail_error **err)
{
  cleanup_free char *mroot = NULL;
  if (jr_cg_mount (mount, &mroot) < 0)
    return jr_error_msg (err, ENOTSUP, "cgroup: no cgroup v2 hierarchy is mounted (jailrun-oci uses cgroup v2 only): run with --cgroup-manager disabled");
  const char *p = cg_path;
  cleanup_free char *own = NULL;
  if (p == NULL || p[0] != '/')
    own = jr_cg_own (*mount, mroot);
  if ((p == NULL || p[0] != '/') && own == NULL)
    return jr_error_msg (err, ENOENT, "cgroup: the runtime's own cgroup is not in the cgroup v2 hierarchy at %s", *mount);
  int n;
  if (p == NULL && geteuid () == 0)
    n = asprintf (out, "%s/jailrun-oci/%s", *mount, id);
  else if (p == NULL)
    n = asprintf (out, "%s/jailrun-oci-%s", own, id);
  else
    n = asprintf (out, "%s/%s", p[0] == '/' ? *mount : own, p + (p[0] == '/'));
  if (n < 0)
    return *out = NULL, jr_error (err, ENOMEM, "cgroup");
  size_t len = strlen (*out);
  while (len > strlen (*mount) + 1 && (*out)[len - 1] == '/')
    (*out)[--len] = '\0';
  if (dot_component (*out) || strcmp (*out, *mount) == 0 || strstr (*out, "//"))
    return jr_error_msg (err, EINVAL, "config.json: linux.cgroupsPath %s: give a path of its own below the cgroup root, without '.', '..' or '//'",
                         cg_path ? cg_path : "");
  return 0;
}

/* mkdir -p below mount; *made: the first directory this call created. */
static int
make_dirs (const char *path, const char *mount, char **made)
{
  cleanup_free char *p = strdup (path);
  if (p == NULL)
    return -ENOMEM;
  for (char *s = p + strlen (mount) + 1;; s++)
    {
      bool end = *s == '\0';
      if (*s != '/' && !end)
        continue;
      *s = '\0';
      int e = mkdir (p, 0755) == 0 ? 0 : errno;
      if (e == 0 && *made == NULL && (*made = strdup (p)) == NULL)
        return -ENOMEM;
      if (e != 0 && e != EEXIST && access (p, F_OK) < 0)
        return -e;
      if (end)
        return 0;
      *s = '/';
    }
}

/* Every controller res needs is in the hierarchy (before anything is made). */
static int
check_controllers (const char *mount, const struct jr_oci_res *res, jail_error **err)
{
  char buf[512], ctl[32];
  snprintf (buf, sizeof buf, "%s/cgroup.controllers", mount);
  if (jr_cg_read (AT_FDCWD, buf, buf, sizeof buf) < 0)
    buf[0] = '\0';
  for (size_t i = 0; i < res->n; i++)
    {
      controller_of (res->set[i].file, ctl, sizeof ctl);
      if (!has_word (buf, ctl))
        return jr_error_msg (err, EOPNOTSUPP, "linux.resources: %s: the %s controller is not in the cgroup v2 hierarchy at %s (this host binds it to cgroup v1 or lacks it): boot with systemd.unified_cgroup_hierarchy=1 (or cgroup_no_v1=all), or run with --cgroup-manager disabled (podman: --cgroups disabled) or without that limit",
                             res->set[i].file, ctl, mount);
    }
  return 0;
}

/* Enable controller ctl for the children of every ancestor of path. */
static int
enable_along (const char *path, const char *mount, const char *ctl, jail_error **err)
{
  char buf[512], cmd[80];
  cleanup_free char *p = strdup (path);
  if (p == NULL)
    return jr_error (err, ENOMEM, "cgroup");
  snprintf (cmd, sizeof cmd, "+%s", ctl);
  for (char *s = p + strlen (mount); s && *s == '/'; s = strchr (s + 1, '/'))
    {
      *s = '\0';
      int fd cleanup_close = open (p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      *s = '/';
      int r = fd < 0 ? -errno : jr_cg_read (fd, "cgroup.subtree_control", buf, sizeof buf) < 0 ? -errno
                                                                                               : 0;
      if (r == 0 && !has_word (buf, ctl))
        r = jr_cg_write (fd, "cgroup.subtree_control", cmd);
      if (r < 0)
        {
          *s = '\0';
          return jr_error (err, -r, "cgroup %s: cgroup.subtree_control: %s (a cgroup that holds processes cannot delegate: choose a cgroupsPath below an empty one)",
                           p, cmd);
        }
    }
  return 0;
}

int
jr_oci_cgroup_apply (int fd, const char *path, const struct jr_oci_res *res, jail_error **err)
{
  for (size_t i = 0; i < res->n; i++)
    {
      int r = jr_cg_write (fd, res->set[i].file, res->set[i].val);
      if (r == -ENOENT)
        return jr_error_msg (err, EOPNOTSUPP, "cgroup %s: %s does not exist (its controller is not enabled there, or the kernel lacks it): the limit cannot be enforced",
                             path, res->set[i].file);
      if (r < 0)
        return jr_error (err, -r, "cgroup %s: %s: write '%s'", path, res->set[i].file, res->set[i].val);
    }
  return 0;
}

/* Enable what res needs, open the cgroup and write res. */
static int
fill (struct jr_oci_cg *cg, const char *mount, const struct jr_oci_res *res, jail_error **err)
{
  for (size_t i = 0; i < res->n; i++)
    {
      char ctl[32];
      controller_of (res->set[i].file, ctl, sizeof ctl);
      int r = enable_along (cg->path, mount, ctl, err);
      if (r < 0)
        return jr_error_wrap (err, "linux.resources: %s", res->set[i].file);
    }
  cg->fd = open (cg->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cg->fd < 0)
    return jr_error (err, errno, "cgroup %s", cg->path);
  return jr_oci_cgroup_apply (cg->fd, cg->path, res, err);
}

int
jr_oci_cgroup_make (const char *cg_path, const char *id, const struct jr_oci_res *res, struct jr_oci_cg *cg, jail_error **err)
{
  *cg = (struct jr_oci_cg) { .fd = -1 };
  cleanup_free char *mount = NULL;
  int r = resolve (cg_path, id, &cg->path, &mount, err);
  if (r == -ENOTSUP && res->n == 0 && err)
    {
      jail_error_free (*err); /* nothing asked: run without */
      *err = NULL;
    }
  if (r == -ENOTSUP && res->n == 0)
    return 0;
  if (r < 0)
    return r;
  r = check_controllers (mount, res, err);
  if (r < 0)
    return jr_oci_cgroup_release (cg, false), r;
  r = make_dirs (cg->path, mount, &cg->made);
  if (r < 0 && res->n == 0 && (r == -EACCES || r == -EPERM || r == -EROFS))
    {
      jr_oci_cgroup_release (cg, true); /* not delegated, nothing asked */
      return 0;
    }
  if (r == 0 && cg_path == NULL && geteuid () == 0)
    {
      /* The default place is jailrun-oci's own: the last one out removes
       * the shared parent too (rmdir fails while others use it). */
      free (cg->made);
      cg->made = strndup (cg->path, (size_t) (strrchr (cg->path, '/') - cg->path));
      r = cg->made ? 0 : -ENOMEM;
    }
  if (r < 0)
    r = jr_error (err, -r, "cgroup %s (linux.cgroupsPath): mkdir", cg->path);
  if (r == 0)
    r = fill (cg, mount, res, err);
  if (r < 0)
    jr_oci_cgroup_release (cg, true);
  return r;
}

void
jr_oci_cgroup_remove (const char *path, const char *made)
{
  if (path == NULL || made == NULL)
    return; /* not ours: a cgroup that existed before create stays */
  cleanup_free char *p = strdup (path);
  char *slash = p ? strrchr (p, '/') : NULL;
  if (slash == NULL)
    return;
  *slash = '\0';
  int parent cleanup_close = open (p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (parent >= 0)
    jr_cg_remove (parent, slash + 1, 0);
  /* The ancestors create made, deepest first, while they are empty. */
  size_t ml = strlen (made);
  while (strlen (p) >= ml && strncmp (p, made, ml) == 0 && rmdir (p) == 0 && (slash = strrchr (p, '/')) != NULL)
    *slash = '\0';
}

void
jr_oci_cgroup_release (struct jr_oci_cg *cg, bool remove)
{
  if (cg->fd >= 0)
    close (cg->fd);
  if (remove)
    jr_oci_cgroup_remove (cg->path, cg->made);
  free (cg->path);
  free (cg->made);
  free (cg->scope);
  *cg = (struct jr_oci_cg) { .fd = -1 };
}

/* cgroup.events says "frozen N": N, or -errno. */
int
jr_oci_cgroup_frozen (const char *path)
{
  char file[4200], buf[256];
  snprintf (file, sizeof file, "%s/cgroup.events", path);
  ssize_t n = jr_cg_read (AT_FDCWD, file, buf, sizeof buf);
  if (n < 0)
    return (int) n;
  long long v = jr_cg_key (buf, "frozen");
  return v < 0 ? -ENOTSUP : (int) v;
}

int
jr_oci_cgroup_freeze (const char *path, bool freeze, jail_error **err)
{
  int fd cleanup_close = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int r = fd < 0 ? -errno : jr_cg_write (fd, "cgroup.freeze", freeze ? "1" : "0");
  if (r == -ENOENT)
    return jr_error_msg (err, ENOTSUP, "cgroup %s: no cgroup.freeze (the cgroup v2 freezer needs Linux 5.2)", path);
  if (r < 0)
    return jr_error (err, -r, "cgroup %s: cgroup.freeze", path);
  /* Wait (bounded: 20 s; a loaded machine schedules the tasks late)
   * until the kernel says every task stopped. */
  int ev cleanup_close = openat (fd, "cgroup.events", O_RDONLY | O_CLOEXEC);
  for (int i = 0; ev >= 0 && i < 400; i++)
    {
      if (jr_oci_cgroup_frozen (path) == (freeze ? 1 : 0))
        return 0;
      struct pollfd p = { .fd = ev, .events = POLLPRI };
      poll (&p, 1, 50);
    }
  return jr_error_msg (err, ETIMEDOUT, "cgroup %s: not %s within 20 s", path, freeze ? "frozen" : "thawed");
}

/* Append the pids of dir's cgroup.procs and its children's (depth-bounded). */
static void
collect (int dir, pid_t *pids, size_t *n, size_t max, int depth)
{
  char buf[65536];
  if (depth > 16 || jr_cg_read (dir, "cgroup.procs", buf, sizeof buf) < 0)
    return;
  for (char *p = buf; *p && *n < max; p += strcspn (p, "\n") + (p[strcspn (p, "\n")] != '\0'))
    if (atoi (p) > 0)
      pids[(*n)++] = atoi (p);
  DIR *d = jr_cg_opendir (dir);
  struct dirent *de;
  while (d && (de = readdir (d)) != NULL)
    {
      if (de->d_type != DT_DIR || de->d_name[0] == '.')
        continue;
      int sub = openat (dir, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
      if (sub >= 0)
        collect (sub, pids, n, max, depth + 1), close (sub);
    }
  if (d)
    closedir (d);
}

int
jr_oci_cgroup_pids (const char *path, pid_t *pids, size_t *n, jail_error **err)
{
  size_t max = *n;
  *n = 0;
  int fd cleanup_close = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return jr_error (err, errno, "cgroup %s", path);
  collect (fd, pids, n, max, 0);
  return 0;
}
