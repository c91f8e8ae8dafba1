/* userns.c - user namespace id maps and the host ids behind them.  The
 * jail always runs in a new user namespace with a single mapped uid and
 * gid: rootless, the jail user is the caller's own uid; as root, it is an
 * unprivileged host id, never 0, of a slot that no other running jail
 * holds (JR_ROOT_ID_BASE + slot * JR_ID_SLOT_SIZE + jail id), so jails
 * cannot read each other's files or signal each other through a shared
 * uid.  Slots are files STATE/.ids/K (K = 0, 1, ...) naming the process
 * that holds them (pid and start time), claimed with O_EXCL under flock of
 * STATE/.ids/lock; one whose holder is gone is reclaimed.  No setuid
 * helper is involved. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hostfile.h"
#include "internal.h"
#include "state.h"

/* Open STATE/.ids (made 0700 on demand) into *dfd and hold its lock
 * (*lockfd: closing it lets go). */
static int
open_slots (int *dfd, int *lockfd, jail_error **err)
{
  char *root cleanup_free = NULL;
  int r = jr_state_root (&root, err);
  if (r < 0)
    return r;
  int rfd cleanup_close = open (root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (rfd < 0 || (mkdirat (rfd, ".ids", 0700) < 0 && errno != EEXIST))
    return jr_error (err, errno, "userns: id slots: %s/.ids", root);
  *dfd = openat (rfd, ".ids", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (*dfd < 0)
    return jr_error (err, errno, "userns: id slots: %s/.ids", root);
  *lockfd = openat (*dfd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (*lockfd < 0 || flock (*lockfd, LOCK_EX) < 0)
    return jr_error (err, errno, "userns: id slots: lock %s/.ids/lock", root);
  return 0;
}

/* Is slot file NAME held by a process that is gone (or unreadable)?
 * Gone means no process has that pid (kill 0: ESRCH): one syscall, where
 * reading /proc/PID/stat for each of 1,000 held slots cost most of a
 * start.  A pid reused since only keeps the slot taken (never frees a
 * live holder's slot). */
static bool
slot_stale (int dfd, const char *name)
{
  char buf[64];
  int fd cleanup_close = openat (dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  ssize_t n = fd < 0 ? -1 : read (fd, buf, sizeof buf - 1);
  if (n <= 0)
    return fd >= 0;
  buf[n] = '\0';
  int pid;
  unsigned long long start;
  if (sscanf (buf, "%d %llu", &pid, &start) != 2 || pid <= 0)
    return true;
  return kill (pid, 0) < 0 && errno == ESRCH;
}

/* The slot the next claim tries first, kept in the lock file: one past
 * the last claimed, lowered when a lower slot is given back.  Without it
 * every claim probed each held slot from 0 (four system calls each: a
 * start with 1,000 jails running made 4,000 of them).  A claim still
 * visits every slot before it gives up, so the hint only orders the
 * search; a missing or unreadable one means slot 0. */
static unsigned
hint_get (int lockfd)
{
  char buf[16];
  ssize_t n = pread (lockfd, buf, sizeof buf - 1, 0);
  unsigned v;
  if (n <= 0)
    return 0;
  buf[n] = '\0';
  return sscanf (buf, "%u", &v) == 1 && v < JR_ID_SLOTS ? v : 0;
}

/* Record slot k as where the next claim starts (fixed width: no truncate). */
static void
hint_set (int lockfd, unsigned k)
{
  char buf[16];
  int n = snprintf (buf, sizeof buf, "%10u\n", k % JR_ID_SLOTS);
  if (pwrite (lockfd, buf, (size_t) n, 0) != n)
    return; /* only an order: the next claim starts at slot 0 or the old hint */
}

/* Give slot file NAME back (the slot lock held): remove it and let the
 * next claim start there if it is below the hint. */
static void
give_back (int dfd, int lockfd, int slot, const char *name)
{
  unlinkat (dfd, name, 0);
  if ((unsigned) slot < hint_get (lockfd))
    hint_set (lockfd, (unsigned) slot);
}

/* Create slot file NAME for us; 0, -EEXIST when held, or another -errno. */
static int
take_slot (int dfd, const char *name)
{
  int fd = openat (dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0 && errno == EEXIST)
    {
      if (!slot_stale (dfd, name))
        return -EEXIST;
      if (unlinkat (dfd, name, 0) < 0)
        return -errno;
      fd = openat (dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    }
  if (fd < 0)
    return -errno;
  pid_t self = getpid ();
  int w = dprintf (fd, "%d %llu\n", (int) self, jr_pid_starttime (self));
  close (fd);
  return w > 0 ? 0 : -EIO;
}

int
jr_hostids_claim (const struct jail_config *cfg, struct jr_hostids *h, jail_error **err)
{
  *h = (struct jr_hostids) { .slot = -1, .uid = geteuid (), .gid = getegid () };
  if (geteuid () != 0)
    return 0;
  if (cfg->uid >= JR_ID_SLOT_SIZE || cfg->gid >= JR_ID_SLOT_SIZE)
    return jr_error_msg (err, EOVERFLOW, "userns: jail id %u:%u: as root, the jail's uid and gid must be below %u (each jail gets a host id range of that size): use a smaller -u",
                         cfg->uid, cfg->gid, JR_ID_SLOT_SIZE);
  int dfd cleanup_close = -1, lockfd cleanup_close = -1;
  int r = open_slots (&dfd, &lockfd, err);
  unsigned first = r == 0 ? hint_get (lockfd) : 0;
  for (unsigned i = 0; r == 0 && i < JR_ID_SLOTS; i++)
    {
      unsigned k = (first + i) % JR_ID_SLOTS;
      char name[16];
      snprintf (name, sizeof name, "%u", k);
      int t = take_slot (dfd, name);
      if (t == -EEXIST)
        continue;
      if (t < 0)
        return jr_error (err, -t, "userns: id slots: claim slot %u", k);
      hint_set (lockfd, k + 1);
      unsigned long long base = JR_ROOT_ID_BASE + (unsigned long long) k * JR_ID_SLOT_SIZE;
      *h = (struct jr_hostids) { .slot = (int) k, .uid = base + cfg->uid, .gid = base + cfg->gid };
      return 0;
    }
  if (r < 0)
    return r;
  return jr_error_msg (err, EUSERS, "userns: all %u host id slots are held by running jails: stop some ('jailrun ps')",
                       JR_ID_SLOTS);
}

void
jr_hostids_release (struct jr_hostids *h)
{
  if (h->slot < 0)
    return;
  int dfd cleanup_close = -1, lockfd cleanup_close = -1;
  char name[16];
  snprintf (name, sizeof name, "%d", h->slot);
  if (open_slots (&dfd, &lockfd, NULL) == 0)
    give_back (dfd, lockfd, h->slot, name);
  h->slot = -1;
}

/* Does slot file NAME name exactly pid and start? */
static bool
slot_names (int dfd, const char *name, pid_t pid, unsigned long long start)
{
  char buf[64];
  if (jr_hostfile_read_at (dfd, name, buf, sizeof buf) <= 0)
    return false;
  int p;
  unsigned long long s;
  return sscanf (buf, "%d %llu", &p, &s) == 2 && p == (int) pid && s == start;
}

int
jr_hostids_hand (const struct jr_hostids *h, pid_t pid, jail_error **err)
{
  if (h->slot < 0)
    return 0;
  int dfd cleanup_close = -1, lockfd cleanup_close = -1;
  int r = open_slots (&dfd, &lockfd, err);
  if (r < 0)
    return r;
  char name[16], tmp[24];
  snprintf (name, sizeof name, "%d", h->slot);
  snprintf (tmp, sizeof tmp, "%d.new", h->slot);
  int fd = openat (dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  int w = fd < 0 ? -1 : dprintf (fd, "%d %llu\n", (int) pid, jr_pid_starttime (pid));
  if (fd >= 0)
    close (fd);
  if (w <= 0 || renameat (dfd, tmp, dfd, name) < 0)
    {
      int e = w <= 0 && fd >= 0 ? EIO : errno;
      unlinkat (dfd, tmp, 0);
      return jr_error (err, e, "userns: id slots: hand slot %d to pid %d", h->slot, (int) pid);
    }
  return 0;
}

void
jr_hostids_release_held (int slot, pid_t pid, unsigned long long start)
{
  int dfd cleanup_close = -1, lockfd cleanup_close = -1;
  char name[16];
  snprintf (name, sizeof name, "%d", slot);
  if (slot >= 0 && open_slots (&dfd, &lockfd, NULL) == 0 && slot_names (dfd, name, pid, start))
    give_back (dfd, lockfd, slot, name);
}

/* Write text to /proc/PID/FILE in one write(2), as the kernel requires. */
int
jr_proc_write (pid_t pid, const char *file, const char *text, char *path, enum jr_procw_stage *stage)
{
  if (pid)
    snprintf (path, 64, "/proc/%d/%s", (int) pid, file);
  else
    snprintf (path, 64, "/proc/self/%s", file);
  *stage = JR_PROCW_OPEN;
  int fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  size_t len = strlen (text);
  ssize_t n = write (fd, text, len);
  int saved = errno;
  close (fd);
  *stage = n < 0 ? JR_PROCW_WRITE : JR_PROCW_SHORT;
  return n < 0 ? -saved : (size_t) n != len ? -EIO
                                            : 0;
}

/* jr_proc_write, with a message for each way it fails. */
int
jr_proc_write_msg (pid_t pid, const char *file, const char *text, jail_error **err)
{
  char path[64];
  enum jr_procw_stage stage;
  int r = jr_proc_write (pid, file, text, path, &stage);
  if (r == 0)
    return 0;
  if (stage == JR_PROCW_OPEN)
    return jr_error (err, -r, "userns: open %s", path);
  if (stage == JR_PROCW_WRITE)
    return jr_error (err, -r, "userns: write %s '%.*s'", path, (int) strcspn (text, "\n"), text);
  return jr_error (err, EIO, "userns: short write to %s", path);
}

int
jr_userns_write_maps (pid_t pid, uid_t uid, gid_t gid, const struct jr_hostids *h, jail_error **err)
{
  bool root = geteuid () == 0;
  unsigned long long hu = h->uid, hg = h->gid;
  char map[64];
  int ret = 0;
  /* Unprivileged writers must deny setgroups before writing gid_map; as
   * root we keep it so the child can drop root's supplementary groups. */
  if (!root)
    ret = jr_proc_write_msg (pid, "setgroups", "deny", err);
  if (ret == 0)
    {
      snprintf (map, sizeof map, "%u %llu 1\n", uid, hu);
      ret = jr_proc_write_msg (pid, "uid_map", map, err);
    }
  if (ret == 0)
    {
      snprintf (map, sizeof map, "%u %llu 1\n", gid, hg);
      ret = jr_proc_write_msg (pid, "gid_map", map, err);
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
                         "or allow them for all: sysctl -w kernel.apparmor_restrict_unprivileged_userns=0",
              aa);
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
