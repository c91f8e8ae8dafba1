/* supervisor.h - what the files of the detached supervisor share: its
 * state (struct sup), a client connection, an exec'd process, the loop
 * helpers, and the entry points between the files.  The calls go one way:
 * supervisor.c -> supervisor_ctl.c -> supervisor_run.c -> supervisor_exec.c. */
#ifndef JR_SUPERVISOR_H
#define JR_SUPERVISOR_H
#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lifecycle.h"
#include "loop.h"
#include "restart.h"

struct conn;
struct sup;

/* The supervisor that owns a source embedded in it as member. */
#define SUP_OF(src, member) ((struct sup *) ((char *) (src) -offsetof (struct sup, member)))

/* One exec'd process. */
struct xproc
{
  struct jr_loop_src src, tsrc; /* its pidfd, its timer */
  struct sup *s;
  struct conn *conn; /* NULL once its client has gone */
  pid_t pid;
  int pidfd, msg_fd, timerfd;
  struct jr_execcg cg; /* its own cgroup "exec-N" in the jail's (fd -1: none) */
  bool timed_out;
  long long oom_before; /* the jail cgroup's oom_kill count at start */
  struct xproc *next;
};

/* One client connection. */
struct conn
{
  struct jr_loop_src src;
  struct sup *s;
  int fd;
  struct xproc *x;
  bool stop_waiter;
  bool restart_waiter; /* `jailrun restart`: DONE once the jail runs again */
  struct ucred cred;   /* who connected (the audit line of a net change) */
  struct conn *next;
};

/* The detached supervisor of one jail. */
struct sup
{
  const char *name;
  jail_config *cfg;
  struct jr_launch l;
  struct jr_loop loop; /* every source below, and the network's */
  int lfd, sigfd, stop_timer, tie_fd;
  int zfd; /* control socket of the exec zygote, -1 = none */
  pid_t zpid;
  struct jr_loop_src s_init, s_listen, s_sig, s_timer, s_tie, s_jtimer, s_log;
  struct jr_logcap log; /* detached: stdout/stderr pipe into the capped log (rfd -1: attached) */
  int jail_timer;       /* --timeout of the whole jail, -1 = none */
  bool timed_out;
  struct conn *conns;
  struct xproc *procs;
  struct jr_execcgs execcgs; /* the execs' cgroups (cgroup_exec.c) */
  bool init_done, stopping, tie_closed;
  int init_status;
  char *sock_path;
  long long created;
  struct jr_health *health; /* --health-cmd, NULL = none */
  struct jr_loop_src s_htimer, s_hproc;
  int hproc_fd;         /* the running check's pidfd, -1 = none */
  char *const *argv;    /* the command, for restarts */
  struct jr_restart rs; /* --restart: count and back-off */
  bool restarting;      /* the jail ended and will start again */
  bool stop_requested;  /* stop, a stop signal: no restart */
  bool restart_now;     /* `jailrun restart`: at once, not counted */
  int restart_timer;
  struct jr_loop_src s_rtimer;
  int held[16]; /* published ports kept bound while restarting */
  struct jr_loop_src s_held[16];
  size_t n_held;
};

/* Register fd on the loop: fn runs when it is readable. */
static inline int
sup_watch (struct sup *s, int fd, struct jr_loop_src *src, jr_loop_fn fn)
{
  return jr_loop_add (&s->loop, src, fd, EPOLLIN, fn);
}

/* Remove fd from the loop and close it.  The explicit unregistering
 * matters: an exec helper forked a moment ago may still hold a copy of
 * fd, which would keep the registration alive past close. */
static inline void
sup_unwatch_close (struct sup *s, struct jr_loop_src *src, int *fd)
{
  if (*fd < 0)
    return;
  jr_loop_del (&s->loop, src);
  close (*fd);
  *fd = -1;
}

/* Send a reply; a client that has gone is not an error. */
static inline void
sup_reply (int fd, const struct jr_rep *r)
{
  (void) !send (fd, r, sizeof *r, MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* A one-shot timer for seconds; -1 when seconds <= 0 or on error. */
static inline int
sup_timer (double seconds)
{
  int fd = seconds > 0 ? jr_timer_new (seconds, 0) : -1;
  return fd >= 0 ? fd : -1;
}

/* supervisor_exec.c */
/* Next NUL-terminated string of a request, or NULL past the end. */
char *jr_sup_next_str (char **p, char *end);
/* Close the zygote's socket (it exits at EOF) and reap it. */
void jr_sup_stop_zygote (struct sup *s);
/* Start the process of an exec request; the client gets STARTED, or DONE
 * with the error. */
void jr_sup_start_exec (struct sup *s, struct conn *c, char *buf, size_t len, int *fds, int nfds);
/* Kill an exec'd process, its process group and its cgroup. */
void jr_sup_kill_exec (struct xproc *x);

/* supervisor_run.c */
/* Write the state file: dynamic part; config.json holds the rest. */
void jr_sup_write_state (struct sup *s, const char *state);
/* Wait until the jail's first command has exec'd (EOF on the channel)
 * or failed.  Returns 0, or the shell status of the failure. */
int jr_sup_await_command (struct sup *s, jail_error **err);
/* Stop the jail: SIGTERM to its init (forwarded to the command), SIGKILL
 * after grace seconds (at once when grace <= 0). */
void jr_sup_begin_stop (struct sup *s, double grace);
/* Close the forwarder's listeners and the proxy with the jail (they
 * leave the loop). */
void jr_sup_release_net (struct sup *s);
/* Start the healthcheck's timer (--health-cmd). */
void jr_sup_start_health (struct sup *s);
/* Stop or a stop signal while waiting to restart: the jail stays ended. */
void jr_sup_cancel_restart (struct sup *s);
/* The next run: the same configuration, argv, name and held ports. */
void jr_sup_relaunch (struct sup *s);
/* The jail's init ended. */
void jr_sup_on_init (struct jr_loop_src *src, uint32_t ev);

/* supervisor_ctl.c */
/* Bind the supervisor socket (0600 inside the 0700 jail directory). */
int jr_sup_open_listener (struct sup *s, jail_error **err);
/* A new client on the control socket. */
void jr_sup_on_listen (struct jr_loop_src *src, uint32_t ev);
/* Answer what is still queued (a wait gets the status, an exec is
 * refused), then hang up every client. */
void jr_sup_hang_up (struct sup *s);
#endif
