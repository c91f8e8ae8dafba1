/* compile.c - translate a policy into a libseccomp filter context.
 *
 * libseccomp sends a call that matches none of a syscall's conditional
 * rules to the filter's default action.  When a syscall's "otherwise"
 * differs from that default (ioctl: allow unless TIOCSTI/TIOCLINUX, while
 * the default is ENOSYS), this file writes the complement of the rules as
 * extra rules: the argument space not covered by the rules is split, bit
 * by bit, into disjoint masked-equality "cubes", each added with the
 * otherwise action.  Every call then matches exactly one rule. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "seccomp_internal.h"

/* Most complement rules emitted for one syscall. */
#define MAX_COVER 512

struct cover
{
  scmp_filter_ctx ctx;
  const struct jr_sc_entry *e;
  const struct cube *cubes;
  size_t n;
  unsigned emitted;
  jail_error **err;
};

/* Convert rule r into a cube (see seccomp_internal.h). */
int
jr_sc_rule_cube (const struct jr_sc_rule *r, struct cube *c)
{
  memset (c, 0, sizeof *c);
  for (unsigned i = 0; i < r->n_cmp; i++)
    {
      const struct scmp_arg_cmp *k = &r->cmp[i];
      uint64_t m, v;
      if (k->op == SCMP_CMP_EQ)
        m = ~0ull, v = k->datum_a;
      else if (k->op == SCMP_CMP_MASKED_EQ)
        m = k->datum_a, v = k->datum_b;
      else
        return -EINVAL;
      if (k->arg >= JR_SC_MAX_CMP)
        return -EINVAL;
      if ((v & ~m) || ((c->val[k->arg] ^ v) & c->mask[k->arg] & m))
        return 0;
      c->mask[k->arg] |= m;
      c->val[k->arg] |= v;
    }
  return 1;
}

/* Do cubes a and b share a value (see seccomp_internal.h)? */
bool
jr_sc_cube_meets (const struct cube *a, const struct cube *b)
{
  for (unsigned i = 0; i < JR_SC_MAX_CMP; i++)
    if ((a->val[i] ^ b->val[i]) & a->mask[i] & b->mask[i])
      return false;
  return true;
}

/* Add one rule for nr: action when all of cmp[0..n) hold. */
static int
add (scmp_filter_ctx ctx, const struct jr_sc_entry *e, uint32_t action, unsigned n,
     const struct scmp_arg_cmp *cmp, jail_error **err)
{
  int r = seccomp_rule_add_array (ctx, action, e->nr, n, cmp);
  if (r < 0)
    return jr_error (err, -r, "seccomp: %s: add rule", e->name);
  return 0;
}

/* Emit region as one rule with the entry's otherwise action. */
static int
emit (struct cover *c, const struct cube *reg)
{
  struct scmp_arg_cmp cmp[JR_SC_MAX_CMP];
  unsigned n = 0;
  if (++c->emitted > MAX_COVER)
    return jr_error_msg (c->err, E2BIG, "seccomp: %s: argument rules too complex to complement", c->e->name);
  for (unsigned a = 0; a < JR_SC_MAX_CMP; a++)
    if (reg->mask[a])
      cmp[n++] = (struct scmp_arg_cmp) { a, SCMP_CMP_MASKED_EQ, reg->mask[a], reg->val[a] };
  return add (c->ctx, c->e, c->e->otherwise, n, cmp, c->err);
}

/* Does cube k share values with region reg, and does it hold all of it? */
static void
relate (const struct cube *k, const struct cube *reg, bool *consistent, bool *inside)
{
  *consistent = *inside = true;
  for (unsigned a = 0; a < JR_SC_MAX_CMP; a++)
    {
      *consistent = *consistent && !((k->val[a] ^ reg->val[a]) & k->mask[a] & reg->mask[a]);
      *inside = *inside && !(k->mask[a] & ~reg->mask[a]);
    }
}

/* The open bit to split reg on: the one leaving the fewest cubes on its
 * smaller side (0 when all cubes agree on it), so few rules come out. */
static bool
pick_bit (const struct cover *c, const struct cube *reg, const bool *live, unsigned *arg, uint64_t *bit)
{
  size_t best = SIZE_MAX;
  for (unsigned a = 0; a < JR_SC_MAX_CMP; a++)
    for (unsigned b = 0; b < 64; b++)
      {
        uint64_t m = 1ull << b;
        size_t n0 = 0, n1 = 0, open = 0;
        if (reg->mask[a] & m)
          continue;
        for (size_t i = 0; i < c->n; i++)
          if (live[i] && (c->cubes[i].mask[a] & m))
            open++, n1 += (c->cubes[i].val[a] & m) != 0, n0 += (c->cubes[i].val[a] & m) == 0;
        if (open && (n0 < n1 ? n0 : n1) < best)
          best = n0 < n1 ? n0 : n1, *arg = a, *bit = m;
      }
  return best != SIZE_MAX;
}

/* Cover the part of region reg that no rule cube covers. */
static int
cover (struct cover *c, const struct cube *reg)
{
  bool live[c->n], any = false;
  for (size_t i = 0; i < c->n; i++)
    {
      bool inside;
      relate (&c->cubes[i], reg, &live[i], &inside);
      if (live[i] && inside)
        return 0; /* the whole region matches a rule */
      any = any || live[i];
    }
  unsigned arg = 0;
  uint64_t bit = 0;
  if (!any || !pick_bit (c, reg, live, &arg, &bit))
    return emit (c, reg);
  struct cube half = *reg;
  half.mask[arg] |= bit;
  int r = cover (c, &half);
  half.val[arg] |= bit;
  return r < 0 ? r : cover (c, &half);
}

/* Rules for one syscall. */
static int
compile_entry (scmp_filter_ctx ctx, const struct jr_sc_policy *p, const struct jr_sc_entry *e,
               jail_error **err)
{
  if (e->n_rules == 0)
    return e->otherwise == p->def_action ? 0 : add (ctx, e, e->otherwise, 0, NULL, err);
  for (size_t i = 0; i < e->n_rules; i++)
    {
      const struct jr_sc_rule *r = &e->rules[i];
      /* a rule that repeats the default needs no BPF (libseccomp refuses it) */
      int k = r->action == p->def_action ? 0 : add (ctx, e, r->action, r->n_cmp, r->cmp, err);
      if (k < 0)
        return k;
    }
  if (e->otherwise == p->def_action)
    return 0;
  cleanup_free struct cube *cubes = calloc (e->n_rules, sizeof *cubes);
  if (cubes == NULL)
    return jr_error (err, ENOMEM, "seccomp: %s", e->name);
  size_t n = 0;
  for (size_t i = 0; i < e->n_rules; i++)
    {
      int k = jr_sc_rule_cube (&e->rules[i], &cubes[n]);
      if (k < 0)
        return jr_error_msg (err, EINVAL, "seccomp: %s: only equality rules can be combined with an 'otherwise' action", e->name);
      n += (size_t) k;
    }
  struct cover c = { ctx, e, cubes, n, 0, err };
  struct cube all = { { 0 }, { 0 } };
  return cover (&c, &all);
}

/* Translate policy p into a new libseccomp context *out (native ABI,
 * badarch action, binary-tree dispatch). */
int
jr_sc_compile (const struct jr_sc_policy *p, scmp_filter_ctx *out, jail_error **err)
{
  scmp_filter_ctx ctx = seccomp_init (p->def_action);
  if (ctx == NULL)
    return jr_error (err, ENOMEM, "seccomp: init");
  int r = seccomp_attr_set (ctx, SCMP_FLTATR_ACT_BADARCH, p->badarch);
  if (r == 0)
    r = seccomp_attr_set (ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
  if (r < 0)
    r = jr_error (err, -r, "seccomp: filter attributes");
  for (size_t i = 0; r == 0 && i < p->n_sys; i++)
    r = compile_entry (ctx, p, &p->sys[i], err);
  if (r < 0)
    {
      seccomp_release (ctx);
      return r;
    }
  *out = ctx;
  return 0;
}
