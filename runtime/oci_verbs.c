/* oci_verbs.c - start, kill, delete, ps, pause/resume and update of an
 * OCI container.  Every signal goes through a pidfd opened before the
 * process was checked to be the container's (the init: its start time in
 * state.json; kill --all: its pid namespace), so a recycled pid is never
 * hit.  pause/resume/update act on the cgroup create made. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "oci.h"
#include "state.h"

/* Hooks of kind with the state (as status) on stdin. */
static int
state_hooks (const char *id, struct jr_oci_state *st, enum jr_oci_status status, const char *kind, jail_error **err)
{
  st->status = status;
  char *json = jr_oci_state_json (id, st);
  int r = json ? jr_oci_hooks_run (st->hooks_json, kind, json, err) : jr_error (err, ENOMEM, "hooks");
  free (json);
  return r;
}

int
jr_oci_start (const struct jr_oci_ctx *c, const char *id, jail_error **err)
{
  struct jr_oci_state st;
  int r = jr_oci_state_load (c, id, &st, err);
  if (r == 0 && st.status != JR_OCI_CREATED)
    r = jr_error_msg (err, EINVAL, "container %s is %s, not created: only a created container can start", id,
                      jr_oci_status_name (st.status));
  int fd = r == 0 ? openat (st.dirfd, "exec.fifo", O_WRONLY | O_NONBLOCK | O_CLOEXEC) : -1;
  if (r == 0 && fd < 0)
    r = jr_error (err, errno, "container %s: exec.fifo (its init is gone?)", id);
  if (r == 0 && write (fd, "0", 1) != 1)
    r = jr_error (err, errno, "container %s: exec.fifo: write", id);
  if (fd >= 0)
    close (fd);
  if (r == 0 && unlinkat (st.dirfd, "exec.fifo", 0) < 0)
    r = jr_error (err, errno, "container %s: exec.fifo: remove", id);
  if (r == 0 && st.hooks_json)
    r = state_hooks (id, &st, JR_OCI_RUNNING, "poststart", err);
  jr_oci_state_free (&st);
  return r;
}

/* A signal number from "9", "KILL" or "SIGKILL". */
static int
parse_signal (const char *s, jail_error **err)
{
  char *end;
  long n = strtol (s, &end, 10);
  if (*s && *end == '\0')
    {
      if (n < 1 || n > 64)
        return jr_error_msg (err, EINVAL, "kill: signal %s out of range (1-64)", s);
      return (int) n;
    }
  const char *name = strncasecmp (s, "SIG", 3) == 0 ? s + 3 : s;
  for (int i = 1; i < 32; i++)
    if (sigabbrev_np (i) && strcasecmp (sigabbrev_np (i), name) == 0)
      return i;
  return jr_error_msg (err, EINVAL, "kill: unknown signal '%s' (a number, or a name like TERM or SIGKILL)", s);
}

/* pidfd of the container's init, checked to be the process create made. */
static int
open_init (const struct jr_oci_state *st, const char *id, jail_error **err)
{
  int fd = (int) syscall (SYS_pidfd_open, st->pid, 0);
  if (fd < 0 || jr_pid_starttime (st->pid) != st->starttime)
    {
      if (fd >= 0)
        close (fd);
      return jr_error_msg (err, ESRCH, "container %s is stopped", id);
    }
  return fd;
}

/* The container's pid namespace (from the init, checked alive after). */
static int
pidns_of (const struct jr_oci_state *st, int initfd, struct stat *ns, jail_error **err)
{
  char path[64];
  snprintf (path, sizeof path, "/proc/%d/ns/pid", (int) st->pid);
  if (stat (path, ns) < 0)
    return jr_error (err, errno, "%s", path);
  if (syscall (SYS_pidfd_send_signal, initfd, 0, NULL, 0) < 0)
    return jr_error_msg (err, ESRCH, "the container's init ended");
  return 0;
}

/* Is pid's pid namespace ns? */
static bool
in_pidns (pid_t pid, const struct stat *ns)
{
  char path[64];
  struct stat s;
  snprintf (path, sizeof path, "/proc/%d/ns/pid", (int) pid);
  return stat (path, &s) == 0 && s.st_dev == ns->st_dev && s.st_ino == ns->st_ino;
}

/* Candidate host pids: the cgroup's members, or every pid of /proc
 * (at most max; malloc'd in *out). */
static int
candidates (const struct jr_oci_state *st, pid_t **out, size_t *n, jail_error **err)
{
  size_t max = 1 << 16;
  pid_t *p = *out = malloc (max * sizeof *p);
  *n = max;
  if (p == NULL)
    return jr_error (err, ENOMEM, "pids");
  if (st->cgroup)
    return jr_oci_cgroup_pids (st->cgroup, p, n, err);
  *n = 0;
  DIR *d = opendir ("/proc");
  if (d == NULL)
    return jr_error (err, errno, "/proc");
  struct dirent *de;
  while ((de = readdir (d)) != NULL && *n < max)
    if (atoi (de->d_name) > 0)
      p[(*n)++] = atoi (de->d_name);
  closedir (d);
  return 0;
}

/* Signal every process of the container without a pid-reuse race: each
 * pid gets a pidfd first, then its pid namespace is checked to be the
 * container's, then the signal goes through the pidfd.  The signal only
 * lands while that process lives, and then it was the one checked (its
 * pid could not be reused while it lived). */
static int
signal_all (const struct jr_oci_state *st, int initfd, int sig, jail_error **err)
{
  struct stat ns;
  pid_t *pids = NULL;
  size_t n = 0;
  int r = pidns_of (st, initfd, &ns, err);
  if (r == 0)
    r = candidates (st, &pids, &n, err);
  for (size_t i = 0; r == 0 && i < n; i++)
    {
      int fd = (int) syscall (SYS_pidfd_open, pids[i], 0);
      if (fd < 0)
        continue; /* gone already */
      if (in_pidns (pids[i], &ns))
        syscall (SYS_pidfd_send_signal, fd, sig, NULL, 0);
      close (fd);
    }
  free (pids);
  return r;
}

int
jr_oci_kill (const struct jr_oci_ctx *c, const char *id, const char *sigtext, bool all, jail_error **err)
{
  int sig = parse_signal (sigtext ? sigtext : "TERM", err);
  if (sig < 0)
    return sig;
  struct jr_oci_state st;
  int r = jr_oci_state_load (c, id, &st, err);
  int fd = r == 0 ? open_init (&st, id, err) : -1;
  if (r == 0 && fd < 0)
    r = fd;
  if (r == 0 && all)
    r = signal_all (&st, fd, sig, err);
  if (r == 0 && syscall (SYS_pidfd_send_signal, fd, sig, NULL, 0) < 0 && !(all && errno == ESRCH))
    r = jr_error (err, errno, "kill: container %s", id);
  if (fd >= 0)
    close (fd);
  jr_oci_state_free (&st);
  return r;
}

int
jr_oci_delete (const struct jr_oci_ctx *c, const char *id, bool force, jail_error **err)
{
  struct jr_oci_state st;
  int r = jr_oci_state_load (c, id, &st, err);
  if (r == -ENOENT && force)
    {
      if (err)
        {
          jail_error_free (*err);
          *err = NULL;
        }
      return 0; /* runc's meaning: nothing left to delete */
    }
  if (r == 0 && st.status != JR_OCI_STOPPED && !force)
    r = jr_error_msg (err, EBUSY, "container %s is %s: stop it first, or delete --force", id, jr_oci_status_name (st.status));
  int fd = r == 0 && st.status != JR_OCI_STOPPED ? open_init (&st, id, NULL) : -1;
  if (fd >= 0)
    {
      syscall (SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);
      struct pollfd p = { .fd = fd, .events = POLLIN };
      if (poll (&p, 1, 10000) <= 0)
        r = jr_error_msg (err, ETIMEDOUT, "delete: container %s did not die within 10 s of SIGKILL", id);
      close (fd);
    }
  if (r == 0)
    {
      jr_oci_sidecar_stop (st.sidecar, st.sidecar_start);
      jr_oci_pod_forget (c, st.pod_netns, id);
      jr_oci_cgroup_remove (st.cgroup, st.cgroup_made);
      jr_oci_sd_stop (NULL, st.scope, st.cgroup);
    }
  int hr = r == 0 && st.hooks_json ? state_hooks (id, &st, JR_OCI_STOPPED, "poststop", err) : 0;
  if (r == 0)
    jr_hostids_release_held (st.id_slot, st.pid, st.starttime);
  jr_oci_state_free (&st);
  if (r == 0)
    r = jr_oci_state_remove (c, id, hr < 0 ? NULL : err);
  return r < 0 ? r : hr;
}

int
jr_oci_ps (const struct jr_oci_ctx *c, const char *id, pid_t *pids, size_t *n, jail_error **err)
{
  struct jr_oci_state st;
  size_t max = *n;
  *n = 0;
  int r = jr_oci_state_load (c, id, &st, err);
  int fd = r == 0 && st.status != JR_OCI_STOPPED ? open_init (&st, id, err) : -1;
  if (r == 0 && st.status != JR_OCI_STOPPED && fd < 0)
    r = fd;
  struct stat ns;
  pid_t *all = NULL;
  size_t got = 0;
  if (fd >= 0 && (r = pidns_of (&st, fd, &ns, err)) == 0)
    r = candidates (&st, &all, &got, err);
  for (size_t i = 0; r == 0 && i < got && *n < max; i++)
    if (in_pidns (all[i], &ns))
      pids[(*n)++] = all[i];
  free (all);
  if (fd >= 0)
    close (fd);
  jr_oci_state_free (&st);
  return r;
}

/* The container's cgroup, or the error saying why there is none. */
static int
need_cgroup (const struct jr_oci_state *st, const char *verb, const char *id, jail_error **err)
{
  if (st->cgroup == NULL)
    return jr_error_msg (err, ENOTSUP, "%s: container %s has no cgroup of its own (created with --cgroup-manager disabled, or rootless without a delegated cgroup)",
                         verb, id);
  return 0;
}

int
jr_oci_pause (const struct jr_oci_ctx *c, const char *id, bool resume, jail_error **err)
{
  struct jr_oci_state st;
  const char *verb = resume ? "resume" : "pause";
  int r = jr_oci_state_load (c, id, &st, err);
  enum jr_oci_status want = resume ? JR_OCI_PAUSED : JR_OCI_RUNNING;
  if (r == 0 && st.status != want)
    r = jr_error_msg (err, EINVAL, "%s: container %s is %s, not %s", verb, id, jr_oci_status_name (st.status),
                      jr_oci_status_name (want));
  if (r == 0)
    r = need_cgroup (&st, verb, id, err);
  if (r == 0 && (r = jr_oci_cgroup_freeze (st.cgroup, !resume, err)) < 0)
    jr_error_wrap (err, "%s: container %s", verb, id);
  jr_oci_state_free (&st);
  return r;
}

int
jr_oci_update (const struct jr_oci_ctx *c, const char *id, const char *resources_json, jail_error **err)
{
  struct jr_oci_state st;
  struct jr_oci_res res;
  int r = jr_oci_resources_text (resources_json, true, "--resources", &res, err);
  if (r == 0)
    r = jr_oci_state_load (c, id, &st, err);
  else
    return r;
  if (r == 0 && st.status == JR_OCI_STOPPED)
    r = jr_error_msg (err, EINVAL, "container %s is stopped", id);
  if (r == 0)
    r = need_cgroup (&st, "update", id, err);
  int fd = r == 0 ? open (st.cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
  if (r == 0 && fd < 0)
    r = jr_error (err, errno, "cgroup %s", st.cgroup);
  if (r == 0 && st.scope)
    r = jr_oci_sd_update (st.scope, &res, err); /* kept by the manager across a reload */
  if (r == 0)
    r = jr_oci_cgroup_apply (fd, st.cgroup, &res, err);
  if (fd >= 0)
    close (fd);
  jr_oci_state_free (&st);
  return r;
}
