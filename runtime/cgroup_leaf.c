/* cgroup_leaf.c - the life of one jail's cgroup: enable the controllers
 * in the parent (moving the parent's processes into a leaf when "no
 * internal processes" refuses), remove stale jailrun cgroups of dead
 * supervisors, create the cgroup "jailrun-PID-START-RAND" (the supervisor's
 * pid and start time name its owner), write the limits, attach, collect the
 * counters, kill and remove it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "internal.h"

/* Remove the jailrun cgroups in parent_fd whose supervisor is gone (no
 * process has its pid: kill 0, one syscall per cgroup, where reading
 * /proc/PID/stat for each of 1,000 running jails cost most of a start;
 * a pid reused since only delays the clean-up), and an empty leaf left by
 * an earlier run. */
static void
remove_stale (int parent_fd)
{
  DIR *d = jr_cg_opendir (parent_fd);
  if (d == NULL)
    return;
  struct dirent *de;
  while ((de = readdir (d)) != NULL)
    {
      int pid;
      unsigned long long start;
      unsigned rnd;
      char tail;
      if (sscanf (de->d_name, "jailrun-%d-%llu-%x%c", &pid, &start, &rnd, &tail) != 3 || pid <= 0)
        continue;
      if (kill (pid, 0) < 0 && errno == ESRCH)
        jr_cg_remove (parent_fd, de->d_name, 0);
    }
  closedir (d);
  unlinkat (parent_fd, JR_CG_LEAF, AT_REMOVEDIR); /* fails while it holds processes */
}

/* Move every process of parent_fd into its leaf (bounded rounds). */
static int
move_to_leaf (int parent_fd)
{
  if (mkdirat (parent_fd, JR_CG_LEAF, 0755) < 0 && errno != EEXIST)
    return -errno;
  cleanup_close int leaf = openat (parent_fd, JR_CG_LEAF, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (leaf < 0)
    return -errno;
  cleanup_free char *buf = malloc (65536);
  if (buf == NULL)
    return -ENOMEM;
  for (int round = 0; round < 8; round++)
    {
      if (jr_cg_read (parent_fd, "cgroup.procs", buf, 65536) <= 0)
        return 0;
      for (char *p = buf, *nl; *p; p = nl + 1)
        {
          nl = strchr (p, '\n');
          if (nl == NULL)
            break;
          *nl = '\0';
          int r = jr_cg_write (leaf, "cgroup.procs", p);
          if (r < 0 && r != -ESRCH)
            return r;
        }
    }
  return -EBUSY;
}

/* Enable the controllers in want (available ones only) for the children
 * of parent_fd.  With must set, "no internal processes" (EBUSY) moves the
 * parent's processes into a leaf and retries. */
static int
enable_controllers (int parent_fd, unsigned want, bool must)
{
  char buf[512], cmd[64] = "";
  if (jr_cg_read (parent_fd, "cgroup.controllers", buf, sizeof buf) < 0)
    return -errno;
  want &= jr_cg_parse_controllers (buf);
  unsigned have = jr_cg_read (parent_fd, "cgroup.subtree_control", buf, sizeof buf) > 0
                      ? jr_cg_parse_controllers (buf)
                      : 0;
  static const char *const n[] = { "+memory", "+cpu", "+pids" };
  for (unsigned i = 0; i < 3; i++)
    if ((want & ~have) & (1u << i))
      snprintf (cmd + strlen (cmd), sizeof cmd - strlen (cmd), "%s%s", cmd[0] ? " " : "", n[i]);
  if (cmd[0] == '\0')
    return 0;
  int r = jr_cg_write (parent_fd, "cgroup.subtree_control", cmd);
  if (r == -EBUSY && must)
    {
      r = move_to_leaf (parent_fd);
      if (r == 0)
        r = jr_cg_write (parent_fd, "cgroup.subtree_control", cmd);
    }
  return r;
}

/* Write the limits asked for; the mask of those written, or -errno (and
 * *what names the file) on the first failure. */
static int
write_limits (int fd, const struct jr_limits *l, unsigned avail, const char **what)
{
  char v[64];
  unsigned done = 0;
  int r = 0;
  if (l->memory && (avail & JR_CG_MEMORY))
    {
      snprintf (v, sizeof v, "%llu", l->memory);
      if ((r = jr_cg_write (fd, *what = "memory.max", v)) < 0)
        return r;
      r = jr_cg_write (fd, *what = "memory.swap.max", "0");
      if (r < 0 && r != -ENOENT) /* no swap accounting: no swap to limit */
        return r;
      done |= JR_CG_MEMORY;
    }
  if (l->cpus > 0 && (avail & JR_CG_CPU))
    {
      long long quota = (long long) (l->cpus * JR_CPU_PERIOD + 0.5);
      snprintf (v, sizeof v, "%lld %d", quota < 1000 ? 1000 : quota, JR_CPU_PERIOD);
      if ((r = jr_cg_write (fd, *what = "cpu.max", v)) < 0)
        return r;
      done |= JR_CG_CPU;
    }
  if (l->pids && (avail & JR_CG_PIDS))
    {
      snprintf (v, sizeof v, "%lld", l->pids);
      if ((r = jr_cg_write (fd, *what = "pids.max", v)) < 0)
        return r;
      done |= JR_CG_PIDS;
    }
  return (int) done;
}

/* Open (making the jailrun/ subtree when it is ours) the parent. */
static int
open_parent (const struct jr_cgprobe *p, struct jr_cgroup *cg)
{
  for (int i = 0; i < 3; i++)
    {
      if (p->jr_subtree && mkdir (p->parent, 0755) < 0 && errno != EEXIST)
        return -errno;
      cg->parent_fd = open (p->parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (cg->parent_fd >= 0 || errno != ENOENT || !p->jr_subtree)
        break; /* ENOENT: another jail removed the empty subtree: retry */
    }
  if (cg->parent_fd < 0)
    return -errno;
  cg->rm_parent = p->jr_subtree;
  return (cg->parent = strdup (p->parent)) ? 0 : -ENOMEM;
}

/* mkdir the jail's cgroup with an owner-naming name, open it. */
static int
make_cgroup (struct jr_cgroup *cg)
{
  unsigned rnd = 0;
  if (getrandom (&rnd, sizeof rnd, GRND_NONBLOCK) != (ssize_t) sizeof rnd)
    rnd = (unsigned) getpid () ^ (unsigned) (uintptr_t) cg;
  if (asprintf (&cg->name, "jailrun-%d-%llu-%08x", (int) getpid (), jr_proc_starttime (getpid ()), rnd) < 0)
    {
      cg->name = NULL;
      return -ENOMEM;
    }
  if (mkdirat (cg->parent_fd, cg->name, 0755) < 0)
    {
      int e = errno;
      free (cg->name);
      cg->name = NULL;
      return -e;
    }
  cg->fd = openat (cg->parent_fd, cg->name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  return cg->fd < 0 ? -errno : 0;
}

/* Parent, stale cleanup, controllers, the cgroup itself; "where" says
 * which step failed.  The jailrun/ subtree may vanish under us (another
 * jail's end removes it when empty): then start over, a bounded number
 * of times. */
static int
build (const struct jr_cgprobe *p, unsigned asked, struct jr_cgroup *cg, const char **where)
{
  int r = -ENOENT;
  for (int i = 0; i < 4 && r == -ENOENT; i++)
    {
      jr_cgroup_release (cg);
      if ((r = open_parent (p, cg)) < 0)
        return *where = "open", r;
      remove_stale (cg->parent_fd);
      r = enable_controllers (cg->parent_fd, asked | p->avail, asked != 0 || p->systemd);
      if (r < 0 && (asked || r == -ENOENT))
        {
          *where = "cgroup.subtree_control";
          continue;
        }
      if ((r = make_cgroup (cg)) < 0)
        *where = "mkdir";
      if (!p->jr_subtree)
        break;
    }
  return r;
}

/* systemd: move into the jail's scope, then judge the limits again
 * against the scope's own controllers. */
static int
enter_scope (const struct jr_limits *l, struct jr_cgprobe *p, jail_error **err)
{
  cleanup_free char *warn = NULL;
  int r = jr_sd_enter (l, p, err);
  if (r == 0)
    r = jr_cgroup_evaluate (l, p, &warn, err);
  return r;
}

int
jr_cgroup_create (const struct jr_limits *l, struct jr_cgroup *cg, jail_error **err)
{
  struct jr_cgprobe p;
  cleanup_free char *warn = NULL;
  unsigned asked = jr_limits_asked (l);
  int r = jr_cgroup_probe (l, &p, err);
  if (r == 0)
    r = jr_cgroup_evaluate (l, &p, &warn, err);
  if (r == 0 && p.systemd && p.parent)
    r = enter_scope (l, &p, err);
  if (r < 0 || p.parent == NULL)
    {
      jr_sd_abandon (&p);
      jr_cgprobe_release (&p);
      return r;
    }
  asked &= p.avail;
  const char *where = "";
  r = build (&p, asked, cg, &where);
  if (r == 0)
    {
      r = write_limits (cg->fd, l, p.avail, &where);
      cg->limited = r > 0 ? (unsigned) r : 0;
    }
  /* Without limits or an explicit parent, or best-effort: run without. */
  if (r < 0 && ((asked == 0 && l->parent == NULL) || l->mode == JAIL_LIMITS_BEST_EFFORT))
    r = 0, jr_cgroup_release (cg);
  else if (r < 0)
    r = jr_error (err, -r, "cgroup %s%s%s: %s", p.parent, cg->name ? "/" : "", cg->name ? cg->name : "", where);
  if (r < 0)
    jr_sd_abandon (&p);
  jr_cgprobe_release (&p);
  return r < 0 ? r : 0;
}

int
jr_cgroup_attach (struct jr_cgroup *cg, pid_t pid, jail_error **err)
{
  char v[32];
  snprintf (v, sizeof v, "%d", (int) pid);
  int r = jr_cg_write (cg->fd, "cgroup.procs", v);
  if (r < 0)
    return jr_error (err, -r, "cgroup %s/%s: cgroup.procs: move the jail in", cg->parent, cg->name);
  cg->attached = true;
  return 0;
}

void
jr_cgroup_collect (const struct jr_cgroup *cg, struct jr_cgstats *st)
{
  char buf[2048];
  *st = (struct jr_cgstats) { -1, -1, -1, -1, -1, -1 };
  if (cg->fd < 0)
    return;
  if (jr_cg_read (cg->fd, "memory.peak", buf, sizeof buf) > 0)
    st->mem_peak = strtoll (buf, NULL, 10);
  if (jr_cg_read (cg->fd, "memory.events", buf, sizeof buf) > 0)
    st->oom_kills = jr_cg_key (buf, "oom_kill");
  if (jr_cg_read (cg->fd, "pids.peak", buf, sizeof buf) > 0)
    st->pids_peak = strtoll (buf, NULL, 10);
  if (jr_cg_read (cg->fd, "cpu.stat", buf, sizeof buf) > 0)
    {
      st->cpu_usec = jr_cg_key (buf, "usage_usec");
      st->user_usec = jr_cg_key (buf, "user_usec");
      st->system_usec = jr_cg_key (buf, "system_usec");
    }
}

void
jr_cgroup_release (struct jr_cgroup *cg)
{
  if (cg->fd >= 0)
    close (cg->fd);
  if (cg->name && cg->parent_fd >= 0)
    jr_cg_remove (cg->parent_fd, cg->name, 0);
  if (cg->parent_fd >= 0)
    close (cg->parent_fd);
  if (cg->rm_parent && cg->parent)
    rmdir (cg->parent); /* fails while other jails use it */
  free (cg->name);
  free (cg->parent);
  *cg = (struct jr_cgroup) { .fd = -1, .parent_fd = -1 };
}
