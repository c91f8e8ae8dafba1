/* dump.c - the readable form of a seccomp policy, for
 * `jailrun --seccomp-dump`: a summary, then one line per syscall (sorted by
 * name) or, for syscalls filtered by argument, one line per rule and an
 * "otherwise" line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "seccomp_internal.h"

/* Readable name of a libseccomp action ("allow", "errno EPERM"). */
const char *
jr_sc_action_str (uint32_t action, char *buf, size_t len)
{
  uint32_t base = action & 0xffff0000u, data = action & 0xffffu;
  const char *en;
  if (action == SCMP_ACT_ALLOW)
    return "allow";
  if (action == SCMP_ACT_KILL_PROCESS)
    return "kill process";
  if (action == SCMP_ACT_KILL_THREAD)
    return "kill thread";
  if (action == SCMP_ACT_TRAP)
    return "trap";
  if (action == SCMP_ACT_LOG)
    return "log";
  if (action == SCMP_ACT_NOTIFY)
    return "notify";
  if (base == SCMP_ACT_ERRNO (0) && (en = strerrorname_np ((int) data)) != NULL)
    snprintf (buf, len, "errno %s", en);
  else if (base == SCMP_ACT_ERRNO (0))
    snprintf (buf, len, "errno %u", data);
  else if (base == SCMP_ACT_TRACE (0))
    snprintf (buf, len, "trace %u", data);
  else
    snprintf (buf, len, "action 0x%x", action);
  return buf;
}

/* Append one comparison ("arg1 & 0xffffffff == 0x5412") to f. */
static void
put_cmp (FILE *f, const struct scmp_arg_cmp *k)
{
  static const char *const ops[] = {
    [SCMP_CMP_NE] = "!=",
    [SCMP_CMP_LT] = "<",
    [SCMP_CMP_LE] = "<=",
    [SCMP_CMP_EQ] = "==",
    [SCMP_CMP_GE] = ">=",
    [SCMP_CMP_GT] = ">",
  };
  if (k->op == SCMP_CMP_MASKED_EQ && k->datum_a != ~0ull)
    fprintf (f, "arg%u & 0x%llx == 0x%llx", k->arg, (unsigned long long) k->datum_a,
             (unsigned long long) k->datum_b);
  else if (k->op == SCMP_CMP_MASKED_EQ)
    fprintf (f, "arg%u == 0x%llx", k->arg, (unsigned long long) k->datum_b);
  else
    fprintf (f, "arg%u %s 0x%llx", k->arg, k->op < SCMP_CMP_MASKED_EQ && ops[k->op] ? ops[k->op] : "?",
             (unsigned long long) k->datum_a);
}

/* One line: name, action, condition (or "otherwise"/""), reason. */
static void
put_line (FILE *f, const char *name, uint32_t action, const struct jr_sc_rule *rule,
          bool otherwise, const char *why)
{
  char buf[48], cond[256] = "";
  FILE *c = fmemopen (cond, sizeof cond - 1, "w");
  for (unsigned i = 0; c && rule && i < rule->n_cmp; i++)
    {
      fputs (i ? " && " : "if ", c);
      put_cmp (c, &rule->cmp[i]);
    }
  if (c && otherwise)
    fputs ("otherwise", c);
  if (c)
    fclose (c);
  const char *act = jr_sc_action_str (action, buf, sizeof buf);
  if (why)
    fprintf (f, "%-24s %-14s %-36s # %s\n", name, act, cond, why);
  else if (cond[0])
    fprintf (f, "%-24s %-14s %s\n", name, act, cond);
  else
    fprintf (f, "%-24s %s\n", name, act);
}

/* qsort order of entry pointers: by syscall name. */
static int
by_name (const void *a, const void *b)
{
  const struct jr_sc_entry *const *x = a, *const *y = b;
  return strcmp ((*x)->name, (*y)->name);
}

/* Summary lines: sources, architecture, counts. */
static void
put_header (FILE *f, const struct jr_sc_policy *p, unsigned insns)
{
  char b1[48], b2[48];
  size_t allow = 0, denied = 0, filtered = 0;
  for (size_t i = 0; i < p->n_sys; i++)
    {
      const struct jr_sc_entry *e = &p->sys[i];
      filtered += e->n_rules > 0;
      allow += e->n_rules == 0 && e->otherwise == SCMP_ACT_ALLOW;
      denied += e->n_rules == 0 && e->otherwise != SCMP_ACT_ALLOW;
    }
  const struct scmp_version *v = seccomp_version ();
  struct utsname u;
  if (uname (&u) < 0)
    snprintf (u.machine, sizeof u.machine, "?");
  fprintf (f, "# jailrun seccomp policy: %s\n", p->source ? p->source : "?");
  fprintf (f, "# native ABI (%s) only; any other ABI (e.g. i386 int 0x80, x32): %s\n",
           u.machine, jr_sc_action_str (p->badarch, b1, sizeof b1));
  fprintf (f, "# syscall numbers unknown to libseccomp %u.%u.%u: %s\n", v->major, v->minor, v->micro,
           jr_sc_action_str (p->def_action, b2, sizeof b2));
  fprintf (f, "# %zu known syscalls: %zu allowed, %zu denied, %zu filtered by argument; BPF: %u instructions\n",
           p->n_sys, allow, denied, filtered, insns);
}

/* Text of policy p: header, then each syscall's rules, sorted by name. */
int
jr_sc_dump (const struct jr_sc_policy *p, unsigned insns, char **out, jail_error **err)
{
  char *text = NULL;
  size_t len = 0;
  cleanup_free const struct jr_sc_entry **order = calloc (p->n_sys ? p->n_sys : 1, sizeof *order);
  FILE *f = order ? open_memstream (&text, &len) : NULL;
  if (f == NULL)
    return jr_error (err, ENOMEM, "seccomp: dump");
  for (size_t i = 0; i < p->n_sys; i++)
    order[i] = &p->sys[i];
  qsort (order, p->n_sys, sizeof *order, by_name);
  put_header (f, p, insns);
  for (size_t i = 0; i < p->n_sys; i++)
    {
      const struct jr_sc_entry *e = order[i];
      for (size_t j = 0; j < e->n_rules; j++)
        put_line (f, e->name, e->rules[j].action, &e->rules[j], false, e->rules[j].why);
      put_line (f, e->name, e->otherwise, NULL, e->n_rules > 0, e->why);
    }
  if (fclose (f) != 0)
    {
      free (text);
      return jr_error (err, ENOMEM, "seccomp: dump");
    }
  *out = text;
  return 0;
}
