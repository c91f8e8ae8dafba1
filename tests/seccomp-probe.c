/* seccomp-probe.c - static program placed in the test rootfs: calls each
 * syscall of the seccomp battery with harmless or invalid arguments (bad
 * pointers, -1 fds, invalid flags) and prints one line per case,
 * "NAME RESULT", RESULT being "ok" or the errno name.  An allowed call
 * fails in the kernel (EFAULT, EBADF, EINVAL, ESRCH...) or succeeds
 * harmlessly; a call the filter denies gets EPERM, ENOSYS or EAFNOSUPPORT.
 * ioctl cases use fd -1, so nothing is ever pushed into a terminal.
 *
 * Usage: seccomp-probe          every case but the ones that must kill
 *        seccomp-probe NAME...  the named cases (int80 and x32 kill the
 *                               process under jailrun's default filter)
 *        seccomp-probe file OP PATH MODE   OP on a real file, MODE octal:
 *               fchmodat2, create (open O_CREAT), tmpfile (O_TMPFILE in
 *               the directory PATH, then linked as PATH/t), mknod (S_IFREG) */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <linux/netlink.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#ifndef AF_ALG
#define AF_ALG 38
#endif
#define BAD ((long) 1) /* an invalid user pointer */
#define NR_MSEAL 462   /* newer than libseccomp 2.5.4 knows */
#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

static long
r_int80_getpid (void)
{
  long ret = 20; /* i386 __NR_getpid */
  __asm__ volatile("int $0x80"
                   : "+a"(ret)
                   :
                   : "memory");
  return ret < 0 && ret > -4096 ? (errno = (int) -ret, -1) : ret;
}

/* Raw clone that the kernel always refuses (CLONE_THREAD without
 * CLONE_SIGHAND is EINVAL), so no child is ever created. */
static long
bad_clone (unsigned long ns)
{
  return syscall (SYS_clone, ns | CLONE_THREAD, 0, 0, 0, 0);
}

static long
sock (long family, long type, long proto)
{
  long fd = syscall (SYS_socket, family, type, proto);
  if (fd >= 0)
    close ((int) fd);
  return fd;
}

/* Set persona p (restoring the old one when that worked). */
static long
pers (unsigned long p)
{
  long old = personality (p);
  if (old != -1)
    personality ((unsigned long) old);
  return old;
}

/* The battery: X (name, call). */
#define CASES(X)                                                                           \
  X (getpid, syscall (SYS_getpid))                                                         \
  X (keyctl, syscall (SYS_keyctl, 9999, 0, 0, 0, 0))                                       \
  X (add_key, syscall (SYS_add_key, BAD, BAD, BAD, 0, 0))                                  \
  X (request_key, syscall (SYS_request_key, BAD, BAD, BAD, 0))                             \
  X (userfaultfd, syscall (SYS_userfaultfd, 1 | 0x40000000))                               \
  X (io_uring_setup, syscall (SYS_io_uring_setup, 0, BAD))                                 \
  X (bpf, syscall (SYS_bpf, 0x7fffffff, BAD, 0))                                           \
  X (perf_event_open, syscall (SYS_perf_event_open, BAD, -1, -1, -1, 0))                   \
  X (kexec_load, syscall (SYS_kexec_load, 0, 0, BAD, 0xffff0000ul))                        \
  X (init_module, syscall (SYS_init_module, BAD, 0, BAD))                                  \
  X (finit_module, syscall (SYS_finit_module, -1, BAD, 0))                                 \
  X (mount, syscall (SYS_mount, BAD, BAD, BAD, 0, BAD))                                    \
  X (umount2, syscall (SYS_umount2, "/", 0xffff0000ul))                                    \
  X (pivot_root, syscall (SYS_pivot_root, BAD, BAD))                                       \
  X (chroot, syscall (SYS_chroot, BAD))                                                    \
  X (unshare, syscall (SYS_unshare, CLONE_NEWUSER | 1))                                    \
  X (setns, syscall (SYS_setns, -1, 0))                                                    \
  X (clone, bad_clone (0))                                                                 \
  X (clone_newns, bad_clone (CLONE_NEWNS))                                                 \
  X (clone_newuts, bad_clone (CLONE_NEWUTS))                                               \
  X (clone_newipc, bad_clone (CLONE_NEWIPC))                                               \
  X (clone_newuser, bad_clone (CLONE_NEWUSER))                                             \
  X (clone_newpid, bad_clone (CLONE_NEWPID))                                               \
  X (clone_newnet, bad_clone (CLONE_NEWNET))                                               \
  X (clone_newcgroup, bad_clone (CLONE_NEWCGROUP))                                         \
  X (clone_newuser_newns, bad_clone (CLONE_NEWUSER | CLONE_NEWNS))                         \
  X (clone3, syscall (SYS_clone3, 0, 0))                                                   \
  X (fsopen, syscall (SYS_fsopen, BAD, 0))                                                 \
  X (open_tree, syscall (SYS_open_tree, -1, BAD, 0xffffffffu))                             \
  X (move_mount, syscall (SYS_move_mount, -1, BAD, -1, BAD, 0xffffffffu))                  \
  X (mount_setattr, syscall (SYS_mount_setattr, -1, BAD, 0xffffffffu, BAD, 0))             \
  X (ptrace, syscall (SYS_ptrace, 2 /* PEEKDATA */, 0x3fffffff, 0, 0))                     \
  X (process_vm_readv, syscall (SYS_process_vm_readv, 0x3fffffff, 0, 0, 0, 0, 1))          \
  X (process_vm_writev, syscall (SYS_process_vm_writev, 0x3fffffff, 0, 0, 0, 0, 1))        \
  X (pidfd_getfd, syscall (SYS_pidfd_getfd, -1, 0, 0))                                     \
  X (kcmp, syscall (SYS_kcmp, 0x3fffffff, 0x3fffffff, 0, 0, 0))                            \
  X (process_madvise, syscall (SYS_process_madvise, -1, 0, 0, 0, 0))                       \
  X (open_by_handle_at, syscall (SYS_open_by_handle_at, -1, BAD, 0))                       \
  X (personality_read_implies_exec, pers (0x0400000))                                      \
  X (personality_addr_no_randomize, pers (0x0040000))                                      \
  X (personality_query, personality (0xffffffff))                                          \
  X (ioctl_tcgets, syscall (SYS_ioctl, -1, TCGETS, 0))                                     \
  X (ioctl_tiocsti, syscall (SYS_ioctl, -1, TIOCSTI, BAD))                                 \
  X (ioctl_tiocsti_highbits, syscall (SYS_ioctl, -1, 0xffffffff00000000ul | TIOCSTI, BAD)) \
  X (ioctl_tiocsti_highbit32, syscall (SYS_ioctl, -1, 0x100000000ul | TIOCSTI, BAD))       \
  X (ioctl_tioclinux, syscall (SYS_ioctl, -1, TIOCLINUX, BAD))                             \
  X (socket_unix, sock (AF_UNIX, SOCK_STREAM, 0))                                          \
  X (socket_inet, sock (AF_INET, SOCK_STREAM, 0))                                          \
  X (socket_inet6, sock (AF_INET6, SOCK_DGRAM, 0))                                         \
  X (socket_netlink_route, sock (AF_NETLINK, SOCK_RAW, NETLINK_ROUTE))                     \
  X (socket_alg, sock (AF_ALG, SOCK_SEQPACKET, 0))                                         \
  X (socket_vsock, sock (AF_VSOCK, SOCK_STREAM, 0))                                        \
  X (socket_packet, sock (AF_PACKET, SOCK_RAW, 0))                                         \
  X (socket_netlink_audit, sock (AF_NETLINK, SOCK_RAW, NETLINK_AUDIT))                     \
  X (socket_alg_highbits, sock (0xffffffff00000000l | AF_ALG, SOCK_SEQPACKET, 0))          \
  X (socketpair_alg, syscall (SYS_socketpair, AF_ALG, SOCK_SEQPACKET, 0, BAD))             \
  X (chmod_plain, syscall (SYS_chmod, BAD, 0755))                                          \
  X (chmod_suid, syscall (SYS_chmod, BAD, 04755))                                          \
  X (chmod_sgid, syscall (SYS_chmod, BAD, 02755))                                          \
  X (chmod_suid_highbits, syscall (SYS_chmod, BAD, 0xffffffff00000000ul | 04755))          \
  X (fchmod_plain, syscall (SYS_fchmod, -1, 01777))                                        \
  X (fchmod_suid, syscall (SYS_fchmod, -1, 04755))                                         \
  X (fchmod_sgid, syscall (SYS_fchmod, -1, 02755))                                         \
  X (fchmodat_plain, syscall (SYS_fchmodat, -1, BAD, 0755))                                \
  X (fchmodat_suid, syscall (SYS_fchmodat, -1, BAD, 04755))                                \
  X (fchmodat_sgid, syscall (SYS_fchmodat, -1, BAD, 02755))                                \
  X (fchmodat2_suid, syscall (SYS_fchmodat2, -1, BAD, 04755, 0))                           \
  X (fchmodat2_sgid, syscall (SYS_fchmodat2, -1, BAD, 06755, 0))                           \
  X (creat_suid, syscall (SYS_creat, BAD, 04755))                                          \
  X (open_create_plain, syscall (SYS_open, BAD, O_WRONLY | O_CREAT, 0755))                 \
  X (open_create_suid, syscall (SYS_open, BAD, O_WRONLY | O_CREAT, 04755))                 \
  X (open_nocreate_suid, syscall (SYS_open, BAD, O_RDONLY, 04755))                         \
  X (openat_create_sgid, syscall (SYS_openat, -1, BAD, O_WRONLY | O_CREAT, 02755))         \
  X (openat_tmpfile_suid, syscall (SYS_openat, -1, BAD, O_WRONLY | O_TMPFILE, 04755))      \
  X (openat2, syscall (SYS_openat2, -1, BAD, 0, 0))                                        \
  X (mknod_suid, syscall (SYS_mknod, BAD, S_IFREG | 04755, 0))                             \
  X (mknodat_sgid, syscall (SYS_mknodat, -1, BAD, S_IFREG | 02755, 0))                     \
  X (mbind, syscall (SYS_mbind, 0, 0, 99, 0, 0, 0))                                        \
  X (set_mempolicy, syscall (SYS_set_mempolicy, 99, 0, 0))                                 \
  X (get_mempolicy, syscall (SYS_get_mempolicy, 0, 0, 0, 0, 0xff))                         \
  X (reboot, syscall (SYS_reboot, 0, 0, 0, 0))                                             \
  X (swapon, syscall (SYS_swapon, BAD, 0))                                                 \
  X (syslog, syscall (SYS_syslog, 10 /* SIZE_BUFFER */, 0, 0))                             \
  X (acct, syscall (SYS_acct, BAD))                                                        \
  X (mseal_unknown_to_libseccomp, syscall (NR_MSEAL, 0, 0, 0xffff))                        \
  X (int80, r_int80_getpid ())                                                             \
  X (x32, syscall (0x40000000 | SYS_getpid))

#define FN(name, expr) \
  static long name##_fn (void) { return (expr); }
CASES (FN)
#define ROW(name, expr) { #name, name##_fn },
static const struct kase
{
  const char *name;
  long (*fn) (void);
} cases[] = { CASES (ROW) };

static void
run (const struct kase *k)
{
  errno = 0;
  long r = k->fn ();
  if (r >= 0)
    printf ("%s ok\n", k->name);
  else
    printf ("%s %s\n", k->name, strerrorname_np (errno) ? strerrorname_np (errno) : "EOTHER");
}

/* A file operation with a mode on PATH (see the usage). */
static int
file_op (const char *op, const char *path, const char *mode_s)
{
  long m = strtol (mode_s, NULL, 8), r = -1;
  errno = EINVAL;
  if (strcmp (op, "fchmodat2") == 0)
    r = syscall (SYS_fchmodat2, AT_FDCWD, path, m, 0);
  else if (strcmp (op, "create") == 0)
    r = syscall (SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, m);
  else if (strcmp (op, "mknod") == 0)
    r = syscall (SYS_mknodat, AT_FDCWD, path, S_IFREG | m, 0);
  else if (strcmp (op, "tmpfile") == 0)
    {
      r = syscall (SYS_openat, AT_FDCWD, path, O_WRONLY | O_TMPFILE | O_CLOEXEC, m);
      char proc[64], dst[4096];
      snprintf (proc, sizeof proc, "/proc/self/fd/%ld", r);
      snprintf (dst, sizeof dst, "%s/t", path);
      if (r >= 0)
        r = linkat (AT_FDCWD, proc, AT_FDCWD, dst, AT_SYMLINK_FOLLOW);
    }
  printf ("%s %s\n", op, r >= 0 ? "ok" : strerrorname_np (errno));
  return 0;
}

int
main (int argc, char **argv)
{
  size_t n = sizeof cases / sizeof *cases;
  setvbuf (stdout, NULL, _IOLBF, 0);
  if (argc == 5 && strcmp (argv[1], "file") == 0)
    return file_op (argv[2], argv[3], argv[4]);
  if (argc < 2)
    {
      for (size_t i = 0; i < n; i++)
        if (strcmp (cases[i].name, "int80") != 0 && strcmp (cases[i].name, "x32") != 0)
          run (&cases[i]);
      return 0;
    }
  for (int a = 1; a < argc; a++)
    {
      size_t i = 0;
      while (i < n && strcmp (cases[i].name, argv[a]) != 0)
        i++;
      if (i == n)
        {
          fprintf (stderr, "seccomp-probe: unknown case %s\n", argv[a]);
          return 2;
        }
      run (&cases[i]);
    }
  return 0;
}
