/* cgroup.c - where a jail's cgroup v2 leaf can go on this host and which
 * controllers it can have: the cgroup2 mount, root's jailrun/ subtree or
 * --cgroup-parent, the rootless caller's nearest writable delegated
 * ancestor; and the verdict on the limits asked for (strict: an error
 * naming the controller and the fix; best-effort: a warning). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"

unsigned
jr_limits_asked (const struct jr_limits *l)
{
  return (l->memory ? JR_CG_MEMORY : 0u) | (l->cpus > 0 ? JR_CG_CPU : 0u)
         | (l->pids ? JR_CG_PIDS : 0u);
}

/* First cgroup2 mount in mountinfo: its mount point and root. */
int
jr_cg_mount (char **mount, char **mroot)
{
  FILE *f = fopen ("/proc/self/mountinfo", "re");
  if (f == NULL)
    return -errno;
  char *line = NULL;
  size_t cap = 0;
  int r = -ENOENT;
  while (r == -ENOENT && getline (&line, &cap, f) > 0)
    {
      char root[4096], mp[4096];
      const char *sep = strstr (line, " - ");
      if (sep == NULL || strncmp (sep, " - cgroup2 ", 11) != 0)
        continue;
      if (sscanf (line, "%*s %*s %*s %4095s %4095s", root, mp) != 2)
        continue;
      *mount = strdup (mp);
      *mroot = strdup (root);
      r = (*mount && *mroot) ? 0 : -ENOMEM;
    }
  free (line);
  fclose (f);
  return r;
}

/* dir is a cgroup this user can make children in and move processes
 * through (write access to the dir, cgroup.procs, cgroup.subtree_control). */
static bool
writable_cgroup (const char *dir)
{
  char p1[4096], p2[4096];
  snprintf (p1, sizeof p1, "%s/cgroup.procs", dir);
  snprintf (p2, sizeof p2, "%s/cgroup.subtree_control", dir);
  return access (dir, W_OK) == 0 && access (p1, W_OK) == 0 && access (p2, W_OK) == 0;
}

/* Rootless: the nearest writable delegated ancestor of the own cgroup. */
static void
probe_rootless (struct jr_cgprobe *p, const char *mroot)
{
  cleanup_free char *own = jr_cg_own (p->mount, mroot);
  if (own == NULL)
    {
      snprintf (p->why, sizeof p->why, "the own cgroup is not in the cgroup v2 hierarchy at %s", p->mount);
      return;
    }
  size_t ml = strlen (p->mount);
  for (char *end = own + strlen (own); end >= own + ml; end--)
    {
      if (*end != '/' && *end != '\0')
        continue;
      char save = *end;
      *end = '\0';
      const char *base = strrchr (own, '/');
      /* Never nest below the leaf an earlier run moved processes into. */
      bool ok = !(base && strcmp (base + 1, JR_CG_LEAF) == 0) && writable_cgroup (own);
      if (ok)
        p->parent = strdup (own);
      *end = save;
      if (ok)
        break;
    }
  if (p->parent)
    p->avail = jr_cg_controllers_of (p->parent, "cgroup.controllers");
  else
    snprintf (p->why, sizeof p->why, "no cgroup delegated to uid %u (the own cgroup %s and its ancestors are not writable)",
              (unsigned) geteuid (), own + ml);
}

/* Root: --cgroup-parent (relative to the mount, or a path under it), or
 * MOUNT/jailrun, whose controllers come from the root's subtree_control. */
static int
probe_root (const struct jr_limits *l, struct jr_cgprobe *p, jail_error **err)
{
  if (l->parent == NULL)
    {
      p->jr_subtree = true;
      p->avail = jr_cg_controllers_of (p->mount, "cgroup.subtree_control");
      return asprintf (&p->parent, "%s/jailrun", p->mount) < 0 ? jr_error (err, ENOMEM, "cgroup") : 0;
    }
  size_t ml = strlen (p->mount);
  const char *rel = l->parent;
  if (strncmp (rel, p->mount, ml) == 0 && (rel[ml] == '/' || rel[ml] == '\0'))
    rel += ml;
  while (*rel == '/')
    rel++;
  if (strstr (rel, "..") || asprintf (&p->parent, "%s%s%s", p->mount, *rel ? "/" : "", rel) < 0)
    return jr_error_msg (err, EINVAL, "--cgroup-parent %s: give a cgroup path relative to %s, without '..'", l->parent, p->mount);
  char probe[4096];
  snprintf (probe, sizeof probe, "%s/cgroup.procs", p->parent);
  if (access (probe, F_OK) < 0)
    return jr_error (err, errno, "--cgroup-parent %s: %s is not a cgroup (create it first with mkdir)", l->parent, p->parent);
  p->avail = jr_cg_controllers_of (p->parent, "cgroup.controllers");
  return 0;
}

/* Which manager places the jail: --cgroup-manager, else (auto) systemd
 * when the caller's manager answers; --cgroup-parent is a cgroupfs path. */
static int
probe_manager (const struct jr_limits *l, struct jr_cgprobe *p, jail_error **err)
{
  char how[384], why[384];
  if (l->manager == JAIL_CGROUP_CGROUPFS || (l->parent && l->manager == JAIL_CGROUP_AUTO))
    {
      snprintf (p->manager, sizeof p->manager, "cgroupfs (%s)", l->parent ? "--cgroup-parent names a cgroupfs path" : "--cgroup-manager cgroupfs");
      return 0;
    }
  if (l->parent)
    return jr_error_msg (err, EINVAL, "--cgroup-parent %s: a cgroupfs path goes with --cgroup-manager cgroupfs, not systemd", l->parent);
  if (jr_sd_connect (&p->bus, how, sizeof how, why, sizeof why) < 0)
    {
      if (l->manager == JAIL_CGROUP_SYSTEMD)
        return jr_error_msg (err, ENOTCONN, "--cgroup-manager systemd: %s: run jailrun in a systemd session (rootless: the user manager runs while you are logged in, or always after 'loginctl enable-linger'), or use --cgroup-manager cgroupfs", why);
      snprintf (p->manager, sizeof p->manager, "cgroupfs (%s)", why);
      return 0;
    }
  p->systemd = true;
  snprintf (p->manager, sizeof p->manager, "systemd: a transient scope from %s", how);
  return 0;
}

/* systemd: the manager's own cgroup is where its scopes go; the
 * controllers it has there are the ones a delegated scope can get. */
static int
probe_systemd (struct jr_cgprobe *p, jail_error **err)
{
  cleanup_free char *cg = NULL;
  int r = jr_sd_manager_cgroup (p->bus, &cg);
  if (r < 0)
    return jr_error (err, -r, "cgroup: systemd: read the manager's ControlGroup");
  bool top = cg[0] == '\0' || strcmp (cg, "/") == 0;
  if (asprintf (&p->parent, "%s%s", p->mount, top ? "" : cg) < 0)
    return p->parent = NULL, jr_error (err, ENOMEM, "cgroup");
  p->avail = jr_cg_controllers_of (p->parent, "cgroup.controllers");
  return 0;
}

int
jr_cgroup_probe (const struct jr_limits *l, struct jr_cgprobe *p, jail_error **err)
{
  memset (p, 0, sizeof *p);
  if (jr_cg_mount (&p->mount, &p->mroot) < 0)
    {
      free (p->mount);
      free (p->mroot);
      p->mount = p->mroot = NULL;
      snprintf (p->why, sizeof p->why, "no cgroup v2 hierarchy is mounted");
      snprintf (p->manager, sizeof p->manager, "none (no cgroup v2 hierarchy is mounted)");
      return l->manager == JAIL_CGROUP_SYSTEMD
                 ? jr_error_msg (err, ENOTSUP, "--cgroup-manager systemd: no cgroup v2 hierarchy is mounted; use --cgroup-manager cgroupfs")
                 : 0;
    }
  p->hier = jr_cg_controllers_of (p->mount, "cgroup.controllers");
  p->rootless = geteuid () != 0;
  int r = probe_manager (l, p, err);
  if (r < 0 || p->systemd)
    return r < 0 ? r : probe_systemd (p, err);
  if (p->rootless && l->parent == NULL)
    {
      probe_rootless (p, p->mroot);
      return 0;
    }
  return probe_root (l, p, err);
}

void
jr_cgprobe_release (struct jr_cgprobe *p)
{
  if (p->bus)
    jr_sd_close (p->bus);
  free (p->mount);
  free (p->mroot);
  free (p->parent);
  free (p->scope);
  free (p->orig);
  p->mount = p->mroot = p->parent = p->scope = p->orig = NULL;
  p->bus = NULL;
}

/* Append the names (and flags) of the controllers in mask to buf. */
static void
names (char *buf, size_t size, unsigned mask, bool flags)
{
  static const char *const n[] = { "memory", "cpu", "pids" };
  static const char *const f[] = { "--memory", "--cpus", "--pids-limit" };
  buf[0] = '\0';
  for (unsigned i = 0; i < 3; i++)
    if (mask & (1u << i))
      snprintf (buf + strlen (buf), size - strlen (buf), "%s%s", buf[0] ? ", " : "", flags ? f[i] : n[i]);
}

/* Why the controllers in missing are not available, and the fix. */
static void
explain (const struct jr_cgprobe *p, unsigned missing, char *why, size_t wsize, char *fix, size_t fsize)
{
  char ctl[64];
  names (ctl, sizeof ctl, missing, false);
  if (p->mount == NULL || (missing & ~p->hier))
    {
      if (p->mount == NULL)
        snprintf (why, wsize, "%s", p->why);
      else
        snprintf (why, wsize, "the %s controller%s not in the cgroup v2 hierarchy at %s (this host binds %s to cgroup v1)",
                  ctl, strchr (ctl, ',') ? "s are" : " is", p->mount, strchr (ctl, ',') ? "them" : "it");
      snprintf (fix, fsize, "run as root on a host with unified cgroups (boot with systemd.unified_cgroup_hierarchy=1 or cgroup_no_v1=all)%s",
                p->rootless ? ", or rootless there under 'systemd-run --user -p Delegate=yes --scope jailrun ...'" : "");
    }
  else if (p->systemd)
    {
      snprintf (why, wsize, "the %s controller%s not delegated to the systemd %s manager (%s)", ctl, strchr (ctl, ',') ? "s are" : " is",
                p->rootless ? "user" : "system", p->parent + strlen (p->mount));
      snprintf (fix, fsize, p->rootless ? "delegate it to user managers: a drop-in for user@.service with [Service] Delegate=cpu memory pids (systemctl edit user@.service), then log in again" : "boot with systemd.unified_cgroup_hierarchy=1 so that systemd can enable it");
    }
  else if (p->parent == NULL)
    {
      snprintf (why, wsize, "%s controller: %s", ctl, p->why);
      snprintf (fix, fsize, "run it under 'systemd-run --user -p Delegate=yes --scope jailrun ...', or as root");
    }
  else
    {
      snprintf (why, wsize, "the %s controller%s not delegated to %s", ctl, strchr (ctl, ',') ? "s are" : " is", p->parent);
      snprintf (fix, fsize, p->rootless ? "ask for delegation with 'systemd-run --user -p Delegate=yes --scope jailrun ...'" : "enable it in the parent's cgroup.subtree_control, or choose another --cgroup-parent");
    }
}

int
jr_cgroup_evaluate (const struct jr_limits *l, const struct jr_cgprobe *p, char **warn, jail_error **err)
{
  *warn = NULL;
  unsigned asked = jr_limits_asked (l);
  unsigned missing = p->parent ? asked & ~p->avail : asked;
  if (missing == 0)
    return 0;
  char why[512], fix[256], flags[64], ok[64];
  explain (p, missing, why, sizeof why, fix, sizeof fix);
  names (flags, sizeof flags, missing, true);
  if (l->mode != JAIL_LIMITS_BEST_EFFORT)
    return jr_error_msg (err, EOPNOTSUPP, "cgroup: %s cannot be enforced: %s: %s, or drop %s (or pass --limits best-effort to run without it)",
                         flags, why, fix, flags);
  names (ok, sizeof ok, asked & ~missing, false);
  names (flags, sizeof flags, missing, false);
  if (asprintf (warn, "limits best-effort: enforced: %s; NOT enforced: %s (%s)", ok[0] ? ok : "none", flags, why) < 0)
    *warn = NULL;
  return 0;
}
