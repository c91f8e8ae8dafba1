/* seccomp-bpf.c - TAP test of the BPF program jailrun exports: a small
 * classic-BPF interpreter runs the program on made-up seccomp_data, so
 * every decision is checked without the kernel's help, including the ones
 * a jail cannot observe (syscalls the kernel refuses with EPERM anyway,
 * the i386 ABI on kernels without it) and millions of argument values
 * with random high bits.  Expectations are written here from DESIGN.md,
 * independently of seccomp/profile.c. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdarg.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "internal.h"
#include "tap.h"

/* Run prog on d; returns the SECCOMP_RET_* value, or 0xdead on a bad
 * program (unknown opcode, out-of-range access or jump). */
static uint32_t
run (const struct jr_bpf *b, const struct seccomp_data *d)
{
  const struct sock_filter *f = b->filter;
  uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = { 0 };
  for (unsigned pc = 0; pc < b->len; pc++)
    {
      const struct sock_filter *i = &f[pc];
      switch (i->code)
        {
        case BPF_LD | BPF_W | BPF_ABS:
          if (i->k > sizeof *d - 4 || i->k % 4)
            return 0xdead;
          memcpy (&a, (const char *) d + i->k, 4);
          break;
        case BPF_LD | BPF_IMM:
          a = i->k;
          break;
        case BPF_LDX | BPF_IMM:
          x = i->k;
          break;
        case BPF_LD | BPF_MEM:
          a = mem[i->k % BPF_MEMWORDS];
          break;
        case BPF_LDX | BPF_MEM:
          x = mem[i->k % BPF_MEMWORDS];
          break;
        case BPF_ST:
          mem[i->k % BPF_MEMWORDS] = a;
          break;
        case BPF_STX:
          mem[i->k % BPF_MEMWORDS] = x;
          break;
        case BPF_ALU | BPF_AND | BPF_K:
          a &= i->k;
          break;
        case BPF_ALU | BPF_OR | BPF_K:
          a |= i->k;
          break;
        case BPF_MISC | BPF_TAX:
          x = a;
          break;
        case BPF_MISC | BPF_TXA:
          a = x;
          break;
        case BPF_JMP | BPF_JA:
          pc += i->k;
          break;
        case BPF_JMP | BPF_JEQ | BPF_K:
          pc += a == i->k ? i->jt : i->jf;
          break;
        case BPF_JMP | BPF_JGT | BPF_K:
          pc += a > i->k ? i->jt : i->jf;
          break;
        case BPF_JMP | BPF_JGE | BPF_K:
          pc += a >= i->k ? i->jt : i->jf;
          break;
        case BPF_JMP | BPF_JSET | BPF_K:
          pc += (a & i->k) ? i->jt : i->jf;
          break;
        case BPF_JMP | BPF_JEQ | BPF_X:
          pc += a == x ? i->jt : i->jf;
          break;
        case BPF_RET | BPF_K:
          return i->k;
        case BPF_RET | BPF_A:
          return a;
        default:
          return 0xdead;
        }
    }
  return 0xdead;
}

#define ALLOW SECCOMP_RET_ALLOW
#define EPERM_ (SECCOMP_RET_ERRNO | EPERM)
#define ENOSYS_ (SECCOMP_RET_ERRNO | ENOSYS)
#define EAFNO (SECCOMP_RET_ERRNO | EAFNOSUPPORT)
#define KILL SECCOMP_RET_KILL_PROCESS

static uint32_t
call (const struct jr_bpf *b, uint32_t arch, int nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
  struct seccomp_data d = { .nr = nr, .arch = arch, .args = { a0, a1, a2 } };
  return run (b, &d);
}

static uint32_t
sys (const struct jr_bpf *b, const char *name, uint64_t a0, uint64_t a1, uint64_t a2)
{
  return call (b, AUDIT_ARCH_X86_64, seccomp_syscall_resolve_name (name), a0, a1, a2);
}

/* xorshift: reproducible random 64-bit values. */
static uint64_t
rnd (void)
{
  static uint64_t s = 0x9e3779b97f4a7c15ull;
  s ^= s << 13, s ^= s >> 7, s ^= s << 17;
  return s;
}

/* Syscalls DESIGN.md section 3 denies, with the errno expected. */
static const struct
{
  const char *name;
  uint32_t want;
} denied[] = {
  { "keyctl", EPERM_ },
  { "add_key", EPERM_ },
  { "request_key", EPERM_ },
  { "userfaultfd", EPERM_ },
  { "bpf", EPERM_ },
  { "perf_event_open", EPERM_ },
  { "kexec_load", EPERM_ },
  { "kexec_file_load", EPERM_ },
  { "init_module", EPERM_ },
  { "finit_module", EPERM_ },
  { "delete_module", EPERM_ },
  { "mount", EPERM_ },
  { "umount2", EPERM_ },
  { "pivot_root", EPERM_ },
  { "chroot", EPERM_ },
  { "unshare", EPERM_ },
  { "setns", EPERM_ },
  { "ptrace", EPERM_ },
  { "process_vm_readv", EPERM_ },
  { "process_vm_writev", EPERM_ },
  { "pidfd_getfd", EPERM_ },
  { "kcmp", EPERM_ },
  { "process_madvise", EPERM_ },
  { "open_by_handle_at", EPERM_ },
  { "swapon", EPERM_ },
  { "swapoff", EPERM_ },
  { "reboot", EPERM_ },
  { "syslog", EPERM_ },
  { "acct", EPERM_ },
  { "quotactl", EPERM_ },
  { "fanotify_init", EPERM_ },
  { "iopl", EPERM_ },
  { "ioperm", EPERM_ },
  { "settimeofday", EPERM_ },
  { "clock_settime", EPERM_ },
  { "clock_adjtime", EPERM_ },
  { "adjtimex", EPERM_ },
  { "vhangup", EPERM_ },
  { "migrate_pages", EPERM_ },
  { "move_pages", EPERM_ },
  { "io_uring_setup", ENOSYS_ },
  { "io_uring_enter", ENOSYS_ },
  { "io_uring_register", ENOSYS_ },
  { "clone3", ENOSYS_ },
  { "fsopen", ENOSYS_ },
  { "fsconfig", ENOSYS_ },
  { "fsmount", ENOSYS_ },
  { "fspick", ENOSYS_ },
  { "open_tree", ENOSYS_ },
  { "move_mount", ENOSYS_ },
  { "mount_setattr", ENOSYS_ },
};

/* Every denied syscall, allowed ones, unknown numbers, other ABIs. */
static void
check_numbers (const struct jr_bpf *b)
{
  size_t bad = 0;
  for (size_t i = 0; i < sizeof denied / sizeof *denied; i++)
    if (sys (b, denied[i].name, 0, 0, 0) != denied[i].want)
      printf ("# %s: got 0x%x\n", denied[i].name, sys (b, denied[i].name, 0, 0, 0)), bad++;
  ok (bad == 0, "%zu syscalls of DESIGN.md's list denied with EPERM/ENOSYS", sizeof denied / sizeof *denied);
  const char *allowed[] = { "read", "write", "openat", "mmap", "futex", "execve", "getpid", "wait4",
                            "epoll_wait", "rt_sigreturn", "exit_group", "landlock_create_ruleset", "seccomp" };
  bad = 0;
  for (size_t i = 0; i < sizeof allowed / sizeof *allowed; i++)
    bad += sys (b, allowed[i], 0, 0, 0) != ALLOW;
  ok (bad == 0, "ordinary syscalls allowed");
  ok (call (b, AUDIT_ARCH_X86_64, 462, 0, 0, 0) == ENOSYS_, "number 462 (mseal, unknown to libseccomp 2.5) -> ENOSYS");
  ok (call (b, AUDIT_ARCH_X86_64, 1023, 0, 0, 0) == ENOSYS_, "number 1023 -> ENOSYS");
  ok (call (b, AUDIT_ARCH_X86_64, 0x3fffffff, 0, 0, 0) == ENOSYS_, "number 0x3fffffff -> ENOSYS");
  bad = 0;
  for (int nr = 0; nr < 1024; nr++)
    bad += call (b, AUDIT_ARCH_X86_64, 0x40000000 | nr, 0, 0, 0) != KILL
           || call (b, AUDIT_ARCH_I386, nr, 0, 0, 0) != KILL
           || call (b, AUDIT_ARCH_AARCH64, nr, 0, 0, 0) != KILL;
  ok (bad == 0, "x32 numbers, i386 and aarch64 ABIs: kill process (all 1024 numbers)");
}

/* ioctl TIOCSTI/TIOCLINUX with any high bits: EPERM; anything else allowed. */
static void
check_ioctl (const struct jr_bpf *b)
{
  size_t bad = 0;
  for (int i = 0; i < 200000; i++)
    {
      uint64_t hi = rnd () & 0xffffffff00000000ull, lo = (uint32_t) rnd ();
      uint64_t pick = i % 4 == 0 ? TIOCSTI : i % 4 == 1 ? TIOCLINUX
                                         : i % 4 == 2   ? lo
                                                        : (lo & 0xffff);
      uint32_t want = ((uint32_t) pick == TIOCSTI || (uint32_t) pick == TIOCLINUX) ? EPERM_ : ALLOW;
      bad += sys (b, "ioctl", 0, hi | pick, 0) != want;
    }
  ok (bad == 0, "ioctl: 200000 commands with random high bits: EPERM exactly for TIOCSTI/TIOCLINUX");
  ok (sys (b, "ioctl", 0, 0xffffffff00000000ull | TIOCSTI, 0) == EPERM_, "ioctl TIOCSTI | 0xffffffff00000000 -> EPERM");
  ok (sys (b, "ioctl", 0, TCGETS, 0) == ALLOW, "ioctl TCGETS allowed");
}

/* clone: EPERM exactly when a CLONE_NEW* bit is set. */
static void
check_clone (const struct jr_bpf *b)
{
  const uint64_t ns = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER
                      | CLONE_NEWPID | CLONE_NEWNET;
  size_t bad = 0;
  for (int bit = 0; bit < 64; bit++)
    bad += sys (b, "clone", 1ull << bit, 0, 0) != ((ns >> bit) & 1 ? EPERM_ : ALLOW);
  for (int i = 0; i < 200000; i++)
    {
      uint64_t f = rnd () & (i % 2 ? ~ns : ~0ull);
      bad += sys (b, "clone", f, 0, 0) != ((f & ns) ? EPERM_ : ALLOW);
    }
  ok (bad == 0, "clone: every single bit and 200000 random flag words: EPERM iff a CLONE_NEW* bit");
  ok (sys (b, "clone", CLONE_NEWUSER | CLONE_NEWNS, 0, 0) == EPERM_, "clone CLONE_NEWUSER|CLONE_NEWNS -> EPERM");
  ok (sys (b, "clone", CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD, 0, 0) == ALLOW,
      "clone of a thread allowed");
}

/* personality: Docker's five values (any high bits) allowed, else EPERM. */
static void
check_personality (const struct jr_bpf *b)
{
  const uint32_t good[] = { 0, 8, 0x20000, 0x20008, 0xffffffff };
  size_t bad = 0;
  for (int i = 0; i < 200000; i++)
    {
      uint64_t hi = rnd () & 0xffffffff00000000ull;
      uint32_t lo = i % 3 == 0 ? good[i % 5] : i % 3 == 1 ? (uint32_t) rnd ()
                                                          : (uint32_t) rnd () & 0x2000f;
      uint32_t want = EPERM_;
      for (size_t k = 0; k < 5; k++)
        want = lo == good[k] ? ALLOW : want;
      bad += sys (b, "personality", hi | lo, 0, 0) != want;
    }
  ok (bad == 0, "personality: 200000 values: allowed iff one of the five");
  ok (sys (b, "personality", 0x0400000, 0, 0) == EPERM_, "personality READ_IMPLIES_EXEC -> EPERM");
}

/* socket/socketpair: AF_UNIX, AF_INET, AF_INET6, AF_NETLINK+NETLINK_ROUTE. */
static void
check_socket (const struct jr_bpf *b)
{
  size_t bad = 0;
  for (int fam = 0; fam < 64; fam++)
    for (int proto = 0; proto < 32; proto++)
      {
        uint64_t hi = rnd () & 0xffffffff00000000ull, hi2 = rnd () & 0xffffffff00000000ull;
        uint32_t want = (fam == AF_UNIX || fam == AF_INET || fam == AF_INET6 || (fam == AF_NETLINK && proto == 0))
                            ? ALLOW
                            : EAFNO;
        bad += sys (b, "socket", hi | fam, 1, hi2 | proto) != want;
        bad += sys (b, "socketpair", fam, 1, proto) != want;
      }
  ok (bad == 0, "socket/socketpair: 64 families x 32 protocols (random high bits)");
}

/* Compile spec or fail the test. */
static int
compile (const char *spec, struct jr_bpf *b)
{
  jail_error *err = NULL;
  int r = jr_seccomp_compile (spec, b, &err);
  ok (r == 0 && b->len > 0, "compile '%s' (%u instructions)%s%s", spec, b->len, err ? ": " : "",
      err ? jail_error_message (err) : "");
  jail_error_free (err);
  return r;
}

int
main (void)
{
  struct jr_bpf b;
  if (compile ("default", &b) == 0)
    {
      check_numbers (&b);
      check_ioctl (&b);
      check_clone (&b);
      check_personality (&b);
      check_socket (&b);
      size_t denied_n = 0, known = 0;
      for (int nr = 0; nr < 1024; nr++)
        {
          char *n = seccomp_syscall_resolve_num_arch (SCMP_ARCH_NATIVE, nr);
          known += n != NULL;
          denied_n += n != NULL && call (&b, AUDIT_ARCH_X86_64, nr, 0, 0, 0) != ALLOW;
          free (n);
        }
      printf ("# default: %zu of %zu known syscalls denied with zero arguments\n", denied_n, known);
    }
  jr_bpf_release (&b);
  if (compile ("+ptrace,-getpid,+clone", &b) == 0)
    {
      ok (sys (&b, "ptrace", 0, 0, 0) == ALLOW, "+ptrace: ptrace allowed");
      ok (sys (&b, "getpid", 0, 0, 0) == EPERM_, "-getpid: getpid denied");
      ok (sys (&b, "clone", CLONE_NEWUSER, 0, 0) == ALLOW, "+clone: clone with CLONE_NEWUSER allowed");
      ok (sys (&b, "keyctl", 0, 0, 0) == EPERM_, "edits keep the rest of the default");
    }
  jr_bpf_release (&b);
  /* The default shipped precompiled is what libseccomp makes of the policy now. */
  struct jr_bpf pre, fresh;
  jail_error *err = NULL;
  if (jr_seccomp_compile ("default", &pre, &err) == 0 && jr_seccomp_compile_nocache ("default", &fresh, &err) == 0)
    {
      ok (pre.len == fresh.len && memcmp (pre.filter, fresh.filter, (size_t) pre.len * 8) == 0,
          "the precompiled default filter equals a fresh compile");
      jr_bpf_release (&pre);
      jr_bpf_release (&fresh);
    }
  else
    ok (false, "compile the default filter both ways");
  jail_error_free (err);
  return tap_done (true);
}
