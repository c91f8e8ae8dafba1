/* stack_cfg.c - one service of a stack file (stack.c) turned into a
 * jail_config through libjail's setters: docker-compose's keys where they
 * mean the same here, `x-jailrun` for the egress allowlist, an error at
 * FILE:LINE for a key that means something else (image:), a warning for
 * an unknown one.  Messages are printed here; nothing is started. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wordexp.h>

#include "stack.h"

yaml_node_t *
st_get (struct stack *st, yaml_node_t *map, const char *key)
{
  if (map == NULL || map->type != YAML_MAPPING_NODE)
    return NULL;
  for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++)
    {
      yaml_node_t *k = yaml_document_get_node (&st->doc, p->key);
      if (k && k->type == YAML_SCALAR_NODE && strcmp ((char *) k->data.scalar.value, key) == 0)
        return yaml_document_get_node (&st->doc, p->value);
    }
  return NULL;
}

const char *
st_str (yaml_node_t *n)
{
  return n && n->type == YAML_SCALAR_NODE ? (const char *) n->data.scalar.value : NULL;
}

int
st_fail (struct stack *st, yaml_node_t *n, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  fprintf (stderr, "jailrun: %s:%lu: ", st->file, n ? (unsigned long) n->start_mark.line + 1 : 0UL);
  vfprintf (stderr, fmt, ap);
  va_end (ap);
  fputc ('\n', stderr);
  return -EINVAL;
}

/* Report a libjail error at the node's line. */
static int
lib_fail (struct stack *st, yaml_node_t *n, const char *key, jail_error *err)
{
  st_fail (st, n, "%s: %s", key, err ? jail_error_message (err) : "invalid");
  jail_error_free (err);
  return -EINVAL;
}

/* A path of the file relative to its directory, made absolute (malloc'd). */
static char *
rel_path (struct stack *st, const char *p)
{
  char *out = NULL;
  if (p[0] == '/' || asprintf (&out, "%s/%s", st->dir, p) < 0)
    out = strdup (p);
  return out;
}

typedef int (*setter_fn) (jail_config *, const char *, jail_error **);

/* Apply fn to a scalar, or to each scalar of a sequence. */
static int
each (struct stack *st, jail_config *cfg, yaml_node_t *v, const char *key, setter_fn fn)
{
  jail_error *err = NULL;
  if (v->type == YAML_SCALAR_NODE)
    return fn (cfg, st_str (v), &err) < 0 ? lib_fail (st, v, key, err) : 0;
  if (v->type != YAML_SEQUENCE_NODE)
    return st_fail (st, v, "%s: a string or a list of strings%s", key, "");
  for (yaml_node_item_t *i = v->data.sequence.items.start; i < v->data.sequence.items.top; i++)
    {
      yaml_node_t *e = yaml_document_get_node (&st->doc, *i);
      if (st_str (e) == NULL)
        return st_fail (st, e, "%s: a list of strings%s", key, "");
      if (fn (cfg, st_str (e), &err) < 0)
        return lib_fail (st, e, key, err);
    }
  return 0;
}

/* volumes: SRC:DST[:ro] with SRC relative to the file's directory. */
static int
add_volume (struct stack *st, jail_config *cfg, yaml_node_t *e)
{
  const char *s = st_str (e);
  if (s == NULL)
    return st_fail (st, e, "volumes: use the short form SRC:DST[:ro]");
  char *v = (s[0] == '.' || (s[0] != '/' && strchr (s, ':'))) ? rel_path (st, s) : strdup (s);
  jail_error *err = NULL;
  int r = v && jail_config_add_volume (cfg, v, &err) == 0 ? 0 : lib_fail (st, e, "volumes", err);
  free (v);
  return r;
}

/* environment: a map (KEY: VALUE) or a list (KEY=VALUE). */
static int
set_environment (struct stack *st, jail_config *cfg, yaml_node_t *v)
{
  if (v->type != YAML_MAPPING_NODE)
    return each (st, cfg, v, "environment", jail_config_set_env);
  for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++)
    {
      const char *k = st_str (yaml_document_get_node (&st->doc, p->key));
      const char *val = st_str (yaml_document_get_node (&st->doc, p->value));
      char *kv = NULL;
      jail_error *err = NULL;
      if (k == NULL || asprintf (&kv, val ? "%s=%s" : "%s", k, val) < 0)
        return st_fail (st, v, "environment: KEY: VALUE pairs");
      int r = jail_config_set_env (cfg, kv, &err);
      free (kv);
      if (r < 0)
        return lib_fail (st, v, "environment", err);
    }
  return 0;
}

/* healthcheck: test (["CMD-SHELL", "..."], ["CMD", ...] or a string),
 * interval, timeout, retries, start_period; disable: true. */
static int
set_health (struct stack *st, jail_config *cfg, yaml_node_t *v)
{
  if (st_str (st_get (st, v, "disable")) && strcmp (st_str (st_get (st, v, "disable")), "true") == 0)
    return 0;
  yaml_node_t *t = st_get (st, v, "test");
  char cmd[4096] = "";
  bool quote = false;
  if (st_str (t))
    snprintf (cmd, sizeof cmd, "%s", st_str (t));
  for (yaml_node_item_t *i = t && t->type == YAML_SEQUENCE_NODE ? t->data.sequence.items.start : NULL;
       i && i < t->data.sequence.items.top; i++)
    {
      const char *a = st_str (yaml_document_get_node (&st->doc, *i));
      if (a == NULL || (i == t->data.sequence.items.start && (strcmp (a, "CMD") == 0 || strcmp (a, "CMD-SHELL") == 0)))
        {
          quote = a && strcmp (a, "CMD") == 0; /* exec form: each word quoted for sh -c */
          continue;
        }
      size_t l = strlen (cmd);
      snprintf (cmd + l, sizeof cmd - l, "%s%s", l ? " " : "", quote ? "'" : "");
      for (const char *c = a; *c && (l = strlen (cmd)) + 6 < sizeof cmd; c++)
        snprintf (cmd + l, sizeof cmd - l, "%s", *c == '\'' && quote ? "'\\''" : (char[2]) { *c, 0 });
      l = strlen (cmd);
      snprintf (cmd + l, sizeof cmd - l, "%s", quote ? "'" : "");
    }
  jail_error *err = NULL;
  if (cmd[0] == '\0')
    return st_fail (st, v, "healthcheck: needs test: [\"CMD-SHELL\", \"COMMAND\"]");
  if (jail_config_set_health (cfg, "cmd", cmd, &err) < 0)
    return lib_fail (st, v, "healthcheck", err);
  static const char *const keys[][2] = { { "interval", "interval" }, { "timeout", "timeout" }, { "retries", "retries" }, { "start_period", "start-period" } };
  for (size_t k = 0; k < 4; k++)
    {
      yaml_node_t *n = st_get (st, v, keys[k][0]);
      if (n && jail_config_set_health (cfg, keys[k][1], st_str (n) ? st_str (n) : "", &err) < 0)
        return lib_fail (st, n, keys[k][0], err);
    }
  return 0;
}

/* deploy.resources.limits (and mem_limit, cpus, pids_limit). */
static int
set_limit (struct stack *st, jail_config *cfg, const char *key, yaml_node_t *v)
{
  jail_error *err = NULL;
  const char *s = st_str (v);
  int r = s == NULL                                                      ? -EINVAL
          : strcmp (key, "cpus") == 0                                    ? jail_config_set_cpus (cfg, strtod (s, NULL), &err)
          : strcmp (key, "pids_limit") == 0 || strcmp (key, "pids") == 0 ? jail_config_set_pids_limit (cfg, atoll (s), &err)
                                                                         : jail_config_set_memory (cfg, s, &err);
  return r < 0 ? lib_fail (st, v, key, err) : 0;
}

static int
set_deploy (struct stack *st, jail_config *cfg, yaml_node_t *v)
{
  yaml_node_t *lim = st_get (st, st_get (st, v, "resources"), "limits");
  static const char *const keys[] = { "memory", "cpus", "pids" };
  for (size_t k = 0; k < 3; k++)
    if (st_get (st, lim, keys[k]) && set_limit (st, cfg, keys[k], st_get (st, lim, keys[k])) < 0)
      return -EINVAL;
  return 0;
}

/* security_opt: seccomp=PROFILE|unconfined; no-new-privileges (always on). */
static int
set_secopt (jail_config *cfg, const char *o, jail_error **err)
{
  if (strncmp (o, "no-new-privileges", 17) == 0)
    return 0;
  if (strncmp (o, "seccomp=", 8) == 0 || strncmp (o, "seccomp:", 8) == 0)
    return jail_config_set_seccomp (cfg, o + 8, err);
  jail_error_free (*err);
  *err = NULL;
  fprintf (stderr, "jailrun: security_opt '%s': only seccomp=PROFILE and no-new-privileges mean something here\n", o);
  return -EINVAL;
}

/* cap_drop: every capability is dropped already. */
static int
drop_cap (jail_config *cfg, const char *o, jail_error **err)
{
  return 0;
}

/* x-jailrun: allow, allow_file, audit_log (egress through the proxy). */
static int
set_xjailrun (struct stack *st, jail_config *cfg, yaml_node_t *v)
{
  jail_error *err = NULL;
  if (jail_config_set_network (cfg, JAIL_NET_PROXY, &err) < 0)
    return lib_fail (st, v, "x-jailrun", err);
  yaml_node_t *n;
  if ((n = st_get (st, v, "allow")) && each (st, cfg, n, "allow", jail_config_add_allow) < 0)
    return -EINVAL;
  char *p;
  if ((n = st_get (st, v, "allow_file")) && st_str (n))
    {
      p = rel_path (st, st_str (n));
      int r = p ? jail_config_load_allow_file (cfg, p, &err) : -ENOMEM;
      free (p);
      if (r < 0)
        return lib_fail (st, n, "allow_file", err);
    }
  if ((n = st_get (st, v, "audit_log")) && st_str (n))
    {
      p = rel_path (st, st_str (n));
      int r = p ? jail_config_set_audit_log (cfg, p, &err) : -ENOMEM;
      free (p);
      if (r < 0)
        return lib_fail (st, n, "audit_log", err);
    }
  return 0;
}

/* One entry of networks: (its name, and in the map form its options
 * with aliases) for service sv. */
static int
add_network (struct stack *st, struct svc *sv, jail_config *cfg, yaml_node_t *name, yaml_node_t *opts)
{
  const char *net = st_str (name);
  if (net == NULL || !*net || strlen (net) >= sizeof sv->network[0])
    return st_fail (st, name, "networks: a network name (service %s)", sv->name);
  if (sv->n_net == ST_MAX_NETS)
    return st_fail (st, name, "networks: at most %d networks per service (service %s)", ST_MAX_NETS, sv->name);
  snprintf (sv->network[sv->n_net++], sizeof sv->network[0], "%s", net);
  yaml_node_t *al = st_get (st, opts, "aliases");
  return al ? each (st, cfg, al, "aliases", jail_config_add_network_alias) : 0;
}

/* networks: names (list, or map whose values may have aliases), each
 * made PROJECT-NAME; the service's name is an alias on each. */
static int
set_networks (struct stack *st, struct svc *sv, jail_config *cfg, yaml_node_t *v)
{
  int r = 0;
  if (v->type == YAML_SEQUENCE_NODE)
    for (yaml_node_item_t *i = v->data.sequence.items.start; r == 0 && i < v->data.sequence.items.top; i++)
      r = add_network (st, sv, cfg, yaml_document_get_node (&st->doc, *i), NULL);
  else if (v->type == YAML_MAPPING_NODE)
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; r == 0 && p < v->data.mapping.pairs.top; p++)
      r = add_network (st, sv, cfg, yaml_document_get_node (&st->doc, p->key), yaml_document_get_node (&st->doc, p->value));
  else
    return st_fail (st, v, "networks: a list or a map of network names (service %s)", sv->name);
  if (r == 0 && sv->n_net == 0)
    return st_fail (st, v, "networks: empty (service %s): name a network, or use network_mode: none", sv->name);
  return r;
}

/* command and entrypoint: a list, or a string split like a shell would
 * (no command substitution). */
static int
add_words (struct stack *st, yaml_node_t *v, const char *key, struct svc *sv)
{
  if (v->type == YAML_SEQUENCE_NODE)
    {
      for (yaml_node_item_t *i = v->data.sequence.items.start; i < v->data.sequence.items.top; i++)
        {
          const char *a = st_str (yaml_document_get_node (&st->doc, *i));
          if (a == NULL || sv->argc >= ST_MAX_ARGS)
            return st_fail (st, v, "%s: a list of at most 254 strings%s", key, "");
          sv->argv[sv->argc++] = strdup (a);
        }
      return 0;
    }
  wordexp_t w;
  if (st_str (v) == NULL || wordexp (st_str (v), &w, WRDE_NOCMD) != 0)
    return st_fail (st, v, "%s: a list, or a string of words (no $(...))%s", key, "");
  for (size_t i = 0; i < w.we_wordc && sv->argc < ST_MAX_ARGS; i++)
    sv->argv[sv->argc++] = strdup (w.we_wordv[i]);
  wordfree (&w);
  return 0;
}

/* The keys that take a scalar or a list of scalars. */
static const struct
{
  const char *key;
  setter_fn fn;
} simple[] = {
  { "tmpfs", jail_config_add_tmpfs },
  { "ports", jail_config_add_publish },
  { "user", jail_config_set_user },
  { "working_dir", jail_config_set_workdir },
  { "cap_add", jail_config_add_cap },
  { "cap_drop", drop_cap },
  { "security_opt", set_secopt },
  { "hostname", jail_config_set_hostname },
  { "restart", jail_config_set_restart },
};

/* One key of a service. */
static int
apply_key (struct stack *st, struct svc *sv, jail_config *cfg, const char *k, yaml_node_t *v, yaml_node_t *kn)
{
  jail_error *err = NULL;
  for (size_t i = 0; i < sizeof simple / sizeof *simple; i++)
    if (strcmp (k, simple[i].key) == 0)
      return each (st, cfg, v, k, simple[i].fn);
  if (strcmp (k, "image") == 0)
    return st_fail (st, kn, "service %s: image: jailrun runs a rootfs directory, not an image; export the image "
                            "(podman export $(podman create IMAGE) | tar -x -C DIR) and write rootfs: DIR",
                    sv->name);
  if (strcmp (k, "rootfs") == 0 || strcmp (k, "depends_on") == 0)
    return 0; /* stack.c */
  if (strcmp (k, "command") == 0 || strcmp (k, "entrypoint") == 0)
    return 0; /* below, entrypoint first */
  if (strcmp (k, "volumes") == 0 && v->type == YAML_SEQUENCE_NODE)
    {
      for (yaml_node_item_t *i = v->data.sequence.items.start; i < v->data.sequence.items.top; i++)
        if (add_volume (st, cfg, yaml_document_get_node (&st->doc, *i)) < 0)
          return -EINVAL;
      return 0;
    }
  if (strcmp (k, "environment") == 0)
    return set_environment (st, cfg, v);
  if (strcmp (k, "env_file") == 0)
    {
      yaml_node_t one = *v;
      if (st_str (v) && (one.data.scalar.value = (yaml_char_t *) rel_path (st, st_str (v))) != NULL)
        {
          int r = each (st, cfg, &one, k, jail_config_load_env_file);
          free (one.data.scalar.value);
          return r;
        }
      return each (st, cfg, v, k, jail_config_load_env_file);
    }
  if (strcmp (k, "read_only") == 0)
    return st_str (v) && strcmp (st_str (v), "false") == 0 && jail_config_set_read_write (cfg, 1, &err) < 0
               ? lib_fail (st, v, k, err)
               : 0;
  if (strcmp (k, "mem_limit") == 0 || strcmp (k, "cpus") == 0 || strcmp (k, "pids_limit") == 0)
    return set_limit (st, cfg, k, v);
  if (strcmp (k, "deploy") == 0)
    return set_deploy (st, cfg, v);
  if (strcmp (k, "healthcheck") == 0)
    return set_health (st, cfg, v);
  if (strcmp (k, "x-jailrun") == 0)
    return set_xjailrun (st, cfg, v);
  if (strcmp (k, "networks") == 0)
    return set_networks (st, sv, cfg, v);
  if (strcmp (k, "network_mode") == 0)
    {
      if (st_str (v) && strcmp (st_str (v), "none") == 0)
        return jail_config_set_network (cfg, JAIL_NET_NONE, &err) < 0 ? lib_fail (st, v, k, err) : 0;
      return st_fail (st, v, "network_mode '%s': only none means something here (a service is on the stack's "
                             "network unless networks: says otherwise)",
                      st_str (v) ? st_str (v) : "");
    }
  fprintf (stderr, "jailrun: warning: %s:%lu: service %s: unknown key '%s' ignored\n", st->file,
           (unsigned long) kn->start_mark.line + 1, sv->name, k);
  return 0;
}

int
st_service_config (struct stack *st, struct svc *sv, jail_config *cfg)
{
  yaml_node_t *m = sv->node;
  if (m == NULL || m->type != YAML_MAPPING_NODE)
    return st_fail (st, m, "service %s: a mapping of keys", sv->name);
  for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++)
    {
      yaml_node_t *kn = yaml_document_get_node (&st->doc, p->key);
      if (st_str (kn) == NULL || apply_key (st, sv, cfg, st_str (kn), yaml_document_get_node (&st->doc, p->value), kn) < 0)
        return -EINVAL;
    }
  yaml_node_t *ep = st_get (st, m, "entrypoint"), *cmd = st_get (st, m, "command"), *root = st_get (st, m, "rootfs");
  if ((ep && add_words (st, ep, "entrypoint", sv) < 0) || (cmd && add_words (st, cmd, "command", sv) < 0))
    return -EINVAL;
  if (sv->argc == 0)
    return st_fail (st, m, "service %s: no command: write command: (there is no image to take one from)", sv->name);
  if (st_str (root) == NULL)
    return st_fail (st, m, "service %s: no rootfs: write rootfs: DIR (a root filesystem directory, or / for the host's)%s",
                    sv->name, "");
  char *r = rel_path (st, st_str (root));
  jail_error *err = NULL;
  int ret = r && jail_config_set_rootfs (cfg, r, &err) == 0 ? 0 : lib_fail (st, root, "rootfs", err);
  free (r);
  return ret;
}
