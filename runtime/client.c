/* client.c - the public calls on long-running jails: start one (its
 * supervisor is forked, detached or tied to the handle), open one by
 * name, exec into it, stop and remove it, read its log.  All of them talk
 * to the supervisor over its socket or read the state it wrote. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lifecycle.h"

/* A new handle for name (copied). */
static int
new_handle (const char *name, int tie_fd, jail **out, jail_error **err)
{
  struct jail *j = calloc (1, sizeof *j);
  if (j == NULL || (j->name = strdup (name)) == NULL)
    {
      free (j);
      return jr_error (err, ENOMEM, "jail");
    }
  j->tie_fd = tie_fd;
  j->sup_pidfd = -1;
  *out = j;
  return 0;
}

/* Read the supervisor's start report; 0 when the jail is up.  The relay
 * is pumped meanwhile (with a pty, the first process waits for it). */
static int
await_ready (int fd, const char *name, struct jr_relay *relay, pid_t *sup, jail_error **err)
{
  struct jr_rep r;
  ssize_t n;
  do
    n = jr_relay_wait (relay, fd, -1) < 0 ? -1 : read (fd, &r, sizeof r);
  while (n < 0 && errno == EINTR);
  if (n != (ssize_t) sizeof r)
    return jr_error_msg (err, EIO, "jail %s: the supervisor ended while starting (see 'jailrun logs %s')", name, name);
  *sup = r.pid;
  if (r.status == 0)
    return 0;
  r.msg[sizeof r.msg - 1] = '\0';
  return jr_error_msg (err, r.err_code ? r.err_code : EIO, "%s", r.msg);
}

/* Fork the supervisor: setsid and a second fork so that it is nobody's
 * child and has no terminal.  Returns the read end of its ready pipe.
 * stdio: the first process's 0-2 when attached, else NULL. */
static int
fork_supervisor (jail_config *cfg, const char *name, char *const argv[], int tie_r, const int *stdio, unsigned flags,
                 jail_error **err)
{
  int rp[2];
  if (pipe2 (rp, O_CLOEXEC) < 0)
    return jr_error (err, errno, "jail: pipe");
  pid_t pid = fork ();
  if (pid == 0)
    {
      setsid ();
      if (fork () != 0)
        _exit (0);
      jr_supervisor_main (cfg, name, argv, rp[1], tie_r, stdio, flags);
    }
  int saved = errno;
  close (rp[1]);
  if (pid < 0)
    {
      close (rp[0]);
      return jr_error (err, saved, "jail: fork");
    }
  while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
    ;
  return rp[0];
}

int
jail_start (jail_config *cfg, const char *name, char *const argv[], unsigned flags, jail **out, jail_error **err)
{
  char gen[32];
  if (cfg == NULL || out == NULL || argv == NULL || argv[0] == NULL || argv[0][0] == '\0')
    return jr_error_msg (err, EINVAL, "start: no command given");
  if (cfg->rootfs == NULL)
    return jr_error_msg (err, EINVAL, "start: no rootfs set");
  /* Before any fd is opened: a closed 0, 1 or 2 would be filled by the
   * tie or ready pipe, and an attached jail would get it as stdio. */
  int r = jr_stdio_ensure (err);
  bool attach = flags & JAIL_START_ATTACH;
  if (r == 0 && attach)
    r = jr_stdio_check ((const int[3]) { 0, 1, 2 }, err);
  if (r == 0 && cfg->restart_policy && !(flags & JAIL_START_DETACH))
    r = jr_error_msg (err, EINVAL, "start: a restart policy needs a detached jail (-d): its supervisor restarts it");
  if (r == 0 && cfg->tty && !attach)
    r = jr_error_msg (err, EINVAL, "start: a terminal (-t, -i) needs the jail attached to the caller (not -d): "
                                   "start it detached, then 'jailrun exec -it NAME sh'");
  /* The caller's terminal is relayed (pumped by jail_wait), never handed over. */
  int given[3];
  struct jr_relay *relay = NULL;
  if (r == 0 && attach)
    r = jr_relay_new ((const int[3]) { 0, 1, 2 }, cfg->tty, given, &relay, err);
  if (r < 0)
    return r;
  if (name == NULL)
    {
      unsigned v = 0;
      if (getrandom (&v, sizeof v, 0) != (ssize_t) sizeof v)
        v = (unsigned) getpid () ^ (unsigned) time (NULL);
      snprintf (gen, sizeof gen, "jail-%08x", v);
      name = gen;
    }
  r = jr_state_reserve (name, err);
  if (r < 0)
    {
      jr_relay_end (relay, 0);
      return r;
    }
  int tie[2] = { -1, -1 };
  if (!(flags & JAIL_START_DETACH) && pipe2 (tie, O_CLOEXEC) < 0)
    r = jr_error (err, errno, "jail: pipe");
  int ready = r == 0 ? fork_supervisor (cfg, name, argv, tie[0], attach ? given : NULL, flags, err) : r;
  jr_relay_handed (relay);
  if (tie[0] >= 0)
    close (tie[0]);
  pid_t sup = 0;
  r = ready < 0 ? ready : await_ready (ready, name, relay, &sup, err);
  if (ready >= 0)
    close (ready);
  if (r == 0)
    r = new_handle (name, tie[1], out, err);
  if (r == 0)
    (*out)->relay = jr_steal_ptr (&relay);
  jr_relay_end (relay, 0);
  /* A tied supervisor lives until the tie closes: its pid is still its. */
  if (r == 0 && tie[1] >= 0 && sup > 0)
    (*out)->sup_pidfd = (int) syscall (SYS_pidfd_open, sup, 0);
  if (r < 0)
    {
      if (tie[1] >= 0)
        close (tie[1]);
      jr_state_remove (name, NULL);
    }
  return r;
}

int
jail_open (const char *name, jail **out, jail_error **err)
{
  /* Only that it exists: every exec opens a handle first. */
  int r = jr_state_exists (name, "state", err);
  return r < 0 ? r : new_handle (name, -1, out, err);
}

const char *
jail_name (const jail *j)
{
  return j ? j->name : NULL;
}

void
jail_close (jail *j)
{
  if (j == NULL)
    return;
  jr_relay_end (j->relay, 0);
  if (j->tie_fd >= 0)
    close (j->tie_fd);
  /* The supervisor then stops the jail, removes its state and exits:
   * wait for that so that the name is free when we return (bounded). */
  if (j->sup_pidfd >= 0)
    {
      struct pollfd p = { .fd = j->sup_pidfd, .events = POLLIN };
      for (int i = 0; i < 300 && poll (&p, 1, 100) <= 0; i++)
        ;
      close (j->sup_pidfd);
    }
  free (j->name);
  free (j);
}
