/* inspect.c - the effective configuration of a long-running jail as JSON
 * (written once by its supervisor into config.json), and the public calls
 * that read the state: jail_inspect, jail_info (jail_list: state.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lifecycle.h"
#include "netns.h"

/* Add key: a JSON string (null for NULL) to o. */
static void
put_str (json_object *o, const char *key, const char *s)
{
  json_object_object_add (o, key, s ? json_object_new_string (s) : NULL);
}

/* JSON array of the capability names in mask. */
static json_object *
jcaps (uint64_t mask)
{
  json_object *a = json_object_new_array ();
  for (int c = 0; c < 64; c++)
    if (mask & (1ull << c))
      {
        char num[16];
        const char *n = jr_cap_name (c);
        if (n == NULL)
          snprintf (num, sizeof num, "%d", c); /* as libcap named it */
        json_object_array_add (a, json_object_new_string (n ? n : num));
      }
  return a;
}

/* One mount entry. */
static void
jmount (json_object *a, const char *type, const char *src, const char *dst, const char *flags)
{
  json_object *m = json_object_new_object ();
  put_str (m, "Type", type);
  put_str (m, "Source", src);
  put_str (m, "Destination", dst);
  put_str (m, "Options", flags);
  json_object_array_add (a, m);
}

/* The Mounts array: root, the fixed mounts and the user's. */
static json_object *
jmounts (const struct jail_config *cfg)
{
  json_object *a = json_object_new_array ();
  jmount (a, "bind", cfg->rootfs, "/", cfg->read_write ? "rw,nosuid,nodev,private" : "ro,nosuid,nodev,private");
  jmount (a, "proc", "proc", "/proc", "rw,nosuid,nodev,noexec");
  jmount (a, "tmpfs", "tmpfs", "/dev", "rw,nosuid,noexec,size=64k,mode=755");
  jmount (a, "devpts", "devpts", "/dev/pts", "rw,nosuid,noexec");
  jmount (a, "tmpfs", "tmpfs", "/dev/shm", "rw,nosuid,nodev,noexec,size=64m,mode=1777");
  jmount (a, "tmpfs", "tmpfs", "/tmp", "rw,nosuid,nodev,noexec,size=64m,mode=1777");
  for (size_t i = 0; i < cfg->n_volumes; i++)
    jmount (a, "bind", cfg->volumes[i].src, cfg->volumes[i].dst,
            cfg->volumes[i].idmap ? (cfg->volumes[i].ro ? "ro,nosuid,nodev,bind,idmap" : "rw,nosuid,nodev,bind,idmap")
            : cfg->volumes[i].ro  ? "ro,nosuid,nodev,rbind"
                                  : "rw,nosuid,nodev,rbind");
  for (size_t i = 0; i < cfg->n_tmpfs; i++)
    {
      char opt[128];
      snprintf (opt, sizeof opt, "rw,nosuid,nodev%s,size=%llu,mode=%o", cfg->tmpfs[i].exec ? "" : ",noexec",
                cfg->tmpfs[i].size, cfg->tmpfs[i].mode);
      jmount (a, "tmpfs", "tmpfs", cfg->tmpfs[i].dst, opt);
    }
  return a;
}

/* Limits asked (bit JR_CG_*) and enforced by cg. */
static unsigned
limits_asked (const struct jr_limits *l)
{
  return (l->memory ? JR_CG_MEMORY : 0) | (l->cpus > 0 ? JR_CG_CPU : 0) | (l->pids > 0 ? JR_CG_PIDS : 0);
}

static unsigned
limits_on (const struct jr_cgroup *cg)
{
  return cg && cg->fd >= 0 ? cg->limited : 0;
}

/* "memory=512M cpus=0.5 pids=64" for the limits in mask, "-" if none. */
static void
limits_words (const struct jr_limits *l, unsigned mask, char *buf, size_t size)
{
  size_t n = 0;
  buf[0] = '\0';
  if ((mask & JR_CG_MEMORY) && n < size)
    n += (size_t) snprintf (buf + n, size - n, "memory=%lluM ", l->memory >> 20);
  if ((mask & JR_CG_CPU) && n < size)
    n += (size_t) snprintf (buf + n, size - n, "cpus=%g ", l->cpus);
  if ((mask & JR_CG_PIDS) && n < size)
    n += (size_t) snprintf (buf + n, size - n, "pids=%lld ", l->pids);
  if (n == 0)
    snprintf (buf, size, "-");
  else if (n <= size)
    buf[n - 1] = '\0';
}

void
jr_limits_text (const struct jail_config *cfg, const struct jr_cgroup *cg, char *buf, size_t size)
{
  limits_words (&cfg->limits, limits_asked (&cfg->limits) & limits_on (cg), buf, size);
}

void
jr_limits_missing_text (const struct jail_config *cfg, const struct jr_cgroup *cg, char *buf, size_t size)
{
  limits_words (&cfg->limits, limits_asked (&cfg->limits) & ~limits_on (cg), buf, size);
}

/* The Cgroup member: path and limits, with what is and is not enforced. */
static json_object *
jcgroup (const struct jail_config *cfg, const struct jr_cgroup *cg)
{
  json_object *o = json_object_new_object (), *l = json_object_new_object ();
  char *p = NULL;
  if (cg && cg->fd >= 0 && cg->parent && cg->name && asprintf (&p, "%s/%s", cg->parent, cg->name) < 0)
    p = NULL;
  put_str (o, "Path", p);
  free (p);
  const struct jr_limits *lim = &cfg->limits;
  unsigned asked = limits_asked (lim), on = asked & limits_on (cg);
  json_object_object_add (l, "MemoryBytes", json_object_new_int64 ((int64_t) lim->memory));
  json_object_object_add (l, "Cpus", json_object_new_double (lim->cpus));
  json_object_object_add (l, "Pids", json_object_new_int64 (lim->pids));
  put_str (l, "Mode", lim->mode == JAIL_LIMITS_BEST_EFFORT ? "best-effort" : "strict");
  char buf[128];
  limits_words (lim, on, buf, sizeof buf);
  put_str (l, "Enforced", buf);
  limits_words (lim, asked & ~on, buf, sizeof buf);
  put_str (l, "NotEnforced", buf);
  json_object_object_add (o, "Limits", l);
  return o;
}

/* Security and identity members. */
static void
jsecurity (json_object *o, const struct jail_config *cfg, const struct jr_hostids *ids)
{
  json_object *u = json_object_new_object (), *c = json_object_new_object (), *sc = json_object_new_object ();
  json_object_object_add (u, "Uid", json_object_new_int64 (cfg->uid));
  json_object_object_add (u, "Gid", json_object_new_int64 (cfg->gid));
  json_object_object_add (u, "HostUid", json_object_new_int64 ((int64_t) ids->uid));
  json_object_object_add (u, "HostGid", json_object_new_int64 ((int64_t) ids->gid));
  json_object_object_add (o, "User", u);
  const char *sets[] = { "Bounding", "Effective", "Permitted", "Inheritable", "Ambient" };
  for (size_t i = 0; i < 5; i++)
    json_object_object_add (c, sets[i], jcaps (cfg->caps));
  json_object_object_add (o, "Capabilities", c);
  json_object_object_add (o, "NoNewPrivileges", json_object_new_boolean (1));
  put_str (sc, "Mode", strcmp (cfg->seccomp, "unconfined") == 0 ? "disabled" : "filter");
  put_str (sc, "Profile", cfg->seccomp);
  json_object_object_add (o, "Seccomp", sc);
  json_object *ns = json_object_new_array ();
  const char *names[] = { "user", "pid", "mount", "network", "ipc", "uts", "cgroup" };
  for (size_t i = 0; i < 7; i++)
    json_object_array_add (ns, json_object_new_string (names[i]));
  json_object_object_add (o, "Namespaces", ns);
}

/* Host address and port of a published port, as text. */
static void
publish_host (const struct jr_publish *p, char *ip, size_t size, unsigned *port)
{
  const struct sockaddr_in *a4 = (const void *) &p->host;
  const struct sockaddr_in6 *a6 = (const void *) &p->host;
  if (p->host.ss_family == AF_INET6)
    {
      inet_ntop (AF_INET6, &a6->sin6_addr, ip, (socklen_t) size);
      *port = ntohs (a6->sin6_port);
    }
  else
    {
      inet_ntop (AF_INET, &a4->sin_addr, ip, (socklen_t) size);
      *port = ntohs (a4->sin_port);
    }
}

int
jr_ports_text (const struct jail_config *cfg, char *buf, size_t size)
{
  size_t n = 0;
  buf[0] = '\0';
  for (size_t i = 0; cfg->netcfg && i < cfg->netcfg->n_publish && n < size; i++)
    {
      const struct jr_publish *p = &cfg->netcfg->publish[i];
      char ip[INET6_ADDRSTRLEN];
      unsigned port;
      publish_host (p, ip, sizeof ip, &port);
      n += (size_t) snprintf (buf + n, size - n, p->host.ss_family == AF_INET6 ? "%s[%s]:%u->%u/tcp" : "%s%s:%u->%u/tcp",
                              n ? "," : "", ip, port, p->jail_port);
    }
  if (n == 0)
    snprintf (buf, size, "-");
  return n < size ? 0 : -ENOSPC;
}

/* The Ports array: host address, host port, jail port, protocol. */
static json_object *
jports (const struct jail_config *cfg)
{
  json_object *a = json_object_new_array ();
  for (size_t i = 0; cfg->netcfg && i < cfg->netcfg->n_publish; i++)
    {
      const struct jr_publish *p = &cfg->netcfg->publish[i];
      json_object *o = json_object_new_object ();
      char ip[INET6_ADDRSTRLEN];
      unsigned port;
      publish_host (p, ip, sizeof ip, &port);
      put_str (o, "HostIp", ip);
      json_object_object_add (o, "HostPort", json_object_new_int (port));
      json_object_object_add (o, "JailPort", json_object_new_int (p->jail_port));
      put_str (o, "Protocol", "tcp");
      json_object_array_add (a, o);
    }
  return a;
}

/* The Network member from the live network (jr_net_describe): mode, the
 * jail's addresses, gateway, published ports, allowlist. */
static json_object *
jnetwork (const struct jail_config *cfg, const struct jr_net *net)
{
  char buf[16384];
  json_object *d = net && jr_net_describe (net, buf, sizeof buf) > 0 ? json_tokener_parse (buf) : NULL;
  json_object *o = json_object_new_object (), *addrs = json_object_new_array (), *v;
  put_str (o, "Mode", json_object_object_get_ex (d, "mode", &v) ? json_object_get_string (v) : jr_net_mode_name (cfg->net_mode));
  json_object_array_add (addrs, json_object_new_string ("127.0.0.1/8"));
  json_object_array_add (addrs, json_object_new_string ("::1/128"));
  if (json_object_object_get_ex (d, "address", &v))
    {
      json_object *pfx = NULL;
      json_object_object_get_ex (d, "prefix", &pfx);
      char a[64];
      snprintf (a, sizeof a, "%s/%d", json_object_get_string (v), json_object_get_int (pfx));
      json_object_array_add (addrs, json_object_new_string (a));
    }
  json_object_object_add (o, "Addresses", addrs);
  put_str (o, "Gateway", json_object_object_get_ex (d, "gateway", &v) ? json_object_get_string (v) : NULL);
  json_object_object_add (o, "Ports", jports (cfg));
  json_object_object_add (o, "Allow", json_object_object_get_ex (d, "allow", &v) ? json_object_get (v) : json_object_new_array ());
  json_object_put (d);
  return o;
}

/* Pretty JSON text of o (malloc'd, with a final newline); drops o. */
static char *
to_text (json_object *o)
{
  const char *t = json_object_to_json_string_ext (o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
  char *out = NULL;
  if (t == NULL || asprintf (&out, "%s\n", t) < 0)
    out = NULL;
  json_object_put (o);
  return out;
}

char *
jr_config_json (const struct jail_config *cfg, const char *name, const struct jr_cgroup *cg, const struct jr_net *net,
                const struct jr_hostids *ids)
{
  json_object *o = json_object_new_object (), *env = json_object_new_array ();
  put_str (o, "Name", name);
  put_str (o, "Rootfs", cfg->rootfs);
  json_object_object_add (o, "HostRoot", json_object_new_boolean (cfg->host_root));
  json_object_object_add (o, "ReadOnlyRoot", json_object_new_boolean (!cfg->read_write));
  json_object_object_add (o, "Mounts", jmounts (cfg));
  jsecurity (o, cfg, ids);
  json_object_object_add (o, "Cgroup", jcgroup (cfg, cg));
  json_object_object_add (o, "Network", jnetwork (cfg, net));
  put_str (o, "Hostname", cfg->hostname);
  put_str (o, "Workdir", cfg->workdir);
  json_object_object_add (o, "Timeout", json_object_new_double (cfg->timeout));
  for (size_t i = 0; i < cfg->n_env; i++)
    json_object_array_add (env, json_object_new_string (cfg->env[i]));
  json_object_object_add (o, "Env", env);
  return to_text (o);
}

int
jail_info (const char *name, const char *key, char **value, jail_error **err)
{
  char *text cleanup_free = NULL;
  int r = jr_state_read (name, "state", &text, err);
  if (r < 0)
    return r;
  char buf[4096];
  if (strcmp (key, "state") == 0)
    {
      char raw[32];
      jr_state_get (text, "state", raw, sizeof raw);
      enum jr_jail_state st = jr_state_of (text);
      snprintf (buf, sizeof buf, "%s", st == JR_STATE_STARTING && strcmp (raw, "restarting") == 0 ? raw : jr_state_name (st));
    }
  else if (strcmp (key, "uptime") == 0)
    {
      long long c = jr_state_get_ll (text, "created", 0), e = jr_state_get_ll (text, "finished", 0);
      snprintf (buf, sizeof buf, "%lld", (e ? e : (long long) time (NULL)) - c);
    }
  else if (!jr_state_get (text, key, buf, sizeof buf))
    return jr_error_msg (err, ENOENT, "jail %s: no value for '%s'", name, key);
  *value = strdup (buf);
  return *value ? 0 : jr_error (err, ENOMEM, "info");
}

int
jail_inspect (const char *name, char **json, jail_error **err)
{
  char *text cleanup_free = NULL, *cfg cleanup_free = NULL;
  int r = jr_state_read (name, "state", &text, err);
  if (r < 0)
    return r;
  jr_state_read (name, "config.json", &cfg, NULL);
  json_object *o = json_object_new_object (), *st = json_object_new_object ();
  put_str (o, "Name", name);
  put_str (st, "Status", jr_state_name (jr_state_of (text)));
  json_object_object_add (st, "SupervisorPid", json_object_new_int64 (jr_state_get_ll (text, "supervisor_pid", 0)));
  json_object_object_add (st, "InitPid", json_object_new_int64 (jr_state_get_ll (text, "init_pid", 0)));
  json_object_object_add (st, "Created", json_object_new_int64 (jr_state_get_ll (text, "created", 0)));
  char v[1024]; /* health_output is the longest value */
  json_object_object_add (st, "RestartCount", json_object_new_int64 (jr_state_get_ll (text, "restart_count", 0)));
  if (jr_state_get (text, "restart_policy", v, sizeof v))
    put_str (st, "RestartPolicy", v);
  if (jr_state_get (text, "exit_status", v, sizeof v))
    json_object_object_add (st, "ExitStatus", json_object_new_int64 (jr_state_get_ll (text, "exit_status", 0)));
  if (jr_state_get (text, "health", v, sizeof v))
    {
      json_object *h = json_object_new_object ();
      json_object_object_add (h, "Status", json_object_new_string (v));
      json_object_object_add (h, "FailingStreak", json_object_new_int64 (jr_state_get_ll (text, "health_failing", 0)));
      json_object_object_add (h, "LastExitCode", json_object_new_int64 (jr_state_get_ll (text, "health_exit", -1)));
      if (!jr_state_get (text, "health_output", v, sizeof v))
        v[0] = '\0';
      json_object_object_add (h, "LastOutput", json_object_new_string (v));
      json_object_object_add (st, "Health", h);
    }
  json_object_object_add (o, "State", st);
  json_object_object_add (o, "Config", cfg && *cfg ? json_tokener_parse (cfg) : NULL);
  *json = to_text (o);
  return *json ? 0 : jr_error (err, ENOMEM, "inspect");
}
