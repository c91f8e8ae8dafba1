/* supervisor_ctl.c - the control socket of a detached supervisor: bind
 * it, accept only our own user, read requests (exec, net, signal, stop,
 * wait, restart) and hand them to the exec server and the run logic;
 * answer what is queued when the supervisor leaves. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "fdpass.h"
#include "supervisor.h"

static void on_accept (struct sup *s);
static void restart_request (struct sup *s, struct conn *c, double grace);
static void on_conn_ready (struct jr_loop_src *src, uint32_t ev);

/* Bind the supervisor socket (0600 inside the 0700 jail directory). */
int
jr_sup_open_listener (struct sup *s, jail_error **err)
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

/* Drop a connection; a process it was waiting for is killed. */
static void
drop_conn (struct sup *s, struct conn *c)
{
  if (c->x)
    {
      jr_sup_kill_exec (c->x);
      c->x->conn = NULL;
    }
  for (struct conn **pp = &s->conns; *pp; pp = &(*pp)->next)
    if (*pp == c)
      {
        *pp = c->next;
        break;
      }
  sup_unwatch_close (s, &c->src, &c->fd);
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
    if ((specs[i] = jr_sup_next_str (&p, end)) == NULL)
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
  int fds[3];
  size_t nfds = 0;
  /* More than 3 fds, or a truncated request: refused (-EMSGSIZE). */
  ssize_t n = buf ? jr_recv_fd (c->fd, buf, JR_PROTO_MAX, fds, 3, &nfds, MSG_DONTWAIT) : 0;
  const struct jr_req *q = (const struct jr_req *) buf;
  if (n == -EAGAIN)
    ;
  else if (n < (ssize_t) sizeof *q)
    drop_conn (s, c);
  else if (q->type == JR_REQ_EXEC)
    jr_sup_start_exec (s, c, buf, (size_t) n, fds, (int) nfds);
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
          jr_sup_begin_stop (s, q->timeout);
          jr_sup_cancel_restart (s);
        }
      if (s->init_done && !s->restarting)
        {
          struct jr_rep r = { .type = JR_REP_DONE, .status = s->init_status };
          sup_reply (c->fd, &r);
        }
    }
  for (size_t i = 0; i < nfds; i++)
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
  if (sup_watch (s, fd, &c->src, on_conn_ready) < 0)
    drop_conn (s, c);
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
      sup_reply (c->fd, &r);
      return;
    }
  c->restart_waiter = true;
  s->restart_now = true;
  s->stop_requested = false;
  if (s->restarting)
    jr_sup_relaunch (s);
  else
    jr_sup_begin_stop (s, grace);
}

/* A new client on the control socket. */
void
jr_sup_on_listen (struct jr_loop_src *src, uint32_t ev)
{
  on_accept (SUP_OF (src, s_listen));
}

/* A packet from a client. */
static void
on_conn_ready (struct jr_loop_src *src, uint32_t ev)
{
  struct conn *c = (struct conn *) ((char *) src - offsetof (struct conn, src));
  on_conn (c->s, c);
}

void
jr_sup_hang_up (struct sup *s)
{
  for (struct conn *c = s->conns, *next; c; c = next)
    {
      next = c->next;
      on_conn (s, c); /* may free c */
    }
  while (s->conns)
    drop_conn (s, s->conns);
}
