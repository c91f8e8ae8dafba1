/* cgroup.h - the jail's cgroup v2 leaf: the limits asked for, the host
 * probe (where a jail cgroup can go and which controllers it can have),
 * and the leaf's life: create with limits, attach, collect, kill+remove. */
#ifndef JR_CGROUP_H
#define JR_CGROUP_H

#include <dirent.h>
#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

/* Controller bits. */
enum
{
  JR_CG_MEMORY = 1,
  JR_CG_CPU = 2,
  JR_CG_PIDS = 4,
};
#define JR_CG_ALL (JR_CG_MEMORY | JR_CG_CPU | JR_CG_PIDS)

/* Where "no internal processes" moves a delegated cgroup's processes. */
#define JR_CG_LEAF "jailrun-leaf"

/* Period written to cpu.max, in microseconds. */
#define JR_CPU_PERIOD 100000

/* What the last jail_run measured; -1 = the kernel did not say. */
struct jr_cgstats
{
  long long mem_peak; /* bytes, memory.peak */
  long long cpu_usec; /* cpu.stat usage_usec */
  long long user_usec;
  long long system_usec;
  long long pids_peak; /* pids.peak */
  long long oom_kills; /* memory.events oom_kill */
};

/* The limits part of a jail_config. */
struct jr_limits
{
  unsigned long long memory; /* bytes, 0 = no limit */
  double cpus;               /* cores, 0 = no limit */
  long long pids;            /* tasks, 0 = no limit */
  char *parent;              /* --cgroup-parent, NULL = default */
  int mode;                  /* enum jail_limits_mode */
  int manager;               /* enum jail_cgroup_manager */
  const char *name;          /* the jail's name (names the systemd scope), NULL = anonymous */
  struct jr_cgstats last;    /* stats of the last jail_run */
};

/* Where the jail's cgroup can go on this host. */
struct jr_cgprobe
{
  char *mount;     /* the cgroup2 mount point, NULL = none */
  char *parent;    /* directory for the jail's cgroup, NULL = none usable */
  bool jr_subtree; /* parent is MOUNT/jailrun (root's default, made on demand) */
  bool rootless;
  unsigned hier;     /* controllers in the v2 hierarchy at all */
  unsigned avail;    /* controllers a child of parent can have */
  char why[256];     /* why parent is NULL */
  char *mroot;       /* the mount's root in the hierarchy */
  bool systemd;      /* the systemd manager places the jail (parent: its cgroup, then the scope's) */
  void *bus;         /* its sd_bus connection, NULL = none */
  char manager[512]; /* which manager and why (jailrun check) */
  char *scope;       /* the transient scope made for this jail, NULL = none */
  char *orig;        /* the caller's cgroup before it moved into the scope */
};

/* One jail's cgroup, owned by the supervisor. */
struct jr_cgroup
{
  int fd;           /* O_DIRECTORY fd of the jail's cgroup, -1 = none */
  int parent_fd;    /* its parent, -1 = none */
  char *name;       /* its name inside the parent */
  char *parent;     /* the parent's path */
  bool rm_parent;   /* parent is the jailrun/ subtree: remove when empty */
  bool attached;    /* clone3 CLONE_INTO_CGROUP placed the child */
  unsigned limited; /* controllers whose limit was written */
};

/* Controllers that limits ask for. */
unsigned jr_limits_asked (const struct jr_limits *l);
/* Probe the host for the limits (fills p; 0, or an error for a bad
 * --cgroup-parent). */
int jr_cgroup_probe (const struct jr_limits *l, struct jr_cgprobe *p, jail_error **err);
void jr_cgprobe_release (struct jr_cgprobe *p);
/* Asked vs available: strict mode errors (EOPNOTSUPP) naming the
 * controllers and the fix; best-effort stores a warning in *warn (may be
 * NULL when nothing is missing). */
int jr_cgroup_evaluate (const struct jr_limits *l, const struct jr_cgprobe *p,
                        char **warn, jail_error **err);
/* Make the jail's cgroup with its limits (cg->fd -1 when the host has
 * none for us and no limit was asked).  Stale jailrun cgroups of dead
 * supervisors in the same parent are removed first. */
int jr_cgroup_create (const struct jr_limits *l, struct jr_cgroup *cg, jail_error **err);
/* Move pid into the cgroup (when clone3 could not place it). */
int jr_cgroup_attach (struct jr_cgroup *cg, pid_t pid, jail_error **err);
/* Read memory/cpu/pids counters into st. */
void jr_cgroup_collect (const struct jr_cgroup *cg, struct jr_cgstats *st);
/* Kill what is left, remove the cgroup (and its children), close fds. */
void jr_cgroup_release (struct jr_cgroup *cg);

/* cgroup_exec.c: what runs in a jail's cgroup. */
/* Report an out-of-memory kill of the last run in *err ("killed: out of
 * memory, ..."); nothing when its cgroup counted none. */
void jr_cgroup_report_oom (const struct jr_limits *l, int status, jail_error **err);
/* The one out-of-memory message: the main process killed, or kills
 * processes of the jail, under memory.max max with peak peak; max NULL:
 * an exec's command (limit and peak not known there). */
void jr_oom_error (jail_error **err, bool main_killed, long long kills, const char *max, const char *peak);
/* oom_kill count of a cgroup (memory.events, hierarchical), -1 where there
 * is no cgroup (cgfd -1) or no memory controller. */
long long jr_cg_oom_kills (int cgfd);
/* Was a process that ended with wait status ws killed by the OOM killer?
 * SIGKILL and a new oom_kill in cgfd since before (jr_cg_oom_kills at its
 * start).  Another process of the jail could have been the victim at the
 * same moment: the verdict can only over-report then. */
bool jr_cg_oom_killed (int cgfd, long long before, int ws);

/* The cgroup of one exec of a detached jail, "exec-N" in the jail's. */
struct jr_execcg
{
  int fd; /* -1 = none: the exec runs in the jail's cgroup */
  char name[24];
};
/* The exec cgroups of one jail (its cgroup may change with a restart). */
struct jr_execcgs
{
  const struct jr_cgroup *jail;
  unsigned seq;           /* numbers them */
  struct jr_execcg spare; /* made ahead for the next exec (fd -1: none) */
  unsigned lingering;     /* ended execs' cgroups still populated at the last look */
};
/* The cgroup for an exec starting now: the spare, else a new one. */
void jr_execcg_take (struct jr_execcgs *set, struct jr_execcg *cg);
/* The exec could not start: remove its cgroup. */
void jr_execcg_unused (struct jr_execcgs *set, struct jr_execcg *cg);
/* Kill everything in an exec's cgroup (cgroup.kill). */
void jr_execcg_kill (const struct jr_execcg *cg);
/* An exec ended: remove its cgroup, and those of earlier ones whose
 * processes outlived them and are gone now (live(name, ctx): a running
 * exec's); make the next spare when spare is true. */
void jr_execcg_end (struct jr_execcgs *set, struct jr_execcg *cg, bool (*live) (const char *name, void *ctx), void *ctx,
                    bool spare);
/* The jail's cgroup is gone: forget the spare. */
void jr_execcg_release (struct jr_execcgs *set);

/* The first cgroup2 mount: its mount point and its root in the
 * hierarchy (malloc'd), or -errno (-ENOENT: none). */
int jr_cg_mount (char **mount, char **mroot);
/* The caller's own cgroup as a path under mount (malloc'd, NULL on error). */
char *jr_cg_own (const char *mount, const char *mroot);
/* The same for process pid (0: the caller). */
char *jr_cg_of (pid_t pid, const char *mount, const char *mroot);
/* Controllers listed in dir/file. */
unsigned jr_cg_controllers_of (const char *dir, const char *file);

/* cgroup_systemd.c: the caller's systemd manager over D-Bus (sd-bus). */
/* Connect (*bus) and say how in how; or -errno and why. */
int jr_sd_connect (void **bus, char *how, size_t hsize, char *why, size_t wsize);
void jr_sd_close (void *bus);
/* The manager's own cgroup (Manager.ControlGroup), malloc'd in *cg. */
int jr_sd_manager_cgroup (void *bus, char **cg);
/* A unit property of D-Bus type t ("MemoryMax", bytes). */
struct jr_sd_prop
{
  const char *name;
  unsigned long long val;
};
#define JR_SD_MAX_PROPS 12
/* A transient scope to start: Delegate=yes, the one pid, the properties. */
struct jr_sd_scope
{
  const char *unit, *slice; /* slice NULL: the manager's default */
  const char *desc;
  pid_t pid;
  const struct jr_sd_prop *props;
  size_t n_props;
  const char *oom_policy; /* OOMPolicy= (NULL: the manager's default) */
  const char *bypass;     /* how to do without systemd, for the refusal */
};
/* Start it and wait (bounded) for its job. */
int jr_sd_start_transient (void *bus, const struct jr_sd_scope *u, jail_error **err);
/* Set properties on a running unit (runtime: until the unit ends). */
int jr_sd_set_props (void *bus, const char *unit, const struct jr_sd_prop *p, size_t n, jail_error **err);
/* Start the transient scope unit holding the caller with Delegate=yes and
 * the limits, and wait (bounded) for its job. */
int jr_sd_start_scope (void *bus, const char *unit, const struct jr_limits *l, jail_error **err);
/* Set the limits on an existing scope (a second jail_run of one process). */
int jr_sd_set_limits (void *bus, const char *unit, const struct jr_limits *l, jail_error **err);
/* Move pid into the running unit (AttachProcessesToUnit: a user manager
 * asks the system manager when the move is not its to make). */
int jr_sd_attach (void *bus, const char *unit, pid_t pid, jail_error **err);
void jr_sd_stop_scope (void *bus, const char *unit);
/* Move the caller into its jail's scope (made or reused): p->parent and
 * p->avail become the scope's. */
int jr_sd_enter (const struct jr_limits *l, struct jr_cgprobe *p, jail_error **err);
/* Error path: move the caller back out of the scope it made and stop it. */
void jr_sd_abandon (struct jr_cgprobe *p);

/* cgroup_fs.c: small file helpers on cgroupfs. */
ssize_t jr_cg_read (int dirfd, const char *name, char *buf, size_t size);
int jr_cg_write (int dirfd, const char *name, const char *val);
unsigned jr_cg_parse_controllers (const char *s);
long long jr_cg_key (const char *text, const char *key);
void jr_cg_remove (int parent_fd, const char *name, int depth);
/* List the directory dirfd from its start (NULL with errno on failure). */
DIR *jr_cg_opendir (int dirfd);
unsigned long long jr_proc_starttime (pid_t pid);
#endif
