/* config_limits.c - the cgroup limit setters of jail_config (memory,
 * cpus, pids, cgroup parent, strict/best-effort), the host check an
 * embedder calls before jail_run to learn what will be enforced, and the
 * stats of the last run (the out-of-memory report is in cgroup_exec.c). */
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
  /* Nothing asked, nothing to judge: the start probes the host itself
   * (jr_cgroup_create), and this would read mountinfo a second time. */
  if (jr_limits_asked (&c->limits) == 0 && c->limits.parent == NULL && c->limits.manager == JAIL_CGROUP_AUTO)
    return 0;
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
