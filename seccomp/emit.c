/* emit.c - a policy straight to classic BPF, without libseccomp's code
 * generator, for the policies where that is exact: x86_64, actions the
 * kernel's return values spell directly, and argument rules that are
 * (masked) equalities whose rules with different actions never overlap
 * (the default and its +/- edits; compile.c's libseccomp path takes the
 * rest).
 *
 * libseccomp gives every syscall of the policy a node of its own (the
 * default's ~370 allowed syscalls too, since unknown numbers take ENOSYS)
 * and turns an "otherwise" action into the complement of the rules,
 * bit by bit: 1275 instructions for the default.  Here the number space
 * is cut into runs of numbers with the same action (a gap of unknown
 * numbers is one run), found by a binary search, and a syscall with
 * argument rules tests them in order and falls through to its
 * "otherwise": a few hundred instructions, which the kernel checks,
 * converts and JIT-compiles on every start and exec.  The decisions are
 * those of the libseccomp program; tests/seccomp-bpf.c compares the two
 * over every number and every argument value the rules name. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "seccomp_internal.h"

/* A run of syscall numbers [lo, hi]: one action, or the argument rules of
 * one entry (e != NULL). */
struct seg
{
  uint32_t lo, hi;
  uint32_t action;
  const struct jr_sc_entry *e;
};

struct prog
{
  struct sock_filter *f;
  size_t n;
  const struct jr_sc_policy *p;
  const struct seg *s;
};

#define ARG_LO(a) ((uint32_t) (offsetof (struct seccomp_data, args) + 8 * (a)))
#define ARG_HI(a) (ARG_LO (a) + 4)

/* Is action one whose value is the kernel's return value as it stands? */
static bool
plain_action (uint32_t a)
{
  uint32_t k = a & SECCOMP_RET_ACTION_FULL;
  return a == SCMP_ACT_ALLOW || a == SCMP_ACT_KILL_PROCESS || a == SCMP_ACT_KILL_THREAD || a == SCMP_ACT_LOG
         || k == SECCOMP_RET_ERRNO || k == SECCOMP_RET_TRAP;
}

/* Can e's rules be tested in order?  Equalities only, and no call
 * matching two rules with different actions (then the order of the tests
 * does not matter, as in libseccomp's program). */
static bool
entry_ok (const struct jr_sc_entry *e)
{
  struct cube c[e->n_rules ? e->n_rules : 1];
  int live[e->n_rules ? e->n_rules : 1];
  for (size_t i = 0; i < e->n_rules; i++)
    {
      live[i] = jr_sc_rule_cube (&e->rules[i], &c[i]);
      if (!plain_action (e->rules[i].action) || live[i] < 0)
        return false;
      for (size_t j = 0; j < i; j++)
        if (live[i] && live[j] && e->rules[j].action != e->rules[i].action && jr_sc_cube_meets (&c[i], &c[j]))
          return false;
    }
  return plain_action (e->otherwise);
}

/* Can p be emitted here (see the top of the file)? */
bool
jr_sc_emit_ok (const struct jr_sc_policy *p)
{
#if defined(__x86_64__) && !defined(__ILP32__)
  if (p->n_sys == 0 || !plain_action (p->def_action) || !plain_action (p->badarch))
    return false;
  for (size_t i = 0; i < p->n_sys; i++)
    if (!entry_ok (&p->sys[i]) || (i && p->sys[i].nr <= p->sys[i - 1].nr) || p->sys[i].nr < 0)
      return false;
  return true;
#else
  (void) p;
  return false;
#endif
}

/* Does e have a rule whose action differs from its otherwise? */
static bool
has_rules (const struct jr_sc_entry *e)
{
  for (size_t i = 0; i < e->n_rules; i++)
    if (e->rules[i].action != e->otherwise)
      return true;
  return false;
}

/* Append [lo, hi] with action a (e NULL) or e's rules, merging a run. */
static void
seg_add (struct seg *s, size_t *n, uint32_t lo, uint32_t hi, uint32_t a, const struct jr_sc_entry *e)
{
  if (*n && e == NULL && s[*n - 1].e == NULL && s[*n - 1].action == a && s[*n - 1].hi + 1 == lo)
    s[*n - 1].hi = hi;
  else
    s[(*n)++] = (struct seg) { lo, hi, a, e };
}

/* Cut the 32-bit number space into runs (s holds 2 * n_sys + 1). */
static size_t
segments (const struct jr_sc_policy *p, struct seg *s)
{
  size_t n = 0;
  uint32_t next = 0;
  for (size_t i = 0; i < p->n_sys; i++)
    {
      const struct jr_sc_entry *e = &p->sys[i];
      uint32_t nr = (uint32_t) e->nr;
      if (nr > next)
        seg_add (s, &n, next, nr - 1, p->def_action, NULL);
      seg_add (s, &n, nr, nr, e->otherwise, has_rules (e) ? e : NULL);
      next = nr + 1;
    }
  seg_add (s, &n, next, UINT32_MAX, p->def_action, NULL); /* nr <= INT_MAX: next > 0 */
  return n;
}

/* Append one instruction (when f is NULL, only count it). */
static void
put (struct prog *g, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
  if (g->f)
    g->f[g->n] = (struct sock_filter) { code, jt, jf, k };
  g->n++;
}

/* Instructions testing (args[a] half at off & m) == v; jf to fail (the
 * distance from the end of this test), nothing when it always holds. */
static void
half_test (struct prog *g, uint32_t off, uint32_t m, uint32_t v, size_t fail)
{
  if (m == 0)
    return; /* v is 0 here: a rule with v != 0 is skipped as never true */
  put (g, BPF_LD | BPF_W | BPF_ABS, 0, 0, off);
  if (m != UINT32_MAX)
    put (g, BPF_ALU | BPF_AND | BPF_K, 0, 0, m);
  put (g, BPF_JMP | BPF_JEQ | BPF_K, 0, (uint8_t) fail, v);
}

/* Length of one half test. */
static size_t
half_len (uint32_t m)
{
  return m == 0 ? 0 : m == UINT32_MAX ? 2
                                      : 3;
}

/* One rule: its tests, then its action; a failed test jumps past it. */
static void
put_rule (struct prog *g, const struct cube *c, uint32_t action)
{
  size_t len = 1;
  for (unsigned a = 0; a < JR_SC_MAX_CMP; a++)
    len += half_len ((uint32_t) (c->mask[a] >> 32)) + half_len ((uint32_t) c->mask[a]);
  size_t end = g->n + len;
  for (unsigned a = 0; a < JR_SC_MAX_CMP; a++)
    {
      uint32_t mh = (uint32_t) (c->mask[a] >> 32), ml = (uint32_t) c->mask[a];
      half_test (g, ARG_HI (a), mh, (uint32_t) (c->val[a] >> 32), end - (g->n + half_len (mh)));
      half_test (g, ARG_LO (a), ml, (uint32_t) c->val[a], end - (g->n + half_len (ml)));
    }
  put (g, BPF_RET | BPF_K, 0, 0, action);
}

/* A run's code: its action, or its entry's rules then its otherwise. */
static void
put_leaf (struct prog *g, const struct seg *s)
{
  for (size_t i = 0; s->e && i < s->e->n_rules; i++)
    {
      const struct jr_sc_rule *r = &s->e->rules[i];
      struct cube c;
      /* a rule that never matches, or repeats otherwise, needs no code */
      if (r->action != s->e->otherwise && jr_sc_rule_cube (r, &c) == 1)
        put_rule (g, &c, r->action);
    }
  put (g, BPF_RET | BPF_K, 0, 0, s->action);
}

/* The binary search over runs l..r (inclusive), then their leaves. */
static void
put_tree (struct prog *g, size_t l, size_t r)
{
  if (l == r)
    {
      put_leaf (g, &g->s[l]);
      return;
    }
  size_t mid = (l + r + 1) / 2;
  struct prog probe = { NULL, 0, g->p, g->s };
  put_tree (&probe, l, mid - 1); /* the left side's length */
  if (probe.n <= 255)
    put (g, BPF_JMP | BPF_JGT | BPF_K, (uint8_t) probe.n, 0, g->s[mid - 1].hi);
  else
    {
      put (g, BPF_JMP | BPF_JGT | BPF_K, 0, 1, g->s[mid - 1].hi);
      put (g, BPF_JMP | BPF_JA, 0, 0, (uint32_t) probe.n);
    }
  put_tree (g, l, mid - 1);
  put_tree (g, mid, r);
}

/* The whole program: the ABI checks libseccomp makes (another ABI, or an
 * x32 number other than -1, takes badarch), then the search. */
static void
put_prog (struct prog *g, size_t nseg)
{
  put (g, BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof (struct seccomp_data, arch));
  put (g, BPF_JMP | BPF_JEQ | BPF_K, 0, 3, AUDIT_ARCH_X86_64);
  put (g, BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof (struct seccomp_data, nr));
  put (g, BPF_JMP | BPF_JGE | BPF_K, 0, 2, 0x40000000);
  put (g, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, UINT32_MAX);
  put (g, BPF_RET | BPF_K, 0, 0, g->p->badarch);
  put_tree (g, 0, nseg - 1);
}

/* Emit p (jr_sc_emit_ok) into out. */
int
jr_sc_emit (const struct jr_sc_policy *p, struct jr_bpf *out, jail_error **err)
{
  cleanup_free struct seg *s = calloc (2 * p->n_sys + 1, sizeof *s);
  if (s == NULL)
    return jr_error (err, ENOMEM, "seccomp");
  size_t nseg = segments (p, s);
  struct prog g = { NULL, 0, p, s };
  put_prog (&g, nseg);
  if (g.n > BPF_MAXINSNS)
    return jr_error_msg (err, E2BIG, "seccomp: program of %zu instructions", g.n);
  g.f = calloc (g.n, sizeof *g.f);
  if (g.f == NULL)
    return jr_error (err, ENOMEM, "seccomp");
  g.n = 0;
  put_prog (&g, nseg);
  memset (out, 0, sizeof *out);
  out->filter = g.f;
  out->len = (unsigned short) g.n;
  return 0;
}
