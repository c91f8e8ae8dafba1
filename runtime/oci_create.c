/* oci_create.c - `create`: read the bundle, make the state directory and
 * exec.fifo, compile jailrun's seccomp floor and the engine's profile,
 * then clone3 the container's init with CLONE_PARENT (so the engine's
 * monitor, conmon or the shim, is its parent and reaps it) into new user,
 * mount, pid, net, ipc, uts and cgroup namespaces, write its id maps
 * (never host uid 0), wait until it reports the container built, and
 * write state.json and the pid file (atomically, last).  create exits;
 * the init waits on exec.fifo for start. */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "fdpass.h"
#include "oci.h"
#include "mounts.h"
#include "process.h"
#include "state.h"

/* No CLONE_NEWCGROUP: the init unshares its cgroup namespace itself,
 * once CLONE_INTO_CGROUP has placed it (clone3 would root the namespace
 * at create's cgroup). */
#define NS_FLAGS (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET \
                  | CLONE_NEWIPC | CLONE_NEWUTS)

/* What one create made, released (and on failure undone) at the end. */
struct create_run
{
  struct jr_oci_spec spec;
  int dirfd, fifo_fd, sync_fd, pidfd, console_fd;
  pid_t pid;
  struct jr_bpf floor, profile;
  struct jr_hostids ids;    /* as root without mappings: the container's slot */
  struct jr_oci_sidecar sc; /* run.jailrun.net=proxy: the egress proxy */
  struct jr_oci_pod pod;    /* ... in a netns joined by path: its record */
  struct jr_oci_cg cg;      /* its cgroup (fd -1: none) */
  int ns[JR_OCI_NS_N];      /* linux.namespaces paths opened (oci_ns.c), -1: new */
  struct jr_oci_res res;    /* linux.resources as cgroup files */
  void *sd;                 /* --systemd-cgroup: the manager's connection */
};

/* One map file's text: the config's ranges, or jailrun's default
 * (root: container 0-65535 on the host range base of the container's
 * own id slot, as `jailrun run` gives each jail; rootless: 0 on the
 * caller's id, the only mapping without a setuid helper). */
static int
map_text (const struct jr_oci_idmap *m, size_t n, unsigned self, unsigned long long base, const char *field,
          char *buf, size_t sz, jail_error **err)
{
  bool root = geteuid () == 0;
  if (n == 0)
    {
      snprintf (buf, sz, root ? "0 %llu %u\n" : "0 %llu 1\n", root ? base : self, JR_ID_SLOT_SIZE);
      return 0;
    }
  if (!root && (n != 1 || m[0].size != 1 || m[0].hid != self))
    return jr_error_msg (err, EPERM, "config.json: %s: rootless, the only possible mapping is one id onto your own (%u): use {\"containerID\": 0, \"hostID\": %u, \"size\": 1}",
                         field, self, self);
  size_t o = 0;
  for (size_t i = 0; i < n && o < sz; i++)
    o += (size_t) snprintf (buf + o, sz - o, "%u %u %u\n", m[i].cid, m[i].hid, m[i].size);
  return 0;
}

static int
write_maps (struct create_run *c, jail_error **err)
{
  char u[512], g[512];
  int r = map_text (c->spec.uidmap, c->spec.n_uidmap, (unsigned) geteuid (), c->ids.uid, "linux.uidMappings", u, sizeof u, err);
  if (r == 0)
    r = map_text (c->spec.gidmap, c->spec.n_gidmap, (unsigned) getegid (), c->ids.gid, "linux.gidMappings", g, sizeof g,
                  err);
  if (r == 0 && geteuid () != 0)
    r = jr_proc_write_msg (c->pid, "setgroups", "deny", err);
  if (r == 0)
    r = jr_proc_write_msg (c->pid, "uid_map", u, err);
  if (r == 0)
    r = jr_proc_write_msg (c->pid, "gid_map", g, err);
  return r;
}

/* State directory, exec.fifo (kept open for reading by the init) and
 * the compiled seccomp programs. */
static int
prepare (const struct jr_oci_ctx *ctx, const char *id, struct create_run *c, jail_error **err)
{
  int root cleanup_close = jr_oci_root_open (ctx, true, err);
  if (root < 0)
    return root;
  if (mkdirat (root, id, 0700) < 0)
    return errno == EEXIST ? jr_error_msg (err, EEXIST, "container %s already exists: delete it first", id)
                           : jr_error (err, errno, "container %s: state directory", id);
  c->dirfd = openat (root, id, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (c->dirfd < 0)
    return jr_error (err, errno, "container %s", id);
  if (mkfifoat (c->dirfd, "exec.fifo", 0600) < 0)
    return jr_error (err, errno, "container %s: exec.fifo", id);
  c->fifo_fd = openat (c->dirfd, "exec.fifo", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (c->fifo_fd < 0)
    return jr_error (err, errno, "container %s: exec.fifo", id);
  int r = jr_seccomp_compile ("default", &c->floor, err);
  if (r < 0 || c->spec.seccomp_json == NULL)
    return r;
  r = jr_oci_write_atomic (c->dirfd, "seccomp.json", c->spec.seccomp_json, 0600, err);
  char path[4200];
  snprintf (path, sizeof path, "%s/%s/seccomp.json", ctx->root, id);
  if (r == 0)
    r = jr_seccomp_compile (path, &c->profile, err);
  return r < 0 ? jr_error_wrap (err, "config.json: linux.seccomp") : 0;
}

/* Is an earlier mount's destination a proper prefix of mount i's? */
static bool
under_earlier_mount (const struct jr_oci_spec *s, size_t i)
{
  for (size_t j = 0; j < i; j++)
    {
      size_t n = strlen (s->mounts[j].dst);
      if (strncmp (s->mounts[i].dst, s->mounts[j].dst, n) == 0 && (s->mounts[i].dst[n] == '/' || n == 1))
        return true;
    }
  return false;
}

/* Mount points (and the cwd) missing from the rootfs, made here with
 * the caller's ids (the container's root may not write the image's
 * directories) through the same fd-based, symlink-refusing walk; those
 * below an earlier mount are made by the init inside that mount. */
static int
make_mount_points (const struct jr_oci_spec *s, jail_error **err)
{
  int root cleanup_close = open (s->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return jr_error (err, errno, "root.path %s", s->root);
  struct jail_error e = { 0 };
  for (size_t i = 0; i <= s->n_mounts; i++)
    {
      const char *dst = i < s->n_mounts ? s->mounts[i].dst : s->cwd;
      if (i < s->n_mounts ? under_earlier_mount (s, i) : false)
        continue;
      bool file = false;
      struct stat st;
      if (i < s->n_mounts && s->mounts[i].bind && stat (s->mounts[i].src, &st) == 0)
        file = !S_ISDIR (st.st_mode);
      int fd = jr_ensure_path (root, dst, file, &e);
      if (fd < 0)
        return jr_error_msg (err, e.code, "root.path %s: mount point %s: %s", s->root, dst, e.msg);
      close (fd);
    }
  return 0;
}

/* As root with no mapping in the config, the container's host ids come
 * from an id slot of its own (the allocator of `jailrun run`: no two
 * live containers or jails share a host uid); the init holds it once
 * spawned, and delete gives it back. */
static int
claim_ids (struct create_run *c, jail_error **err)
{
  if (geteuid () != 0 || (c->spec.n_uidmap && c->spec.n_gidmap) || c->ns[JR_OCI_NS_USER] >= 0)
    return 0;
  struct jail_config zero = { 0 };
  return jr_hostids_claim (&zero, &c->ids, err);
}

/* The container's cgroup with linux.resources written (none with
 * --cgroup-manager disabled); with --systemd-cgroup the manager's
 * connection now, its scope once the init exists (place_in_scope). */
static int
make_cgroup (const char *id, struct create_run *c, jail_error **err)
{
  if (!c->spec.cgroup && c->ns[JR_OCI_NS_PID] >= 0)
    return jr_error_msg (err, EOPNOTSUPP, "config.json: linux.namespaces: joining a pid namespace needs a cgroup of the container's own (--cgroup-manager cgroupfs or systemd): without one, ps, kill --all and delete could not tell its processes from the other container's");
  if (!c->spec.cgroup)
    return 0;
  int r = jr_oci_resources_text (c->spec.resources_json, false, "config.json: linux.resources", &c->res, err);
  char slice[256], unit[512];
  if (r == 0 && c->spec.systemd && (r = jr_oci_sd_names (c->spec.cgroups_path, id, slice, sizeof slice, unit, sizeof unit, err)) == 0)
    return jr_oci_sd_connect (&c->sd, err);
  if (r == 0)
    r = jr_oci_cgroup_make (c->spec.cgroups_path, id, &c->res, &c->cg, err);
  if (r == 0 && c->cg.fd < 0 && c->ns[JR_OCI_NS_PID] >= 0)
    r = jr_error_msg (err, EOPNOTSUPP, "config.json: linux.namespaces: joining a pid namespace needs a cgroup of the container's own, and none could be made here (--cgroup-manager disabled, or no delegated cgroup v2): without one, ps, kill --all and delete could not tell its processes from the other container's");
  return r;
}

/* Without a joined user namespace, the init makes its own and joins
 * the config's network/ipc/uts namespaces by inheritance: create joins
 * them for the clone; *flags loses their CLONE_NEW* bits and own[]
 * keeps create's namespaces to return to. */
static int
join_paths (const struct create_run *c, uint64_t *flags, int own[3], jail_error **err)
{
  static const int kinds[3] = { JR_OCI_NS_NET, JR_OCI_NS_IPC, JR_OCI_NS_UTS };
  static const int types[3] = { CLONE_NEWNET, CLONE_NEWIPC, CLONE_NEWUTS };
  static const char *const names[3] = { "net", "ipc", "uts" };
  const struct jr_oci_spec *s = &c->spec;
  for (int i = 0; i < 3; i++)
    {
      int fd = c->ns[kinds[i]];
      if (fd < 0)
        continue;
      char self[32];
      snprintf (self, sizeof self, "/proc/self/ns/%s", names[i]);
      own[i] = open (self, O_RDONLY | O_CLOEXEC);
      if (own[i] < 0)
        return jr_error (err, errno, "create: %s", self);
      /* The container's own user namespace has no power there. */
      for (size_t k = 0; i < 2 && k < s->n_mounts; k++)
        if (strcmp (s->mounts[k].type, i == 0 ? "sysfs" : "mqueue") == 0)
          return jr_error_msg (err, EPERM, "config.json: mounts[%zu]: %s cannot be mounted in a joined %s namespace (%s belongs to another user namespace): %s, or join the user namespace that owns it",
                               k, s->mounts[k].type, i == 0 ? "network" : "ipc", s->ns_join[kinds[i]], i == 0 ? "bind-mount /sys read-only instead" : "drop it");
      if (i == 2 && s->hostname && *s->hostname)
        return jr_error_msg (err, EPERM, "config.json: hostname %s cannot be set in a joined uts namespace (%s belongs to another user namespace): drop the hostname, or join the user namespace that owns it",
                             s->hostname, s->ns_join[JR_OCI_NS_UTS]);
      if (setns (fd, types[i]) < 0)
        return jr_error (err, errno, "config.json: linux.namespaces: join %s namespace %s", names[i], s->ns_join[kinds[i]]);
      *flags &= ~(uint64_t) types[i];
    }
  return 0;
}

/* Back to create's own namespaces (fds closed). */
static void
leave_paths (int own[3])
{
  for (int i = 0; i < 3; i++)
    if (own[i] >= 0)
      {
        setns (own[i], 0);
        close (own[i]);
        own[i] = -1;
      }
}

/* clone3 the init as a sibling of create (CLONE_PARENT); it inherits
 * create's exit signal, so its parent sees it as an ordinary child. */
static int
spawn (const char *id, struct create_run *c, jail_error **err)
{
  int sv[2];
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return jr_error (err, errno, "create: socketpair");
  struct timeval tv = { .tv_sec = 60 };
  setsockopt (sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  c->sync_fd = sv[0];
  struct clone_args a = {
    .flags = NS_FLAGS | CLONE_PARENT | CLONE_PIDFD,
    .pidfd = (uint64_t) (uintptr_t) &c->pidfd,
  };
  if (c->cg.fd >= 0)
    a.flags |= CLONE_INTO_CGROUP, a.cgroup = (uint64_t) c->cg.fd;
  int own[3] = { -1, -1, -1 };
  uint64_t flags = a.flags;
  int r = 0;
  if (c->ns[JR_OCI_NS_USER] >= 0) /* the init joins them all, user first */
    flags &= ~(uint64_t) NS_FLAGS;
  else
    r = join_paths (c, &flags, own, err);
  a.flags = flags;
  if (r < 0)
    {
      leave_paths (own);
      close (sv[1]);
      return r;
    }
  struct jr_oci_child ch = { .spec = &c->spec, .floor = &c->floor, .profile = &c->profile, .sync_fd = sv[1], .fifo_fd = c->fifo_fd, .console_fd = c->console_fd, .parent_fd = sv[0], .join = c->ns, .id = id };
  fflush (NULL);
  c->pid = (pid_t) syscall (SYS_clone3, &a, sizeof a);
  if (c->pid == 0)
    _exit (jr_oci_child_main (&ch));
  int saved = errno;
  leave_paths (own);
  close (sv[1]);
  if (c->pid < 0)
    return jr_error (err, saved, "create: clone3 into new namespaces (run 'jailrun check')");
  return 0;
}

/* As root with no mapping in the config: a clone of the rootfs
 * idmapped through the init's user namespace, so the image's files keep
 * their owners inside (host 0 appears as container 0) and container root
 * can write its own root.  -1 when the filesystem cannot idmap: the
 * container then sees the files as nobody's (as with runc-style userns).
 * What the container writes there is host uid 0's on disk: it loses
 * CAP_SETFCAP (jr_oci_idmap_floor), so it mints no file capability that
 * would hold on the host. */
static int
idmapped_root (struct create_run *c)
{
  if (geteuid () != 0 || c->spec.n_uidmap || c->spec.n_gidmap || c->ns[JR_OCI_NS_USER] >= 0)
    return -1;
  char path[64];
  snprintf (path, sizeof path, "/proc/%d/ns/user", (int) c->pid);
  int ns cleanup_close = open (path, O_RDONLY | O_CLOEXEC);
  int m = ns < 0 ? -1 : open_tree (AT_FDCWD, c->spec.root, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
  struct mount_attr a = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t) ns };
  if (m >= 0 && mount_setattr (m, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof a) < 0)
    {
      close (m);
      m = -1;
    }
  return m;
}

/* GO, with the idmapped rootfs (SCM_RIGHTS) when there is one. */
static int
send_go (struct create_run *c, int idfd, jail_error **err)
{
  struct jr_msg go = { .type = JR_MSG_GO };
  ssize_t n = jr_send_fd (c->sync_fd, &go, sizeof go, &idfd, idfd >= 0 ? 1 : 0, 0);
  return n < 0 ? jr_error (err, (int) -n, "create: start the init") : 0;
}

/* The pid behind a pidfd (its fdinfo), or -1. */
static pid_t
pidfd_pid (int pidfd)
{
  char path[64], line[128];
  snprintf (path, sizeof path, "/proc/self/fdinfo/%d", pidfd);
  FILE *f = fopen (path, "re");
  int pid = -1;
  while (f && fgets (line, sizeof line, f))
    if (sscanf (line, "Pid: %d", &pid) == 1)
      break;
  if (f)
    fclose (f);
  return pid;
}

/* After GO: READY or the init's error; with a joined user namespace,
 * also the first stage's INIT (in either order) with the init's pidfd,
 * which replaces the first stage's. */
static int
await_ready (struct create_run *c, jail_error **err)
{
  bool need_init = c->ns[JR_OCI_NS_USER] >= 0, ready = false;
  while (need_init || !ready)
    {
      struct jr_msg m;
      int fd = -1;
      size_t nfd = 0;
      ssize_t n = jr_recv_fd (c->sync_fd, &m, sizeof m, &fd, 1, &nfd, 0);
      if (n == (ssize_t) sizeof m && m.type == JR_OCI_MSG_INIT && nfd == 1 && need_init)
        {
          close (c->pidfd);
          c->pidfd = fd;
          c->pid = pidfd_pid (fd);
          need_init = false;
          continue;
        }
      if (nfd == 1)
        close (fd);
      if (n == (ssize_t) sizeof m && m.type == JR_OCI_MSG_READY)
        ready = true;
      else if (n == (ssize_t) sizeof m && m.type == JR_MSG_SETUP_ERR)
        {
          m.text[sizeof m.text - 1] = '\0';
          return jr_error_msg (err, m.code ? m.code : EINVAL, "create: %s", m.text);
        }
      else
        return jr_error_msg (err, EPIPE, "create: the container's init ended during setup");
    }
  return 0;
}

/* HELLO, the systemd scope, maps (or, joined, the floor on its maps),
 * the sidecar's network, GO; then READY or the child's error. */
static int
handshake (const char *id, struct create_run *c, jail_error **err)
{
  struct jr_msg m;
  ssize_t n = recv (c->sync_fd, &m, sizeof m, 0);
  if (n == (ssize_t) sizeof m && m.type == JR_MSG_SETUP_ERR)
    {
      m.text[sizeof m.text - 1] = '\0';
      return jr_error_msg (err, m.code ? m.code : EINVAL, "create: %s", m.text);
    }
  if (n != (ssize_t) sizeof m || m.type != JR_MSG_HELLO)
    return jr_error_msg (err, EPIPE, "create: the container's init did not start");
  /* The init waits for GO: it has run nothing and still shares create's
   * cgroup namespace, so the manager moves it as CLONE_INTO_CGROUP would
   * have placed it. */
  int r = c->sd ? jr_oci_sd_place (c->sd, c->spec.cgroups_path, id, c->pid, &c->res, &c->cg, err) : 0;
  if (r == 0)
    r = c->ns[JR_OCI_NS_USER] >= 0 ? jr_oci_ns_check_maps (c->pid, err) : write_maps (c, err);
  /* The network, while the init is still dumpable (rootless, the netns
   * helper joins its namespaces through the pidfd as a ptracer would). */
  if (r == 0)
    r = jr_oci_sidecar_attach (&c->sc, c->pid, c->pidfd, err);
  if (r < 0)
    return r;
  int idfd = idmapped_root (c);
  if (idfd >= 0)
    jr_oci_idmap_floor (&c->spec); /* the init does the same; exec stays within capBounding */
  r = send_go (c, idfd, err);
  if (idfd >= 0)
    close (idfd);
  return r < 0 ? r : await_ready (c, err);
}

static int
write_state (const char *id, struct create_run *c, jail_error **err)
{
  char created[64], stamp[96];
  struct timespec ts;
  clock_gettime (CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r (&ts.tv_sec, &tm);
  strftime (created, sizeof created, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf (stamp, sizeof stamp, "%s.%09ldZ", created, ts.tv_nsec);
  unsigned long long start = jr_pid_starttime (c->pid);
  if (start == 0)
    return jr_error_msg (err, ESRCH, "create: the container's init ended");
  json_object *o = json_object_new_object ();
  json_object_object_add (o, "ociVersion", json_object_new_string (JR_OCI_VERSION));
  json_object_object_add (o, "id", json_object_new_string (id));
  json_object_object_add (o, "pid", json_object_new_int (c->pid));
  json_object_object_add (o, "starttime", json_object_new_uint64 (start));
  json_object_object_add (o, "created", json_object_new_string (stamp));
  json_object_object_add (o, "bundle", json_object_new_string (c->spec.bundle));
  json_object_object_add (o, "capBounding", json_object_new_uint64 (c->spec.cap_bnd));
  if (c->ids.slot >= 0)
    json_object_object_add (o, "idSlot", json_object_new_int (c->ids.slot));
  if (c->sc.pid > 0)
    {
      json_object_object_add (o, "sidecar", json_object_new_int (c->sc.pid));
      json_object_object_add (o, "sidecarStart", json_object_new_uint64 (c->sc.start));
    }
  if (c->cg.path)
    json_object_object_add (o, "cgroup", json_object_new_string (c->cg.path));
  if (c->cg.made)
    json_object_object_add (o, "cgroupMade", json_object_new_string (c->cg.made));
  if (c->cg.scope)
    json_object_object_add (o, "systemdScope", json_object_new_string (c->cg.scope));
  if (c->pod.claimed)
    json_object_object_add (o, "podNetns", json_object_new_string (c->pod.key));
  json_object *ann = json_tokener_parse (c->spec.annotations_json);
  json_object_object_add (o, "annotations", ann ? ann : json_object_new_object ());
  json_object *hooks = c->spec.hooks_json ? json_tokener_parse (c->spec.hooks_json) : NULL;
  if (hooks)
    json_object_object_add (o, "hooks", hooks);
  int r = jr_oci_write_atomic (c->dirfd, "state.json", json_object_to_json_string_ext (o, JSON_C_TO_STRING_PLAIN), 0600, err);
  json_object_put (o);
  return r;
}

/* prestart and createRuntime hooks, the container built and waiting. */
static int
create_hooks (const struct jr_oci_ctx *ctx, const char *id, const char *hooks, jail_error **err)
{
  struct jr_oci_state st;
  int r = jr_oci_state_load (ctx, id, &st, err);
  char *json = r == 0 ? jr_oci_state_json (id, &st) : NULL;
  if (r == 0 && json == NULL)
    r = jr_error (err, ENOMEM, "hooks");
  if (r == 0)
    r = jr_oci_hooks_run (hooks, "prestart", json, err);
  if (r == 0)
    r = jr_oci_hooks_run (hooks, "createRuntime", json, err);
  free (json);
  jr_oci_state_free (&st);
  return r;
}

/* The pid file, atomically (engines read it as soon as create exits). */
static int
write_pid_file (const char *path, pid_t pid, jail_error **err)
{
  char text[32];
  snprintf (text, sizeof text, "%d", (int) pid);
  int r = jr_oci_write_atomic (AT_FDCWD, path, text, 0644, err);
  return r < 0 ? jr_error_wrap (err, "--pid-file") : 0;
}

static void
release (struct create_run *c)
{
  int *fds[] = { &c->dirfd, &c->fifo_fd, &c->sync_fd, &c->pidfd, &c->console_fd };
  for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
    if (*fds[i] >= 0)
      close (*fds[i]), *fds[i] = -1;
  jr_oci_ns_close (c->ns);
  jr_bpf_release (&c->floor);
  jr_bpf_release (&c->profile);
  jr_oci_spec_free (&c->spec);
}

/* The global options' cgroup manager. */
static enum jr_oci_cgmode
cg_mode (const struct jr_oci_ctx *ctx)
{
  return ctx->cgroups_disabled ? JR_OCI_CG_DISABLED : ctx->systemd_cgroup ? JR_OCI_CG_SYSTEMD
                                                                          : JR_OCI_CG_FS;
}

int
jr_oci_create (const struct jr_oci_ctx *ctx, const char *id, const struct jr_oci_create_opts *o, jail_error **err)
{
  struct create_run c = { .dirfd = -1, .fifo_fd = -1, .sync_fd = -1, .pidfd = -1, .console_fd = -1, .pid = -1, .ids = { .slot = -1 }, .sc = { .pid = -1, .sock = -1 }, .pod = { .dirfd = -1 }, .cg = { .fd = -1 }, .ns = { -1, -1, -1, -1, -1, -1, -1 } };
  int r = jr_oci_id_check (id, err);
  if (r == 0)
    r = jr_oci_spec_load (o->bundle ? o->bundle : ".", cg_mode (ctx), &c.spec, err);
  c.spec.preserve_fds = o->preserve_fds;
  if (r == 0 && c.spec.terminal && o->console_socket == NULL)
    r = jr_error_msg (err, EINVAL, "create: process.terminal is true: give --console-socket");
  if (r == 0 && c.spec.terminal && (c.console_fd = jr_oci_console_connect (o->console_socket, err)) < 0)
    r = c.console_fd;
  if (r == 0)
    r = jr_oci_ns_open (&c.spec, c.ns, err);
  if (r == 0)
    r = jr_oci_pod_prepare (ctx, id, &c.spec, &c.pod, err);
  if (r == 0)
    r = jr_oci_sidecar_start (ctx, id, &c.spec, &c.sc, err);
  if (r < 0)
    {
      jr_oci_ns_close (c.ns);
      jr_oci_sidecar_release (&c.sc, true);
      jr_oci_pod_release (&c.pod, true);
      if (c.console_fd >= 0)
        close (c.console_fd);
      jr_oci_spec_free (&c.spec);
      return r; /* nothing made yet */
    }
  r = c.ns[JR_OCI_NS_MNT] < 0 ? make_mount_points (&c.spec, err) : 0;
  if (r == 0)
    r = prepare (ctx, id, &c, err);
  if (r == 0)
    r = claim_ids (&c, err);
  if (r == 0)
    r = make_cgroup (id, &c, err);
  if (r == 0)
    r = spawn (id, &c, err);
  if (r == 0)
    r = jr_hostids_hand (&c.ids, c.pid, err);
  if (r == 0)
    r = handshake (id, &c, err);
  if (r == 0)
    r = jr_oci_pod_publish (&c.pod, id, &c.spec, c.sc.pid, c.sc.start, err);
  if (r == 0)
    r = write_state (id, &c, err);
  if (r == 0 && c.spec.hooks_json)
    r = create_hooks (ctx, id, c.spec.hooks_json, err);
  if (r == 0 && o->pid_file)
    r = write_pid_file (o->pid_file, c.pid, err);
  if (r < 0 && c.pidfd >= 0)
    syscall (SYS_pidfd_send_signal, c.pidfd, SIGKILL, NULL, 0);
  bool made = r != -EEXIST || c.dirfd >= 0;
  if (r < 0)
    jr_hostids_release (&c.ids);
  jr_oci_sidecar_release (&c.sc, r < 0);
  jr_oci_pod_release (&c.pod, r < 0);
  if (r < 0 && c.cg.scope)
    jr_oci_sd_stop (c.sd, c.cg.scope, c.cg.path);
  jr_oci_cgroup_release (&c.cg, r < 0);
  if (c.sd)
    jr_sd_close (c.sd);
  release (&c);
  if (r < 0 && made)
    jr_oci_state_remove (ctx, id, NULL);
  return r;
}
