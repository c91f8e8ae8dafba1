/* zygote.c - the jail's exec zygote: a child of the supervisor that has
 * joined every namespace of the jail once, at start, and then clones one
 * process per exec request (as the supervisor's child, CLONE_PARENT),
 * which saves a fork and seven setns per exec.  The clone is vfork-style
 * (jr_exec_vclone: shared memory, own stack, the zygote waits until the
 * new process has called execve), so no page table is copied per exec.
 * It stays in the host pid
 * namespace (nothing in the jail can see or signal it), is non-dumpable,
 * holds no fd but the supervisor's stdio and its control socket, and
 * dies with the supervisor.  Its bounding set is the jail's (dropped
 * once at start), so its clones skip that drop.  Requests carry argv, the environment and the
 * workdir already decided by the supervisor, plus four or five fds: the
 * client's stdin/stdout/stderr, the new process's message socket and,
 * when the exec has its own, the cgroup to clone it into. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fdpass.h"
#include "lifecycle.h"

/* The stack the exec'd process runs on between its vfork-style clone and
 * execve (jr_exec_vclone); one at a time, reused. */
#define ZYGOTE_STACK (256 * 1024)

/* Append the NUL-terminated strings of v to f; returns how many. */
static uint32_t
put_strv (FILE *f, char *const *v)
{
  uint32_t n = 0;
  for (; v && v[n]; n++)
    fwrite (v[n], strlen (v[n]) + 1, 1, f);
  return n;
}

/* Request: u32 argc, u32 envc, u32 tty, then argv, env and workdir strings. */
static char *
pack (char *const *argv, char *const *env, const char *wd, bool tty, size_t *len)
{
  char *buf = NULL;
  FILE *f = open_memstream (&buf, len);
  if (f == NULL)
    return NULL;
  uint32_t hdr[3] = { 0, 0, tty };
  fwrite (hdr, sizeof hdr, 1, f);
  hdr[0] = put_strv (f, argv);
  hdr[1] = put_strv (f, env);
  fwrite (wd, strlen (wd) + 1, 1, f);
  if (fclose (f) != 0)
    {
      free (buf);
      return NULL;
    }
  memcpy (buf, hdr, sizeof hdr);
  return buf;
}

/* Split n strings starting at *p (bounded by end) into a new vector. */
static char **
take_strv (char **p, char *end, uint32_t n)
{
  char **v = n < 65536 ? calloc (n + 1, sizeof *v) : NULL;
  for (uint32_t i = 0; v && i < n; i++)
    {
      char *z = *p < end ? memchr (*p, '\0', (size_t) (end - *p)) : NULL;
      if (z == NULL)
        {
          free (v);
          return NULL;
        }
      v[i] = *p;
      *p = z + 1;
    }
  return v;
}

/* Serve one request read into buf; fds[5] are closed afterwards.  The
 * process goes into the cgroup fds[4], else the jail's (when cg). */
static void
serve_one (const struct jr_exec_spec *base, bool cg, char *buf, size_t n, const int fds[5], void *stack)
{
  struct jail_error e = { 0 };
  struct jr_msg m = { .type = JR_MSG_PID };
  uint32_t hdr[3];
  memcpy (hdr, buf, sizeof hdr);
  char *p = buf + sizeof hdr, *end = buf + n;
  char **argv = take_strv (&p, end, hdr[0]), **env = argv ? take_strv (&p, end, hdr[1]) : NULL;
  char *wd = env && p < end && memchr (p, '\0', (size_t) (end - p)) ? p : NULL;
  struct jr_exec_spec x = *base;
  x.argv = argv;
  x.env = env;
  x.workdir = wd;
  x.tty = hdr[2] != 0;
  x.bounded = true; /* jr_zygote_start dropped the rest of the bounding set */
  pid_t pid = wd && argv[0] ? jr_exec_vclone (&x, fds[4] >= 0 ? fds[4] : cg ? JR_FD_CG
                                                                            : -1,
                                              fds, 4, stack, ZYGOTE_STACK)
                            : (errno = EINVAL, -1);
  if (pid < 0)
    {
      jr_error_buf (&e, errno, "exec: clone into the jail");
      jr_msg_send (JR_FD_MSG, JR_MSG_SETUP_ERR, &e);
    }
  else
    {
      m.code = pid;
      (void) !send (JR_FD_MSG, &m, sizeof m, MSG_NOSIGNAL);
    }
  free (argv);
  free (env);
}

/* The zygote's loop on its control socket (fd 3); exits at EOF. */
static void __attribute__ ((noreturn))
zygote_loop (const struct jr_exec_spec *base, bool cg)
{
  char *buf = malloc (JR_PROTO_MAX);
  void *stack = mmap (NULL, ZYGOTE_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED)
    stack = NULL;
  for (;;)
    {
      int fds[5];
      size_t nfds = 0;
      ssize_t n = buf ? jr_recv_fd (JR_FD_MSG, buf, JR_PROTO_MAX, fds, 5, &nfds, 0) : 0;
      if (n == -EINTR)
        continue;
      if (n == 0 || (n < 0 && n != -EMSGSIZE))
        _exit (0);
      if ((nfds == 4 || nfds == 5) && n >= 12)
        serve_one (base, cg, buf, (size_t) n, fds, stack);
      else
        {
          struct jail_error e = { 0 };
          jr_error_buf (&e, EINVAL, "exec: malformed zygote request");
          jr_msg_send (JR_FD_MSG, JR_MSG_SETUP_ERR, &e);
        }
      for (int i = 0; i < 5; i++)
        if (fds[i] >= 0)
          close (fds[i]);
    }
}

int
jr_zygote_start (const struct jr_exec_spec *base, pid_t *zpid, jail_error **err)
{
  int zs[2];
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, zs) < 0)
    return jr_error (err, errno, "exec zygote: socketpair");
  pid_t pid = (pid_t) syscall (SYS_clone, 0, NULL, NULL, NULL, 0);
  if (pid == 0)
    {
      struct jail_error e = { 0 };
      prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
      jr_hide_cmdline ("jailrun-exec"); /* its clones are in the jail's pid namespace */
      jr_signals_reset ();
      int n = jr_exec_join (base, zs[1], &e);
      /* The bounding set once, here, for every process cloned from now
       * on: 41 prctl fewer per exec.  A zygote that cannot is not used
       * (the supervisor then starts a helper per exec). */
      if (n < 0 || jr_caps_bound (base->cfg->caps, &e) < 0)
        _exit (125);
      zygote_loop (base, n > JR_FD_CG);
    }
  int saved = errno;
  close (zs[1]);
  if (pid < 0)
    {
      close (zs[0]);
      return jr_error (err, saved, "exec zygote: clone");
    }
  *zpid = pid;
  return zs[0];
}

int
jr_zygote_spawn (int zfd, char *const *argv, char *const *env, const char *wd, const int fds[3],
                 bool tty, int cgfd, pid_t *pid, int *msg_fd, jail_error **err)
{
  size_t len = 0;
  char *buf cleanup_free = pack (argv, env, wd, tty, &len);
  int sv[2];
  if (buf == NULL || len > JR_PROTO_MAX)
    return jr_error_msg (err, E2BIG, "exec: request too large");
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return jr_error (err, errno, "exec: socketpair");
  int pass[5] = { fds[0], fds[1], fds[2], sv[1], cgfd };
  size_t npass = cgfd >= 0 ? 5 : 4;
  ssize_t n = jr_send_fd (zfd, buf, len, pass, npass, 0);
  close (sv[1]);
  struct jr_msg m;
  struct pollfd p = { .fd = zfd, .events = POLLIN };
  if (n >= 0)
    n = poll (&p, 1, 10000) == 1 ? recv (zfd, &m, sizeof m, MSG_DONTWAIT) : -1;
  if (n == (ssize_t) sizeof m && m.type == JR_MSG_PID && m.code > 0)
    {
      *pid = m.code;
      *msg_fd = sv[0];
      return 0;
    }
  close (sv[0]);
  if (n == (ssize_t) sizeof m && m.type == JR_MSG_SETUP_ERR)
    {
      m.text[sizeof m.text - 1] = '\0';
      return jr_error_msg (err, m.code ? m.code : EIO, "%s", m.text);
    }
  return jr_error_msg (err, EPIPE, "exec: the zygote did not answer");
}
