/* supervisor.c - the detached supervisor of a long-running jail.  It owns
 * the jail (init's pidfd, the death pipe, the compiled seccomp program),
 * writes the host-side state, and serves its socket from one event loop
 * (loop.c: every source registered with its callback, the network's too):
 * exec requests (the process is started by exec.c with the policy held
 * here, never with anything the client or the jail says), signals, stop.
 * It records the exit and leaves when the jail has ended. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "health.h"
#include "lifecycle.h"
#include "loop.h"
#include "restart.h"

struct conn;
struct sup;

/* The supervisor that owns a source embedded in it as member. */
#define SUP_OF(src, member) ((struct sup *) ((char *) (src) - offsetof (struct sup, member)))

/* One exec'd process. */
struct xproc
{
  struct jr_loop_src src, tsrc; /* its pidfd, its timer */
  struct sup *s;
  struct conn *conn;     /* NULL once its client has gone */
  pid_t pid;
  int pidfd, msg_fd, timerfd;
  int cgfd;              /* its own cgroup "exec-N" in the jail's, -1 = none */
  char cgname[24];
  bool timed_out;
  long long oom_before;  /* the jail cgroup's oom_kill count at start */
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
  bool restart_waiter;   /* `jailrun restart`: DONE once the jail runs again */
  struct ucred cred;     /* who connected (the audit line of a net change) */
  struct conn *next;
};

struct sup
{
  const char *name;
  jail_config *cfg;
  struct jr_launch l;
  struct jr_loop loop; /* every source below, and the network's */
  int lfd, sigfd, stop_timer, tie_fd;
  int zfd;          /* control socket of the exec zygote, -1 = none */
  pid_t zpid;
  struct jr_loop_src s_init, s_listen, s_sig, s_timer, s_tie, s_jtimer, s_log;
  struct jr_logcap log; /* detached: stdout/stderr pipe into the capped log (rfd -1: attached) */
  int jail_timer;   /* --timeout of the whole jail, -1 = none */
  bool timed_out;
  struct conn *conns;
  struct xproc *procs;
  unsigned exec_seq;  /* numbers the execs' cgroups */
  int spare_cgfd;     /* an exec cgroup made ahead for the next exec, -1 = none */
  char spare_cgname[24];
  unsigned lingering; /* ended execs' cgroups still populated at the last look */
  bool init_done, stopping, tie_closed;
  int init_status;
  char *sock_path;
  long long created;
  struct jr_health *health;  /* --health-cmd, NULL = none */
  struct jr_loop_src s_htimer, s_hproc;
  int hproc_fd;              /* the running check's pidfd, -1 = none */
  char *const *argv;         /* the command, for restarts */
  struct jr_restart rs;      /* --restart: count and back-off */
  bool restarting;           /* the jail ended and will start again */
  bool stop_requested;       /* stop, a stop signal: no restart */
  bool restart_now;          /* `jailrun restart`: at once, not counted */
  int restart_timer;
  struct jr_loop_src s_rtimer;
  int held[16];              /* published ports kept bound while restarting */
  struct jr_loop_src s_held[16];
  size_t n_held;
};

/* Register fd on the loop: fn runs when it is readable. */
static int
watch (struct sup *s, int fd, struct jr_loop_src *src, jr_loop_fn fn)
{
  return jr_loop_add (&s->loop, src, fd, EPOLLIN, fn);
}

/* Remove fd from the loop and close it.  The explicit unregistering
 * matters: an exec helper forked a moment ago may still hold a copy of
 * fd, which would keep the registration alive past close. */
static void
unwatch_close (struct sup *s, struct jr_loop_src *src, int *fd)
{
  if (*fd < 0)
    return;
  jr_loop_del (&s->loop, src);
  close (*fd);
  *fd = -1;
}

/* Write the state file: dynamic part; config.json holds the rest. */
static void
write_state (struct sup *s, const char *state)
{
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&text, &len);
  if (f == NULL)
    return;
  jr_kv (f, "name", "%s", s->name);
  jr_kv (f, "state", "%s", state);
  jr_kv (f, "supervisor_pid", "%d", (int) getpid ());
  jr_kv (f, "supervisor_start", "%llu", jr_pid_starttime (getpid ()));
  jr_kv (f, "init_pid", "%d", (int) s->l.pid);
  jr_kv (f, "created", "%lld", s->created);
  jr_kv (f, "rootfs", "%s", s->cfg->rootfs);
  char lim[128];
  jr_limits_text (s->cfg, &s->l.cg, lim, sizeof lim);
  jr_kv (f, "limits", "%s", lim);
  jr_limits_missing_text (s->cfg, &s->l.cg, lim, sizeof lim);
  jr_kv (f, "limits_not_enforced", "%s", lim);
  char ports[1024];
  jr_ports_text (s->cfg, ports, sizeof ports);
  jr_kv (f, "ports", "%s", ports);
  jr_kv (f, "network", "%s", jr_net_mode_name (s->cfg->net_mode));
  if (s->health)
    jr_health_kv (s->health, f);
  if (s->cfg->restart_policy)
    {
      char pol[32];
      jr_restart_text (s->cfg, pol, sizeof pol);
      jr_kv (f, "restart_policy", "%s", pol);
    }
  jr_kv (f, "restart_count", "%u", s->rs.count);
  if (strcmp (state, "exited") == 0)
    {
      jr_kv (f, "exit_status", "%d", s->init_status);
      jr_kv (f, "finished", "%lld", (long long) time (NULL));
    }
  if (fclose (f) == 0)
    jr_state_write (s->name, text, NULL);
  free (text);
}

/* Bind the supervisor socket (0600 inside the 0700 jail directory). */
static int
open_listener (struct sup *s, jail_error **err)
{
  int r = jr_state_path (s->name, "sock", &s->sock_path, err);
  if (r < 0)
    return r;
  struct sockaddr_un a = { .sun_family = AF_UNIX };
  if (strlen (s->sock_path) >= sizeof a.sun_path)
    return jr_error_msg (err, ENAMETOOLONG, "state: socket path %s is too long: use a shorter XDG_RUNTIME_DIR", s->sock_path);
  strcpy (a.sun_path, s->sock_path);
  s->lfd = socket (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (s->lfd < 0)
    return jr_error (err, errno, "supervisor: socket");
  unlink (s->sock_path);
  mode_t old = umask (077);
  r = bind (s->lfd, (struct sockaddr *) &a, sizeof a);
  umask (old);
  if (r < 0 || listen (s->lfd, 128) < 0)
    return jr_error (err, errno, "supervisor: listen on %s", s->sock_path);
  return 0;
}

/* Wait until the jail's first command has exec'd (EOF on the channel)
 * or failed.  Returns 0, or the shell status of the failure. */
static int
await_command (struct sup *s, jail_error **err)
{
  struct jr_msg m;
  int status = 0;
  for (;;)
    {
      ssize_t n = recv (s->l.sync_fd, &m, sizeof m, 0);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      if (n == (ssize_t) sizeof m && (m.type == JR_MSG_SETUP_ERR || m.type == JR_MSG_EXEC_ERR))
        {
          m.text[sizeof m.text - 1] = '\0';
          status = m.type == JR_MSG_SETUP_ERR ? 125 : (m.code == ENOENT ? 127 : 126);
          jr_error_msg (err, m.code ? m.code : EIO, "%s%s", m.type == JR_MSG_SETUP_ERR ? "jail setup: " : "", m.text);
        }
    }
  close (jr_steal_fd (&s->l.sync_fd));
  return status;
}

/* Send a reply; a client that has gone is not an error. */
static void
reply (int fd, const struct jr_rep *r)
{
  (void) !send (fd, r, sizeof *r, MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* Answer an exec request that could not start: 125 and the message. */
static void
reply_error (int fd, const jail_error *e)
{
  struct jr_rep r = { .type = JR_REP_DONE, .flags = JR_DONE_ERROR, .status = 125, .exit_code = -1,
                      .err_code = e ? e->code : EIO };
  snprintf (r.msg, sizeof r.msg, "%s", e ? e->msg : "exec failed");
  reply (fd, &r);
}

/* Next NUL-terminated string of a request, or NULL past the end. */
static char *
next_str (char **p, char *end)
{
  char *s = *p;
  char *z = s < end ? memchr (s, '\0', (size_t) (end - s)) : NULL;
  if (z == NULL)
    return NULL;
  *p = z + 1;
  return s;
}

/* The environment of an exec: the jail's, with the request's overrides. */
static char **
merge_env (char *const *base, size_t nbase, char **over, size_t nover)
{
  char **v = calloc (nbase + nover + 1, sizeof *v);
  size_t n = 0;
  for (size_t i = 0; v && i < nbase; i++)
    v[n++] = base[i];
  for (size_t i = 0; v && i < nover; i++)
    {
      size_t k = strcspn (over[i], "=");
      size_t j = 0;
      while (j < n && !(strncmp (v[j], over[i], k) == 0 && v[j][k] == '='))
        j++;
      v[j] = over[i];
      n += j == n;
    }
  return v;
}

/* Decode an exec request into argv, env and workdir (strings point into
 * buf; the vectors and workdir are malloc'd). */
static int
parse_exec (struct sup *s, const struct jr_req *q, char *buf, size_t len,
            char ***argv, char ***env, char **workdir, jail_error **err)
{
  char *p = buf + sizeof *q, *end = buf + len;
  if (q->argc == 0 || q->argc > 65536 || q->envc > 65536)
    return jr_error_msg (err, EINVAL, "exec: malformed request");
  if (q->uid >= 0 && ((uid_t) q->uid != s->cfg->uid || (gid_t) q->gid != s->cfg->gid))
    return jr_error_msg (err, EINVAL, "exec -u %d:%d: this jail maps only its user %u:%u (choose -u when the jail is started)",
                         q->uid, q->gid, s->cfg->uid, s->cfg->gid);
  char **a = calloc (q->argc + 1, sizeof *a), **o = calloc (q->envc + 1, sizeof *o);
  bool ok = a && o;
  for (uint32_t i = 0; ok && i < q->argc; i++)
    ok = (a[i] = next_str (&p, end)) != NULL;
  for (uint32_t i = 0; ok && i < q->envc; i++)
    ok = (o[i] = next_str (&p, end)) != NULL && strchr (o[i], '=') != NULL;
  char *wd = ok ? next_str (&p, end) : NULL;
  int r = ok && wd ? 0 : jr_error_msg (err, EINVAL, "exec: malformed request");
  if (r == 0 && a[0][0] == '\0')
    r = jr_error_msg (err, EINVAL, "exec: no command given");
  if (r == 0 && *wd)
    r = jr_normalise_path (wd, workdir, err) < 0 ? jr_error_wrap (err, "exec: workdir") : 0;
  else if (r == 0)
    *workdir = strdup (s->cfg->workdir);
  if (r == 0 && (*env = merge_env (s->cfg->env, s->cfg->n_env, o, q->envc)) == NULL)
    r = jr_error (err, ENOMEM, "exec");
  free (o);
  if (r < 0)
    free (a);
  else
    *argv = a;
  return r;
}

/* A one-shot timer for seconds; -1 when seconds <= 0 or on error. */
static int
arm_timer (double seconds)
{
  int fd = seconds > 0 ? jr_timer_new (seconds, 0) : -1;
  return fd >= 0 ? fd : -1;
}

static void end_exec (struct sup *s, struct xproc *x);
static void on_exec_end (struct jr_loop_src *src, uint32_t ev);
static void on_exec_timer (struct jr_loop_src *src, uint32_t ev);
static void on_stop_timer (struct jr_loop_src *src, uint32_t ev);
static void on_conn_ready (struct jr_loop_src *src, uint32_t ev);
static void on_health_proc (struct jr_loop_src *src, uint32_t ev);
static void on_health_timer (struct jr_loop_src *src, uint32_t ev);
static void on_held (struct jr_loop_src *src, uint32_t ev);
static void on_restart_timer (struct jr_loop_src *src, uint32_t ev);
static void on_init (struct jr_loop_src *src, uint32_t ev);
static void cancel_restart (struct sup *s);
static void restart_request (struct sup *s, struct conn *c, double grace);

/* Close the zygote's socket (it exits at EOF) and reap it. */
static void
stop_zygote (struct sup *s)
{
  if (s->zfd < 0)
    return;
  close (jr_steal_fd (&s->zfd));
  siginfo_t si;
  waitid (P_PID, (id_t) s->zpid, &si, WEXITED | __WALL);
}

/* oom_kill count of the jail's cgroup (memory.events, hierarchical), or
 * -1 where the jail has no cgroup or no memory controller. */
static long long
oom_kills (const struct sup *s)
{
  char buf[512];
  if (s->l.cg.fd < 0 || jr_cg_read (s->l.cg.fd, "memory.events", buf, sizeof buf) <= 0)
    return -1;
  return jr_cg_key (buf, "oom_kill");
}

/* Make the cgroup of one exec, "exec-N" inside the jail's: its cpu.stat
 * counts everything the exec started, and cgroup.kill ends all of it
 * (timeout, client gone) even what left its process group.  The jail's
 * limits hold for it as for the rest of the jail (its charges go to the
 * jail's cgroup, which keeps its controllers; no controller is enabled
 * below it, so the jail's own processes may stay where they are).  -1
 * when the jail has no cgroup or the child cannot be made: the exec then
 * runs in the jail's cgroup itself. */
static int
make_exec_cgroup (struct sup *s, char name[24])
{
  if (s->l.cg.fd < 0)
    return -1;
  snprintf (name, 24, "exec-%u", ++s->exec_seq);
  if (mkdirat (s->l.cg.fd, name, 0755) < 0)
    return -1;
  int fd = openat (s->l.cg.fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    unlinkat (s->l.cg.fd, name, AT_REMOVEDIR);
  return fd;
}

/* The cgroup for an exec starting now: the spare made when the last exec
 * ended (mkdir of a cgroup costs more than the rest of an exec's setup),
 * else a new one. */
static int
exec_cgroup (struct sup *s, char name[24])
{
  if (s->spare_cgfd < 0)
    return make_exec_cgroup (s, name);
  memcpy (name, s->spare_cgname, 24);
  return jr_steal_fd (&s->spare_cgfd);
}

/* Remove the cgroup of an ended exec (name), and those of earlier ones
 * whose processes outlived them (they stay until those end, or until the
 * jail does).  The directory is listed only while some are left over, so
 * an exec's end costs one rmdir in the common case. */
static void
remove_exec_cgroup (struct sup *s, const char *name)
{
  if (unlinkat (s->l.cg.fd, name, AT_REMOVEDIR) < 0)
    s->lingering++;
  if (s->lingering == 0)
    return;
  DIR *d = jr_cg_opendir (s->l.cg.fd);
  if (d == NULL)
    return;
  s->lingering = 0;
  struct dirent *de;
  while ((de = readdir (d)) != NULL)
    {
      bool live = strncmp (de->d_name, "exec-", 5) != 0
                  || (s->spare_cgfd >= 0 && strcmp (de->d_name, s->spare_cgname) == 0);
      for (struct xproc *x = s->procs; x && !live; x = x->next)
        live = x->cgfd >= 0 && strcmp (x->cgname, de->d_name) == 0;
      if (!live && unlinkat (s->l.cg.fd, de->d_name, AT_REMOVEDIR) < 0) /* EBUSY while populated */
        s->lingering++;
    }
  closedir (d);
}

/* Start the process of an exec request; the client gets STARTED, or DONE
 * with the error. */
static void
start_exec (struct sup *s, struct conn *c, char *buf, size_t len, int *fds, int nfds)
{
  const struct jr_req *q = (const struct jr_req *) buf;
  jail_error *err = NULL;
  char **argv = NULL, **env = NULL, *wd = NULL;
  pid_t pid = -1;
  int msg_fd = -1, r = 0, cgfd = -1;
  char cgname[24] = "";
  if (nfds != 3 || c->x || s->init_done)
    r = jr_error_msg (&err, s->init_done ? ESRCH : EINVAL,
                      s->init_done ? "jail '%s' has stopped" : "exec: malformed request", s->name);
  if (r == 0)
    r = jr_stdio_check_handed (fds, &err); /* no directory, O_PATH fd or terminal into the jail */
  if (r == 0)
    r = parse_exec (s, q, buf, len, &argv, &env, &wd, &err);
  if (r == 0)
    {
      cgfd = exec_cgroup (s, cgname);
      struct jr_exec_spec x = { .cfg = s->cfg, .bpf = &s->l.bpf, .ns_fds = s->l.ns_fds,
                                .cgroup_fd = cgfd >= 0 ? cgfd : s->l.cg.fd,
                                .argv = argv, .env = env, .workdir = wd, .fds = { fds[0], fds[1], fds[2] } };
      x.tty = q->flags & JR_EXEC_TTY;
      r = s->zfd >= 0 ? jr_zygote_spawn (s->zfd, argv, env, wd, fds, x.tty, cgfd, &pid, &msg_fd, &err) : -EPIPE;
      if (r == -EPIPE)
        {
          stop_zygote (s); /* gone: fall back to a helper per exec */
          jail_error_free (err);
          err = NULL;
          r = jr_exec_spawn (&x, &pid, &msg_fd, &err);
        }
    }
  free (argv);
  free (env);
  free (wd);
  struct xproc *x = NULL;
  if (r == 0 && (x = calloc (1, sizeof *x)) == NULL)
    r = jr_error (&err, ENOMEM, "exec");
  if (x != NULL)
    {
      *x = (struct xproc) { .s = s, .conn = c, .pid = pid, .msg_fd = msg_fd, .timerfd = arm_timer (q->timeout),
                            .oom_before = oom_kills (s), .cgfd = jr_steal_fd (&cgfd),
                            .pidfd = (int) syscall (SYS_pidfd_open, pid, 0), .next = s->procs };
      memcpy (x->cgname, cgname, sizeof cgname);
      s->procs = x;
      c->x = x;
      if (x->pidfd < 0 || watch (s, x->pidfd, &x->src, on_exec_end) < 0)
        {
          kill (pid, SIGKILL); /* cannot watch it: do not let it run unwatched */
          end_exec (s, x);
          return;
        }
      if (x->timerfd >= 0)
        watch (s, x->timerfd, &x->tsrc, on_exec_timer);
      struct jr_rep rep = { .type = JR_REP_STARTED, .pid = pid };
      reply (c->fd, &rep);
    }
  else
    {
      reply_error (c->fd, err);
      if (msg_fd >= 0)
        close (msg_fd);
      if (cgfd >= 0)
        {
          close (cgfd);
          unlinkat (s->l.cg.fd, cgname, AT_REMOVEDIR);
        }
    }
  jail_error_free (err);
}

/* Fill a DONE reply from a wait status and the process's last message. */
static void
finish_rep (struct xproc *x, int ws, const struct rusage *ru, struct jr_rep *rep)
{
  *rep = (struct jr_rep) { .type = JR_REP_DONE, .pid = x->pid, .exit_code = -1,
                           .utime_us = ru->ru_utime.tv_sec * 1000000LL + ru->ru_utime.tv_usec,
                           .stime_us = ru->ru_stime.tv_sec * 1000000LL + ru->ru_stime.tv_usec,
                           .maxrss_kb = ru->ru_maxrss };
  if (WIFEXITED (ws))
    rep->status = rep->exit_code = WEXITSTATUS (ws);
  else
    {
      rep->signal = WTERMSIG (ws);
      rep->status = 128 + rep->signal;
    }
  struct jr_msg m;
  if (recv (x->msg_fd, &m, sizeof m, MSG_DONTWAIT) == (ssize_t) sizeof m
      && (m.type == JR_MSG_SETUP_ERR || m.type == JR_MSG_EXEC_ERR))
    {
      rep->flags |= JR_DONE_ERROR;
      rep->err_code = m.code;
      memcpy (rep->msg, m.text, sizeof rep->msg);
      rep->msg[sizeof rep->msg - 1] = '\0';
    }
  if (x->timed_out)
    {
      rep->flags |= JR_DONE_TIMEOUT;
      rep->status = 124;
    }
}

/* An exec'd process ended: reap it, answer its client, forget it. */
static void
end_exec (struct sup *s, struct xproc *x)
{
  int ws = 0;
  struct rusage ru = { 0 };
  if (wait4 (x->pid, &ws, __WALL, &ru) < 0)
    ws = 0x7f00 | SIGKILL;
  struct jr_rep rep;
  finish_rep (x, ws, &ru, &rep);
  if (x->cgfd >= 0)
    {
      /* CPU time of everything the exec started, waited for or not. */
      struct jr_cgstats st;
      jr_cgroup_collect (&(struct jr_cgroup) { .fd = x->cgfd }, &st);
      if (st.user_usec >= 0 && st.system_usec >= 0)
        rep.utime_us = st.user_usec, rep.stime_us = st.system_usec;
      if (x->timed_out || x->conn == NULL)
        jr_cg_write (x->cgfd, "cgroup.kill", "1");
    }
  /* The OOM killer sends SIGKILL; a new oom_kill in the jail's cgroup
   * during the run names it (another process of the jail could have been
   * the victim at the same moment: the flag can only over-report then). */
  long long oom_after = oom_kills (s);
  if (WIFSIGNALED (ws) && WTERMSIG (ws) == SIGKILL && !x->timed_out && x->oom_before >= 0
      && oom_after > x->oom_before)
    rep.flags |= JR_DONE_OOM;
  if (x->conn)
    {
      reply (x->conn->fd, &rep);
      x->conn->x = NULL;
    }
  for (struct xproc **pp = &s->procs; *pp; pp = &(*pp)->next)
    if (*pp == x)
      {
        *pp = x->next;
        break;
      }
  unwatch_close (s, &x->src, &x->pidfd);
  unwatch_close (s, &x->tsrc, &x->timerfd);
  close (x->msg_fd);
  if (x->cgfd >= 0)
    {
      close (x->cgfd);
      remove_exec_cgroup (s, x->cgname); /* x is off s->procs already */
    }
  free (x);
  if (s->spare_cgfd < 0 && !s->init_done)
    s->spare_cgfd = make_exec_cgroup (s, s->spare_cgname);
}

/* Kill an exec'd process, its process group and its cgroup. */
static void
kill_exec (struct xproc *x)
{
  syscall (SYS_pidfd_send_signal, x->pidfd, SIGKILL, NULL, 0);
  kill (-x->pid, SIGKILL);
  if (x->cgfd >= 0)
    jr_cg_write (x->cgfd, "cgroup.kill", "1");
}

/* Stop the jail: SIGTERM to its init (forwarded to the command), SIGKILL
 * after grace seconds (at once when grace <= 0). */
static void
begin_stop (struct sup *s, double grace)
{
  if (s->init_done)
    return;
  if (grace <= 0)
    {
      syscall (SYS_pidfd_send_signal, s->l.pidfd, SIGKILL, NULL, 0);
      return;
    }
  if (s->stopping)
    return;
  s->stopping = true;
  syscall (SYS_pidfd_send_signal, s->l.pidfd, SIGTERM, NULL, 0);
  s->stop_timer = arm_timer (grace);
  if (s->stop_timer >= 0)
    watch (s, s->stop_timer, &s->s_timer, on_stop_timer);
}

/* Drop a connection; a process it was waiting for is killed. */
static void
drop_conn (struct sup *s, struct conn *c)
{
  if (c->x)
    {
      kill_exec (c->x);
      c->x->conn = NULL;
    }
  for (struct conn **pp = &s->conns; *pp; pp = &(*pp)->next)
    if (*pp == c)
      {
        *pp = c->next;
        break;
      }
  unwatch_close (s, &c->src, &c->fd);
  free (c);
}

/* `jailrun net ...`: change or list the egress allowlist; DONE carries
 * the listing.  The caller was authorized as exec's is (on_accept). */
static void
net_request (struct sup *s, struct conn *c, char *buf, size_t len)
{
  const struct jr_req *q = (const struct jr_req *) buf;
  jail_error *err = NULL;
  char *text = NULL, **specs = q->argc <= 4096 ? calloc (q->argc + 1, sizeof *specs) : NULL;
  char *p = buf + sizeof *q, *end = buf + len;
  int r = specs ? 0 : jr_error_msg (&err, EINVAL, "net: malformed request");
  for (uint32_t i = 0; r == 0 && i < q->argc; i++)
    if ((specs[i] = next_str (&p, end)) == NULL)
      r = jr_error_msg (&err, EINVAL, "net: malformed request");
  if (r == 0 && s->init_done)
    r = jr_error_msg (&err, ESRCH, "jail '%s' has stopped", s->name);
  if (r == 0)
    r = jr_net_control (s->l.net, q->op, specs, q->argc, c->cred.uid, c->cred.pid, &text, &err);
  free (specs);

  size_t tl = text ? strnlen (text, JR_PROTO_MAX - 1) : 0;
  struct jr_rep *rep = calloc (1, sizeof *rep + tl + 1);
  if (rep)
    {
      *rep = (struct jr_rep) { .type = JR_REP_DONE, .status = r < 0 ? 125 : 0, .err_code = err ? err->code : 0 };
      snprintf (rep->msg, sizeof rep->msg, "%s", err ? err->msg : "");
      memcpy (rep + 1, text ? text : "", tl);
      (void) !send (c->fd, rep, sizeof *rep + tl + 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    }
  free (rep);
  free (text);
  jail_error_free (err);
}

/* One packet from a client. */
static void
on_conn (struct sup *s, struct conn *c)
{
  char *buf = malloc (JR_PROTO_MAX);
  union { struct cmsghdr h; char b[CMSG_SPACE (3 * sizeof (int))]; } cm;
  struct iovec iov = { .iov_base = buf, .iov_len = JR_PROTO_MAX };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.b, .msg_controllen = sizeof cm.b };
  ssize_t n = buf ? recvmsg (c->fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT) : 0;
  int fds[3] = { -1, -1, -1 }, nfds = 0;
  struct cmsghdr *h = n > 0 ? CMSG_FIRSTHDR (&mh) : NULL;
  if (h && h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS)
    {
      nfds = (int) ((h->cmsg_len - CMSG_LEN (0)) / sizeof (int));
      memcpy (fds, CMSG_DATA (h), (size_t) (nfds > 3 ? 3 : nfds) * sizeof (int));
    }
  const struct jr_req *q = (const struct jr_req *) buf;
  if (n < 0 && errno == EAGAIN)
    ;
  else if (n < (ssize_t) sizeof *q || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
    drop_conn (s, c);
  else if (q->type == JR_REQ_EXEC)
    start_exec (s, c, buf, (size_t) n, fds, nfds);
  else if (q->type == JR_REQ_NET)
    net_request (s, c, buf, (size_t) n);
  else if (q->type == JR_REQ_SIGNAL && q->sig > 0 && q->sig < 65)
    syscall (SYS_pidfd_send_signal, c->x ? c->x->pidfd : s->l.pidfd, q->sig, NULL, 0);
  else if (q->type == JR_REQ_RESTART)
    restart_request (s, c, q->timeout);
  else if (q->type == JR_REQ_STOP || q->type == JR_REQ_WAIT)
    {
      c->stop_waiter = true;
      if (q->type == JR_REQ_STOP)
        {
          s->stop_requested = true;
          s->restart_now = false;
          begin_stop (s, q->timeout);
          cancel_restart (s);
        }
      if (s->init_done && !s->restarting)
        {
          struct jr_rep r = { .type = JR_REP_DONE, .status = s->init_status };
          reply (c->fd, &r);
        }
    }
  for (int i = 0; i < 3 && i < nfds; i++)
    close (fds[i]);
  free (buf);
}

/* A new client: only our own user may talk to us. */
static void
on_accept (struct sup *s)
{
  int fd = accept4 (s->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (fd < 0)
    return;
  struct ucred cr;
  socklen_t len = sizeof cr;
  struct conn *c = NULL;
  if (getsockopt (fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0 || cr.uid != geteuid ()
      || (c = calloc (1, sizeof *c)) == NULL)
    {
      close (fd);
      return;
    }
  c->fd = fd;
  c->s = s;
  c->cred = cr;
  c->next = s->conns;
  s->conns = c;
  if (watch (s, fd, &c->src, on_conn_ready) < 0)
    drop_conn (s, c);
}

/* Close the forwarder's listeners and the proxy with the jail (they
 * leave the loop). */
static void
release_net (struct sup *s)
{
  jr_net_release (s->l.net);
  s->l.net = NULL;
}

/* Start the healthcheck's timer (--health-cmd). */
static void
start_health (struct sup *s)
{
  struct jr_exec_spec x = { .cfg = s->cfg, .bpf = &s->l.bpf, .ns_fds = s->l.ns_fds, .cgroup_fd = s->l.cg.fd };
  s->hproc_fd = -1;
  s->health = jr_health_new (s->cfg, &x);
  if (s->health == NULL)
    return;
  watch (s, jr_health_timerfd (s->health), &s->s_htimer, on_health_timer);
  write_state (s, "running"); /* health=starting */
}

/* The health timer: start a check, or time out the running one. */
static void
on_health_timer (struct jr_loop_src *src, uint32_t ev)
{
  struct sup *s = SUP_OF (src, s_htimer);
  int fd = jr_health_on_timer (s->health);
  if (fd >= 0 && watch (s, fd, &s->s_hproc, on_health_proc) == 0)
    s->hproc_fd = fd;
}

/* A check ended: record it. */
static void
on_health_proc (struct jr_loop_src *src, uint32_t ev)
{
  struct sup *s = SUP_OF (src, s_hproc);
  jr_loop_del (&s->loop, src);
  s->hproc_fd = -1;
  jr_health_on_exit (s->health);
  write_state (s, "running");
}

/* Stop the healthcheck (the jail ended). */
static void
stop_health (struct sup *s)
{
  if (s->health == NULL)
    return;
  jr_loop_del (&s->loop, &s->s_htimer);
  if (s->hproc_fd >= 0)
    jr_loop_del (&s->loop, &s->s_hproc);
  jr_health_free (s->health);
  s->health = NULL;
}

/* The jail has ended for good: record it, refuse new work, answer stop
 * and restart (that one failed). */
static void
finish_exit (struct sup *s)
{
  s->restarting = false;
  write_state (s, "exited");
  /* A jail tied to a handle keeps answering (jail_wait) until the
   * handle is closed; a detached one refuses new clients from now on. */
  if (s->tie_fd < 0)
    {
      unlink (s->sock_path);
      unwatch_close (s, &s->s_listen, &s->lfd);
    }
  for (struct conn *c = s->conns; c; c = c->next)
    if (c->stop_waiter || c->restart_waiter)
      {
        struct jr_rep r = { .type = JR_REP_DONE, .status = c->restart_waiter ? 125 : s->init_status,
                            .err_code = c->restart_waiter ? ESRCH : 0 };
        if (c->restart_waiter)
          snprintf (r.msg, sizeof r.msg, "restart %s: the jail ended (status %d) and did not start again", s->name,
                    s->init_status);
        c->restart_waiter = false;
        reply (c->fd, &r);
      }
}

/* While the jail is down between two runs, the published ports stay
 * bound: a client is reset at once (on) instead of waiting; off before
 * the next run's forwarder takes them. */
static void
hold_ports (struct sup *s, bool on)
{
  if (!on)
    {
      for (size_t i = 0; i < s->n_held; i++)
        jr_loop_del (&s->loop, &s->s_held[i]);
      s->n_held = 0;
      return;
    }
  s->n_held = jr_net_held_ports (s->cfg, s->held, sizeof s->held / sizeof *s->held);
  for (size_t i = 0; i < s->n_held; i++)
    watch (s, s->held[i], &s->s_held[i], on_held);
}

/* A client on a held port while the jail is down: reset it. */
static void
on_held (struct jr_loop_src *src, uint32_t ev)
{
  int fd = accept4 (src->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
  struct linger lg = { .l_onoff = 1, .l_linger = 0 };
  if (fd < 0)
    return;
  setsockopt (fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  close (fd);
}

/* Release what the ended run still holds (its cgroup and network are
 * gone already): the zygote, init's fds, namespaces, filter, id slot. */
static void
release_launch (struct sup *s)
{
  stop_zygote (s);
  if (s->l.pidfd >= 0)
    close (jr_steal_fd (&s->l.pidfd));
  if (s->l.death_w >= 0)
    close (jr_steal_fd (&s->l.death_w));
  jr_ns_close (s->l.ns_fds);
  jr_bpf_release (&s->l.bpf);
  jr_hostids_release (&s->l.ids);
  unwatch_close (s, &s->s_timer, &s->stop_timer);
  s->stopping = false;
}

/* Does the ended run start again?  Never after stop, a stop signal, the
 * jail's --timeout, or for a jail tied to a handle. */
static bool
want_restart (const struct sup *s)
{
  if (s->stop_requested || s->timed_out || s->tie_fd >= 0)
    return false;
  return s->restart_now || jr_restart_wanted (s->cfg, &s->rs, s->init_status);
}

static void relaunch (struct sup *s);

/* Start the next run after the back-off (at once for `jailrun restart`). */
static void
schedule_restart (struct sup *s)
{
  double delay = s->restart_now ? 0 : jr_restart_next (&s->rs);
  release_launch (s);
  s->restarting = true;
  write_state (s, "restarting");
  hold_ports (s, true);
  s->restart_timer = arm_timer (delay);
  if (s->restart_timer < 0 || watch (s, s->restart_timer, &s->s_rtimer, on_restart_timer) < 0)
    relaunch (s);
}

/* Stop or a stop signal while waiting to restart: the jail stays ended. */
static void
cancel_restart (struct sup *s)
{
  if (!s->restarting)
    return;
  unwatch_close (s, &s->s_rtimer, &s->restart_timer);
  hold_ports (s, false);
  finish_exit (s);
}

/* A run ended (or could not start, status 125/126/127): restart it, or
 * record the end. */
static void
after_run (struct sup *s)
{
  if (want_restart (s))
    schedule_restart (s);
  else
    finish_exit (s);
}

/* The jail's init ended: release its cgroup and network, end its execs. */
static void
on_init_exit (struct sup *s)
{
  siginfo_t si = { 0 };
  if (waitid ((idtype_t) P_PIDFD, (id_t) s->l.pidfd, &si, WEXITED | __WALL) < 0)
    waitid (P_PID, (id_t) s->l.pid, &si, WEXITED | __WALL);
  s->init_status = s->timed_out ? 124 : si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
  s->init_done = true;
  stop_health (s);
  jr_cgroup_release (&s->l.cg); /* kills what is left, removes the cgroup */
  if (s->spare_cgfd >= 0)
    close (jr_steal_fd (&s->spare_cgfd)); /* removed with the jail's cgroup */
  release_net (s);
  jr_loop_del (&s->loop, &s->s_init);
  for (struct xproc *x = s->procs; x; x = x->next)
    kill_exec (x);
  after_run (s);
}

/* A run that could not start (status 125/126/127): kill and release it. */
static void
launch_failed (struct sup *s, int status)
{
  if (s->l.pidfd >= 0)
    {
      syscall (SYS_pidfd_send_signal, s->l.pidfd, SIGKILL, NULL, 0);
      siginfo_t si;
      waitid ((idtype_t) P_PIDFD, (id_t) s->l.pidfd, &si, WEXITED | __WALL);
    }
  jr_cgroup_release (&s->l.cg);
  release_net (s);
  s->init_status = status;
  s->init_done = true;
  after_run (s);
}

/* The next run: the same configuration, argv, name and held ports. */
static void
relaunch (struct sup *s)
{
  unwatch_close (s, &s->s_rtimer, &s->restart_timer);
  hold_ports (s, false);
  s->restart_now = false;
  s->l = (struct jr_launch) { .pid = 0, .pidfd = -1, .sync_fd = -1, .death_w = -1,
                              .ns_fds = { -1, -1, -1, -1, -1, -1, -1 }, .cg = { .fd = -1, .parent_fd = -1 },
                              .loop = &s->loop, .ids = { .slot = -1 } };
  jail_error *err = NULL;
  int r = jr_jail_launch (s->cfg, s->argv, &s->l, &err);
  int status = r < 0 ? 125 : await_command (s, &err);
  jail_error_free (err);
  s->rs.started = jr_now ();
  if (status != 0)
    {
      launch_failed (s, status);
      return;
    }

  s->init_done = false;
  s->restarting = false;
  watch (s, s->l.pidfd, &s->s_init, on_init);
  jr_net_sigpipe_block (s->l.net);
  struct jr_exec_spec zx = { .cfg = s->cfg, .bpf = &s->l.bpf, .ns_fds = s->l.ns_fds, .cgroup_fd = s->l.cg.fd,
                             .fds = { 0, 1, 2 } };
  s->zfd = jr_zygote_start (&zx, &s->zpid, NULL);
  write_state (s, "running");
  start_health (s);
  for (struct conn *c = s->conns; c; c = c->next)
    if (c->restart_waiter)
      {
        struct jr_rep rep = { .type = JR_REP_DONE, .status = 0 };
        c->restart_waiter = false;
        reply (c->fd, &rep);
      }
}

/* `jailrun restart`: stop the run (it restarts when it ends), or start
 * the next one at once when waiting for the back-off. */
static void
restart_request (struct sup *s, struct conn *c, double grace)
{
  if (s->init_done && !s->restarting)
    {
      struct jr_rep r = { .type = JR_REP_DONE, .status = 125, .err_code = ESRCH };
      snprintf (r.msg, sizeof r.msg, "restart %s: the jail has ended: start it again with 'jailrun run -d'", s->name);
      reply (c->fd, &r);
      return;
    }
  c->restart_waiter = true;
  s->restart_now = true;
  s->stop_requested = false;
  if (s->restarting)
    relaunch (s);
  else
    begin_stop (s, grace);
}

/* The jail's init ended. */
static void
on_init (struct jr_loop_src *src, uint32_t ev)
{
  on_init_exit (SUP_OF (src, s_init));
}

/* The detached jail's stdout/stderr: into the capped log. */
static void
on_log (struct jr_loop_src *src, uint32_t ev)
{
  struct sup *s = SUP_OF (src, s_log);
  if (jr_logcap_pump (&s->log) == 0)
    jr_loop_del (&s->loop, src); /* no writer left */
}

/* A new client on the control socket. */
static void
on_listen (struct jr_loop_src *src, uint32_t ev)
{
  on_accept (SUP_OF (src, s_listen));
}

/* The back-off before a restart is over. */
static void
on_restart_timer (struct jr_loop_src *src, uint32_t ev)
{
  relaunch (SUP_OF (src, s_rtimer));
}

/* A packet from a client. */
static void
on_conn_ready (struct jr_loop_src *src, uint32_t ev)
{
  struct conn *c = (struct conn *) ((char *) src - offsetof (struct conn, src));
  on_conn (c->s, c);
}

/* An exec'd process ended. */
static void
on_exec_end (struct jr_loop_src *src, uint32_t ev)
{
  struct xproc *x = (struct xproc *) ((char *) src - offsetof (struct xproc, src));
  end_exec (x->s, x);
}

/* An exec's --timeout expired. */
static void
on_exec_timer (struct jr_loop_src *src, uint32_t ev)
{
  struct xproc *x = (struct xproc *) ((char *) src - offsetof (struct xproc, tsrc));
  if (jr_timer_read (x->timerfd) > 0)
    {
      x->timed_out = true;
      kill_exec (x);
    }
}

/* The stop grace period is over: SIGKILL. */
static void
on_stop_timer (struct jr_loop_src *src, uint32_t ev)
{
  struct sup *s = SUP_OF (src, s_timer);
  if (jr_timer_read (s->stop_timer) > 0)
    begin_stop (s, 0);
}

/* SIGTERM, SIGINT or SIGHUP to the supervisor: stop, no restart. */
static void
on_signal (struct jr_loop_src *src, uint32_t ev)
{
  struct sup *s = SUP_OF (src, s_sig);
  struct signalfd_siginfo si;
  if (read (s->sigfd, &si, sizeof si) > 0)
    {
      s->stop_requested = true;
      begin_stop (s, 10);
      cancel_restart (s);
    }
}

/* The jail's --timeout expired. */
static void
on_jail_timer (struct jr_loop_src *src, uint32_t ev)
{
  struct sup *s = SUP_OF (src, s_jtimer);
  if (jr_timer_read (s->jail_timer) > 0)
    {
      s->timed_out = true;
      begin_stop (s, 0);
    }
}

/* The handle the jail is tied to was closed. */
static void
on_tie (struct jr_loop_src *src, uint32_t ev)
{
  struct sup *s = SUP_OF (src, s_tie);
  jr_loop_del (&s->loop, src);
  s->tie_closed = true;
  begin_stop (s, 0);
}

/* Serve until the jail has ended and every exec'd process is reaped. */
static void
serve (struct sup *s)
{
  watch (s, s->l.pidfd, &s->s_init, on_init);
  watch (s, s->lfd, &s->s_listen, on_listen);
  if (s->sigfd >= 0)
    watch (s, s->sigfd, &s->s_sig, on_signal);
  if (s->tie_fd >= 0)
    watch (s, s->tie_fd, &s->s_tie, on_tie);
  if ((s->jail_timer = arm_timer (s->cfg->timeout)) >= 0)
    watch (s, s->jail_timer, &s->s_jtimer, on_jail_timer);
  if (s->log.rfd >= 0)
    watch (s, s->log.rfd, &s->s_log, on_log);
  jr_net_sigpipe_block (s->l.net);
  start_health (s);
  /* The network registered its sources on the same loop (jr_jail_launch):
   * one wait serves the jail, its clients, its execs and its ports. */
  while (!s->init_done || s->restarting || s->procs || (s->tie_fd >= 0 && !s->tie_closed))
    if (jr_loop_run_once (&s->loop, -1) < 0)
      break;
  /* Answer what is still queued (a wait gets the status, an exec is
   * refused), then hang up. */
  for (struct conn *c = s->conns, *next; c; c = next)
    {
      next = c->next;
      on_conn (s, c); /* may free c */
    }
  while (s->conns)
    drop_conn (s, s->conns);
  stop_zygote (s);
}

/* Tell the starting caller how it went (status 0: the jail is up). */
static void
send_ready (int fd, int status, const jail_error *e)
{
  struct jr_rep r = { .type = JR_REP_DONE, .status = status, .err_code = e ? e->code : 0, .pid = getpid () };
  if (e)
    snprintf (r.msg, sizeof r.msg, "%s", e->msg);
  (void) !write (fd, &r, sizeof r);
}

/* Detach the stdio (stdin /dev/null, stdout and stderr a pipe into the
 * jail's capped log, see logcap.c; attached: the fds jail_start chose,
 * which only the first process keeps), keep the ready pipe at 3 and the
 * tie at 4, close everything else, and take the signals that mean "stop"
 * through a signalfd. */
static int
setup_process (struct sup *s, int ready_fd, int tie_fd, const int *stdio)
{
  int nul cleanup_close = open ("/dev/null", O_RDWR | O_CLOEXEC);
  int src[5] = { stdio ? stdio[0] : nul, stdio ? stdio[1] : nul, stdio ? stdio[2] : nul, ready_fd, tie_fd };
  if (nul < 0 || jr_fds_arrange (src, tie_fd >= 0 ? 5 : 4) < 0)
    return -1;
  nul = -1; /* closed by jr_fds_arrange */
  if (!stdio && jr_logcap_open (&s->log, s->name, s->cfg->log_max) < 0)
    return -1;
  prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  signal (SIGPIPE, SIG_IGN);
  signal (SIGCHLD, SIG_DFL); /* an embedder's SIG_IGN would reap our children */
  sigset_t set;
  sigemptyset (&set);
  sigaddset (&set, SIGTERM);
  sigaddset (&set, SIGINT);
  sigaddset (&set, SIGHUP);
  sigprocmask (SIG_SETMASK, &set, NULL);
  s->sigfd = signalfd (-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  return 0;
}

/* Point 0, 1, 2 at /dev/null. */
static void
drop_stdio (void)
{
  int nul = open ("/dev/null", O_RDWR | O_CLOEXEC);
  for (int i = 0; nul >= 0 && i < 3; i++)
    dup2 (nul, i);
  if (nul > 2)
    close (nul);
}

/* --limits best-effort: the detached jail's log says which limits the
 * host does not enforce (fd 2 is the log). */
static void
log_unenforced (struct sup *s)
{
  char miss[128];
  jr_limits_missing_text (s->cfg, &s->l.cg, miss, sizeof miss);
  if (strcmp (miss, "-") != 0)
    dprintf (2, "jailrun: warning: --limits best-effort: not enforced: %s\n", miss);
}

void
jr_supervisor_main (jail_config *cfg, const char *name, char *const argv[], int ready_fd, int tie_fd, const int *stdio,
                    unsigned flags)
{
  struct sup s = { .name = name, .cfg = cfg, .lfd = -1, .sigfd = -1, .stop_timer = -1, .zfd = -1,
                   .spare_cgfd = -1,
                   .l = { .pid = 0, .pidfd = -1, .sync_fd = -1, .death_w = -1,
                          .ns_fds = { -1, -1, -1, -1, -1, -1, -1 },
                          .cg = { .fd = -1, .parent_fd = -1 }, .ids = { .slot = -1 } },
                   .loop = { .epfd = -1 },
                   .log = { .rfd = -1, .fd = -1 }, .created = time (NULL),
                   .argv = argv, .restart_timer = -1, .rs = { .started = jr_now () } };
  if (setup_process (&s, ready_fd, tie_fd, stdio) < 0)
    _exit (125);
  s.tie_fd = tie_fd >= 0 ? 4 : -1;
  jail_error *err = NULL;
  write_state (&s, "starting");
  jr_net_add_name (cfg, name);
  cfg->limits.name = name; /* names the systemd scope */
  s.l.loop = &s.loop;
  int r = jr_loop_init (&s.loop, &err);
  if (r == 0)
    r = jr_jail_launch (cfg, argv, &s.l, &err);
  if (stdio)
    drop_stdio (); /* the first process has them: EOF reaches the relay when it ends */
  int status = r < 0 ? 125 : await_command (&s, &err);
  if (status == 0)
    status = open_listener (&s, &err) < 0 ? 125 : 0;
  if (status == 0 && cfg->restart_policy && jr_net_hold_ports (s.l.net, &err) < 0)
    status = 125; /* the ports stay bound across restarts */
  char *json = status == 0 ? jr_config_json (cfg, name, &s.l.cg, s.l.net, &s.l.ids) : NULL;
  if (json)
    jr_state_write_file (name, "config.json", json, NULL);
  free (json);
  if (status != 0)
    {
      if (s.l.pidfd >= 0)
        syscall (SYS_pidfd_send_signal, s.l.pidfd, SIGKILL, NULL, 0);
      jr_cgroup_release (&s.l.cg);
      release_net (&s);
      jr_hostids_release (&s.l.ids);
      jr_logcap_close (&s.log);
      send_ready (3, status, err);
      _exit (status);
    }
  struct jr_exec_spec zx = { .cfg = cfg, .bpf = &s.l.bpf, .ns_fds = s.l.ns_fds, .cgroup_fd = s.l.cg.fd, .fds = { 0, 1, 2 } };
  s.zfd = jr_zygote_start (&zx, &s.zpid, NULL); /* -1: every exec uses a helper */
  write_state (&s, "running");
  if (stdio == NULL)
    log_unenforced (&s);
  send_ready (3, 0, NULL);
  close (3);
  serve (&s);
  jr_loop_release (&s.loop);
  jr_hostids_release (&s.l.ids);
  jr_logcap_close (&s.log);
  write_state (&s, "exited");
  if (s.tie_fd >= 0 || (flags & JAIL_START_AUTOREMOVE))
    jr_state_remove (name, NULL);
  _exit (0);
}
