/* exec.c - one more process in a running jail, started by the jail's
 * supervisor.  A short-lived helper (never visible inside the jail: it
 * stays in the host pid namespace) drops every host fd but the client's
 * stdio, joins all the namespaces of the jail's init (opened by the
 * supervisor during the start handshake, the one moment the init is
 * dumpable; the user namespace first, so the others are allowed), then
 * clones the new process as the supervisor's own child (CLONE_PARENT)
 * into the jail's pid namespace and cgroup.  That process becomes the
 * jail user and ends in jr_command_exec, the very path of the jail's
 * first process: same caps, no_new_privs, fds, seccomp program.  Both
 * stay non-dumpable until execve, so nothing in the jail can ptrace them.
 * No allocation after the first clone. */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lifecycle.h"

static const char *const ns_names[JR_NS_COUNT] = { "user", "mnt", "pid", "net", "ipc", "uts", "cgroup" };

int
jr_ns_open (pid_t pid, int *fds, jail_error **err)
{
  for (int i = 0; i < JR_NS_COUNT; i++)
    {
      char path[64];
      snprintf (path, sizeof path, "/proc/%d/ns/%s", (int) pid, ns_names[i]);
      if ((fds[i] = open (path, O_RDONLY | O_CLOEXEC)) < 0)
        {
          int e = errno;
          jr_ns_close (fds);
          return jr_error (err, e, "exec: open %s", path);
        }
    }
  return 0;
}

void
jr_ns_close (int *fds)
{
  for (int i = 0; i < JR_NS_COUNT; i++)
    if (fds[i] >= 0)
      {
        close (fds[i]);
        fds[i] = -1;
      }
}

int
jr_fds_arrange (const int *src, int n)
{
  int hi[16];
  if (n > 16)
    return -EINVAL;
  for (int i = 0; i < n; i++)
    if ((hi[i] = fcntl (src[i], F_DUPFD_CLOEXEC, n)) < 0)
      return -errno;
  for (int i = 0; i < n; i++)
    if (dup3 (hi[i], i, i < 3 ? 0 : O_CLOEXEC) < 0)
      return -errno;
  if (syscall (SYS_close_range, (unsigned) n, ~0u, 0u) < 0)
    for (int fd = n; fd < 65536; fd++)
      close (fd);
  return 0;
}

#define FD_MSG JR_FD_MSG
#define FD_NS JR_FD_NS
#define FD_CG JR_FD_CG
#define FD_CGNS (JR_FD_NS + JR_NS_COUNT - 1) /* the jail's cgroup namespace */

/* The new process, already in every namespace of the jail: fds 0-2 are
 * the client's, 3 the message socket. */
int
jr_exec_child (const struct jr_exec_spec *x)
{
  struct jail_error e = { 0 };
  int r = prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 ? jr_error_buf (&e, errno, "exec: pdeathsig") : 0;
  if (r == 0)
    r = jr_userns_become (x->cfg, &e);
  /* A change of euid clears PDEATHSIG (as root the host uid changes). */
  if (r == 0 && prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
    r = jr_error_buf (&e, errno, "exec: pdeathsig");
  if (r < 0)
    {
      jr_msg_send (FD_MSG, JR_MSG_SETUP_ERR, &e);
      return 125;
    }
  struct jr_command cmd = { .argv = x->argv, .env = x->env, .workdir = x->workdir, .caps = x->cfg->caps, .bpf = x->bpf, .msg_fd = 3, .tty = x->tty, .bounded = x->bounded };
  return jr_command_exec (&cmd);
}

int
jr_exec_join (const struct jr_exec_spec *x, int msg, struct jail_error *e)
{
  prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  int src[FD_CG + 1] = { x->fds[0], x->fds[1], x->fds[2], msg };
  for (int i = 0; i < JR_NS_COUNT; i++)
    src[FD_NS + i] = x->ns_fds[i];
  src[FD_CG] = x->cgroup_fd;
  int n = x->cgroup_fd >= 0 ? FD_CG + 1 : FD_CG;
  int r = jr_fds_arrange (src, n);
  if (r < 0)
    return jr_error_buf (e, -r, "exec: arrange fds");
  /* The user namespace first: it grants what joining the others needs.
   * Not the cgroup namespace (last): with nsdelegate (systemd mounts
   * cgroup2 so) clone3 CLONE_INTO_CGROUP refuses (ENOENT) a caller whose
   * own cgroup is outside its cgroup namespace, as ours is; each cloned
   * process joins it itself (FD_CGNS stays open, close-on-exec). */
  for (int i = 0; i < JR_NS_COUNT - 1; i++)
    {
      if (setns (FD_NS + i, 0) < 0)
        return jr_error_buf (e, errno, "exec: join the jail's %s namespace", ns_names[i]);
      close (FD_NS + i);
    }
  return n;
}

int
jr_exec_clone (const struct jr_exec_spec *x, int cgfd, const int *fds, int nfds)
{
  struct clone_args a = { .flags = CLONE_PARENT, .exit_signal = 0 };
  if (cgfd >= 0)
    {
      a.flags |= CLONE_INTO_CGROUP;
      a.cgroup = (uint64_t) cgfd;
    }
  pid_t pid = (pid_t) syscall (SYS_clone3, &a, sizeof a);
  if (pid < 0 && errno == ENOSYS && cgfd < 0)
    pid = (pid_t) syscall (SYS_clone, CLONE_PARENT, NULL, NULL, NULL, 0);
  if (pid == 0)
    {
      if (setns (FD_CGNS, CLONE_NEWCGROUP) < 0)
        {
          struct jail_error e = { 0 };
          jr_error_buf (&e, errno, "exec: join the jail's cgroup namespace");
          jr_msg_send (fds ? fds[3] : FD_MSG, JR_MSG_SETUP_ERR, &e);
          _exit (125);
        }
      if (fds && jr_fds_arrange (fds, nfds) < 0)
        _exit (125);
      if (!fds && cgfd >= 0)
        close (cgfd);
      _exit (jr_exec_child (x));
    }
  return pid;
}

/* The body of a clone, called on its own stack by clone3_vm. */
struct clone_body
{
  const struct jr_exec_spec *x;
  const int *fds;
  int nfds;
};

static int
clone_body_main (void *arg)
{
  const struct clone_body *b = arg;
  if (setns (FD_CGNS, CLONE_NEWCGROUP) < 0) /* as in jr_exec_clone */
    {
      struct jail_error e = { 0 };
      jr_error_buf (&e, errno, "exec: join the jail's cgroup namespace");
      jr_msg_send (b->fds[3], JR_MSG_SETUP_ERR, &e);
      _exit (125);
    }
  if (jr_fds_arrange (b->fds, b->nfds) < 0)
    _exit (125);
  _exit (jr_exec_child (b->x));
}

int
jr_exec_vclone (const struct jr_exec_spec *x, int cgfd, const int *fds, int nfds, void *stack, size_t size)
{
  struct clone_body b = { .x = x, .fds = fds, .nfds = nfds };
  long pid = jr_clone_vm (CLONE_PARENT, 0, cgfd, stack, size, clone_body_main, &b);
  if (pid >= 0)
    return (int) pid;
  if (pid != -ENOSYS)
    {
      errno = (int) -pid;
      return -1;
    }
  return jr_exec_clone (x, cgfd, fds, nfds);
}

/* The helper: arrange fds, join the jail, clone the process, report its
 * pid on the message socket and exit. */
static int
helper_main (const struct jr_exec_spec *x, int msg)
{
  struct jail_error e = { 0 };
  jr_hide_cmdline ("jailrun-exec"); /* its clone is in the jail's pid namespace */
  jr_signals_reset ();
  int n = jr_exec_join (x, msg, &e);
  pid_t pid = n < 0 ? -1 : jr_exec_clone (x, n > FD_CG ? FD_CG : -1, NULL, 0);
  if (n >= 0 && pid < 0)
    jr_error_buf (&e, errno, "exec: clone into the jail");
  if (pid < 0)
    {
      jr_msg_send (n < 0 ? msg : FD_MSG, JR_MSG_SETUP_ERR, &e);
      return 125;
    }
  struct jr_msg m = { .type = JR_MSG_PID, .code = pid };
  (void) !send (FD_MSG, &m, sizeof m, MSG_NOSIGNAL);
  return 0;
}

/* Read the helper's answer: the pid, or the error that stopped it. */
static int
read_pid (int fd, pid_t helper, pid_t *pid, jail_error **err)
{
  struct jr_msg m;
  struct pollfd p = { .fd = fd, .events = POLLIN };
  ssize_t n = -1;
  if (poll (&p, 1, 10000) == 1)
    n = recv (fd, &m, sizeof m, MSG_DONTWAIT);
  siginfo_t si;
  waitid (P_PID, (id_t) helper, &si, WEXITED | __WALL);
  if (n == (ssize_t) sizeof m && m.type == JR_MSG_PID && m.code > 0)
    {
      *pid = m.code;
      return 0;
    }
  if (n == (ssize_t) sizeof m && m.type == JR_MSG_SETUP_ERR)
    {
      m.text[sizeof m.text - 1] = '\0';
      return jr_error_msg (err, m.code ? m.code : EIO, "%s", m.text);
    }
  return jr_error_msg (err, EIO, "exec: the helper process ended without starting the command");
}

int
jr_exec_spawn (const struct jr_exec_spec *x, pid_t *pid, int *msg_fd, jail_error **err)
{
  int sv[2];
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return jr_error (err, errno, "exec: socketpair");
  /* flags 0: no exit signal, nothing for a SIGCHLD handler to see. */
  pid_t helper = (pid_t) syscall (SYS_clone, 0, NULL, NULL, NULL, 0);
  if (helper == 0)
    _exit (helper_main (x, sv[1]));
  int saved = errno;
  close (sv[1]);
  if (helper < 0)
    {
      close (sv[0]);
      return jr_error (err, saved, "exec: clone");
    }
  int r = read_pid (sv[0], helper, pid, err);
  if (r < 0)
    {
      close (sv[0]);
      return r;
    }
  *msg_fd = sv[0];
  return 0;
}
