/* seccomp-bpf.c - TAP test of the BPF program jailrun exports: a small
 * classic-BPF interpreter runs the program on made-up seccomp_data, so
 * every decision is checked without the kernel's help, including the ones
 * a jail cannot observe (syscalls the kernel refuses with EPERM anyway,
 * the i386 ABI on kernels without it) and millions of argument values
 * with random high bits.  Expectations are written here from DESIGN.md,
 * independently of seccomp/profile.c.  And the program seccomp/emit.c
 * writes is checked against libseccomp's for the same policy: the same
 * decision for every number of every ABI and every argument value a rule
 * names (with each of its bits flipped), for the default, edits of it and
 * a JSON profile and random policies; a perturbed policy shows the
 * comparison can fail. */
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
#include "seccomp_internal.h"
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

/* Values worth trying for argument a of entry e: each rule's value, the
 * value with each bit of its mask flipped, with every other bit set, and
 * 0 and ~0.  Returns how many went to v (at most max). */
static size_t
arg_values (const struct jr_sc_entry *e, unsigned a, uint64_t *v, size_t max)
{
  size_t n = 0;
  v[n++] = 0, v[n++] = ~0ull;
  for (size_t i = 0; i < e->n_rules; i++)
    {
      struct cube c;
      if (jr_sc_rule_cube (&e->rules[i], &c) != 1 || c.mask[a] == 0)
        continue;
      for (int b = -2; b < 64 && n < max; b++)
        {
          if (b >= 0 && !(c.mask[a] & (1ull << b)))
            continue;
          v[n++] = b == -2 ? c.val[a] : b == -1 ? c.val[a] | ~c.mask[a]
                                                : c.val[a] ^ (1ull << b);
        }
    }
  return n;
}

struct pair
{
  const struct jr_bpf *a, *b;
  size_t diffs;
};

/* Run both programs on one call; count and show a difference. */
static void
same (struct pair *t, uint32_t arch, uint32_t nr, const uint64_t *args)
{
  struct seccomp_data d = { .nr = (int) nr, .arch = arch };
  memcpy (d.args, args, sizeof d.args);
  uint32_t x = run (t->a, &d), y = run (t->b, &d);
  if (x != y && t->diffs++ < 5)
    printf ("# arch 0x%x nr %u args 0x%llx 0x%llx 0x%llx 0x%llx: 0x%x vs 0x%x\n", arch, nr,
            (unsigned long long) args[0], (unsigned long long) args[1], (unsigned long long) args[2],
            (unsigned long long) args[3], x, y);
}

/* Every argument combination of arg_values for entry e. */
static void
same_args (struct pair *t, const struct jr_sc_entry *e)
{
  enum
  {
    MAXV = 1200
  };
  static uint64_t v[JR_SC_MAX_CMP][MAXV];
  size_t n[JR_SC_MAX_CMP], k[JR_SC_MAX_CMP] = { 0 };
  for (unsigned a = 0; a < JR_SC_MAX_CMP; a++)
    n[a] = arg_values (e, a, v[a], MAXV);
  for (bool more = true; more;)
    {
      uint64_t args[6];
      for (unsigned a = 0; a < JR_SC_MAX_CMP; a++)
        args[a] = v[a][k[a]];
      same (t, AUDIT_ARCH_X86_64, (uint32_t) e->nr, args);
      more = false;
      for (unsigned a = 0; a < JR_SC_MAX_CMP && !more; a++)
        {
          more = ++k[a] < n[a];
          k[a] = more ? k[a] : 0;
        }
    }
}

/* How many calls a and b decide differently, over: every number below
 * 4096 and the edges of the 32-bit space, on x86_64, x32, i386, aarch64
 * and a made-up ABI, with zero, all-ones and random arguments; and every
 * argument combination the rules of p name. */
static size_t
differences (const struct jr_sc_policy *p, const struct jr_bpf *a, const struct jr_bpf *b)
{
  struct pair t = { a, b, 0 };
  const uint32_t arches[] = { AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64, 0, 0xffffffff };
  const uint32_t edges[] = { 0x3fffffff, 0x40000000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff };
  for (size_t i = 0; i < sizeof arches / sizeof *arches; i++)
    for (uint32_t nr = 0; nr < 4096 + sizeof edges / sizeof *edges; nr++)
      for (int j = 0; j < 4; j++)
        {
          uint32_t n = nr < 4096 ? nr : edges[nr - 4096];
          uint64_t args[6];
          for (int q = 0; q < 6; q++)
            args[q] = j == 0 ? 0 : j == 1 ? ~0ull
                                          : rnd ();
          same (&t, arches[i], n, args);
          same (&t, arches[i], n | 0x40000000, args);
        }
  for (size_t i = 0; i < p->n_sys; i++)
    if (p->sys[i].n_rules)
      same_args (&t, &p->sys[i]);
  return t.diffs;
}

/* The policy spec names, its program from emit.c and from libseccomp. */
static int
both (const char *spec, struct jr_sc_policy *p, struct jr_bpf *mine, struct jr_bpf *lib)
{
  jail_error *err = NULL;
  bool unconfined;
  memset (mine, 0, sizeof *mine), memset (lib, 0, sizeof *lib);
  int r = jr_sc_policy_from_spec (spec, p, &unconfined, &err);
  if (r == 0)
    r = jr_sc_policy_bpf (p, false, mine, &err);
  if (r == 0)
    r = jr_sc_policy_bpf (p, true, lib, &err);
  if (r < 0)
    diag ("%s: %s", spec, jail_error_message (err));
  jail_error_free (err);
  return r;
}

/* emit.c and libseccomp decide alike for spec (which emit.c must take
 * when it is one of jailrun's own: default or edits). */
static void
check_same (const char *spec, bool own)
{
  struct jr_sc_policy p;
  struct jr_bpf mine, lib;
  if (both (spec, &p, &mine, &lib) < 0)
    {
      ok (false, "%s: compile both ways", spec);
      return;
    }
  bool emitted = jr_sc_emit_ok (&p);
  ok (!own || emitted, "%s: emitted by emit.c: %s (%u instructions; libseccomp: %u)", spec, emitted ? "yes" : "no",
      mine.len, lib.len);
  ok (differences (&p, &mine, &lib) == 0, "%s: emit.c and libseccomp decide every call alike", spec);
  jr_bpf_release (&mine), jr_bpf_release (&lib);
  jr_sc_policy_free (&p);
}

/* A policy whose search needs long jumps (the 8-bit conditional offsets
 * run out): the default with 150 more syscalls allowed only for one
 * argument pair (else the default action: libseccomp then needs no
 * complement). */
static void
check_long_jumps (void)
{
  struct jr_sc_policy p;
  struct jr_bpf mine, lib;
  jail_error *err = NULL;
  bool unconfined;
  int r = jr_sc_policy_from_spec ("default", &p, &unconfined, &err);
  bool made = r == 0;
  for (size_t i = 0, n = 0; r == 0 && i < p.n_sys && n < 150; i++)
    if (p.sys[i].n_rules == 0 && p.sys[i].otherwise == SCMP_ACT_ALLOW)
      {
        p.sys[i].otherwise = p.def_action;
        struct jr_sc_rule rule = { .action = SCMP_ACT_ALLOW, .n_cmp = 2, .cmp = { { 0, SCMP_CMP_MASKED_EQ, 0xffffffff, (uint64_t) i }, { 1, SCMP_CMP_EQ, 0x100000000ull * i + 7, 0 } } };
        r = jr_sc_add_rule (&p.sys[i], &rule, &err);
        n++;
      }
  memset (&mine, 0, sizeof mine), memset (&lib, 0, sizeof lib);
  if (r == 0)
    r = jr_sc_policy_bpf (&p, false, &mine, &err);
  if (r == 0)
    r = jr_sc_policy_bpf (&p, true, &lib, &err);
  size_t ja = 0;
  for (unsigned k = 0; r == 0 && k < mine.len; k++)
    ja += ((const struct sock_filter *) mine.filter)[k].code == (BPF_JMP | BPF_JA);
  ok (r == 0 && jr_sc_emit_ok (&p) && ja > 0, "150 more argument rules: emitted with %zu long jumps (%u instructions; libseccomp: %u)%s%s",
      ja, mine.len, lib.len, err ? ": " : "", err ? jail_error_message (err) : "");
  ok (r == 0 && differences (&p, &mine, &lib) == 0, "150 more argument rules: emit.c and libseccomp decide every call alike");
  jail_error_free (err);
  jr_bpf_release (&mine), jr_bpf_release (&lib);
  if (made)
    jr_sc_policy_free (&p);
}

/* The comparison finds one changed decision: libseccomp's program of
 * the default against emit.c's of the default with one rule's first
 * comparison (mask ^= xor_a, value ^= xor_b) or one otherwise changed. */
static void
check_perturbed (const char *what, const char *name, unsigned rule, uint64_t xor_a, uint64_t xor_b, uint32_t otherwise)
{
  struct jr_sc_policy p, d;
  struct jr_bpf mine, lib;
  jail_error *err = NULL;
  if (both ("default", &p, &mine, &lib) < 0)
    {
      ok (false, "perturbed: compile the default");
      return;
    }
  struct jr_sc_entry *e = jr_sc_find (&p, name);
  if (otherwise)
    e->otherwise = otherwise;
  else
    e->rules[rule].cmp[0].datum_a ^= xor_a, e->rules[rule].cmp[0].datum_b ^= xor_b;
  jr_bpf_release (&mine);
  bool unconfined;
  size_t n = 0;
  int r = jr_sc_policy_bpf (&p, false, &mine, &err);
  /* argument values from the perturbed policy and the default alike */
  if (r == 0 && (r = jr_sc_policy_from_spec ("default", &d, &unconfined, &err)) == 0)
    {
      n = differences (&p, &mine, &lib) + differences (&d, &mine, &lib);
      jr_sc_policy_free (&d);
    }
  ok (r == 0 && n > 0, "the comparison sees one changed rule (%s): %zu calls differ%s%s", what, n, err ? ": " : "",
      err ? jail_error_message (err) : "");
  jail_error_free (err);
  jr_bpf_release (&mine), jr_bpf_release (&lib);
  jr_sc_policy_free (&p);
}

/* A random comparison for a rule: EQ or MASKED_EQ on arg a, with masks
 * that stress the halves (all, low half, high half, one bit, sparse). */
static struct scmp_arg_cmp
random_cmp (unsigned a)
{
  static const uint64_t masks[] = { ~0ull, 0xffffffffull, 0xffffffff00000000ull, 0 };
  uint64_t m = masks[rnd () % 4];
  if (m == 0)
    m = rnd () % 2 ? 1ull << (rnd () % 64) : rnd () & rnd ();
  uint64_t v = rnd () & m;
  if (rnd () % 2 && m == ~0ull)
    return (struct scmp_arg_cmp) { a, SCMP_CMP_EQ, v, 0 };
  return (struct scmp_arg_cmp) { a, SCMP_CMP_MASKED_EQ, m, v };
}

/* The default with random argument rules (random actions, otherwise and
 * default action) on random syscalls; false when a rule is refused. */
static bool
random_policy (struct jr_sc_policy *p)
{
  static const uint32_t acts[] = { SCMP_ACT_ALLOW, SCMP_ACT_ERRNO (EPERM), SCMP_ACT_ERRNO (ENOSYS), SCMP_ACT_KILL_PROCESS, SCMP_ACT_TRAP, SCMP_ACT_LOG, SCMP_ACT_KILL_THREAD };
  jail_error *err = NULL;
  bool unconfined;
  if (jr_sc_policy_from_spec ("default", p, &unconfined, &err) < 0)
    return jail_error_free (err), false;
  if (rnd () % 2)
    p->def_action = acts[rnd () % 7];
  for (int k = 1 + (int) (rnd () % 8); k > 0; k--)
    {
      struct jr_sc_entry *e = &p->sys[rnd () % p->n_sys];
      if (rnd () % 3 == 0)
        e->otherwise = acts[rnd () % 7];
      uint32_t act = acts[rnd () % 7];
      for (int j = 1 + (int) (rnd () % 2); j > 0; j--)
        {
          struct jr_sc_rule r = { .action = rnd () % 3 ? act : acts[rnd () % 7], .n_cmp = 1 + (unsigned) (rnd () % 3) };
          for (unsigned c = 0; c < r.n_cmp; c++)
            r.cmp[c] = random_cmp ((c * 2 + (unsigned) (rnd () % 2)) % 6);
          if (jr_sc_add_rule (e, &r, &err) < 0)
            return jail_error_free (err), false;
        }
    }
  return true;
}

/* emit.c and libseccomp decide alike for random policies emit.c takes
 * (random masks on either 32-bit half, random actions): every number of
 * every ABI, and the argument values each rule names with each bit
 * flipped (differences). */
static void
check_random (int rounds)
{
  size_t taken = 0, diffs = 0;
  for (int i = 0; i < rounds; i++)
    {
      struct jr_sc_policy p;
      struct jr_bpf mine = { 0 }, lib = { 0 };
      jail_error *err = NULL;
      if (!random_policy (&p))
        continue;
      if (jr_sc_emit_ok (&p) && jr_sc_policy_bpf (&p, false, &mine, &err) == 0 && jr_sc_policy_bpf (&p, true, &lib, &err) == 0)
        {
          taken++;
          diffs += differences (&p, &mine, &lib);
        }
      jail_error_free (err);
      jr_bpf_release (&mine), jr_bpf_release (&lib);
      jr_sc_policy_free (&p);
    }
  ok (taken >= (size_t) rounds / 12 && diffs == 0, "%zu random policies emit.c takes: emit.c and libseccomp decide every call alike (%zu differ)", taken, diffs);
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

  /* emit.c against libseccomp, and the comparison shown able to fail. */
  check_same ("default", true);
  check_same ("+ptrace,-getpid,+clone", true);
  check_same ("-ioctl,+personality,-socket,+socketpair,+openat", true);
  char *json = NULL;
  if (asprintf (&json, "%s/tests/data/seccomp-docker-format.json", getenv ("JR_SRC") ? getenv ("JR_SRC") : ".") > 0)
    check_same (json, false);
  free (json);
  check_long_jumps ();
  check_random (120);
  check_perturbed ("ioctl TIOCLINUX + 1", "ioctl", 1, 0, 1, 0);
  check_perturbed ("personality 0x8 compared on 64 bits", "personality", 1, 0xffffffff00000000ull, 0, 0);
  check_perturbed ("getpid denied", "getpid", 0, 0, 0, SCMP_ACT_ERRNO (EPERM));
  return tap_done (true);
}
