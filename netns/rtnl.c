/* rtnl.c - the one rtnetlink path of netns/: open a route socket in the
 * current network namespace (bound, with NETLINK_GET_STRICT_CHK when the
 * kernel has it), start requests, and read strict replies: only messages
 * from the kernel, for this socket's port and the request's sequence
 * number, count; an error ack ends the request with its errno; a reply
 * that does not fit the buffer is an error, never a silent cut.  Also
 * bringing lo up and making reno the namespace's TCP default, which the
 * child does between clone and execve.  Runs in
 * the child and in the netns helper (raw clones of a possibly
 * multithreaded process): nothing here allocates, buffers are the
 * caller's stack, and the socket is a plain socket(2) because
 * mnl_socket_open allocates. */
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netns_internal.h"

#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif

/* In a new network namespace lo is always the first interface. */
#define LO_IFINDEX 1

int
jr_rtnl_open (struct jr_rtnl *n, struct jail_error *e)
{
  n->seq = 0;
  n->portid = 0;
  n->fd = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (n->fd < 0)
    return jr_error_buf (e, errno, "netns: netlink socket");

  /* Bind to a port the kernel picks, and learn it: replies must carry it. */
  struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
  socklen_t len = sizeof sa;
  if (bind (n->fd, (struct sockaddr *) &sa, sizeof sa) < 0
      || getsockname (n->fd, (struct sockaddr *) &sa, &len) < 0)
    {
      int err = errno;
      jr_rtnl_close (n);
      return jr_error_buf (e, err, "netns: netlink socket: bind");
    }
  n->portid = sa.nl_pid;

  /* Strict checking (Linux 4.20+): the kernel refuses a request whose
   * header fields it does not use are not zero, and filters dumps by
   * them.  Older kernels do without, as before. */
  int one = 1;
  (void) setsockopt (n->fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof one);
  return 0;
}

void
jr_rtnl_close (struct jr_rtnl *n)
{
  if (n->fd >= 0)
    close (n->fd);
  n->fd = -1;
}

struct nlmsghdr *
jr_rtnl_req (struct jr_rtnl *n, char *buf, int type, int flags)
{
  memset (buf, 0, JR_RTNL_BUF);
  struct nlmsghdr *h = mnl_nlmsg_put_header (buf);
  h->nlmsg_type = (uint16_t) type;
  /* A dump ends with NLMSG_DONE; anything else asks for an ack. */
  int ack = (flags & NLM_F_DUMP) == NLM_F_DUMP ? 0 : NLM_F_ACK;
  h->nlmsg_flags = (uint16_t) (NLM_F_REQUEST | ack | flags);
  h->nlmsg_seq = ++n->seq;
  return h;
}

/* Receive one datagram from the kernel into buf (JR_RTNL_BUF bytes):
 * its length, or a negative errno (EMSGSIZE when it did not fit). */
static ssize_t
recv_kernel (struct jr_rtnl *n, char *buf)
{
  for (;;)
    {
      struct sockaddr_nl from = { 0 };
      struct iovec iov = { .iov_base = buf, .iov_len = JR_RTNL_BUF };
      struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1 };
      ssize_t r = recvmsg (n->fd, &m, 0);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return -errno;
      if (m.msg_flags & MSG_TRUNC)
        return -EMSGSIZE;
      if (from.nl_pid == 0)
        return r;
      /* Not from the kernel: not a reply, skip it. */
    }
}

int
jr_rtnl_talk (struct jr_rtnl *n, struct nlmsghdr *h, int (*cb) (const struct nlmsghdr *, void *), void *data,
              struct jail_error *e, const char *what)
{
  char buf[JR_RTNL_BUF];
  if (send (n->fd, h, h->nlmsg_len, 0) < 0)
    return jr_error_buf (e, errno, "netns: %s: send", what);

  /* mnl_cb_run checks every message's sequence number and port (ESRCH
   * otherwise), turns an error ack into -1 with its errno, and stops at
   * the ack or at NLMSG_DONE. */
  for (;;)
    {
      ssize_t r = recv_kernel (n, buf);
      if (r < 0)
        return jr_error_buf (e, (int) -r, "netns: %s: recv", what);
      errno = 0;
      int c = mnl_cb_run (buf, (size_t) r, h->nlmsg_seq, n->portid, cb, data);
      if (c == MNL_CB_ERROR)
        return jr_error_buf (e, errno ? errno : EPROTO, "netns: %s", what);
      if (c == MNL_CB_STOP)
        return 0;
    }
}

int
jr_rtnl_link_up (struct jr_rtnl *n, int index, const char *name, struct jail_error *e)
{
  char buf[JR_RTNL_BUF];
  struct nlmsghdr *h = jr_rtnl_req (n, buf, RTM_NEWLINK, 0);
  struct ifinfomsg *i = mnl_nlmsg_put_extra_header (h, sizeof *i);
  i->ifi_family = AF_UNSPEC;
  i->ifi_index = index;
  i->ifi_flags = IFF_UP;
  i->ifi_change = IFF_UP;
  char what[64];
  snprintf (what, sizeof what, "%s: up", name);
  return jr_rtnl_talk (n, h, NULL, NULL, e, what);
}

int
jr_net_loopback_up (struct jail_error *e)
{
  struct jr_rtnl n;
  int r = jr_rtnl_open (&n, e);
  if (r == 0)
    r = jr_rtnl_link_up (&n, LO_IFINDEX, "lo", e);
  jr_rtnl_close (&n);
  return r;
}

bool
jr_net_local_tcp (void)
{
  /* /proc/sys/net is the opener's network namespace: the jail's here.  A
   * kernel or host that refuses (no per-namespace default, reno not
   * allowed) leaves its default: only speed differs, so the caller goes on. */
  int fd = open ("/proc/sys/net/ipv4/tcp_congestion_control", O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  bool ok = write (fd, JR_LOCAL_CC, sizeof JR_LOCAL_CC - 1) == (ssize_t) sizeof JR_LOCAL_CC - 1;
  close (fd);
  return ok;
}
