/* oci_systemd.c - the systemd cgroup manager of jailrun-oci
 * (--systemd-cgroup, --cgroup-manager systemd), as runc and crun have it:
 * linux.cgroupsPath "slice:prefix:name" names the transient scope
 * "prefix-name.scope" in slice (default: system.slice as root, user.slice
 * of the user manager rootless; no cgroupsPath: jailrun-oci-ID.scope).
 * The caller's manager starts it with Delegate=yes and the container's
 * init as its only process, moved in while the init still waits for GO
 * (before it unshares its cgroup namespace or runs anything); the
 * resources systemd knows become unit properties, and every resource is
 * also written into the scope's cgroup (what systemd has no property for
 * included).  delete stops the scope.  The D-Bus side is
 * cgroup_systemd.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "oci.h"

#define SD_BYPASS "run with --cgroup-manager cgroupfs (or disabled) instead of --systemd-cgroup"

/* Only characters systemd allows in a unit name? */
static bool
unit_chars (const char *s)
{
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || strchr (":-_.\\@", *s)))
      return false;
  return true;
}

/* Does s end with suffix? */
static bool
ends_with (const char *s, const char *suffix)
{
  size_t a = strlen (s), b = strlen (suffix);
  return a >= b && strcmp (s + a - b, suffix) == 0;
}

int
jr_oci_sd_names (const char *cg_path, const char *id, char *slice, size_t ssz, char *unit, size_t usz, jail_error **err)
{
  char buf[512];
  snprintf (buf, sizeof buf, "%s", cg_path ? cg_path : "");
  char *c1 = strchr (buf, ':'), *c2 = c1 ? strchr (c1 + 1, ':') : NULL;
  if (buf[0] && (c2 == NULL || strchr (c2 + 1, ':')))
    return jr_error_msg (err, EINVAL, "config.json: linux.cgroupsPath %s: with --systemd-cgroup give slice:prefix:name (e.g. system.slice:jailrun-oci:ID), or run with --cgroup-manager cgroupfs for a path",
                         cg_path);
  const char *sl = "", *prefix = "jailrun-oci", *name = id;
  if (buf[0])
    {
      *c1 = *c2 = '\0';
      sl = buf, prefix = c1 + 1, name = c2[1] ? c2 + 1 : id;
    }
  if (!*sl)
    sl = geteuid () == 0 ? "system.slice" : "user.slice";
  snprintf (slice, ssz, "%s", sl);
  if (*prefix)
    snprintf (unit, usz, "%s-%s.scope", prefix, name);
  else
    snprintf (unit, usz, "%s.scope", name);
  if (!ends_with (slice, ".slice") || !unit_chars (slice) || slice[0] == '-')
    return jr_error_msg (err, EINVAL, "config.json: linux.cgroupsPath %s: the slice %s is not a systemd slice name (letters, digits, : - _ . @, ending in .slice)",
                         cg_path ? cg_path : "", slice);
  if (ends_with (name, ".slice"))
    return jr_error_msg (err, EINVAL, "config.json: linux.cgroupsPath %s: jailrun-oci puts a container in a scope of its own, not in a slice: give a name without .slice",
                         cg_path);
  if (!unit_chars (unit) || strlen (unit) > 255)
    return jr_error_msg (err, EINVAL, "config.json: linux.cgroupsPath %s: %s is not a systemd unit name (letters, digits, : - _ . @; at most 255)",
                         cg_path ? cg_path : "", unit);
  return 0;
}

int
jr_oci_sd_connect (void **bus, jail_error **err)
{
  char how[512], why[1024];
  int r = jr_sd_connect (bus, how, sizeof how, why, sizeof why);
  if (r < 0)
    return jr_error_msg (err, -r, "--systemd-cgroup: %s: %s", why, SD_BYPASS);
  return 0;
}

/* A cgroup value as a systemd number ("max": infinity). */
static uint64_t
sd_value (const char *v)
{
  return strncmp (v, "max", 3) == 0 ? UINT64_MAX : strtoull (v, NULL, 10);
}

/* The resources systemd has a property for, as properties. */
static size_t
res_props (const struct jr_oci_res *res, struct jr_sd_prop *p)
{
  static const char *const map[][2] = { { "memory.max", "MemoryMax" }, { "memory.swap.max", "MemorySwapMax" }, { "memory.low", "MemoryLow" }, { "pids.max", "TasksMax" }, { "cpu.weight", "CPUWeight" }, { NULL, NULL } };
  size_t n = 0;
  for (size_t i = 0; i < res->n && n + 2 <= JR_SD_MAX_PROPS; i++)
    {
      const char *f = res->set[i].file, *v = res->set[i].val;
      for (size_t k = 0; map[k][0]; k++)
        if (strcmp (f, map[k][0]) == 0)
          p[n++] = (struct jr_sd_prop) { map[k][1], sd_value (v) };
      if (strcmp (f, "io.weight") == 0 && strncmp (v, "default ", 8) == 0)
        p[n++] = (struct jr_sd_prop) { "IOWeight", sd_value (v + 8) };
      if (strcmp (f, "cpu.max") == 0)
        {
          /* "QUOTA PERIOD" or "max PERIOD" */
          const char *sp = strchr (v, ' ');
          uint64_t q = sd_value (v), period = sp ? strtoull (sp + 1, NULL, 10) : 100000;
          p[n++] = (struct jr_sd_prop) { "CPUQuotaPerSecUSec", q == UINT64_MAX || period == 0 ? UINT64_MAX : q * 1000000 / period };
          p[n++] = (struct jr_sd_prop) { "CPUQuotaPeriodUSec", period };
        }
    }
  return n;
}

/* Start the scope; a manager older than OOMPolicy= for scopes (systemd
 * 253) is asked again without it. */
static int
start_scope (void *bus, struct jr_sd_scope *u, jail_error **err)
{
  int r = jr_sd_start_transient (bus, u, err);
  if (r < 0 && u->oom_policy && err && *err && strstr (jail_error_message (*err), "OOMPolicy"))
    {
      jail_error_free (*err);
      *err = NULL;
      u->oom_policy = NULL;
      r = jr_sd_start_transient (bus, u, err);
    }
  return r;
}

int
jr_oci_sd_place (void *bus, const char *cg_path, const char *id, pid_t pid, const struct jr_oci_res *res,
                 struct jr_oci_cg *cg, jail_error **err)
{
  char slice[256], unit[512], desc[600];
  struct jr_sd_prop p[JR_SD_MAX_PROPS];
  int r = jr_oci_sd_names (cg_path, id, slice, sizeof slice, unit, sizeof unit, err);
  if (r < 0)
    return r;
  snprintf (desc, sizeof desc, "jailrun-oci container %s", id);
  /* OOMPolicy=continue: an OOM kill of one process leaves the container
   * running, as on cgroupfs. */
  struct jr_sd_scope u = { .unit = unit, .slice = slice, .desc = desc, .pid = pid, .props = p, .n_props = res_props (res, p), .oom_policy = "continue", .bypass = SD_BYPASS };
  r = start_scope (bus, &u, err);
  if (r < 0)
    return r;
  if ((cg->scope = strdup (unit)) == NULL)
    return jr_error (err, ENOMEM, "cgroup: systemd");

  /* Where the manager put it: the init's cgroup now. */
  cleanup_free char *mount = NULL, *mroot = NULL;
  if (jr_cg_mount (&mount, &mroot) < 0 || (cg->path = jr_cg_of (pid, mount, mroot)) == NULL)
    return jr_error_msg (err, ENOENT, "cgroup: systemd: %s started, but the init's cgroup v2 (/proc/%d/cgroup) cannot be read", unit, (int) pid);
  if (!ends_with (cg->path, unit))
    return jr_error_msg (err, EIO, "cgroup: systemd: %s started, but the init is in %s", unit, cg->path);
  cg->fd = open (cg->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cg->fd < 0)
    return jr_error (err, errno, "cgroup %s", cg->path);
  return jr_oci_cgroup_apply (cg->fd, cg->path, res, err);
}

int
jr_oci_sd_update (const char *unit, const struct jr_oci_res *res, jail_error **err)
{
  void *bus = NULL;
  struct jr_sd_prop p[JR_SD_MAX_PROPS];
  int r = jr_oci_sd_connect (&bus, err);
  size_t n = r == 0 ? res_props (res, p) : 0;
  if (r == 0 && n > 0)
    r = jr_sd_set_props (bus, unit, p, n, err);
  if (bus)
    jr_sd_close (bus);
  return r;
}

void
jr_oci_sd_stop (void *bus, const char *unit, const char *path)
{
  void *own = NULL;
  if (unit == NULL)
    return;
  if (bus == NULL && jr_oci_sd_connect (&own, NULL) == 0)
    bus = own;
  if (bus)
    jr_sd_stop_scope (bus, unit);
  if (own)
    jr_sd_close (own);

  /* The manager removes the cgroup once the scope's processes are gone
   * (bounded: 10 s). */
  for (int i = 0; path && i < 200 && access (path, F_OK) == 0; i++)
    nanosleep (&(struct timespec) { .tv_nsec = 50 * 1000 * 1000 }, NULL);
}
