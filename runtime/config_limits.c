/* config_limits.c - the cgroup limit setters of jail_config (memory,
 * cpus, pids, cgroup parent, strict/best-effort), the host check an
 * embedder calls before jail_run to learn what will be enforced, the
 * stats of the last run, and the out-of-memory report. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "internal.h"

int
jail_config_set_memory (jail_config *c, const char *size, jail_error **err)
{
  unsigned long long v;
  if (size == NULL || jr_parse_size (size, &v) < 0 || v < (1ull << 20))
    return jr_error_msg (err, EINVAL, "--memory '%s': not a size of at least 1m (a number with an optional k, m, g or t suffix, e.g. 512m, 1.5g, 512MiB)",
                         size ? size : "");
  c->limits.memory = v;
  return 0;
}

int
jail_config_set_cpus (jail_config *c, double cpus, jail_error **err)
{
  if (!(cpus >= 0.01 && cpus <= 4096))
    return jr_error_msg (err, EINVAL, "--cpus: not a number of cores between 0.01 and 4096 (e.g. 0.5)");
  c->limits.cpus = cpus;
  return 0;
}

int
jail_config_set_pids_limit (jail_config *c, long long n, jail_error **err)
{
  if (n < 1 || n > 4194304)
    return jr_error_msg (err, EINVAL, "--pids-limit: not a task count between 1 and 4194304 (e.g. 64)");
  c->limits.pids = n;
  return 0;
}

int
jail_config_set_cgroup_parent (jail_config *c, const char *path, jail_error **err)
{
  if (path == NULL || *path == '\0' || strstr (path, ".."))
    return jr_error_msg (err, EINVAL, "--cgroup-parent '%s': give a cgroup path like /myjobs (relative to the cgroup v2 root), without '..'",
                         path ? path : "");
  char *copy = strdup (path);
  if (copy == NULL)
    return jr_error (err, ENOMEM, "config");
  free (c->limits.parent);
  c->limits.parent = copy;
  return 0;
}

int
jail_config_set_limits_mode (jail_config *c, int mode, jail_error **err)
{
  if (mode != JAIL_LIMITS_STRICT && mode != JAIL_LIMITS_BEST_EFFORT)
    return jr_error_msg (err, EINVAL, "--limits: give strict or best-effort");
  c->limits.mode = mode;
  return 0;
}

int
jail_config_set_cgroup_manager (jail_config *c, int manager, jail_error **err)
{
  if (manager != JAIL_CGROUP_AUTO && manager != JAIL_CGROUP_SYSTEMD && manager != JAIL_CGROUP_CGROUPFS)
    return jr_error_msg (err, EINVAL, "--cgroup-manager: give auto, systemd or cgroupfs");
  c->limits.manager = manager;
  return 0;
}

int
jail_limits_check (jail_config *c, char **warning, jail_error **err)
{
  struct jr_cgprobe p;
  *warning = NULL;
  int r = jr_cgroup_probe (&c->limits, &p, err);
  if (r == 0)
    r = jr_cgroup_evaluate (&c->limits, &p, warning, err);
  jr_cgprobe_release (&p);
  return r;
}

int
jail_last_stats (const jail_config *c, long long *mem_peak, long long *cpu_usec, long long *pids_peak)
{
  const struct jr_cgstats *s = &c->limits.last;
  *mem_peak = s->mem_peak;
  *cpu_usec = s->cpu_usec;
  *pids_peak = s->pids_peak;
  return (s->mem_peak < 0 && s->cpu_usec < 0 && s->pids_peak < 0) ? -ENODATA : 0;
}

/* "512M", "1G", or "511.9M" for a byte count. */
static void
fmt_size (long long v, char *buf, size_t size)
{
  static const char units[] = "KMG";
  if (v < 1024)
    {
      snprintf (buf, size, "%lld", v);
      return;
    }
  int u = v >= (1ll << 30) ? 2 : v >= (1ll << 20) ? 1 : 0;
  long long d = 1ll << (10 * (u + 1));
  if (v % d == 0)
    snprintf (buf, size, "%lld%c", v / d, units[u]);
  else
    snprintf (buf, size, "%.1f%c", (double) v / (double) d, units[u]);
}

void
jr_cgroup_report_oom (const struct jr_limits *l, int status, jail_error **err)
{
  if (l->last.oom_kills <= 0)
    return;
  char max[32], peak[32] = "unknown";
  if (l->memory)
    fmt_size ((long long) l->memory, max, sizeof max);
  else
    snprintf (max, sizeof max, "max");
  if (l->last.mem_peak >= 0)
    fmt_size (l->last.mem_peak, peak, sizeof peak);
  jr_oom_error (err, status == 137, l->last.oom_kills, max, peak);
}

void
jr_oom_error (jail_error **err, bool main_killed, long long kills, const char *max, const char *peak)
{
  if (max == NULL)
    jr_error_msg (err, ENOMEM, "killed: out of memory (the jail's memory limit)");
  else if (main_killed)
    jr_error_msg (err, ENOMEM, "killed: out of memory, memory.max=%s, peak %s", max, peak);
  else
    jr_error_msg (err, ENOMEM, "out of memory: %lld process(es) in the jail were killed, memory.max=%s, peak %s",
                  kills, max, peak);
}
