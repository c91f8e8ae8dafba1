/* userns.c - user namespace id maps.  The jail always runs in a new user
 * namespace with a single mapped uid and gid: rootless, the jail user is
 * the caller's own uid; as root, it is JR_ROOT_ID_BASE + jail uid, an
 * unprivileged host id and never 0.  No setuid helper is involved. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

/* Write text to /proc/PID/FILE in one write(2), as the kernel requires. */
static int
write_proc (pid_t pid, const char *file, const char *text, jail_error **err)
{
  char path[64];
  snprintf (path, sizeof path, "/proc/%d/%s", (int) pid, file);
  int fd cleanup_close = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return jr_error (err, errno, "userns: open %s", path);
  ssize_t n = write (fd, text, strlen (text));
  if (n < 0)
    return jr_error (err, errno, "userns: write %s '%.*s'", path, (int) strcspn (text, "\n"), text);
  if ((size_t) n != strlen (text))
    return jr_error (err, EIO, "userns: short write to %s", path);
  return 0;
}

int
jr_userns_write_maps (pid_t pid, uid_t uid, gid_t gid, jail_error **err)
{
  bool root = geteuid () == 0;
  unsigned long long hu = root ? (unsigned long long) JR_ROOT_ID_BASE + uid : geteuid ();
  unsigned long long hg = root ? (unsigned long long) JR_ROOT_ID_BASE + gid : getegid ();
  if (hu > 0xfffffffeull || hg > 0xfffffffeull)
    return jr_error_msg (err, EOVERFLOW, "userns: jail id %u:%u is too large to map as root; use a smaller -u", uid, gid);
  char map[64];
  int ret = 0;
  /* Unprivileged writers must deny setgroups before writing gid_map; as
   * root we keep it so the child can drop root's supplementary groups. */
  if (!root)
    ret = write_proc (pid, "setgroups", "deny", err);
  if (ret == 0)
    {
      snprintf (map, sizeof map, "%u %llu 1\n", uid, hu);
      ret = write_proc (pid, "uid_map", map, err);
    }
  if (ret == 0)
    {
      snprintf (map, sizeof map, "%u %llu 1\n", gid, hg);
      ret = write_proc (pid, "gid_map", map, err);
    }
  if (ret < 0 && !root && (ret == -EPERM || ret == -EACCES))
    jr_error_wrap (err, "unprivileged user namespaces are restricted on this host (check kernel.unprivileged_userns_clone, user.max_user_namespaces and AppArmor); run 'jailrun check'");
  return ret;
}

int
jr_userns_become (const struct jail_config *cfg, struct jail_error *e)
{
  /* Raw syscalls: after a raw clone of a possibly multithreaded caller,
   * glibc's set*id would try to broadcast to threads that do not exist
   * here.  Rootless, setgroups is denied and the caller's groups stay (as
   * with every rootless runtime); as root, drop host gid 0 and friends. */
  if (syscall (SYS_setgroups, 0, NULL) < 0 && errno != EPERM)
    return jr_error_buf (e, errno, "userns: setgroups");
  if (syscall (SYS_setresgid, cfg->gid, cfg->gid, cfg->gid) < 0)
    return jr_error_buf (e, errno, "userns: setresgid %u", cfg->gid);
  if (syscall (SYS_setresuid, cfg->uid, cfg->uid, cfg->uid) < 0)
    return jr_error_buf (e, errno, "userns: setresuid %u", cfg->uid);
  return 0;
}

/* Read sysctl NAME ("kernel/x") under procsys into buf; false if absent. */
static bool
read_sysctl (const char *procsys, const char *name, char *buf, size_t size)
{
  char path[512];
  snprintf (path, sizeof path, "%s/%s", procsys, name);
  int fd cleanup_close = open (path, O_RDONLY | O_CLOEXEC);
  ssize_t n = fd < 0 ? -1 : read (fd, buf, size - 1);
  if (n < 0)
    return false;
  buf[n] = '\0';
  buf[strcspn (buf, " \n")] = '\0';
  return true;
}

void
jr_userns_hint (const char *procsys, int e, char *buf, size_t size)
{
  char aa[16] = "", clone[16] = "", max[32] = "";
  bool has_aa = read_sysctl (procsys, "kernel/apparmor_restrict_unprivileged_userns", aa, sizeof aa);
  bool has_clone = read_sysctl (procsys, "kernel/unprivileged_userns_clone", clone, sizeof clone);
  read_sysctl (procsys, "user/max_user_namespaces", max, sizeof max);
  if ((e == EPERM || e == EACCES) && has_aa && strcmp (aa, "0") != 0)
    snprintf (buf, size, "AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns=%s) "
              "and jailrun runs without its profile: install it (meson install puts apparmor/jailrun in /etc/apparmor.d, "
              "for /usr/bin/jailrun and /usr/local/bin/jailrun; then apparmor_parser -r /etc/apparmor.d/jailrun), "
              "or allow them for all: sysctl -w kernel.apparmor_restrict_unprivileged_userns=0", aa);
  else if ((e == EPERM || e == EACCES) && has_clone && strcmp (clone, "0") == 0)
    snprintf (buf, size, "unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone=0): "
              "sysctl -w kernel.unprivileged_userns_clone=1");
  else if (strcmp (max, "0") == 0 || e == ENOSPC || e == EUSERS)
    snprintf (buf, size, "no user namespace may be created (user.max_user_namespaces=%s): sysctl -w user.max_user_namespaces=15000",
              max[0] ? max : "?");
  else
    snprintf (buf, size, "user namespaces are refused here though no sysctl forbids them: a seccomp filter or security "
              "module of the calling environment (a container's default profile?) denies them; run 'jailrun check'");
}
