/* oci_child.c - the container's init between clone and execve in OCI
 * mode: it builds the root from config.json (fd-based mounts, as
 * mounts.c: openat2 RESOLVE_IN_ROOT for every target, the new mount API
 * for every mount), checks the command exists (so create fails with the
 * text engines map to 127), tells create it is ready, waits on exec.fifo
 * for start, then drops to the process's ids and capabilities, sets
 * no_new_privs, closes inherited fds and loads the engine's seccomp
 * profile and jailrun's floor last.  It becomes the command (pid 1 of its
 * pid namespace): no jailrun process stays. */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fdpass.h"
#include "mounts.h"
#include "oci.h"
#include "process.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* A filesystem mount (not a bind) from its type and options. */
static int
fs_mount (const struct jr_oci_mount *m, struct jail_error *e)
{
  const char *type = strcmp (m->type, "cgroup") == 0 ? "cgroup2" : m->type;
  int fs = fsopen (type, FSOPEN_CLOEXEC);
  if (fs < 0)
    return jr_error_buf (e, errno, "%s: fsopen %s", m->dst, type);
  /* The source shows in mountinfo ("proc", "tmpfs"), as with mount(8). */
  int r = m->src && *m->src ? fsconfig (fs, FSCONFIG_SET_STRING, "source", m->src, 0) : 0;
  const char *bad = "source";
  for (size_t i = 0; r == 0 && m->data[i]; i++)
    {
      char key[64];
      const char *eq = strchr (m->data[i], '=');
      bad = m->data[i];
      if (eq == NULL)
        r = fsconfig (fs, FSCONFIG_SET_FLAG, m->data[i], NULL, 0);
      else if ((size_t) (eq - m->data[i]) < sizeof key)
        {
          memcpy (key, m->data[i], (size_t) (eq - m->data[i]));
          key[eq - m->data[i]] = '\0';
          r = fsconfig (fs, FSCONFIG_SET_STRING, key, eq + 1, 0);
        }
    }
  if (r == 0)
    bad = "create";
  if (r == 0)
    r = fsconfig (fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0);
  int mfd = r == 0 ? fsmount (fs, FSMOUNT_CLOEXEC, m->attrs) : -1;
  int saved = errno;
  close (fs);
  if (mfd < 0)
    return jr_error_buf (e, saved, "%s (%s): %s", m->dst, type, bad);
  return mfd;
}

/* /dev from the config (a tmpfs): jailrun's device nodes and links. */
static int
populate_dev (int rootfd, struct jail_error *e)
{
  int dev = jr_resolve (rootfd, "/dev", O_DIRECTORY, e);
  if (dev < 0)
    return dev;
  int r = jr_dev_nodes (dev, e);
  close (dev);
  return r;
}

/* A bind's attributes.  A bind of a host mount keeps its atime mode in a
 * user namespace (the kernel locks it): an atime option applies where it
 * can, the others always. */
static int
bind_attrs (const struct jr_oci_mount *m, int src, struct jail_error *e)
{
  if (jr_setattr (src, m->attrs, m->recursive, e, m->dst) == 0)
    return 0;
  unsigned atime = MOUNT_ATTR__ATIME | MOUNT_ATTR_NODIRATIME;
  if (e->code != EPERM || !(m->attrs & atime))
    return -1;
  *e = (struct jail_error) { 0 };
  return jr_setattr (src, m->attrs & ~atime, m->recursive, e, m->dst);
}

/* A detached clone of a shared host mount is a peer of it: make the
 * whole clone private before it is attached, so no mount propagates
 * between the container and the host (pivot_root also refuses a shared
 * root). */
static int
make_private (int mfd, const char *what, struct jail_error *e)
{
  struct mount_attr a = { .propagation = MS_PRIVATE };
  if (mount_setattr (mfd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof a) < 0)
    return jr_error_buf (e, errno, "%s: make private", what);
  return 0;
}

/* A private clone of the bind source (an O_PATH fd opened with the
 * caller's host ids), made now so mountinfo follows the config's order. */
static int
clone_source (const struct jr_oci_mount *m, int src, struct jail_error *e)
{
  int t = open_tree (src, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | (m->recursive ? AT_RECURSIVE : 0));
  if (t < 0)
    return jr_error_buf (e, errno, "%s: source %s: open_tree", m->dst, m->src);
  if (make_private (t, m->src, e) < 0 || bind_attrs (m, t, e) < 0)
    {
      close (t);
      return -1;
    }
  return t;
}

/* Mount m (src: the bind source, or -1) at its destination. */
static int
mount_one (int rootfd, const struct jr_oci_mount *m, int src, struct jail_error *e)
{
  bool file = false;
  int mfd;
  if (m->bind)
    {
      struct stat st;
      if (fstat (src, &st) < 0)
        return jr_error_buf (e, errno, "%s: fstat", m->src);
      file = !S_ISDIR (st.st_mode);
      if ((mfd = clone_source (m, src, e)) < 0)
        return mfd;
    }
  else if ((mfd = fs_mount (m, e)) < 0)
    return mfd;
  int r = jr_attach (mfd, rootfd, m->dst, file, e);
  close (mfd);
  if (r == 0 && strcmp (m->dst, "/dev") == 0 && strcmp (m->type, "tmpfs") == 0)
    r = populate_dev (rootfd, e);
  if (r == 0 && strcmp (m->dst, "/dev/pts") == 0)
    {
      int dev = jr_resolve (rootfd, "/dev", O_DIRECTORY, e);
      if (dev >= 0 && unlinkat (dev, "ptmx", 0) < 0 && errno != ENOENT)
        r = jr_error_buf (e, errno, "/dev/ptmx");
      if (dev >= 0 && r == 0 && symlinkat ("pts/ptmx", dev, "ptmx") < 0)
        r = jr_error_buf (e, errno, "/dev/ptmx: symlink");
      r = dev < 0 ? dev : r;
      if (dev >= 0)
        close (dev);
    }
  return r;
}

/* maskedPaths (an empty read-only tmpfs on directories, /dev/null on
 * files) and readonlyPaths (a read-only bind onto itself). */
static int
mask_paths (int rootfd, const struct jr_oci_spec *s, struct jail_error *e)
{
  for (size_t i = 0; i < s->n_masked + s->n_ro; i++)
    {
      bool mask = i < s->n_masked;
      const char *p = mask ? s->masked[i] : s->ro_paths[i - s->n_masked];
      int t = jr_resolve (rootfd, p, 0, e);
      if (t < 0)
        continue; /* absent here */
      struct stat st;
      int m = -1, r = fstat (t, &st);
      if (!mask)
        m = open_tree (t, "", AT_EMPTY_PATH | OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
      else if (S_ISDIR (st.st_mode))
        m = jr_tmpfs_new (4096, 0555, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, e);
      else
        m = open_tree (AT_FDCWD, "/dev/null", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
      if (m >= 0 && !mask)
        r = jr_setattr (m, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, true, e, p);
      if (m >= 0 && r == 0 && move_mount (m, "", t, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        r = jr_error_buf (e, errno, "%s: move_mount", p);
      if (m < 0 && e->code == 0)
        r = jr_error_buf (e, errno, "%s: open_tree", p);
      if (m >= 0)
        close (m);
      close (t);
      if (r < 0 || m < 0)
        return jr_error_buf_wrap (e, mask ? "maskedPaths" : "readonlyPaths");
    }
  return 0;
}

/* Highest gid this user namespace maps. */
static unsigned
max_mapped_gid (void)
{
  FILE *f = fopen ("/proc/self/gid_map", "re");
  unsigned first, host, count, max = 0;
  while (f && fscanf (f, "%u %u %u", &first, &host, &count) == 3)
    if (count > 0 && first + count - 1 > max)
      max = first + count - 1;
  if (f)
    fclose (f);
  return max;
}

/* linux.sysctl, written through the container's /proc before
 * readonlyPaths make /proc/sys read-only. */
static int
write_sysctls (int rootfd, const struct jr_oci_spec *s, struct jail_error *e)
{
  for (size_t i = 0; s->sysctl && s->sysctl[i]; i += 2)
    {
      char path[256];
      int n = snprintf (path, sizeof path, "proc/sys/%s", s->sysctl[i]);
      for (char *p = path + 9; *p; p++)
        *p = *p == '.' ? '/' : *p;
      struct open_how how = { .flags = O_WRONLY | O_CLOEXEC,
                              .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
      int fd = n < (int) sizeof path ? (int) syscall (SYS_openat2, rootfd, path, &how, sizeof how) : -1;
      const char *val = s->sysctl[i + 1];
      char clamped[32];
      size_t len = strlen (val);
      int r = fd < 0 || write (fd, val, len) != (ssize_t) len ? -1 : 0;
      /* Docker's "0 2147483647" names groups this user namespace does not
       * map: the same meaning, within the mapped ones. */
      if (r < 0 && errno == EINVAL && fd >= 0 && strcmp (s->sysctl[i], "net.ipv4.ping_group_range") == 0)
        {
          snprintf (clamped, sizeof clamped, "0 %u", max_mapped_gid ());
          val = clamped;
          r = write (fd, clamped, strlen (clamped)) == (ssize_t) strlen (clamped) ? 0 : -1;
        }
      int saved = errno;
      if (fd >= 0)
        close (fd);
      if (r < 0)
        return jr_error_buf (e, saved, "linux.sysctl %s=%s (needs a /proc mount)", s->sysctl[i], val);
    }
  return 0;
}

/* Host-side trees, opened with the caller's host ids before any id
 * change: the rootfs clone and every bind source. */
static int
open_trees (const struct jr_oci_spec *s, int *root_src, int *root, int *src, struct jail_error *e)
{
  *root_src = open (s->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (*root_src < 0)
    return jr_error_buf (e, errno, "root.path %s", s->root);
  if (*root < 0) /* else create's idmapped clone */
    *root = open_tree (*root_src, "", AT_EMPTY_PATH | OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
  if (*root < 0)
    return jr_error_buf (e, errno, "root.path %s: open_tree", s->root);
  for (size_t i = 0; i < s->n_mounts; i++)
    {
      const struct jr_oci_mount *m = &s->mounts[i];
      if (!m->bind)
        continue;
      /* Cloned when mounted (mount_one), so the mounts appear in
       * mountinfo in the config's order. */
      src[i] = open (m->src, O_PATH | O_CLOEXEC);
      if (src[i] < 0)
        return jr_error_buf (e, errno, "mounts: %s: source %s", m->dst, m->src);
    }
  if (make_private (*root, "root", e) < 0)
    return -1;
  return jr_setattr (*root, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, true, e, "root");
}

static int
pivot (int rootfd, struct jail_error *e)
{
  if (fchdir (rootfd) < 0)
    return jr_error_buf (e, errno, "root: fchdir");
  if (syscall (SYS_pivot_root, ".", ".") < 0)
    return jr_error_buf (e, errno, "root: pivot_root");
  if (umount2 (".", MNT_DETACH) < 0)
    return jr_error_buf (e, errno, "root: detach old root");
  if (chdir ("/") < 0)
    return jr_error_buf (e, errno, "root: chdir /");
  return 0;
}

/* Propagation asked for by mount options and rootfsPropagation, after
 * pivot_root (which refuses a shared root).  Every mount was made private
 * first, so a shared one here starts a peer group of the container's own:
 * nothing propagates to or from the host. */
static int
apply_propagation (const struct jr_oci_spec *s, struct jail_error *e)
{
  int root = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return jr_error_buf (e, errno, "root: open /");
  int r = 0;
  for (size_t i = 0; r == 0 && i <= s->n_mounts; i++)
    {
      unsigned long prop = i < s->n_mounts ? s->mounts[i].prop : s->root_prop;
      const char *dst = i < s->n_mounts ? s->mounts[i].dst : "/";
      if (prop == 0)
        continue;
      int t = jr_resolve (root, dst, 0, e);
      struct mount_attr a = { .propagation = prop & ~(unsigned long) MS_REC };
      if (t >= 0 && mount_setattr (t, "", AT_EMPTY_PATH | (prop & MS_REC ? AT_RECURSIVE : 0), &a, sizeof a) < 0)
        r = jr_error_buf (e, errno, "%s: propagation", dst);
      r = t < 0 ? t : r;
      if (t >= 0)
        close (t);
    }
  close (root);
  return r;
}

/* The state JSON a createContainer or startContainer hook reads: the
 * container as create's state shows it, with the init's host pid. */
static char *
hook_state (const struct jr_oci_child *c, const char *status)
{
  const struct jr_oci_spec *s = c->spec;
  json_object *o = json_object_new_object ();
  json_object_object_add (o, "ociVersion", json_object_new_string (JR_OCI_VERSION));
  json_object_object_add (o, "id", json_object_new_string (c->id));
  json_object_object_add (o, "status", json_object_new_string (status));
  json_object_object_add (o, "pid", json_object_new_int (c->host_pid));
  json_object_object_add (o, "bundle", json_object_new_string (s->bundle));
  json_object *ann = s->annotations_json ? json_tokener_parse (s->annotations_json) : NULL;
  json_object_object_add (o, "annotations", ann ? ann : json_object_new_object ());
  char *out = strdup (json_object_to_json_string_ext (o, JSON_C_TO_STRING_PLAIN));
  json_object_put (o);
  return out;
}

/* The config's hooks of kind with state on stdin, run by the init in
 * the container's namespaces (no_new_privs already set: a hook gains
 * nothing by exec); a failure in *e. */
static int
run_hooks (const struct jr_oci_spec *s, const char *kind, const char *state, struct jail_error *e)
{
  jail_error *he = NULL;
  int r = jr_oci_hooks_run (s->hooks_json, kind, state, &he);
  if (r < 0)
    {
      e->code = he ? he->code : -r;
      snprintf (e->msg, sizeof e->msg, "%s", he ? he->msg : kind);
    }
  jail_error_free (he);
  return r;
}

/* The createContainer hooks with the container's state. */
static int
container_hooks (const struct jr_oci_child *c, const char *kind, const char *status, struct jail_error *e)
{
  if (!c->spec->container_hooks)
    return 0;
  char *state = hook_state (c, status);
  int r = state ? run_hooks (c->spec, kind, state, e) : jr_error_buf (e, ENOMEM, "hooks.%s", kind);
  free (state);
  return r;
}

/* The container's filesystem, the createContainer hooks (in it, before
 * pivot_root, where their paths still resolve on the host), then
 * pivot_root into it. */
static int
build_root (const struct jr_oci_child *c, int idmapped, int *src, struct jail_error *e)
{
  const struct jr_oci_spec *s = c->spec;
  int root_src = -1, root = idmapped;
  int r = open_trees (s, &root_src, &root, src, e);
  /* From here on container root, never host root: what the mounts
   * create belongs to the container. */
  if (r == 0 && syscall (SYS_setgroups, 0, NULL) < 0 && errno != EPERM)
    r = jr_error_buf (e, errno, "setgroups");
  if (r == 0 && (syscall (SYS_setresgid, 0, 0, 0) < 0 || syscall (SYS_setresuid, 0, 0, 0) < 0))
    r = jr_error_buf (e, errno, "container root (uid/gid 0) is not mapped: map container id 0 in linux.uidMappings/gidMappings");
  if (r == 0 && mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    r = jr_error_buf (e, errno, "make / private");
  if (r == 0 && move_mount (root, "", root_src, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    r = jr_error_buf (e, errno, "root.path %s: attach", s->root);
  for (size_t i = 0; r == 0 && i < s->n_mounts; i++)
    if (mount_one (root, &s->mounts[i], src[i], e) < 0)
      r = jr_error_buf_wrap (e, "mounts[%zu]", i);
  if (r == 0)
    r = jr_oci_devices_apply (root, s, e);
  if (r == 0)
    r = write_sysctls (root, s, e);
  if (r == 0)
    r = mask_paths (root, s, e);
  int cwd = r == 0 ? jr_ensure_path (root, s->cwd, false, e) : -1;
  if (r == 0 && cwd < 0)
    r = jr_error_buf_wrap (e, "process.cwd");
  if (cwd >= 0)
    close (cwd);
  if (r == 0 && s->root_ro)
    r = jr_setattr (root, MOUNT_ATTR_RDONLY, false, e, "root.readonly");
  if (r == 0)
    r = container_hooks (c, "createContainer", "creating", e);
  if (r == 0)
    r = pivot (root, e);
  if (r == 0)
    r = apply_propagation (s, e);
  if (root_src >= 0)
    close (root_src);
  if (root >= 0)
    close (root);
  return r;
}

/* Look argv[0] up in the new root as execve will (PATH of process.env);
 * the message uses the words engines map to 126/127. */
/* A message in the exact words engines match (lowercase strerror
 * text: Docker's check is case-sensitive). */
static int
cmd_error (struct jail_error *e, int code, const char *a0, const char *tail)
{
  e->code = code;
  snprintf (e->msg, sizeof e->msg, "exec: \"%.400s\": %.600s", a0, tail);
  return -code;
}

int
jr_oci_find_command (const struct jr_oci_spec *s, char *out, size_t sz, struct jail_error *e)
{
  const char *a0 = s->args[0], *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (char **v = s->env; *v; v++)
    if (strncmp (*v, "PATH=", 5) == 0)
      path = *v + 5;
  struct stat st;
  if (strchr (a0, '/'))
    {
      char tail[512];
      snprintf (out, sz, "%s", a0);
      if (stat (a0, &st) < 0)
        {
          int code = errno;
          snprintf (tail, sizeof tail, "stat %.400s: %s", a0, code == ENOENT ? "no such file or directory" : code == EACCES ? "permission denied"
                                                                                                                            : "cannot access it");
          return cmd_error (e, code, a0, tail);
        }
      if (!S_ISREG (st.st_mode) || access (a0, X_OK) < 0)
        return cmd_error (e, EACCES, a0, "permission denied");
      return 0;
    }
  for (const char *p = path; *p;)
    {
      size_t n = strcspn (p, ":");
      if (n > 0 && (size_t) snprintf (out, sz, "%.*s/%s", (int) n, p, a0) < sz
          && stat (out, &st) == 0 && S_ISREG (st.st_mode) && access (out, X_OK) == 0)
        return 0;
      p += n + (p[n] == ':');
    }
  return cmd_error (e, ENOENT, a0, "executable file not found in $PATH");
}

/* rlimits: failures still reach create. */
int
jr_oci_apply_limits (const struct jr_oci_spec *s, struct jail_error *e)
{
  for (size_t i = 0; i < s->n_rlimits; i++)
    {
      struct rlimit rl = { s->rlimits[i].soft, s->rlimits[i].hard };
      if (setrlimit (s->rlimits[i].type, &rl) < 0)
        return jr_error_buf (e, errno, "process.rlimits: type %d to %llu:%llu (raising a hard limit needs CAP_SYS_RESOURCE on the host: ask for lower limits, e.g. podman --ulimit)",
                             s->rlimits[i].type, (unsigned long long) rl.rlim_cur, (unsigned long long) rl.rlim_max);
    }
  return 0;
}

int
jr_oci_apply_oom (const struct jr_oci_spec *s, struct jail_error *e)
{
  if (!s->has_oom)
    return 0;
  int fd = open ("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  char buf[16];
  int n = snprintf (buf, sizeof buf, "%d", s->oom_score_adj);
  int r = fd < 0 || write (fd, buf, (size_t) n) != n ? jr_error_buf (e, errno, "process.oomScoreAdj %d", s->oom_score_adj) : 0;
  if (fd >= 0)
    close (fd);
  return r;
}

/* Bounding set, groups, ids, then the other four capability sets. */
static int
drop_privileges (const struct jr_oci_spec *s, struct jail_error *e)
{
  for (int c = 0; c < 64 && prctl (PR_CAPBSET_READ, c, 0, 0, 0) >= 0; c++)
    if (!(s->cap_bnd & (1ull << c)) && prctl (PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
      return jr_error_buf (e, errno, "capabilities: drop bounding cap %d", c);
  if (s->n_groups && syscall (SYS_setgroups, s->n_groups, s->groups) < 0)
    return jr_error_buf (e, errno, "process.user.additionalGids");
  prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0);
  if (syscall (SYS_setresgid, s->gid, s->gid, s->gid) < 0)
    return jr_error_buf (e, errno, "process.user.gid %u", s->gid);
  if (syscall (SYS_setresuid, s->uid, s->uid, s->uid) < 0)
    return jr_error_buf (e, errno, "process.user.uid %u", s->uid);
  prctl (PR_SET_KEEPCAPS, 0, 0, 0, 0);
  struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
  struct __user_cap_data_struct d[2];
  for (int i = 0; i < 2; i++)
    {
      d[i].effective = (uint32_t) (s->cap_eff >> (32 * i));
      d[i].permitted = (uint32_t) (s->cap_prm >> (32 * i));
      d[i].inheritable = (uint32_t) (s->cap_inh >> (32 * i));
    }
  if (syscall (SYS_capset, &h, d) < 0)
    return jr_error_buf (e, errno, "process.capabilities: capset (effective must be within permitted)");
  prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  /* The kernel keeps an ambient cap only if it is permitted and
   * inheritable; like runc, others in the list are skipped. */
  uint64_t amb = s->cap_amb & s->cap_prm & s->cap_inh;
  for (int c = 0; c < 64; c++)
    if ((amb & (1ull << c)) && prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
      return jr_error_buf (e, errno, "process.capabilities.ambient: cap %d", c);
  return 0;
}

int
jr_oci_exec_process (const struct jr_oci_spec *s, const char *cmd, const struct jr_bpf *floor,
                     const struct jr_bpf *profile, const char *start_state, int msg_fd)
{
  struct jail_error e = { 0 };
  if (s->umask >= 0)
    umask ((mode_t) s->umask);
  int r = drop_privileges (s, &e);
  if (r == 0 && prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    r = jr_error_buf (&e, errno, "no_new_privs");
  if (r == 0 && chdir (s->cwd) < 0)
    r = jr_error_buf (&e, errno, "process.cwd %s", s->cwd);
  if (r == 0 && syscall (SYS_close_range, 3u + s->preserve_fds, ~0u, CLOSE_RANGE_CLOEXEC) < 0)
    r = jr_error_buf (&e, errno, "close_range");
  for (unsigned fd = 3; r == 0 && fd < 3 + s->preserve_fds; fd++)
    if (fcntl ((int) fd, F_SETFD, 0) < 0)
      r = jr_error_buf (&e, errno, "--preserve-fds: fd %u", fd);
  if (r == 0 && profile->len)
    r = jr_seccomp_load (profile, &e);
  if (r == 0)
    r = jr_seccomp_load (floor, &e);
  /* startContainer hooks last, as runc runs them: with the process's
   * own ids, capabilities and both filters (a hook from the image must
   * not run as the init's full root, before root.readonly and the
   * masks are out of reach). */
  if (r == 0 && start_state)
    r = run_hooks (s, "startContainer", start_state, &e);
  if (r == 0)
    {
      execve (cmd, s->args, s->env);
      jr_error_buf (&e, errno, "exec: \"%s\"", s->args[0]);
    }
  if (msg_fd >= 0)
    jr_msg_send (msg_fd, JR_MSG_SETUP_ERR, &e);
  else
    dprintf (2, "jailrun-oci: %s\n", e.msg);
  return e.code == ENOENT ? 127 : 126;
}

void
jr_oci_idmap_floor (struct jr_oci_spec *s)
{
  uint64_t keep = ~(uint64_t) JR_OCI_IDMAP_DROP;
  s->cap_bnd &= keep, s->cap_eff &= keep, s->cap_prm &= keep, s->cap_inh &= keep, s->cap_amb &= keep;
}

/* Wait for start's byte on exec.fifo (EOF: start gave up, or delete). */
static bool
await_start (int fifo)
{
  struct pollfd p = { .fd = fifo, .events = POLLIN };
  while (poll (&p, 1, -1) < 0)
    if (errno != EINTR)
      return false;
  char b;
  return read (fifo, &b, 1) == 1;
}

/* GO from create, with the idmapped rootfs clone when it made one. */
static ssize_t
recv_go (int fd, struct jr_msg *m, int *idmapped)
{
  int fd1 = -1;
  size_t nfd = 0;
  ssize_t n = jr_recv_fd (fd, m, sizeof *m, &fd1, 1, &nfd, 0);
  if (nfd == 1)
    *idmapped = fd1;
  return n;
}

/* A joined user namespace: the init's first stage joins it before
 * HELLO (create checks its maps through this process), the other
 * namespaces after GO, then clones the init proper into the new or
 * joined pid namespace (CLONE_PARENT: the engine's monitor is its
 * parent too), hands create its pidfd and exits.  Returns in the init
 * (0), or -1 in the first stage after a failure it reported. */
static int
second_stage (struct jr_oci_child *c, struct jail_error *e)
{
  int r = jr_oci_ns_enter (c->join, e);
  int pidfd = -1;
  struct clone_args a = { .flags = CLONE_PARENT | CLONE_PIDFD, .pidfd = (uint64_t) (uintptr_t) &pidfd };
  if (c->join[JR_OCI_NS_PID] < 0)
    a.flags |= CLONE_NEWPID;
  pid_t pid = r == 0 ? (pid_t) syscall (SYS_clone3, &a, sizeof a) : -1;
  if (pid == 0)
    return 0;
  if (r == 0 && pid < 0)
    r = jr_error_buf (e, errno, "linux.namespaces: clone the init");
  if (r < 0)
    {
      jr_msg_send (c->sync_fd, JR_MSG_SETUP_ERR, e);
      return -1;
    }
  struct jr_msg m = { .type = JR_OCI_MSG_INIT };
  jr_send_fd (c->sync_fd, &m, sizeof m, &pidfd, 1, 0);
  _exit (0);
}

/* Before HELLO: the joined user namespace, if any. */
static int
join_user (struct jr_oci_child *c)
{
  struct jail_error e = { 0 };
  if (c->join[JR_OCI_NS_USER] < 0 || setns (c->join[JR_OCI_NS_USER], CLONE_NEWUSER) == 0)
    return 0;
  jr_error_buf (&e, errno, "linux.namespaces: join the user namespace");
  jr_msg_send (c->sync_fd, JR_MSG_SETUP_ERR, &e);
  return -1;
}

int
jr_oci_child_main (struct jr_oci_child *c)
{
  struct jr_oci_spec own = *c->spec; /* this process's copy: the floor may narrow it */
  const struct jr_oci_spec *s = &own;
  struct jail_error e = { 0 };
  close (c->parent_fd);
  /* Dumpable only while create writes the id maps (rootless, its
   * /proc/PID files must be the caller's), then never again. */
  prctl (PR_SET_DUMPABLE, 1, 0, 0, 0);
  if (join_user (c) < 0)
    return 1;
  jr_msg_send (c->sync_fd, JR_MSG_HELLO, NULL);
  struct jr_msg m;
  int idmapped = -1;
  ssize_t n = recv_go (c->sync_fd, &m, &idmapped);
  prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  if (n != (ssize_t) sizeof m || m.type != JR_MSG_GO)
    return 1;
  if (idmapped >= 0)
    jr_oci_idmap_floor (&own); /* create did the same for state.json */
  c->spec = s;                 /* the root and the hooks see the narrowed copy */
  if (c->join[JR_OCI_NS_USER] >= 0 && second_stage (c, &e) < 0)
    return 1;
  /* The hooks' state names the init by its host pid: the runtime's
   * /proc is still mounted here (a joined mount namespace has no hooks). */
  char self[32] = "";
  if (s->container_hooks && readlink ("/proc/self", self, sizeof self - 1) > 0)
    c->host_pid = atoi (self);
  /* A session of its own (runc's setsid): a terminal of create's caller
   * is out of the container's reach (/dev/tty); with a console, the pty
   * becomes the controlling terminal instead (console_setup). */
  int r = c->console_fd < 0 && setsid () < 0 ? jr_error_buf (&e, errno, "setsid") : 0;
  if (r == 0 && s->container_hooks && prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    r = jr_error_buf (&e, errno, "no_new_privs");
  /* The cgroup namespace, rooted at the cgroup clone3 placed it in. */
  if (r == 0 && c->join[JR_OCI_NS_CGROUP] < 0 && unshare (CLONE_NEWCGROUP) < 0)
    r = jr_error_buf (&e, errno, "unshare the cgroup namespace");
  /* oomScoreAdj while /proc/self is still ours to write (host ids). */
  if (r == 0)
    r = jr_oci_apply_oom (s, &e);
  int *src = calloc (s->n_mounts + 1, sizeof *src);
  for (size_t i = 0; src && i < s->n_mounts; i++)
    src[i] = -1;
  /* A joined mount namespace is used as it is: its owner built it. */
  if (r == 0 && c->join[JR_OCI_NS_MNT] < 0)
    r = src ? build_root (c, idmapped, src, &e) : jr_error_buf (&e, ENOMEM, "mounts");
  else if (r == 0 && (syscall (SYS_setresgid, 0, 0, 0) < 0 || syscall (SYS_setresuid, 0, 0, 0) < 0))
    r = jr_error_buf (&e, errno, "container root (uid/gid 0) is not mapped in the joined user namespace");
  for (size_t i = 0; src && i < s->n_mounts; i++)
    if (src[i] >= 0)
      close (src[i]);
  free (src);
  if (r == 0 && s->hostname && sethostname (s->hostname, strlen (s->hostname)) < 0) /* "" too */
    r = jr_error_buf (&e, errno, "hostname %s", s->hostname);
  if (r == 0 && c->join[JR_OCI_NS_NET] < 0) /* a joined network is its owner's */
    r = jr_net_loopback_up (&e);
  if (r == 0 && c->console_fd >= 0)
    r = jr_oci_console_setup (c->console_fd, s->uid, &e);
  if (c->console_fd >= 0)
    close (c->console_fd);
  char cmd[PATH_MAX];
  if (r == 0)
    r = jr_oci_find_command (s, cmd, sizeof cmd, &e);
  if (r == 0)
    r = jr_oci_apply_limits (s, &e);
  if (r < 0)
    {
      jr_msg_send (c->sync_fd, JR_MSG_SETUP_ERR, &e);
      return 1;
    }
  jr_msg_send (c->sync_fd, JR_OCI_MSG_READY, NULL);
  close (c->sync_fd);
  if (!await_start (c->fifo_fd))
    return 1;
  close (c->fifo_fd);
  char *state = s->container_hooks ? hook_state (c, "created") : NULL;
  if (s->container_hooks && state == NULL)
    {
      dprintf (2, "jailrun-oci: hooks.startContainer: out of memory\n");
      return 126;
    }
  int st = jr_oci_exec_process (s, cmd, c->floor, c->profile, state, -1);
  free (state);
  return st;
}
