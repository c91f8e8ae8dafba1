/* oci_resources.c - linux.resources (runtime-spec) translated into the
 * cgroup v2 files and values to write: memory.max/swap.max/low, cpu.max,
 * cpu.weight (from shares), cpu.idle, cpuset.cpus/mems, pids.max, io.weight
 * (from blockIO.weight) and the unified map.  What cgroup v2 cannot do
 * (kernel memory, swappiness, real-time cpu, device throttles, hugepage,
 * network and rdma limits) is refused with the field's name: a limit that
 * was asked for is never dropped.  devices is not a limit here: the
 * container's user namespace already refuses device nodes it was not given. */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "oci.h"

json_object *
jr_oci_get (json_object *o, const char *key)
{
  json_object *v = NULL;
  if (o && json_object_is_type (o, json_type_object) && json_object_object_get_ex (o, key, &v))
    return v;
  return NULL;
}

/* Append file=value; ENOSPC past JR_OCI_CG_MAX. */
static int
add (struct jr_oci_res *r, const char *file, const char *val, const char *where, jail_error **err)
{
  if (r->n >= JR_OCI_CG_MAX)
    return jr_error_msg (err, ENOSPC, "%s: more than %d cgroup settings", where, JR_OCI_CG_MAX);
  snprintf (r->set[r->n].file, sizeof r->set[r->n].file, "%s", file);
  snprintf (r->set[r->n].val, sizeof r->set[r->n].val, "%s", val);
  r->n++;
  return 0;
}

/* An integer field: true when present (and not null), value in *v. */
static bool
num (json_object *o, const char *key, long long *v)
{
  json_object *x = jr_oci_get (o, key);
  if (x == NULL || json_object_is_type (x, json_type_null))
    return false;
  *v = json_object_get_int64 (x);
  return true;
}

/* Keys of o that set something but are not in known: refused. */
static int
refuse_unknown (json_object *o, const char *const *known, const char *where, const char *field, jail_error **err)
{
  if (o == NULL || !json_object_is_type (o, json_type_object))
    return 0;
  json_object_object_foreach (o, k, v)
  {
    size_t i = 0;
    while (known[i] && strcmp (known[i], k) != 0)
      i++;
    bool sets = json_object_is_type (v, json_type_boolean)  ? json_object_get_boolean (v)
                : json_object_is_type (v, json_type_array)  ? json_object_array_length (v) > 0
                : json_object_is_type (v, json_type_object) ? json_object_object_length (v) > 0
                : json_object_is_type (v, json_type_string) ? json_object_get_string_len (v) > 0
                                                            : !json_object_is_type (v, json_type_null) && json_object_get_int64 (v) != 0;
    if (known[i] == NULL && sets)
      return jr_error_msg (err, EOPNOTSUPP, "%s.%s%s%s: cannot be enforced on cgroup v2 by jailrun-oci: drop it", where, field,
                           *field ? "." : "", k);
  }
  return 0;
}

/* memory: limit, swap (limit + swap, as runtime-spec counts it), reservation. */
static int
memory (json_object *m, bool update, const char *where, struct jr_oci_res *r, jail_error **err)
{
  static const char *const known[] = { "limit", "swap", "reservation", "disableOOMKiller", "useHierarchy", "checkBeforeUpdate", NULL };
  int rc = refuse_unknown (m, known, where, "memory", err);
  long long lim = 0, swap, res, x;
  char v[32];
  bool has_lim = num (m, "limit", &lim);
  if (rc == 0 && has_lim && (lim > 0 || update))
    snprintf (v, sizeof v, lim > 0 ? "%lld" : "max", lim), rc = add (r, "memory.max", v, where, err);
  if (rc == 0 && num (m, "swap", &swap) && (swap > 0 || update))
    {
      if (swap > 0 && (lim <= 0 || swap < lim))
        return jr_error_msg (err, EINVAL, "%s.memory.swap %lld: it counts memory plus swap, so it needs memory.limit and is at least that", where, swap);
      snprintf (v, sizeof v, swap > 0 ? "%lld" : "max", swap - lim);
      rc = add (r, "memory.swap.max", v, where, err);
    }
  if (rc == 0 && num (m, "reservation", &res) && (res > 0 || update))
    snprintf (v, sizeof v, res > 0 ? "%lld" : "0", res), rc = add (r, "memory.low", v, where, err);
  if (rc == 0 && jr_oci_get (m, "disableOOMKiller") && json_object_get_boolean (jr_oci_get (m, "disableOOMKiller")))
    return jr_error_msg (err, EOPNOTSUPP, "%s.memory.disableOOMKiller: cgroup v2 has no switch for the OOM killer: drop it", where);
  if (rc == 0 && num (m, "swappiness", &x))
    return jr_error_msg (err, EOPNOTSUPP, "%s.memory.swappiness: cgroup v2 has no per-cgroup swappiness: drop it", where);
  return rc;
}

/* cpu: quota/period -> cpu.max, shares -> cpu.weight, idle, cpuset. */
static int
cpu (json_object *c, bool update, const char *where, struct jr_oci_res *r, jail_error **err)
{
  static const char *const known[] = { "shares", "quota", "period", "cpus", "mems", "idle", NULL };
  int rc = refuse_unknown (c, known, where, "cpu", err);
  long long quota = 0, period = 0, shares, idle;
  char v[64];
  bool q = num (c, "quota", &quota), p = num (c, "period", &period);
  if (rc == 0 && (q || p) && (quota > 0 || update || period > 0))
    {
      snprintf (v, sizeof v, quota > 0 ? "%lld %lld" : "max %lld", quota > 0 ? quota : period > 0 ? period
                                                                                                  : 100000,
                period > 0 ? period : 100000);
      rc = add (r, "cpu.max", v, where, err);
    }
  if (rc == 0 && num (c, "shares", &shares) && shares > 0)
    {
      /* shares 2..262144 onto weight 1..10000, as the other runtimes map it */
      long long w = shares < 2 ? 1 : shares > 262144 ? 10000
                                                     : 1 + ((shares - 2) * 9999) / 262142;
      snprintf (v, sizeof v, "%lld", w);
      rc = add (r, "cpu.weight", v, where, err);
    }
  if (rc == 0 && num (c, "idle", &idle) && (idle || update))
    rc = add (r, "cpu.idle", idle ? "1" : "0", where, err);
  const char *sets[2][2] = { { "cpus", "cpuset.cpus" }, { "mems", "cpuset.mems" } };
  for (int i = 0; rc == 0 && i < 2; i++)
    if (jr_oci_get (c, sets[i][0]) && json_object_get_string_len (jr_oci_get (c, sets[i][0])) > 0)
      rc = add (r, sets[i][1], json_object_get_string (jr_oci_get (c, sets[i][0])), where, err);
  return rc;
}

/* pids.limit and blockIO.weight. */
static int
pids_io (json_object *res, bool update, const char *where, struct jr_oci_res *r, jail_error **err)
{
  static const char *const pk[] = { "limit", NULL }, *const bk[] = { "weight", NULL };
  int rc = refuse_unknown (jr_oci_get (res, "pids"), pk, where, "pids", err);
  if (rc == 0)
    rc = refuse_unknown (jr_oci_get (res, "blockIO"), bk, where, "blockIO", err);
  long long n, w;
  char v[32];
  if (rc == 0 && num (jr_oci_get (res, "pids"), "limit", &n) && (n > 0 || update))
    snprintf (v, sizeof v, n > 0 ? "%lld" : "max", n), rc = add (r, "pids.max", v, where, err);
  if (rc == 0 && num (jr_oci_get (res, "blockIO"), "weight", &w) && w > 0)
    {
      if (w < 10 || w > 1000)
        return jr_error_msg (err, EINVAL, "%s.blockIO.weight %lld: give 10-1000", where, w);
      snprintf (v, sizeof v, "default %lld", 1 + ((w - 10) * 9999) / 990);
      rc = add (r, "io.weight", v, where, err);
    }
  return rc;
}

/* unified: "controller.file": "value", written as given. */
static int
unified (json_object *u, const char *where, struct jr_oci_res *r, jail_error **err)
{
  if (u == NULL)
    return 0;
  if (!json_object_is_type (u, json_type_object))
    return jr_error_msg (err, EINVAL, "%s.unified: not an object", where);
  json_object_object_foreach (u, k, v)
  {
    const char *dot = strchr (k, '.');
    bool ok = dot && dot > k && dot[1] && strchr (k, '/') == NULL && strncmp (k, "cgroup.", 7) != 0
              && json_object_is_type (v, json_type_string);
    if (!ok)
      return jr_error_msg (err, EINVAL, "%s.unified.%s: give \"controller.file\": \"value\" (not cgroup.*, no '/')", where, k);
    int rc = add (r, k, json_object_get_string (v), where, err);
    if (rc < 0)
      return rc;
  }
  return 0;
}

int
jr_oci_resources_parse (json_object *res, bool update, const char *where, struct jr_oci_res *r, jail_error **err)
{
  memset (r, 0, sizeof *r);
  if (res == NULL)
    return 0;
  if (!json_object_is_type (res, json_type_object))
    return jr_error_msg (err, EINVAL, "%s: not an object", where);
  static const char *const known[] = { "memory", "cpu", "pids", "blockIO", "unified", "devices", NULL };
  int rc = refuse_unknown (res, known, where, "", err);
  if (rc == 0)
    rc = memory (jr_oci_get (res, "memory"), update, where, r, err);
  if (rc == 0)
    rc = cpu (jr_oci_get (res, "cpu"), update, where, r, err);
  if (rc == 0)
    rc = pids_io (res, update, where, r, err);
  if (rc == 0)
    rc = unified (jr_oci_get (res, "unified"), where, r, err);
  return rc;
}

int
jr_oci_resources_text (const char *json, bool update, const char *where, struct jr_oci_res *r, jail_error **err)
{
  memset (r, 0, sizeof *r);
  if (json == NULL)
    return 0;
  enum json_tokener_error je;
  json_object *o = json_tokener_parse_verbose (json, &je);
  if (o == NULL)
    return jr_error_msg (err, EINVAL, "%s: not JSON (%s)", where, json_tokener_error_desc (je));
  int rc = jr_oci_resources_parse (o, update, where, r, err);
  json_object_put (o);
  return rc;
}
