/* lifecycle.h - long-running jails: the supervisor (supervisor.c), the
 * exec of more processes into a running jail (exec.c) and the handle the
 * public API hands out. */
#ifndef JR_LIFECYCLE_H
#define JR_LIFECYCLE_H

#include "process.h"
#include "relay.h"
#include "proto.h"
#include "state.h"

/* A handle on a named long-running jail (public type jail). */
struct jail
{
  char *name;
  int tie_fd;             /* anonymous jails: closing it stops the jail; -1 */
  struct jr_relay *relay; /* JAIL_START_ATTACH: the caller's terminal relay, pumped by jail_wait */
  int sup_pidfd;          /* with tie_fd: the supervisor, awaited by jail_close; -1 */
};

/* Options of one exec (public type jail_exec_opts). */
struct jail_exec_opts
{
  char **env; /* "KEY=VAL" overrides, NULL-terminated */
  size_t n_env;
  char *workdir; /* NULL: the jail's */
  int uid, gid;  /* -1: the jail's */
  char *user;    /* -u NAME[:GROUP], resolved by the supervisor in the jail's root; NULL: none */
  double timeout;
  int fds[3];   /* -1: the caller's own 0, 1, 2 */
  unsigned tty; /* enum jail_tty_flags */
};

/* What the supervisor needs to start one exec'd process. */
struct jr_exec_spec
{
  const struct jail_config *cfg;
  const struct jr_bpf *bpf;
  const int *ns_fds; /* the jail's namespaces (JR_NS_COUNT, user first) */
  int cgroup_fd;     /* the jail's cgroup, -1 when it has none */
  char *const *argv;
  char *const *env; /* complete environment */
  const char *workdir;
  int fds[3];   /* the client's stdin, stdout, stderr */
  bool tty;     /* fds[0] is the channel for a pty (jr_pty_child) */
  bool bounded; /* cloned by the zygote, whose bounding set is cfg->caps already */
};

/* Start one process in the jail (exec.c).  On success *pid is a child of
 * the caller (wait for it with __WALL) and *msg_fd receives
 * JR_MSG_SETUP_ERR / JR_MSG_EXEC_ERR if it fails before execve. */
int jr_exec_spawn (const struct jr_exec_spec *x, pid_t *pid, int *msg_fd, jail_error **err);
/* Fixed fd numbers after jr_exec_join. */
enum
{
  JR_FD_MSG = 3,
  JR_FD_NS = 4,
  JR_FD_CG = JR_FD_NS + JR_NS_COUNT
};
/* In a fresh child of the supervisor: become non-dumpable, arrange fds
 * (0-2 x->fds, 3 msg, then the namespaces and the cgroup), join every
 * namespace of the jail.  Returns the number of fds kept, or -errno with
 * e filled (then msg is still usable). */
int jr_exec_join (const struct jr_exec_spec *x, int msg, struct jail_error *e);
/* After jr_exec_join: clone the new process as the supervisor's child
 * into the jail's pid namespace (and into the cgroup cgfd when >= 0); in
 * the child, fds (when not NULL) are arranged first, then jr_exec_child
 * runs.  Returns the pid, or -1 with errno. */
int jr_exec_clone (const struct jr_exec_spec *x, int cgfd, const int *fds, int nfds);
/* The same, vfork-style: the child shares the caller's memory (no page
 * tables copied, no copy-on-write faults, nothing to free at execve) and
 * runs on stack (size bytes) while the caller waits until it has called
 * execve or exited.  fds must not be NULL.  Falls back to jr_exec_clone
 * where clone3 or this architecture's trampoline is missing. */
int jr_exec_vclone (const struct jr_exec_spec *x, int cgfd, const int *fds, int nfds, void *stack, size_t size);
/* The new process: become the jail user, then jr_command_exec (fd 3
 * carries failures).  Returns the exit status after a failure. */
int jr_exec_child (const struct jr_exec_spec *x);
/* Start the exec zygote (zygote.c) for the jail of base (argv, env and
 * workdir unused); returns the supervisor's end of its control socket. */
int jr_zygote_start (const struct jr_exec_spec *base, pid_t *zpid, jail_error **err);
/* Start one process through the zygote; like jr_exec_spawn.  -EPIPE when
 * the zygote is gone (then use jr_exec_spawn). */
int jr_zygote_spawn (int zfd, char *const *argv, char *const *env, const char *wd, const int fds[3],
                     bool tty, int cgfd, pid_t *pid, int *msg_fd, jail_error **err);
/* Move src[i] to fd i for i < n (0-2 without CLOEXEC, the rest with),
 * and close every other fd >= n.  No allocation.  -errno on failure. */
int jr_fds_arrange (const int *src, int n);
/* The capped log of a detached jail (logcap.c). */
struct jr_logcap
{
  int rfd;            /* read end of the stdout/stderr pipe (nonblocking) */
  int fd;             /* the current log file */
  char *path, *path1; /* log and log.1 */
  unsigned long long size, max;
};
/* Make stdout and stderr a pipe into the log of jail name (fds 1 and 2). */
int jr_logcap_open (struct jr_logcap *lc, const char *name, unsigned long long max);
/* Move what the pipe holds (one read) into the log: 1 if anything came,
 * 0 at end of file (no writer left), -1 when empty or on error. */
int jr_logcap_pump (struct jr_logcap *lc);
/* Drain the pipe, then release everything. */
void jr_logcap_close (struct jr_logcap *lc);
/* Body of the detached supervisor (supervisor.c); never returns.
 * stdio: the first process's 0, 1, 2 (attached), or NULL (detached:
 * /dev/null and the jail's log); flags are jail_start's (AUTOREMOVE). */
void jr_supervisor_main (jail_config *cfg, const char *name, char *const argv[],
                         int ready_fd, int tie_fd, const int *stdio, unsigned flags) __attribute__ ((noreturn));
/* Connect to j's supervisor and send an exec request for argv with the
 * given stdio; returns the connection (the answers come on it). */
int jr_exec_send (jail *j, const jail_exec_opts *o, char *const argv[], const int fds[3], jail_error **err);
/* Run argv in j and wait (exec_client.c); the whole answer in *rep. */
int jr_exec_run (jail *j, const jail_exec_opts *o, char *const argv[], struct jr_rep *rep, jail_error **err);
/* The static configuration of a jail as JSON (inspect.c), malloc'd; cg
 * is the jail's cgroup (NULL: none). */
struct jr_net;
char *jr_config_json (const struct jail_config *cfg, const char *name, const struct jr_cgroup *cg,
                      const struct jr_net *net, const struct jr_hostids *ids);
/* The limits of cfg enforced by cg in short form ("memory=512M cpus=0.5
 * pids=64"), or "-" when none; into buf. */
void jr_limits_text (const struct jail_config *cfg, const struct jr_cgroup *cg, char *buf, size_t size);
/* The limits of cfg asked for but not enforced by cg, same form. */
void jr_limits_missing_text (const struct jail_config *cfg, const struct jr_cgroup *cg, char *buf, size_t size);
/* Published ports as "127.0.0.1:8080->8000/tcp,[::1]:8443->443/tcp", or
 * "-"; -ENOSPC when cut. */
int jr_ports_text (const struct jail_config *cfg, char *buf, size_t size);
#endif
