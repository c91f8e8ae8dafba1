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

#include <stddef.h>
#include <sys/types.h>

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
enum jail_net_mode
{
  JAIL_NET_PRIVATE = 0, /* default: private network, no route out */
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
/* Read a host text file the way jailrun reads every file a user names
 * (--env-file, --allow-file, a stack file): a regular file only, never
 * through a symlink in its last component, never blocking on a FIFO or a
 * device, at most 1 MiB, no NUL byte.  what names it in messages ("stack
 * file").  *text is NUL-terminated and malloc'd (free it), *len its length. */
JAIL_EXPORT int jail_read_file (const char *what, const char *path, char **text, size_t *len, jail_error **err);

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
/* Jail user "UID[:GID]" or "NAME[:GROUP]" (names looked up in the
 * rootfs's /etc/passwd and /etc/group: set the rootfs first).  Default
 * 65532:65532. */
JAIL_EXPORT int jail_config_set_user (jail_config *cfg, const char *spec, jail_error **err);
/* Keep one capability ("NET_BIND_SERVICE", "cap_net_raw", ...). */
JAIL_EXPORT int jail_config_add_cap (jail_config *cfg, const char *name, jail_error **err);
/* Drop a capability kept by jail_config_add_cap, or "ALL" of them (the
 * default set is already empty). */
JAIL_EXPORT int jail_config_drop_cap (jail_config *cfg, const char *name, jail_error **err);
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
/* Publish a port: "[ADDR:]HOSTPORT:JAILPORT" (ADDR 127.0.0.1 unless
 * written; "[::1]:8080:8000" for IPv6).  Works in every network mode. */
JAIL_EXPORT int jail_config_add_publish (jail_config *cfg, const char *spec, jail_error **err);
/* Proxy allowlist entry: "HOST[:PORT]", "*.DOMAIN[:PORT]", an IP literal,
 * "[IPv6][:PORT]" or "*" (everything public: learn mode).  Port 443 when
 * omitted.  Needs JAIL_NET_PROXY. */
JAIL_EXPORT int jail_config_add_allow (jail_config *cfg, const char *spec, jail_error **err);
/* Allowlist entry "HOST[:PORT]" whose name may resolve to a private or
 * reserved address (a LAN mirror, a model store): by name only, never a
 * wildcard or an address.  Needs JAIL_NET_PROXY. */
JAIL_EXPORT int jail_config_add_allow_private (jail_config *cfg, const char *spec, jail_error **err);
/* Chain the egress proxy to an upstream HTTP proxy "http://HOST:PORT":
 * CONNECT and plain-HTTP requests the allowlist permits are passed to it
 * as they came (it resolves and connects).  Needs JAIL_NET_PROXY. */
JAIL_EXPORT int jail_config_set_upstream_proxy (jail_config *cfg, const char *url, jail_error **err);
/* Allowlist entries from a file, one a line, '#' comments. */
JAIL_EXPORT int jail_config_load_allow_file (jail_config *cfg, const char *path, jail_error **err);
/* Append one JSON line per proxy decision to path. */
JAIL_EXPORT int jail_config_set_audit_log (jail_config *cfg, const char *path, jail_error **err);
/* IPv4 subnet of the private network, "10.88.0.0/16" by default. */
JAIL_EXPORT int jail_config_set_subnet (jail_config *cfg, const char *cidr, jail_error **err);
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
enum jail_limits_mode
{
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
/* Who places the jail's cgroup, for jail_config_set_cgroup_manager(). */
enum jail_cgroup_manager
{
  JAIL_CGROUP_AUTO = 0,     /* default: systemd when the caller's manager answers, else cgroupfs */
  JAIL_CGROUP_SYSTEMD = 1,  /* a transient scope (Delegate=yes) from the caller's systemd manager;
                             * the calling process moves into it */
  JAIL_CGROUP_CGROUPFS = 2, /* cgroupfs directly: the delegated cgroup (rootless) or /jailrun (root) */
};
JAIL_EXPORT int jail_config_set_cgroup_manager (jail_config *cfg, int manager, jail_error **err);
/* Check the limits against this host without changing anything.  Strict
 * mode: -EOPNOTSUPP with a message naming the controller and the fix when
 * a limit cannot be enforced.  Best-effort: 0, and *warning (free() it) says
 * what is and is not enforced (NULL when everything is). */
JAIL_EXPORT int jail_limits_check (jail_config *cfg, char **warning, jail_error **err);
/* Counters of the last jail_run on cfg: peak memory (bytes), CPU time
 * (microseconds), peak task count; -1 each where the kernel had none.
 * -ENODATA when the jail had no cgroup. */
JAIL_EXPORT int jail_last_stats (const jail_config *cfg, long long *mem_peak, long long *cpu_usec, long long *pids_peak);

/* Terminal flags of jail_config_set_tty() and jail_exec_opts_set_tty().
 * No terminal of the caller ever enters a jail: each of the caller's 0, 1,
 * 2 that is a terminal is relayed through a pipe by the call that waits
 * (jail_run, jail_wait of a JAIL_START_ATTACH jail, jail_exec), and a
 * terminal stdin is /dev/null unless JAIL_INTERACTIVE.  Pipes, files and
 * sockets the caller redirects pass as they are. */
enum jail_tty_flags
{
  JAIL_TTY = 1,         /* -t: a pty of the jail's own devpts is the process's controlling
                           terminal and its 0, 1, 2, relayed to the caller's stdin/stdout
                           (raw mode while it runs with JAIL_INTERACTIVE; the window size
                           follows on SIGWINCH when the calling thread blocks it) */
  JAIL_INTERACTIVE = 2, /* -i: keep stdin: a terminal stdin is relayed (else /dev/null) */
};
/* Terminal handling of jail_run and of an attached jail_start (flags:
 * enum jail_tty_flags; a detached jail takes none). */
JAIL_EXPORT int jail_config_set_tty (jail_config *cfg, unsigned flags, jail_error **err);

/* Run argv (argv[0] looked up in the jail's PATH) to completion.
 * On success returns 0 and stores in *status what a shell would report:
 * the exit code, 128+N for death by signal N, 124 when the timeout
 * killed the jail, 137 with *err saying "killed: out of memory, ..." when
 * the memory limit killed the command, 126/127 when the command could not be executed (then
 * *err, if given, also says why).  A negative errno means the jail could
 * not be set up; nothing is left behind. */
JAIL_EXPORT int jail_run (jail_config *cfg, char *const argv[], int *status, jail_error **err);

/* ---- Long-running jails ------------------------------------------------
 * A long-running jail has a supervisor process of its own (forked by
 * jail_start) that owns the jail and serves exec requests from the
 * caller's user only.  Its state lives in /run/jailrun (root) or
 * $XDG_RUNTIME_DIR/jailrun (else /tmp/jailrun-UID), 0700. */
typedef struct jail jail;
typedef struct jail_exec_opts jail_exec_opts;

/* Flags of jail_start(). */
enum jail_start_flags
{
  JAIL_START_DETACH = 1,     /* the jail outlives the handle and the caller */
  JAIL_START_ATTACH = 2,     /* the first process gets the caller's stdin, stdout, stderr */
  JAIL_START_AUTOREMOVE = 4, /* with DETACH: its state (name, log) is removed when it ends */
};

/* Start a long-running jail named name (NULL: a generated name, see
 * jail_name()) whose first process is argv, and return once argv has
 * been exec'd.  Without JAIL_START_DETACH the jail is stopped and
 * forgotten when the handle is closed or the caller exits.  -EEXIST when
 * the name is taken; a jail that cannot start leaves nothing behind.
 * The first process gets /dev/null as stdin and the jail's log as
 * stdout and stderr, or with JAIL_START_ATTACH the caller's. */
JAIL_EXPORT int jail_start (jail_config *cfg, const char *name, char *const argv[], unsigned flags,
                            jail **out, jail_error **err);
/* Cap of a detached jail's log (size as for jail_config_set_memory):
 * past it the log is rotated to one older file, so at most twice size
 * is kept; "0" means no cap.  Default 10m; at least 4k. */
JAIL_EXPORT int jail_config_set_log_max (jail_config *cfg, const char *size, jail_error **err);
/* Open a handle on the jail called name (-ENOENT if there is none). */
JAIL_EXPORT int jail_open (const char *name, jail **out, jail_error **err);
/* Name of the jail of a handle. */
JAIL_EXPORT const char *jail_name (const jail *j);
/* Free a handle; stops the jail unless it was started detached or opened. */
JAIL_EXPORT void jail_close (jail *j);
/* Stop the jail: SIGTERM to its first process, SIGKILL to everything after
 * grace seconds; returns once it has ended.  0 if it was not running. */
JAIL_EXPORT int jail_stop (jail *j, double grace, jail_error **err);
/* Wait until the jail's first process has ended; *status is its shell
 * status (124 when the jail's timeout killed it).  Signals the calling
 * thread blocks (INT TERM HUP QUIT USR1 USR2 WINCH) are forwarded to it. */
JAIL_EXPORT int jail_wait (jail *j, int *status, jail_error **err);
/* Forget a jail that has ended (force: stop it first).  -EBUSY when it is
 * running and force is 0. */
JAIL_EXPORT int jail_remove (const char *name, int force, jail_error **err);

/* Options of one exec: new, free, and setters that validate like the
 * jail_config ones. */
JAIL_EXPORT int jail_exec_opts_new (jail_exec_opts **out, jail_error **err);
JAIL_EXPORT void jail_exec_opts_free (jail_exec_opts *o);
/* Add "KEY=VAL" (or "KEY": the caller's value) over the jail's environment. */
JAIL_EXPORT int jail_exec_opts_set_env (jail_exec_opts *o, const char *spec, jail_error **err);
/* Working directory (absolute; default: the jail's). */
JAIL_EXPORT int jail_exec_opts_set_workdir (jail_exec_opts *o, const char *dir, jail_error **err);
/* User "UID[:GID]" or "NAME[:GROUP]" (names are looked up at exec time
 * in the running jail's own /etc/passwd and /etc/group); the jail maps
 * only its own user, so only that works (another is refused: -EPERM). */
JAIL_EXPORT int jail_exec_opts_set_user (jail_exec_opts *o, const char *spec, jail_error **err);
/* Kill the process (and its process group) after seconds; status 124. */
JAIL_EXPORT int jail_exec_opts_set_timeout (jail_exec_opts *o, double seconds, jail_error **err);
/* stdin, stdout, stderr of the process (-1: the caller's 0, 1, 2). */
JAIL_EXPORT int jail_exec_opts_set_stdio (jail_exec_opts *o, int in, int out, int errfd, jail_error **err);
/* Terminal handling of the exec (enum jail_tty_flags; jail_capture ignores it). */
JAIL_EXPORT int jail_exec_opts_set_tty (jail_exec_opts *o, unsigned flags, jail_error **err);

/* Run argv in the running jail j, in its namespaces and cgroup (a child
 * cgroup of its own, exec-N, where the jail has one), as its
 * user, with the same capabilities, no_new_privs and seccomp filter as
 * its first process (the policy comes from the supervisor, never from
 * the caller or the jail).  o may be NULL.  On success *status is what a
 * shell reports (code, 128+N, 124 on timeout, 126/127 when argv could not
 * be executed, with *err saying why).  A negative errno means nothing
 * ran (-ESRCH: the jail is not running).  Signals the calling thread
 * blocks (INT TERM HUP QUIT USR1 USR2 WINCH) are forwarded. */
JAIL_EXPORT int jail_exec (jail *j, const jail_exec_opts *o, char *const argv[], int *status, jail_error **err);

/* Names of the caller's jails, sorted, in a NULL-terminated vector freed
 * with jail_list_free(); returns how many. */
JAIL_EXPORT int jail_list (char ***names, jail_error **err);
JAIL_EXPORT void jail_list_free (char **names);
/* One value of a jail's state as a string (free() it): "state"
 * (starting|running|exited|dead), "uptime" (seconds), "supervisor_pid",
 * "init_pid", "created", "rootfs", "network", "limits" (enforced ones, or
 * "-"), "exit_status". */
JAIL_EXPORT int jail_info (const char *name, const char *key, char **value, jail_error **err);
/* The jail's state and effective configuration (every security setting)
 * as JSON; free() it. */
JAIL_EXPORT int jail_inspect (const char *name, char **json, jail_error **err);
/* Copy the jail's log (its first process's stdout and stderr) to fd out;
 * with follow, keep copying until the jail ends. */
JAIL_EXPORT int jail_logs (const char *name, int out, int follow, jail_error **err);

/* The internet switch of a running jail started with JAIL_NET_PROXY:
 * change its egress proxy's allowlist with no restart (the next request
 * sees it; pending requests and open tunnels the new list no longer
 * permits are ended).  specs is a NULL-terminated vector of entries in
 * jail_config_add_allow()'s syntax; a change applies wholly or not at all
 * (deny: -ENOENT when an entry is not in the list).  off denies every
 * request and keeps the list; on lifts that.  Each change is a line in
 * the audit log naming the caller's uid and pid.  -EOPNOTSUPP when the
 * jail has no proxy.  Only the jail's own user may call them. */
JAIL_EXPORT int jail_net_allow (jail *j, char *const specs[], jail_error **err);
JAIL_EXPORT int jail_net_deny (jail *j, char *const specs[], jail_error **err);
JAIL_EXPORT int jail_net_off (jail *j, jail_error **err);
JAIL_EXPORT int jail_net_on (jail *j, jail_error **err);
/* The switch ("egress on|off"), the entries ("allow HOST:PORT") and the
 * last decisions and changes ("recent TIME ..."), one a line; free() it. */
JAIL_EXPORT int jail_net_list (jail *j, char **text, jail_error **err);

/* ---- Named networks ---------------------------------------------------
 * A bridge with no uplink in a network namespace of its own, kept by a
 * small holder process until jail_network_remove.  Jails started with
 * jail_config_set_network_name() reach each other on it by address and
 * by name (an /etc/hosts kept current, read-only in each jail, when the
 * rootfs has /etc/hosts); nothing else.  Root or rootless; a network is
 * its creator's (a rootless user's networks share one user namespace,
 * that of their holders, in which the jails on them nest). */
/* Create network name; subnet "A.B.C.D/N" (NULL: the first 10.89.N.0/24
 * no other network of the caller overlaps).  -EEXIST
 * when it exists (a stale one, whose holder died, is replaced). */
JAIL_EXPORT int jail_network_create (const char *name, const char *subnet, jail_error **err);
/* Names of the networks, sorted as found; free with jail_list_free(). */
JAIL_EXPORT int jail_network_list (char ***names, jail_error **err);
/* JSON: name, state (ready|stale), subnet, gateway, holder, hosts file, jails. */
JAIL_EXPORT int jail_network_inspect (const char *name, char **json, jail_error **err);
/* End the holder and forget the network; -EBUSY while jails are on it. */
JAIL_EXPORT int jail_network_remove (const char *name, jail_error **err);
/* Put the jail on network name (created before) instead of its own
 * private network; "none" means JAIL_NET_NONE.  Again with another name:
 * also on that one (up to 4: eth0, eth1, ...; /etc/hosts merges theirs). */
JAIL_EXPORT int jail_config_set_network_name (jail_config *cfg, const char *name, jail_error **err);
/* Another name the jail is known by on its network (the jail's own name,
 * from jail_start, is added by itself). */
JAIL_EXPORT int jail_config_add_network_alias (jail_config *cfg, const char *alias, jail_error **err);

/* Healthcheck of a long-running jail (jail_start), Docker's meanings:
 * key "cmd" (run as /bin/sh -c CMD in the jail through the exec path),
 * "interval" (30s), "timeout" (30s), "retries" (3), "start-period" (0s);
 * durations like 500ms, 30s, 2m, 1h.  Its state is jail_info(name,
 * "health"): starting|healthy|unhealthy (also "health_output", the last
 * check's output, and "health_failing"). */
JAIL_EXPORT int jail_config_set_health (jail_config *cfg, const char *key, const char *value, jail_error **err);
/* Restart policy of a detached jail (Docker's): "no" (default),
 * "on-failure[:N]" (a non-zero exit, at most N times), "always",
 * "unless-stopped" (the same here: there is no daemon to restart).  The
 * supervisor waits 100 ms before the first restart, doubling up to 60 s,
 * back to 100 ms after a run of 10 s; published ports stay bound;
 * jail_stop ends it for good.  The count is jail_info(name, "restart_count"). */
JAIL_EXPORT int jail_config_set_restart (jail_config *cfg, const char *policy, jail_error **err);
/* Stop the jail's command (SIGTERM, SIGKILL after grace seconds) and start
 * it again in a fresh jail with the same configuration, names and ports;
 * returns once it runs.  -ESRCH when the jail has ended. */
JAIL_EXPORT int jail_restart (jail *j, double grace, jail_error **err);

/* ---- Capture: run and collect, for agent harnesses --------------------- */
typedef struct jail_result jail_result;

/* Flags of jail_result_flags(). */
enum jail_result_flags
{
  JAIL_RESULT_TIMED_OUT = 1,        /* the time limit killed it (status 124) */
  JAIL_RESULT_STDOUT_TRUNCATED = 2, /* stdout exceeded max_output; the rest was dropped */
  JAIL_RESULT_STDERR_TRUNCATED = 4,
  JAIL_RESULT_EXEC_FAILED = 8, /* argv could not be executed (126/127) */
  JAIL_RESULT_OOM_KILLED = 16, /* the OOM killer ended it (the jail's --memory; cgroup v2 only) */
};

/* Run argv in the running jail j as jail_exec() does, with input (may
 * be NULL; e.g. a script for argv {"sh", "-s"} or {"python3", "-"}) on
 * its stdin, killed after timeout seconds (0: o's timeout, or none), and
 * collect stdout and stderr, at most max_output bytes each (1 .. 1 GiB).
 * On success *out holds the result (free with jail_result_free()).
 * Several threads may capture in the same jail at once.  A negative
 * errno means nothing ran (-ESRCH: the jail is not running). */
JAIL_EXPORT int jail_capture (jail *j, const jail_exec_opts *o, char *const argv[], const char *input,
                              size_t input_len, double timeout, size_t max_output, jail_result **out,
                              jail_error **err);
/* Free a result; NULL is allowed. */
JAIL_EXPORT void jail_result_free (jail_result *r);
/* Captured stdout (NUL-terminated; *len, if given, is its length). */
JAIL_EXPORT const char *jail_result_stdout (const jail_result *r, size_t *len);
/* Captured stderr (NUL-terminated; *len, if given, is its length). */
JAIL_EXPORT const char *jail_result_stderr (const jail_result *r, size_t *len);
/* Shell status: code, 128+N for signal N, 124 timeout, 126/127. */
JAIL_EXPORT int jail_result_status (const jail_result *r);
/* Exit code, or -1 when a signal ended the process. */
JAIL_EXPORT int jail_result_exit_code (const jail_result *r);
/* Signal that ended the process, or 0. */
JAIL_EXPORT int jail_result_signal (const jail_result *r);
/* JAIL_RESULT_* bits. */
JAIL_EXPORT unsigned jail_result_flags (const jail_result *r);
/* Wall time of the call, in seconds. */
JAIL_EXPORT double jail_result_wall_time (const jail_result *r);
/* CPU time (user + system), seconds: of everything the exec started
 * (its own cgroup) where the jail has a cgroup, else of the process and
 * the children it waited for. */
JAIL_EXPORT double jail_result_cpu_time (const jail_result *r);
/* Peak resident memory of the process (its largest child included), bytes. */
JAIL_EXPORT long long jail_result_peak_memory (const jail_result *r);

/* ---- OCI runtime (jailrun-oci) -----------------------------------------
 * The verbs of the OCI runtime command line (runc's) that podman, Docker
 * and containerd call, over a state root of one directory per container.
 * jailrun's floor stays under every config.json: a user namespace always
 * (container root is never host uid 0), every namespace new, no host
 * network, no_new_privs, jailrun's default seccomp filter under the
 * engine's profile.  A handle holds the global options; the option
 * structs of create and exec are plain: set size to sizeof the struct
 * (members are only ever added at the end; a larger struct from a newer
 * header is refused with -E2BIG when a member this library does not know
 * is set). */
typedef struct jail_oci jail_oci;
typedef struct jail_oci_state jail_oci_state;

/* A handle on state root root (NULL: /run/jailrun-oci as root,
 * $XDG_RUNTIME_DIR/jailrun-oci rootless, else /tmp/jailrun-oci-UID). */
JAIL_EXPORT int jail_oci_open (const char *root, jail_oci **out, jail_error **err);
/* Free a handle; NULL is allowed.  The containers stay. */
JAIL_EXPORT void jail_oci_close (jail_oci *oci);
/* The cgroup manager of jail_oci_set_cgroups. */
enum jail_oci_cgroups
{
  JAIL_OCI_CGROUPS_DISABLED = 0, /* ignore linux.cgroupsPath and linux.resources, make no cgroup */
  JAIL_OCI_CGROUPS_CGROUPFS = 1, /* a cgroup v2 directory per container (the default) */
  JAIL_OCI_CGROUPS_SYSTEMD = 2,  /* a transient scope of the caller's systemd manager per container
                                    (cgroupsPath slice:prefix:name) */
};
/* mode: one of enum jail_oci_cgroups (0, 1, 2: --cgroup-manager disabled,
 * cgroupfs, systemd); another value is refused (EINVAL). */
JAIL_EXPORT int jail_oci_set_cgroups (jail_oci *oci, int mode, jail_error **err);
/* An absolute directory where the annotation run.jailrun.audit-log may
 * also name a file (default: only ROOT/audit). */
JAIL_EXPORT int jail_oci_set_audit_dir (jail_oci *oci, const char *dir, jail_error **err);
/* The runtime-spec version implemented ("1.0.2"). */
JAIL_EXPORT const char *jail_oci_version (void);
/* The runtime-spec features document (JSON; free() it). */
JAIL_EXPORT int jail_oci_features (char **json, jail_error **err);

/* Options of jail_oci_create(). */
struct jail_oci_create_opts
{
  size_t size;                /* sizeof (struct jail_oci_create_opts) */
  const char *bundle;         /* the bundle directory (NULL: the current one) */
  const char *pid_file;       /* write the init's pid there (NULL: none) */
  const char *console_socket; /* process.terminal: send the pty master there */
  unsigned preserve_fds;      /* the caller's fds 3..3+N-1 (open) go to the init */
};
/* Build container id from BUNDLE/config.json; its init waits for start. */
JAIL_EXPORT int jail_oci_create (jail_oci *oci, const char *id, const struct jail_oci_create_opts *opts, jail_error **err);
/* Run the created container's process. */
JAIL_EXPORT int jail_oci_start (jail_oci *oci, const char *id, jail_error **err);
/* Signal the init (all: every process); signal a number or a name
 * ("KILL", "SIGKILL"; NULL: TERM). */
JAIL_EXPORT int jail_oci_kill (jail_oci *oci, const char *id, const char *signal, int all, jail_error **err);
/* Remove a stopped container (force: kill it first). */
JAIL_EXPORT int jail_oci_delete (jail_oci *oci, const char *id, int force, jail_error **err);
/* Freeze and thaw the container (its cgroup's cgroup.freeze). */
JAIL_EXPORT int jail_oci_pause (jail_oci *oci, const char *id, jail_error **err);
JAIL_EXPORT int jail_oci_resume (jail_oci *oci, const char *id, jail_error **err);
/* New linux.resources (runtime-spec JSON text) written into the
 * container's cgroup. */
JAIL_EXPORT int jail_oci_update (jail_oci *oci, const char *id, const char *resources_json, jail_error **err);
/* Host pids of the container's processes: at most *n into pids, *n set. */
JAIL_EXPORT int jail_oci_ps (jail_oci *oci, const char *id, pid_t *pids, size_t *n, jail_error **err);

/* Options of jail_oci_exec(). */
struct jail_oci_exec_opts
{
  size_t size;                /* sizeof (struct jail_oci_exec_opts) */
  const char *process;        /* a process.json, or NULL: the bundle's process with args */
  char *const *args;          /* NULL-terminated command (without process) */
  const char *pid_file;       /* write the process's pid there (NULL: none) */
  const char *console_socket; /* tty: send the pty master there */
  int detach;                 /* return once it runs (else wait for it) */
  int tty;                    /* a terminal (process.json's "terminal" also asks one) */
  unsigned preserve_fds;      /* as for create */
};
/* A new process in the running container, within its policy, in a
 * session of its own.  *status: the process's shell status when not
 * detached, else 0; meanwhile the forwardable signals (INT, TERM, HUP,
 * QUIT, USR1, USR2, WINCH) the calling thread has blocked are passed to
 * it. */
JAIL_EXPORT int jail_oci_exec (jail_oci *oci, const char *id, const struct jail_oci_exec_opts *opts, int *status, jail_error **err);
/* The container ids under the state root, sorted, in a NULL-terminated
 * vector freed with jail_list_free(); returns how many. */
JAIL_EXPORT int jail_oci_list (jail_oci *oci, char ***ids, jail_error **err);
/* Read container id's state (free with jail_oci_state_free()). */
JAIL_EXPORT int jail_oci_state_load (jail_oci *oci, const char *id, jail_oci_state **out, jail_error **err);
/* NULL is allowed. */
JAIL_EXPORT void jail_oci_state_free (jail_oci_state *st);
/* The runtime-spec state JSON (free() it). */
JAIL_EXPORT int jail_oci_state_json (const jail_oci_state *st, char **json, jail_error **err);
/* "created", "running", "paused" or "stopped". */
JAIL_EXPORT const char *jail_oci_state_status (const jail_oci_state *st);
/* The init's host pid; 0 when stopped. */
JAIL_EXPORT pid_t jail_oci_state_pid (const jail_oci_state *st);
/* The bundle directory (absolute). */
JAIL_EXPORT const char *jail_oci_state_bundle (const jail_oci_state *st);
/* When create ran (RFC 3339, UTC). */
JAIL_EXPORT const char *jail_oci_state_created (const jail_oci_state *st);

/* Probe what this host offers (user namespaces and their restrictions,
 * cgroup v2 controllers and delegation, seccomp and user notification,
 * Landlock ABI, openat2, clone3, pidfd, mount API, idmapped mounts), each
 * by calling it.  *report (free() it) has one line per feature:
 * "ok|gap|warn TAB feature TAB detail TAB fix".  Returns the number of
 * missing features jailrun needs (0: it can run here). */
JAIL_EXPORT int jail_check (char **report, jail_error **err);

#ifdef __cplusplus
}
#endif
#endif
