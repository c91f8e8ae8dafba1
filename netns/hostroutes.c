/* hostroutes.c - is a --subnet usable?  Refuses the special IPv4 ranges
 * (this network, loopback, link-local, multicast, reserved) and any range
 * that overlaps one of the caller's own IPv4 routes: unicast, local,
 * blackhole, unreachable, prohibit (every routing table,
 * read with one RTM_GETROUTE dump over rtnl.c; the default route does
 * not count).  The private network is IPv4 only, so IPv6 routes cannot
 * overlap it. */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netns_internal.h"

/* Do a/alen and b/blen share an address? (host byte order) */
static bool
overlaps (uint32_t a, int alen, uint32_t b, int blen)
{
  int p = alen < blen ? alen : blen;
  uint32_t m = p ? ~0u << (32 - p) : 0;
  return (a & m) == (b & m);
}

static const struct
{
  uint32_t net;
  int prefix;
  const char *what;
} special[] = {
  { 0x00000000u, 8, "0.0.0.0/8 (this network)" },
  { 0x7f000000u, 8, "127.0.0.0/8 (loopback)" },
  { 0xa9fe0000u, 16, "169.254.0.0/16 (link-local)" },
  { 0xe0000000u, 4, "224.0.0.0/4 (multicast)" },
  { 0xf0000000u, 4, "240.0.0.0/4 (reserved, broadcast)" },
};

/* What the route dump looks for, and what it found. */
struct want
{
  uint32_t net;
  int prefix;
  char found[128];
};

/* One RTM_NEWROUTE of the dump: note it when it overlaps. */
static int
on_route (const struct nlmsghdr *h, void *data)
{
  struct want *w = data;
  const struct rtmsg *rt = mnl_nlmsg_get_payload (h);
  if (h->nlmsg_type != RTM_NEWROUTE || rt->rtm_family != AF_INET || rt->rtm_dst_len == 0 || w->found[0]
      || (rt->rtm_type != RTN_UNICAST && rt->rtm_type != RTN_LOCAL && rt->rtm_type != RTN_BLACKHOLE
          && rt->rtm_type != RTN_UNREACHABLE && rt->rtm_type != RTN_PROHIBIT))
    return MNL_CB_OK;
  uint32_t dst = 0, table = rt->rtm_table, oif = 0;
  const struct nlattr *a;
  mnl_attr_for_each (a, h, sizeof *rt)
  {
    if (mnl_attr_get_type (a) == RTA_DST && mnl_attr_get_payload_len (a) == 4)
      memcpy (&dst, mnl_attr_get_payload (a), 4);
    else if (mnl_attr_get_type (a) == RTA_TABLE && mnl_attr_get_payload_len (a) == 4)
      table = mnl_attr_get_u32 (a);
    else if (mnl_attr_get_type (a) == RTA_OIF && mnl_attr_get_payload_len (a) == 4)
      oif = mnl_attr_get_u32 (a);
  }
  if (!overlaps (ntohl (dst), rt->rtm_dst_len, w->net, w->prefix))
    return MNL_CB_OK;
  char addr[INET_ADDRSTRLEN], dev[IF_NAMESIZE] = "?", tbl[16];
  inet_ntop (AF_INET, &dst, addr, sizeof addr);
  if (oif)
    if_indextoname (oif, dev);
  snprintf (tbl, sizeof tbl, "%u", table);
  const char *type = rt->rtm_type == RTN_LOCAL ? "local " : rt->rtm_type == RTN_BLACKHOLE ? "blackhole "
                                                        : rt->rtm_type == RTN_UNREACHABLE ? "unreachable "
                                                        : rt->rtm_type == RTN_PROHIBIT    ? "prohibit "
                                                                                          : "";
  snprintf (w->found, sizeof w->found, "%s%s/%u dev %s table %s", type,
            addr, rt->rtm_dst_len, dev,
            table == RT_TABLE_MAIN ? "main" : table == RT_TABLE_LOCAL ? "local"
                                                                      : tbl);
  return MNL_CB_OK;
}

/* Dump the IPv4 routes of every table into on_route. */
static int
dump_routes (struct want *w, jail_error **err)
{
  char buf[JR_RTNL_BUF];
  struct jail_error e = { 0 };
  struct jr_rtnl n;
  int r = jr_rtnl_open (&n, &e);
  if (r == 0)
    {
      struct nlmsghdr *h = jr_rtnl_req (&n, buf, RTM_GETROUTE, NLM_F_DUMP);
      struct rtmsg *rt = mnl_nlmsg_put_extra_header (h, sizeof *rt);
      rt->rtm_family = AF_INET;
      r = jr_rtnl_talk (&n, h, on_route, w, &e, "route dump");
    }
  jr_rtnl_close (&n);
  return r < 0 ? jr_error_msg (err, e.code, "subnet: the host's routes: %s", e.msg) : 0;
}

int
jr_subnet_check (uint32_t net, int prefix, const char *cidr, jail_error **err)
{
  for (size_t i = 0; i < sizeof special / sizeof *special; i++)
    if (overlaps (net, prefix, special[i].net, special[i].prefix))
      return jr_error_msg (err, EINVAL, "subnet '%s': overlaps %s: pick a private range, e.g. 10.88.0.0/16",
                           cidr, special[i].what);
  struct want w = { .net = net, .prefix = prefix };
  int r = dump_routes (&w, err);
  if (r < 0)
    return r;
  if (w.found[0])
    return jr_error_msg (err, EINVAL, "subnet '%s': overlaps the host's route %s: pick a range "
                                      "no host route covers (see ip route show table all)",
                         cidr, w.found);
  return 0;
}
