/* exec_user.c - `exec -u NAME[:GROUP]`: the names are looked up in the
 * running jail's own /etc/passwd and /etc/group, which the jail may have
 * rewritten (a symlink out, a FIFO, a huge file, a uid 0 line).  A
 * short-lived helper joins the jail's user and mount namespaces (opened
 * by the supervisor at the start handshake), so "/" is the jail's root,
 * and reads the files there with config_user.c's guards (RESOLVE_IN_ROOT,
 * O_NONBLOCK, regular files, bounded size).  The supervisor waits for
 * the answer at most JR_USER_WAIT_MS and kills a helper stuck on a file
 * (FUSE); jr_exec_user then accepts only the user the jail maps. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

#define JR_USER_WAIT_MS 5000

/* The helper's answer. */
struct user_answer
{
  int32_t code; /* 0, or the errno of msg */
  uint32_t uid, gid;
  char msg[JR_ERRMSG_MAX];
};

/* The helper: join the jail's user then mount namespace, resolve spec
 * under "/", send the answer on fd. */
static int
helper_main (const int *ns_fds, const char *spec, int fd)
{
  struct user_answer a = { 0 };
  jail_error *err = NULL;
  prctl (PR_SET_DUMPABLE, 0, 0, 0, 0); /* nothing in the jail may ptrace it */
  int r = setns (ns_fds[0], CLONE_NEWUSER) < 0 || setns (ns_fds[1], CLONE_NEWNS) < 0
              ? jr_error (&err, errno, "exec -u %s: join the jail's namespaces", spec)
              : 0;
  int root = r == 0 ? open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
  if (r == 0 && root < 0)
    r = jr_error (&err, errno, "exec -u %s: the jail's root", spec);
  if (r == 0)
    r = jr_user_resolve (root, "the jail's ", spec, &a.uid, &a.gid, &err);
  a.code = r < 0 ? (err ? err->code : -r) : 0;
  if (r < 0)
    snprintf (a.msg, sizeof a.msg, "%s", err ? err->msg : "exec -u: lookup failed");
  (void) !send (fd, &a, sizeof a, MSG_NOSIGNAL);
  return 0;
}

int
jr_user_resolve_jail (const int *ns_fds, const char *spec, unsigned *uid, unsigned *gid, jail_error **err)
{
  int sv[2];
  if (ns_fds == NULL || ns_fds[0] < 0 || ns_fds[1] < 0)
    return jr_error_msg (err, ESRCH, "exec -u %s: the jail's namespaces are not open", spec);
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return jr_error (err, errno, "exec -u: socketpair");
  /* fork, not a bare clone: the helper allocates, and fork leaves
   * malloc usable even when another thread (the proxy's resolvers)
   * held its lock. */
  pid_t pid = fork ();
  if (pid == 0)
    _exit (helper_main (ns_fds, spec, sv[1]));
  int saved = errno;
  close (sv[1]);

  struct user_answer a;
  struct pollfd p = { .fd = sv[0], .events = POLLIN };
  ssize_t n = -1;
  if (pid > 0 && poll (&p, 1, JR_USER_WAIT_MS) == 1)
    n = recv (sv[0], &a, sizeof a, MSG_DONTWAIT);
  close (sv[0]);
  if (pid < 0)
    return jr_error (err, saved, "exec -u: clone");
  kill (pid, SIGKILL); /* a helper stuck reading a file of the jail */
  siginfo_t si;
  waitid (P_PID, (id_t) pid, &si, WEXITED | __WALL);

  if (n != (ssize_t) sizeof a)
    return jr_error_msg (err, ETIMEDOUT, "exec -u %s: no answer from the jail's /etc/passwd within %d ms", spec,
                         JR_USER_WAIT_MS);
  a.msg[sizeof a.msg - 1] = '\0';
  if (a.code != 0)
    return jr_error_msg (err, a.code, "%s", a.msg);
  *uid = a.uid;
  *gid = a.gid;
  return 0;
}

int
jr_exec_user (const struct jail_config *cfg, const int *ns_fds, const char *spec, jail_error **err)
{
  unsigned uid, gid;
  int r = jr_user_resolve_jail (ns_fds, spec, &uid, &gid, err);
  if (r == 0 && (uid != cfg->uid || gid != cfg->gid))
    r = jr_error_msg (err, EPERM, "exec -u %s: is %u:%u in the jail's /etc/passwd, outside this jail's map (only %u:%u; choose -u when the jail is started)",
                      spec, uid, gid, cfg->uid, cfg->gid);
  return r;
}
