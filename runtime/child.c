/* child.c - everything between clone and execve: the jail's pid 1 builds
 * the jail (ids, hostname, loopback, mounts), clones the command
 * (vfork-style: it shares init's memory until its execve), then
 * stays as a tiny init that reaps orphans, forwards signals and exits with
 * the command's status.  The command process drops every capability, sets
 * no_new_privs, closes inherited fds and loads seccomp last.  No malloc
 * here: the caller may be multithreaded and we are a raw clone. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

#include "mounts.h"
#include "process.h"
#include "relay.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };

void
jr_msg_send (int fd, int type, const struct jail_error *e)
{
  struct jr_msg m = { .type = type };
  if (e)
    {
      m.code = e->code;
      memcpy (m.text, e->msg, sizeof m.text);
    }
  (void) !send (fd, &m, sizeof m, MSG_NOSIGNAL);
}

/* Mark every fd above 2 close-on-exec (sync fd included: it closes at a
 * successful execve and stays usable to report a failed one). */
static int
cloexec_all (struct jail_error *e)
{
  if (syscall (SYS_close_range, 3u, ~0u, CLOSE_RANGE_CLOEXEC) == 0)
    return 0;
  if (errno != ENOSYS && errno != EINVAL)
    return jr_error_buf (e, errno, "close_range");
  for (int fd = 3; fd < 65536; fd++)
    fcntl (fd, F_SETFD, FD_CLOEXEC);
  return 0;
}

/* chdir into the workdir, resolved inside the new root, and check the
 * result really is inside it (runc CVE-2024-21626). */
static int
enter_workdir (const char *dir, struct jail_error *e)
{
  int root = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return jr_error_buf (e, errno, "workdir: open /");
  int fd = jr_resolve (root, dir, O_DIRECTORY, e);
  close (root);
  if (fd < 0)
    return jr_error_buf_wrap (e, "workdir (-w names a directory inside the jail; create it in the rootfs, or mount a volume or --tmpfs there)");
  int r = fchdir (fd);
  close (fd);
  char cwd[PATH_MAX];
  if (r < 0 || getcwd (cwd, sizeof cwd) == NULL || cwd[0] != '/')
    return jr_error_buf (e, r < 0 ? errno : EPERM, "workdir %s: not inside the jail root", dir);
  return 0;
}

/* Value of KEY in a KEY=VAL vector, or NULL. */
static const char *
env_get (char *const *env, const char *key)
{
  size_t n = strlen (key);
  for (; env && *env; env++)
    if (strncmp (*env, key, n) == 0 && (*env)[n] == '=')
      return *env + n + 1;
  return NULL;
}

/* execve argv[0], searched in the jail's PATH like a shell; returns the
 * shell's status for a failure: 126 found but not runnable, 127 not found. */
static int
exec_command (char *const argv[], char *const env[], struct jail_error *e)
{
  if (strchr (argv[0], '/'))
    {
      execve (argv[0], argv, env);
      jr_error_buf (e, errno, "exec %s", argv[0]);
      return e->code == ENOENT ? 127 : 126;
    }
  const char *path = env_get (env, "PATH");
  int seen_eacces = 0;
  for (const char *p = path ? path : JR_DEFAULT_PATH; *p;)
    {
      size_t n = strcspn (p, ":");
      char full[PATH_MAX];
      if (n > 0 && (size_t) snprintf (full, sizeof full, "%.*s/%s", (int) n, p, argv[0]) < sizeof full)
        {
          execve (full, argv, env);
          if (errno == EACCES || errno == ENOEXEC)
            seen_eacces = errno;
        }
      p += n + (p[n] == ':');
    }
  jr_error_buf (e, seen_eacces ? seen_eacces : ENOENT, "exec %s", argv[0]);
  return seen_eacces ? 126 : 127;
}

/* Every signal back to its default action: the caller may ignore SIGCHLD
 * (init could not reap) or SIGPIPE (the command would inherit it).  Raw
 * rt_sigaction, as glibc's wrapper is not for a raw clone child. */
void
jr_signals_reset (void)
{
  struct
  {
    void *handler;
    unsigned long flags;
    void *restorer;
    uint64_t mask;
  } dfl = { 0 };
  for (int sig = 1; sig <= 64; sig++)
    if (sig != SIGKILL && sig != SIGSTOP)
      syscall (SYS_rt_sigaction, sig, &dfl, NULL, sizeof dfl.mask);
}

/* The command process: final privilege drop, then execve.  Shared by the
 * jail's first process and every exec'd one, so both carry exactly the
 * same policy. */
int
jr_command_exec (const struct jr_command *c)
{
  struct jail_error e = { 0 };
  sigset_t none;
  sigemptyset (&none);
  /* Dispositions were reset once by whoever clones this process (init at
   * its start, the exec zygote at its start, the exec helper), and none
   * is installed after: 62 syscalls fewer per start and per exec. */
  sigprocmask (SIG_SETMASK, &none, NULL);
  int r = setsid () < 0 ? jr_error_buf (&e, errno, "setsid") : 0;
  if (r == 0 && c->tty)
    r = jr_pty_child (&e);
  if (r == 0)
    r = enter_workdir (c->workdir, &e);
  if (r == 0)
    r = jr_caps_apply (c->caps, c->bounded, &e);
  if (r == 0 && prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    r = jr_error_buf (&e, errno, "no_new_privs");
  if (r == 0)
    r = cloexec_all (&e);
  if (r == 0)
    r = jr_seccomp_load (c->bpf, &e);
  if (r < 0)
    {
      jr_msg_send (c->msg_fd, JR_MSG_SETUP_ERR, &e);
      return 125;
    }
  int status = exec_command (c->argv, c->env, &e);
  jr_msg_send (c->msg_fd, JR_MSG_EXEC_ERR, &e);
  return status;
}

/* The jail's first command process: its stdio (what the supervisor
 * chose: the caller's own fds, relay pipes, a pty channel) on 0-2. */
static int
command_main (struct jr_child *c)
{
  struct jail_error e = { 0 };
  int hi[3];
  for (int i = 0; i < 3; i++)
    if ((hi[i] = fcntl (c->stdio[i], F_DUPFD_CLOEXEC, 3)) < 0)
      {
        jr_error_buf (&e, errno, "stdio");
        jr_msg_send (c->sync_fd, JR_MSG_SETUP_ERR, &e);
        return 125;
      }
  for (int i = 0; i < 3; i++)
    {
      dup3 (hi[i], i, 0);
      close (hi[i]);
    }
  struct jr_command cmd = { .argv = c->argv, .env = c->cfg->env, .workdir = c->cfg->workdir, .caps = c->cfg->caps, .bpf = c->bpf, .msg_fd = c->sync_fd, .tty = c->tty };
  return jr_command_exec (&cmd);
}

/* Shell status of a wait status: code, or 128+N for signal N. */
static int
shell_status (int ws)
{
  if (WIFEXITED (ws))
    return WEXITSTATUS (ws);
  if (WIFSIGNALED (ws))
    return 128 + WTERMSIG (ws);
  return 125;
}

/* The name init shows in the jail (comm and /proc/1/cmdline). */
#define JR_INIT_NAME "jailrun-init"

/* Fields 48-51 of /proc/self/stat: where the kernel reads our cmdline and
 * environ from.  0 when they cannot be read. */
static int
read_mm_areas (unsigned long long a[4])
{
  char buf[2048];
  int fd = open ("/proc/self/stat", O_RDONLY | O_CLOEXEC);
  ssize_t n = fd < 0 ? -1 : read (fd, buf, sizeof buf - 1);
  if (fd >= 0)
    close (fd);
  if (n <= 0)
    return -1;
  buf[n] = '\0';
  char *p = strrchr (buf, ')');                 /* comm may hold spaces and parentheses */
  for (int field = 2; p && field < 48; field++) /* to the space before field 48 */
    p = strchr (p + 1, ' ');
  for (int i = 0; p && i < 4; i++)
    a[i] = strtoull (p + 1, &p, 10);
  return p && a[0] && a[1] > a[0] && a[3] >= a[2] ? 0 : -1;
}

/* init, the exec zygote and the exec helpers are clones of the caller:
 * their /proc/PID/cmdline would show the host command line (paths, the
 * allowlist) to the whole jail, and their memory keeps the host
 * environment.  Overwrite both areas in place (our copy-on-write copy of
 * them) with name.  The last byte of the argument area stays non-zero:
 * the kernel then reports the string up to the first NUL (the
 * setproctitle convention), so the cmdline reads exactly name.  Reads
 * /proc/self: call it before joining the jail's mount namespace. */
void
jr_hide_cmdline (const char *name)
{
  unsigned long long a[4];
  prctl (PR_SET_NAME, name, 0, 0, 0);
  if (read_mm_areas (a) < 0)
    return;
  char *arg = (char *) (uintptr_t) a[0];
  size_t len = (size_t) (a[1] - a[0]);
  memset (arg, 0, len);
  if (len >= 2)
    {
      size_t n = strlen (name) < len - 2 ? strlen (name) : len - 2;
      memcpy (arg, name, n);
      arg[len - 1] = ' ';
    }
  memset ((char *) (uintptr_t) a[2], 0, (size_t) (a[3] - a[2]));
}

/* pid 1: reap everything, forward signals to the command, and return the
 * command's status when it ends (the kernel then kills the rest). */
static int
init_loop (pid_t cmd, const sigset_t *set)
{
  for (;;)
    {
      siginfo_t si;
      int sig = sigwaitinfo (set, &si);
      if (sig < 0)
        continue;
      if (sig != SIGCHLD)
        {
          kill (cmd, sig);
          continue;
        }
      int ws;
      pid_t p;
      while ((p = waitpid (-1, &ws, WNOHANG)) > 0)
        if (p == cmd)
          return shell_status (ws);
      if (p < 0 && errno == ECHILD)
        return 125; /* cannot happen with SIGCHLD at SIG_DFL; never spin */
    }
}

/* Die with the supervisor: PDEATHSIG, then check on the pipe (not with
 * getppid, which is 0 in a new pid namespace) that it is still there. */
static int
arm_death_signal (struct jr_child *c, struct jail_error *e)
{
  if (prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
    return jr_error_buf (e, errno, "pdeathsig");
  struct pollfd pfd = { .fd = c->death_fd, .events = POLLIN };
  if (poll (&pfd, 1, 0) != 0)
    return jr_error_buf (e, ESRCH, "supervisor exited");
  return 0;
}

/* Wait until the supervisor says the id maps are written. */
static int
await_go (struct jr_child *c, struct jail_error *e)
{
  if (arm_death_signal (c, e) < 0)
    return -1;
  /* Dumpable while the supervisor writes our maps, then never again. */
  prctl (PR_SET_DUMPABLE, 1, 0, 0, 0);
  jr_msg_send (c->sync_fd, JR_MSG_HELLO, NULL);
  struct jr_msg m;
  ssize_t n = recv (c->sync_fd, &m, sizeof m, 0);
  prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  if (n != (ssize_t) sizeof m || m.type != JR_MSG_GO)
    return jr_error_buf (e, EPIPE, "waiting for id maps");
  return 0;
}

/* Wait until the supervisor says the network is built (the helper built
 * it while we built the mounts). */
static int
await_net (struct jr_child *c, struct jail_error *e)
{
  struct jr_msg m;
  ssize_t n;
  do
    n = recv (c->sync_fd, &m, sizeof m, 0);
  while (n < 0 && errno == EINTR);
  if (n != (ssize_t) sizeof m || m.type != JR_MSG_NET)
    return jr_error_buf (e, EPIPE, "waiting for the network");
  return 0;
}

/* Build the jail: ids, hostname, loopback, mounts; then wait for the
 * network. */
static int
build_jail (struct jr_child *c, struct jail_error *e)
{
  /* Host paths are opened with the caller's host ids (a root caller can
   * reach a rootfs under /root), then the ids change. */
  struct jr_trees trees;
  int r = jr_mounts_open (c->cfg, &trees, e);
  if (r == 0)
    r = jr_userns_become (c->cfg, e);
  /* A change of euid clears PDEATHSIG (as root the host uid changes). */
  if (r == 0)
    r = arm_death_signal (c, e);
  if (r == 0 && sethostname (c->cfg->hostname, strlen (c->cfg->hostname)) < 0)
    r = jr_error_buf (e, errno, "uts: sethostname %s", c->cfg->hostname);
  if (r == 0)
    r = jr_net_loopback_up (e);
  if (r == 0) /* every TCP peer of a jail is on this host: no pacing */
    jr_net_local_tcp ();
  if (r == 0)
    r = jr_mounts_setup (c->cfg, &trees, e);
  jr_trees_close (&trees);
  if (r == 0 && c->cfg->net_mode != JAIL_NET_NONE)
    r = await_net (c, e);
  return r;
}

/* The stack the command runs on between its vfork-style clone and
 * execve. */
#define COMMAND_STACK (256 * 1024)

/* Copy argv into buf (size bytes: pointers, then strings); NULL when it
 * does not fit. */
static char **
copy_argv (char *const argv[], char *buf, size_t size)
{
  size_t n = 0;
  while (argv[n])
    n++;
  char **v = (char **) (void *) buf;
  char *p = buf + (n + 1) * sizeof *v, *end = buf + size;
  for (size_t i = 0; i < n; i++)
    {
      size_t len = strlen (argv[i]) + 1;
      if (p > end || (size_t) (end - p) < len)
        return NULL;
      v[i] = memcpy (p, argv[i], len);
      p += len;
    }
  v[n] = NULL;
  return v;
}

/* Bytes copy_argv needs for argv. */
static size_t
argv_bytes (char *const argv[])
{
  size_t n = sizeof (char *);
  for (size_t i = 0; argv[i]; i++)
    n += sizeof (char *) + strlen (argv[i]) + 1;
  return n;
}

/* The command's clone body (its own stack, init's memory). */
static int
command_entry (void *arg)
{
  return command_main (arg);
}

/* Hide init's cmdline, then make the command: a vfork-style clone that
 * shares init's memory until its execve (no page table copied, no
 * copy-on-write fault in either process; init sleeps meanwhile), or a raw
 * fork where that clone is not available.  The command's argv lives in
 * the argument area that jr_hide_cmdline wipes: it is copied out first
 * (mmap: no malloc here).  The command exists only after the hiding, so
 * the jail's code never sees the host's cmdline in /proc/1. */
static pid_t
spawn_command (struct jr_child *c, struct jail_error *e)
{
  size_t need = argv_bytes (c->argv), size = COMMAND_STACK + need;
  char *m = mmap (NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (m == MAP_FAILED)
    return jr_error_buf (e, errno, "init: command stack"), -1;
  char **argv = copy_argv (c->argv, m + COMMAND_STACK, need);
  if (argv == NULL) /* cannot happen: need is its size */
    {
      munmap (m, size);
      return jr_error_buf (e, E2BIG, "init: command arguments"), -1;
    }
  c->argv = argv;
  jr_hide_cmdline (JR_INIT_NAME);
  long pid = jr_clone_vm (0, SIGCHLD, -1, m, COMMAND_STACK, command_entry, c);
  if (pid == -ENOSYS)
    {
      /* A raw fork: glibc's fork() runs atfork handlers and takes malloc
       * locks that another thread of the caller may have held at clone. */
      pid = syscall (SYS_clone, SIGCHLD, NULL, NULL, NULL, 0);
      if (pid == 0)
        _exit (command_main (c));
      pid = pid < 0 ? -errno : pid;
    }
  int saved = (int) -pid;
  munmap (m, size); /* the command has exec'd (or ended): its own memory now */
  if (pid < 0)
    return jr_error_buf (e, saved, "init: fork"), -1;
  return (pid_t) pid;
}

int
jr_child_main (struct jr_child *c)
{
  struct jail_error e = { 0 };
  close (c->parent_fds[0]);
  close (c->parent_fds[1]);
  jr_signals_reset ();
  int r = await_go (c, &e);
  if (r == 0)
    r = build_jail (c, &e);
  sigset_t set;
  sigemptyset (&set);
  sigaddset (&set, SIGCHLD);
  for (size_t i = 0; i < sizeof forwarded / sizeof *forwarded; i++)
    sigaddset (&set, forwarded[i]);
  if (r == 0)
    sigprocmask (SIG_BLOCK, &set, NULL);
  pid_t cmd = r == 0 ? spawn_command (c, &e) : -1;
  if (r < 0 || cmd < 0)
    {
      jr_msg_send (c->sync_fd, JR_MSG_SETUP_ERR, &e);
      return 125;
    }
  /* init keeps no host fd (not even the caller's stdio) and no
   * privilege. */
  syscall (SYS_close_range, 0u, ~0u, 0u);
  jr_caps_apply (0, false, &e);
  prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  return init_loop (cmd, &set);
}
