/* exec_client.c - the client side of exec and stop: exec options, the
 * request (what to run, the caller's stdio passed as fds), the wait for
 * the answer with signal forwarding, and jail_stop / jail_remove /
 * jail_logs.  The policy of the process is never sent: the supervisor
 * applies its own. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "fdpass.h"
#include "lifecycle.h"

int
jail_exec_opts_new (jail_exec_opts **out, jail_error **err)
{
  struct jail_exec_opts *o = calloc (1, sizeof *o);
  if (o == NULL || (o->env = calloc (1, sizeof *o->env)) == NULL)
    {
      free (o);
      return jr_error (err, ENOMEM, "exec options");
    }
  o->uid = o->gid = -1;
  o->fds[0] = o->fds[1] = o->fds[2] = -1;
  *out = o;
  return 0;
}

void
jail_exec_opts_free (jail_exec_opts *o)
{
  if (o == NULL)
    return;
  for (size_t i = 0; i < o->n_env; i++)
    free (o->env[i]);
  free (o->env);
  free (o->workdir);
  free (o->user);
  free (o);
}

int
jail_exec_opts_set_env (jail_exec_opts *o, const char *spec, jail_error **err)
{
  /* Validate exactly as jail_config_set_env does, through a scratch config. */
  jail_config *c = NULL;
  int r = jail_config_new (&c, err);
  if (r == 0)
    r = jail_config_set_env (c, spec, err);
  const char *eq = spec ? strchr (spec, '=') : NULL;
  size_t k = spec ? (eq ? (size_t) (eq - spec) : strlen (spec)) : 0;
  const char *kv = NULL;
  for (size_t i = 0; r == 0 && i < c->n_env; i++)
    if (strncmp (c->env[i], spec, k) == 0 && c->env[i][k] == '=')
      kv = c->env[i];
  char **n = r == 0 && kv ? realloc (o->env, (o->n_env + 2) * sizeof *n) : NULL;
  if (r == 0 && kv && (n == NULL || (n[o->n_env] = strdup (kv)) == NULL))
    r = jr_error (err, ENOMEM, "exec options");
  if (n)
    o->env = n;
  if (r == 0 && kv)
    o->env[++o->n_env] = NULL;
  jail_config_free (c);
  return r;
}

int
jail_exec_opts_set_workdir (jail_exec_opts *o, const char *dir, jail_error **err)
{
  return jr_set_workdir (&o->workdir, dir, err);
}

int
jail_exec_opts_set_user (jail_exec_opts *o, const char *spec, jail_error **err)
{
  unsigned uid = 0, gid = 0;
  char *name = NULL;
  /* Numeric ids now; names only by the supervisor, in the jail's root. */
  if (jr_user_has_name (spec) && (name = strdup (spec)) == NULL)
    return jr_error (err, ENOMEM, "exec options");
  int r = name ? 0 : jr_user_resolve (-1, "", spec, &uid, &gid, err);
  if (r < 0)
    return r;
  free (o->user);
  o->user = name;
  o->uid = name ? -1 : (int) uid;
  o->gid = name ? -1 : (int) gid;
  return 0;
}

int
jail_exec_opts_set_timeout (jail_exec_opts *o, double seconds, jail_error **err)
{
  if (!(seconds >= 0) || seconds > 31536000.0)
    return jr_error_msg (err, EINVAL, "timeout: %g is not a number of seconds between 0 and 31536000", seconds);
  o->timeout = seconds;
  return 0;
}

int
jail_exec_opts_set_stdio (jail_exec_opts *o, int in, int out, int errfd, jail_error **err)
{
  int v[3] = { in, out, errfd };
  for (int i = 0; i < 3; i++)
    if (v[i] >= 0 && fcntl (v[i], F_GETFD) < 0)
      return jr_error (err, EBADF, "exec: stdio fd %d", v[i]);
  memcpy (o->fds, v, sizeof v);
  return 0;
}

int
jail_exec_opts_set_tty (jail_exec_opts *o, unsigned flags, jail_error **err)
{
  if (flags & ~(unsigned) (JAIL_TTY | JAIL_INTERACTIVE))
    return jr_error_msg (err, EINVAL, "tty: unknown flags %#x (JAIL_TTY, JAIL_INTERACTIVE)", flags);
  o->tty = flags;
  return 0;
}

/* Build the request packet for argv under options o (NULL: defaults). */
static char *
build_request (const jail_exec_opts *o, char *const argv[], size_t *len, jail_error **err)
{
  char *buf = NULL;
  size_t n = 0;
  FILE *f = open_memstream (&buf, &n);
  if (f == NULL)
    {
      jr_error (err, ENOMEM, "exec");
      return NULL;
    }
  struct jr_req q = { .type = JR_REQ_EXEC, .uid = o ? o->uid : -1, .gid = o ? o->gid : -1, .timeout = o ? o->timeout : 0, .flags = (o && (o->tty & JAIL_TTY) ? JR_EXEC_TTY : 0) | (o && o->user ? JR_EXEC_USER : 0) };
  while (argv[q.argc])
    q.argc++;
  q.envc = o ? (uint32_t) o->n_env : 0;
  fwrite (&q, sizeof q, 1, f);
  for (uint32_t i = 0; i < q.argc; i++)
    fwrite (argv[i], strlen (argv[i]) + 1, 1, f);
  for (uint32_t i = 0; i < q.envc; i++)
    fwrite (o->env[i], strlen (o->env[i]) + 1, 1, f);
  const char *wd = o && o->workdir ? o->workdir : "";
  fwrite (wd, strlen (wd) + 1, 1, f);
  if (o && o->user)
    fwrite (o->user, strlen (o->user) + 1, 1, f);
  if (fclose (f) != 0)
    {
      free (buf);
      jr_error (err, ENOMEM, "exec");
      return NULL;
    }
  if (n > JR_PROTO_MAX)
    {
      free (buf);
      jr_error_msg (err, E2BIG, "exec: arguments and environment exceed %d bytes: pass large input on stdin", JR_PROTO_MAX);
      return NULL;
    }
  *len = n;
  return buf;
}

/* Send the request with the three stdio fds. */
static int
send_request (int sock, const char *buf, size_t len, const int fds[3], jail_error **err)
{
  ssize_t n = jr_send_fd (sock, buf, len, fds, 3, 0);
  return n < 0 ? jr_error (err, (int) -n, "exec: send request") : 0;
}

/* Wait for DONE, forwarding signals and pumping the relay (may be
 * NULL); fills *rep. */
static int
await_done (int sock, struct jr_rep *rep, struct jr_relay *relay, jail_error **err)
{
  int sfd cleanup_close = jr_forward_sigfd ();
  for (;;)
    {
      struct pollfd p[2 + JR_RELAY_NPOLL] = { { .fd = sock, .events = POLLIN }, { .fd = sfd, .events = POLLIN } };
      int k = jr_relay_poll (relay, p + 2);
      if (poll (p, (nfds_t) (2 + k), -1) < 0 && errno != EINTR)
        return jr_error (err, errno, "exec: poll");
      /* Signals first: a new window size is set before the input that
       * came with it reaches the process. */
      struct signalfd_siginfo si;
      if (p[1].revents && read (sfd, &si, sizeof si) == (ssize_t) sizeof si
          && !(si.ssi_signo == SIGWINCH && jr_relay_winch (relay)))
        {
          struct jr_req q = { .type = JR_REQ_SIGNAL, .sig = (int32_t) si.ssi_signo };
          (void) !send (sock, &q, sizeof q, MSG_NOSIGNAL);
        }
      jr_relay_run (relay, p + 2, k);
      if (!p[0].revents)
        continue;
      ssize_t n = recv (sock, rep, sizeof *rep, 0);
      if (n < 0 && errno == EINTR)
        continue;
      if (n != (ssize_t) sizeof *rep)
        return jr_error_msg (err, EPIPE, "exec: the jail's supervisor went away");
      if (rep->type == JR_REP_DONE)
        return 0;
    }
}

int
jr_exec_send (jail *j, const jail_exec_opts *o, char *const argv[], const int fds[3], jail_error **err)
{
  if (j == NULL || argv == NULL || argv[0] == NULL || argv[0][0] == '\0')
    return jr_error_msg (err, EINVAL, "exec: no command given");
  size_t len = 0;
  char *buf cleanup_free = build_request (o, argv, &len, err);
  if (buf == NULL)
    return err && *err ? -(*err)->code : -ENOMEM;
  int sock = jr_state_connect (j->name, err);
  if (sock < 0)
    return sock;
  int r = send_request (sock, buf, len, fds, err);
  if (r < 0)
    {
      close (sock);
      return r;
    }
  return sock;
}

/* Run argv in the jail and wait; the full answer lands in *rep. */
int
jr_exec_run (jail *j, const jail_exec_opts *o, char *const argv[], struct jr_rep *rep, jail_error **err)
{
  /* Before the connection is opened: with 0, 1 or 2 closed it would be
   * the socket to the supervisor that the jail gets as stdio. */
  int r = jr_stdio_ensure (err);
  int fds[3];
  for (int i = 0; i < 3; i++)
    fds[i] = o && o->fds[i] >= 0 ? o->fds[i] : i;
  if (r == 0)
    r = jr_stdio_check (fds, err);
  /* A terminal never enters the jail: relayed (pipe or pty). */
  struct jr_relay *relay = NULL;
  int given[3];
  if (r == 0)
    r = jr_relay_new (fds, o ? o->tty : 0, given, &relay, err);
  if (r < 0)
    return r;
  int sock cleanup_close = jr_exec_send (j, o, argv, given, err);
  jr_relay_handed (relay);
  if (sock < 0)
    {
      jr_relay_end (relay, 0);
      return sock;
    }
  r = await_done (sock, rep, relay, err);
  jr_relay_end (relay, JR_RELAY_DRAIN_MS);
  if (r == 0 && (rep->flags & JR_DONE_ERROR) && rep->status == 125)
    {
      rep->msg[sizeof rep->msg - 1] = '\0';
      return jr_error_msg (err, rep->err_code ? rep->err_code : EIO, "%s", rep->msg);
    }
  return r;
}

int
jail_exec (jail *j, const jail_exec_opts *o, char *const argv[], int *status, jail_error **err)
{
  struct jr_rep rep;
  int r = jr_exec_run (j, o, argv, &rep, err);
  if (r < 0)
    return r;
  *status = rep.status;
  if (rep.flags & JR_DONE_TIMEOUT)
    jr_error_msg (err, ETIMEDOUT, "timeout: the command was killed after %g s", o ? o->timeout : 0.0);
  else if (rep.flags & JR_DONE_ERROR)
    jr_error_msg (err, rep.err_code ? rep.err_code : EIO, "%s", rep.msg);
  else if (rep.flags & JR_DONE_OOM)
    jr_oom_error (err, true, 1, NULL, NULL);
  return 0;
}

/* Wait (bounded) until the supervisor recorded in text has exited. */
static void
await_supervisor (const char *text, double seconds)
{
  pid_t pid = (pid_t) jr_state_get_ll (text, "supervisor_pid", 0);
  unsigned long long start = (unsigned long long) jr_state_get_ll (text, "supervisor_start", 0);
  int fd cleanup_close = pid > 0 ? (int) syscall (SYS_pidfd_open, pid, 0) : -1;
  if (fd < 0 || jr_pid_starttime (pid) != start)
    return;
  struct pollfd p = { .fd = fd, .events = POLLIN };
  poll (&p, 1, (int) (seconds * 1000));
}

int
jail_wait (jail *j, int *status, jail_error **err)
{
  if (j == NULL || status == NULL)
    return jr_error_msg (err, EINVAL, "wait: no jail");
  char *text cleanup_free = NULL;
  int sock cleanup_close = jr_state_connect (j->name, err);
  if (sock < 0)
    {
      /* Ended already: its recorded status. */
      if (sock != -ESRCH || jr_state_read (j->name, "state", &text, NULL) < 0)
        return sock;
      if (err)
        {
          jail_error_free (*err);
          *err = NULL;
        }
      *status = (int) jr_state_get_ll (text, "exit_status", 125);
      return 0;
    }
  struct jr_req q = { .type = JR_REQ_WAIT };
  if (send (sock, &q, sizeof q, MSG_NOSIGNAL) < 0)
    return jr_error (err, errno, "wait %s", j->name);
  struct jr_rep rep;
  int r = await_done (sock, &rep, j->relay, err);
  if (r == 0)
    *status = rep.status;
  /* The jail has ended: what it wrote last, then the terminal back. */
  jr_relay_end (jr_steal_ptr (&j->relay), JR_RELAY_DRAIN_MS);
  return r;
}

int
jail_stop (jail *j, double grace, jail_error **err)
{
  if (j == NULL || !(grace >= 0))
    return jr_error_msg (err, EINVAL, "stop: bad grace period");
  char *text cleanup_free = NULL;
  int r = jr_state_read (j->name, "state", &text, err);
  if (r < 0)
    return r;
  int sock cleanup_close = jr_state_connect (j->name, NULL);
  if (sock < 0)
    return 0; /* not running: nothing to stop */
  struct jr_req q = { .type = JR_REQ_STOP, .timeout = grace };
  if (send (sock, &q, sizeof q, MSG_NOSIGNAL) < 0)
    return jr_error (err, errno, "stop %s", j->name);
  struct jr_rep rep;
  while (recv (sock, &rep, sizeof rep, 0) < 0 && errno == EINTR)
    ;
  return 0;
}

int
jail_restart (jail *j, double grace, jail_error **err)
{
  if (j == NULL || !(grace >= 0))
    return jr_error_msg (err, EINVAL, "restart: bad grace period");
  int sock cleanup_close = jr_state_connect (j->name, NULL);
  if (sock < 0)
    return jr_error_msg (err, ESRCH, "restart %s: the jail has ended: start it again with 'jailrun run -d'", j->name);
  struct jr_req q = { .type = JR_REQ_RESTART, .timeout = grace };
  if (send (sock, &q, sizeof q, MSG_NOSIGNAL) < 0)
    return jr_error (err, errno, "restart %s", j->name);
  struct jr_rep rep;
  ssize_t n;
  while ((n = recv (sock, &rep, sizeof rep, 0)) < 0 && errno == EINTR)
    ;
  if (n != (ssize_t) sizeof rep)
    return jr_error_msg (err, EIO, "restart %s: the supervisor hung up", j->name);
  rep.msg[sizeof rep.msg - 1] = '\0';
  if (rep.status != 0)
    return jr_error_msg (err, rep.err_code ? rep.err_code : EIO, "%s", rep.msg);
  return 0;
}

int
jail_remove (const char *name, int force, jail_error **err)
{
  char *text cleanup_free = NULL;
  int r = jr_state_read (name, "state", &text, err);
  if (r < 0)
    return r;
  enum jr_jail_state st = jr_state_of (text);
  if ((st == JR_STATE_RUNNING || st == JR_STATE_STARTING) && !force)
    return jr_error_msg (err, EBUSY, "jail '%s' is %s: 'jailrun stop %s' first, or 'jailrun rm -f %s'",
                         name, jr_state_name (st), name, name);
  if (st == JR_STATE_RUNNING || st == JR_STATE_STARTING)
    {
      struct jail j = { .name = (char *) name, .tie_fd = -1 };
      r = jail_stop (&j, 0, err);
      if (r < 0)
        return r;
    }
  await_supervisor (text, 5); /* a live supervisor writes the state one last time */
  char *gone cleanup_free = NULL;
  if (jr_state_read (name, "state", &gone, NULL) == -ENOENT)
    return 0; /* --rm: its supervisor removed it */
  return jr_state_remove (name, err);
}

/* Copy what fd holds past *off to out. */
static int
copy_log (int fd, int out, off_t *off, jail_error **err)
{
  char buf[65536];
  ssize_t n;
  while ((n = pread (fd, buf, sizeof buf, *off)) > 0)
    {
      for (ssize_t w = 0, k; w < n; w += k)
        if ((k = write (out, buf + w, (size_t) (n - w))) < 0)
          return jr_error (err, errno, "logs: write");
      *off += n;
    }
  return n < 0 ? jr_error (err, errno, "logs: read") : 0;
}

/* Copy the rotated log (log.1) first, unless it is the file fd already
 * holds (a rotation between the two opens). */
static int
copy_rotated (const char *path, int fd, int out, jail_error **err)
{
  char *old cleanup_free = NULL;
  if (asprintf (&old, "%s.1", path) < 0)
    return jr_error (err, ENOMEM, "logs");
  int ofd cleanup_close = open (old, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  struct stat a, b;
  if (ofd < 0 || fstat (ofd, &a) < 0 || fstat (fd, &b) < 0 || (a.st_dev == b.st_dev && a.st_ino == b.st_ino))
    return 0;
  off_t off = 0;
  return copy_log (ofd, out, &off, err);
}

/* Following: the supervisor renamed the log to log.1 and began a new one
 * since fd was opened.  Finish fd, then continue with the new file. */
static int
follow_rotation (const char *path, int *fd, int out, off_t *off, jail_error **err)
{
  struct stat a, b;
  if (stat (path, &a) < 0 || fstat (*fd, &b) < 0 || (a.st_dev == b.st_dev && a.st_ino == b.st_ino))
    return 0;
  int r = copy_log (*fd, out, off, err);
  int nfd = r < 0 ? -1 : open (path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (nfd < 0)
    return r;
  close (*fd);
  *fd = nfd;
  *off = 0;
  return 0;
}

int
jail_logs (const char *name, int out, int follow, jail_error **err)
{
  char *path cleanup_free = NULL, *text cleanup_free = NULL;
  int r = jr_state_read (name, "state", &text, err);
  if (r == 0)
    r = jr_state_path (name, "log", &path, err);
  if (r < 0)
    return r;
  int fd cleanup_close = open (path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return jr_error (err, errno, "logs: %s", path);
  off_t off = 0;
  r = copy_rotated (path, fd, out, err);
  for (;;)
    {
      if (r == 0)
        r = copy_log (fd, out, &off, err);
      if (r == 0 && follow)
        r = follow_rotation (path, &fd, out, &off, err);
      if (r < 0 || !follow)
        return r;
      char *now cleanup_free = NULL;
      if (jr_state_read (name, "state", &now, NULL) < 0)
        return 0;
      enum jr_jail_state st = jr_state_of (now);
      if (st == JR_STATE_EXITED || st == JR_STATE_DEAD)
        return copy_log (fd, out, &off, err);
      struct timespec ts = { 0, 100 * 1000 * 1000 };
      nanosleep (&ts, NULL);
    }
}
