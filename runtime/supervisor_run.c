/* supervisor_run.c - the runs of a detached jail: the state file, stop
 * (SIGTERM, then SIGKILL after the grace period), the end of init (cgroup,
 * network and execs released), --restart (back-off, ports held while the
 * jail is down, relaunch) and --health-cmd. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "health.h"
#include "restart.h"
#include "supervisor.h"

static void on_stop_timer (struct jr_loop_src *src, uint32_t ev);
static void on_health_timer (struct jr_loop_src *src, uint32_t ev);
static void on_health_proc (struct jr_loop_src *src, uint32_t ev);
static void on_held (struct jr_loop_src *src, uint32_t ev);
static void on_restart_timer (struct jr_loop_src *src, uint32_t ev);

/* Write the state file: dynamic part; config.json holds the rest. */
void
jr_sup_write_state (struct sup *s, const char *state)
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

/* Wait until the jail's first command has exec'd (EOF on the channel)
 * or failed.  Returns 0, or the shell status of the failure. */
int
jr_sup_await_command (struct sup *s, jail_error **err)
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

/* Stop the jail: SIGTERM to its init (forwarded to the command), SIGKILL
 * after grace seconds (at once when grace <= 0). */
void
jr_sup_begin_stop (struct sup *s, double grace)
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
  s->stop_timer = sup_timer (grace);
  if (s->stop_timer >= 0)
    sup_watch (s, s->stop_timer, &s->s_timer, on_stop_timer);
}

/* The stop grace period is over: SIGKILL. */
static void
on_stop_timer (struct jr_loop_src *src, uint32_t ev)
{
  struct sup *s = SUP_OF (src, s_timer);
  if (jr_timer_read (s->stop_timer) > 0)
    jr_sup_begin_stop (s, 0);
}

/* Close the forwarder's listeners and the proxy with the jail (they
 * leave the loop). */
void
jr_sup_release_net (struct sup *s)
{
  jr_net_release (s->l.net);
  s->l.net = NULL;
}

/* Start the healthcheck's timer (--health-cmd). */
void
jr_sup_start_health (struct sup *s)
{
  struct jr_exec_spec x = { .cfg = s->cfg, .bpf = &s->l.bpf, .ns_fds = s->l.ns_fds, .cgroup_fd = s->l.cg.fd };
  s->hproc_fd = -1;
  s->health = jr_health_new (s->cfg, &x);
  if (s->health == NULL)
    return;
  sup_watch (s, jr_health_timerfd (s->health), &s->s_htimer, on_health_timer);
  jr_sup_write_state (s, "running"); /* health=starting */
}

/* The health timer: start a check, or time out the running one. */
static void
on_health_timer (struct jr_loop_src *src, uint32_t ev)
{
  struct sup *s = SUP_OF (src, s_htimer);
  int fd = jr_health_on_timer (s->health);
  if (fd >= 0 && sup_watch (s, fd, &s->s_hproc, on_health_proc) == 0)
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
  jr_sup_write_state (s, "running");
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
  jr_sup_write_state (s, "exited");
  /* A jail tied to a handle keeps answering (jail_wait) until the
   * handle is closed; a detached one refuses new clients from now on. */
  if (s->tie_fd < 0)
    {
      unlink (s->sock_path);
      sup_unwatch_close (s, &s->s_listen, &s->lfd);
    }
  for (struct conn *c = s->conns; c; c = c->next)
    if (c->stop_waiter || c->restart_waiter)
      {
        struct jr_rep r = { .type = JR_REP_DONE, .status = c->restart_waiter ? 125 : s->init_status, .err_code = c->restart_waiter ? ESRCH : 0 };
        if (c->restart_waiter)
          snprintf (r.msg, sizeof r.msg, "restart %s: the jail ended (status %d) and did not start again", s->name,
                    s->init_status);
        c->restart_waiter = false;
        sup_reply (c->fd, &r);
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
    sup_watch (s, s->held[i], &s->s_held[i], on_held);
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
  jr_sup_stop_zygote (s);
  if (s->l.pidfd >= 0)
    close (jr_steal_fd (&s->l.pidfd));
  if (s->l.death_w >= 0)
    close (jr_steal_fd (&s->l.death_w));
  jr_ns_close (s->l.ns_fds);
  jr_bpf_release (&s->l.bpf);
  jr_hostids_release (&s->l.ids);
  sup_unwatch_close (s, &s->s_timer, &s->stop_timer);
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

/* Start the next run after the back-off (at once for `jailrun restart`). */
static void
schedule_restart (struct sup *s)
{
  double delay = s->restart_now ? 0 : jr_restart_next (&s->rs);
  release_launch (s);
  s->restarting = true;
  jr_sup_write_state (s, "restarting");
  hold_ports (s, true);
  s->restart_timer = sup_timer (delay);
  if (s->restart_timer < 0 || sup_watch (s, s->restart_timer, &s->s_rtimer, on_restart_timer) < 0)
    jr_sup_relaunch (s);
}

/* Stop or a stop signal while waiting to restart: the jail stays ended. */
void
jr_sup_cancel_restart (struct sup *s)
{
  if (!s->restarting)
    return;
  sup_unwatch_close (s, &s->s_rtimer, &s->restart_timer);
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
  s->init_status = s->timed_out ? 124 : si.si_code == CLD_EXITED ? si.si_status
                                                                 : 128 + si.si_status;
  s->init_done = true;
  stop_health (s);
  jr_cgroup_release (&s->l.cg);    /* kills what is left, removes the cgroup */
  jr_execcg_release (&s->execcgs); /* the spare was removed with the jail's cgroup */
  jr_sup_release_net (s);
  jr_loop_del (&s->loop, &s->s_init);
  for (struct xproc *x = s->procs; x; x = x->next)
    jr_sup_kill_exec (x);
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
  jr_sup_release_net (s);
  s->init_status = status;
  s->init_done = true;
  after_run (s);
}

/* The next run: the same configuration, argv, name and held ports. */
void
jr_sup_relaunch (struct sup *s)
{
  sup_unwatch_close (s, &s->s_rtimer, &s->restart_timer);
  hold_ports (s, false);
  s->restart_now = false;
  s->l = (struct jr_launch) { .pid = 0, .pidfd = -1, .sync_fd = -1, .death_w = -1, .ns_fds = { -1, -1, -1, -1, -1, -1, -1 }, .cg = { .fd = -1, .parent_fd = -1 }, .loop = &s->loop, .ids = { .slot = -1 } };
  jail_error *err = NULL;
  int r = jr_jail_launch (s->cfg, s->argv, &s->l, &err);
  int status = r < 0 ? 125 : jr_sup_await_command (s, &err);
  jail_error_free (err);
  s->rs.started = jr_now ();
  if (status != 0)
    {
      launch_failed (s, status);
      return;
    }

  s->init_done = false;
  s->restarting = false;
  sup_watch (s, s->l.pidfd, &s->s_init, jr_sup_on_init);
  jr_net_sigpipe_block (s->l.net);
  struct jr_exec_spec zx = { .cfg = s->cfg, .bpf = &s->l.bpf, .ns_fds = s->l.ns_fds, .cgroup_fd = s->l.cg.fd, .fds = { 0, 1, 2 } };
  s->zfd = jr_zygote_start (&zx, &s->zpid, NULL);
  jr_sup_write_state (s, "running");
  jr_sup_start_health (s);
  for (struct conn *c = s->conns; c; c = c->next)
    if (c->restart_waiter)
      {
        struct jr_rep rep = { .type = JR_REP_DONE, .status = 0 };
        c->restart_waiter = false;
        sup_reply (c->fd, &rep);
      }
}

/* The jail's init ended. */
void
jr_sup_on_init (struct jr_loop_src *src, uint32_t ev)
{
  on_init_exit (SUP_OF (src, s_init));
}

/* The back-off before a restart is over. */
static void
on_restart_timer (struct jr_loop_src *src, uint32_t ev)
{
  jr_sup_relaunch (SUP_OF (src, s_rtimer));
}
