/* net.c - the supervisor's network state for one run, and the hooks the
 * process model calls: jr_net_prepare (before clone: bind published
 * ports, open the audit log, make the proxy variables and a named
 * network's /etc/hosts volume, which the caller adds), jr_net_attach
 * (after the id maps, while the jail's init is dumpable: open its
 * namespaces for the netns helper), jr_net_ready (while the jail's init
 * builds its mounts the helper joins those namespaces and builds the
 * private network: wait for it, register the forwarder and the proxy on
 * the loop) and jr_net_release; jr_net_control is the live internet switch.  Also SIGPIPE handling without a handler: the
 * supervising thread blocks SIGPIPE and discards what it raised. */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "netns_internal.h"
#include "sigpipe.h"
#include <fcntl.h>
#include <linux/openat2.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

struct jr_net
{
  int mode;
  struct jr_netcfg *nc; /* the run's config: published ports, allowlist */
  struct jr_netplan plan;
  struct jr_helper helper;
  int ns_user, ns_net; /* the jail's, from attach to ready (-1: none) */
  struct jr_fwd *fwd;
  struct jr_proxy *proxy;
  bool helper_started;
  struct jr_sigpipe sigpipe;
  const struct jr_netstore *store; /* where the named networks are (settings) */
  struct jr_netinfo *named;        /* --network NAME...: the networks, NULL = private */
  size_t n_named;
  bool joined[JR_NETWORKS_MAX]; /* our entry is in network i's hosts file */
  int merged_fd;                /* on several networks: our merged /etc/hosts, else -1 */
  char *merged_path;
  int watch_fd; /* inotify on the networks' hosts files, -1 = none */
  struct jr_loop_src watch_src;
  char *env[JR_NET_ENV_MAX + 1]; /* the proxy variables, NULL-terminated */
  size_t n_env;
  char *volume; /* the named network's hosts file (several: a merged one) as /etc/hosts, or NULL */
};

/* The value of key in env (NULL-terminated), NULL when unset. */
static const char *
env_lookup (char *const *env, const char *key)
{
  size_t kl = strlen (key);
  for (; env && *env; env++)
    if (strncmp (*env, key, kl) == 0 && (*env)[kl] == '=')
      return *env + kl + 1;
  return NULL;
}

/* The value of key in the jail's environment as it will be: ours first,
 * then the user's (-e); NULL when unset. */
static const char *
env_value (const struct jr_net *n, char *const *user, const char *key)
{
  const char *v = env_lookup (n->env, key);
  return v ? v : env_lookup (user, key);
}

/* Set key=value in n->env (replacing an earlier entry of key). */
static int
env_put (struct jr_net *n, const char *key, const char *value, jail_error **err)
{
  size_t kl = strlen (key), i = 0;
  while (i < n->n_env && !(strncmp (n->env[i], key, kl) == 0 && n->env[i][kl] == '='))
    i++;
  if (i == JR_NET_ENV_MAX)
    return jr_error (err, ENOSPC, "network: %s", key);
  char *kv = malloc (kl + strlen (value) + 2);
  if (kv == NULL)
    return jr_error (err, ENOMEM, "network: %s", key);
  sprintf (kv, "%s=%s", key, value);
  free (n->env[i]);
  n->env[i] = kv;
  if (i == n->n_env)
    n->env[++n->n_env] = NULL;
  return 0;
}

/* key=loopback names, followed by what -e gave key (or else other): the
 * user's exceptions are kept, the proxy never sees loopback. */
static int
no_proxy_env (struct jr_net *n, char *const *user_env, const char *key, const char *other, jail_error **err)
{
  const char *user = env_value (n, user_env, key);
  if (user == NULL)
    user = env_value (n, user_env, other);
  static const char base[] = "localhost,127.0.0.1,::1";
  if (user && strncmp (user, base, sizeof base - 1) == 0) /* set by a previous start */
    user += sizeof base - 1 + (user[sizeof base - 1] == ',');
  size_t len = strlen (",localhost,127.0.0.1,::1,") + (user ? strlen (user) : 0) + 1;
  char *v = malloc (len);
  if (v == NULL)
    return jr_error (err, ENOMEM, "network: NO_PROXY");
  snprintf (v, len, "localhost,127.0.0.1,::1%s%s", user && *user ? "," : "", user ? user : "");
  int r = env_put (n, key, v, err);
  free (v);
  return r;
}

/* The proxy variables for the jail's environment, into n->env. */
static int
proxy_env (struct jr_net *n, char *const *user_env, uint32_t gw, jail_error **err)
{
  char ip[16], url[64];
  uint32_t be = htonl (gw);
  inet_ntop (AF_INET, &be, ip, sizeof ip);
  snprintf (url, sizeof url, "http://%s:%d", ip, JR_PROXY_PORT);
  static const char *const keys[] = { "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", NULL };
  int r = 0;
  for (size_t i = 0; r == 0 && keys[i]; i++)
    r = env_put (n, keys[i], url, err);
  if (r == 0)
    r = no_proxy_env (n, user_env, "NO_PROXY", "no_proxy", err);
  if (r == 0)
    r = no_proxy_env (n, user_env, "no_proxy", "NO_PROXY", err);
  return r;
}

/* Does the rootfs have a regular /etc/hosts (resolved inside it)? */
static bool
rootfs_has_hosts (const char *rootfs)
{
  int root = open (rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  struct open_how how = { .flags = O_PATH | O_CLOEXEC | O_NOFOLLOW,
                          .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
  int fd = root >= 0 ? (int) syscall (SYS_openat2, root, "etc/hosts", &how, sizeof how) : -1;
  struct stat st;
  bool ok = fd >= 0 && fstat (fd, &st) == 0 && S_ISREG (st.st_mode);
  if (fd >= 0)
    close (fd);
  if (root >= 0)
    close (root);
  return ok;
}

/* Network i (> 0) is usable with the first: the same user namespace
 * (rootless: one holder namespace per user; uns the first's), and a
 * subnet that overlaps no earlier one. */
static int
check_extra (struct jr_net *n, size_t i, int uns, jail_error **err)
{
  const struct jr_netinfo *a = &n->named[i];
  struct stat s0, s1;
  if (uns >= 0 && (fstat (n->plan.network_userns_fd, &s0) < 0 || fstat (uns, &s1) < 0 || s0.st_ino != s1.st_ino))
    return jr_error_msg (err, EXDEV, "--network %s: its holder is in another user namespace than network %s's "
                                     "(made by an older jailrun?): 'jailrun network rm %s' and create it again",
                         a->name,
                         n->named[0].name, a->name);
  for (size_t j = 0; j < i; j++)
    {
      const struct jr_netinfo *b = &n->named[j];
      int p = a->prefix < b->prefix ? a->prefix : b->prefix;
      uint32_t mask = p ? ~0u << (32 - p) : 0;
      if ((a->subnet & mask) == (b->subnet & mask))
        return jr_error_msg (err, EINVAL, "--network %s and --network %s: their subnets overlap; a jail on both "
                                          "could not tell them apart (create one with another --subnet)",
                             b->name, a->name);
    }
  return 0;
}

/* Open the named networks: the first one's netns (and, rootless, user
 * namespace) in the plan's network fields, the others' in plan.extra. */
static int
open_named (struct jr_net *n, jail_error **err)
{
  size_t k = n->nc->n_networks;
  n->named = calloc (k, sizeof *n->named);
  if (n->named == NULL)
    return jr_error (err, ENOMEM, "network");
  int r = n->store->open (n->nc->networks[0], &n->named[0], &n->plan.network_fd, &n->plan.network_userns_fd, err);
  n->n_named = r == 0;
  for (size_t i = 1; r == 0 && i < k; i++)
    {
      struct jr_netjoin *x = &n->plan.extra[i - 1];
      int uns = -1;
      r = n->store->open (n->nc->networks[i], &n->named[i], &x->fd, &uns, err);
      if (r < 0)
        break;
      n->n_named++;
      n->plan.n_extra++;
      x->prefix = n->named[i].prefix;
      r = check_extra (n, i, uns, err);
      if (uns >= 0)
        close (uns);
    }
  if (r == 0)
    n->plan.prefix = n->named[0].prefix, n->plan.bridge_addr = n->named[0].subnet + 1;
  return r;
}

/* --network NAME...: open the networks, and show the jail the network's
 * hosts file (several: a merged one of its own) as /etc/hosts, read-only,
 * unless -v names one. */
static int
prepare_named (const struct jr_net_settings *set, struct jr_net *n, jail_error **err)
{
  n->store = set->store;
  if (n->store == NULL)
    return jr_error_msg (err, EINVAL, "network: --network needs the named-network store");
  int r = open_named (n, err);
  if (r < 0)
    return r;
  if (set->own_hosts || !rootfs_has_hosts (set->rootfs))
    return 0;
  char spec[4300];
  snprintf (spec, sizeof spec, "%s/hosts:/etc/hosts:ro", n->named->dir);
  if (n->n_named > 1)
    {
      n->merged_fd = n->store->merged_open (&n->merged_path, err);
      if (n->merged_fd < 0)
        return n->merged_fd;
      r = n->store->merged_write (n->named, n->n_named, n->merged_fd);
      if (r < 0)
        return jr_error (err, -r, "network: %s", n->merged_path);
      snprintf (spec, sizeof spec, "%s:/etc/hosts:ro", n->merged_path);
    }
  if ((n->volume = strdup (spec)) == NULL)
    return jr_error (err, ENOMEM, "network");
  return 0;
}

int
jr_net_prepare (const struct jr_net_settings *set, struct jr_net **out, jail_error **err)
{
  struct jr_netcfg *nc = set->nc;
  *out = NULL;
  if (set->mode != JAIL_NET_PROXY && nc && (nc->n_allow || nc->audit_log || nc->upstream_host[0]))
    return jr_error_msg (err, EINVAL, "network: --allow, --allow-file, --allow-private, --upstream-proxy and --audit-log "
                                      "need --net-allow proxy");
  struct jr_net *n = calloc (1, sizeof *n);
  if (n == NULL)
    return jr_error (err, ENOMEM, "network");
  *out = n;
  n->mode = set->mode;
  n->nc = nc;
  n->helper = (struct jr_helper) { .pid = -1, .pidfd = -1, .sock = -1 };
  n->ns_user = n->ns_net = -1;
  n->plan.bridge = n->mode != JAIL_NET_NONE;
  n->plan.prefix = nc ? nc->prefix : 16;
  n->plan.bridge_addr = (nc ? nc->subnet : 0x0a580000u) + 1;
  n->plan.network_fd = -1;
  n->plan.network_userns_fd = -1;
  n->merged_fd = n->watch_fd = -1;
  int r = n->plan.bridge && nc && nc->n_networks ? prepare_named (set, n, err) : 0;
  if (r == 0)
    r = jr_fwd_new (&n->fwd, nc, err);
  if (r == 0 && n->mode == JAIL_NET_PROXY)
    {
      n->plan.proxy_port = JR_PROXY_PORT;
      r = jr_proxy_new (&n->proxy, nc, err);
      if (r == 0)
        r = proxy_env (n, set->env, n->named ? 0x7f000001u : n->plan.bridge_addr, err); /* named: on the jail's lo */
    }
  return r;
}

/* The networks' hosts files changed: rewrite our merged one. */
static void
on_hosts_change (struct jr_loop_src *src, uint32_t ev)
{
  struct jr_net *n = (struct jr_net *) ((char *) src - offsetof (struct jr_net, watch_src));
  char buf[4096];
  while (read (n->watch_fd, buf, sizeof buf) > 0)
    ;
  n->store->merged_write (n->named, n->n_named, n->merged_fd);
}

/* Watch the networks' hosts files (IN_MODIFY: they are rewritten in
 * place) and keep the merged /etc/hosts current from the loop. */
static int
watch_hosts (struct jr_net *n, struct jr_loop *loop, jail_error **err)
{
  n->watch_fd = inotify_init1 (IN_NONBLOCK | IN_CLOEXEC);
  if (n->watch_fd < 0)
    return jr_error (err, errno, "network: inotify");
  for (size_t i = 0; i < n->n_named; i++)
    {
      char p[4200];
      snprintf (p, sizeof p, "%s/hosts", n->named[i].dir);
      if (inotify_add_watch (n->watch_fd, p, IN_MODIFY) < 0)
        return jr_error (err, errno, "network: watch %s", p);
    }
  if (jr_loop_add (loop, &n->watch_src, n->watch_fd, EPOLLIN, on_hosts_change) < 0)
    return jr_error (err, errno, "network: watch the hosts files");
  int r = n->store->merged_write (n->named, n->n_named, n->merged_fd);
  return r < 0 ? jr_error (err, -r, "network: %s", n->merged_path) : 0;
}

/* On named networks: a free address of each one's subnet (eth0 on the
 * first, eth1 ...) and our names in each hosts file (on several, the
 * merged /etc/hosts is kept current from jr_net_ready on). */
static int
join_named (struct jr_net *n, pid_t pid, jail_error **err)
{
  for (size_t i = 0; i < n->n_named; i++)
    {
      uint32_t *addr = i == 0 ? &n->plan.jail_addr : &n->plan.extra[i - 1].jail_addr;
      int r = n->store->join (&n->named[i], n->nc->aliases, addr, err);
      if (r < 0)
        return r;
      n->joined[i] = true;
    }
  snprintf (n->plan.veth, sizeof n->plan.veth, "vj%d", (int) pid);
  for (int i = 0; i < n->plan.n_extra; i++) /* each in its own network's netns */
    snprintf (n->plan.extra[i].veth, sizeof n->plan.extra[i].veth, "vj%d", (int) pid);
  return 0;
}

void
jr_net_netns_only (struct jr_net *n)
{
  n->plan.netns_only = true;
}

/* The jail's netns (and, for a private network, its userns) for the
 * helper, opened now: the jail's init is dumpable only until it is let
 * go, and the helper starts after that (its clone and join overlap the
 * init's mounts instead of delaying them). */
static int
open_ns (struct jr_net *n, pid_t pid, jail_error **err)
{
  char p[64];
  if (n->plan.network_fd < 0 && !n->plan.netns_only)
    {
      snprintf (p, sizeof p, "/proc/%d/ns/user", (int) pid);
      if ((n->ns_user = open (p, O_RDONLY | O_CLOEXEC)) < 0)
        return jr_error (err, errno, "netns: open the jail's user namespace");
    }
  snprintf (p, sizeof p, "/proc/%d/ns/net", (int) pid);
  if ((n->ns_net = open (p, O_RDONLY | O_CLOEXEC)) < 0)
    return jr_error (err, errno, "netns: open the jail's network namespace");
  return 0;
}

/* Close what open_ns opened. */
static void
close_ns (struct jr_net *n)
{
  if (n->ns_user >= 0)
    close (n->ns_user);
  if (n->ns_net >= 0)
    close (n->ns_net);
  n->ns_user = n->ns_net = -1;
}

int
jr_net_attach (struct jr_net *n, pid_t pid, int pidfd, jail_error **err)
{
  bool need = n->plan.bridge || jr_fwd_has_listeners (n->fwd);
  /* The jail's address: unique among the jails alive now because pids
   * are (each jail also has a bridge of its own). */
  uint32_t hosts = (1u << (32 - n->plan.prefix)) - 3;
  n->plan.jail_addr = n->plan.bridge_addr + 1 + (uint32_t) pid % hosts;
  if (n->named)
    {
      int r = join_named (n, pid, err);
      if (r < 0)
        return r;
    }
  if (!need)
    return 0;
  (void) pidfd;
  return open_ns (n, pid, err);
}

int
jr_net_ready (struct jr_net *n, struct jr_loop *loop, pid_t pid, jail_error **err)
{
  int r = n->merged_fd >= 0 ? watch_hosts (n, loop, err) : 0;
  if (r < 0 || n->ns_net < 0)
    return r;
  n->helper_started = true;
  r = jr_helper_start (&n->helper, n->ns_user, n->ns_net, &n->plan, err);
  close_ns (n);
  if (r == 0)
    r = jr_helper_ready (&n->helper, err);
  if (r < 0)
    return r;
  jr_fwd_attach (n->fwd, loop, &n->helper);
  if (n->proxy)
    {
      int l = jr_helper_listener (&n->helper, err);
      if (l < 0)
        return l;
      jr_proxy_attach (n->proxy, loop, n->fwd, l, pid);
    }
  return 0;
}

void
jr_net_release (struct jr_net *n)
{
  if (n == NULL)
    return;
  jr_proxy_free (n->proxy);
  jr_fwd_free (n->fwd);
  if (n->helper_started)
    jr_helper_stop (&n->helper);
  close_ns (n);
  for (size_t i = 0; i < n->n_named; i++)
    if (n->joined[i])
      n->store->leave (&n->named[i], i == 0 ? n->plan.jail_addr : n->plan.extra[i - 1].jail_addr);
  if (n->plan.network_fd >= 0)
    close (n->plan.network_fd);
  if (n->plan.network_userns_fd >= 0)
    close (n->plan.network_userns_fd);
  for (int i = 0; i < n->plan.n_extra; i++)
    close (n->plan.extra[i].fd);
  if (n->watch_fd >= 0)
    close (n->watch_fd); /* (closing drops it from the loop's epoll set) */
  if (n->merged_fd >= 0)
    close (n->merged_fd);
  if (n->merged_path)
    unlink (n->merged_path);
  free (n->merged_path);
  free (n->named);
  for (size_t i = 0; i < n->n_env; i++)
    free (n->env[i]);
  free (n->volume);
  free (n);
}

char *const *
jr_net_env (const struct jr_net *n)
{
  return n ? n->env : NULL;
}

const char *
jr_net_volume (const struct jr_net *n)
{
  return n ? n->volume : NULL;
}

int
jr_net_hold_ports (struct jr_net *n, jail_error **err)
{
  struct jr_netcfg *nc = n ? n->nc : NULL; /* the supervisor's own copy of the config */
  if (nc == NULL || nc->n_publish == 0 || nc->held)
    return 0;
  nc->held = calloc (nc->n_publish, sizeof *nc->held);
  if (nc->held == NULL)
    return jr_error (err, ENOMEM, "publish");
  for (size_t i = 0; i < nc->n_publish; i++)
    nc->held[i] = -1;
  for (size_t i = 0; i < nc->n_publish; i++)
    if ((nc->held[i] = fcntl (jr_fwd_listener (n->fwd, i), F_DUPFD_CLOEXEC, 3)) < 0)
      return jr_error (err, errno, "publish %s: dup", nc->publish[i].spec);
  return 0;
}

size_t
jr_netcfg_held (const struct jr_netcfg *nc, int *fds, size_t max)
{
  size_t k = 0;
  for (size_t i = 0; nc && nc->held && i < nc->n_publish && k < max; i++)
    if (nc->held[i] >= 0)
      fds[k++] = nc->held[i];
  return k;
}

int
jr_net_control (struct jr_net *n, int op, char *const specs[], size_t nspecs, uid_t uid, pid_t pid,
                char **text, jail_error **err)
{
  if (n == NULL || n->proxy == NULL)
    return jr_error_msg (err, EOPNOTSUPP, "net: this jail has no egress proxy: start it with --net-allow proxy "
                                          "(an empty allowlist keeps it off until 'jailrun net allow')");
  return jr_proxy_control (n->proxy, op, specs, nspecs, uid, pid, text, err);
}

int
jr_net_userns (const struct jr_net *n)
{
  return n ? n->plan.network_userns_fd : -1;
}

void
jr_net_sigpipe_block (struct jr_net *n)
{
  if (n)
    jr_sigpipe_block (&n->sigpipe);
}

void
jr_net_sigpipe_restore (struct jr_net *n)
{
  if (n)
    jr_sigpipe_restore (&n->sigpipe);
}

/* Append an IPv4 address (host order) as a JSON string. */
static size_t
put_ip (char *buf, size_t sz, size_t o, const char *key, uint32_t a, bool comma)
{
  char t[16];
  uint32_t be = htonl (a);
  inet_ntop (AF_INET, &be, t, sizeof t);
  int w = snprintf (buf + o, o < sz ? sz - o : 0, "%s\"%s\":\"%s\"", comma ? "," : "", key, t);
  return o + (size_t) (w > 0 ? w : 0);
}

int
jr_net_describe (const struct jr_net *n, char *buf, size_t sz)
{
  size_t o = (size_t) snprintf (buf, sz, "{\"mode\":\"%s\"", jr_net_mode_name (n->mode));
  if (n->plan.bridge)
    {
      if (n->plan.jail_addr) /* known once the jail exists */
        o = put_ip (buf, sz, o, "address", n->plan.jail_addr, true);
      o = put_ip (buf, sz, o, "gateway", n->plan.bridge_addr, true);
      o += (size_t) snprintf (buf + o, o < sz ? sz - o : 0, ",\"prefix\":%d", n->plan.prefix);
    }
  o += (size_t) snprintf (buf + o, o < sz ? sz - o : 0, ",\"publish\":[");
  for (size_t i = 0; n->nc && i < n->nc->n_publish; i++)
    o += (size_t) snprintf (buf + o, o < sz ? sz - o : 0, "%s\"%s\"", i ? "," : "", n->nc->publish[i].spec);
  o += (size_t) snprintf (buf + o, o < sz ? sz - o : 0, "],\"allow\":[");
  for (size_t i = 0; n->mode == JAIL_NET_PROXY && n->nc && i < n->nc->n_allow; i++)
    {
      const struct jr_allow *a = &n->nc->allow[i];
      if (a->any_port)
        o += (size_t) snprintf (buf + o, o < sz ? sz - o : 0, "%s\"%s\"", i ? "," : "", a->host);
      else
        o += (size_t) snprintf (buf + o, o < sz ? sz - o : 0, a->literal && strchr (a->host, ':') ? "%s\"[%s]:%u\"" : "%s\"%s:%u\"", i ? "," : "", a->host, a->port);
    }
  o += (size_t) snprintf (buf + o, o < sz ? sz - o : 0, "]}");
  return o < sz ? (int) o : -ENOSPC;
}
