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
