/* oci_verbs.c - start, kill and delete of an OCI container.  Every
 * signal goes through a pidfd opened after the pid's start time was
 * checked against state.json, so a recycled pid is never hit. */
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

/* Every process in the init's pid namespace: signal it (sig > 0) or
 * add its host pid to pids (when not NULL, up to *n). */
static int
scan_pidns (pid_t init, int sig, pid_t *pids, size_t *cnt, jail_error **err)
{
  size_t max = cnt ? *cnt : 0;
  if (cnt)
    *cnt = 0;
  char path[64], want[64], got[64];
  snprintf (path, sizeof path, "/proc/%d/ns/pid", (int) init);
  ssize_t n = readlink (path, want, sizeof want - 1);
  if (n < 0)
    return jr_error (err, errno, "%s", path);
  want[n] = '\0';
  DIR *d = opendir ("/proc");
  if (d == NULL)
    return jr_error (err, errno, "/proc");
  struct dirent *de;
  while ((de = readdir (d)) != NULL)
    {
      int pid = atoi (de->d_name);
      if (pid <= 0)
        continue;
      snprintf (path, sizeof path, "/proc/%d/ns/pid", pid);
      n = readlink (path, got, sizeof got - 1);
      if (n > 0 && (got[n] = '\0', strcmp (got, want) == 0))
        {
          if (sig > 0)
            kill (pid, sig);
          if (pids && *cnt < max)
            pids[(*cnt)++] = pid;
        }
    }
  closedir (d);
  return 0;
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
    r = scan_pidns (st.pid, sig, NULL, NULL, err);
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
    jr_oci_sidecar_stop (st.sidecar, st.sidecar_start);
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
  int r = jr_oci_state_load (c, id, &st, err);
  if (r == 0 && st.status == JR_OCI_STOPPED)
    *n = 0;
  else if (r == 0)
    r = scan_pidns (st.pid, 0, pids, n, err);
  jr_oci_state_free (&st);
  return r;
}

int
jr_oci_pause (const struct jr_oci_ctx *c, const char *id, bool resume, jail_error **err)
{
  struct jr_oci_state st;
  int r = jr_oci_state_load (c, id, &st, err);
  if (r == 0)
    r = jr_error_msg (err, ENOTSUP, "%s: container %s has no cgroup of its own (jailrun-oci makes none yet), so it cannot be %s",
                      resume ? "resume" : "pause", id, resume ? "thawed" : "frozen with cgroup.freeze");
  jr_oci_state_free (&st);
  return r;
}
