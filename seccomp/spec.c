/* spec.c - the whole --seccomp grammar: "default", "unconfined",
 * "+name,-name" edits of the default (optionally after "default,"), or a
 * JSON profile path; builds the policy it names from profile.c, json.c and
 * policy.c, and joins a spec set over an earlier one (jail_config). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seccomp_internal.h"

/* Apply one edit "+name" (allow every call) or "-name" (deny with EPERM). */
static int
apply_edit (struct jr_sc_policy *p, const char *edit, jail_error **err)
{
  if ((edit[0] != '+' && edit[0] != '-') || edit[1] == '\0')
    return jr_error_msg (err, EINVAL, "seccomp: edit '%s': write +NAME to allow a syscall or -NAME to deny it", edit);
  struct jr_sc_entry *e = jr_sc_find (p, edit + 1);
  if (e == NULL)
    return jr_error_msg (err, EINVAL, "seccomp: edit '%s': unknown syscall '%s' on this architecture (see jailrun --seccomp-dump)", edit, edit + 1);
  if (edit[0] == '+')
    jr_sc_set_all (e, SCMP_ACT_ALLOW, "allowed by a +edit");
  else
    jr_sc_set_all (e, SCMP_ACT_ERRNO (EPERM), "denied by a -edit");
  return 0;
}

/* The default policy followed by comma-separated edits, in order: a later
 * edit of the same syscall wins. */
static int
default_with_edits (const char *spec, struct jr_sc_policy *p, jail_error **err)
{
  int r = jr_sc_default_policy (p, err);
  cleanup_free char *copy = strdup (spec);
  if (r == 0 && copy == NULL)
    r = jr_error (err, ENOMEM, "seccomp");
  char *save = NULL;
  bool first = true;
  for (char *tok = copy ? strtok_r (copy, ",", &save) : NULL; r == 0 && tok; tok = strtok_r (NULL, ",", &save))
    {
      if (!(first && strcmp (tok, "default") == 0))
        r = apply_edit (p, tok, err);
      first = false;
    }
  if (r < 0)
    jr_sc_policy_free (p);
  return r;
}

/* The policy a --seccomp spec names (see seccomp_internal.h). */
int
jr_sc_policy_from_spec (const char *spec, struct jr_sc_policy *p, bool *unconfined, jail_error **err)
{
  memset (p, 0, sizeof *p);
  *unconfined = false;
  if (spec == NULL || spec[0] == '\0')
    return jr_error_msg (err, EINVAL, "seccomp: empty policy: use default, unconfined, a JSON profile or +name,-name edits");
  if (strcmp (spec, "unconfined") == 0)
    {
      *unconfined = true;
      return 0;
    }
  if (spec[0] == '+' || spec[0] == '-' || strcmp (spec, "default") == 0 || strncmp (spec, "default,", 8) == 0)
    return default_with_edits (spec, p, err);
  int r = jr_sc_json_policy (p, spec, err);
  if (r < 0)
    jr_sc_policy_free (p);
  return r;
}

/* The spec to store when spec is set over current: edits ("+a,-b") add
 * to the default or to earlier edits; anything else replaces. */
int
jr_seccomp_spec_join (const char *current, const char *spec, char **out, jail_error **err)
{
  bool edits = spec[0] == '+' || spec[0] == '-';
  bool cur_default = strcmp (current, "default") == 0 || strncmp (current, "default,", 8) == 0
                     || current[0] == '+' || current[0] == '-';
  if (edits && !cur_default)
    return jr_error_msg (err, EINVAL, "seccomp '%s': edits apply to the default policy, not to '%s': put the change into the profile", spec, current);
  if (edits && asprintf (out, "%s,%s", current, spec) < 0)
    return jr_error (err, ENOMEM, "seccomp");
  if (!edits && (*out = strdup (spec)) == NULL)
    return jr_error (err, ENOMEM, "seccomp");
  return 0;
}
