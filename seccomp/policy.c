/* policy.c - the seccomp policy model: one entry per native syscall,
 * rules and "otherwise" actions, warnings.  The --seccomp spec that
 * builds one: spec.c. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seccomp_internal.h"

/* Fill p with every syscall libseccomp knows on the native ABI, each with
 * action fill; numbers outside the list get def. */
int
jr_sc_policy_init (struct jr_sc_policy *p, uint32_t def, uint32_t fill, jail_error **err)
{
  memset (p, 0, sizeof *p);
  p->def_action = def;
  p->badarch = SCMP_ACT_KILL_PROCESS;
  p->sys = calloc (JR_SC_NR_LIMIT, sizeof *p->sys);
  if (p->sys == NULL)
    return jr_error (err, ENOMEM, "seccomp");
  for (int nr = 0; nr < JR_SC_NR_LIMIT; nr++)
    {
      char *name = seccomp_syscall_resolve_num_arch (SCMP_ARCH_NATIVE, nr);
      if (name == NULL)
        continue;
      struct jr_sc_entry *e = &p->sys[p->n_sys++];
      e->nr = nr;
      snprintf (e->name, sizeof e->name, "%s", name);
      e->otherwise = fill;
      free (name);
    }
  if (p->n_sys == 0)
    return jr_error_msg (err, ENOSYS, "seccomp: libseccomp knows no syscall of this architecture");
  return 0;
}

/* Release everything p owns. */
void
jr_sc_policy_free (struct jr_sc_policy *p)
{
  for (size_t i = 0; p->sys && i < p->n_sys; i++)
    free (p->sys[i].rules);
  free (p->sys);
  free (p->warnings);
  memset (p, 0, sizeof *p);
}

/* Entry of syscall name on the native ABI, or NULL. */
struct jr_sc_entry *
jr_sc_find (struct jr_sc_policy *p, const char *name)
{
  int nr = seccomp_syscall_resolve_name (name);
  if (nr < 0)
    return NULL;
  for (size_t i = 0; i < p->n_sys; i++)
    if (p->sys[i].nr == nr)
      return &p->sys[i];
  return NULL;
}

/* Append a conditional rule to e. */
int
jr_sc_add_rule (struct jr_sc_entry *e, const struct jr_sc_rule *r, jail_error **err)
{
  struct jr_sc_rule *n = realloc (e->rules, (e->n_rules + 1) * sizeof *n);
  if (n == NULL)
    return jr_error (err, ENOMEM, "seccomp: %s", e->name);
  n[e->n_rules++] = *r;
  e->rules = n;
  return 0;
}

/* Make e take action for every argument value: drops its rules. */
void
jr_sc_set_all (struct jr_sc_entry *e, uint32_t action, const char *why)
{
  free (e->rules);
  e->rules = NULL;
  e->n_rules = 0;
  e->otherwise = action;
  e->why = why;
}

/* Append one line to p's warnings. */
int
jr_sc_warn (struct jr_sc_policy *p, jail_error **err, const char *fmt, ...)
{
  char line[512];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (line, sizeof line, fmt, ap);
  va_end (ap);
  size_t old = p->warnings ? strlen (p->warnings) : 0;
  char *n = realloc (p->warnings, old + strlen (line) + 2);
  if (n == NULL)
    return jr_error (err, ENOMEM, "seccomp");
  snprintf (n + old, strlen (line) + 2, "%s%s", old ? "\n" : "", line);
  p->warnings = n;
  return 0;
}
