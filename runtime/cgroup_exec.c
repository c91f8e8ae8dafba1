/* cgroup_exec.c - cgroup knowledge about what runs in a jail's cgroup:
 * the per-exec child cgroups "exec-N" of a detached jail (made ahead as a
 * spare, removed when their processes are gone), the oom_kill count and
 * the verdict "this exec was killed by the OOM killer", and the one
 * out-of-memory report of a run. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "internal.h"

long long
jr_cg_oom_kills (int cgfd)
{
  char buf[512];
  if (cgfd < 0 || jr_cg_read (cgfd, "memory.events", buf, sizeof buf) <= 0)
    return -1;
  return jr_cg_key (buf, "oom_kill");
}

bool
jr_cg_oom_killed (int cgfd, long long before, int ws)
{
  if (!WIFSIGNALED (ws) || WTERMSIG (ws) != SIGKILL || before < 0)
    return false;
  return jr_cg_oom_kills (cgfd) > before;
}

/* Make the cgroup of one exec, "exec-N" inside the jail's: its cpu.stat
 * counts everything the exec started, and cgroup.kill ends all of it
 * (timeout, client gone) even what left its process group.  The jail's
 * limits hold for it as for the rest of the jail (its charges go to the
 * jail's cgroup, which keeps its controllers; no controller is enabled
 * below it, so the jail's own processes may stay where they are).  fd -1
 * when the jail has no cgroup or the child cannot be made: the exec then
 * runs in the jail's cgroup itself. */
static void
make_one (struct jr_execcgs *set, struct jr_execcg *cg)
{
  int jfd = set->jail->fd;
  cg->fd = -1;
  if (jfd < 0)
    return;
  snprintf (cg->name, sizeof cg->name, "exec-%u", ++set->seq);
  if (mkdirat (jfd, cg->name, 0755) < 0)
    return;
  cg->fd = openat (jfd, cg->name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cg->fd < 0)
    unlinkat (jfd, cg->name, AT_REMOVEDIR);
}

void
jr_execcg_take (struct jr_execcgs *set, struct jr_execcg *cg)
{
  if (set->spare.fd < 0)
    {
      make_one (set, cg);
      return;
    }
  *cg = set->spare;
  set->spare.fd = -1;
}

void
jr_execcg_unused (struct jr_execcgs *set, struct jr_execcg *cg)
{
  if (cg->fd < 0)
    return;
  close (cg->fd);
  cg->fd = -1;
  unlinkat (set->jail->fd, cg->name, AT_REMOVEDIR);
}

void
jr_execcg_kill (const struct jr_execcg *cg)
{
  if (cg->fd >= 0)
    jr_cg_write (cg->fd, "cgroup.kill", "1");
}

/* Remove the cgroups of earlier execs whose processes outlived them (the
 * directory is listed only while some are left over). */
static void
remove_lingering (struct jr_execcgs *set, bool (*live) (const char *name, void *ctx), void *ctx)
{
  DIR *d = jr_cg_opendir (set->jail->fd);
  if (d == NULL)
    return;
  set->lingering = 0;
  struct dirent *de;
  while ((de = readdir (d)) != NULL)
    {
      bool keep = strncmp (de->d_name, "exec-", 5) != 0
                  || (set->spare.fd >= 0 && strcmp (de->d_name, set->spare.name) == 0) || live (de->d_name, ctx);
      if (!keep && unlinkat (set->jail->fd, de->d_name, AT_REMOVEDIR) < 0) /* EBUSY while populated */
        set->lingering++;
    }
  closedir (d);
}

void
jr_execcg_end (struct jr_execcgs *set, struct jr_execcg *cg, bool (*live) (const char *name, void *ctx), void *ctx,
               bool spare)
{
  if (cg->fd >= 0)
    {
      close (cg->fd);
      cg->fd = -1;
      if (unlinkat (set->jail->fd, cg->name, AT_REMOVEDIR) < 0)
        set->lingering++;
      if (set->lingering)
        remove_lingering (set, live, ctx);
    }
  /* mkdir of a cgroup costs more than the rest of an exec's setup: the
   * next exec finds one made. */
  if (spare && set->spare.fd < 0)
    make_one (set, &set->spare);
}

void
jr_execcg_release (struct jr_execcgs *set)
{
  if (set->spare.fd >= 0)
    close (set->spare.fd); /* removed with the jail's cgroup */
  set->spare.fd = -1;
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
  int u = v >= (1ll << 30) ? 2 : v >= (1ll << 20) ? 1
                                                  : 0;
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
