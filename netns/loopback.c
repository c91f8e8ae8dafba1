/* loopback.c - bring up "lo" in the jail's fresh network namespace with
 * one RTM_NEWLINK request over rtnetlink, checking the kernel's ack.
 * Runs in the child between clone and execve: libmnl builds and parses
 * the messages in a stack buffer; the socket is a plain socket(2) because
 * mnl_socket_open allocates. */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netns.h"

/* In a new network namespace lo is always the first interface. */
#define LO_IFINDEX 1

int
jr_net_loopback_up (struct jail_error *e)
{
  char buf[MNL_SOCKET_BUFFER_SIZE];
  int fd = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0)
    return jr_error_buf (e, errno, "netns: lo: netlink socket");
  struct nlmsghdr *nlh = mnl_nlmsg_put_header (buf);
  nlh->nlmsg_type = RTM_NEWLINK;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  nlh->nlmsg_seq = 1;
  struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header (nlh, sizeof *ifi);
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = LO_IFINDEX;
  ifi->ifi_flags = IFF_UP;
  ifi->ifi_change = IFF_UP;
  struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
  int r = 0;
  if (sendto (fd, nlh, nlh->nlmsg_len, 0, (struct sockaddr *) &kernel, sizeof kernel) < 0)
    r = jr_error_buf (e, errno, "netns: lo: up: send");
  if (r == 0)
    {
      ssize_t n = recv (fd, buf, sizeof buf, 0);
      /* mnl_cb_run returns -1 with errno set from an NLMSG_ERROR ack. */
      if (n < 0 || mnl_cb_run (buf, (size_t) n, 1, 0, NULL, NULL) < 0)
        r = jr_error_buf (e, errno, "netns: lo: up");
    }
  close (fd);
  return r;
}
