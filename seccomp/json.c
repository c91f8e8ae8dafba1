/* json.c - load a Docker/OCI seccomp JSON profile (the format of Docker's
 * and podman's seccomp.json) into a policy, with json-c.
 *
 * Keys: defaultAction, defaultErrnoRet, architectures, archMap, syscalls
 * [names|name, action, args[index, value, valueTwo, op], errnoRet,
 * includes/excludes{caps, arches, minKernel}].  jailrun runs the native ABI
 * only: other architectures a profile lists are reported as ignored (their
 * calls kill the process).  Rules that need a capability (includes.caps)
 * are skipped, since the jail holds none.  Unknown syscall names are
 * skipped with a warning; anything malformed is an error naming the key. */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "hostfile.h"
#include "seccomp_internal.h"

struct jctx
{
  struct jr_sc_policy *p;
  const char *path;
  jail_error **err;
  unsigned kernel[2]; /* running kernel major.minor */
  char unknown[512];  /* unknown syscall names, comma separated */
  char foreign[256];  /* architectures other than the native one */
};

/* Error "seccomp profile PATH: WHERE: MESSAGE" (-EINVAL). */
static int
bad (struct jctx *j, const char *where, const char *fmt, ...)
{
  char msg[512], esc[1024];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  /* msg may quote the file (a name, an action): no raw control bytes */
  jr_printable (msg, strlen (msg), esc, sizeof esc);
  return jr_error_msg (j->err, EINVAL, "seccomp profile %s: %s: %s", j->path, where, esc);
}

/* Append name to a comma-separated list (truncated with "..."). */
static void
list_add (char *list, size_t len, const char *name)
{
  size_t n = strlen (list);
  if (n + strlen (name) + 6 < len)
    snprintf (list + n, len - n, "%s%s", n ? ", " : "", name);
  else if (n + 5 < len && strcmp (list + n - 3, "...") != 0)
    snprintf (list + n, len - n, ", ...");
}

/* Read the whole file (bounded; never through a symlink, DESIGN §3.11). */
static int
read_profile (const char *path, char **out, size_t *len, jail_error **err)
{
  struct stat st;
  if (lstat (path, &st) < 0)
    return jr_error (err, errno, "seccomp '%s': not default, unconfined or +name,-name edits, and cannot open it as a JSON profile", path);
  return jr_hostfile_read ("seccomp profile", path, JR_HOSTFILE_MAX, 0, out, len, err);
}

/* Parse text as one JSON object; errors give the line and column. */
static int
parse_text (struct jctx *j, const char *text, size_t len, json_object **out)
{
  json_tokener *tok = json_tokener_new ();
  if (tok == NULL)
    return jr_error (j->err, ENOMEM, "seccomp profile %s", j->path);
  json_object *o = json_tokener_parse_ex (tok, text, (int) len);
  enum json_tokener_error e = json_tokener_get_error (tok);
  size_t end = json_tokener_get_parse_end (tok);
  json_tokener_free (tok);
  if (o && e == json_tokener_success)
    end += strspn (text + end, " \t\r\n");
  if (o == NULL || e != json_tokener_success || end < len)
    {
      unsigned line = 1, col = 1;
      for (size_t i = 0; i < end && i < len; i++)
        line += text[i] == '\n', col = text[i] == '\n' ? 1 : col + 1;
      const char *why = e == json_tokener_continue  ? "unexpected end of file"
                        : e != json_tokener_success ? json_tokener_error_desc (e)
                                                    : "data after the profile";
      json_object_put (o);
      return jr_error_msg (j->err, EINVAL, "seccomp profile %s: line %u, column %u: %s", j->path, line, col, why);
    }
  if (!json_object_is_type (o, json_type_object))
    {
      json_object_put (o);
      return bad (j, "top level", "expected an object {\"defaultAction\": ..., \"syscalls\": [...]}");
    }
  *out = o;
  return 0;
}

/* Non-negative integer at where, at most max. */
static int
get_uint (struct jctx *j, const char *where, json_object *v, uint64_t max, uint64_t *out)
{
  if (!json_object_is_type (v, json_type_int))
    return bad (j, where, "expected a non-negative integer");
  errno = 0;
  int64_t s = json_object_get_int64 (v);
  uint64_t u = s < 0 ? json_object_get_uint64 (v) : (uint64_t) s;
  if ((s < 0 && (errno || u <= INT64_MAX)) || u > max)
    return bad (j, where, "expected an integer between 0 and %llu", (unsigned long long) max);
  *out = u;
  return 0;
}

/* Action name -> SCMP_ACT_*; errno_ret is used by ERRNO and TRACE. */
static int
parse_action (struct jctx *j, const char *where, json_object *v, uint64_t errno_ret, uint32_t *out)
{
  const char *s = json_object_is_type (v, json_type_string) ? json_object_get_string (v) : NULL;
  if (s == NULL)
    return bad (j, where, "expected an action string such as \"SCMP_ACT_ERRNO\"");
  if (strcmp (s, "SCMP_ACT_ALLOW") == 0)
    *out = SCMP_ACT_ALLOW;
  else if (strcmp (s, "SCMP_ACT_ERRNO") == 0)
    *out = SCMP_ACT_ERRNO ((uint16_t) errno_ret);
  else if (strcmp (s, "SCMP_ACT_KILL") == 0 || strcmp (s, "SCMP_ACT_KILL_THREAD") == 0)
    *out = SCMP_ACT_KILL_THREAD;
  else if (strcmp (s, "SCMP_ACT_KILL_PROCESS") == 0)
    *out = SCMP_ACT_KILL_PROCESS;
  else if (strcmp (s, "SCMP_ACT_TRAP") == 0)
    *out = SCMP_ACT_TRAP;
  else if (strcmp (s, "SCMP_ACT_LOG") == 0)
    *out = SCMP_ACT_LOG;
  else if (strcmp (s, "SCMP_ACT_TRACE") == 0)
    *out = SCMP_ACT_TRACE ((uint16_t) errno_ret);
  else if (strcmp (s, "SCMP_ACT_NOTIFY") == 0)
    return bad (j, where, "SCMP_ACT_NOTIFY needs a user-notification listener, which jailrun does not run: use SCMP_ACT_ERRNO or SCMP_ACT_KILL_PROCESS");
  else
    return bad (j, where, "unknown action \"%s\" (SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_TRACE, SCMP_ACT_LOG)", s);
  return 0;
}

/* errnoRet-like key of object o (EPERM when absent). */
static int
get_errno (struct jctx *j, const char *where, json_object *o, const char *key, uint64_t *out)
{
  json_object *v;
  char w[128];
  *out = EPERM;
  if (!json_object_object_get_ex (o, key, &v) || json_object_is_type (v, json_type_null))
    return 0;
  snprintf (w, sizeof w, "%s.%s", where, key);
  return get_uint (j, w, v, 4095, out);
}

/* Array of strings at where (NULL allowed: *n = 0). */
static int
get_strings (struct jctx *j, const char *where, json_object *v, size_t *n)
{
  *n = 0;
  if (v == NULL || json_object_is_type (v, json_type_null))
    return 0;
  if (!json_object_is_type (v, json_type_array))
    return bad (j, where, "expected an array of strings");
  *n = json_object_array_length (v);
  for (size_t i = 0; i < *n; i++)
    if (!json_object_is_type (json_object_array_get_idx (v, i), json_type_string))
      return bad (j, where, "element %zu: expected a string", i);
  return 0;
}

/* Does arch name s (SCMP_ARCH_X86_64 or x86_64) name the native ABI? */
static bool
arch_is_native (const char *s)
{
  char low[64];
  size_t i = 0;
  if (strncmp (s, "SCMP_ARCH_", 10) == 0)
    s += 10;
  for (; s[i] && i < sizeof low - 1; i++)
    low[i] = (char) (s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
  low[i] = '\0';
  return seccomp_arch_resolve_name (low) == seccomp_arch_native ();
}

/* Go/Docker names of the native architecture, as used by includes.arches. */
static bool
goarch_is_native (const char *s)
{
  static const struct
  {
    uint32_t token;
    const char *names[3];
  } map[] = {
    { SCMP_ARCH_X86_64, { "amd64", "x86_64", NULL } },
    { SCMP_ARCH_AARCH64, { "arm64", "aarch64", NULL } },
    { SCMP_ARCH_X86, { "386", "x86", NULL } },
    { SCMP_ARCH_ARM, { "arm", NULL, NULL } },
    { SCMP_ARCH_PPC64LE, { "ppc64le", NULL, NULL } },
    { SCMP_ARCH_S390X, { "s390x", NULL, NULL } },
    { SCMP_ARCH_RISCV64, { "riscv64", NULL, NULL } },
  };
  for (size_t i = 0; i < sizeof map / sizeof *map; i++)
    for (size_t k = 0; map[i].token == seccomp_arch_native () && k < 3 && map[i].names[k]; k++)
      if (strcmp (s, map[i].names[k]) == 0)
        return true;
  return false;
}

/* Does filter object f (includes or excludes) match this jail?  A jail
 * holds no capability; arches and minKernel are checked. */
static int
filter_matches (struct jctx *j, const char *where, json_object *f, bool *any, bool *all)
{
  json_object *caps = NULL, *arches = NULL, *mk = NULL;
  size_t n_caps, n_arches;
  *any = false;
  *all = true; /* no condition: every one present holds */
  if (f == NULL || json_object_is_type (f, json_type_null))
    return 0;
  if (!json_object_is_type (f, json_type_object))
    return bad (j, where, "expected an object {\"caps\", \"arches\", \"minKernel\"}");
  json_object_object_get_ex (f, "caps", &caps);
  json_object_object_get_ex (f, "arches", &arches);
  json_object_object_get_ex (f, "minKernel", &mk);
  if (get_strings (j, where, caps, &n_caps) < 0 || get_strings (j, where, arches, &n_arches) < 0)
    return -EINVAL;
  bool arch_ok = n_arches == 0;
  for (size_t i = 0; i < n_arches; i++)
    arch_ok = arch_ok || goarch_is_native (json_object_get_string (json_object_array_get_idx (arches, i)));
  bool kernel_ok = true;
  if (mk && !json_object_is_type (mk, json_type_null))
    {
      unsigned a, b;
      if (!json_object_is_type (mk, json_type_string) || sscanf (json_object_get_string (mk), "%u.%u", &a, &b) != 2)
        return bad (j, where, "minKernel: expected a string like \"4.8\"");
      kernel_ok = j->kernel[0] > a || (j->kernel[0] == a && j->kernel[1] >= b);
    }
  /* all: every condition present holds; any: some condition present holds */
  *all = n_caps == 0 && arch_ok && kernel_ok;
  *any = (n_arches && arch_ok) || (mk && kernel_ok && !json_object_is_type (mk, json_type_null));
  return 0;
}

/* One args[] element -> a comparison. */
static int
parse_cmp (struct jctx *j, const char *where, json_object *o, struct scmp_arg_cmp *c)
{
  static const struct
  {
    const char *name;
    enum scmp_compare op;
  } ops[] = {
    { "SCMP_CMP_NE", SCMP_CMP_NE },
    { "SCMP_CMP_LT", SCMP_CMP_LT },
    { "SCMP_CMP_LE", SCMP_CMP_LE },
    { "SCMP_CMP_EQ", SCMP_CMP_EQ },
    { "SCMP_CMP_GE", SCMP_CMP_GE },
    { "SCMP_CMP_GT", SCMP_CMP_GT },
    { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
  };
  json_object *idx, *val, *val2 = NULL, *op;
  uint64_t i, a, b = 0;
  char w[224];
  if (!json_object_is_type (o, json_type_object) || !json_object_object_get_ex (o, "index", &idx)
      || !json_object_object_get_ex (o, "value", &val) || !json_object_object_get_ex (o, "op", &op))
    return bad (j, where, "expected an object with index, value and op");
  json_object_object_get_ex (o, "valueTwo", &val2);
  snprintf (w, sizeof w, "%s.index", where);
  if (get_uint (j, w, idx, 5, &i) < 0)
    return -EINVAL;
  snprintf (w, sizeof w, "%s.value", where);
  if (get_uint (j, w, val, UINT64_MAX, &a) < 0)
    return -EINVAL;
  snprintf (w, sizeof w, "%s.valueTwo", where);
  if (val2 && !json_object_is_type (val2, json_type_null) && get_uint (j, w, val2, UINT64_MAX, &b) < 0)
    return -EINVAL;
  const char *s = json_object_is_type (op, json_type_string) ? json_object_get_string (op) : "";
  for (size_t k = 0; k < sizeof ops / sizeof *ops; k++)
    if (strcmp (s, ops[k].name) == 0)
      {
        *c = (struct scmp_arg_cmp) { (unsigned) i, ops[k].op, a, b };
        return 0;
      }
  snprintf (w, sizeof w, "%s.op", where);
  return bad (j, w, "unknown operator \"%s\" (SCMP_CMP_EQ, NE, LT, LE, GT, GE, MASKED_EQ)", s);
}

/* args[] of one syscalls[] entry -> rules (AND of all, or one rule per
 * comparison when an argument is compared twice, as Docker does). */
static int
parse_args (struct jctx *j, const char *where, json_object *args, uint32_t action,
            struct jr_sc_rule *rules, size_t *n_rules)
{
  size_t n = 0;
  unsigned seen = 0;
  bool repeat = false;
  struct scmp_arg_cmp cmp[JR_SC_MAX_CMP];
  if (args && !json_object_is_type (args, json_type_null) && !json_object_is_type (args, json_type_array))
    return bad (j, where, "args: expected an array");
  size_t len = args && json_object_is_type (args, json_type_array) ? json_object_array_length (args) : 0;
  if (len > JR_SC_MAX_CMP)
    return bad (j, where, "args: at most %d comparisons", JR_SC_MAX_CMP);
  for (size_t i = 0; i < len; i++, n++)
    {
      char w[160];
      snprintf (w, sizeof w, "%s.args[%zu]", where, i);
      if (parse_cmp (j, w, json_object_array_get_idx (args, i), &cmp[n]) < 0)
        return -EINVAL;
      repeat = repeat || (seen & (1u << cmp[n].arg));
      seen |= 1u << cmp[n].arg;
    }
  *n_rules = repeat ? n : 1;
  for (size_t r = 0; r < *n_rules; r++)
    {
      rules[r] = (struct jr_sc_rule) { .action = action, .n_cmp = repeat ? 1 : (unsigned) n };
      memcpy (rules[r].cmp, repeat ? &cmp[r] : cmp, rules[r].n_cmp * sizeof *cmp);
    }
  return 0;
}

/* Apply rules to syscall name. */
static int
apply_name (struct jctx *j, const char *name, const struct jr_sc_rule *rules, size_t n_rules)
{
  int nr = seccomp_syscall_resolve_name (name);
  struct jr_sc_entry *e = nr >= 0 ? jr_sc_find (j->p, name) : NULL;
  if (nr == __NR_SCMP_ERROR)
    list_add (j->unknown, sizeof j->unknown, name);
  if (e == NULL)
    return 0; /* unknown, or a syscall of another ABI */
  if (rules[0].n_cmp == 0)
    {
      jr_sc_set_all (e, rules[0].action, NULL);
      return 0;
    }
  if (e->n_rules == 0 && e->otherwise != j->p->def_action)
    return jr_sc_warn (j->p, j->err, "seccomp profile %s: %s: conditional rule after an unconditional one ignored", j->path, name);
  int r = 0;
  for (size_t i = 0; r == 0 && i < n_rules; i++)
    r = jr_sc_add_rule (e, &rules[i], j->err);
  return r;
}

/* Warn about keys of o that are not in known (NULL-terminated). */
static int
warn_unknown_keys (struct jctx *j, const char *where, json_object *o, const char *const *known)
{
  json_object_object_foreach (o, key, val)
  {
    (void) val;
    size_t k = 0;
    while (known[k] && strcmp (known[k], key) != 0)
      k++;
    char esc[256];
    if (known[k] == NULL && jr_sc_warn (j->p, j->err, "seccomp profile %s: %s: unknown key \"%s\" ignored", j->path, where, jr_printable (key, strlen (key), esc, sizeof esc)) < 0)
      return -ENOMEM;
  }
  return 0;
}

/* Names of one syscalls[] entry: "names" array or older "name" string. */
static int
entry_names (struct jctx *j, const char *where, json_object *o, json_object **names, size_t *n)
{
  json_object *one;
  if (json_object_object_get_ex (o, "names", names))
    return get_strings (j, where, *names, n);
  if (json_object_object_get_ex (o, "name", &one) && json_object_is_type (one, json_type_string))
    {
      *names = one;
      *n = 1;
      return 0;
    }
  return bad (j, where, "missing \"names\": expected an array of syscall names");
}

/* One element of syscalls[]. */
static int
parse_entry (struct jctx *j, size_t idx, json_object *o)
{
  static const char *const known[] = { "names", "name", "action", "args", "errnoRet", "errno", "includes",
                                       "excludes", "comment", NULL };
  char where[64];
  snprintf (where, sizeof where, "syscalls[%zu]", idx);
  if (!json_object_is_type (o, json_type_object))
    return bad (j, where, "expected an object with names and action");
  json_object *names, *act, *args = NULL, *inc = NULL, *exc = NULL;
  size_t n_names, n_rules = 0;
  uint64_t eret;
  uint32_t action;
  struct jr_sc_rule rules[JR_SC_MAX_CMP];
  bool any, all, ex_any, ex_all;
  json_object_object_get_ex (o, "args", &args);
  json_object_object_get_ex (o, "includes", &inc);
  json_object_object_get_ex (o, "excludes", &exc);
  if (entry_names (j, where, o, &names, &n_names) < 0 || get_errno (j, where, o, "errnoRet", &eret) < 0)
    return -EINVAL;
  if (!json_object_object_get_ex (o, "action", &act))
    return bad (j, where, "missing \"action\"");
  char w[96];
  snprintf (w, sizeof w, "%s.action", where);
  if (parse_action (j, w, act, eret, &action) < 0 || parse_args (j, where, args, action, rules, &n_rules) < 0)
    return -EINVAL;
  snprintf (w, sizeof w, "%s.includes", where);
  if (filter_matches (j, w, inc, &any, &all) < 0)
    return -EINVAL;
  snprintf (w, sizeof w, "%s.excludes", where);
  if (filter_matches (j, w, exc, &ex_any, &ex_all) < 0 || warn_unknown_keys (j, where, o, known) < 0)
    return -EINVAL;
  if (!all || ex_any)
    return 0; /* the rule is for another architecture, kernel or capability */
  int r = 0;
  for (size_t i = 0; r == 0 && i < n_names; i++)
    {
      json_object *nm = json_object_is_type (names, json_type_array) ? json_object_array_get_idx (names, i) : names;
      r = apply_name (j, json_object_get_string (nm), rules, n_rules);
    }
  return r;
}

/* architectures / archMap: the native ABI must be allowed; others are
 * noted as ignored. */
static int
parse_arches (struct jctx *j, json_object *top)
{
  json_object *arches = NULL, *map = NULL, *list = NULL;
  size_t n = 0, n_map = 0;
  json_object_object_get_ex (top, "architectures", &arches);
  json_object_object_get_ex (top, "archMap", &map);
  if (get_strings (j, "architectures", arches, &n) < 0)
    return -EINVAL;
  if (n > 0)
    list = arches;
  if (map && !json_object_is_type (map, json_type_null) && !json_object_is_type (map, json_type_array))
    return bad (j, "archMap", "expected an array of {architecture, subArchitectures}");
  n_map = map && json_object_is_type (map, json_type_array) ? json_object_array_length (map) : 0;
  for (size_t i = 0; list == NULL && i < n_map; i++)
    {
      json_object *m = json_object_array_get_idx (map, i), *a, *subs;
      char w[48];
      snprintf (w, sizeof w, "archMap[%zu]", i);
      if (!json_object_is_type (m, json_type_object) || !json_object_object_get_ex (m, "architecture", &a)
          || !json_object_is_type (a, json_type_string))
        return bad (j, w, "expected {\"architecture\": \"SCMP_ARCH_...\", \"subArchitectures\": [...]}");
      if (!arch_is_native (json_object_get_string (a)))
        continue;
      json_object_object_get_ex (m, "subArchitectures", &subs);
      if (get_strings (j, w, subs, &n) < 0)
        return -EINVAL;
      list = subs;
    }
  bool native = list != arches || n == 0;
  for (size_t i = 0; list && i < n; i++)
    {
      const char *s = json_object_get_string (json_object_array_get_idx (list, i));
      if (arch_is_native (s))
        native = true;
      else
        list_add (j->foreign, sizeof j->foreign, s);
    }
  if (!native)
    return bad (j, "architectures", "the profile does not list this machine's ABI");
  return 0;
}

/* Top-level keys other than syscalls. */
static int
parse_top (struct jctx *j, json_object *top)
{
  static const char *const known[] = { "defaultAction", "defaultErrnoRet", "defaultErrno", "architectures",
                                       "archMap", "syscalls", "flags", "listenerPath",
                                       "listenerMetadata", "comment", NULL };
  json_object *v;
  uint64_t eret;
  uint32_t def;
  if (!json_object_object_get_ex (top, "defaultAction", &v))
    return bad (j, "defaultAction", "missing (e.g. \"SCMP_ACT_ERRNO\")");
  if (get_errno (j, "top level", top, "defaultErrnoRet", &eret) < 0
      || parse_action (j, "defaultAction", v, eret, &def) < 0)
    return -EINVAL;
  int r = jr_sc_policy_init (j->p, def, def, j->err);
  if (r < 0 || parse_arches (j, top) < 0)
    return r < 0 ? r : -EINVAL;
  if (json_object_object_get_ex (top, "listenerPath", &v) && json_object_is_type (v, json_type_string)
      && json_object_get_string_len (v) > 0)
    return bad (j, "listenerPath", "seccomp user notification is not supported by jailrun");
  size_t n_flags;
  if (get_strings (j, "flags", json_object_object_get_ex (top, "flags", &v) ? v : NULL, &n_flags) < 0)
    return -EINVAL;
  if (n_flags)
    r = jr_sc_warn (j->p, j->err, "seccomp profile %s: flags ignored (jailrun always loads with TSYNC)", j->path);
  return r < 0 ? r : warn_unknown_keys (j, "top level", top, known);
}

/* Fill p from the profile at path (see the top of this file). */
int
jr_sc_json_policy (struct jr_sc_policy *p, const char *path, jail_error **err)
{
  struct jctx j = { .p = p, .path = path, .err = err };
  struct utsname u;
  if (uname (&u) < 0 || sscanf (u.release, "%u.%u", &j.kernel[0], &j.kernel[1]) != 2)
    return jr_error (err, errno ? errno : EINVAL, "seccomp: kernel version");
  cleanup_free char *text = NULL;
  size_t len = 0;
  json_object *top = NULL, *sys = NULL;
  int r = read_profile (path, &text, &len, err);
  if (r == 0)
    r = parse_text (&j, text, len, &top);
  if (r == 0)
    r = parse_top (&j, top);
  if (r == 0 && json_object_object_get_ex (top, "syscalls", &sys) && !json_object_is_type (sys, json_type_null)
      && !json_object_is_type (sys, json_type_array))
    r = bad (&j, "syscalls", "expected an array of {names, action, args}");
  size_t n = r == 0 && sys && json_object_is_type (sys, json_type_array) ? json_object_array_length (sys) : 0;
  for (size_t i = 0; r == 0 && i < n; i++)
    r = parse_entry (&j, i, json_object_array_get_idx (sys, i));
  char esc[1024];
  if (r == 0 && j.unknown[0])
    r = jr_sc_warn (p, err, "seccomp profile %s: unknown syscalls skipped: %s", path,
                    jr_printable (j.unknown, strlen (j.unknown), esc, sizeof esc));
  if (r == 0 && j.foreign[0])
    r = jr_sc_warn (p, err, "seccomp profile %s: architectures %s ignored: jailrun runs the native ABI only, other ABIs kill the process", path,
                    jr_printable (j.foreign, strlen (j.foreign), esc, sizeof esc));
  p->source = path;
  json_object_put (top);
  return r;
}
