/* netns.h - what netns/ offers the rest of libjail: the network settings
 * of a jail_config and their parsers (config_net.c, config_network.c), the
 * supervisor's network for one run (net.c), lo (rtnl.c), the bridge
 * probe and a named network's builder (bridge.c).  netns/'s own parts
 * share netns_internal.h. */
#ifndef JR_NETNS_H
#define JR_NETNS_H
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "error.h"
#include "jail.h"

/* One -p [ADDR:]HOSTPORT:JAILPORT. */
struct jr_publish
{
  struct sockaddr_storage host; /* where the listener binds */
  socklen_t host_len;
  uint16_t jail_port;
  char spec[80]; /* normalised text, for messages */
};

/* One --allow entry. */
struct jr_allow
{
  char host[256]; /* lowercased name, "*" or "*.suffix", or literal address text */
  bool any_port;  /* "*" entries: every port */
  uint16_t port;
  bool literal; /* host is an IP literal: addr holds it */
  struct sockaddr_storage addr;
  bool private_ok; /* --allow-private: the name may resolve to any address */
};

#define JR_NETWORKS_MAX 4 /* named networks one jail may be on */

struct jr_netcfg
{
  struct jr_publish *publish;
  size_t n_publish;
  struct jr_allow *allow;
  size_t n_allow;
  char *audit_log;
  uint32_t subnet; /* host byte order */
  int prefix;
  char networks[JR_NETWORKS_MAX][65]; /* --network NAME (repeatable: eth0, eth1, ...) */
  size_t n_networks;                  /* 0 = the private network */
  char **aliases;                     /* --network-alias, and the jail's name (NULL-terminated) */
  size_t n_aliases;
  int *held;               /* --restart: the bound listener of each publish[i], kept by the supervisor (NULL: bind) */
  char jail_name[128];     /* the jail's name ("" = anonymous), for the audit log */
  char upstream_host[256]; /* --upstream-proxy http://HOST:PORT, "" = direct */
  uint16_t upstream_port;
};

/* config_net.c: the settings in *slot (a jail_config's), created on first
 * use (NULL: ENOMEM); the jail_config setters of jail.h pass the slot to
 * these (runtime/config_netns.c).  Each validates fully or changes nothing. */
struct jr_netcfg *jr_netcfg_of (struct jr_netcfg **slot, jail_error **err);
int jr_publish_parse (const char *spec, struct jr_publish *out, jail_error **err);
int jr_allow_parse (const char *spec, struct jr_allow *out, jail_error **err);
int jr_netcfg_add_publish (struct jr_netcfg **slot, const char *spec, jail_error **err);
int jr_netcfg_add_allow (struct jr_netcfg **slot, const char *spec, jail_error **err);
int jr_netcfg_add_allow_private (struct jr_netcfg **slot, const char *spec, jail_error **err);
int jr_netcfg_load_allow_file (struct jr_netcfg **slot, const char *path, jail_error **err);
int jr_netcfg_set_audit_log (struct jr_netcfg **slot, const char *path, jail_error **err);
int jr_netcfg_set_subnet (struct jr_netcfg **slot, const char *cidr, jail_error **err);
int jr_netcfg_set_upstream_proxy (struct jr_netcfg **slot, const char *url, jail_error **err);
/* The listeners kept by jr_net_hold_ports (at most max) into fds. */
size_t jr_netcfg_held (const struct jr_netcfg *nc, int *fds, size_t max);

/* config_network.c: --network NAME (not "none": the caller's), its aliases,
 * and the jail's name (mode: JAIL_NET_*) on its named network, if it is on
 * one, and in the proxy's audit log (supervisor). */
/* The name of network mode (JAIL_NET_*: "private", "none", "proxy"; an
 * unknown mode reads "private"), and the mode of a name (-1: none). */
const char *jr_net_mode_name (int mode);
int jr_net_mode_of (const char *name);
/* --network NAME (NAME's grammar is checked by the caller, runtime/
 * config_netns.c, as a jail name's); host, bridge and default are refused. */
int jr_netcfg_set_network (struct jr_netcfg **slot, const char *name, jail_error **err);
int jr_netcfg_add_alias (struct jr_netcfg **slot, const char *alias, jail_error **err);
void jr_netcfg_add_name (struct jr_netcfg **slot, int mode, const char *name);

/* forward.c: seconds since boot (CLOCK_MONOTONIC), for timeouts and
 * durations here and in runtime/ (restart back-off). */
double jr_now (void);

/* rtnl.c: bring lo up in the current network namespace. */
int jr_net_loopback_up (struct jail_error *e);
/* rtnl.c: make reno the default TCP congestion control of the current
 * network namespace, a jail's own (its TCP peers are all on this host);
 * true when the kernel took it. */
bool jr_net_local_tcp (void);

/* net.c: the supervisor's network (forwarder, private bridge, proxy).
 * prepare runs before clone (binds -p listeners: port in use fails here),
 * attach after the id maps are written and before the child goes on
 * (opens the jail's namespaces for the helper), ready before the command
 * runs, release after the jail ended.  The sigpipe pair brackets the loop. */
struct jr_net;
struct jr_netcfg;
struct jr_loop;
/* What jr_net_prepare needs from the jail's config. */
/* A named network as a jail joins it: what the store
 * (runtime/network.c) reads from the network's state directory. */
struct jr_netinfo
{
  char name[65];
  char dir[4096];  /* STATE/.networks/NAME: holds "hosts" */
  uint32_t subnet; /* host byte order; the gateway is subnet + 1 */
  int prefix;
  pid_t holder;
  unsigned long long start; /* the holder's start time (pid reuse check) */
  long long created;
};

/* The named-network store jr_net_prepare uses for --network NAME, given by
 * the caller (runtime/network.c's jr_network_store), so that netns/ never
 * reaches back into runtime/.  open: look a network up and open its netns
 * (and rootless its holder's user namespace, else -1), -ESRCH when stale;
 * join: take the lowest free address and add "ADDR names..." to its hosts
 * file (for as long as the calling process lives); leave: drop that entry;
 * merged_open/merged_write: a jail on several networks sees their hosts
 * files merged in one file of its own (path malloc'd; write rewrites it in
 * place with the live entries of the n networks, 0 or -errno). */
struct jr_netstore
{
  int (*open) (const char *name, struct jr_netinfo *ni, int *netns_fd, int *userns_fd, jail_error **err);
  int (*join) (const struct jr_netinfo *ni, char *const names[], uint32_t *addr, jail_error **err);
  void (*leave) (const struct jr_netinfo *ni, uint32_t addr);
  int (*merged_open) (char **path, jail_error **err);
  int (*merged_write) (const struct jr_netinfo *nets, size_t n, int fd);
};

struct jr_net_settings
{
  int mode;                        /* JAIL_NET_* */
  struct jr_netcfg *nc;            /* -p, --allow, --subnet, --network...; NULL = defaults (kept: held ports) */
  const char *rootfs;              /* a named network's /etc/hosts is shown only when the rootfs has one */
  bool own_hosts;                  /* a volume already gives /etc/hosts */
  char *const *env;                /* the jail's -e (NULL-terminated): NO_PROXY keeps the user's exceptions */
  const struct jr_netstore *store; /* the named networks (used only with nc->n_networks) */
};
#define JR_NET_ENV_MAX 8
int jr_net_prepare (const struct jr_net_settings *set, struct jr_net **out, jail_error **err);
/* After prepare: the entries to add to the jail's environment (the proxy
 * variables; NULL-terminated, owned by n), and a volume spec to add (a
 * named network's hosts file as /etc/hosts; NULL = none). */
char *const *jr_net_env (const struct jr_net *n);
const char *jr_net_volume (const struct jr_net *n);
/* Before attach: the jail's network namespace was joined by path (an OCI
 * pod's): the private network's veth goes into it from the initial user
 * namespace (root only), not through the jail's user namespace. */
void jr_net_netns_only (struct jr_net *n);
int jr_net_attach (struct jr_net *n, pid_t pid, int pidfd, jail_error **err);
/* After attach, once the jail's init was let go (it builds its mounts
 * while the helper builds the network): wait for the network, then serve
 * the forwarder and the proxy from loop. */
int jr_net_ready (struct jr_net *n, struct jr_loop *loop, pid_t pid, jail_error **err);
void jr_net_release (struct jr_net *n);
/* --restart: keep a copy of each published port's listener in the config,
 * so that the next jr_net_prepare reuses it (the port stays bound). */
int jr_net_hold_ports (struct jr_net *n, jail_error **err);
/* JSON of the jail's network for inspect: mode, address, gateway, prefix,
 * published ports, allowlist.  Length, or -ENOSPC. */
int jr_net_describe (const struct jr_net *n, char *buf, size_t sz);
/* Rootless on a named network: the holder's user namespace, in which the
 * jail's own must be created (runtime/nested.c); -1 otherwise. */
int jr_net_userns (const struct jr_net *n);
void jr_net_sigpipe_block (struct jr_net *n);
void jr_net_sigpipe_restore (struct jr_net *n);
void jr_netcfg_free (struct jr_netcfg *n);
/* The internet switch of a running jail (op: enum jr_net_op below;
 * uid/pid: the caller, for the audit line; *text: net ls's listing). */
int jr_net_control (struct jr_net *n, int op, char *const specs[], size_t nspecs, uid_t uid, pid_t pid,
                    char **text, jail_error **err);

enum jr_net_op
{
  JR_NET_ALLOW = 1,
  JR_NET_DENY,
  JR_NET_LIST,
  JR_NET_OFF,
  JR_NET_ON
};

/* bridge.c: the plan of a jail's (or a named network's) bridge. */
struct jr_netplan
{
  bool bridge;          /* build the private bridge (default and proxy modes) */
  uint32_t bridge_addr; /* host byte order */
  uint32_t jail_addr;
  int prefix;
  uint16_t proxy_port;   /* listener on bridge_addr:proxy_port, 0 = none */
  int network_fd;        /* a named network's netns (its bridge br0), -1 = a private bridge */
  int network_userns_fd; /* rootless: the user namespace owning network_fd, else -1 */
  bool netns_only;       /* the jail joined a network namespace by path (a pod's), owned by another user
                            namespace: the helper joins only the netns (as root: the initial user namespace
                            covers both ends of the veth) */
  char veth[16];         /* the jail's veth on a named network's bridge */
  struct jr_netjoin
  {
    int fd;             /* the network's netns */
    uint32_t jail_addr; /* host byte order */
    int prefix;
    char veth[16];
  } extra[JR_NETWORKS_MAX - 1]; /* further named networks: eth1, eth2, ... */
  int n_extra;
};
/* A named network, in its own netns: lo up, br0 with bridge_addr. */
int jr_bridge_network_build (const struct jr_netplan *plan, struct jail_error *e);
/* In a fresh user+net namespace of its own (a throwaway child): can this
 * kernel make a bridge (*bridge) and a veth pair, as the default network
 * does?  0, or -errno with e saying what failed.  No allocation. */
int jr_bridge_probe (bool *bridge, struct jail_error *e);
#endif
