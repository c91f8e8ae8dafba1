/* jail.h - public interface of libjail, the jailrun sandbox runtime.
 *
 * Every type is opaque.  Every call that can fail returns 0 (or a
 * non-negative value) on success and a negative errno on failure; when the
 * caller passes a non-NULL jail_error **, the failing call stores there an
 * error object whose message reads like a path ("mounts: /proc: mount:
 * Permission denied").  The caller frees it with jail_error_free().
 * The library never exits, never prints and installs no signal handler.
 */
#ifndef JAIL_H
#define JAIL_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(JAIL_BUILDING) && defined(__GNUC__)
#define JAIL_EXPORT __attribute__ ((visibility ("default")))
#else
#define JAIL_EXPORT
#endif

typedef struct jail_config jail_config;
typedef struct jail_error jail_error;

/* Network modes for jail_config_set_network(). */
enum jail_net_mode {
  JAIL_NET_PRIVATE = 0, /* default: private bridge, no route out */
  JAIL_NET_NONE = 1,    /* loopback only (--no-net) */
  JAIL_NET_PROXY = 2,   /* private network, egress only through the proxy */
};

/* Message of an error object (never NULL for a valid object). */
JAIL_EXPORT const char *jail_error_message (const jail_error *err);
/* Positive errno value that caused the error. */
JAIL_EXPORT int jail_error_errno (const jail_error *err);
/* Free an error object; NULL is allowed. */
JAIL_EXPORT void jail_error_free (jail_error *err);

/* Version string of the library, e.g. "0.1.0". */
JAIL_EXPORT const char *jail_version (void);
/* Space-separated list of features compiled in. */
JAIL_EXPORT const char *jail_features (void);

/* Create an empty configuration with the secure defaults of DESIGN.md. */
JAIL_EXPORT int jail_config_new (jail_config **out, jail_error **err);
/* Free a configuration; NULL is allowed. */
JAIL_EXPORT void jail_config_free (jail_config *cfg);

/* Root filesystem: a directory, or "/" for the host root (read-only,
 * with home and runtime directories hidden). */
JAIL_EXPORT int jail_config_set_rootfs (jail_config *cfg, const char *path, jail_error **err);
/* Bind mount, Docker syntax "SRC:DST[:ro|rw]" (rw unless ro). */
JAIL_EXPORT int jail_config_add_volume (jail_config *cfg, const char *spec, jail_error **err);
/* tmpfs mount "PATH[:size=N,mode=M,exec]". */
JAIL_EXPORT int jail_config_add_tmpfs (jail_config *cfg, const char *spec, jail_error **err);
/* Writable root (refused for "/"). */
JAIL_EXPORT int jail_config_set_read_write (jail_config *cfg, int on, jail_error **err);
/* Jail user "UID[:GID]" (numeric). Default 65532:65532. */
JAIL_EXPORT int jail_config_set_user (jail_config *cfg, const char *spec, jail_error **err);
/* Keep one capability ("NET_BIND_SERVICE", "cap_net_raw", ...). */
JAIL_EXPORT int jail_config_add_cap (jail_config *cfg, const char *name, jail_error **err);
/* Environment: "KEY=VAL", or "KEY" to copy the caller's value. */
JAIL_EXPORT int jail_config_set_env (jail_config *cfg, const char *spec, jail_error **err);
/* Read KEY=VAL lines (# comments, blank lines ignored) from a file. */
JAIL_EXPORT int jail_config_load_env_file (jail_config *cfg, const char *path, jail_error **err);
/* Working directory inside the jail (absolute). Default "/". */
JAIL_EXPORT int jail_config_set_workdir (jail_config *cfg, const char *dir, jail_error **err);
/* Host name inside the jail's UTS namespace. */
JAIL_EXPORT int jail_config_set_hostname (jail_config *cfg, const char *name, jail_error **err);
/* Kill the whole jail after this many seconds (0 = never). */
JAIL_EXPORT int jail_config_set_timeout (jail_config *cfg, double seconds, jail_error **err);
/* Network mode, see enum jail_net_mode. */
JAIL_EXPORT int jail_config_set_network (jail_config *cfg, int mode, jail_error **err);
/* Seccomp policy: "default", "unconfined", a Docker/OCI JSON profile
 * path, or "+name,-name" edits of the default ("+name" allows every call
 * of name, "-name" denies it with EPERM; a later edit wins).  Edits given
 * in a second call add to the edits of the first. */
JAIL_EXPORT int jail_config_set_seccomp (jail_config *cfg, const char *spec, jail_error **err);
/* Warnings gathered while configuring (e.g. syscall names of a seccomp
 * profile unknown on this architecture), one a line; NULL when none. */
JAIL_EXPORT const char *jail_config_warnings (const jail_config *cfg);
/* Readable text of the seccomp policy spec names (same syntax as
 * jail_config_set_seccomp): per syscall its action and argument filters.
 * *text (and *warnings, when not NULL: the policy's warnings or NULL) are
 * malloc'd; the caller frees them. */
JAIL_EXPORT int jail_seccomp_dump (const char *spec, char **text, char **warnings, jail_error **err);

/* Limits mode for jail_config_set_limits_mode(). */
enum jail_limits_mode {
  JAIL_LIMITS_STRICT = 0,      /* default: a limit the host cannot enforce is an error */
  JAIL_LIMITS_BEST_EFFORT = 1, /* run without it; jail_limits_check() says what is enforced */
};

/* cgroup v2 limits.  Memory "SIZE" (512m, 2g; at least 1m), swap is set to 0. */
JAIL_EXPORT int jail_config_set_memory (jail_config *cfg, const char *size, jail_error **err);
/* CPU share in cores (0.5 = half a core), written to cpu.max. */
JAIL_EXPORT int jail_config_set_cpus (jail_config *cfg, double cpus, jail_error **err);
/* Maximum number of tasks (pids.max). */
JAIL_EXPORT int jail_config_set_pids_limit (jail_config *cfg, long long n, jail_error **err);
/* Parent cgroup for the jail's cgroup (root only; relative to the cgroup
 * v2 mount, must exist).  Default: the jailrun/ subtree of the root
 * (as root) or the nearest delegated ancestor (rootless). */
JAIL_EXPORT int jail_config_set_cgroup_parent (jail_config *cfg, const char *path, jail_error **err);
/* See enum jail_limits_mode. */
JAIL_EXPORT int jail_config_set_limits_mode (jail_config *cfg, int mode, jail_error **err);
/* Check the limits against this host without changing anything.  Strict
 * mode: -EOPNOTSUPP with a message naming the controller and the fix when
 * a limit cannot be enforced.  Best-effort: 0, and *warning (free() it) says
 * what is and is not enforced (NULL when everything is). */
JAIL_EXPORT int jail_limits_check (jail_config *cfg, char **warning, jail_error **err);
/* Counters of the last jail_run on cfg: peak memory (bytes), CPU time
 * (microseconds), peak task count; -1 each where the kernel had none.
 * -ENODATA when the jail had no cgroup. */
JAIL_EXPORT int jail_last_stats (const jail_config *cfg, long long *mem_peak, long long *cpu_usec, long long *pids_peak);

/* Run argv (argv[0] looked up in the jail's PATH) to completion.
 * On success returns 0 and stores in *status what a shell would report:
 * the exit code, 128+N for death by signal N, 124 when the timeout
 * killed the jail, 137 with *err saying "killed: out of memory, ..." when
 * the memory limit killed the command, 126/127 when the command could not be executed (then
 * *err, if given, also says why).  A negative errno means the jail could
 * not be set up; nothing is left behind. */
JAIL_EXPORT int jail_run (jail_config *cfg, char *const argv[], int *status, jail_error **err);

#ifdef __cplusplus
}
#endif
#endif
