/* stack.c - `jailrun up [-f FILE] [-p PROJECT] [-d]` and `jailrun down
 * [-f FILE] [-p PROJECT]`: a compose-like YAML file (libyaml: a YAML
 * parser is not code to write by hand) read with the safe host-file
 * reader, its services started as detached jails PROJECT-SERVICE on
 * networks PROJECT-NET in depends_on order (waiting for healthy where
 * asked), everything removed again when one fails.  PROJECT is the
 * file's directory name unless -p. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "stack.h"

/* The YAML text into st->doc; a syntax error names file:line. */
static int
parse (struct stack *st, const char *text, size_t len)
{
  yaml_parser_t p;
  if (!yaml_parser_initialize (&p))
    return -ENOMEM;
  yaml_parser_set_input_string (&p, (const unsigned char *) text, len);
  int ok = yaml_parser_load (&p, &st->doc);
  if (!ok)
    fprintf (stderr, "jailrun: %s:%lu: %s %s\n", st->file, (unsigned long) p.problem_mark.line + 1,
             p.problem ? p.problem : "YAML error", p.context ? p.context : "");
  yaml_parser_delete (&p);
  st->loaded = ok;
  if (ok && yaml_document_get_root_node (&st->doc) == NULL)
    {
      fprintf (stderr, "jailrun: %s: empty file: write services:\n", st->file);
      return -EINVAL;
    }
  return ok ? 0 : -EINVAL;
}

/* The project name: -p, or the file's directory name made a valid jail
 * name (lowercase letters, digits, '-', '_', '.'). */
static void
set_project (struct stack *st, const char *project)
{
  char tmp[PATH_MAX];
  snprintf (tmp, sizeof tmp, "%s", st->dir);
  snprintf (st->project, sizeof st->project, "%s", project ? project : basename (tmp));
  for (char *c = st->project; *c; c++)
    *c = isalnum ((unsigned char) *c) || *c == '-' || *c == '_' || *c == '.' ? (char) tolower ((unsigned char) *c) : '-';
}

/* depends_on: a list of services, or a map with condition:. */
static int
read_deps (struct stack *st, struct svc *sv)
{
  yaml_node_t *d = st_get (st, sv->node, "depends_on");
  size_t n = !d ? 0 : d->type == YAML_SEQUENCE_NODE ? (size_t) (d->data.sequence.items.top - d->data.sequence.items.start)
                  : d->type == YAML_MAPPING_NODE    ? (size_t) (d->data.mapping.pairs.top - d->data.mapping.pairs.start)
                                                    : 1;
  for (size_t i = 0; i < n; i++)
    {
      bool seq = d->type == YAML_SEQUENCE_NODE, map = d->type == YAML_MAPPING_NODE;
      yaml_node_t *k = seq   ? yaml_document_get_node (&st->doc, d->data.sequence.items.start[i])
                       : map ? yaml_document_get_node (&st->doc, d->data.mapping.pairs.start[i].key)
                             : d;
      const char *cond = map ? st_str (st_get (st, yaml_document_get_node (&st->doc, d->data.mapping.pairs.start[i].value),
                                               "condition"))
                             : NULL;
      int j = 0;
      while (j < st->n && !(st_str (k) && strcmp (st->svc[j].name, st_str (k)) == 0))
        j++;
      if (j == st->n || sv->ndeps >= ST_MAX_DEPS)
        return st_fail (st, k, "depends_on: no service '%s' in this file (service %s)", st_str (k) ? st_str (k) : "", sv->name);
      if (cond && strcmp (cond, "service_started") != 0 && strcmp (cond, "service_healthy") != 0)
        return st_fail (st, k, "depends_on condition '%s': use service_started or service_healthy", cond);
      if (cond && strcmp (cond, "service_healthy") == 0 && !st_get (st, st->svc[j].node, "healthcheck"))
        return st_fail (st, k, "depends_on %s: service_healthy needs a healthcheck: in service %s", st->svc[j].name, st->svc[j].name);
      sv->dep_healthy[sv->ndeps] = cond && strcmp (cond, "service_healthy") == 0;
      sv->deps[sv->ndeps++] = j;
    }
  return 0;
}

/* The top-level keys; unknown ones are warnings. */
static int
check_top (struct stack *st, yaml_node_t *root)
{
  if (root->type != YAML_MAPPING_NODE || st_get (st, root, "services") == NULL
      || st_get (st, root, "services")->type != YAML_MAPPING_NODE)
    return st_fail (st, root, "the file needs services: (a mapping of service names)");
  for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++)
    {
      yaml_node_t *k = yaml_document_get_node (&st->doc, p->key);
      const char *s = st_str (k) ? st_str (k) : "";
      if (strcmp (s, "services") && strcmp (s, "networks") && strcmp (s, "version") && strcmp (s, "name")
          && strncmp (s, "x-", 2))
        fprintf (stderr, "jailrun: warning: %s:%lu: unknown key '%s' ignored\n", st->file,
                 (unsigned long) k->start_mark.line + 1, s);
    }
  return 0;
}

/* Find, read and parse the file; list the services and their deps. */
static int
load (struct stack *st, const char *file, const char *project)
{
  st->file = file ? file : access ("jailrun.yaml", F_OK) == 0 ? "jailrun.yaml"
                                                              : "compose.yaml";
  char *text = NULL, *real = NULL;
  size_t len = 0;
  jail_error *err = NULL;
  if (jail_read_file ("stack file", st->file, &text, &len, &err) < 0)
    {
      cmd_report (err);
      if (file == NULL)
        fputs ("jailrun: up/down read jailrun.yaml, else compose.yaml, in the current directory, or -f FILE\n", stderr);
      return -EINVAL;
    }
  if ((real = realpath (st->file, NULL)) != NULL)
    snprintf (st->dir, sizeof st->dir, "%s", dirname (real));
  free (real);
  set_project (st, project);
  int r = parse (st, text, len);
  free (text);
  yaml_node_t *root = r == 0 ? yaml_document_get_root_node (&st->doc) : NULL;
  if (r == 0)
    r = check_top (st, root);
  yaml_node_t *svcs = r == 0 ? st_get (st, root, "services") : NULL;
  for (yaml_node_pair_t *p = svcs ? svcs->data.mapping.pairs.start : NULL; p && p < svcs->data.mapping.pairs.top; p++)
    {
      struct svc *sv = &st->svc[st->n];
      if (st->n == ST_MAX_SVC)
        return st_fail (st, svcs, "at most 64 services");
      sv->name = st_str (yaml_document_get_node (&st->doc, p->key));
      sv->node = yaml_document_get_node (&st->doc, p->value);
      snprintf (sv->jail, sizeof sv->jail, "%s-%s", st->project, sv->name ? sv->name : "");
      st->n++;
    }
  for (int i = 0; r == 0 && i < st->n; i++)
    r = read_deps (st, &st->svc[i]);
  return r;
}

static void
unload (struct stack *st)
{
  for (int i = 0; i < st->n; i++)
    for (int a = 0; a < st->svc[i].argc; a++)
      free (st->svc[i].argv[a]);
  if (st->loaded)
    yaml_document_delete (&st->doc);
}

/* The k-th network of a service: PROJECT-NET into out; "" past the last
 * one and for network_mode. */
static int
service_net (struct stack *st, struct svc *sv, int k, char *out, size_t size)
{
  out[0] = '\0';
  if (st_get (st, sv->node, "network_mode") || k >= (sv->n_net ? sv->n_net : 1))
    return 0;
  const char *net = sv->n_net ? sv->network[k] : "default";
  yaml_node_t *decl = st_get (st, yaml_document_get_root_node (&st->doc), "networks");
  if (sv->n_net && !st_get (st, decl, net))
    return st_fail (st, st_get (st, sv->node, "networks"), "service %s: network '%s' is not under the top-level networks:",
                    sv->name, net);
  snprintf (out, size, "%s-%s", st->project, net);
  return 0;
}

/* Create the network full (once per up); one that exists is used. */
static int
make_net (struct stack *st, const char *full)
{
  for (int i = 0; i < st->n_nets; i++)
    if (strcmp (st->nets[i], full) == 0)
      return 0;
  jail_error *err = NULL;
  int r = jail_network_create (full, NULL, &err);
  if (r == -EEXIST)
    {
      jail_error_free (err);
      return 0;
    }
  if (r < 0)
    {
      cmd_report (err);
      return r;
    }
  snprintf (st->nets[st->n_nets++], sizeof st->nets[0], "%s", full);
  return 0;
}

/* Wait (at most 120 s) until the jail name is healthy. */
static int
await_healthy (const char *name, const char *for_svc)
{
  for (int i = 0; i < 1200; i++)
    {
      char *h = NULL, *s = NULL;
      jail_info (name, "health", &h, NULL);
      jail_info (name, "state", &s, NULL);
      bool healthy = h && strcmp (h, "healthy") == 0, bad = (h && strcmp (h, "unhealthy") == 0)
                                                            || !s || strcmp (s, "exited") == 0 || strcmp (s, "dead") == 0;
      free (h);
      free (s);
      if (healthy)
        return 0;
      if (bad)
        break;
      nanosleep (&(struct timespec) { 0, 100000000 }, NULL);
    }
  fprintf (stderr, "jailrun: up: %s did not become healthy (in 120 s), which %s depends on: see 'jailrun logs %s'\n",
           name, for_svc, name);
  return -ETIMEDOUT;
}

/* Start service i once its dependencies run (healthy where asked). */
static int
start_one (struct stack *st, int i, jail_config *cfg)
{
  struct svc *sv = &st->svc[i];
  for (int d = 0; d < sv->ndeps; d++)
    if (sv->dep_healthy[d] && await_healthy (st->svc[sv->deps[d]].jail, sv->name) < 0)
      return -ETIMEDOUT;
  jail *j = NULL;
  jail_error *err = NULL;
  int r = jail_start (cfg, sv->jail, sv->argv, JAIL_START_DETACH, &j, &err);
  jail_close (j);
  if (r < 0)
    {
      fprintf (stderr, "jailrun: up: service %s: %s\n", sv->name, jail_error_message (err));
      jail_error_free (err);
      return r;
    }
  sv->started = true;
  printf ("%s\n", sv->jail);
  fflush (stdout);
  return 0;
}

/* Start every service in depends_on order. */
static int
start_all (struct stack *st, jail_config **cfgs)
{
  for (int done = 0; done < st->n;)
    {
      int progress = 0;
      for (int i = 0; i < st->n; i++)
        {
          bool ready = !st->svc[i].started;
          for (int d = 0; ready && d < st->svc[i].ndeps; d++)
            ready = st->svc[st->svc[i].deps[d]].started;
          if (!ready)
            continue;
          if (start_one (st, i, cfgs[i]) < 0)
            return -1;
          progress++, done++;
        }
      if (progress == 0)
        return st_fail (st, st->svc[0].node, "depends_on: the services depend on each other in a cycle");
    }
  return 0;
}

/* Put service sv on its networks (cfg), its name an alias there. */
static int
service_networks (struct stack *st, struct svc *sv, jail_config *cfg)
{
  jail_error *err = NULL;
  char net[130];
  int r = 0;
  for (int k = 0; r == 0 && k < ST_MAX_NETS; k++)
    {
      if ((r = service_net (st, sv, k, net, sizeof net)) < 0 || !net[0])
        break;
      r = jail_config_set_network_name (cfg, net, &err);
    }
  if (r == 0 && service_net (st, sv, 0, net, sizeof net) == 0 && net[0])
    r = jail_config_add_network_alias (cfg, sv->name, &err);
  if (r < 0 && err)
    {
      fprintf (stderr, "jailrun: %s: service %s: %s\n", st->file, sv->name, jail_error_message (err));
      jail_error_free (err);
    }
  return r;
}

/* The configuration of every service and its network, before anything
 * starts (a mistake in the file leaves nothing behind). */
static int
configure (struct stack *st, jail_config **cfgs)
{
  for (int i = 0; i < st->n; i++)
    {
      jail_error *err = NULL;
      if (jail_config_new (&cfgs[i], &err) < 0 || st_service_config (st, &st->svc[i], cfgs[i]) < 0)
        {
          cmd_report (err);
          return -EINVAL;
        }
      if (service_networks (st, &st->svc[i], cfgs[i]) < 0)
        return -EINVAL;
      cmd_print_warnings (jail_config_warnings (cfgs[i]));
    }
  for (int i = 0; i < st->n; i++)
    for (int k = 0; k < ST_MAX_NETS; k++)
      {
        char net[130];
        service_net (st, &st->svc[i], k, net, sizeof net);
        if (net[0] && make_net (st, net) < 0)
          return -1;
      }
  return 0;
}

/* Remove what this up started (a failed up). */
static void
roll_back (struct stack *st)
{
  for (int i = st->n - 1; i >= 0; i--)
    if (st->svc[i].started)
      jail_remove (st->svc[i].jail, 1, NULL);
  for (int i = 0; i < st->n_nets; i++)
    jail_network_remove (st->nets[i], NULL);
}

/* -f FILE, -p PROJECT, -d (up: the jails always run detached). */
static int
options (int argc, char **argv, const char **file, const char **project, const char *usage)
{
  int c;
  while ((c = getopt (argc, argv, "+f:p:d")) != -1)
    {
      if (c == 'f')
        *file = optarg;
      else if (c == 'p')
        *project = optarg;
      else if (c != 'd')
        break;
    }
  if (c != -1 || optind != argc)
    {
      fprintf (stderr, "jailrun: usage: %s\n", usage);
      return -1;
    }
  return 0;
}

int
cmd_up (int argc, char **argv)
{
  const char *file = NULL, *project = NULL;
  if (options (argc, argv, &file, &project, "jailrun up [-f FILE] [-p PROJECT] [-d]") < 0)
    return EXIT_JAILRUN;
  struct stack *st = calloc (1, sizeof *st);
  jail_config *cfgs[ST_MAX_SVC] = { 0 };
  int r = st ? load (st, file, project) : -ENOMEM;
  if (r == 0)
    r = configure (st, cfgs);
  if (r == 0)
    r = start_all (st, cfgs);
  if (r < 0 && st)
    roll_back (st);
  for (int i = 0; st && i < st->n; i++)
    jail_config_free (cfgs[i]);
  if (st)
    unload (st);
  free (st);
  return r < 0 ? EXIT_JAILRUN : 0;
}

/* Remove PROJECT-NAME for every network the file declares, and
 * PROJECT-default; one that is not there is no error. */
static int
remove_nets (struct stack *st)
{
  yaml_node_t *decl = st_get (st, yaml_document_get_root_node (&st->doc), "networks");
  bool mapping = decl && decl->type == YAML_MAPPING_NODE;
  int n = mapping ? (int) (decl->data.mapping.pairs.top - decl->data.mapping.pairs.start) : 0, status = 0;
  for (int i = -1; i < n; i++)
    {
      const char *key = i < 0 ? "default" : st_str (yaml_document_get_node (&st->doc, decl->data.mapping.pairs.start[i].key));
      char net[130];
      jail_error *err = NULL;
      if (key == NULL || snprintf (net, sizeof net, "%s-%s", st->project, key) >= (int) sizeof net)
        continue;
      int e = jail_network_remove (net, &err);
      if (e < 0 && e != -ENOENT)
        cmd_report (err), status = -1;
      else
        jail_error_free (err);
    }
  return status;
}

int
cmd_down (int argc, char **argv)
{
  const char *file = NULL, *project = NULL;
  if (options (argc, argv, &file, &project, "jailrun down [-f FILE] [-p PROJECT]") < 0)
    return EXIT_JAILRUN;
  struct stack *st = calloc (1, sizeof *st);
  if (st == NULL)
    return EXIT_JAILRUN;
  int r = load (st, file, project), status = r < 0 ? EXIT_JAILRUN : 0;
  for (int i = st->n - 1; r == 0 && i >= 0; i--)
    {
      jail_error *err = NULL;
      int e = jail_remove (st->svc[i].jail, 1, &err);
      if (e == 0)
        printf ("%s\n", st->svc[i].jail);
      else if (e != -ENOENT)
        cmd_report (err), status = EXIT_JAILRUN;
      else
        jail_error_free (err);
    }
  if (r == 0 && remove_nets (st) < 0)
    status = EXIT_JAILRUN;
  unload (st);
  free (st);
  return status;
}
