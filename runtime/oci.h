/* oci.h - the OCI runtime mode (jailrun-oci): a bundle's config.json as
 * jailrun reads it, and the verbs create/start/state/kill/delete over a
 * state directory per container.  Internal: cmd/oci.c is the only user.
 * jailrun's floor stays under every config: a user namespace always
 * (never host uid 0), every namespace new, no_new_privs, the default
 * seccomp filter under the engine's profile, no host network. */
#ifndef JR_OCI_H
#define JR_OCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "internal.h"

#define JR_OCI_VERSION "1.0.2"
#define JR_OCI_MAX_MAPS 8
/* child -> create: the container is built and waits for start. */
#define JR_OCI_MSG_READY 100
/* first stage -> create: the init's pidfd (a joined user namespace). */
#define JR_OCI_MSG_INIT 101

/* linux.namespaces types a path may join, in the order the init joins
 * them after the user namespace (mount last: it changes the root). */
enum jr_oci_ns
{
  JR_OCI_NS_IPC,
  JR_OCI_NS_UTS,
  JR_OCI_NS_NET,
  JR_OCI_NS_PID,
  JR_OCI_NS_CGROUP,
  JR_OCI_NS_MNT,
  JR_OCI_NS_USER,
  JR_OCI_NS_N
};
/* exec's middle process -> exec: the process's pid (in code). */
#define JR_OCI_MSG_EXEC_PID 102

struct jr_oci_mount
{
  char *dst;  /* absolute path inside the container */
  char *type; /* "bind", "tmpfs", "proc", ... */
  char *src;  /* host path for binds (absolute, bundle-relative made absolute) */
  bool bind, recursive;
  unsigned attrs;     /* MOUNT_ATTR_* from ro/nosuid/nodev/noexec/... */
  unsigned long prop; /* MS_SHARED/MS_SLAVE/MS_UNBINDABLE (| MS_REC), set after pivot_root; 0: private */
  char **data;        /* NULL-terminated filesystem options ("size=1m", "newinstance") */
  size_t n_data;
};

/* linux.devices: a fifo, or an allowed character device (oci_devices.c). */
struct jr_oci_device
{
  char *path;
  bool fifo;
  const char *host;         /* the host node bound onto path (not a fifo) */
  long long mode, uid, gid; /* -1: not given */
};

struct jr_oci_idmap
{
  uint32_t cid, hid, size;
};

struct jr_oci_rlimit
{
  int type;
  uint64_t soft, hard;
};

struct jr_oci_spec
{
  char *bundle; /* absolute */
  char *root;   /* absolute rootfs path */
  bool root_ro;
  char **args, **env; /* NULL-terminated */
  char *cwd;
  uid_t uid;
  gid_t gid;
  gid_t *groups;
  size_t n_groups;
  int umask;                  /* -1: leave it */
  unsigned preserve_fds;      /* --preserve-fds: fds 3..3+N-1 stay open in the process */
  char *ns_join[JR_OCI_NS_N]; /* linux.namespaces paths to join, by enum jr_oci_ns (NULL: new) */
  uint64_t cap_bnd, cap_eff, cap_prm, cap_inh, cap_amb;
  struct jr_oci_rlimit *rlimits;
  size_t n_rlimits;
  bool terminal;
  char *hostname;
  struct jr_oci_mount *mounts;
  size_t n_mounts;
  struct jr_oci_idmap uidmap[JR_OCI_MAX_MAPS], gidmap[JR_OCI_MAX_MAPS];
  size_t n_uidmap, n_gidmap;
  char **masked, **ro_paths;
  size_t n_masked, n_ro;
  char **sysctl; /* key, value, key, value..., NULL */
  struct jr_oci_device *devices;
  size_t n_devices;
  unsigned long root_prop; /* linux.rootfsPropagation as MS_* flags, 0: private */
  char *seccomp_json;      /* linux.seccomp as JSON text, or NULL */
  char *annotations_json;  /* "{...}" */
  char *hooks_json;        /* the hooks object, or NULL */
  bool container_hooks;    /* createContainer or startContainer hooks given */
  bool create_hooks;       /* createContainer hooks given */
  bool has_oom;
  int oom_score_adj;
  bool net_proxy;       /* annotation run.jailrun.net=proxy */
  bool proxy_shared;    /* ... served by another container's sidecar in the same joined netns (oci_pod.c) */
  char *allow;          /* run.jailrun.allow: "HOST[:PORT],..." (NULL: none) */
  char *audit_log;      /* run.jailrun.audit-log (NULL: none) */
  bool cgroup;          /* make a cgroup (false: --cgroup-manager disabled) */
  bool systemd;         /* ... as a scope of the systemd manager (--systemd-cgroup) */
  char *cgroups_path;   /* linux.cgroupsPath, or NULL */
  char *resources_json; /* linux.resources, or NULL */
};

/* oci_resources.c: cgroup v2 files to write for linux.resources. */
#define JR_OCI_CG_MAX 48
struct jr_oci_res
{
  struct
  {
    char file[64], val[256];
  } set[JR_OCI_CG_MAX];
  size_t n;
};
struct json_object;
/* res (NULL: none) as files and values; where names it in errors
 * ("linux.resources", "--resources"); update also writes "no limit"
 * values (a new cgroup has them already). */
int jr_oci_resources_parse (struct json_object *res, bool update, const char *where, struct jr_oci_res *r, jail_error **err);
/* The same from JSON text. */
int jr_oci_resources_text (const char *json, bool update, const char *where, struct jr_oci_res *r, jail_error **err);

/* oci_cgroup.c: the container's cgroup v2. */
struct jr_oci_cg
{
  int fd;      /* O_DIRECTORY, for CLONE_INTO_CGROUP; -1: none */
  char *path;  /* absolute path under the cgroup2 mount */
  char *made;  /* the topmost directory create made (NULL: the cgroup existed) */
  char *scope; /* --systemd-cgroup: the transient scope unit (NULL: none) */
};
/* Make the cgroup for cgroupsPath (NULL: the default) with res; fd -1
 * when nothing was asked and the caller may not make cgroups. */
int jr_oci_cgroup_make (const char *cg_path, const char *id, const struct jr_oci_res *res, struct jr_oci_cg *cg, jail_error **err);
/* Write res into the cgroup fd (at path, for messages). */
int jr_oci_cgroup_apply (int fd, const char *path, const struct jr_oci_res *res, jail_error **err);
/* Kill its processes and remove it with the ancestors made (made NULL: keep it). */
void jr_oci_cgroup_remove (const char *path, const char *made);
void jr_oci_cgroup_release (struct jr_oci_cg *cg, bool remove);
/* cgroup.freeze, waiting (bounded) until cgroup.events agrees. */
int jr_oci_cgroup_freeze (const char *path, bool freeze, jail_error **err);
/* 1 frozen, 0 not, -errno. */
int jr_oci_cgroup_frozen (const char *path);
/* The pids in the cgroup and below (at most *n; *n set). */
int jr_oci_cgroup_pids (const char *path, pid_t *pids, size_t *n, jail_error **err);

/* oci_systemd.c: --systemd-cgroup.  The slice and the scope unit that
 * cgroupsPath (slice:prefix:name, NULL: the default) names. */
int jr_oci_sd_names (const char *cg_path, const char *id, char *slice, size_t ssz, char *unit, size_t usz, jail_error **err);
/* Connect to the caller's manager (the error says none answers). */
int jr_oci_sd_connect (void **bus, jail_error **err);
/* Start the scope holding pid with res, and fill cg (path, fd, scope). */
int jr_oci_sd_place (void *bus, const char *cg_path, const char *id, pid_t pid, const struct jr_oci_res *res,
                     struct jr_oci_cg *cg, jail_error **err);
/* update: res's unit properties on the scope (the files are the caller's). */
int jr_oci_sd_update (const char *unit, const struct jr_oci_res *res, jail_error **err);
/* Stop the scope (bus NULL: connect) and wait (bounded) until path is gone. */
void jr_oci_sd_stop (void *bus, const char *unit, const char *path);

/* oci_resources.c: the member key of JSON object o, NULL when o is not an
 * object or lacks it. */
struct json_object *jr_oci_get (struct json_object *o, const char *key);
/* oci_config.c: read BUNDLE/config.json; cg_mode says whether cgroupsPath
 * and resources may be ignored (disabled) and which cgroupsPath form is
 * meant (systemd: slice:prefix:name). */
enum jr_oci_cgmode
{
  JR_OCI_CG_FS,       /* --cgroup-manager cgroupfs (the default) */
  JR_OCI_CG_DISABLED, /* --cgroup-manager disabled */
  JR_OCI_CG_SYSTEMD,  /* --systemd-cgroup, --cgroup-manager systemd */
};
int jr_oci_spec_load (const char *bundle, enum jr_oci_cgmode cg_mode, struct jr_oci_spec *s, jail_error **err);
void jr_oci_spec_free (struct jr_oci_spec *s);
/* oci_devices.c: linux.devices read (what jailrun refuses, refused), and
 * made in the container's root before pivot_root. */
int jr_oci_devices_parse (struct json_object *a, struct jr_oci_spec *s, jail_error **err);
int jr_oci_devices_apply (int rootfd, const struct jr_oci_spec *s, struct jail_error *e);
/* "shared", "rslave", ... as MS_* flags (MS_REC for the r- forms); false: not one. */
bool jr_oci_propagation (const char *name, unsigned long *flags);

/* Global options of every verb. */
struct jr_oci_ctx
{
  const char *root; /* state root (one directory per container) */
  bool cgroups_disabled;
  bool systemd_cgroup;   /* --systemd-cgroup: the scope of the caller's systemd manager */
  const char *audit_dir; /* --audit-dir: where run.jailrun.audit-log may also write (NULL: only ROOT/audit) */
};

/* oci_state.c: the state root, its per-container directory, state.json. */
int jr_oci_root_default (char **out, jail_error **err);
int jr_oci_id_check (const char *id, jail_error **err);
/* Open (mkdir 0700 when create) the state root; O_PATH|O_DIRECTORY fd. */
int jr_oci_root_open (const struct jr_oci_ctx *c, bool create, jail_error **err);
enum jr_oci_status
{
  JR_OCI_CREATED,
  JR_OCI_RUNNING,
  JR_OCI_STOPPED,
  JR_OCI_PAUSED
};
struct jr_oci_state
{
  pid_t pid;
  unsigned long long starttime;
  char *bundle;
  char *created;
  char *annotations_json;
  char *hooks_json; /* from create, for poststart and poststop (NULL: none) */
  enum jr_oci_status status;
  uint64_t cap_bnd; /* the container's bounding set: exec stays within it */
  int id_slot;      /* host id slot (userns.c) the container holds, or -1 */
  pid_t sidecar;    /* the egress proxy's sidecar, or 0 */
  unsigned long long sidecar_start;
  char *cgroup;      /* its cgroup's path (NULL: none) */
  char *cgroup_made; /* the topmost directory create made (NULL: keep the cgroup) */
  char *scope;       /* --systemd-cgroup: its transient scope unit (NULL: none) */
  char *pod_netns;   /* the joined netns whose proxy record it owns (oci_pod.c; NULL: none) */
  int dirfd;         /* the container's state directory */
};
int jr_oci_state_load (const struct jr_oci_ctx *c, const char *id, struct jr_oci_state *st, jail_error **err);
void jr_oci_state_free (struct jr_oci_state *st);
const char *jr_oci_status_name (enum jr_oci_status s);
/* The runtime-spec state JSON (malloc'd). */
char *jr_oci_state_json (const char *id, const struct jr_oci_state *st);
/* The ids under the state root, sorted (malloc'd array of malloc'd
 * strings; a missing root: none).  Callers load each with state_load. */
int jr_oci_list (const struct jr_oci_ctx *c, char ***ids, size_t *n, jail_error **err);
/* Remove the state directory of id (absent: fine). */
int jr_oci_state_remove (const struct jr_oci_ctx *c, const char *id, jail_error **err);
/* Write FILE in dirfd atomically (temp + rename). */
int jr_oci_write_atomic (int dirfd, const char *file, const char *text, mode_t mode, jail_error **err);

/* oci_create.c */
struct jr_oci_create_opts
{
  const char *bundle;
  const char *pid_file;
  const char *console_socket;
  unsigned preserve_fds; /* fds 3..3+N-1 (checked open by the caller) go to the init */
};
int jr_oci_create (const struct jr_oci_ctx *c, const char *id, const struct jr_oci_create_opts *o, jail_error **err);

/* oci_verbs.c */
int jr_oci_start (const struct jr_oci_ctx *c, const char *id, jail_error **err);
/* sig: a number or a name (KILL, SIGKILL). */
int jr_oci_kill (const struct jr_oci_ctx *c, const char *id, const char *sig, bool all, jail_error **err);
int jr_oci_delete (const struct jr_oci_ctx *c, const char *id, bool force, jail_error **err);
/* Host pids of the container's processes (at most *n; *n set). */
int jr_oci_ps (const struct jr_oci_ctx *c, const char *id, pid_t *pids, size_t *n, jail_error **err);
/* pause/resume through cgroup.freeze. */
int jr_oci_pause (const struct jr_oci_ctx *c, const char *id, bool resume, jail_error **err);

/* update --resources: resources_json (runtime-spec linux.resources)
 * written into the container's cgroup. */
int jr_oci_update (const struct jr_oci_ctx *c, const char *id, const char *resources_json, jail_error **err);

/* oci_child.c: what a container loses on a rootfs jailrun idmapped
 * (host 0 on disk is its root): CAP_SETFCAP, as a file capability it
 * wrote there would hold for host root (rootid 0).  (A setuid bit it
 * could keep needs CAP_FSETID in the host's namespace: the kernel's.) */
#define JR_OCI_IDMAP_DROP (1ull << 31)
void jr_oci_idmap_floor (struct jr_oci_spec *s);
/* oci_child.c: what the cloned init gets. */
struct jr_oci_child
{
  const struct jr_oci_spec *spec;
  const struct jr_bpf *floor, *profile; /* jailrun's default filter; the engine's (len 0: none) */
  int sync_fd;                          /* SOCK_SEQPACKET to create */
  int fifo_fd;                          /* exec.fifo, read end (O_NONBLOCK): start writes one byte */
  int console_fd;                       /* connected console socket, or -1 */
  int parent_fd;                        /* create's end of the channel, closed first */
  const int *join;                      /* namespaces to join, by enum jr_oci_ns (-1: new) */
  const char *id;                       /* the container's id (the hooks' state) */
  pid_t host_pid;                       /* the init's pid in the runtime's pid namespace (hooks) */
};
int jr_oci_child_main (struct jr_oci_child *c);
/* In the container's root: argv[0] looked up as execve will (the text
 * engines map to 126/127), into out. */
int jr_oci_find_command (const struct jr_oci_spec *s, char *out, size_t sz, struct jail_error *e);
/* process.rlimits. */
int jr_oci_apply_limits (const struct jr_oci_spec *s, struct jail_error *e);
/* process.oomScoreAdj, before the ids change (/proc/self stays writable). */
int jr_oci_apply_oom (const struct jr_oci_spec *s, struct jail_error *e);
/* The last steps of every container process (init after start, exec):
 * bounding set, groups, ids, capabilities, no_new_privs, cwd, close
 * inherited fds, the engine's seccomp profile then jailrun's floor,
 * the startContainer hooks (start_state: their state JSON, NULL: none),
 * execve.  Returns 126/127 after a failure, reported on msg_fd (or
 * stderr when -1). */
int jr_oci_exec_process (const struct jr_oci_spec *s, const char *cmd, const struct jr_bpf *floor,
                         const struct jr_bpf *profile, const char *start_state, int msg_fd);

/* oci_ns.c: linux.namespaces paths.  open: each path as an nsfs fd of
 * its type (fds[] by enum jr_oci_ns, -1: none), refusing the host's own
 * namespaces; a pid, mount or cgroup namespace brings the user namespace
 * that owns it (the config's, which must own it, or else that one). */
int jr_oci_ns_open (const struct jr_oci_spec *s, int fds[JR_OCI_NS_N], jail_error **err);
void jr_oci_ns_close (int fds[JR_OCI_NS_N]);
/* jailrun's floor on a joined user namespace, read through a process
 * in it: no range of uid_map or gid_map starts at host id 0. */
int jr_oci_ns_check_maps (pid_t pid, jail_error **err);
/* In the first stage of the init, once in the joined user namespace:
 * join the other paths and unshare what is new, but the pid namespace
 * (the next clone's) and the cgroup namespace (unshared after it). */
int jr_oci_ns_enter (const int fds[JR_OCI_NS_N], struct jail_error *e);

/* oci_tty.c: connect to the engine's console socket (host side). */
int jr_oci_console_connect (const char *path, jail_error **err);
/* In the container (its /dev/pts mounted): a pty, its peer as the
 * controlling terminal and stdio (owned by uid), the master sent on sock. */
int jr_oci_console_setup (int sock, uid_t uid, struct jail_error *e);

/* oci_hooks.c: run the hooks of kind ("prestart", ...) from the hooks
 * object hooks_json (NULL: none), state on stdin; the first failure
 * stops and is returned.  create, start and delete run the host's kinds;
 * the container's init runs createContainer and startContainer. */
int jr_oci_hooks_run (const char *hooks_json, const char *kind, const char *state, jail_error **err);

/* oci_sidecar.c: the egress proxy of run.jailrun.net=proxy.  start (in
 * create, before it opens anything) forks the sidecar and puts the proxy
 * variables in s->env; attach hands it the init (after the id maps) and
 * waits until the private network is built; release closes the channel
 * (failed: kills and reaps the sidecar).  stop (delete) waits for it to
 * exit with the init, or kills it. */
struct jr_oci_sidecar
{
  pid_t pid; /* -1: none */
  int sock;
  unsigned long long start;
};
int jr_oci_sidecar_start (const struct jr_oci_ctx *ctx, const char *id, struct jr_oci_spec *s, struct jr_oci_sidecar *sc,
                          jail_error **err);
int jr_oci_sidecar_attach (struct jr_oci_sidecar *sc, pid_t pid, int pidfd, jail_error **err);
void jr_oci_sidecar_release (struct jr_oci_sidecar *sc, bool failed);
void jr_oci_sidecar_stop (pid_t pid, unsigned long long start);
/* Replace (or add) each KEY=VAL of vars ("K=V\0K=V\0", len bytes) in
 * the container's environment. */
int jr_oci_env_merge (struct jr_oci_spec *s, const char *vars, size_t len, jail_error **err);

/* oci_pod.c: run.jailrun.net=proxy in a network namespace joined by path
 * (a Kubernetes pod's, made by CNI or `ip netns add`): one proxy per
 * network namespace, recorded in ROOT/netns/KEY (KEY: the namespace's
 * device and inode).  prepare (before the sidecar) claims the namespace
 * for this container, or shares the live proxy of the container that
 * claimed it when the annotations are the same (s->proxy_shared, its
 * proxy variables in s->env), or refuses: different annotations, ordinary
 * egress in the namespace (the allowlist would be a lie), rootless.
 * publish (after the sidecar attached) records the proxy; release drops
 * an unpublished claim (failed create); forget (delete) drops the record
 * of container id. */
struct jr_oci_pod
{
  int dirfd;    /* ROOT/netns, -1: no claim */
  char key[64]; /* the namespace's record */
  bool claimed; /* this create made the record */
};
int jr_oci_pod_prepare (const struct jr_oci_ctx *ctx, const char *id, struct jr_oci_spec *s, struct jr_oci_pod *p,
                        jail_error **err);
int jr_oci_pod_publish (struct jr_oci_pod *p, const char *id, const struct jr_oci_spec *s, pid_t sidecar,
                        unsigned long long start, jail_error **err);
void jr_oci_pod_release (struct jr_oci_pod *p, bool failed);
void jr_oci_pod_forget (const struct jr_oci_ctx *ctx, const char *key, const char *id);

/* oci_features.c: the runtime-spec features JSON (malloc'd). */
char *jr_oci_features_json (void);

/* oci_exec.c */
struct jr_oci_exec_opts
{
  const char *process; /* process.json, or NULL: the bundle's process with args */
  char **args;
  const char *pid_file;
  const char *console_socket;
  bool detach, tty;
  unsigned preserve_fds; /* as for create */
};
/* Returns the process's exit status when not detached, else 0. */
int jr_oci_exec (const struct jr_oci_ctx *c, const char *id, const struct jr_oci_exec_opts *o, int *status, jail_error **err);
/* oci_config.c: a process object (process.json) into s's process fields. */
int jr_oci_process_load (const char *path, struct jr_oci_spec *s, jail_error **err);

#endif
