/* supervisor_exec.c - the exec server of a detached supervisor: decode an
 * exec request, start its process (through the zygote, or a helper per
 * exec, with the policy held here, never with anything the client or the
 * jail says) in a cgroup of its own (cgroup_exec.c), watch its end and
 * its --timeout, answer the client with its status, usage and OOM verdict. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "supervisor.h"

static void end_exec (struct sup *s, struct xproc *x);
static void on_exec_end (struct jr_loop_src *src, uint32_t ev);
static void on_exec_timer (struct jr_loop_src *src, uint32_t ev);

/* Answer an exec request that could not start: 125 and the message. */
static void
reply_error (int fd, const jail_error *e)
{
  struct jr_rep r = { .type = JR_REP_DONE, .flags = JR_DONE_ERROR, .status = 125, .exit_code = -1, .err_code = e ? e->code : EIO };
  snprintf (r.msg, sizeof r.msg, "%s", e ? e->msg : "exec failed");
  sup_reply (fd, &r);
}

/* Next NUL-terminated string of a request, or NULL past the end. */
char *
jr_sup_next_str (char **p, char *end)
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
    ok = (a[i] = jr_sup_next_str (&p, end)) != NULL;
  for (uint32_t i = 0; ok && i < q->envc; i++)
    ok = (o[i] = jr_sup_next_str (&p, end)) != NULL && strchr (o[i], '=') != NULL;
  char *wd = ok ? jr_sup_next_str (&p, end) : NULL;
  char *user = wd && (q->flags & JR_EXEC_USER) ? jr_sup_next_str (&p, end) : NULL;
  int r = ok && wd && (user || !(q->flags & JR_EXEC_USER)) ? 0 : jr_error_msg (err, EINVAL, "exec: malformed request");
  if (r == 0 && user)
    r = jr_exec_user (s->cfg, s->l.ns_fds, user, err);
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

/* Close the zygote's socket (it exits at EOF) and reap it. */
void
jr_sup_stop_zygote (struct sup *s)
{
  if (s->zfd < 0)
    return;
  close (jr_steal_fd (&s->zfd));
  siginfo_t si;
  waitid (P_PID, (id_t) s->zpid, &si, WEXITED | __WALL);
}

/* Start the process of an exec request; the client's only reply is DONE
 * (with the error when it could not start). */
void
jr_sup_start_exec (struct sup *s, struct conn *c, char *buf, size_t len, int *fds, int nfds)
{
  const struct jr_req *q = (const struct jr_req *) buf;
  jail_error *err = NULL;
  char **argv = NULL, **env = NULL, *wd = NULL;
  pid_t pid = -1;
  int msg_fd = -1, r = 0;
  struct jr_execcg cg = { .fd = -1 };
  if (nfds != 3 || c->x || s->init_done)
    r = jr_error_msg (&err, s->init_done ? ESRCH : EINVAL,
                      s->init_done ? "jail '%s' has stopped" : "exec: malformed request", s->name);
  if (r == 0)
    r = jr_stdio_check_handed (fds, &err); /* no directory, O_PATH fd or terminal into the jail */
  if (r == 0)
    r = parse_exec (s, q, buf, len, &argv, &env, &wd, &err);
  if (r == 0)
    {
      jr_execcg_take (&s->execcgs, &cg);
      struct jr_exec_spec x = { .cfg = s->cfg, .bpf = &s->l.bpf, .ns_fds = s->l.ns_fds, .cgroup_fd = cg.fd >= 0 ? cg.fd : s->l.cg.fd, .argv = argv, .env = env, .workdir = wd, .fds = { fds[0], fds[1], fds[2] } };
      x.tty = q->flags & JR_EXEC_TTY;
      r = s->zfd >= 0 ? jr_zygote_spawn (s->zfd, argv, env, wd, fds, x.tty, cg.fd, &pid, &msg_fd, &err) : -EPIPE;
      if (r == -EPIPE)
        {
          jr_sup_stop_zygote (s); /* gone: fall back to a helper per exec */
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
      *x = (struct xproc) { .s = s, .conn = c, .pid = pid, .msg_fd = msg_fd, .timerfd = sup_timer (q->timeout), .oom_before = jr_cg_oom_kills (s->l.cg.fd), .cg = cg, .pidfd = (int) syscall (SYS_pidfd_open, pid, 0), .next = s->procs };
      s->procs = x;
      c->x = x;
      if (x->pidfd < 0 || sup_watch (s, x->pidfd, &x->src, on_exec_end) < 0)
        {
          kill (pid, SIGKILL); /* cannot watch it: do not let it run unwatched */
          end_exec (s, x);
          return;
        }
      if (x->timerfd >= 0)
        sup_watch (s, x->timerfd, &x->tsrc, on_exec_timer);
      /* No STARTED reply: no client uses it, and it would wake the client
       * while the new process starts, on the same two or so CPUs. */
    }
  else
    {
      reply_error (c->fd, err);
      if (msg_fd >= 0)
        close (msg_fd);
      jr_execcg_unused (&s->execcgs, &cg);
    }
  jail_error_free (err);
}

/* Is name the cgroup of a running exec? */
static bool
exec_cg_live (const char *name, void *ctx)
{
  const struct sup *s = ctx;
  for (const struct xproc *x = s->procs; x; x = x->next)
    if (x->cg.fd >= 0 && strcmp (x->cg.name, name) == 0)
      return true;
  return false;
}

/* Fill a DONE reply from a wait status and the process's last message. */
static void
finish_rep (struct xproc *x, int ws, const struct rusage *ru, struct jr_rep *rep)
{
  *rep = (struct jr_rep) { .type = JR_REP_DONE, .pid = x->pid, .exit_code = -1, .utime_us = ru->ru_utime.tv_sec * 1000000LL + ru->ru_utime.tv_usec, .stime_us = ru->ru_stime.tv_sec * 1000000LL + ru->ru_stime.tv_usec, .maxrss_kb = ru->ru_maxrss };
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
  if (x->cg.fd >= 0)
    {
      /* CPU time of everything the exec started, waited for or not. */
      struct jr_cgstats st;
      jr_cgroup_collect (&(struct jr_cgroup) { .fd = x->cg.fd }, &st);
      if (st.user_usec >= 0 && st.system_usec >= 0)
        rep.utime_us = st.user_usec, rep.stime_us = st.system_usec;
      if (x->timed_out || x->conn == NULL)
        jr_execcg_kill (&x->cg);
    }
  if (!x->timed_out && jr_cg_oom_killed (s->l.cg.fd, x->oom_before, ws))
    rep.flags |= JR_DONE_OOM;
  if (x->conn)
    {
      sup_reply (x->conn->fd, &rep);
      x->conn->x = NULL;
    }
  for (struct xproc **pp = &s->procs; *pp; pp = &(*pp)->next)
    if (*pp == x)
      {
        *pp = x->next;
        break;
      }
  sup_unwatch_close (s, &x->src, &x->pidfd);
  sup_unwatch_close (s, &x->tsrc, &x->timerfd);
  close (x->msg_fd);
  jr_execcg_end (&s->execcgs, &x->cg, exec_cg_live, s, !s->init_done); /* x is off s->procs already */
  free (x);
}

/* Kill an exec'd process, its process group and its cgroup. */
void
jr_sup_kill_exec (struct xproc *x)
{
  syscall (SYS_pidfd_send_signal, x->pidfd, SIGKILL, NULL, 0);
  kill (-x->pid, SIGKILL);
  jr_execcg_kill (&x->cg);
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
      jr_sup_kill_exec (x);
    }
}
