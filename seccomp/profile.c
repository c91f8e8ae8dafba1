/* profile.c - jailrun's default seccomp policy (DESIGN.md section 3), as
 * one table a reviewer reads top to bottom.
 *
 * Every syscall of the native ABI that libseccomp knows is allowed unless
 * a row below says otherwise.  Numbers libseccomp does not know (syscalls
 * newer than this build) get ENOSYS, so libraries fall back; any other
 * ABI (i386 int 0x80, x32 on x86_64) kills the process.
 *
 * A row without a condition sets what the syscall does for every call.
 * A row with a condition (all of its comparisons must hold) applies to
 * matching calls only; a row "otherwise" then says what the remaining
 * calls get.  Names unknown on the build's architecture are skipped (the
 * table is shared by all architectures). */
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "seccomp_internal.h"

#define ALLOW SCMP_ACT_ALLOW
#define EPERM_ SCMP_ACT_ERRNO (EPERM)
#define ENOSYS_ SCMP_ACT_ERRNO (ENOSYS)
#define EAFNOSUPPORT_ SCMP_ACT_ERRNO (EAFNOSUPPORT)

/* Argument i, compared on its low 32 bits only: the kernel reads these
 * arguments as int, so high bits must not let a value slip past. */
#define LOW32(i, v)                           \
  {                                           \
    (i), SCMP_CMP_MASKED_EQ, 0xffffffffu, (v) \
  }
/* Argument i has every bit of bit set (a mode with S_ISUID, say). */
#define HAS_BIT(i, bit)                   \
  {                                       \
    (i), SCMP_CMP_MASKED_EQ, (bit), (bit) \
  }
#define NO_NS_FLAGS(i)                            \
  {                                               \
    (i), SCMP_CMP_MASKED_EQ, JR_CLONE_NEW_MASK, 0 \
  }
#define JR_CLONE_NEW_MASK (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC \
                           | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET)

/* Rows denying a mode (argument m) with S_ISUID or S_ISGID. */
#define CHMOD_ROWS(name, m)                                             \
  { name, EPERM_, 1, { HAS_BIT (m, S_ISUID) }, "no setuid files" },     \
      { name, EPERM_, 1, { HAS_BIT (m, S_ISGID) }, "no setgid files" }, \
  {                                                                     \
    name, ALLOW, 0, {}, NULL                                            \
  }
/* The same for a call that creates a file when its flags (argument f)
 * have O_CREAT or O_TMPFILE. */
#define OPEN_ROWS(name, f, m)                                                                     \
  { name, EPERM_, 2, { HAS_BIT (f, O_CREAT), HAS_BIT (m, S_ISUID) }, "no setuid files" },         \
      { name, EPERM_, 2, { HAS_BIT (f, O_CREAT), HAS_BIT (m, S_ISGID) }, "no setgid files" },     \
      { name, EPERM_, 2, { HAS_BIT (f, __O_TMPFILE), HAS_BIT (m, S_ISUID) }, "no setuid files" }, \
      { name, EPERM_, 2, { HAS_BIT (f, __O_TMPFILE), HAS_BIT (m, S_ISGID) }, "no setgid files" }, \
  {                                                                                               \
    name, ALLOW, 0, {}, NULL                                                                      \
  }

struct row
{
  const char *name;
  uint32_t action;
  unsigned n_cmp; /* 0: every call ("otherwise" after conditional rows) */
  struct scmp_arg_cmp cmp[2];
  const char *why;
};

static const struct row table[] = {
  /* Syscalls that libraries probe and fall back from: ENOSYS. */
  { "io_uring_setup", ENOSYS_, 0, {}, "io_uring: a large, fast-moving attack surface" },
  { "io_uring_enter", ENOSYS_, 0, {}, "io_uring" },
  { "io_uring_register", ENOSYS_, 0, {}, "io_uring" },
  { "clone3", ENOSYS_, 0, {}, "flags live in memory, cannot be filtered; libc falls back to clone" },
  { "fsopen", ENOSYS_, 0, {}, "new mount API: the mount table is fixed" },
  { "fsconfig", ENOSYS_, 0, {}, "new mount API" },
  { "fsmount", ENOSYS_, 0, {}, "new mount API" },
  { "fspick", ENOSYS_, 0, {}, "new mount API" },
  { "open_tree", ENOSYS_, 0, {}, "new mount API" },
  { "move_mount", ENOSYS_, 0, {}, "new mount API" },
  { "mount_setattr", ENOSYS_, 0, {}, "new mount API" },
  { "io_pgetevents", ENOSYS_, 0, {}, "rarely used AIO variant; Docker denies it" },
  { "cachestat", ENOSYS_, 0, {}, "page-cache state of files: a side channel" },
  /* Syscalls the kernel no longer (or never on this ABI) implements. */
  { "afs_syscall", ENOSYS_, 0, {}, "not implemented" },
  { "getpmsg", ENOSYS_, 0, {}, "not implemented" },
  { "putpmsg", ENOSYS_, 0, {}, "not implemented" },
  { "security", ENOSYS_, 0, {}, "not implemented" },
  { "tuxcall", ENOSYS_, 0, {}, "not implemented" },
  { "vserver", ENOSYS_, 0, {}, "not implemented" },
  /* Denied: EPERM. */
  { "keyctl", EPERM_, 0, {}, "kernel keyrings are not namespaced" },
  { "add_key", EPERM_, 0, {}, "kernel keyrings are not namespaced" },
  { "request_key", EPERM_, 0, {}, "kernel keyrings are not namespaced" },
  { "userfaultfd", EPERM_, 0, {}, "widens kernel race windows for exploits" },
  { "bpf", EPERM_, 0, {}, "eBPF verifier and maps: kernel attack surface" },
  { "perf_event_open", EPERM_, 0, {}, "perf: kernel attack surface, side channels" },
  { "kexec_load", EPERM_, 0, {}, "replaces the running kernel" },
  { "kexec_file_load", EPERM_, 0, {}, "replaces the running kernel" },
  { "init_module", EPERM_, 0, {}, "kernel modules" },
  { "finit_module", EPERM_, 0, {}, "kernel modules" },
  { "delete_module", EPERM_, 0, {}, "kernel modules" },
  { "create_module", EPERM_, 0, {}, "kernel modules (obsolete)" },
  { "query_module", EPERM_, 0, {}, "kernel modules (obsolete)" },
  { "get_kernel_syms", EPERM_, 0, {}, "kernel modules (obsolete)" },
  { "mount", EPERM_, 0, {}, "the mount table is built before the command runs" },
  { "umount", EPERM_, 0, {}, "the mount table is fixed" },
  { "umount2", EPERM_, 0, {}, "the mount table is fixed" },
  { "pivot_root", EPERM_, 0, {}, "the root is fixed" },
  { "chroot", EPERM_, 0, {}, "the root is fixed" },
  { "unshare", EPERM_, 0, {}, "no new namespaces (userns bugs are a classic way out)" },
  { "setns", EPERM_, 0, {}, "no joining other namespaces" },
  { "ptrace", EPERM_, 0, {}, "no tracing other processes" },
  { "process_vm_readv", EPERM_, 0, {}, "reads another process's memory" },
  { "process_vm_writev", EPERM_, 0, {}, "writes another process's memory" },
  { "pidfd_getfd", EPERM_, 0, {}, "steals another process's file descriptors" },
  { "kcmp", EPERM_, 0, {}, "compares kernel objects of other processes (KASLR probing)" },
  { "process_madvise", EPERM_, 0, {}, "acts on another process's memory" },
  { "open_by_handle_at", EPERM_, 0, {}, "opens files by handle, past mount boundaries (shocker)" },
  { "swapon", EPERM_, 0, {}, "host swap" },
  { "swapoff", EPERM_, 0, {}, "host swap" },
  { "reboot", EPERM_, 0, {}, "host power state" },
  { "syslog", EPERM_, 0, {}, "kernel log: kernel addresses, host activity" },
  { "acct", EPERM_, 0, {}, "process accounting is host-wide" },
  { "quotactl", EPERM_, 0, {}, "disk quotas are host-wide" },
  { "quotactl_fd", EPERM_, 0, {}, "disk quotas are host-wide" },
  { "fanotify_init", EPERM_, 0, {}, "watches the whole filesystem" },
  { "lookup_dcookie", EPERM_, 0, {}, "profiling interface (removed)" },
  { "iopl", EPERM_, 0, {}, "raw I/O port access" },
  { "ioperm", EPERM_, 0, {}, "raw I/O port access" },
  { "settimeofday", EPERM_, 0, {}, "the clock is host-wide" },
  { "clock_settime", EPERM_, 0, {}, "the clock is host-wide" },
  { "clock_adjtime", EPERM_, 0, {}, "the clock is host-wide" },
  { "adjtimex", EPERM_, 0, {}, "the clock is host-wide" },
  { "stime", EPERM_, 0, {}, "the clock is host-wide" },
  { "vhangup", EPERM_, 0, {}, "hangs up the terminal" },
  { "migrate_pages", EPERM_, 0, {}, "NUMA migration of any process's pages" },
  { "move_pages", EPERM_, 0, {}, "NUMA migration of any process's pages" },
  { "set_mempolicy_home_node", EPERM_, 0, {}, "NUMA placement" },
  { "mbind", EPERM_, 0, {}, "NUMA placement (Docker: CAP_SYS_NICE only)" },
  { "set_mempolicy", EPERM_, 0, {}, "NUMA placement (Docker: CAP_SYS_NICE only)" },
  { "get_mempolicy", EPERM_, 0, {}, "NUMA layout of the host (Docker: CAP_SYS_NICE only)" },
  { "sethostname", EPERM_, 0, {}, "the host name is set by jailrun (--hostname)" },
  { "setdomainname", EPERM_, 0, {}, "the domain name is fixed" },
  { "vmsplice", EPERM_, 0, {}, "page-reference bugs (CVE-2008-0600, CVE-2020-29374)" },
  { "_sysctl", EPERM_, 0, {}, "obsolete sysctl interface" },
  { "nfsservctl", EPERM_, 0, {}, "obsolete NFS server control" },
  { "uselib", EPERM_, 0, {}, "obsolete a.out loader (CVE-2004-1235)" },
  { "ustat", EPERM_, 0, {}, "obsolete" },
  { "sysfs", EPERM_, 0, {}, "obsolete" },
  { "bdflush", EPERM_, 0, {}, "obsolete" },
  { "vm86", EPERM_, 0, {}, "virtual 8086 mode" },
  { "vm86old", EPERM_, 0, {}, "virtual 8086 mode" },
  /* Filtered by argument. */
  { "clone", ALLOW, 1, { NO_NS_FLAGS (0) }, "threads and processes without CLONE_NEW* flags" },
  { "clone", EPERM_, 0, {}, "no new namespaces" },
  { "personality", ALLOW, 1, { LOW32 (0, 0x0) }, "PER_LINUX" },
  { "personality", ALLOW, 1, { LOW32 (0, 0x8) }, "PER_LINUX32" },
  { "personality", ALLOW, 1, { LOW32 (0, 0x20000) }, "UNAME26" },
  { "personality", ALLOW, 1, { LOW32 (0, 0x20008) }, "UNAME26 | PER_LINUX32" },
  { "personality", ALLOW, 1, { LOW32 (0, 0xffffffff) }, "query" },
  { "personality", EPERM_, 0, {}, "READ_IMPLIES_EXEC, ADDR_NO_RANDOMIZE... weaken the process" },
  /* No setuid or setgid file, by any call that sets a mode: another host
   * user who runs one would become the jail's host uid (the caller's,
   * rootless).  open/openat only when they create (O_CREAT, O_TMPFILE);
   * openat2 keeps its mode in memory, out of the filter's reach: ENOSYS,
   * and libc's open never uses it. */
  CHMOD_ROWS ("chmod", 1),
  CHMOD_ROWS ("fchmod", 1),
  CHMOD_ROWS ("fchmodat", 2),
  CHMOD_ROWS ("fchmodat2", 2),
  CHMOD_ROWS ("creat", 1),
  CHMOD_ROWS ("mknod", 1),
  CHMOD_ROWS ("mknodat", 2),
  OPEN_ROWS ("open", 1, 2),
  OPEN_ROWS ("openat", 2, 3),
  { "openat2", ENOSYS_, 0, {}, "its mode is in memory: cannot be checked for S_ISUID; libc falls back to openat" },
  { "ioctl", EPERM_, 1, { LOW32 (1, TIOCSTI) }, "TIOCSTI types into the caller's terminal (CVE-2017-5226)" },
  { "ioctl", EPERM_, 1, { LOW32 (1, TIOCLINUX) }, "TIOCLINUX can paste console contents" },
  { "ioctl", ALLOW, 0, {}, NULL },
  { "socket", ALLOW, 1, { LOW32 (0, AF_UNIX) }, "AF_UNIX" },
  { "socket", ALLOW, 1, { LOW32 (0, AF_INET) }, "AF_INET" },
  { "socket", ALLOW, 1, { LOW32 (0, AF_INET6) }, "AF_INET6" },
  { "socket", ALLOW, 2, { LOW32 (0, AF_NETLINK), LOW32 (2, NETLINK_ROUTE) }, "AF_NETLINK, NETLINK_ROUTE only" },
  { "socket", EAFNOSUPPORT_, 0, {}, "AF_ALG, AF_VSOCK, AF_PACKET, other netlink...: attack surface" },
  { "socketpair", ALLOW, 1, { LOW32 (0, AF_UNIX) }, "AF_UNIX" },
  { "socketpair", ALLOW, 1, { LOW32 (0, AF_INET) }, "AF_INET" },
  { "socketpair", ALLOW, 1, { LOW32 (0, AF_INET6) }, "AF_INET6" },
  { "socketpair", ALLOW, 2, { LOW32 (0, AF_NETLINK), LOW32 (2, NETLINK_ROUTE) }, "AF_NETLINK, NETLINK_ROUTE only" },
  { "socketpair", EAFNOSUPPORT_, 0, {}, "as socket" },
};

/* Fill p with the default policy: every known syscall allowed, then
 * the table applied row by row. */
int
jr_sc_default_policy (struct jr_sc_policy *p, jail_error **err)
{
  int r = jr_sc_policy_init (p, ENOSYS_, ALLOW, err);
  if (r < 0)
    return r;
  p->source = "default";
  for (size_t i = 0; r == 0 && i < sizeof table / sizeof *table; i++)
    {
      const struct row *w = &table[i];
      struct jr_sc_entry *e = jr_sc_find (p, w->name);
      if (e == NULL)
        continue;
      if (w->n_cmp == 0)
        {
          e->otherwise = w->action;
          e->why = w->why;
          continue;
        }
      struct jr_sc_rule rule = { .action = w->action, .n_cmp = w->n_cmp, .why = w->why };
      memcpy (rule.cmp, w->cmp, sizeof w->cmp);
      r = jr_sc_add_rule (e, &rule, err);
    }
  if (r < 0)
    jr_sc_policy_free (p);
  return r;
}
