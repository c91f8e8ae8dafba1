/* supervisor.c - the detached supervisor of a long-running jail: the
 * process itself (stdio, signals, the ready pipe), the first launch, and
 * the one event loop (loop.c) it serves until the jail has ended: every
 * source is registered with its callback, the network's too.  It owns the
 * jail (init's pidfd, the death pipe, the compiled seccomp program); the
 * control socket is supervisor_ctl.c, the runs (stop, restart, health)
 * supervisor_run.c, the exec server supervisor_exec.c. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "health.h"
#include "supervisor.h"

/* The detached jail's stdout/stderr: into the capped log. */
static void
on_log (struct jr_loop_src *src, uint32_t ev)
{
  struct sup *s = SUP_OF (src, s_log);
  if (jr_logcap_pump (&s->log) == 0)
    jr_loop_del (&s->loop, src); /* no writer left */
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
      jr_sup_begin_stop (s, 10);
      jr_sup_cancel_restart (s);
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
      jr_sup_begin_stop (s, 0);
    }
}

/* The handle the jail is tied to was closed. */
static void
on_tie (struct jr_loop_src *src, uint32_t ev)
{
  struct sup *s = SUP_OF (src, s_tie);
  jr_loop_del (&s->loop, src);
  s->tie_closed = true;
  jr_sup_begin_stop (s, 0);
}

/* Serve until the jail has ended and every exec'd process is reaped. */
static void
serve (struct sup *s)
{
  sup_watch (s, s->l.pidfd, &s->s_init, jr_sup_on_init);
  sup_watch (s, s->lfd, &s->s_listen, jr_sup_on_listen);
  if (s->sigfd >= 0)
    sup_watch (s, s->sigfd, &s->s_sig, on_signal);
  if (s->tie_fd >= 0)
    sup_watch (s, s->tie_fd, &s->s_tie, on_tie);
  if ((s->jail_timer = sup_timer (s->cfg->timeout)) >= 0)
    sup_watch (s, s->jail_timer, &s->s_jtimer, on_jail_timer);
  if (s->log.rfd >= 0)
    sup_watch (s, s->log.rfd, &s->s_log, on_log);
  jr_net_sigpipe_block (s->l.net);
  jr_sup_start_health (s);
  /* The network registered its sources on the same loop (jr_jail_launch):
   * one wait serves the jail, its clients, its execs and its ports. */
  while (!s->init_done || s->restarting || s->procs || (s->tie_fd >= 0 && !s->tie_closed))
    if (jr_loop_run_once (&s->loop, -1) < 0)
      break;
  jr_sup_hang_up (s);
  jr_sup_stop_zygote (s);
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
  struct sup s = { .name = name, .cfg = cfg, .lfd = -1, .sigfd = -1, .stop_timer = -1, .zfd = -1, .execcgs = { .spare = { .fd = -1 } }, .l = { .pid = 0, .pidfd = -1, .sync_fd = -1, .death_w = -1, .ns_fds = { -1, -1, -1, -1, -1, -1, -1 }, .cg = { .fd = -1, .parent_fd = -1 }, .ids = { .slot = -1 } }, .loop = { .epfd = -1 }, .log = { .rfd = -1, .fd = -1 }, .created = time (NULL), .argv = argv, .restart_timer = -1, .rs = { .started = jr_now () } };
  if (setup_process (&s, ready_fd, tie_fd, stdio) < 0)
    _exit (125);
  s.tie_fd = tie_fd >= 0 ? 4 : -1;
  jail_error *err = NULL;
  jr_sup_write_state (&s, "starting");
  jr_net_add_name (cfg, name);
  cfg->limits.name = name; /* names the systemd scope */
  s.l.loop = &s.loop;
  s.execcgs.jail = &s.l.cg;
  int r = jr_loop_init (&s.loop, &err);
  if (r == 0)
    r = jr_jail_launch (cfg, argv, &s.l, &err);
  if (stdio)
    drop_stdio (); /* the first process has them: EOF reaches the relay when it ends */
  int status = r < 0 ? 125 : jr_sup_await_command (&s, &err);
  if (status == 0)
    status = jr_sup_open_listener (&s, &err) < 0 ? 125 : 0;
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
      jr_sup_release_net (&s);
      jr_hostids_release (&s.l.ids);
      jr_logcap_close (&s.log);
      send_ready (3, status, err);
      _exit (status);
    }
  struct jr_exec_spec zx = { .cfg = cfg, .bpf = &s.l.bpf, .ns_fds = s.l.ns_fds, .cgroup_fd = s.l.cg.fd, .fds = { 0, 1, 2 } };
  s.zfd = jr_zygote_start (&zx, &s.zpid, NULL); /* -1: every exec uses a helper */
  jr_sup_write_state (&s, "running");
  if (stdio == NULL)
    log_unenforced (&s);
  send_ready (3, 0, NULL);
  close (3);
  serve (&s);
  jr_loop_release (&s.loop);
  jr_hostids_release (&s.l.ids);
  jr_logcap_close (&s.log);
  jr_sup_write_state (&s, "exited");
  if (s.tie_fd >= 0 || (flags & JAIL_START_AUTOREMOVE))
    jr_state_remove (name, NULL);
  _exit (0);
}
