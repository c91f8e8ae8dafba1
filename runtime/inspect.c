/* inspect.c - the effective configuration of a long-running jail as JSON
 * (written once by its supervisor into config.json), and the public calls
 * that read the state: jail_list, jail_inspect, jail_info. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <time.h>
#include <unistd.h>

#include "lifecycle.h"

/* A JSON string (quoted, escaped). */
static void
jstr (FILE *f, const char *s)
{
  fputc ('"', f);
  for (; s && *s; s++)
    {
      unsigned char c = (unsigned char) *s;
      if (c == '"' || c == '\\')
        fprintf (f, "\\%c", c);
      else if (c < 0x20)
        fprintf (f, "\\u%04x", c);
      else
        fputc (c, f);
    }
  fputc ('"', f);
}

/* "key": as the start of a member. */
static void
jkey (FILE *f, const char *k)
{
  jstr (f, k);
  fputs (": ", f);
}

/* JSON array of the capability names in mask. */
static void
jcaps (FILE *f, uint64_t mask)
{
  fputc ('[', f);
  bool first = true;
  for (int c = 0; c < 64; c++)
    if (mask & (1ull << c))
      {
        char *n = cap_to_name (c);
        fputs (first ? "" : ", ", f);
        jstr (f, n);
        cap_free (n);
        first = false;
      }
  fputc (']', f);
}

/* One mount entry. */
static void
jmount (FILE *f, const char *type, const char *src, const char *dst, const char *flags, bool *first)
{
  fprintf (f, "%s\n    {", *first ? "" : ",");
  jkey (f, "Type");
  jstr (f, type);
  fputs (", ", f);
  jkey (f, "Source");
  jstr (f, src);
  fputs (", ", f);
  jkey (f, "Destination");
  jstr (f, dst);
  fputs (", ", f);
  jkey (f, "Options");
  jstr (f, flags);
  fputc ('}', f);
  *first = false;
}

/* The Mounts array: root, the fixed mounts and the user's. */
static void
jmounts (FILE *f, const struct jail_config *cfg)
{
  bool first = true;
  fputs ("[", f);
  jmount (f, "bind", cfg->rootfs, "/", cfg->read_write ? "rw,nosuid,nodev,private" : "ro,nosuid,nodev,private", &first);
  jmount (f, "proc", "proc", "/proc", "rw,nosuid,nodev,noexec", &first);
  jmount (f, "tmpfs", "tmpfs", "/dev", "rw,nosuid,noexec,size=64k,mode=755", &first);
  jmount (f, "devpts", "devpts", "/dev/pts", "rw,nosuid,noexec", &first);
  jmount (f, "tmpfs", "tmpfs", "/dev/shm", "rw,nosuid,nodev,noexec,size=64m,mode=1777", &first);
  jmount (f, "tmpfs", "tmpfs", "/tmp", "rw,nosuid,nodev,noexec,size=64m,mode=1777", &first);
  for (size_t i = 0; i < cfg->n_volumes; i++)
    jmount (f, "bind", cfg->volumes[i].src, cfg->volumes[i].dst,
            cfg->volumes[i].ro ? "ro,nosuid,nodev,rbind" : "rw,nosuid,nodev,rbind", &first);
  for (size_t i = 0; i < cfg->n_tmpfs; i++)
    {
      char opt[128];
      snprintf (opt, sizeof opt, "rw,nosuid,nodev%s,size=%llu,mode=%o", cfg->tmpfs[i].exec ? "" : ",noexec",
                cfg->tmpfs[i].size, cfg->tmpfs[i].mode);
      jmount (f, "tmpfs", "tmpfs", cfg->tmpfs[i].dst, opt, &first);
    }
  fputs ("\n  ]", f);
}

void
jr_limits_text (const struct jail_config *cfg, const struct jr_cgroup *cg, char *buf, size_t size)
{
  const struct jr_limits *l = &cfg->limits;
  unsigned on = cg && cg->fd >= 0 ? cg->limited : 0;
  int n = snprintf (buf, size, "%s", "");
  if (l->memory && (on & JR_CG_MEMORY))
    n += snprintf (buf + n, size - (size_t) n, "memory=%lluM ", l->memory >> 20);
  if (l->cpus > 0 && (on & JR_CG_CPU) && (size_t) n < size)
    n += snprintf (buf + n, size - (size_t) n, "cpus=%g ", l->cpus);
  if (l->pids > 0 && (on & JR_CG_PIDS) && (size_t) n < size)
    n += snprintf (buf + n, size - (size_t) n, "pids=%lld ", l->pids);
  if (n == 0)
    snprintf (buf, size, "-");
  else if ((size_t) n <= size)
    buf[n - 1] = '\0';
}

/* The Cgroup member: path and limits. */
static void
jcgroup (FILE *f, const struct jail_config *cfg, const struct jr_cgroup *cg)
{
  fputs ("  \"Cgroup\": {\"Path\": ", f);
  if (cg && cg->fd >= 0 && cg->parent && cg->name)
    {
      char *p = NULL;
      if (asprintf (&p, "%s/%s", cg->parent, cg->name) >= 0)
        jstr (f, p);
      free (p);
    }
  else
    fputs ("null", f);
  const struct jr_limits *l = &cfg->limits;
  char on[128];
  jr_limits_text (cfg, cg, on, sizeof on);
  fprintf (f, ", \"Limits\": {\"MemoryBytes\": %llu, \"Cpus\": %g, \"Pids\": %lld, \"Enforced\": ",
           l->memory, l->cpus, l->pids);
  jstr (f, on);
  fputs ("}},\n", f);
}

/* Security and identity members. */
static void
jsecurity (FILE *f, const struct jail_config *cfg, const struct jr_hostids *ids)
{
  fprintf (f, "  \"User\": {\"Uid\": %u, \"Gid\": %u, \"HostUid\": %llu, \"HostGid\": %llu},\n",
           cfg->uid, cfg->gid, ids->uid, ids->gid);
  fputs ("  \"Capabilities\": {", f);
  const char *sets[] = { "Bounding", "Effective", "Permitted", "Inheritable", "Ambient" };
  for (size_t i = 0; i < 5; i++)
    {
      fprintf (f, "%s\"%s\": ", i ? ", " : "", sets[i]);
      jcaps (f, cfg->caps);
    }
  fputs ("},\n  \"NoNewPrivileges\": true,\n  \"Seccomp\": {\"Mode\": ", f);
  jstr (f, strcmp (cfg->seccomp, "unconfined") == 0 ? "disabled" : "filter");
  fputs (", \"Profile\": ", f);
  jstr (f, cfg->seccomp);
  fputs ("},\n  \"Namespaces\": [\"user\", \"pid\", \"mount\", \"network\", \"ipc\", \"uts\", \"cgroup\"],\n", f);
}

char *
jr_config_json (const struct jail_config *cfg, const char *name, const struct jr_cgroup *cg,
                const struct jr_hostids *ids)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&buf, &len);
  if (f == NULL)
    return NULL;
  fputs ("{\n  \"Name\": ", f);
  jstr (f, name);
  fputs (",\n  \"Rootfs\": ", f);
  jstr (f, cfg->rootfs);
  fprintf (f, ",\n  \"HostRoot\": %s,\n  \"ReadOnlyRoot\": %s,\n  \"Mounts\": ",
           cfg->host_root ? "true" : "false", cfg->read_write ? "false" : "true");
  jmounts (f, cfg);
  fputs (",\n", f);
  jsecurity (f, cfg, ids);
  jcgroup (f, cfg, cg);
  fputs ("  \"Network\": {\"Mode\": ", f);
  jstr (f, cfg->net_mode == JAIL_NET_NONE ? "none" : cfg->net_mode == JAIL_NET_PROXY ? "proxy" : "private");
  fputs (", \"Addresses\": [\"127.0.0.1/8\", \"::1/128\"], \"Ports\": [], \"Allow\": []},\n  \"Hostname\": ", f);
  jstr (f, cfg->hostname);
  fputs (",\n  \"Workdir\": ", f);
  jstr (f, cfg->workdir);
  fprintf (f, ",\n  \"Timeout\": %g,\n  \"Env\": [", cfg->timeout);
  for (size_t i = 0; i < cfg->n_env; i++)
    {
      fputs (i ? ", " : "", f);
      jstr (f, cfg->env[i]);
    }
  fputs ("]\n}\n", f);
  if (fclose (f) != 0)
    {
      free (buf);
      return NULL;
    }
  return buf;
}

int
jail_list (char ***names, jail_error **err)
{
  return jr_state_list (names, err);
}

void
jail_list_free (char **names)
{
  for (size_t i = 0; names && names[i]; i++)
    free (names[i]);
  free (names);
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
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&buf, &len);
  if (f == NULL)
    return jr_error (err, ENOMEM, "inspect");
  char v[4096];
  fputs ("{\n\"Name\": ", f);
  jstr (f, name);
  fprintf (f, ",\n\"State\": {\"Status\": \"%s\", ", jr_state_name (jr_state_of (text)));
  fprintf (f, "\"SupervisorPid\": %lld, \"InitPid\": %lld, \"Created\": %lld",
           jr_state_get_ll (text, "supervisor_pid", 0), jr_state_get_ll (text, "init_pid", 0),
           jr_state_get_ll (text, "created", 0));
  fprintf (f, ", \"RestartCount\": %lld", jr_state_get_ll (text, "restart_count", 0));
  if (jr_state_get (text, "restart_policy", v, sizeof v))
    fprintf (f, ", \"RestartPolicy\": \"%s\"", v);
  if (jr_state_get (text, "exit_status", v, sizeof v))
    fprintf (f, ", \"ExitStatus\": %lld", jr_state_get_ll (text, "exit_status", 0));
  if (jr_state_get (text, "health", v, sizeof v))
    {
      fprintf (f, ", \"Health\": {\"Status\": \"%s\", \"FailingStreak\": %lld, \"LastExitCode\": %lld, \"LastOutput\": ", v,
               jr_state_get_ll (text, "health_failing", 0), jr_state_get_ll (text, "health_exit", -1));
      if (!jr_state_get (text, "health_output", v, sizeof v))
        v[0] = '\0';
      jstr (f, v);
      fputs ("}", f);
    }
  fputs ("},\n\"Config\": ", f);
  fputs (cfg && *cfg ? cfg : "null\n", f);
  fputs ("}\n", f);
  if (fclose (f) != 0)
    {
      free (buf);
      return jr_error (err, ENOMEM, "inspect");
    }
  *json = buf;
  return 0;
}
