/* loopback.c - bring up "lo" in the jail's fresh network namespace with
 * one RTM_NEWLINK request over rtnetlink (libmnl), checking the ack. */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

int
jr_net_loopback_up (struct jail_error *e)
{
  char buf[MNL_SOCKET_BUFFER_SIZE];
  struct mnl_socket *nl = mnl_socket_open2 (NETLINK_ROUTE, SOCK_CLOEXEC);
  if (nl == NULL)
    return jr_error_buf (e, errno, "netns: lo: netlink socket");
  int r = 0;
  if (mnl_socket_bind (nl, 0, MNL_SOCKET_AUTOPID) < 0)
    r = jr_error_buf (e, errno, "netns: lo: netlink bind");
  unsigned seq = (unsigned) time (NULL);
  struct nlmsghdr *nlh = mnl_nlmsg_put_header (buf);
  nlh->nlmsg_type = RTM_NEWLINK;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  nlh->nlmsg_seq = seq;
  struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header (nlh, sizeof *ifi);
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = (int) if_nametoindex ("lo");
  ifi->ifi_flags = IFF_UP;
  ifi->ifi_change = IFF_UP;
  if (r == 0 && ifi->ifi_index == 0)
    r = jr_error_buf (e, errno ? errno : ENODEV, "netns: lo: not found");
  if (r == 0 && mnl_socket_sendto (nl, nlh, nlh->nlmsg_len) < 0)
    r = jr_error_buf (e, errno, "netns: lo: up: send");
  if (r == 0)
    {
      ssize_t n = mnl_socket_recvfrom (nl, buf, sizeof buf);
      if (n < 0 || mnl_cb_run (buf, n, seq, mnl_socket_get_portid (nl), NULL, NULL) < 0)
        r = jr_error_buf (e, errno, "netns: lo: up");
    }
  mnl_socket_close (nl);
  return r;
}
