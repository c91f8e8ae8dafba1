/* internal.h - the configuration handle and the interfaces between the
 * parts of libjail (process model, user namespace, mounts, capabilities,
 * network, seccomp).  Not installed: jail.h is the public header. */
#ifndef JR_INTERNAL_H
#define JR_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup.h"
#include "error.h"
#include "jail.h"
#include "jr_seccomp.h" /* seccomp/: the compiled filter */
#include "netns.h"      /* netns/: the jail's network */
#include "sigpipe.h"

#define JR_DEFAULT_UID 65532
#define JR_DEFAULT_GID 65532
/* As root, jail uid/gid N of the jail holding id slot K is mapped to host
 * id JR_ROOT_ID_BASE + K * JR_ID_SLOT_SIZE + N: unprivileged, never 0, and
 * no two running jails share one (slots: userns.c). */
#define JR_ROOT_ID_BASE 1000000u
#define JR_ID_SLOT_SIZE 65536u
#define JR_ID_SLOTS 4096u
#define JR_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define JR_TMP_SIZE (64ull << 20)
/* A detached jail's log: default cap per file (log and log.1), smallest cap. */
#define JR_LOG_MAX_DEFAULT (10ull << 20)
#define JR_LOG_MAX_MIN 4096ull

/* Most -v mounts one jail takes (the child keeps their fds on its stack). */
#define JR_MAX_VOLUMES 64

struct jr_volume
{
  char *src; /* host path, absolute, symlinks resolved */
  char *dst; /* path inside the jail, absolute, normalised */
  bool ro;
  dev_t dev; /* identity of src when it was checked */
  ino_t ino;
  bool idmap;   /* :idmap: the jail user owns it as src's owner does */
  int idmap_fd; /* the idmapped detached tree, made by the parent for one start; -1 */
};

struct jr_tmpfs
{
  char *dst;
  unsigned long long size; /* bytes (never 0: the default is JR_TMP_SIZE) */
  unsigned mode;
  bool exec;
};

struct jail_config
{
  char *rootfs;   /* directory, or "/" (symlinks resolved) */
  dev_t root_dev; /* identity of rootfs when it was checked */
  ino_t root_ino;
  bool host_root; /* rootfs is "/" */
  bool read_write;
  uid_t uid;
  gid_t gid;
  uint64_t caps; /* capabilities kept (bit N = cap N) */
  char **env;    /* NULL-terminated "KEY=VAL" */
  size_t n_env;
  char *workdir;
  char *hostname;
  double timeout;         /* seconds, 0 = none */
  int net_mode;           /* enum jail_net_mode */
  bool net_mode_set;      /* set explicitly: a different second mode is a conflict */
  char *seccomp;          /* spec, see jail_config_set_seccomp */
  char *seccomp_warnings; /* of the seccomp spec, see jail_config_warnings */
  struct jr_volume *volumes;
  size_t n_volumes;
  struct jr_tmpfs *tmpfs;
  size_t n_tmpfs;
  struct jr_limits limits;      /* cgroup v2 limits, see cgroup.h */
  struct jr_netcfg *netcfg;     /* netns/netns.h: -p, --allow, audit log, subnet */
  unsigned long long log_max;   /* detached log: bytes per file, 0 = no cap (logcap.c) */
  struct jr_health_cfg *health; /* health.h: --health-*, NULL = none */
  int restart_policy;           /* restart.h: enum jr_restart_policy (0 = no) */
  unsigned restart_max;         /* on-failure:N, 0 = no limit */
  unsigned tty;                 /* enum jail_tty_flags */
};

/* config.c */
int jr_parse_size (const char *s, unsigned long long *out);
int jr_normalise_path (const char *in, char **out, jail_error **err);
/* Replace *slot with dir normalised (the workdir of a config or of an
 * exec); errors are prefixed "workdir". */
int jr_set_workdir (char **slot, const char *dir, jail_error **err);

/* Parse a decimal id of len bytes (0 .. 2^32-2) into *out; -EINVAL
 * on signs, junk or overflow. */
int jr_parse_id (const char *s, size_t len, unsigned *out);

/* config_user.c: the ids of spec "UID[:GID]" or "NAME[:GROUP]", names
 * looked up in etc/passwd and etc/group below the directory fd root
 * (-1: names refused), label is the root in messages ("" for /). */
int jr_user_resolve (int root, const char *label, const char *spec, unsigned *uid, unsigned *gid, jail_error **err);
/* Whether spec names a user or group (not only numeric ids). */
bool jr_user_has_name (const char *spec);
/* exec_user.c: jr_user_resolve in the root of a running jail, whose
 * namespaces are ns_fds (JR_NS_COUNT, user then mnt first). */
int jr_user_resolve_jail (const int *ns_fds, const char *spec, unsigned *uid, unsigned *gid, jail_error **err);
/* exec -u spec in the running jail of cfg: 0 when the names resolve to
 * the jail's own user (cfg->uid:gid, the only one it maps), else an error. */
int jr_exec_user (const struct jail_config *cfg, const int *ns_fds, const char *spec, jail_error **err);

/* config_netns.c: the jail's name on its named network and in the audit
 * log (supervisor); the listeners kept for --restart (at most max) into
 * fds; and jr_net_prepare on cfg's settings, whose proxy variables and
 * hosts volume it adds to cfg. */
void jr_net_add_name (jail_config *cfg, const char *name);
size_t jr_net_held_ports (const struct jail_config *cfg, int *fds, size_t max);
int jr_config_net_prepare (jail_config *cfg, struct jr_net **out, jail_error **err);

/* idmap.c: before the clone, the idmapped trees of :idmap volumes (root);
 * after it, close them (the child has its copies). */
struct jr_hostids;
int jr_idmap_prepare (struct jail_config *cfg, const struct jr_hostids *ids, jail_error **err);
void jr_idmap_release (struct jail_config *cfg);

/* The host ids the jail user maps to.  Rootless: the caller's (slot -1);
 * as root: those of a slot claimed under the state directory. */
struct jr_hostids
{
  int slot; /* claimed slot, or -1 */
  unsigned long long uid, gid;
};
/* userns.c: decide h for cfg (as root, claim the lowest free slot; a slot
 * whose holder process is gone is reclaimed). */
int jr_hostids_claim (const struct jail_config *cfg, struct jr_hostids *h, jail_error **err);
/* userns.c: give the slot back (no-op without one); h->slot becomes -1. */
void jr_hostids_release (struct jr_hostids *h);
/* userns.c: make pid (alive, e.g. an OCI init that outlives its
 * creator) the holder of h's slot (no-op without one). */
int jr_hostids_hand (const struct jr_hostids *h, pid_t pid, jail_error **err);
/* userns.c: give slot back if pid with that start time still holds it
 * (a slot reclaimed by another jail since is left alone). */
void jr_hostids_release_held (int slot, pid_t pid, unsigned long long start);
/* userns.c: write text into /proc/PID/FILE (pid 0: /proc/self) with one
 * write(2) and no allocation (a clone child calls it too); path (64
 * bytes) gets the file's path for the caller's message.  0, or -errno
 * and *stage: the open failed, the write failed, or it was short (-EIO). */
enum jr_procw_stage
{
  JR_PROCW_OPEN = 1,
  JR_PROCW_WRITE,
  JR_PROCW_SHORT,
};
int jr_proc_write (pid_t pid, const char *file, const char *text, char *path, enum jr_procw_stage *stage);
/* userns.c: jr_proc_write with a message for each way it fails ("userns:
 * open PATH", "userns: write PATH 'TEXT'", "userns: short write to PATH"). */
int jr_proc_write_msg (pid_t pid, const char *file, const char *text, jail_error **err);
/* userns.c: write uid_map/gid_map (and setgroups) of child pid. */
int jr_userns_write_maps (pid_t pid, uid_t jail_uid, gid_t jail_gid, const struct jr_hostids *h,
                          jail_error **err);
/* nested.c: clone a rootless jail's init (flags: its namespaces) with its
 * user namespace a child of userns_fd (a named network's holder's), its id
 * maps written (uid/gid -> 0 there, the caller); the child runs fn(arg).
 * *pid is set whenever a process was made (reap it, also on error). */
struct jr_nested
{
  int userns_fd;
  uint64_t flags;
  int cgfd;     /* CLONE_INTO_CGROUP target, -1 = none */
  int hello_fd; /* the supervisor's end of the channel: HELLO comes there */
  int child_fd; /* the child's end: jr_nested_spawn closes it (the child has its copy) */
  uid_t uid;
  gid_t gid;
  int (*fn) (void *);
  void *arg;
};
int jr_nested_spawn (const struct jr_nested *n, pid_t *pid, int *pidfd, bool *into_cg, jail_error **err);
/* userns.c: in the child, become the jail ids and drop supplementary groups. */
int jr_userns_become (const struct jail_config *cfg, struct jail_error *e);

/* userns.c: why creating a user namespace failed with errno e, and the
 * fix, from the sysctls under procsys ("/proc/sys"): AppArmor's
 * restriction, unprivileged_userns_clone, max_user_namespaces, else a
 * filter of the calling environment. */
void jr_userns_hint (const char *procsys, int e, char *buf, size_t size);

/* mounts.c */
int jr_mounts_check (const struct jail_config *cfg, jail_error **err);
/* Host-side trees of one jail, cloned in the child before it changes ids. */
struct jr_trees
{
  int root_src;            /* O_PATH fd of the rootfs directory */
  int root;                /* detached clone of it */
  int vol[JR_MAX_VOLUMES]; /* detached clones of the volume sources */
};
int jr_mounts_open (const struct jail_config *cfg, struct jr_trees *t, struct jail_error *e);
int jr_mounts_setup (const struct jail_config *cfg, struct jr_trees *t, struct jail_error *e);
void jr_trees_close (struct jr_trees *t);

/* caps.c */
/* "cap_chown" for CAP_CHOWN; NULL for a number this build has no name for. */
const char *jr_cap_name (int cap);
int jr_caps_from_name (const char *name, int *cap);
/* Drop every bounding capability not in keep (the exec zygote does it
 * once for all the processes it clones). */
int jr_caps_bound (uint64_t keep, struct jail_error *e);
/* Leave only keep in every set: bounding (unless bounded: already done
 * by jr_caps_bound in an ancestor), ambient, permitted, effective,
 * inheritable; kept caps are raised as ambient. */
int jr_caps_apply (uint64_t keep, bool bounded, struct jail_error *e);

/* stdio.c: open /dev/null on each of 0, 1, 2 that is closed (first thing
 * at every entry point that starts a process), and refuse a directory or
 * O_PATH fd among the stdio fds a jail would get. */
int jr_stdio_ensure (jail_error **err);
int jr_stdio_check (const int fds[3], jail_error **err);
/* Same, and no terminal either: for fds a client handed over (exec). */
int jr_stdio_check_handed (const int fds[3], jail_error **err);

#endif
