/* bridge.c - the private network, built with rtnetlink (libmnl message
 * builders over rtnl.c's socket: this runs in the netns helper, a raw
 * clone of a possibly multithreaded supervisor, so nothing here may
 * allocate).  In a fresh network namespace with no uplink: bridge br0
 * with the gateway address, veth0 enslaved to it, whose peer is created
 * directly in the jail's namespace as eth0 with the jail's address.  No
 * default route anywhere: only the subnet's own route exists.  A named
 * network (jailrun network create) is the same bridge in a netns of its
 * own that a holder process keeps; each jail on it adds a veth vjPID. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netns_internal.h"

/* The RTM_NEWLINK header of a new link (down, index picked by the kernel). */
static struct ifinfomsg *
link_hdr (struct nlmsghdr *h)
{
  struct ifinfomsg *i = mnl_nlmsg_put_extra_header (h, sizeof *i);
  i->ifi_family = AF_UNSPEC;
  return i;
}

/* Bring link name up. */
static int
link_up (struct jr_rtnl *n, const char *name, struct jail_error *e)
{
  int idx = (int) if_nametoindex (name);
  if (idx == 0)
    return jr_error_buf (e, errno, "netns: %s: not found", name);
  return jr_rtnl_link_up (n, idx, name, e);
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
  link_hdr (h);
  mnl_attr_put_strz (h, IFLA_IFNAME, "br0");
  struct nlattr *li = mnl_attr_nest_start (h, IFLA_LINKINFO);
  mnl_attr_put_strz (h, IFLA_INFO_KIND, "bridge");
  mnl_attr_nest_end (h, li);
  int r = jr_rtnl_talk (n, h, NULL, NULL, e, "bridge br0: add");
  if (r < 0 && e->code == EOPNOTSUPP)
    jr_error_buf_wrap (e, "the kernel has no bridge support (load the bridge module: modprobe bridge), or use --no-net");
  return r;
}

/* Create veth name (master br0 when there is one) with peer eth0 in the
 * jail's netns.  mac_ip != 0: eth0's MAC is 02:42 and that address (as
 * Docker does), so a jail restarted at the same address on a named
 * network is reached at once, not after the others' ARP entries expire. */
static int
veth_add (struct jr_rtnl *n, const char *name, int jail_netns, bool master, uint32_t mac_ip, struct jail_error *e)
{
  char buf[JR_RTNL_BUF];
  int br = master ? (int) if_nametoindex ("br0") : 0;
  if (master && br == 0)
    return jr_error_buf (e, errno, "netns: br0: not found");
  struct nlmsghdr *h = jr_rtnl_req (n, buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  link_hdr (h);
  mnl_attr_put_strz (h, IFLA_IFNAME, name);
  if (master)
    mnl_attr_put_u32 (h, IFLA_MASTER, (uint32_t) br);
  struct nlattr *li = mnl_attr_nest_start (h, IFLA_LINKINFO);
  mnl_attr_put_strz (h, IFLA_INFO_KIND, "veth");
  struct nlattr *data = mnl_attr_nest_start (h, IFLA_INFO_DATA);
  struct nlattr *peer = mnl_attr_nest_start (h, VETH_INFO_PEER);
  struct ifinfomsg *pi = mnl_nlmsg_put_extra_header (h, sizeof *pi);
  pi->ifi_family = AF_UNSPEC;
  mnl_attr_put_strz (h, IFLA_IFNAME, "eth0");
  uint8_t mac[6] = { 0x02, 0x42, (uint8_t) (mac_ip >> 24), (uint8_t) (mac_ip >> 16), (uint8_t) (mac_ip >> 8), (uint8_t) mac_ip };
  if (mac_ip)
    mnl_attr_put (h, IFLA_ADDRESS, sizeof mac, mac);
  mnl_attr_put_u32 (h, IFLA_NET_NS_FD, (uint32_t) jail_netns);
  mnl_attr_nest_end (h, peer);
  mnl_attr_nest_end (h, data);
  mnl_attr_nest_end (h, li);
  char what[64];
  snprintf (what, sizeof what, "veth %s/eth0: add", name);
  int r = jr_rtnl_talk (n, h, NULL, NULL, e, what);
  if (r == -EOPNOTSUPP)
    r = jr_error_buf (e, EOPNOTSUPP, "netns: veth: the kernel has no veth support (load the veth module, see 'jailrun check'), or use --no-net");
  return r;
}

int
jr_bridge_build (const struct jr_netplan *p, int jail_netns, struct jail_error *e)
{
  struct jr_rtnl n;
  int r = jr_rtnl_open (&n, e);
  if (r < 0)
    return r;
  r = link_up (&n, "lo", e);
  /* Without bridge support (a kernel whose bridge module cannot be
   * loaded) the gateway address sits on veth0 itself: the same one-jail
   * network with no uplink. */
  bool br = r == 0 && bridge_add (&n, e) == 0;
  if (r == 0 && !br && e->code != EOPNOTSUPP)
    r = -e->code;
  if (r == 0)
    *e = (struct jail_error) { 0 };
  if (r == 0 && br)
    r = addr_add (&n, "br0", p->bridge_addr, p->prefix, e);
  if (r == 0)
    r = veth_add (&n, "veth0", jail_netns, br, 0, e);
  if (r == 0 && !br)
    r = addr_add (&n, "veth0", p->bridge_addr, p->prefix, e);
  if (r == 0 && br)
    r = link_up (&n, "br0", e);
  if (r == 0)
    r = link_up (&n, "veth0", e);
  jr_rtnl_close (&n);
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
jr_bridge_network_join (const struct jr_netplan *p, int jail_netns, struct jail_error *e)
{
  struct jr_rtnl n;
  int r = jr_rtnl_open (&n, e);
  if (r < 0)
    return r;
  r = veth_add (&n, p->veth, jail_netns, true, p->jail_addr, e);
  if (r == 0)
    r = link_up (&n, p->veth, e);
  jr_rtnl_close (&n);
  return r;
}

int
jr_bridge_jail_side (const struct jr_netplan *p, struct jail_error *e)
{
  struct jr_rtnl n;
  int r = jr_rtnl_open (&n, e);
  if (r < 0)
    return r;
  r = addr_add (&n, "eth0", p->jail_addr, p->prefix, e);
  if (r == 0)
    r = link_up (&n, "eth0", e);
  jr_rtnl_close (&n);
  return r;
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
      r = veth_add (&n, "veth0", self, *bridge, 0, e);
    }
  if (self >= 0)
    close (self);
  jr_rtnl_close (&n);
  return r;
}
