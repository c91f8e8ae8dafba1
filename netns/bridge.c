/* bridge.c - the private network, built with rtnetlink (libmnl message
 * builders over rtnl.c's strict socket; the batches of the private
 * network over one socket each, acked at the end: this runs in the netns helper, a
 * raw clone of a possibly multithreaded supervisor, so nothing here may
 * allocate).  In a fresh network namespace with no uplink: bridge br0
 * with the gateway address, veth0 enslaved to it, whose peer is created
 * directly in the jail's namespace as eth0 with the jail's address.  No
 * default route anywhere: only the subnet's own route exists.  A named
 * network (jailrun network create) is the same bridge in a netns of its
 * own that a holder process keeps; each jail on it adds a veth vjPID.
 * The private network of one jail needs no bridge: its veth0 carries the
 * gateway address in a netns of its own (jr_bridge_private), built in
 * three netlink round trips. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netns_internal.h"

/* RTM_NEWLINK/SETLINK header for ifindex. */
static struct ifinfomsg *
link_hdr (struct nlmsghdr *h, int index, bool up)
{
  struct ifinfomsg *i = mnl_nlmsg_put_extra_header (h, sizeof *i);
  i->ifi_family = AF_UNSPEC;
  i->ifi_index = index;
  i->ifi_flags = up ? IFF_UP : 0;
  i->ifi_change = up ? IFF_UP : 0;
  return i;
}

/* Bring link name up. */
static int
link_up (struct jr_rtnl *n, const char *name, struct jail_error *e)
{
  char buf[JR_RTNL_BUF];
  int idx = (int) if_nametoindex (name);
  if (idx == 0)
    return jr_error_buf (e, errno, "netns: %s: not found", name);
  struct nlmsghdr *h = jr_rtnl_req (n, buf, RTM_NEWLINK, 0);
  link_hdr (h, idx, true);
  char what[64];
  snprintf (what, sizeof what, "%s: up", name);
  return jr_rtnl_talk (n, h, NULL, NULL, e, what);
}

/* Add addr/prefix to link name. */
static int
addr_add (struct jr_rtnl *n, const char *name, uint32_t addr, int prefix, struct jail_error *e)
{
  char buf[JR_RTNL_BUF];
  int idx = (int) if_nametoindex (name);
  if (idx == 0)
    return jr_error_buf (e, errno, "netns: %s: not found", name);
  struct nlmsghdr *h = jr_rtnl_req (n, buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
  struct ifaddrmsg *a = mnl_nlmsg_put_extra_header (h, sizeof *a);
  a->ifa_family = AF_INET;
  a->ifa_prefixlen = (unsigned char) prefix;
  a->ifa_index = (unsigned) idx;
  uint32_t be = htonl (addr);
  mnl_attr_put_u32 (h, IFA_LOCAL, be);
  mnl_attr_put_u32 (h, IFA_ADDRESS, be);
  char what[96], txt[16];
  inet_ntop (AF_INET, &be, txt, sizeof txt);
  snprintf (what, sizeof what, "%s: address %s/%d", name, txt, prefix);
  return jr_rtnl_talk (n, h, NULL, NULL, e, what);
}

/* Create bridge br0. */
static int
bridge_add (struct jr_rtnl *n, struct jail_error *e)
{
  char buf[JR_RTNL_BUF];
  struct nlmsghdr *h = jr_rtnl_req (n, buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  link_hdr (h, 0, false);
  mnl_attr_put_strz (h, IFLA_IFNAME, "br0");
  struct nlattr *li = mnl_attr_nest_start (h, IFLA_LINKINFO);
  mnl_attr_put_strz (h, IFLA_INFO_KIND, "bridge");
  mnl_attr_nest_end (h, li);
  int r = jr_rtnl_talk (n, h, NULL, NULL, e, "bridge br0: add");
  if (r < 0 && e->code == EOPNOTSUPP)
    jr_error_buf_wrap (e, "the kernel has no bridge support (load the bridge module: modprobe bridge), or use --no-net");
  return r;
}

/* Create veth name (master br0 when there is one) with peer (eth0...) in
 * the jail's netns.  mac_ip != 0: eth0's MAC is 02:42 and that address (as
 * Docker does), so a jail restarted at the same address on a named
 * network is reached at once, not after the others' ARP entries expire. */
static int
veth_add (struct jr_rtnl *n, const char *name, const char *peer_name, int jail_netns, bool master, uint32_t mac_ip,
          struct jail_error *e)
{
  char buf[JR_RTNL_BUF];
  int br = master ? (int) if_nametoindex ("br0") : 0;
  if (master && br == 0)
    return jr_error_buf (e, errno, "netns: br0: not found");
  struct nlmsghdr *h = jr_rtnl_req (n, buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  link_hdr (h, 0, false);
  mnl_attr_put_strz (h, IFLA_IFNAME, name);
  if (master)
    mnl_attr_put_u32 (h, IFLA_MASTER, (uint32_t) br);
  struct nlattr *li = mnl_attr_nest_start (h, IFLA_LINKINFO);
  mnl_attr_put_strz (h, IFLA_INFO_KIND, "veth");
  struct nlattr *data = mnl_attr_nest_start (h, IFLA_INFO_DATA);
  struct nlattr *peer = mnl_attr_nest_start (h, VETH_INFO_PEER);
  struct ifinfomsg *pi = mnl_nlmsg_put_extra_header (h, sizeof *pi);
  pi->ifi_family = AF_UNSPEC;
  mnl_attr_put_strz (h, IFLA_IFNAME, peer_name);
  uint8_t mac[6] = { 0x02, 0x42, (uint8_t) (mac_ip >> 24), (uint8_t) (mac_ip >> 16), (uint8_t) (mac_ip >> 8), (uint8_t) mac_ip };
  if (mac_ip)
    mnl_attr_put (h, IFLA_ADDRESS, sizeof mac, mac);
  mnl_attr_put_u32 (h, IFLA_NET_NS_FD, (uint32_t) jail_netns);
  mnl_attr_nest_end (h, peer);
  mnl_attr_nest_end (h, data);
  mnl_attr_nest_end (h, li);
  char what[64];
  snprintf (what, sizeof what, "veth %s/%s: add", name, peer_name);
  int r = jr_rtnl_talk (n, h, NULL, NULL, e, what);
  if (r == -EOPNOTSUPP)
    r = jr_error_buf (e, EOPNOTSUPP, "netns: veth: the kernel has no veth support (load the veth module, see 'jailrun check'), or use --no-net");
  return r;
}

/* Several requests sent with one send(); only the last one asks for an
 * ack (a request that fails is answered with its error all the same). */
struct batch
{
  char buf[JR_RTNL_BUF];
  size_t len, last; /* bytes used; where the last request starts */
  int n;
  unsigned seq0;
  const char *what[4];
};

/* Start request type (flags) at the end of b, described by what. */
static struct nlmsghdr *
batch_put (struct batch *b, int type, int flags, const char *what)
{
  struct nlmsghdr *h = mnl_nlmsg_put_header (b->buf + b->len);
  b->last = b->len;
  h->nlmsg_type = (uint16_t) type;
  h->nlmsg_flags = (uint16_t) (NLM_F_REQUEST | flags);
  h->nlmsg_seq = b->seq0 + (unsigned) b->n;
  b->what[b->n++] = what;
  return h;
}

/* Close the request h (the last batch_put). */
static void
batch_end (struct batch *b, struct nlmsghdr *h)
{
  b->len += NLMSG_ALIGN (h->nlmsg_len);
}

/* Read replies until the last request's ack; the first error wins. */
static int
batch_wait (struct jr_rtnl *n, struct batch *b, struct jail_error *e)
{
  char buf[JR_RTNL_BUF];
  for (;;)
    {
      ssize_t r = recv (n->fd, buf, sizeof buf, 0);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return jr_error_buf (e, errno, "netns: %s: recv", b->what[b->n - 1]);
      size_t len = (size_t) r;
      for (struct nlmsghdr *h = (struct nlmsghdr *) buf; mnl_nlmsg_ok (h, (int) len); h = mnl_nlmsg_next (h, (int *) &len))
        {
          unsigned i = h->nlmsg_seq - b->seq0;
          if (h->nlmsg_type != NLMSG_ERROR || i >= (unsigned) b->n)
            continue;
          const struct nlmsgerr *err = mnl_nlmsg_get_payload (h);
          if (err->error)
            return jr_error_buf (e, -err->error, "netns: %s", b->what[i]);
          if (i == (unsigned) b->n - 1)
            return 0;
        }
    }
}

/* Send the batch b on n and wait for its ack. */
static int
batch_send (struct jr_rtnl *n, struct batch *b, struct jail_error *e)
{
  ((struct nlmsghdr *) (b->buf + b->last))->nlmsg_flags |= NLM_F_ACK;
  n->seq = b->seq0 + (unsigned) b->n;
  if (send (n->fd, b->buf, b->len, 0) < 0)
    return jr_error_buf (e, errno, "netns: %s: send", b->what[0]);
  return batch_wait (n, b, e);
}

/* An empty batch on n. */
static void
batch_init (struct jr_rtnl *n, struct batch *b)
{
  memset (b, 0, sizeof *b);
  b->seq0 = n->seq + 1;
}

/* Add addr/prefix to interface index. */
static void
batch_addr (struct batch *b, int index, uint32_t addr, int prefix, const char *what)
{
  struct nlmsghdr *h = batch_put (b, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, what);
  struct ifaddrmsg *a = mnl_nlmsg_put_extra_header (h, sizeof *a);
  a->ifa_family = AF_INET;
  a->ifa_prefixlen = (unsigned char) prefix;
  a->ifa_index = (unsigned) index;
  uint32_t be = htonl (addr);
  mnl_attr_put_u32 (h, IFA_LOCAL, be);
  mnl_attr_put_u32 (h, IFA_ADDRESS, be);
  batch_end (b, h);
}

/* The veth pair, made from the jail's side: eth0 here (up at once), its
 * peer veth0 in brns. */
static void
batch_veth (struct batch *b, int brns)
{
  struct nlmsghdr *h = batch_put (b, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, "veth eth0/veth0: add");
  link_hdr (h, 0, true);
  mnl_attr_put_strz (h, IFLA_IFNAME, "eth0");
  struct nlattr *li = mnl_attr_nest_start (h, IFLA_LINKINFO);
  mnl_attr_put_strz (h, IFLA_INFO_KIND, "veth");
  struct nlattr *data = mnl_attr_nest_start (h, IFLA_INFO_DATA);
  struct nlattr *peer = mnl_attr_nest_start (h, VETH_INFO_PEER);
  struct ifinfomsg *pi = mnl_nlmsg_put_extra_header (h, sizeof *pi);
  pi->ifi_family = AF_UNSPEC; /* not up yet: a peer cannot open before the pair is linked */
  mnl_attr_put_strz (h, IFLA_IFNAME, "veth0");
  mnl_attr_put_u32 (h, IFLA_NET_NS_FD, (uint32_t) brns);
  mnl_attr_nest_end (h, peer);
  mnl_attr_nest_end (h, data);
  mnl_attr_nest_end (h, li);
  batch_end (b, h);
}

/* name's index in the current netns. */
static int
index_of (const char *name, struct jail_error *e)
{
  int idx = (int) if_nametoindex (name);
  if (idx == 0)
    return jr_error_buf (e, errno, "netns: %s: not found", name);
  return idx;
}

int
jr_bridge_private (const struct jr_netplan *p, int jail_nl, int brns, struct jail_error *e)
{
  struct jr_rtnl jn = { .fd = jail_nl, .seq = 0, .portid = 0 }, bn;
  struct batch b;
  batch_init (&jn, &b);
  batch_veth (&b, brns);
  int r = batch_send (&jn, &b, e);
  if (r == -EOPNOTSUPP)
    r = jr_error_buf (e, EOPNOTSUPP, "netns: veth: the kernel has no veth support (load the veth module, see 'jailrun check'), or use --no-net");

  /* The jail's address on eth0 (its index asked through a socket of
   * the jail's netns: the ioctl takes no rtnl lock). */
  struct ifreq q = { .ifr_ifindex = 0 };
  memcpy (q.ifr_name, "eth0", 5);
  if (r == 0 && ioctl (jail_nl, SIOCGIFINDEX, &q) < 0)
    r = jr_error_buf (e, errno, "netns: eth0: not found");
  if (r == 0)
    {
      batch_init (&jn, &b);
      batch_addr (&b, q.ifr_ifindex, p->jail_addr, p->prefix, "eth0: address");
      r = batch_send (&jn, &b, e);
    }

  /* Here (brns): lo and veth0 up, the gateway address on veth0. */
  int veth = r == 0 ? index_of ("veth0", e) : 0;
  if (veth < 0)
    r = veth;
  if (r == 0)
    r = jr_rtnl_open (&bn, e);
  if (r < 0)
    return r;
  batch_init (&bn, &b);
  struct nlmsghdr *h = batch_put (&b, RTM_NEWLINK, 0, "lo: up");
  link_hdr (h, 1, true);
  batch_end (&b, h);
  h = batch_put (&b, RTM_NEWLINK, 0, "veth0: up");
  link_hdr (h, veth, true);
  batch_end (&b, h);
  batch_addr (&b, veth, p->bridge_addr, p->prefix, "veth0: gateway address");
  r = batch_send (&bn, &b, e);
  jr_rtnl_close (&bn);
  return r;
}

int
jr_bridge_network_build (const struct jr_netplan *p, struct jail_error *e)
{
  struct jr_rtnl n;
  int r = jr_rtnl_open (&n, e);
  if (r < 0)
    return r;
  r = link_up (&n, "lo", e);
  if (r == 0)
    r = bridge_add (&n, e);
  if (r == 0)
    r = addr_add (&n, "br0", p->bridge_addr, p->prefix, e);
  if (r == 0)
    r = link_up (&n, "br0", e);
  jr_rtnl_close (&n);
  return r;
}

int
jr_bridge_network_join_if (const char *veth, const char *ifname, uint32_t jail_addr, int jail_netns,
                           struct jail_error *e)
{
  struct jr_rtnl n;
  int r = jr_rtnl_open (&n, e);
  if (r < 0)
    return r;
  r = veth_add (&n, veth, ifname, jail_netns, true, jail_addr, e);
  if (r == 0)
    r = link_up (&n, veth, e);
  jr_rtnl_close (&n);
  return r;
}

int
jr_bridge_network_join (const struct jr_netplan *p, int jail_netns, struct jail_error *e)
{
  return jr_bridge_network_join_if (p->veth, "eth0", p->jail_addr, jail_netns, e);
}

int
jr_bridge_jail_if (const char *ifname, uint32_t addr, int prefix, struct jail_error *e)
{
  struct jr_rtnl n;
  int r = jr_rtnl_open (&n, e);
  if (r < 0)
    return r;
  r = addr_add (&n, ifname, addr, prefix, e);
  if (r == 0)
    r = link_up (&n, ifname, e);
  jr_rtnl_close (&n);
  return r;
}

int
jr_bridge_jail_side (const struct jr_netplan *p, struct jail_error *e)
{
  return jr_bridge_jail_if ("eth0", p->jail_addr, p->prefix, e);
}

int
jr_bridge_probe (bool *bridge, struct jail_error *e)
{
  struct jr_rtnl n;
  *bridge = false;
  int r = jr_rtnl_open (&n, e);
  if (r < 0)
    return r;
  int self = open ("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (self < 0)
    r = jr_error_buf (e, errno, "netns: /proc/self/ns/net");
  if (r == 0)
    {
      *bridge = bridge_add (&n, e) == 0;
      *e = (struct jail_error) { 0 };
      r = veth_add (&n, "veth0", "eth0", self, *bridge, 0, e);
    }
  if (self >= 0)
    close (self);
  jr_rtnl_close (&n);
  return r;
}
