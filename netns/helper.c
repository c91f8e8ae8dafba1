/* helper.c - the netns helper: a process the supervisor clones after the
 * jail's id maps are written.  It joins the jail's user and network
 * namespaces through the jail's pidfd (setns needs CAP_SYS_ADMIN over the
 * target userns, which the supervisor's uid has as that userns' owner,
 * and a single-threaded caller, which a fresh clone is) and reports that
 * (the jail's init may then stop being dumpable and build its mounts while
 * the network is built), builds the private network there (its outer
 * netns is a new netns owned by the jail's userns, so the helper has
 * CAP_NET_ADMIN over both ends of the veth), reports again, then serves
 * requests: "a TCP socket in the jail's netns" (for the forwarder, a batch
 * at a time: a socket keeps the namespace it was created in) and "a listener in the
 * bridge netns" (for the proxy), passed back with
 * SCM_RIGHTS.  It dies with the supervisor (PDEATHSIG, EOF).  Raw clone
 * of a maybe-multithreaded process: no allocation in the child. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/sched.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fdpass.h"
#include "netns_internal.h"

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

/* Join the jail's namespaces: its netns (and, for a private network,
 * its userns, whose owner the supervisor's uid is; rootless on a named
 * network, the holder's userns first: the jail's is its child; a netns
 * the jail joined by path belongs to another userns: the netns only). */
static int
join (struct hctx *h, int pidfd, struct jail_error *e)
{
  int ns = h->plan->network_fd >= 0 || h->plan->netns_only ? CLONE_NEWNET : CLONE_NEWUSER | CLONE_NEWNET;
  if (h->plan->network_fd >= 0 && h->plan->network_userns_fd >= 0 && setns (h->plan->network_userns_fd, CLONE_NEWUSER) < 0)
    return jr_error_buf (e, errno, "netns: join the network's user namespace");
  if (setns (pidfd, ns) < 0)
    return jr_error_buf (e, errno, "netns: join the jail's %snetwork namespace%s",
                         ns & CLONE_NEWUSER ? "user and " : "", ns & CLONE_NEWUSER ? "s" : "");
  h->jailns = open ("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (h->jailns < 0)
    return jr_error_buf (e, errno, "netns: open the jail's netns");
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
helper_main (int sock, int pidfd, pid_t parent, const struct jr_netplan *plan)
{
  struct jail_error e = { 0 };
  prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (getppid () != parent)
    return 1;
  /* Keep only the channel, the jail's pidfd and the named networks'
   * netns (and, rootless, their user namespace). */
  int keep[4 + JR_NETWORKS_MAX] = { sock, pidfd }, nk = 2;
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
  int r = join (&h, pidfd, &e);
  close (pidfd);
  /* Like init and supervisor: nothing may ptrace or read this process. */
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

int
jr_helper_start (struct jr_helper *h, int jail_pidfd, const struct jr_netplan *plan, jail_error **err)
{
  int sv[2];
  h->pid = -1, h->pidfd = -1, h->sock = -1;
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return jr_error (err, errno, "netns: helper socketpair");
  pid_t parent = getpid ();
  struct clone_args a = { .flags = CLONE_PIDFD, .pidfd = (uint64_t) (uintptr_t) &h->pidfd, .exit_signal = 0 };
  pid_t pid = (pid_t) syscall (SYS_clone3, &a, sizeof a);
  if (pid < 0 && errno == ENOSYS)
    pid = (pid_t) syscall (SYS_clone, CLONE_PIDFD, NULL, &h->pidfd, NULL, 0);
  if (pid == 0)
    {
      close (sv[0]);
      _exit (helper_main (sv[1], jail_pidfd, parent, plan));
    }
  int saved = errno;
  close (sv[1]);
  if (pid < 0)
    {
      close (sv[0]);
      return jr_error (err, saved, "netns: start the helper");
    }
  h->pid = pid;
  h->sock = sv[0];
  return report (h, "joining the jail", err);
}

int
jr_helper_ready (struct jr_helper *h, jail_error **err)
{
  return report (h, "during setup", err);
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
  h->pidfd = -1;
  h->pid = -1;
}
