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
  char *src;   /* host path, absolute, symlinks resolved */
  char *dst;   /* path inside the jail, absolute, normalised */
  bool ro;
  dev_t dev;   /* identity of src when it was checked */
  ino_t ino;
  bool idmap;    /* :idmap: the jail user owns it as src's owner does */
  int idmap_fd;  /* the idmapped detached tree, made by the parent for one start; -1 */
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
  char *rootfs;       /* directory, or "/" (symlinks resolved) */
  dev_t root_dev;     /* identity of rootfs when it was checked */
  ino_t root_ino;
  bool host_root;     /* rootfs is "/" */
  bool read_write;
  uid_t uid;
  gid_t gid;
  uint64_t caps;      /* capabilities kept (bit N = cap N) */
  char **env;         /* NULL-terminated "KEY=VAL" */
  size_t n_env;
  char *workdir;
  char *hostname;
  double timeout;     /* seconds, 0 = none */
  int net_mode;       /* enum jail_net_mode */
  bool net_mode_set;  /* set explicitly: a different second mode is a conflict */
  char *seccomp;      /* spec, see jail_config_set_seccomp */
  char *seccomp_warnings; /* of the seccomp spec, see jail_config_warnings */
  struct jr_volume *volumes;
  size_t n_volumes;
  struct jr_tmpfs *tmpfs;
  size_t n_tmpfs;
  struct jr_limits limits;  /* cgroup v2 limits, see cgroup.h */
  struct jr_netcfg *netcfg;  /* netns/net.h: -p, --allow, audit log, subnet */
  unsigned long long log_max; /* detached log: bytes per file, 0 = no cap (logcap.c) */
  struct jr_health_cfg *health; /* health.h: --health-*, NULL = none */
  unsigned tty;       /* enum jail_tty_flags */
};

/* A compiled seccomp program, built in the parent, loaded in the child. */
struct jr_bpf
{
  void *filter;   /* struct sock_filter[] */
  unsigned short len;
  bool unconfined;
};

/* config.c */
int jr_parse_size (const char *s, unsigned long long *out);
int jr_normalise_path (const char *in, char **out, jail_error **err);
/* Replace *slot with dir normalised (the workdir of a config or of an
 * exec); errors are prefixed "workdir". */
int jr_set_workdir (char **slot, const char *dir, jail_error **err);

/* config_user.c: the ids of user (ulen bytes, NULL: keep *uid) and group
 * (NULL: none) from the rootfs's etc/passwd and etc/group. */
int jr_user_lookup (const struct jail_config *c, const char *user, size_t ulen, const char *group,
                    unsigned *uid, unsigned *gid, jail_error **err);

/* idmap.c: before the clone, the idmapped trees of :idmap volumes (root);
 * after it, close them (the child has its copies). */
struct jr_hostids;
int jr_idmap_prepare (struct jail_config *cfg, const struct jr_hostids *ids, jail_error **err);
void jr_idmap_release (struct jail_config *cfg);

/* The host ids the jail user maps to.  Rootless: the caller's (slot -1);
 * as root: those of a slot claimed under the state directory. */
struct jr_hostids
{
  int slot;                /* claimed slot, or -1 */
  unsigned long long uid, gid;
};
/* userns.c: decide h for cfg (as root, claim the lowest free slot; a slot
 * whose holder process is gone is reclaimed). */
int jr_hostids_claim (const struct jail_config *cfg, struct jr_hostids *h, jail_error **err);
/* userns.c: give the slot back (no-op without one); h->slot becomes -1. */
void jr_hostids_release (struct jr_hostids *h);
/* userns.c: write uid_map/gid_map (and setgroups) of child pid. */
int jr_userns_write_maps (pid_t pid, uid_t jail_uid, gid_t jail_gid, const struct jr_hostids *h,
                          jail_error **err);
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
  int root_src;               /* O_PATH fd of the rootfs directory */
  int root;                   /* detached clone of it */
  int vol[JR_MAX_VOLUMES];    /* detached clones of the volume sources */
};
int jr_mounts_open (const struct jail_config *cfg, struct jr_trees *t, struct jail_error *e);
int jr_mounts_setup (const struct jail_config *cfg, struct jr_trees *t, struct jail_error *e);
void jr_trees_close (struct jr_trees *t);

/* caps.c */
int jr_caps_from_name (const char *name, int *cap);
int jr_caps_apply (uint64_t keep, struct jail_error *e);

/* seccomp/filter.c */
int jr_seccomp_compile (const char *spec, struct jr_bpf *out, jail_error **err);
/* Same, always through libseccomp (the default too: build time, tests). */
int jr_seccomp_compile_nocache (const char *spec, struct jr_bpf *out, jail_error **err);
/* Check spec (build its policy); *warnings gets its warnings (or NULL). */
int jr_seccomp_check (const char *spec, char **warnings, jail_error **err);
int jr_seccomp_load (const struct jr_bpf *bpf, struct jail_error *e);
void jr_bpf_release (struct jr_bpf *bpf);

/* netns/loopback.c: bring lo up in the current network namespace. */
int jr_net_loopback_up (struct jail_error *e);

/* netns/net.c: the supervisor's network (forwarder, private bridge, proxy).
 * prepare runs before clone (binds -p listeners: port in use fails here),
 * attach after the id maps are written and before the child goes on,
 * release after the jail ended.  The sigpipe pair brackets the loop. */
struct jr_net;
struct jr_netcfg;
struct jr_loop;
int jr_net_prepare (jail_config *cfg, struct jr_net **out, jail_error **err);
int jr_net_attach (struct jr_net *n, struct jr_loop *loop, pid_t pid, int pidfd, jail_error **err);
void jr_net_release (struct jr_net *n);
/* JSON of the jail's network for inspect: mode, address, gateway, prefix,
 * published ports, allowlist.  Length, or -ENOSPC. */
int jr_net_describe (const struct jr_net *n, char *buf, size_t sz);
void jr_net_sigpipe_block (struct jr_net *n);
void jr_net_sigpipe_restore (struct jr_net *n);
void jr_netcfg_free (struct jr_netcfg *n);
/* The jail's name on its named network, if it is on one, and in the
 * proxy's audit log (supervisor). */
void jr_net_add_name (jail_config *cfg, const char *name);
/* The internet switch of a running jail (op: enum jr_net_op of netns/net.h;
 * uid/pid: the caller, for the audit line; *text: net ls's listing). */
int jr_net_control (struct jr_net *n, int op, char *const specs[], size_t nspecs, uid_t uid, pid_t pid,
                    char **text, jail_error **err);

/* stdio.c: open /dev/null on each of 0, 1, 2 that is closed (first thing
 * at every entry point that starts a process), and refuse a directory or
 * O_PATH fd among the stdio fds a jail would get. */
int jr_stdio_ensure (jail_error **err);
int jr_stdio_check (const int fds[3], jail_error **err);
/* Same, and no terminal either: for fds a client handed over (exec). */
int jr_stdio_check_handed (const int fds[3], jail_error **err);

#endif
