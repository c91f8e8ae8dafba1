/* cgroup_systemd.c - the systemd cgroup manager (--cgroup-manager
 * systemd, or auto where a manager answers): the D-Bus connection to the
 * caller's manager (rootless: the user manager's private socket in
 * $XDG_RUNTIME_DIR, else the user bus; root: /run/systemd/private, else
 * the system bus), its cgroup and version, and the transient scope
 * "jailrun-NAME-or-PID.scope" (Delegate=yes, the caller's pid, the limits)
 * whose job is awaited through JobRemoved (bounded), so that the jail's
 * cgroup is then built below the scope as on cgroupfs.  The scope ends
 * with its last process; error paths stop it.  Only this file speaks
 * D-Bus, through sd-bus: libsystemd is loaded with dlopen when a manager
 * is first asked for, so that the commands that never speak to systemd
 * (exec, ps, a jail on cgroupfs) do not pay for loading it and the five
 * libraries it pulls in (about 3 ms of CPU per process here). */
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "internal.h"

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MGR "org.freedesktop.systemd1.Manager"
/* How long the scope's start job may take (TCG guests are slow). */
#define SD_JOB_TIMEOUT_USEC (20ull * 1000 * 1000)

/* The sd-bus functions this file calls, looked up in libsystemd.so.0. */
/* clang-format off */
#define SD_API(X)                                                                                                      \
  X (new) X (set_address) X (start) X (unref) X (flush_close_unref) X (open_system) X (open_user)                      \
  X (message_new_method_call) X (message_set_auto_start) X (message_append) X (message_read)                           \
  X (message_open_container) X (message_close_container) X (message_unref) X (call) X (call_method)                    \
  X (get_property_string) X (process) X (wait) X (match_signal) X (is_bus_client) X (slot_unref) X (error_free)
/* clang-format on */

/* A connection to a manager: the library handle, the bus and the calls. */
struct jr_sd
{
  void *dl;
  sd_bus *bus;
#define SD_FIELD(f) __typeof__ (sd_bus_##f) *f;
  SD_API (SD_FIELD)
#undef SD_FIELD
};

/* Load libsystemd and every function of SD_API into a new *out. */
static int
sd_load (struct jr_sd **out, char *why, size_t wsize)
{
  struct jr_sd *s = calloc (1, sizeof *s);
  if (s == NULL)
    return -ENOMEM;
  s->dl = dlopen ("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  if (s->dl == NULL)
    {
      snprintf (why, wsize, "libsystemd.so.0 cannot be loaded (%s): install libsystemd0 or use --cgroup-manager cgroupfs",
                dlerror ());
      free (s);
      return -ENOENT;
    }

#define SD_LOOKUP(f)                                                                    \
  if ((*(void **) &s->f = dlsym (s->dl, "sd_bus_" #f)) == NULL)                         \
    {                                                                                   \
      snprintf (why, wsize, "libsystemd.so.0 lacks sd_bus_" #f " (too old a systemd)"); \
      dlclose (s->dl);                                                                  \
      free (s);                                                                         \
      return -ENOSYS;                                                                   \
    }
  SD_API (SD_LOOKUP)
#undef SD_LOOKUP
  *out = s;
  return 0;
}

/* Drop the bus and the library handle (it stays mapped: RTLD_NODELETE). */
static void
sd_free (struct jr_sd *s)
{
  if (s->bus)
    s->flush_close_unref (s->bus);
  dlclose (s->dl);
  free (s);
}

/* The runtime directory of a rootless caller: $XDG_RUNTIME_DIR, else
 * /run/user/UID when it is the caller's (su, sudo -u, setpriv). */
static void
runtime_dir (char *buf, size_t size)
{
  const char *env = getenv ("XDG_RUNTIME_DIR");
  struct stat st;
  snprintf (buf, size, "/run/user/%u", (unsigned) geteuid ());
  if (env && *env == '/')
    snprintf (buf, size, "%s", env);
  else if (stat (buf, &st) < 0 || st.st_uid != geteuid ())
    buf[0] = '\0';
}

/* Connect to a manager's private socket (a direct connection, no bus). */
static int
connect_private (struct jr_sd *s, const char *path)
{
  char addr[4300];
  if (access (path, F_OK) < 0)
    return -errno;
  snprintf (addr, sizeof addr, "unix:path=%s", path);
  int r = s->new (&s->bus);
  if (r >= 0)
    r = s->set_address (s->bus, addr);
  if (r >= 0)
    r = s->start (s->bus);
  if (r < 0)
    s->bus = s->unref (s->bus);
  return r;
}

/* The manager answers: read its Version (into ver).  Never activates a
 * service on a bus without systemd, and waits 5 s at most. */
static int
manager_version (const struct jr_sd *s, char *ver, size_t size)
{
  sd_bus_message *m = NULL, *reply = NULL;
  sd_bus_error e = SD_BUS_ERROR_NULL;
  const char *v = NULL;
  int r = s->message_new_method_call (s->bus, &m, SD_DEST, SD_PATH, "org.freedesktop.DBus.Properties", "Get");
  if (r >= 0)
    r = s->message_set_auto_start (m, 0);
  if (r >= 0)
    r = s->message_append (m, "ss", SD_MGR, "Version");
  if (r >= 0)
    r = s->call (s->bus, m, 5 * 1000 * 1000, &e, &reply);
  if (r >= 0)
    r = s->message_read (reply, "v", "s", &v);
  if (r >= 0)
    snprintf (ver, size, "%s", v);
  s->error_free (&e);
  s->message_unref (m);
  s->message_unref (reply);
  return r;
}

/* Whether any socket a manager could answer on exists (the private
 * socket, the bus socket or a bus address in the environment), so that a
 * host without systemd is told so without loading libsystemd. */
static bool
manager_socket_exists (bool root, const char *priv, const char *rt)
{
  char bus[4200];
  snprintf (bus, sizeof bus, "%s", root ? "/run/dbus/system_bus_socket" : "");
  if (!root && rt[0])
    snprintf (bus, sizeof bus, "%s/bus", rt);
  const char *env = getenv (root ? "DBUS_SYSTEM_BUS_ADDRESS" : "DBUS_SESSION_BUS_ADDRESS");
  return access (priv, F_OK) == 0 || (bus[0] && access (bus, F_OK) == 0) || (env && *env);
}

int
jr_sd_connect (void **out, char *how, size_t hsize, char *why, size_t wsize)
{
  bool root = geteuid () == 0;
  char rt[4096] = "", priv[4200], ver[64] = "";
  struct jr_sd *s = NULL;
  int r1, r2;
  if (!root)
    runtime_dir (rt, sizeof rt);
  if (root)
    snprintf (priv, sizeof priv, "/run/systemd/private");
  else
    snprintf (priv, sizeof priv, "%s/systemd/private", rt[0] ? rt : "$XDG_RUNTIME_DIR");
  *out = NULL;

  if (!manager_socket_exists (root, priv, rt))
    {
      snprintf (why, wsize, "no systemd %s manager is reachable for uid %u (%s: %s; %s bus: %s)", root ? "system" : "user",
                (unsigned) geteuid (), priv, strerror (ENOENT), root ? "system" : "user", strerror (ENOENT));
      return -ENOENT;
    }
  if ((r1 = sd_load (&s, why, wsize)) < 0)
    return r1;

  r1 = connect_private (s, priv);
  if (r1 >= 0 && (r1 = manager_version (s, ver, sizeof ver)) >= 0)
    {
      snprintf (how, hsize, "the %s manager (systemd %s) at %s", root ? "system" : "user", ver, priv);
      return *out = s, 0;
    }
  s->bus = s->unref (s->bus);

  r2 = root ? s->open_system (&s->bus) : s->open_user (&s->bus);
  if (r2 >= 0 && (r2 = manager_version (s, ver, sizeof ver)) >= 0)
    {
      snprintf (how, hsize, "the %s manager (systemd %s) on the %s bus", root ? "system" : "user", ver, root ? "system" : "user");
      return *out = s, 0;
    }
  s->bus = s->unref (s->bus);
  sd_free (s);
  snprintf (why, wsize, "no systemd %s manager is reachable for uid %u (%s: %s; %s bus: %s)", root ? "system" : "user",
            (unsigned) geteuid (), priv, strerror (-r1), root ? "system" : "user", strerror (-r2));
  return r2 < 0 ? r2 : -ENOENT;
}

void
jr_sd_close (void *bus)
{
  sd_free (bus);
}

int
jr_sd_manager_cgroup (void *bus, char **cg)
{
  const struct jr_sd *s = bus;
  sd_bus_error e = SD_BUS_ERROR_NULL;
  int r = s->get_property_string (s->bus, SD_DEST, SD_PATH, SD_MGR, "ControlGroup", &e, cg);
  s->error_free (&e);
  return r;
}

/* The limits as unit properties (at most JR_SD_MAX_PROPS); their count. */
static size_t
limits_props (const struct jr_limits *l, struct jr_sd_prop *p)
{
  size_t n = 0;
  if (l->memory)
    {
      p[n++] = (struct jr_sd_prop) { "MemoryMax", (uint64_t) l->memory };
      p[n++] = (struct jr_sd_prop) { "MemorySwapMax", 0 };
    }
  if (l->pids)
    p[n++] = (struct jr_sd_prop) { "TasksMax", (uint64_t) l->pids };
  if (l->cpus > 0)
    p[n++] = (struct jr_sd_prop) { "CPUQuotaPerSecUSec", (uint64_t) (l->cpus * 1e6 + 0.5) };
  return n;
}

/* Append the properties (type t) to an open a(sv). */
static int
append_props (const struct jr_sd *s, sd_bus_message *m, const struct jr_sd_prop *p, size_t n)
{
  int r = 0;
  for (size_t i = 0; r >= 0 && i < n; i++)
    r = s->message_append (m, "(sv)", p[i].name, "t", (uint64_t) p[i].val);
  return r;
}

/* The StartTransientUnit call for the scope unit holding pid, in slice
 * (NULL: the manager's default), with the properties. */
static int
start_message (const struct jr_sd *s, const struct jr_sd_scope *u, sd_bus_message **m)
{
  int r = s->message_new_method_call (s->bus, m, SD_DEST, SD_PATH, SD_MGR, "StartTransientUnit");
  if (r >= 0)
    r = s->message_append (*m, "ss", u->unit, "fail");
  if (r >= 0)
    r = s->message_open_container (*m, 'a', "(sv)");
  if (r >= 0)
    r = s->message_append (*m, "(sv)(sv)(sv)(sv)", "Description", "s", u->desc, "Delegate", "b", 1,
                           "CollectMode", "s", "inactive-or-failed", "PIDs", "au", 1, (uint32_t) u->pid);
  if (r >= 0 && u->slice)
    r = s->message_append (*m, "(sv)", "Slice", "s", u->slice);
  if (r >= 0 && u->oom_policy)
    r = s->message_append (*m, "(sv)", "OOMPolicy", "s", u->oom_policy);
  if (r >= 0)
    r = append_props (s, *m, u->props, u->n_props);
  if (r >= 0)
    r = s->message_close_container (*m);
  if (r >= 0)
    r = s->message_append (*m, "a(sa(sv))", 0);
  return r;
}

/* What JobRemoved told about our unit's job. */
struct job_wait
{
  const struct jr_sd *s;
  const char *unit;
  bool done;
  char result[32];
};

static int
on_job_removed (sd_bus_message *m, void *userdata, sd_bus_error *e)
{
  struct job_wait *w = userdata;
  const struct jr_sd *s = w->s;
  uint32_t id;
  const char *path, *unit, *result;
  if (s->message_read (m, "uoss", &id, &path, &unit, &result) < 0 || strcmp (unit, w->unit) != 0)
    return 0;
  snprintf (w->result, sizeof w->result, "%s", result);
  w->done = true;
  return 0;
}

/* Process the connection until the job ended (bounded). */
static int
await_job (const struct jr_sd *s, struct job_wait *w)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  uint64_t now = (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000, end = now + SD_JOB_TIMEOUT_USEC;
  while (!w->done)
    {
      int r = s->process (s->bus, NULL);
      if (r < 0)
        return r;
      if (r > 0)
        continue;
      clock_gettime (CLOCK_MONOTONIC, &ts);
      now = (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
      if (now >= end)
        return -ETIMEDOUT;
      if ((r = s->wait (s->bus, end - now)) < 0)
        return r;
    }
  return 0;
}

int
jr_sd_start_transient (void *vbus, const struct jr_sd_scope *u, jail_error **err)
{
  const struct jr_sd *s = vbus;
  sd_bus_slot *slot = NULL;
  sd_bus_message *m = NULL, *reply = NULL;
  sd_bus_error e = SD_BUS_ERROR_NULL;
  const char *unit = u->unit;
  struct job_wait w = { .s = s, .unit = unit };

  /* Subscribe first: the job may end before the call returns. */
  int r = s->match_signal (s->bus, &slot, s->is_bus_client (s->bus) ? SD_DEST : NULL, SD_PATH, SD_MGR, "JobRemoved",
                           on_job_removed, &w);
  if (r >= 0)
    s->call_method (s->bus, SD_DEST, SD_PATH, SD_MGR, "Subscribe", &e, NULL, NULL); /* a bus needs it; direct: harmless */
  s->error_free (&e);
  if (r >= 0)
    r = start_message (s, u, &m);
  if (r < 0)
    r = jr_error (err, -r, "cgroup: systemd: %s: build the StartTransientUnit call", unit);
  else if ((r = s->call (s->bus, m, 0, &e, &reply)) < 0)
    r = jr_error_msg (err, -r, "cgroup: systemd: start %s: %s (%s)", unit, e.message ? e.message : strerror (-r), u->bypass);

  else if ((r = await_job (s, &w)) < 0)
    r = jr_error (err, -r, "cgroup: systemd: start %s: waiting for its job", unit);
  else if (strcmp (w.result, "done") != 0)
    r = jr_error_msg (err, EIO, "cgroup: systemd: start %s: job %s (see journalctl%s -u %s)", unit, w.result,
                      geteuid () ? " --user" : "", unit);
  s->error_free (&e);
  s->message_unref (m);
  s->message_unref (reply);
  s->slot_unref (slot);
  return r;
}

int
jr_sd_start_scope (void *vbus, const char *unit, const struct jr_limits *l, jail_error **err)
{
  char desc[256];
  struct jr_sd_prop p[JR_SD_MAX_PROPS];
  snprintf (desc, sizeof desc, "jailrun jail %s", l->name ? l->name : "(anonymous)");
  struct jr_sd_scope u = { .unit = unit, .desc = desc, .pid = getpid (), .props = p, .n_props = limits_props (l, p), .bypass = "use --cgroup-manager cgroupfs to bypass systemd" };
  return jr_sd_start_transient (vbus, &u, err);
}

int
jr_sd_set_props (void *vbus, const char *unit, const struct jr_sd_prop *p, size_t n, jail_error **err)
{
  const struct jr_sd *s = vbus;
  sd_bus_message *m = NULL;
  sd_bus_error e = SD_BUS_ERROR_NULL;
  int r = s->message_new_method_call (s->bus, &m, SD_DEST, SD_PATH, SD_MGR, "SetUnitProperties");
  if (r >= 0)
    r = s->message_append (m, "sb", unit, 1);
  if (r >= 0)
    r = s->message_open_container (m, 'a', "(sv)");
  if (r >= 0)
    r = append_props (s, m, p, n);
  if (r >= 0)
    r = s->message_close_container (m);
  if (r >= 0 && (r = s->call (s->bus, m, 0, &e, NULL)) < 0)
    r = jr_error_msg (err, -r, "cgroup: systemd: set the limits of %s: %s", unit, e.message ? e.message : strerror (-r));
  else if (r < 0)
    r = jr_error (err, -r, "cgroup: systemd: %s: build the SetUnitProperties call", unit);
  s->error_free (&e);
  s->message_unref (m);
  return r < 0 ? r : 0;
}

int
jr_sd_set_limits (void *vbus, const char *unit, const struct jr_limits *l, jail_error **err)
{
  struct jr_sd_prop p[JR_SD_MAX_PROPS];
  return jr_sd_set_props (vbus, unit, p, limits_props (l, p), err);
}

int
jr_sd_attach (void *bus, const char *unit, pid_t pid, jail_error **err)
{
  const struct jr_sd *s = bus;
  sd_bus_error e = SD_BUS_ERROR_NULL;
  int r = s->call_method (s->bus, SD_DEST, SD_PATH, SD_MGR, "AttachProcessesToUnit", &e, NULL, "ssau", unit, "", 1,
                          (uint32_t) pid);
  if (r < 0)
    r = jr_error_msg (err, -r, "cgroup: systemd: attach process %d to %s: %s", (int) pid, unit, e.message ? e.message : strerror (-r));
  s->error_free (&e);
  return r < 0 ? r : 0;
}

void
jr_sd_stop_scope (void *bus, const char *unit)
{
  const struct jr_sd *s = bus;
  sd_bus_error e = SD_BUS_ERROR_NULL;
  s->call_method (s->bus, SD_DEST, SD_PATH, SD_MGR, "StopUnit", &e, NULL, "ss", unit, "replace");
  s->error_free (&e);
}

/* The scope the caller is in: its path under mount when the own cgroup
 * is MOUNT/.../unit or MOUNT/.../unit/jailrun-leaf, else NULL. */
static char *
scope_path (const struct jr_cgprobe *p, const char *unit)
{
  char *own = jr_cg_own (p->mount, p->mroot);
  char *leaf = own ? strrchr (own, '/') : NULL;
  if (leaf && strcmp (leaf + 1, JR_CG_LEAF) == 0)
    *leaf = '\0';
  char *base = own ? strrchr (own, '/') : NULL;
  if (base == NULL || strcmp (base + 1, unit) != 0)
    {
      free (own);
      return NULL;
    }
  return own;
}

int
jr_sd_enter (const struct jr_limits *l, struct jr_cgprobe *p, jail_error **err)
{
  char unit[256];
  if (l->name)
    snprintf (unit, sizeof unit, "jailrun-%s.scope", l->name);
  else
    snprintf (unit, sizeof unit, "jailrun-%d.scope", (int) getpid ());
  char *in = scope_path (p, unit);
  int r = 0;

  /* A second jail_run of the same process: its scope is there already. */
  if (in)
    r = jr_sd_set_limits (p->bus, unit, l, err);
  else
    {
      if ((p->orig = jr_cg_own (p->mount, p->mroot)) == NULL || (p->scope = strdup (unit)) == NULL)
        return jr_error (err, ENOMEM, "cgroup: systemd");
      if ((r = jr_sd_start_scope (p->bus, unit, l, err)) == 0 && (in = scope_path (p, unit)) == NULL)
        r = jr_error_msg (err, EIO, "cgroup: systemd: %s started, but this process is not in it (/proc/self/cgroup)", unit);
    }
  if (r < 0)
    {
      free (in);
      return r;
    }

  free (p->parent);
  p->parent = in;
  p->avail = jr_cg_controllers_of (in, "cgroup.controllers");
  return 0;
}

void
jr_sd_abandon (struct jr_cgprobe *p)
{
  if (p->scope == NULL || p->orig == NULL)
    return;
  char path[4200];
  snprintf (path, sizeof path, "%s/cgroup.procs", p->orig);
  /* Out of the scope first ("0": this process), else stopping it would
   * kill the caller; when that is refused, the scope ends at our exit. */
  if (jr_cg_write (AT_FDCWD, path, "0") == 0)
    jr_sd_stop_scope (p->bus, p->scope);
}
