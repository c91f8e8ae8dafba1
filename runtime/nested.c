/* nested.c - a rootless jail on a named network: its user namespace is
 * made a child of the network holder's (runtime/network.c), so that the
 * netns helper, inside the holder's user namespace, has CAP_NET_ADMIN
 * over the jail's netns as well as over the network's.  An intermediate
 * process (a plain clone of the supervisor: what it changes is its own)
 * enters the holder's user namespace (setns needs CAP_SYS_ADMIN in it,
 * which its owner's uid has, and a single-threaded caller, which a fresh
 * clone is), clones the jail's init into its new namespaces as the
 * supervisor's child (CLONE_PARENT), waits for its HELLO (peeked, left for
 * the supervisor's handshake: the child is dumpable, so its /proc files
 * are the caller's, only from then on), writes its id maps from there (the
 * kernel takes them only from the parent user namespace: the jail's uid
 * and gid map to 0, which is the caller in the holder's), reports the pid
 * and exits.  The jail's creds have no capability in the holder's
 * namespace nor in a sibling jail's (a capability reaches only down).
 * Raw clone of a maybe-multithreaded process: no allocation in it. */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

/* What the intermediate reports. */
struct nested_report
{
  pid_t pid;
  bool into_cg;
  struct jail_error e;
};

struct nested_args
{
  const struct jr_nested *n;
  int report_w;
};

/* Write text to /proc/PID/FILE in one write. */
static int
write_map (pid_t pid, const char *file, const char *text, struct jail_error *e)
{
  char path[64];
  enum jr_procw_stage stage;
  int r = jr_proc_write (pid, file, text, path, &stage);
  return r < 0 ? jr_error_buf (e, -r, "userns: write %s '%.*s'", path, (int) strcspn (text, "\n"), text) : 0;
}

/* clone3 the jail as our parent's child (into the cgroup when possible);
 * the child closes the report pipe and runs fn. */
static pid_t
clone_jail (const struct nested_args *a, bool *into_cg)
{
  const struct jr_nested *n = a->n;
  struct clone_args c = { .flags = n->flags | CLONE_PARENT | (n->cgfd >= 0 ? CLONE_INTO_CGROUP : 0),
                          .exit_signal = 0,
                          .cgroup = (uint64_t) (n->cgfd >= 0 ? n->cgfd : 0) };
  pid_t pid = (pid_t) syscall (SYS_clone3, &c, sizeof c);
  if (pid < 0 && n->cgfd >= 0 && (errno == EINVAL || errno == E2BIG || errno == EOPNOTSUPP))
    {
      c.flags &= ~(uint64_t) CLONE_INTO_CGROUP;
      pid = (pid_t) syscall (SYS_clone3, &c, sizeof c);
    }
  else
    *into_cg = pid >= 0 && n->cgfd >= 0;
  if (pid < 0 && errno == ENOSYS)
    pid = (pid_t) syscall (SYS_clone, n->flags | CLONE_PARENT, NULL, NULL, NULL, 0);
  if (pid == 0)
    {
      close (a->report_w);
      _exit (n->fn (n->arg));
    }
  return pid;
}

/* Wait until the child said HELLO on the channel fd (peek: the message
 * stays for the supervisor); false when it died first.  Our copy of the
 * child's end goes first, or its death would not end the wait. */
static bool
hello (int fd, int child_end)
{
  char c;
  close (child_end);
  ssize_t n;
  do
    n = recv (fd, &c, 1, MSG_PEEK);
  while (n < 0 && errno == EINTR);
  return n > 0;
}

/* The intermediate: enter, clone, wait for HELLO, map, report. */
static int
intermediate (const struct nested_args *a)
{
  struct nested_report rep = { .pid = -1 };
  char map[64];
  if (setns (a->n->userns_fd, CLONE_NEWUSER) < 0)
    jr_error_buf (&rep.e, errno, "userns: join the network's user namespace");
  else if ((rep.pid = clone_jail (a, &rep.into_cg)) < 0)
    jr_error_buf (&rep.e, errno, "jail: clone inside the network's user namespace");
  else if (!hello (a->n->hello_fd, a->n->child_fd))
    jr_error_buf (&rep.e, EPIPE, "jail: child did not start");
  else if (write_map (rep.pid, "setgroups", "deny", &rep.e) == 0)
    {
      snprintf (map, sizeof map, "%u 0 1\n", (unsigned) a->n->uid);
      if (write_map (rep.pid, "uid_map", map, &rep.e) == 0)
        {
          snprintf (map, sizeof map, "%u 0 1\n", (unsigned) a->n->gid);
          write_map (rep.pid, "gid_map", map, &rep.e);
        }
    }
  if (rep.pid > 0 && rep.e.code)
    kill (rep.pid, SIGKILL); /* the supervisor reaps it */
  return write (a->report_w, &rep, sizeof rep) == (ssize_t) sizeof rep ? 0 : 1;
}

int
jr_nested_spawn (const struct jr_nested *n, pid_t *pid, int *pidfd, bool *into_cg, jail_error **err)
{
  int p[2];
  *pid = -1, *pidfd = -1;
  if (pipe2 (p, O_CLOEXEC) < 0)
    {
      close (n->child_fd);
      return jr_error (err, errno, "jail: pipe");
    }
  struct nested_args a = { .n = n, .report_w = p[1] };
  pid_t mid = (pid_t) syscall (SYS_clone, 0, NULL, NULL, NULL, 0); /* exit signal 0 */
  if (mid == 0)
    {
      close (p[0]);
      _exit (intermediate (&a));
    }
  int saved = errno;
  close (p[1]);
  close (n->child_fd); /* else a child dying before HELLO would never end the intermediate's wait */
  struct nested_report rep = { .pid = -1 };
  ssize_t got = mid > 0 ? read (p[0], &rep, sizeof rep) : -1;
  close (p[0]);
  siginfo_t si;
  while (mid > 0 && waitid (P_PID, (id_t) mid, &si, WEXITED | __WALL) < 0 && errno == EINTR)
    ;
  if (mid < 0 || got != (ssize_t) sizeof rep)
    return jr_error (err, mid < 0 ? saved : EPIPE, "jail: start the process that clones into the network's user namespace");
  *into_cg = rep.into_cg;
  if (rep.pid > 0 && (*pidfd = (int) syscall (SYS_pidfd_open, rep.pid, 0)) < 0) /* our unreaped child */
    {
      saved = errno;
      kill (rep.pid, SIGKILL);
      waitid (P_PID, (id_t) rep.pid, &si, WEXITED | __WALL);
      return jr_error (err, saved, "jail: pidfd_open");
    }
  *pid = rep.pid;
  if (rep.e.code)
    return jr_error_msg (err, rep.e.code, "%s", rep.e.msg);
  return 0;
}
