/* process.c - the supervisor side of a jail: clone3 the jail's init into
 * new namespaces with a pidfd, write its id maps, wire the network, then
 * wait on one epoll loop (loop.c) for its exit, its setup errors,
 * forwarded signals and the timeout, while the loop also serves the
 * forwarder and the proxy.
 * Nothing outlives jail_run(): the init dies with its supervisor. */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loop.h"
#include "process.h"
#include "relay.h"

#define NS_FLAGS (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET \
                  | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP)

static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };

struct run_state;
/* A supervisor fd on the event loop, with its run. */
struct run_src
{
  struct jr_loop_src src;
  struct run_state *s;
};

/* Everything one run owns, released by run_state_release. */
struct run_state
{
  pid_t pid;
  int pidfd;
  int sync_fd; /* supervisor's end */
  int death_w; /* write end of the death pipe */
  int sigfd;
  int timerfd;
  bool timed_out;
  bool setup_failed;
  struct jail_error msg; /* last message from the child */
  struct jr_bpf bpf;
  struct jr_cgroup cg;    /* the jail's cgroup (cg.fd -1: none) */
  int *ns_fds;            /* jr_jail_launch: the namespaces, opened at the handshake */
  struct jr_loop loop;    /* jail_run's event loop (loop.c) */
  struct jr_loop *lp;     /* &loop, or the detached supervisor's loop (jr_launch) */
  bool own_loop;          /* lp is &loop: released with the run */
  struct jr_net *net;     /* netns/net.c: forwarder, bridge, proxy */
  struct run_src srcs[4]; /* pidfd, sync channel, signals, timer */
  bool exited, chan_done;
  struct jr_hostids ids;  /* host ids of the jail user (as root: a slot of its own) */
  const int *stdio;       /* the command's 0-2 (jail_run: relayed; launch: ours) */
  struct jr_relay *relay; /* jail_run: the caller's terminal relay, or NULL */
  bool nested;            /* rootless on a named network: maps written by jr_nested_spawn */
};

static void
run_state_release (struct run_state *s)
{
  int *fds[] = { &s->pidfd, &s->sync_fd, &s->death_w, &s->sigfd, &s->timerfd };
  for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
    if (*fds[i] >= 0)
      {
        close (*fds[i]);
        *fds[i] = -1;
      }
  jr_bpf_release (&s->bpf);
  jr_cgroup_release (&s->cg);
  jr_hostids_release (&s->ids);
  jr_net_release (s->net);
  s->net = NULL;
  if (s->own_loop)
    jr_loop_release (s->lp);
}

/* clone3 with a pidfd straight into new namespaces (and into the jail's
 * cgroup when it has one: *into_cg says whether that worked, else the
 * handshake moves it before GO); clone(2) when the kernel has no clone3.
 * exit_signal 0: the embedder's SIGCHLD handling and waitpid(-1) never
 * see this child. */
static pid_t
spawn (struct jr_child *c, int *pidfd, int cgfd, bool *into_cg)
{
  struct clone_args a = {
    .flags = NS_FLAGS | CLONE_PIDFD | (cgfd >= 0 ? CLONE_INTO_CGROUP : 0),
    .pidfd = (uint64_t) (uintptr_t) pidfd,
    .exit_signal = 0,
    .cgroup = (uint64_t) (cgfd >= 0 ? cgfd : 0),
  };
  pid_t pid = (pid_t) syscall (SYS_clone3, &a, sizeof a);
  if (pid < 0 && cgfd >= 0 && (errno == EINVAL || errno == E2BIG || errno == EOPNOTSUPP))
    {
      a.flags &= ~(uint64_t) CLONE_INTO_CGROUP; /* kernel < 5.7 */
      pid = (pid_t) syscall (SYS_clone3, &a, sizeof a);
    }
  else
    *into_cg = pid >= 0 && cgfd >= 0;
  if (pid < 0 && errno == ENOSYS)
    pid = (pid_t) syscall (SYS_clone, NS_FLAGS | CLONE_PIDFD, NULL, pidfd, NULL, 0);
  if (pid == 0)
    _exit (jr_child_main (c));
  return pid;
}

/* The jail's init, for jr_nested_spawn. */
static int
child_entry (void *c)
{
  return jr_child_main (c);
}

/* Rootless on a named network: the child is cloned inside the network's
 * user namespace (runtime/nested.c), which also writes its id maps. */
static int
spawn_nested (const struct jail_config *cfg, struct jr_child *c, struct run_state *s, jail_error **err)
{
  struct jr_nested n = { .userns_fd = jr_net_userns (s->net), .flags = NS_FLAGS, .cgfd = s->cg.fd, .hello_fd = s->sync_fd, .child_fd = c->sync_fd, .uid = cfg->uid, .gid = cfg->gid, .fn = child_entry, .arg = c };
  s->nested = true;
  return jr_nested_spawn (&n, &s->pid, &s->pidfd, &s->cg.attached, err);
}

/* Create the channel, the death pipe and the child. */
static int
start_child (const struct jail_config *cfg, char *const argv[], struct run_state *s, jail_error **err)
{
  int sv[2], dp[2];
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return jr_error (err, errno, "jail: socketpair");
  if (pipe2 (dp, O_CLOEXEC) < 0)
    {
      close (sv[0]);
      close (sv[1]);
      return jr_error (err, errno, "jail: pipe");
    }
  struct jr_child c = { .cfg = cfg, .argv = argv, .bpf = &s->bpf, .sync_fd = sv[1], .death_fd = dp[0], .parent_fds = { sv[0], dp[1] }, .stdio = { s->stdio[0], s->stdio[1], s->stdio[2] }, .tty = cfg->tty & JAIL_TTY };
  s->sync_fd = sv[0];
  s->death_w = dp[1];
  int r = 0;
  if (jr_net_userns (s->net) >= 0)
    r = spawn_nested (cfg, &c, s, err);
  else
    s->pid = spawn (&c, &s->pidfd, s->cg.fd, &s->cg.attached);
  int saved = errno;
  jr_relay_handed (s->relay); /* the child has its copies */
  if (!s->nested)
    close (sv[1]); /* (jr_nested_spawn closed it) */
  close (dp[0]);
  if (s->nested)
    return r;
  if (s->pid < 0)
    {
      char hint[640];
      jr_userns_hint ("/proc/sys", saved, hint, sizeof hint);
      if (saved == EPERM || saved == EACCES || saved == ENOSPC || saved == EUSERS)
        return jr_error_msg (err, saved, "jail: clone into a new user namespace: %s: %s", strerror (saved), hint);
      return jr_error (err, saved, "jail: clone");
    }
  return 0;
}

/* Receive one message from the child; 0 on EOF. */
static ssize_t
recv_msg (struct run_state *s, struct jr_msg *m)
{
  ssize_t n;
  do
    n = recv (s->sync_fd, m, sizeof *m, 0);
  while (n < 0 && errno == EINTR);
  return n;
}

/* HELLO from the child, id maps, GO to the child, NET when the network
 * is built. */
static int
handshake (const struct jail_config *cfg, struct run_state *s, jail_error **err)
{
  struct jr_msg m;
  ssize_t n = recv_msg (s, &m);
  if (n != (ssize_t) sizeof m || m.type != JR_MSG_HELLO)
    return jr_error (err, EPIPE, "jail: child did not start");
  int r = s->nested ? 0 : jr_userns_write_maps (s->pid, cfg->uid, cfg->gid, &s->ids, err);
  if (r == 0 && s->cg.fd >= 0 && !s->cg.attached)
    r = jr_cgroup_attach (&s->cg, s->pid, err); /* never run unlimited */
  /* The child is dumpable only until GO: the one moment its namespaces
   * can be opened by an unprivileged supervisor (for exec). */
  if (r == 0 && s->ns_fds)
    r = jr_ns_open (s->pid, s->ns_fds, err);
  if (r == 0)
    r = jr_net_attach (s->net, s->pid, s->pidfd, err);
  if (r < 0)
    return r;
  struct jr_msg go = { .type = JR_MSG_GO };
  if (send (s->sync_fd, &go, sizeof go, MSG_NOSIGNAL) < 0)
    return jr_error (err, errno, "jail: start child");

  /* The child builds its mounts meanwhile; it waits for this message
   * before the command runs (a child that failed has gone: its error
   * comes through the channel). */
  r = jr_net_ready (s->net, s->lp, s->pid, err);
  struct jr_msg net = { .type = JR_MSG_NET };
  if (r == 0 && cfg->net_mode != JAIL_NET_NONE)
    (void) !send (s->sync_fd, &net, sizeof net, MSG_NOSIGNAL);
  return r;
}

/* signalfd for the forwardable signals the calling thread has blocked:
 * that is how an embedder (or the CLI) opts in to forwarding; the library
 * installs no handler of its own. */
int
jr_forward_sigfd (void)
{
  sigset_t cur, fwd;
  sigemptyset (&fwd);
  if (pthread_sigmask (SIG_BLOCK, NULL, &cur) != 0)
    return -1;
  bool any = false;
  for (size_t i = 0; i < sizeof forwarded / sizeof *forwarded; i++)
    if (sigismember (&cur, forwarded[i]))
      {
        sigaddset (&fwd, forwarded[i]);
        any = true;
      }
  return any ? signalfd (-1, &fwd, SFD_CLOEXEC | SFD_NONBLOCK) : -1;
}

/* Arm a timer for the --timeout, stored in *out (-1 when none). */
static int
open_timer (double seconds, int *out, jail_error **err)
{
  *out = -1;
  if (seconds <= 0)
    return 0;
  int fd = jr_timer_new (seconds, 0);
  if (fd < 0)
    return jr_error (err, -fd, "jail: timerfd");
  *out = fd;
  return 0;
}

/* Read every message the child left on the channel without blocking
 * (an fd the embedder forked elsewhere may keep it open: never wait for
 * EOF).  Keeps the last setup or exec error. */
static void
drain_channel (struct run_state *s)
{
  struct jr_msg m;
  ssize_t n;
  while ((n = recv (s->sync_fd, &m, sizeof m, MSG_DONTWAIT)) == (ssize_t) sizeof m)
    if (m.type == JR_MSG_SETUP_ERR || m.type == JR_MSG_EXEC_ERR)
      {
        s->setup_failed = m.type == JR_MSG_SETUP_ERR;
        s->msg.code = m.code;
        memcpy (s->msg.msg, m.text, sizeof s->msg.msg);
        s->msg.msg[sizeof s->msg.msg - 1] = '\0';
      }
}

/* The jail's init ended (its pidfd is readable): collect what the child
 * said and stop the loop. */
static void
on_pidfd (struct jr_loop_src *src, uint32_t ev)
{
  struct run_state *s = ((struct run_src *) src)->s;
  drain_channel (s);
  s->exited = true;
  drain_channel (s); /* never wait for an EOF a forked copy may delay */
  jr_loop_mod (s->lp, src, 0);
}

/* Messages from the child on the sync channel; once every holder closed
 * it (the command exec'd) stop watching it. */
static void
on_sync (struct jr_loop_src *src, uint32_t ev)
{
  struct run_state *s = ((struct run_src *) src)->s;
  drain_channel (s);
  if (ev & (EPOLLHUP | EPOLLERR))
    {
      jr_loop_del (s->lp, src);
      s->chan_done = true;
    }
}

/* A forwarded signal: pass it to the jail's init. */
static void
on_signal (struct jr_loop_src *src, uint32_t ev)
{
  struct run_state *s = ((struct run_src *) src)->s;
  struct signalfd_siginfo si;
  if (read (s->sigfd, &si, sizeof si) == (ssize_t) sizeof si
      && !(si.ssi_signo == SIGWINCH && jr_relay_winch (s->relay)))
    syscall (SYS_pidfd_send_signal, s->pidfd, (int) si.ssi_signo, NULL, 0);
}

/* The --timeout expired (an exit that already happened beats it). */
static void
on_timer (struct jr_loop_src *src, uint32_t ev)
{
  struct run_state *s = ((struct run_src *) src)->s;
  struct pollfd pf = { .fd = s->pidfd, .events = POLLIN };
  if (jr_timer_read (s->timerfd) == 0 || s->exited || poll (&pf, 1, 0) > 0)
    return;
  s->timed_out = true;
  syscall (SYS_pidfd_send_signal, s->pidfd, SIGKILL, NULL, 0);
}

/* What jail_run and jr_jail_launch share: checks, the network's loop and
 * plan, the seccomp program, the cgroup, the child and its handshake.  s
 * owns whatever was made, also on failure (run_state_release). */
static int
start_jail (struct jail_config *cfg, char *const argv[], struct run_state *s, jail_error **err)
{
  int r = jr_mounts_check (cfg, err);
  if (r == 0)
    r = jr_hostids_claim (cfg, &s->ids, err);
  if (r == 0 && s->own_loop)
    r = jr_loop_init (s->lp, err);
  if (r == 0)
    r = jr_config_net_prepare (cfg, &s->net, err);
  if (r == 0)
    r = jr_seccomp_compile (cfg->seccomp, &s->bpf, err);
  if (r == 0)
    r = jr_cgroup_create (&cfg->limits, &s->cg, err);
  if (r == 0)
    r = jr_idmap_prepare (cfg, &s->ids, err);
  if (r == 0)
    r = start_child (cfg, argv, s, err);
  jr_idmap_release (cfg);
  if (r == 0)
    r = handshake (cfg, s, err);
  return r;
}

/* Wait for the init to end, serving the network meanwhile; returns its
 * shell status. */
static int
supervise (struct run_state *s)
{
  int fds[4] = { s->pidfd, s->sync_fd, s->sigfd, s->timerfd };
  jr_loop_fn fns[4] = { on_pidfd, on_sync, on_signal, on_timer };
  for (int i = 0; i < 4; i++)
    {
      s->srcs[i].s = s;
      if (fds[i] >= 0 && jr_loop_add (s->lp, &s->srcs[i].src, fds[i], EPOLLIN, fns[i]) < 0 && i < 2)
        s->exited = s->chan_done = true; /* cannot wait: fall through to waitid */
    }
  jr_net_sigpipe_block (s->net);
  while (!s->exited)
    {
      /* The loop's epoll fd and the terminal relay in one poll. */
      struct pollfd p[1 + JR_RELAY_NPOLL] = { { .fd = s->lp->epfd, .events = POLLIN } };
      int k = jr_relay_poll (s->relay, p + 1);
      if (k > 0 && poll (p, (nfds_t) (1 + k), -1) < 0 && errno != EINTR)
        break;
      if ((k == 0 || p[0].revents) && jr_loop_run_once (s->lp, k > 0 ? 0 : -1) < 0)
        break; /* signals first: a new window size before the input */
      jr_relay_run (s->relay, p + 1, k);
    }
  jr_net_sigpipe_restore (s->net);
  siginfo_t si = { 0 };
  if (waitid ((idtype_t) P_PIDFD, (id_t) s->pidfd, &si, WEXITED | __WALL) < 0)
    waitid (P_PID, (id_t) s->pid, &si, WEXITED | __WALL);
  if (si.si_code == CLD_EXITED)
    return si.si_status;
  return 128 + si.si_status;
}

int
jail_run (jail_config *cfg, char *const argv[], int *status, jail_error **err)
{
  if (argv == NULL || argv[0] == NULL || argv[0][0] == '\0')
    return jr_error_msg (err, EINVAL, "run: no command given");
  if (cfg->restart_policy)
    return jr_error_msg (err, EINVAL, "run: --restart needs -d: a detached jail's supervisor restarts it");
  /* Before any fd is opened: a closed 0, 1 or 2 would be filled by the
   * channel or the death pipe, and the jail would get it as stdio. */
  int r = jr_stdio_ensure (err);
  if (r == 0)
    r = jr_stdio_check ((const int[3]) { 0, 1, 2 }, err);
  /* The caller's terminal is relayed, never handed over. */
  int given[3];
  struct jr_relay *relay = NULL;
  if (r == 0)
    r = jr_relay_new ((const int[3]) { 0, 1, 2 }, cfg->tty, given, &relay, err);
  if (r < 0)
    return r;
  struct run_state s = { .pid = -1, .pidfd = -1, .sync_fd = -1, .death_w = -1, .sigfd = -1, .timerfd = -1, .cg = { .fd = -1, .parent_fd = -1 }, .loop = { .epfd = -1 }, .ids = { .slot = -1 }, .stdio = given, .relay = relay, .own_loop = true };
  s.lp = &s.loop;
  r = start_jail (cfg, argv, &s, err);
  /* The timeout counts from the moment the jail may run. */
  if (r == 0)
    r = open_timer (cfg->timeout, &s.timerfd, err);
  if (r < 0 && s.pid > 0)
    syscall (SYS_pidfd_send_signal, s.pidfd, SIGKILL, NULL, 0);
  if (r == 0 || s.pid > 0)
    {
      s.sigfd = r == 0 ? jr_forward_sigfd () : -1;
      int st = supervise (&s);
      jr_relay_end (jr_steal_ptr (&s.relay), 1000); /* the jail is gone: EOF comes at once */
      jr_cgroup_collect (&s.cg, &cfg->limits.last);
      if (r == 0 && s.setup_failed)
        r = jr_error_msg (err, s.msg.code, "jail setup: %s", s.msg.msg);
      else if (r == 0 && s.timed_out)
        {
          *status = 124;
          jr_error_msg (err, ETIMEDOUT, "timeout: the jail was killed after %g s", cfg->timeout);
        }
      else if (r == 0)
        {
          *status = st;
          if (s.msg.code)
            jr_error_msg (err, s.msg.code, "%s", s.msg.msg);
          jr_cgroup_report_oom (&cfg->limits, st, err);
        }
    }
  jr_relay_end (s.relay, 0);
  run_state_release (&s);
  return r;
}

int
jr_jail_launch (struct jail_config *cfg, char *const argv[], struct jr_launch *l, jail_error **err)
{
  if (argv == NULL || argv[0] == NULL || argv[0][0] == '\0')
    return jr_error_msg (err, EINVAL, "run: no command given");
  struct run_state s = { .pid = -1, .pidfd = -1, .sync_fd = -1, .death_w = -1, .sigfd = -1, .timerfd = -1, .ns_fds = l->ns_fds, .cg = { .fd = -1, .parent_fd = -1 }, .loop = { .epfd = -1 }, .ids = { .slot = -1 }, .stdio = (const int[3]) { 0, 1, 2 } };
  /* The network's sources go on the supervisor's own loop. */
  s.lp = l->loop;
  int r = start_jail (cfg, argv, &s, err);
  if (r < 0 && s.pid > 0)
    syscall (SYS_pidfd_send_signal, s.pidfd, SIGKILL, NULL, 0);
  if (r < 0)
    jr_ns_close (l->ns_fds);
  if (r < 0 && s.pid > 0)
    {
      siginfo_t si;
      waitid (P_PID, (id_t) s.pid, &si, WEXITED | __WALL);
    }
  if (r == 0)
    {
      l->pid = s.pid;
      l->pidfd = jr_steal_fd (&s.pidfd);
      l->sync_fd = jr_steal_fd (&s.sync_fd);
      l->death_w = jr_steal_fd (&s.death_w);
      l->bpf = s.bpf;
      s.bpf = (struct jr_bpf) { 0 };
      l->cg = s.cg;
      s.cg = (struct jr_cgroup) { .fd = -1, .parent_fd = -1 };
      l->net = jr_steal_ptr (&s.net);
      l->ids = s.ids;
      s.ids.slot = -1; /* the launch holds the slot now */
    }
  run_state_release (&s);
  return r;
}
