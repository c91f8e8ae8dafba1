/* helper.c - the netns helper: a process the supervisor clones once it
 * has let the jail's init go on to its mounts.  It joins the jail's user
 * and network namespaces through fds the supervisor opened while the
 * init was still dumpable (setns needs CAP_SYS_ADMIN over the target
 * userns, which the supervisor's uid has as that userns' owner, and a
 * caller alone in its thread group and fs_struct, which a fresh clone
 * is), reports that, builds the private network there (its outer netns
 * is a new netns owned by the jail's userns, so the helper has
 * CAP_NET_ADMIN over both ends of the veth), reports again, then serves
 * requests: "a TCP socket in the jail's netns" (for the forwarder, a
 * batch at a time: a socket keeps the namespace it was created in) and "a
 * listener in the bridge netns" (for the proxy), passed back with
 * SCM_RIGHTS.  It dies with the supervisor (PDEATHSIG, EOF).  Raw clone
 * of a maybe-multithreaded process: no allocation in the child.
 *
 * The helper is not a copy of the supervisor: it is cloned with CLONE_VM
 * on a stack of its own (jr_clone_shared), so no page table is copied
 * and neither process takes copy-on-write faults afterwards (on a VM with
 * shadow paging those faults were most of what the default network added
 * to a start, docs/perf-profile.md).  The kernel lets a process that
 * shares its memory but not its thread group or fs_struct join a user
 * namespace (userns_install, on every kernel with CLONE_CLEAR_SIGHAND,
 * 5.5+, which this clone needs; much older ones refused any shared mm).
 * Its signal handlers are reset (CLONE_CLEAR_SIGHAND: no handler of an
 * embedder runs in it).  It runs on the cloning thread's thread pointer,
 * so the two share that thread's errno; the protocol keeps them apart:
 * from the clone on, the cloning thread only waits on the helper's
 * socket until the network is built, and later it waits for the answer
 * to each request while the helper makes it.  Where the kernel or the
 * CPU cannot (no such clone3, not x86-64) the helper is a fork. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/sched.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fdpass.h"
#include "clone_vm.h"
#include "netns_internal.h"

/* The helper's stack (its deepest path, a netlink batch and its reply,
 * uses about 30 KiB; the rest is never touched). */
#define HELPER_STACK (256 * 1024)

enum
{
  OP_LISTEN = 2,
  OP_SOCKETS
};

struct hreq
{
  int op;
  int family;
  int count; /* OP_SOCKETS: how many, at most JR_HELPER_BATCH */
};

struct hctx
{
  int sock, jailns, brns;
  const struct jr_netplan *plan;
};

/* Send err and (when err == 0) n fds over the helper socket. */
static void
reply_fds (int sock, int err, const int *fds, int n)
{
  (void) jr_send_fd (sock, &err, sizeof err, fds, err == 0 && n > 0 ? (size_t) n : 0, 0);
}

/* Up to count TCP sockets of family in the jail's netns; their number,
 * or -errno when not even one could be made. */
static int
make_sockets (int family, int count, int *fds)
{
  int n = 0;
  if (family != AF_INET && family != AF_INET6)
    return -EINVAL;
  if (count < 1 || count > JR_HELPER_BATCH)
    return -EINVAL;
  for (; n < count; n++)
    {
      if ((fds[n] = socket (family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
        break;
      /* the forwarder's hop to the jail's loopback: no pacing there */
      setsockopt (fds[n], IPPROTO_TCP, TCP_CONGESTION, JR_LOCAL_CC, sizeof JR_LOCAL_CC - 1);
    }
  return n > 0 ? n : -errno;
}

/* A listener on the jail's own loopback (a named network: the bridge
 * netns is shared by every jail on it, and one jail must not reach
 * another's proxy).  IP_FREEBIND: lo may not be up yet. */
static int
make_loopback_listener (struct hctx *h)
{
  int one = 1, fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons (h->plan->proxy_port), .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  if (fd >= 0)
    setsockopt (fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof one);
  int r = fd < 0 || bind (fd, (struct sockaddr *) &a, sizeof a) < 0 || listen (fd, 128) < 0 ? -errno : fd;
  if (r < 0 && fd >= 0)
    close (fd);
  return r;
}

/* A listener on the bridge address in the bridge netns. */
static int
make_listener (struct hctx *h)
{
  if (h->plan->network_fd >= 0)
    return make_loopback_listener (h);
  if (setns (h->brns, CLONE_NEWNET) < 0)
    return -errno;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons (h->plan->proxy_port), .sin_addr.s_addr = htonl (h->plan->bridge_addr) };
  int r = fd < 0 || bind (fd, (struct sockaddr *) &a, sizeof a) < 0 || listen (fd, 128) < 0 ? -errno : fd;
  if (r < 0 && fd >= 0)
    close (fd);
  if (setns (h->jailns, CLONE_NEWNET) < 0)
    _exit (1);
  return r;
}

/* Answer requests until the supervisor goes away. */
static int
serve (struct hctx *h)
{
  struct hreq q;
  for (;;)
    {
      ssize_t n = recv (h->sock, &q, sizeof q, 0);
      if (n < 0 && errno == EINTR)
        continue;
      if (n != (ssize_t) sizeof q)
        return 0;
      int fds[JR_HELPER_BATCH], nfd = -EINVAL;
      if (q.op == OP_SOCKETS)
        nfd = make_sockets (q.family, q.count, fds);
      else if (q.op == OP_LISTEN && h->brns >= 0)
        nfd = (fds[0] = make_listener (h)) < 0 ? fds[0] : 1;
      reply_fds (h->sock, nfd < 0 ? -nfd : 0, fds, nfd);
      for (int i = 0; i < nfd; i++)
        close (fds[i]);
    }
}

/* A named network: from the jail's netns (join), enter the network's and
 * put a veth across.  As root the helper stays in the initial user
 * namespace, whose CAP_NET_ADMIN covers both netns; rootless it entered
 * the holder's user namespace first (join), which owns the network's
 * netns and is the parent of the jail's (runtime/nested.c), so its
 * capabilities there cover both. */
static int
build_named (struct hctx *h, struct jail_error *e)
{
  if (setns (h->plan->network_fd, CLONE_NEWNET) < 0)
    return jr_error_buf (e, errno, "netns: join the network's namespace");
  h->brns = h->plan->network_fd;
  int r = jr_bridge_network_join (h->plan, h->jailns, e);
  char ifname[8] = "eth0";
  for (int i = 0; r == 0 && i < h->plan->n_extra; i++) /* eth1, eth2, ...: one veth per further network */
    {
      const struct jr_netjoin *x = &h->plan->extra[i];
      ifname[3] = (char) ('1' + i);
      if (setns (x->fd, CLONE_NEWNET) < 0)
        r = jr_error_buf (e, errno, "netns: join the namespace of network %d", i + 2);
      else
        r = jr_bridge_network_join_if (x->veth, ifname, x->jail_addr, h->jailns, e);
    }
  if (r == 0 && setns (h->jailns, CLONE_NEWNET) < 0)
    r = jr_error_buf (e, errno, "netns: re-enter the jail's netns");
  if (r == 0)
    r = jr_bridge_jail_side (h->plan, e);
  for (int i = 0; r == 0 && i < h->plan->n_extra; i++)
    {
      ifname[3] = (char) ('1' + i);
      r = jr_bridge_jail_if (ifname, h->plan->extra[i].jail_addr, h->plan->extra[i].prefix, e);
    }
  return r;
}

/* The private network: a fresh netns (owned by the jail's userns) for
 * the veth's outer end, the pair made from the jail's side. */
static int
build_private (struct hctx *h, struct jail_error *e)
{
  int jail_nl = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (jail_nl < 0)
    return jr_error_buf (e, errno, "netns: netlink socket");
  int r = unshare (CLONE_NEWNET) < 0 ? jr_error_buf (e, errno, "netns: create the private netns") : 0;
  if (r == 0 && (h->brns = open ("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) < 0)
    r = jr_error_buf (e, errno, "netns: open the private netns");
  if (r == 0)
    r = jr_bridge_private (h->plan, jail_nl, h->brns, e);
  close (jail_nl);
  if (r == 0 && setns (h->jailns, CLONE_NEWNET) < 0)
    r = jr_error_buf (e, errno, "netns: re-enter the jail's netns");
  return r;
}

/* Join the jail's namespaces through the fds the supervisor opened
 * while the jail's init was dumpable: its netns (and, for a private
 * network, its userns, whose owner the supervisor's uid is: userns >= 0;
 * rootless on a named network, the holder's userns first: the jail's is
 * its child; a netns the jail joined by path belongs to another userns:
 * the netns only).  netns stays open as h->jailns. */
static int
join (struct hctx *h, int userns, int netns, struct jail_error *e)
{
  if (h->plan->network_fd >= 0 && h->plan->network_userns_fd >= 0 && setns (h->plan->network_userns_fd, CLONE_NEWUSER) < 0)
    return jr_error_buf (e, errno, "netns: join the network's user namespace");
  if (userns >= 0 && setns (userns, CLONE_NEWUSER) < 0)
    return jr_error_buf (e, errno, "netns: join the jail's user namespace");
  if (setns (netns, CLONE_NEWNET) < 0)
    return jr_error_buf (e, errno, "netns: join the jail's network namespace");
  h->jailns = netns;
  return 0;
}

/* Build the network, if the plan has one. */
static int
build (struct hctx *h, struct jail_error *e)
{
  if (h->plan->network_fd >= 0)
    return build_named (h, e);
  return h->plan->bridge ? build_private (h, e) : 0;
}

/* Body of the helper process: two reports (joined, built), then serve. */
static int
helper_main (const struct jr_helper_args *a)
{
  int sock = a->sock, userns = a->userns, netns = a->netns;
  const struct jr_netplan *plan = a->plan;
  struct jail_error e = { 0 };
  prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (getppid () != a->parent)
    return 1;
  /* Keep only the channel, the jail's namespaces and the named
   * networks' netns (and, rootless, their user namespace). */
  int keep[5 + JR_NETWORKS_MAX] = { sock, netns }, nk = 2;
  if (userns >= 0)
    keep[nk++] = userns;
  if (plan->network_fd >= 0)
    keep[nk++] = plan->network_fd;
  if (plan->network_userns_fd >= 0)
    keep[nk++] = plan->network_userns_fd;
  for (int i = 0; i < plan->n_extra; i++)
    keep[nk++] = plan->extra[i].fd;
  for (int i = 1; i < nk; i++)
    for (int j = i; j > 0 && keep[j] < keep[j - 1]; j--)
      {
        int t = keep[j];
        keep[j] = keep[j - 1];
        keep[j - 1] = t;
      }
  unsigned from = 3;
  for (int i = 0; i < nk; i++)
    {
      if ((unsigned) keep[i] > from)
        syscall (SYS_close_range, from, (unsigned) keep[i] - 1, 0u);
      from = (unsigned) keep[i] + 1;
    }
  syscall (SYS_close_range, from, ~0u, 0u);
  struct hctx h = { .sock = sock, .jailns = -1, .brns = -1, .plan = plan };
  int r = join (&h, userns, netns, &e);
  if (userns >= 0)
    close (userns);
  /* Like init and supervisor: nothing may ptrace or read this process.
   * Sharing the caller's memory it shares its dumpable flag too (the
   * CLI's and a detached supervisor's is off; an embedder's stays its
   * own: nothing in the jail can name the helper, outside the jail's pid
   * namespace, and its uid owns the jail's user namespace anyway). */
  if (!a->shared)
    prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  (void) !send (h.sock, &e, sizeof e, MSG_NOSIGNAL);
  if (r < 0)
    return 1;
  r = build (&h, &e);
  (void) !send (h.sock, &e, sizeof e, MSG_NOSIGNAL);
  return r < 0 ? 1 : serve (&h);
}

/* One report of the helper (joined, built) into err. */
static int
report (struct jr_helper *h, const char *when, jail_error **err)
{
  struct jail_error e = { 0 };
  ssize_t n;
  do
    n = recv (h->sock, &e, sizeof e, 0);
  while (n < 0 && errno == EINTR);
  if (n != (ssize_t) sizeof e)
    return jr_error (err, n < 0 ? errno : EPIPE, "netns: helper died %s", when);
  if (e.code)
    return jr_error_msg (err, e.code, "%s", e.msg);
  return 0;
}

/* The body of the shared-memory clone. */
static int
helper_entry (void *arg)
{
  struct jr_helper_args s = *(const struct jr_helper_args *) arg;
  return helper_main (&s);
}

/* Clone the helper: CLONE_VM on a stack of its own when the kernel and
 * the CPU allow it (h->stack set), a fork otherwise.  The pid or -errno. */
static pid_t
helper_clone (struct jr_helper *h, struct jr_helper_args *s)
{
  void *stk = mmap (NULL, HELPER_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
  if (stk != MAP_FAILED)
    {
      s->shared = true;
      long pid = jr_clone_shared (CLONE_CLEAR_SIGHAND, &h->pidfd, stk, HELPER_STACK, helper_entry, s);
      if (pid > 0)
        {
          h->stack = stk;
          return (pid_t) pid;
        }
      munmap (stk, HELPER_STACK);
      if (pid != -ENOSYS && pid != -EINVAL)
        return (pid_t) pid;
    }

  s->shared = false;
  struct clone_args a = { .flags = CLONE_PIDFD, .pidfd = (uint64_t) (uintptr_t) &h->pidfd, .exit_signal = 0 };
  pid_t pid = (pid_t) syscall (SYS_clone3, &a, sizeof a);
  if (pid < 0 && errno == ENOSYS)
    pid = (pid_t) syscall (SYS_clone, CLONE_PIDFD, NULL, &h->pidfd, NULL, 0);
  if (pid == 0) /* helper_main closes the supervisor's end with the rest */
    _exit (helper_main (s));
  return pid < 0 ? -errno : pid;
}

int
jr_helper_start (struct jr_helper *h, int userns, int netns, const struct jr_netplan *plan, jail_error **err)
{
  int sv[2];
  h->pid = -1, h->pidfd = -1, h->sock = -1, h->stack = NULL;
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return jr_error (err, errno, "netns: helper socketpair");
  h->args = (struct jr_helper_args) { .sock = sv[1], .userns = userns, .netns = netns, .parent = getpid (), .plan = plan };
  pid_t pid = helper_clone (h, &h->args);
  close (sv[1]);
  if (pid < 0)
    {
      close (sv[0]);
      return jr_error (err, -pid, "netns: start the helper");
    }
  h->pid = pid;
  h->sock = sv[0];
  return 0;
}

int
jr_helper_ready (struct jr_helper *h, jail_error **err)
{
  int r = report (h, "joining the jail", err);
  return r < 0 ? r : report (h, "during setup", err);
}

/* One request for up to max fds into fds; their number or -errno. */
static int
request (struct jr_helper *h, int op, int family, int *fds, int max)
{
  struct hreq q = { .op = op, .family = family, .count = max };
  if (h->sock < 0)
    return -ENOTCONN;
  if (max < 1 || max > JR_HELPER_BATCH)
    return -EINVAL;
  if (send (h->sock, &q, sizeof q, MSG_NOSIGNAL) < 0)
    return -errno;
  int err = 0, got[JR_HELPER_BATCH];
  size_t nfd = 0;
  ssize_t n;
  do
    n = jr_recv_fd (h->sock, &err, sizeof err, got, (size_t) max, &nfd, 0);
  while (n == -EINTR);
  if (n != (ssize_t) sizeof err || err || nfd == 0)
    {
      for (size_t i = 0; i < nfd; i++)
        close (got[i]);
      if (n != (ssize_t) sizeof err)
        return n < 0 ? (int) n : -EPIPE;
      return err ? -err : -EPROTO;
    }
  memcpy (fds, got, sizeof (int) * nfd);
  return (int) nfd;
}

int
jr_helper_sockets (struct jr_helper *h, int family, int *fds, int max)
{
  return request (h, OP_SOCKETS, family, fds, max);
}

int
jr_helper_listener (struct jr_helper *h, jail_error **err)
{
  int fd, n = request (h, OP_LISTEN, AF_INET, &fd, 1);
  if (n < 0)
    return jr_error (err, -n, "proxy: listen on the bridge");
  return fd;
}

void
jr_helper_stop (struct jr_helper *h)
{
  if (h->sock >= 0)
    close (h->sock);
  h->sock = -1;
  if (h->pidfd >= 0)
    {
      syscall (SYS_pidfd_send_signal, h->pidfd, SIGKILL, NULL, 0);
      siginfo_t si;
      waitid ((idtype_t) P_PIDFD, (id_t) h->pidfd, &si, WEXITED | __WALL);
      close (h->pidfd);
    }
  if (h->stack)
    munmap (h->stack, HELPER_STACK); /* the helper is reaped: nothing runs on it */
  h->stack = NULL;
  h->pidfd = -1;
  h->pid = -1;
}
