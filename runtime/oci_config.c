/* oci_config.c - a bundle's config.json (OCI runtime-spec 1.0) read with
 * json-c into struct jr_oci_spec.  What jailrun cannot honour is refused
 * here with the field's name, before anything is created: host
 * networking, joins of a time namespace, AppArmor and
 * SELinux labels, cgroup limits cgroup v2 cannot enforce. */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci.h"

#define CONFIG_MAX (4 << 20)

static int
bad (jail_error **err, const char *field, const char *why)
{
  return jr_error_msg (err, EINVAL, "config.json: %s: %s", field, why);
}

/* A NULL-terminated copy of an array of strings (NULL when absent). */
static int
get_strv (json_object *a, const char *field, char ***out, size_t *n_out, jail_error **err)
{
  *out = NULL;
  if (n_out)
    *n_out = 0;
  if (a == NULL)
    return 0;
  if (!json_object_is_type (a, json_type_array))
    return bad (err, field, "not an array");
  size_t n = json_object_array_length (a);
  char **v = calloc (n + 1, sizeof *v);
  if (v == NULL)
    return jr_error (err, ENOMEM, "config.json");
  *out = v;
  for (size_t i = 0; i < n; i++)
    {
      json_object *e = json_object_array_get_idx (a, i);
      if (!json_object_is_type (e, json_type_string))
        return bad (err, field, "an entry is not a string");
      if ((v[i] = strdup (json_object_get_string (e))) == NULL)
        return jr_error (err, ENOMEM, "config.json");
      if (n_out)
        *n_out = i + 1;
    }
  return 0;
}

static char *
dup_str (json_object *v)
{
  return v && json_object_is_type (v, json_type_string) ? strdup (json_object_get_string (v)) : NULL;
}

static int
get_u32 (json_object *v, const char *field, uint32_t *out, jail_error **err)
{
  if (!json_object_is_type (v, json_type_int))
    return bad (err, field, "not an integer");
  int64_t x = json_object_get_int64 (v);
  if (x < 0 || x > 0xffffffffLL)
    return bad (err, field, "out of range");
  *out = (uint32_t) x;
  return 0;
}

/* A capability set: names to a bit mask. */
static int
get_caps (json_object *caps, const char *set, uint64_t *out, jail_error **err)
{
  char **names = NULL;
  char field[64];
  snprintf (field, sizeof field, "process.capabilities.%s", set);
  int r = get_strv (jr_oci_get (caps, set), field, &names, NULL, err);
  *out = 0;
  for (size_t i = 0; r == 0 && names && names[i]; i++)
    {
      int cap;
      if (jr_caps_from_name (names[i], &cap) < 0)
        r = jr_error_msg (err, EINVAL, "config.json: %s: unknown capability %s", field, names[i]);
      else
        *out |= 1ull << cap;
    }
  for (size_t i = 0; names && names[i]; i++)
    free (names[i]);
  free (names);
  return r;
}

static int
rlimit_type (const char *name)
{
  static const struct
  {
    const char *n;
    int t;
  } tab[] = {
    { "RLIMIT_CPU", RLIMIT_CPU },
    { "RLIMIT_FSIZE", RLIMIT_FSIZE },
    { "RLIMIT_DATA", RLIMIT_DATA },
    { "RLIMIT_STACK", RLIMIT_STACK },
    { "RLIMIT_CORE", RLIMIT_CORE },
    { "RLIMIT_RSS", RLIMIT_RSS },
    { "RLIMIT_NPROC", RLIMIT_NPROC },
    { "RLIMIT_NOFILE", RLIMIT_NOFILE },
    { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
    { "RLIMIT_AS", RLIMIT_AS },
    { "RLIMIT_LOCKS", RLIMIT_LOCKS },
    { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
    { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
    { "RLIMIT_NICE", RLIMIT_NICE },
    { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
    { "RLIMIT_RTTIME", RLIMIT_RTTIME },
  };
  for (size_t i = 0; i < sizeof tab / sizeof *tab; i++)
    if (strcmp (tab[i].n, name) == 0)
      return tab[i].t;
  return -1;
}

static int
parse_rlimits (json_object *a, struct jr_oci_spec *s, jail_error **err)
{
  if (a == NULL)
    return 0;
  if (!json_object_is_type (a, json_type_array))
    return bad (err, "process.rlimits", "not an array");
  size_t n = json_object_array_length (a);
  if ((s->rlimits = calloc (n + 1, sizeof *s->rlimits)) == NULL)
    return jr_error (err, ENOMEM, "config.json");
  for (size_t i = 0; i < n; i++)
    {
      json_object *e = json_object_array_get_idx (a, i);
      json_object *t = jr_oci_get (e, "type"), *h = jr_oci_get (e, "hard"), *so = jr_oci_get (e, "soft");
      int type = t ? rlimit_type (json_object_get_string (t)) : -1;
      if (type < 0)
        return jr_error_msg (err, EINVAL, "config.json: process.rlimits[%zu]: unknown type %s", i,
                             t ? json_object_get_string (t) : "(none)");
      if (!h || !so || !json_object_is_type (h, json_type_int) || !json_object_is_type (so, json_type_int))
        return bad (err, "process.rlimits", "hard and soft must be integers");
      s->rlimits[i] = (struct jr_oci_rlimit) { type, json_object_get_uint64 (so), json_object_get_uint64 (h) };
      s->n_rlimits = i + 1;
    }
  return 0;
}

/* process.user */
static int
parse_user (json_object *u, struct jr_oci_spec *s, jail_error **err)
{
  uint32_t x;
  int r = 0;
  if (jr_oci_get (u, "uid") && (r = get_u32 (jr_oci_get (u, "uid"), "process.user.uid", &x, err)) == 0)
    s->uid = x;
  if (r == 0 && jr_oci_get (u, "gid") && (r = get_u32 (jr_oci_get (u, "gid"), "process.user.gid", &x, err)) == 0)
    s->gid = x;
  if (r == 0 && jr_oci_get (u, "umask") && (r = get_u32 (jr_oci_get (u, "umask"), "process.user.umask", &x, err)) == 0)
    s->umask = (int) (x & 0777);
  json_object *g = jr_oci_get (u, "additionalGids");
  if (r < 0 || g == NULL)
    return r;
  if (!json_object_is_type (g, json_type_array))
    return bad (err, "process.user.additionalGids", "not an array");
  size_t n = json_object_array_length (g);
  if ((s->groups = calloc (n + 1, sizeof *s->groups)) == NULL)
    return jr_error (err, ENOMEM, "config.json");
  for (size_t i = 0; r == 0 && i < n; i++)
    if ((r = get_u32 (json_object_array_get_idx (g, i), "process.user.additionalGids", &x, err)) == 0)
      s->groups[s->n_groups++] = x;
  return r;
}

static int
parse_process (json_object *p, struct jr_oci_spec *s, jail_error **err)
{
  if (p == NULL)
    return bad (err, "process", "missing");
  int r = get_strv (jr_oci_get (p, "args"), "process.args", &s->args, NULL, err);
  if (r == 0 && (s->args == NULL || s->args[0] == NULL || s->args[0][0] == '\0'))
    r = bad (err, "process.args", "missing or empty: name the command to run");
  if (r == 0)
    r = get_strv (jr_oci_get (p, "env"), "process.env", &s->env, NULL, err);
  if (r == 0 && s->env == NULL && (s->env = calloc (1, sizeof *s->env)) == NULL)
    r = jr_error (err, ENOMEM, "config.json");
  s->cwd = dup_str (jr_oci_get (p, "cwd"));
  if (r == 0 && (s->cwd == NULL || s->cwd[0] != '/'))
    r = bad (err, "process.cwd", "missing or not an absolute path");
  if (r == 0)
    r = parse_user (jr_oci_get (p, "user"), s, err);
  json_object *caps = jr_oci_get (p, "capabilities");
  if (r == 0)
    r = get_caps (caps, "bounding", &s->cap_bnd, err);
  if (r == 0)
    r = get_caps (caps, "effective", &s->cap_eff, err);
  if (r == 0)
    r = get_caps (caps, "permitted", &s->cap_prm, err);
  if (r == 0)
    r = get_caps (caps, "inheritable", &s->cap_inh, err);
  if (r == 0)
    r = get_caps (caps, "ambient", &s->cap_amb, err);
  if (r == 0)
    r = parse_rlimits (jr_oci_get (p, "rlimits"), s, err);
  json_object *t = jr_oci_get (p, "terminal");
  s->terminal = t && json_object_get_boolean (t);
  if (r == 0 && jr_oci_get (p, "oomScoreAdj"))
    {
      s->has_oom = true;
      s->oom_score_adj = json_object_get_int (jr_oci_get (p, "oomScoreAdj"));
    }
  const char *labels[] = { "apparmorProfile", "selinuxLabel" };
  for (size_t i = 0; r == 0 && i < 2; i++)
    if (jr_oci_get (p, labels[i]) && json_object_get_string_len (jr_oci_get (p, labels[i])) > 0)
      r = jr_error_msg (err, EINVAL, "config.json: process.%s: not supported by jailrun-oci: leave it empty", labels[i]);
  return r;
}

bool
jr_oci_propagation (const char *name, unsigned long *flags)
{
  static const struct
  {
    const char *n;
    unsigned long f;
  } tab[] = {
    { "shared", MS_SHARED },
    { "slave", MS_SLAVE },
    { "private", MS_PRIVATE },
    { "unbindable", MS_UNBINDABLE },
  };
  bool rec = name[0] == 'r';
  for (size_t k = 0; k < sizeof tab / sizeof *tab; k++)
    if (strcmp (name + rec, tab[k].n) == 0)
      {
        *flags = tab[k].f | (rec ? MS_REC : 0);
        return true;
      }
  return false;
}

/* One mount option: attribute, propagation, filesystem data, or refusal. */
static int
mount_option (const char *o, struct jr_oci_mount *m, size_t i, jail_error **err)
{
  static const struct
  {
    const char *n;
    unsigned a;
  } attrs[] = {
    { "ro", MOUNT_ATTR_RDONLY },
    { "nosuid", MOUNT_ATTR_NOSUID },
    { "nodev", MOUNT_ATTR_NODEV },
    { "noexec", MOUNT_ATTR_NOEXEC },
    { "noatime", MOUNT_ATTR_NOATIME },
    { "strictatime", MOUNT_ATTR_STRICTATIME },
    { "nodiratime", MOUNT_ATTR_NODIRATIME },
    { "relatime", 0 },
    { "rw", 0 },
    { "suid", 0 },
    { "dev", 0 },
    { "exec", 0 },
    { "atime", 0 },
  };
  for (size_t k = 0; k < sizeof attrs / sizeof *attrs; k++)
    if (strcmp (o, attrs[k].n) == 0)
      {
        m->attrs |= attrs[k].a;
        return 0;
      }
  unsigned long prop;
  if (jr_oci_propagation (o, &prop))
    {
      m->prop = prop;
      return 0;
    }
  if (strcmp (o, "bind") == 0 || strcmp (o, "rbind") == 0)
    {
      m->bind = true;
      m->recursive = m->recursive || o[0] == 'r';
      return 0;
    }
  if (strchr (o, '=') == NULL && strcmp (o, "newinstance") != 0)
    return jr_error_msg (err, EINVAL, "config.json: mounts[%zu] %s: option %s is not supported by jailrun-oci (%s)", i,
                         m->dst, o, "remove it");
  if ((m->data[m->n_data] = strdup (o)) == NULL)
    return jr_error (err, ENOMEM, "config.json");
  m->n_data++;
  return 0;
}

static int
parse_mount (json_object *o, size_t i, const struct jr_oci_spec *s, struct jr_oci_mount *m, jail_error **err)
{
  m->dst = dup_str (jr_oci_get (o, "destination"));
  m->type = dup_str (jr_oci_get (o, "type"));
  char *src = dup_str (jr_oci_get (o, "source"));
  if (m->dst == NULL || m->dst[0] != '/')
    {
      free (src);
      return jr_error_msg (err, EINVAL, "config.json: mounts[%zu]: destination missing or not absolute", i);
    }
  if (src && src[0] != '/' && (m->type == NULL || strcmp (m->type, "bind") == 0))
    {
      if (asprintf (&m->src, "%s/%s", s->bundle, src) < 0)
        m->src = NULL;
      free (src);
    }
  else
    m->src = src;
  json_object *opts = jr_oci_get (o, "options");
  size_t n = opts && json_object_is_type (opts, json_type_array) ? json_object_array_length (opts) : 0;
  if ((m->data = calloc (n + 1, sizeof *m->data)) == NULL)
    return jr_error (err, ENOMEM, "config.json");
  for (size_t k = 0; k < n; k++)
    {
      const char *opt = json_object_get_string (json_object_array_get_idx (opts, k));
      int r = mount_option (opt ? opt : "", m, i, err);
      if (r < 0)
        return r;
    }
  if (m->type == NULL && !m->bind)
    return jr_error_msg (err, EINVAL, "config.json: mounts[%zu] %s: no type", i, m->dst);
  if (m->type && strcmp (m->type, "bind") == 0)
    m->bind = true;
  if (m->bind && (m->src == NULL || m->src[0] != '/'))
    return jr_error_msg (err, EINVAL, "config.json: mounts[%zu] %s: a bind mount needs a source", i, m->dst);
  return 0;
}

static int
parse_mounts (json_object *a, struct jr_oci_spec *s, jail_error **err)
{
  size_t n = a && json_object_is_type (a, json_type_array) ? json_object_array_length (a) : 0;
  if ((s->mounts = calloc (n + 1, sizeof *s->mounts)) == NULL)
    return jr_error (err, ENOMEM, "config.json");
  for (size_t i = 0; i < n; i++)
    {
      s->n_mounts = i + 1;
      int r = parse_mount (json_object_array_get_idx (a, i), i, s, &s->mounts[i], err);
      if (r < 0)
        return r;
    }
  return 0;
}

static int
parse_maps (json_object *a, const char *field, struct jr_oci_idmap *maps, size_t *n, jail_error **err)
{
  *n = 0;
  if (a == NULL)
    return 0;
  if (!json_object_is_type (a, json_type_array) || json_object_array_length (a) > JR_OCI_MAX_MAPS)
    return bad (err, field, "not an array of at most 8 ranges");
  for (size_t i = 0; i < json_object_array_length (a); i++)
    {
      json_object *e = json_object_array_get_idx (a, i);
      struct jr_oci_idmap *m = &maps[i];
      if (!jr_oci_get (e, "containerID") || !jr_oci_get (e, "hostID") || !jr_oci_get (e, "size"))
        return bad (err, field, "each range needs containerID, hostID and size");
      int r = get_u32 (jr_oci_get (e, "containerID"), field, &m->cid, err);
      if (r == 0)
        r = get_u32 (jr_oci_get (e, "hostID"), field, &m->hid, err);
      if (r == 0)
        r = get_u32 (jr_oci_get (e, "size"), field, &m->size, err);
      if (r < 0)
        return r;
      if (m->hid == 0)
        return bad (err, field, "a range that maps to host id 0 is refused (jailrun never runs a container as host root): map container ids to an unprivileged host range");
      *n = i + 1;
    }
  return 0;
}

/* linux.namespaces: every type jailrun makes anyway; a network entry is
 * required (no host networking); a path joins a namespace of that type
 * (oci_ns.c checks what it is when create opens it); a time namespace
 * cannot be joined (jailrun makes none). */
static int
parse_namespaces (json_object *a, struct jr_oci_spec *s, jail_error **err)
{
  static const char *const known[] = { "ipc", "uts", "network", "pid", "cgroup", "mount", "user", "time", NULL };
  bool net = false;
  size_t n = a && json_object_is_type (a, json_type_array) ? json_object_array_length (a) : 0;
  for (size_t i = 0; i < n; i++)
    {
      json_object *e = json_object_array_get_idx (a, i);
      const char *t = jr_oci_get (e, "type") ? json_object_get_string (jr_oci_get (e, "type")) : "";
      size_t k = 0;
      while (known[k] && strcmp (known[k], t) != 0)
        k++;
      if (known[k] == NULL)
        return jr_error_msg (err, EINVAL, "config.json: linux.namespaces: unknown type '%s'", t);
      const char *path = jr_oci_get (e, "path") ? json_object_get_string (jr_oci_get (e, "path")) : NULL;
      net = net || k == JR_OCI_NS_NET;
      if (path == NULL || *path == '\0')
        continue;
      if (k >= JR_OCI_NS_N)
        return jr_error_msg (err, EINVAL, "config.json: linux.namespaces: joining the %s namespace at %s is not supported by jailrun-oci (jailrun makes no time namespace): drop the path", t, path);
      if (path[0] != '/')
        return jr_error_msg (err, EINVAL, "config.json: linux.namespaces: %s namespace path %s is not absolute", t, path);
      free (s->ns_join[k]);
      if ((s->ns_join[k] = strdup (path)) == NULL)
        return jr_error (err, ENOMEM, "config.json");
    }
  if (!net)
    return bad (err, "linux.namespaces", "no network namespace: host networking is refused by jailrun (use --network none, or a network namespace)");
  return 0;
}

/* linux.cgroupsPath and linux.resources: checked here (what cgroup v2
 * cannot enforce is refused before anything is made), written by create;
 * ignored with --cgroup-manager disabled. */
static int
parse_cgroups (json_object *lx, enum jr_oci_cgmode mode, struct jr_oci_spec *s, jail_error **err)
{
  if (mode == JR_OCI_CG_DISABLED)
    return 0;
  s->cgroup = true;
  s->systemd = mode == JR_OCI_CG_SYSTEMD;
  json_object *p = jr_oci_get (lx, "cgroupsPath");
  const char *path = p ? json_object_get_string (p) : NULL;
  const char *colon = path ? strchr (path, ':') : NULL;
  char slice[256], unit[512];
  if (s->systemd && jr_oci_sd_names (path, "ID", slice, sizeof slice, unit, sizeof unit, err) < 0)
    return -EINVAL;
  if (!s->systemd && colon && path[0] != '/' && strchr (colon + 1, ':'))
    return jr_error_msg (err, EINVAL, "config.json: linux.cgroupsPath %s: the systemd form slice:prefix:name needs --systemd-cgroup (or --cgroup-manager systemd): add it, or give a path (/machine/NAME) for cgroupfs",
                         path);
  if (path && *path && (s->cgroups_path = strdup (path)) == NULL)
    return jr_error (err, ENOMEM, "config.json");
  json_object *res = jr_oci_get (lx, "resources");
  struct jr_oci_res r;
  int rc = jr_oci_resources_parse (res, false, "config.json: linux.resources", &r, err);
  if (rc == 0 && res && (s->resources_json = strdup (json_object_to_json_string_ext (res, JSON_C_TO_STRING_PLAIN))) == NULL)
    rc = jr_error (err, ENOMEM, "config.json");
  return rc;
}

/* linux.sysctl: only keys of namespaces the container owns. */
static int
parse_sysctl (json_object *o, struct jr_oci_spec *s, jail_error **err)
{
  if (o == NULL)
    return 0;
  if (!json_object_is_type (o, json_type_object))
    return bad (err, "linux.sysctl", "not an object");
  size_t n = (size_t) json_object_object_length (o), i = 0;
  if ((s->sysctl = calloc (2 * n + 1, sizeof *s->sysctl)) == NULL)
    return jr_error (err, ENOMEM, "config.json");
  json_object_object_foreach (o, key, val)
  {
    static const char *const ok[] = { "net.", "kernel.shm", "kernel.msg", "kernel.sem", "fs.mqueue.", NULL };
    bool allowed = strstr (key, "..") == NULL && strchr (key, '/') == NULL;
    size_t k = 0;
    while (allowed && ok[k] && strncmp (key, ok[k], strlen (ok[k])) != 0)
      k++;
    if (!allowed || ok[k] == NULL)
      return jr_error_msg (err, EINVAL, "config.json: linux.sysctl: %s is not a key of a namespace the container owns (net.*, kernel.shm*/msg*/sem, fs.mqueue.*)", key);
    s->sysctl[i++] = strdup (key);
    s->sysctl[i++] = strdup (json_object_get_string (val));
    if (s->sysctl[i - 1] == NULL || s->sysctl[i - 2] == NULL)
      return jr_error (err, ENOMEM, "config.json");
  }
  return 0;
}

static int
parse_linux (json_object *lx, enum jr_oci_cgmode cg_mode, struct jr_oci_spec *s, jail_error **err)
{
  int r = parse_namespaces (jr_oci_get (lx, "namespaces"), s, err);
  if (r == 0)
    r = parse_maps (jr_oci_get (lx, "uidMappings"), "linux.uidMappings", s->uidmap, &s->n_uidmap, err);
  if (r == 0)
    r = parse_maps (jr_oci_get (lx, "gidMappings"), "linux.gidMappings", s->gidmap, &s->n_gidmap, err);
  if (r == 0)
    r = get_strv (jr_oci_get (lx, "maskedPaths"), "linux.maskedPaths", &s->masked, &s->n_masked, err);
  if (r == 0)
    r = get_strv (jr_oci_get (lx, "readonlyPaths"), "linux.readonlyPaths", &s->ro_paths, &s->n_ro, err);
  if (r == 0)
    r = parse_cgroups (lx, cg_mode, s, err);
  if (r == 0)
    r = parse_sysctl (jr_oci_get (lx, "sysctl"), s, err);
  if (r == 0)
    r = jr_oci_devices_parse (jr_oci_get (lx, "devices"), s, err);
  json_object *prop = jr_oci_get (lx, "rootfsPropagation");
  if (r == 0 && prop && !jr_oci_propagation (json_object_get_string (prop), &s->root_prop))
    r = bad (err, "linux.rootfsPropagation", "use shared, slave, private or unbindable (r-prefixed: recursive)");
  json_object *sc = jr_oci_get (lx, "seccomp");
  if (r == 0 && sc && (s->seccomp_json = strdup (json_object_to_json_string_ext (sc, JSON_C_TO_STRING_PLAIN))) == NULL)
    r = jr_error (err, ENOMEM, "config.json");
  if (r == 0 && jr_oci_get (lx, "mountLabel") && json_object_get_string_len (jr_oci_get (lx, "mountLabel")) > 0)
    r = bad (err, "linux.mountLabel", "SELinux labels are not supported by jailrun-oci: leave it empty");
  return r;
}

/* A JSON object from a file, size-capped, not through a symlink. */
static int
read_json (int dfd, const char *file, const char *what, json_object **out, jail_error **err)
{
  int fd cleanup_close = openat (dfd, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat (fd, &st) < 0)
    return jr_error (err, errno, "%s", what);
  if (!S_ISREG (st.st_mode) || st.st_size > CONFIG_MAX)
    return jr_error_msg (err, EINVAL, "%s: not a regular file of at most 4 MiB", what);
  char *text cleanup_free = malloc ((size_t) st.st_size + 1);
  ssize_t n = text ? read (fd, text, (size_t) st.st_size) : -1;
  if (n < 0)
    return jr_error (err, errno, "%s: read", what);
  text[n] = '\0';
  enum json_tokener_error je;
  *out = json_tokener_parse_verbose (text, &je);
  if (*out == NULL || !json_object_is_type (*out, json_type_object))
    {
      json_object_put (*out);
      return jr_error_msg (err, EINVAL, "%s: not a JSON object (%s)", what, json_tokener_error_desc (je));
    }
  return 0;
}

static int
read_config (const char *bundle, json_object **out, jail_error **err)
{
  int dfd cleanup_close = open (bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return jr_error (err, errno, "bundle %s", bundle);
  char what[4200];
  snprintf (what, sizeof what, "bundle %s: config.json", bundle);
  return read_json (dfd, "config.json", what, out, err);
}

int
jr_oci_process_load (const char *path, struct jr_oci_spec *s, jail_error **err)
{
  json_object *top = NULL;
  char what[4200];
  snprintf (what, sizeof what, "--process %s", path);
  int r = read_json (AT_FDCWD, path, what, &top, err);
  if (r == 0)
    r = parse_process (top, s, err);
  json_object_put (top);
  return r < 0 ? jr_error_wrap (err, "--process %s", path) : 0;
}

/* The six hook kinds of runtime-spec 1.0.2; another key is refused. */
static int
check_hooks (json_object *hooks, struct jr_oci_spec *s, jail_error **err)
{
  static const char *const kinds[] = { "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop", NULL };
  if (!json_object_is_type (hooks, json_type_object))
    return bad (err, "hooks", "not an object");
  json_object_object_foreach (hooks, key, val)
  {
    size_t k = 0;
    while (kinds[k] && strcmp (key, kinds[k]) != 0)
      k++;
    size_t n = json_object_is_type (val, json_type_array) ? json_object_array_length (val) : 0;
    if (kinds[k] == NULL && n > 0)
      return jr_error_msg (err, EINVAL, "config.json: hooks.%s: not a hook kind (prestart, createRuntime, createContainer, startContainer, poststart, poststop)", key);
    if (strcmp (key, "createContainer") == 0 || strcmp (key, "startContainer") == 0)
      s->container_hooks = s->container_hooks || n > 0;
    if (strcmp (key, "createContainer") == 0)
      s->create_hooks = n > 0;
  }
  if ((s->hooks_json = strdup (json_object_to_json_string_ext (hooks, JSON_C_TO_STRING_PLAIN))) == NULL)
    return jr_error (err, ENOMEM, "config.json");
  return 0;
}

/* jailrun's own annotations (run.jailrun.*): the egress proxy.  An
 * unknown run.jailrun.* key is refused (a typo must not drop a policy). */
static int
parse_annotations (json_object *ann, struct jr_oci_spec *s, jail_error **err)
{
  if (ann && !json_object_is_type (ann, json_type_object))
    return bad (err, "annotations", "not an object");
  if (ann == NULL)
    return 0;
  json_object_object_foreach (ann, key, val)
  {
    if (strncmp (key, "run.jailrun.", 12) != 0)
      continue;
    const char *v = json_object_get_string (val), *k = key + 12;
    if (strcmp (k, "net") == 0 && strcmp (v, "proxy") != 0)
      return jr_error_msg (err, EINVAL, "config.json: annotations: %s=%s: the only value is proxy (egress only through jailrun's proxy)", key, v);
    if (strcmp (k, "net") == 0)
      s->net_proxy = true;
    else if (strcmp (k, "allow") == 0 || strcmp (k, "audit-log") == 0)
      {
        char **slot = strcmp (k, "allow") == 0 ? &s->allow : &s->audit_log;
        free (*slot);
        if ((*slot = strdup (v)) == NULL)
          return jr_error (err, ENOMEM, "config.json");
      }
    else
      return jr_error_msg (err, EINVAL, "config.json: annotations: %s: not a jailrun annotation (run.jailrun.net, run.jailrun.allow, run.jailrun.audit-log)", key);
  }
  if ((s->allow || s->audit_log) && !s->net_proxy)
    return bad (err, "annotations", "run.jailrun.allow and run.jailrun.audit-log need run.jailrun.net=proxy");
  return 0;
}

static int
parse_top (json_object *top, enum jr_oci_cgmode cg_mode, struct jr_oci_spec *s, jail_error **err)
{
  json_object *root = jr_oci_get (top, "root");
  const char *rp = root && jr_oci_get (root, "path") ? json_object_get_string (jr_oci_get (root, "path")) : NULL;
  if (rp == NULL || *rp == '\0')
    return bad (err, "root.path", "missing: name the bundle's root filesystem (usually rootfs)");
  if (asprintf (&s->root, rp[0] == '/' ? "%.0s%s" : "%s/%s", s->bundle, rp) < 0)
    return jr_error (err, ENOMEM, "config.json");
  s->root_ro = jr_oci_get (root, "readonly") && json_object_get_boolean (jr_oci_get (root, "readonly"));
  s->hostname = dup_str (jr_oci_get (top, "hostname"));
  json_object *ann = jr_oci_get (top, "annotations");
  s->annotations_json = strdup (ann ? json_object_to_json_string_ext (ann, JSON_C_TO_STRING_PLAIN) : "{}");
  int r = parse_annotations (ann, s, err);
  if (r == 0)
    r = parse_process (jr_oci_get (top, "process"), s, err);
  if (r == 0)
    r = parse_mounts (jr_oci_get (top, "mounts"), s, err);
  if (r == 0)
    r = parse_linux (jr_oci_get (top, "linux"), cg_mode, s, err);
  for (int k = JR_OCI_NS_PID; r == 0 && s->net_proxy && k < JR_OCI_NS_N; k++)
    if (s->ns_join[k])
      r = jr_error_msg (err, EINVAL, "config.json: annotations: run.jailrun.net=proxy needs the container's own pid, cgroup, mount and user namespaces (a network namespace may be joined: a pod's): drop the joined namespace path");
  json_object *hooks = jr_oci_get (top, "hooks");
  if (r == 0 && hooks)
    r = check_hooks (hooks, s, err);
  if (r == 0 && s->create_hooks && s->ns_join[JR_OCI_NS_PID])
    r = bad (err, "hooks.createContainer", "a createContainer hook runs before pivot_root, where the processes of a joined pid namespace could reach the host's root through /proc/PID/root: drop the pid namespace path or the hook (startContainer hooks are fine)");
  if (r == 0 && s->container_hooks && s->ns_join[JR_OCI_NS_MNT])
    r = bad (err, "hooks", "createContainer and startContainer hooks need a mount namespace of the container's own (jailrun builds nothing in a joined one): drop the mount namespace path or the hooks");
  return r;
}

int
jr_oci_spec_load (const char *bundle, enum jr_oci_cgmode cg_mode, struct jr_oci_spec *s, jail_error **err)
{
  memset (s, 0, sizeof *s);
  s->umask = -1;
  char abs[PATH_MAX];
  if (realpath (bundle, abs) == NULL)
    return jr_error (err, errno, "bundle %s", bundle);
  if ((s->bundle = strdup (abs)) == NULL)
    return jr_error (err, ENOMEM, "bundle");
  json_object *top = NULL;
  int r = read_config (abs, &top, err);
  if (r == 0)
    r = parse_top (top, cg_mode, s, err);
  json_object_put (top);
  if (r < 0)
    jr_oci_spec_free (s);
  return r;
}

static void
free_strv (char **v)
{
  for (size_t i = 0; v && v[i]; i++)
    free (v[i]);
  free (v);
}

void
jr_oci_spec_free (struct jr_oci_spec *s)
{
  for (size_t i = 0; i < JR_OCI_NS_N; i++)
    free (s->ns_join[i]);
  for (size_t i = 0; s->mounts && i < s->n_mounts; i++)
    {
      free (s->mounts[i].dst);
      free (s->mounts[i].type);
      free (s->mounts[i].src);
      free_strv (s->mounts[i].data);
    }
  free (s->mounts);
  for (size_t i = 0; s->devices && i < s->n_devices; i++)
    free (s->devices[i].path);
  free (s->devices);
  free_strv (s->args);
  free_strv (s->env);
  free_strv (s->masked);
  free_strv (s->ro_paths);
  free_strv (s->sysctl);
  free (s->bundle);
  free (s->root);
  free (s->cwd);
  free (s->groups);
  free (s->rlimits);
  free (s->hostname);
  free (s->seccomp_json);
  free (s->annotations_json);
  free (s->hooks_json);
  free (s->allow);
  free (s->audit_log);
  free (s->cgroups_path);
  free (s->resources_json);
  memset (s, 0, sizeof *s);
}
