/* oci_exec.c - `exec`: a new process in a running container.  The
 * policy comes from state written by create (the container's bounding
 * set, the engine's seccomp profile, jailrun's floor); process.json can
 * only narrow it.  A middle process joins every namespace of the init in
 * one setns(pidfd) and clones the process as the caller's child (the
 * caller itself never enters the container): with --detach the middle
 * process and so the process are siblings of the caller (CLONE_PARENT, so
 * the engine's monitor reaps them), else the caller waits for the
 * process and returns its status, forwarding the signals it blocked.
 * The process gets a session of its own (no terminal of the caller's).
 * The command is looked up first, so a missing one fails exec with the
 * words engines map to 127. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <linux/sched.h>
#include <sched.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "oci.h"
#include "process.h"
#include "state.h"

#define NS_ALL (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET \
                | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP)

struct exec_run
{
  struct jr_oci_state st;
  struct jr_oci_spec spec;
  struct jr_bpf floor, profile;
  int pidfd, piddir, sv[2], console_fd;
  int cgfd; /* the container's cgroup, -1: none */
  void *sd; /* rootless in a systemd scope: the manager moves the process in (it waits for that) */
  const char *scope;
  char *pid_base;
};

/* The process to run: process.json, or the bundle's process with new
 * args; then clipped to the container's bounding set. */
static int
load_process (const struct jr_oci_exec_opts *o, struct exec_run *x, jail_error **err)
{
  struct jr_oci_spec *s = &x->spec;
  int r;
  if (o->process)
    {
      memset (s, 0, sizeof *s);
      s->umask = -1;
      r = jr_oci_process_load (o->process, s, err);
    }
  else if (o->args == NULL || o->args[0] == NULL)
    return jr_error_msg (err, EINVAL, "exec: give --process FILE or a command");
  else if ((r = jr_oci_spec_load (x->st.bundle, JR_OCI_CG_DISABLED, s, err)) == 0)
    {
      for (size_t i = 0; s->args[i]; i++)
        free (s->args[i]);
      free (s->args);
      size_t n = 0;
      while (o->args[n])
        n++;
      s->args = calloc (n + 1, sizeof *s->args);
      for (size_t i = 0; s->args && i < n; i++)
        s->args[i] = strdup (o->args[i]);
      if (s->args == NULL)
        r = jr_error (err, ENOMEM, "exec");
    }
  uint64_t bnd = x->st.cap_bnd;
  s->cap_bnd &= bnd, s->cap_eff &= bnd, s->cap_prm &= bnd, s->cap_inh &= bnd, s->cap_amb &= bnd;
  return r;
}

/* Seccomp programs (from create's state) and the pid file's directory,
 * opened before the namespaces change. */
static int
prepare (const struct jr_oci_ctx *c, const char *id, const struct jr_oci_exec_opts *o, struct exec_run *x, jail_error **err)
{
  int r = jr_seccomp_compile ("default", &x->floor, err);
  if (r == 0 && faccessat (x->st.dirfd, "seccomp.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
    {
      char path[4200];
      snprintf (path, sizeof path, "%s/%s/seccomp.json", c->root, id);
      r = jr_seccomp_compile (path, &x->profile, err);
    }
  if (r == 0 && o->pid_file)
    {
      char *d = strdup (o->pid_file), *b = strdup (o->pid_file);
      if (d && b)
        x->piddir = open (dirname (d), O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (d && b && x->piddir >= 0)
        x->pid_base = strdup (basename (b));
      r = x->pid_base ? 0 : jr_error (err, errno ? errno : ENOMEM, "--pid-file %s", o->pid_file);
      free (d);
      free (b);
    }
  if (r == 0 && socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, x->sv) < 0)
    r = jr_error (err, errno, "exec: socketpair");
  return r;
}

/* setns through the init's pidfd.  The kernel asks for ptrace access to
 * the init, which it refuses while the init is not dumpable: from its
 * start until its command's execve (an exec right after start).  EPERM
 * is retried for up to 5 s, while the init lives. */
static int
join_init (int pidfd, int types)
{
  for (int i = 0; i < 500; i++)
    {
      if (setns (pidfd, types) == 0)
        return 0;
      if (errno != EPERM || syscall (SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0)
        break;
      struct timespec ts = { .tv_nsec = 10 * 1000 * 1000 };
      nanosleep (&ts, NULL);
      errno = EPERM;
    }
  return -1;
}

/* The new process: look the command up, limits, then the common end. */
static int
child (struct exec_run *x)
{
  struct jail_error e = { 0 };
  char cmd[PATH_MAX], go;
  if (x->sd && recv (x->sv[1], &go, 1, 0) != 1)
    return 126; /* not moved into the scope: exec gave up */
  close (x->sv[0]);
  /* The caller's blocked signals (forwarded by jailrun-oci) are not the
   * command's; a session of its own (runc's setsid): a terminal of the
   * caller's is out of its reach (/dev/tty).  With a console, the pty
   * becomes its controlling terminal instead (console_setup). */
  sigset_t none;
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  if (x->console_fd < 0 && setsid () < 0)
    {
      jr_error_buf (&e, errno, "setsid");
      jr_msg_send (x->sv[1], JR_MSG_SETUP_ERR, &e);
      return 126;
    }
  /* The cgroup namespace last: CLONE_INTO_CGROUP must see both ends. */
  if (join_init (x->pidfd, CLONE_NEWCGROUP) < 0)
    {
      jr_error_buf (&e, errno, "join the container's cgroup namespace");
      jr_msg_send (x->sv[1], JR_MSG_SETUP_ERR, &e);
      return 126;
    }
  /* Container root first (setns kept the host ids): what it makes,
   * the pty included, belongs to the container. */
  int r = jr_oci_apply_oom (&x->spec, &e);
  if (r == 0 && syscall (SYS_setgroups, 0, NULL) < 0 && errno != EPERM)
    r = jr_error_buf (&e, errno, "setgroups");
  if (r == 0 && (syscall (SYS_setresgid, 0, 0, 0) < 0 || syscall (SYS_setresuid, 0, 0, 0) < 0))
    r = jr_error_buf (&e, errno, "container root (uid/gid 0)");
  if (r == 0 && x->console_fd >= 0)
    r = jr_oci_console_setup (x->console_fd, x->spec.uid, &e);
  if (r == 0)
    r = jr_oci_find_command (&x->spec, cmd, sizeof cmd, &e);
  if (r == 0)
    r = jr_oci_apply_limits (&x->spec, &e);
  if (r < 0)
    {
      jr_msg_send (x->sv[1], JR_MSG_SETUP_ERR, &e);
      return e.code == ENOENT ? 127 : 126;
    }
  return jr_oci_exec_process (&x->spec, cmd, &x->floor, &x->profile, NULL, x->sv[1]);
}

/* The middle process: it joins the container's namespaces (the caller
 * never does: a library caller, or jailrun-oci's error report, would be
 * left inside the container's mount namespace, where every path is the
 * container's), clones the process as the caller's child (CLONE_PARENT),
 * tells the caller its pid and exits. */
static int
middle (struct exec_run *x)
{
  struct jail_error e = { 0 };
  close (x->sv[0]);
  if (join_init (x->pidfd, NS_ALL & ~CLONE_NEWCGROUP) < 0)
    {
      jr_error_buf (&e, errno, "join the container's namespaces");
      jr_msg_send (x->sv[1], JR_MSG_SETUP_ERR, &e);
      return 126;
    }
  struct clone_args a = { .flags = CLONE_PARENT };
  if (x->cgfd >= 0)
    a.flags |= CLONE_INTO_CGROUP, a.cgroup = (uint64_t) x->cgfd;
  pid_t pid = (pid_t) syscall (SYS_clone3, &a, sizeof a);
  if (pid == 0)
    _exit (child (x));
  if (pid < 0)
    {
      jr_error_buf (&e, errno, "clone3");
      jr_msg_send (x->sv[1], JR_MSG_SETUP_ERR, &e);
      return 126;
    }
  struct jr_msg m = { .type = JR_OCI_MSG_EXEC_PID, .code = (int) pid };
  return send (x->sv[1], &m, sizeof m, MSG_NOSIGNAL) == (ssize_t) sizeof m ? 0 : 126;
}

/* With --systemd-cgroup the process waits until systemd moved it into
 * the container's scope: attach it as soon as its pid is known, then
 * let it go (waiting for EOF first would deadlock: the process holds
 * its end until it execs); on failure it reads EOF and exits 126. */
static int
start_in_scope (struct exec_run *x, pid_t pid, jail_error **err)
{
  int r = jr_sd_attach (x->sd, x->scope, pid, err);
  if (r == 0 && send (x->sv[0], "g", 1, MSG_NOSIGNAL) != 1)
    r = jr_error (err, errno, "exec: start the process");
  if (r < 0)
    shutdown (x->sv[0], SHUT_WR); /* the process reads EOF and gives up */
  return r;
}

/* Clone the middle process (with --detach a sibling, CLONE_PARENT, so
 * the engine's monitor is the process's parent too), then read the
 * process's pid and errors until every end of the channel is closed:
 * the middle process exited and the command exec'd. */
static int
spawn (struct exec_run *x, bool detach, pid_t *pid, jail_error **err)
{
  struct clone_args a = { .flags = detach ? CLONE_PARENT : 0, .exit_signal = detach ? 0 : SIGCHLD };
  fflush (NULL);
  pid_t mid = (pid_t) syscall (SYS_clone3, &a, sizeof a);
  if (mid == 0)
    _exit (middle (x));
  int saved = errno, r = 0;
  close (x->sv[1]);
  x->sv[1] = -1;
  if (mid < 0)
    return jr_error (err, saved, "exec: clone3");
  struct jr_msg m;
  ssize_t n;
  while ((n = recv (x->sv[0], &m, sizeof m, 0)) != 0)
    if (n == (ssize_t) sizeof m && m.type == JR_OCI_MSG_EXEC_PID)
      {
        *pid = (pid_t) m.code;
        r = r == 0 && x->sd ? start_in_scope (x, *pid, err) : r;
      }
    else if (n == (ssize_t) sizeof m && r == 0)
      {
        m.text[sizeof m.text - 1] = '\0';
        r = jr_error_msg (err, m.code ? m.code : EINVAL, "exec: %s", m.text);
      }
    else if (n < 0 && errno != EINTR)
      break;
  while (!detach && waitpid (mid, NULL, 0) < 0 && errno == EINTR)
    ;
  return r; /* EOF: the command exec'd (or failed, said above) */
}

/* Wait for the exec'd process, passing it the signals the caller blocked
 * for forwarding (it has a session of its own: a Ctrl-C of the terminal
 * reaches jailrun-oci only).  Its wait status in *ws. */
static int
wait_forwarding (pid_t pid, int *ws)
{
  int pfd cleanup_close = (int) syscall (SYS_pidfd_open, pid, 0);
  int sfd cleanup_close = pfd >= 0 ? jr_forward_sigfd () : -1;
  struct pollfd p[2] = { { .fd = pfd, .events = POLLIN }, { .fd = sfd, .events = POLLIN } };
  while (pfd >= 0 && sfd >= 0 && !(p[0].revents & POLLIN))
    {
      struct signalfd_siginfo si;
      if (poll (p, 2, -1) < 0 && errno != EINTR)
        break;
      if ((p[1].revents & POLLIN) && read (sfd, &si, sizeof si) == (ssize_t) sizeof si)
        syscall (SYS_pidfd_send_signal, pfd, (int) si.ssi_signo, NULL, 0);
    }
  pid_t r;
  while ((r = waitpid (pid, ws, 0)) < 0 && errno == EINTR)
    ;
  return r == pid ? 0 : -1;
}

static void
release (struct exec_run *x)
{
  int *fds[] = { &x->pidfd, &x->piddir, &x->sv[0], &x->sv[1], &x->console_fd, &x->cgfd };
  for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
    if (*fds[i] >= 0)
      close (*fds[i]), *fds[i] = -1;
  free (x->pid_base);
  if (x->sd)
    jr_sd_close (x->sd);
  jr_bpf_release (&x->floor);
  jr_bpf_release (&x->profile);
  jr_oci_spec_free (&x->spec);
  jr_oci_state_free (&x->st);
}

int
jr_oci_exec (const struct jr_oci_ctx *c, const char *id, const struct jr_oci_exec_opts *o, int *status, jail_error **err)
{
  struct exec_run x = { .pidfd = -1, .piddir = -1, .sv = { -1, -1 }, .console_fd = -1, .cgfd = -1 };
  *status = 0;
  int r = jr_oci_state_load (c, id, &x.st, err);
  if (r == 0 && x.st.status != JR_OCI_RUNNING)
    r = jr_error_msg (err, EINVAL, "container %s is %s: exec needs a running container", id, jr_oci_status_name (x.st.status));
  if (r == 0)
    r = load_process (o, &x, err);
  x.spec.preserve_fds = o->preserve_fds;
  if (r == 0 && x.spec.terminal && o->console_socket == NULL)
    r = jr_error_msg (err, EINVAL, "exec: a terminal needs --console-socket");
  if (r == 0 && x.spec.terminal && (x.console_fd = jr_oci_console_connect (o->console_socket, err)) < 0)
    r = x.console_fd;
  if (r == 0)
    r = prepare (c, id, o, &x, err);
  if (r == 0 && ((x.pidfd = (int) syscall (SYS_pidfd_open, x.st.pid, 0)) < 0 || jr_pid_starttime (x.st.pid) != x.st.starttime))
    r = jr_error_msg (err, ESRCH, "container %s is stopped", id);
  /* Rootless, a user manager's scope is not below the caller's cgroup:
   * CLONE_INTO_CGROUP is refused there, the manager moves the process
   * (connected now: the namespaces change in spawn). */
  if (r == 0 && x.st.scope && geteuid () != 0 && (r = jr_oci_sd_connect (&x.sd, err)) == 0)
    x.scope = x.st.scope;
  else if (r == 0 && x.st.cgroup && (x.cgfd = open (x.st.cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
    r = jr_error (err, errno, "container %s: cgroup %s", id, x.st.cgroup);
  pid_t pid = -1;
  if (r == 0)
    r = spawn (&x, o->detach, &pid, err);
  char text[32];
  snprintf (text, sizeof text, "%d", (int) pid);
  if (r == 0 && x.pid_base)
    r = jr_oci_write_atomic (x.piddir, x.pid_base, text, 0644, err);
  if (r < 0 && pid > 0)
    kill (pid, SIGKILL);
  int ws;
  if (pid > 0 && !o->detach && wait_forwarding (pid, &ws) == 0 && r == 0)
    *status = WIFEXITED (ws) ? WEXITSTATUS (ws) : 128 + WTERMSIG (ws);
  release (&x);
  return r;
}
