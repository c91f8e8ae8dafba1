/* check.c - what this host offers jailrun, found by calling each
 * syscall (ENOSYS means absent), never by reading the kernel version:
 * user namespaces and what restricts them, cgroup v2 and its
 * controllers, seccomp and its user notification, Landlock, openat2,
 * clone3, pidfd, the mount API and idmapped mounts.  Each gap comes with
 * a one-line fix.  Report lines: "ok|gap|warn <TAB> what <TAB> detail
 * <TAB> fix". */
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"
#include "netns.h"

/* Read a small /proc or /sys file (trimmed) into buf; false if absent. */
static bool
read_small (const char *path, char *buf, size_t size)
{
  int fd cleanup_close = open (path, O_RDONLY | O_CLOEXEC);
  ssize_t n = fd < 0 ? -1 : read (fd, buf, size - 1);
  if (n < 0)
    return false;
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
    n--;
  buf[n] = '\0';
  return true;
}

/* One report line; gaps counts required features that are missing. */
static void
line (FILE *f, bool ok, bool required, int *gaps, const char *what, const char *detail, const char *fix)
{
  fprintf (f, "%s\t%s\t%s\t%s\n", ok ? "ok" : required ? "gap"
                                                       : "warn",
           what, detail, ok ? "" : fix);
  if (!ok && required)
    (*gaps)++;
}

/* Can we create a user namespace?  Tried in a throwaway child. */
static int
probe_userns (void)
{
  pid_t pid = (pid_t) syscall (SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, 0);
  if (pid == 0)
    _exit (0);
  if (pid < 0)
    return errno;
  int ws;
  waitpid (pid, &ws, 0);
  return 0;
}

/* Can a jail have a full procfs?  A throwaway child in new user, mount
 * and pid namespaces mounts one (the kernel refuses it when parts of the
 * host /proc are covered); its exit status is the errno. */
static void
check_fullproc (FILE *f, int *gaps)
{
  pid_t pid = (pid_t) syscall (SYS_clone, CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | SIGCHLD, NULL, NULL, NULL, 0);
  if (pid == 0)
    {
      int fs = (int) syscall (SYS_fsopen, "proc", 0);
      if (fs < 0 || syscall (SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        _exit (errno & 0x7f);
      _exit (syscall (SYS_fsmount, fs, 0, 0) < 0 ? errno & 0x7f : 0);
    }
  int ws = 0, e = pid < 0 ? errno : 0;
  if (pid > 0 && waitpid (pid, &ws, 0) == pid)
    e = WIFEXITED (ws) ? WEXITSTATUS (ws) : EINTR;
  char d[160];
  snprintf (d, sizeof d, "%s", e ? strerror (e) : "a jail's /proc has meminfo, stat, cpuinfo (Docker's masks on top)");
  line (f, e == 0, false, gaps, "full /proc", d,
        "the kernel refuses a full procfs under a covered host /proc (a container's masks): jails get "
        "/proc subset=pid, so free, top and nproc lack meminfo/stat; run jailrun on the host");
}

static void
check_userns (FILE *f, int *gaps)
{
  char a[64] = "", b[64] = "", c[64] = "", d[256];
  bool has_a = read_small ("/proc/sys/kernel/unprivileged_userns_clone", a, sizeof a);
  read_small ("/proc/sys/user/max_user_namespaces", b, sizeof b);
  bool has_c = read_small ("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", c, sizeof c);
  int e = probe_userns ();
  snprintf (d, sizeof d, "%s (user.max_user_namespaces=%s%s%s%s%s)", e ? strerror (e) : "can create one",
            b, has_a ? ", kernel.unprivileged_userns_clone=" : "", has_a ? a : "",
            has_c ? ", kernel.apparmor_restrict_unprivileged_userns=" : "", has_c ? c : "");
  const char *fix = has_c && strcmp (c, "1") == 0
                        ? "AppArmor restricts them: sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 (or an AppArmor profile allowing userns for jailrun)"
                    : has_a && strcmp (a, "0") == 0 ? "sysctl -w kernel.unprivileged_userns_clone=1"
                    : strcmp (b, "0") == 0          ? "sysctl -w user.max_user_namespaces=15000"
                                                    : "enable CONFIG_USER_NS in the kernel";
  line (f, e == 0, true, gaps, "user namespaces", d, fix);
}

/* AppArmor's user-namespace rule (Ubuntu 23.10+): is it on, and does
 * jailrun run under its own profile (apparmor/jailrun, which allows
 * userns)? */
static void
check_apparmor (FILE *f, int *gaps)
{
  char r[16] = "", label[256] = "", d[512];
  if (!read_small ("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", r, sizeof r))
    {
      line (f, true, false, gaps, "apparmor userns", "no AppArmor user-namespace restriction in this kernel", "");
      return;
    }
  if (!read_small ("/proc/self/attr/apparmor/current", label, sizeof label))
    read_small ("/proc/self/attr/current", label, sizeof label);
  bool profiled = strncmp (label, "jailrun ", 8) == 0 || strcmp (label, "jailrun") == 0;
  bool installed = access ("/etc/apparmor.d/jailrun", F_OK) == 0;
  snprintf (d, sizeof d, "kernel.apparmor_restrict_unprivileged_userns=%s; jailrun runs %s%s%s; /etc/apparmor.d/jailrun %s",
            r, profiled ? "under its profile (" : "as '", label[0] ? label : "unconfined", profiled ? ", userns allowed)" : "'",
            installed ? "is installed" : "is not installed");
  line (f, strcmp (r, "0") == 0 || profiled, false, gaps, "apparmor userns", d,
        installed ? "load it: apparmor_parser -r /etc/apparmor.d/jailrun (it applies to /usr/bin/jailrun and /usr/local/bin/jailrun)"
                  : "install the profile (meson install puts apparmor/jailrun in /etc/apparmor.d; then apparmor_parser -r /etc/apparmor.d/jailrun), "
                    "or sysctl -w kernel.apparmor_restrict_unprivileged_userns=0");
}

/* Mount point of the cgroup2 hierarchy, from mountinfo. */
static bool
cgroup2_mount (char *out, size_t size)
{
  FILE *m = fopen ("/proc/self/mountinfo", "re");
  char l[4096];
  bool found = false;
  while (m && !found && fgets (l, sizeof l, m))
    {
      char *sep = strstr (l, " - cgroup2 ");
      char mp[4096];
      if (sep && sscanf (l, "%*s %*s %*s %*s %4095s", mp) == 1)
        {
          snprintf (out, size, "%.*s", (int) (size - 1), mp);
          found = true;
        }
    }
  if (m)
    fclose (m);
  return found;
}

static void
check_cgroup (FILE *f, int *gaps, bool systemd)
{
  char mnt[2048], ctl[512] = "", own[2048] = "", path[4096], d[4096];
  if (!cgroup2_mount (mnt, sizeof mnt))
    {
      line (f, false, false, gaps, "cgroup v2", "no cgroup2 mount", "boot with systemd.unified_cgroup_hierarchy=1 (limits need cgroup v2)");
      return;
    }
  snprintf (path, sizeof path, "%s/cgroup.controllers", mnt);
  read_small (path, ctl, sizeof ctl);
  bool all = strstr (ctl, "memory") && strstr (ctl, "cpu") && strstr (ctl, "pids");
  snprintf (d, sizeof d, "mounted at %s, controllers: %s", mnt, *ctl ? ctl : "none");
  line (f, all, false, gaps, "cgroup v2 controllers", d,
        "a hybrid host keeps memory/cpu/pids on v1: boot with cgroup_no_v1=all or systemd.unified_cgroup_hierarchy=1");
  FILE *c = fopen ("/proc/self/cgroup", "re");
  char l[2048];
  while (c && fgets (l, sizeof l, c))
    if (strncmp (l, "0::", 3) == 0)
      snprintf (own, sizeof own, "%.*s", (int) strcspn (l + 3, "\n"), l + 3);
  if (c)
    fclose (c);
  snprintf (path, sizeof path, "%s%s", mnt, own);
  bool w = access (path, W_OK) == 0;
  snprintf (d, sizeof d, "own cgroup %s is %swritable%s", *own ? own : "?", w ? "" : "not ",
            !w && systemd ? " (not needed: the systemd manager delegates a scope to each jail)" : "");
  line (f, w || geteuid () == 0 || systemd, false, gaps, "cgroup delegation", d,
        "run from a delegated cgroup: systemd-run --user --scope -p Delegate=yes jailrun ...");
}

/* Which cgroup manager a jail would get (--cgroup-manager auto) and why;
 * true for systemd. */
static bool
check_cgroup_manager (FILE *f, int *gaps)
{
  struct jr_limits l = { 0 };
  struct jr_cgprobe p;
  jail_error *e = NULL;
  char d[1024];
  if (jr_cgroup_probe (&l, &p, &e) < 0)
    snprintf (d, sizeof d, "%s", jail_error_message (e));
  else if (p.systemd)
    snprintf (d, sizeof d, "%s; controllers there: %s%s%s", p.manager, p.avail & JR_CG_CPU ? "cpu " : "",
              p.avail & JR_CG_MEMORY ? "memory " : "", p.avail & JR_CG_PIDS ? "pids" : "");
  else
    snprintf (d, sizeof d, "%s", p.manager);
  line (f, e == NULL, false, gaps, "cgroup manager", d, "use --cgroup-manager cgroupfs");
  jail_error_free (e);
  bool systemd = p.systemd;
  jr_cgprobe_release (&p);
  return systemd;
}

static void
check_seccomp (FILE *f, int *gaps)
{
  int mode = prctl (PR_GET_SECCOMP, 0, 0, 0, 0);
  line (f, mode >= 0, true, gaps, "seccomp", mode >= 0 ? "filter mode available" : strerror (errno),
        "enable CONFIG_SECCOMP_FILTER in the kernel");
  unsigned action = SECCOMP_RET_USER_NOTIF;
  long r = syscall (SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action);
  line (f, r == 0, false, gaps, "seccomp user notification", r == 0 ? "SECCOMP_RET_USER_NOTIF available" : strerror (errno),
        "needs Linux 5.0+ with CONFIG_SECCOMP_FILTER");
}

static void
check_landlock (FILE *f, int *gaps)
{
  long abi = syscall (SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
  int e = errno;
  char d[128];
  snprintf (d, sizeof d, "ABI %ld", abi);
  if (abi <= 0)
    snprintf (d, sizeof d, "%s", e == ENOSYS ? "not in this kernel (ENOSYS)" : "disabled (EOPNOTSUPP)");
  line (f, abi > 0, false, gaps, "landlock", d,
        e == ENOSYS ? "needs a kernel built with CONFIG_SECURITY_LANDLOCK" : "add landlock to the lsm= kernel parameter");
}

/* The network's kernel parts: a throwaway child in a new user and net
 * namespace makes a veth pair (the default network) and a bridge (named
 * networks) there and reports what the kernel said. */
static void
check_network (FILE *f, int *gaps)
{
  struct probe_result
  {
    int r;
    bool bridge;
    struct jail_error e;
  } res = { 0 };
  int p[2] = { -1, -1 };
  pid_t pid = -1;
  if (pipe2 (p, O_CLOEXEC) < 0)
    res.r = jr_error_buf (&res.e, errno, "pipe");
  else if ((pid = (pid_t) syscall (SYS_clone, 0, NULL, NULL, NULL, 0)) < 0)
    res.r = jr_error_buf (&res.e, errno, "clone");
  else if (pid == 0)
    {
      if (unshare (CLONE_NEWUSER | CLONE_NEWNET) < 0)
        res.r = jr_error_buf (&res.e, errno, "unshare(CLONE_NEWUSER|CLONE_NEWNET)");
      else
        res.r = jr_bridge_probe (&res.bridge, &res.e);
      (void) !write (p[1], &res, sizeof res);
      _exit (0);
    }
  else
    {
      close (jr_steal_fd (&p[1]));
      if (read (p[0], &res, sizeof res) != (ssize_t) sizeof res)
        res = (struct probe_result) { -EIO, false, { EIO, "the probe process ended without an answer" } };
      siginfo_t si;
      waitid (P_PID, (id_t) pid, &si, WEXITED | __WALL);
    }
  for (int i = 0; i < 2; i++)
    if (p[i] >= 0)
      close (p[i]);
  res.e.msg[sizeof res.e.msg - 1] = '\0';
  line (f, res.r == 0, false, gaps, "veth", res.r == 0 ? "a veth pair can be made in a new network namespace" : res.e.msg,
        "load the veth module (modprobe veth) for the default network, or run with --no-net");
  line (f, res.bridge, false, gaps, "bridge", res.bridge ? "a bridge can be made in a new network namespace" : "no bridge: named networks (jailrun network create) need one; the default network does not",
        "load the bridge module (modprobe bridge) for named networks");
}

/* A syscall is present when it fails with anything but ENOSYS. */
static void
check_syscall (FILE *f, int *gaps, const char *what, long r, bool required, const char *fix)
{
  int e = errno;
  bool ok = r >= 0 || e != ENOSYS;
  if (r >= 0 && strcmp (what, "pidfd") == 0)
    close ((int) r);
  if (r >= 0 && strcmp (what, "openat2") == 0)
    close ((int) r);
  line (f, ok, required, gaps, what, ok ? "present" : "absent (ENOSYS)", fix);
}

int
jail_check (char **report, jail_error **err)
{
  char *buf = NULL;
  size_t len = 0;
  int gaps = 0;
  FILE *f = open_memstream (&buf, &len);
  if (f == NULL)
    return jr_error (err, ENOMEM, "check");
  check_userns (f, &gaps);
  check_apparmor (f, &gaps);
  bool systemd = check_cgroup_manager (f, &gaps);
  check_cgroup (f, &gaps, systemd);
  check_seccomp (f, &gaps);
  check_landlock (f, &gaps);
  check_network (f, &gaps);
  struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_NO_SYMLINKS };
  check_syscall (f, &gaps, "openat2", syscall (SYS_openat2, AT_FDCWD, "/", &how, sizeof how), true,
                 "needs Linux 5.6+: jailrun resolves every mount target with it");
  check_syscall (f, &gaps, "clone3", syscall (SYS_clone3, NULL, 0), false, "needs Linux 5.3+ (jailrun falls back to clone)");
  check_syscall (f, &gaps, "pidfd", syscall (SYS_pidfd_open, getpid (), 0), true, "needs Linux 5.3+ (pidfd_open)");
  check_syscall (f, &gaps, "mount API", syscall (SYS_fsopen, NULL, 0), true, "needs Linux 5.2+ (fsopen/fsmount/open_tree)");
  struct mount_attr ma = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t) -1 };
  check_syscall (f, &gaps, "idmapped mounts", syscall (SYS_mount_setattr, -1, "", AT_EMPTY_PATH, &ma, sizeof ma), false,
                 "needs Linux 5.12+ (mount_setattr with MOUNT_ATTR_IDMAP)");
  check_fullproc (f, &gaps);
  if (fclose (f) != 0)
    {
      free (buf);
      return jr_error (err, ENOMEM, "check");
    }
  *report = buf;
  return gaps;
}
