/* jails.c - `jailrun ps [-q] [--format json] | inspect [-f TEMPLATE] NAME |
 * stop [-t S] NAME | rm [-f] NAME | logs [-f] NAME | wait [--healthy] NAME |
 * restart [-t S] NAME`: the long-running jails of the calling user. */
#include <getopt.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jailrun.h"

/* A state value of name, or "-" (the caller frees the result). */
static char *
info (const char *name, const char *key)
{
  char *v = NULL;
  if (jail_info (name, key, &v, NULL) < 0)
    v = strdup ("-");
  return v;
}

/* Uptime in a short human form. */
static void
fmt_uptime (const char *secs, char *buf, size_t size)
{
  long long s = atoll (secs);
  if (s < 120)
    snprintf (buf, size, "%llds", s);
  else if (s < 7200)
    snprintf (buf, size, "%lldm", s / 60);
  else
    snprintf (buf, size, "%lldh", s / 3600);
}

/* The ps columns: state keys and headers. */
static const char *const ps_keys[] = { "supervisor_pid", "state", "uptime", "network", "ports", "limits", "rootfs" };
static const char *const ps_json[] = { "Pid", "State", "Uptime", "Network", "Ports", "Limits", "Rootfs" };
enum
{
  PS_COLS = 7
};

/* One jail as a table line, or as a JSON object added to arr. */
static void
ps_one (const char *name, json_object *arr)
{
  char *v[PS_COLS];
  for (int k = 0; k < PS_COLS; k++)
    v[k] = info (name, ps_keys[k]);
  char up[32];
  fmt_uptime (v[2], up, sizeof up);
  if (strcmp (v[1], "running") != 0)
    snprintf (up, sizeof up, "-");
  char *h = NULL;
  if (jail_info (name, "health", &h, NULL) == 0 && strcmp (v[1], "running") == 0)
    {
      char *sh = NULL;
      if (asprintf (&sh, "%s(%s)", v[1], h) > 0)
        free (v[1]), v[1] = sh;
    }
  free (h);
  char *rc = NULL;
  if (jail_info (name, "restart_count", &rc, NULL) == 0 && strcmp (rc, "0") != 0)
    {
      char *sr = NULL;
      if (asprintf (&sr, "%s,restarts=%s", v[1], rc) > 0)
        free (v[1]), v[1] = sr;
    }
  free (rc);
  if (arr == NULL)
    printf ("%-20s %-8s %-8s %-8s %-8s %-24s %-10s %s\n", name, v[0], v[1], up, v[3], v[4], v[5], v[6]);
  else
    {
      json_object *o = json_object_new_object ();
      json_object_object_add (o, "Name", json_object_new_string (name));
      for (int k = 0; k < PS_COLS; k++)
        json_object_object_add (o, ps_json[k], k == 0 ? json_object_new_int64 (atoll (v[0])) : json_object_new_string (k == 2 ? up : v[k]));
      json_object_array_add (arr, o);
    }
  for (int k = 0; k < PS_COLS; k++)
    free (v[k]);
}

static const char ps_usage[] = "Usage: jailrun ps [-q] [--format table|json]\n"
                               "List the long-running jails of the calling user.\n"
                               "  -q, --quiet        names only, one a line\n"
                               "      --format json  a JSON array (Name, Pid, State, Uptime, Network, Ports,\n"
                               "                     Limits, Rootfs); table (default) is for people\n";

/* Parse ps's options: *mode 0 table, 1 json, 2 quiet; -1 bad, 1 help. */
static int
ps_args (int argc, char **argv, int *mode)
{
  static const struct option o[] = {
    { "quiet", no_argument, NULL, 'q' },
    { "format", required_argument, NULL, 'f' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  int c;
  while ((c = getopt_long (argc, argv, "+q", o, NULL)) != -1)
    if (c == 'q')
      *mode = 2;
    else if (c == 'f' && (strcmp (optarg, "json") == 0 || strcmp (optarg, "table") == 0))
      *mode = *mode == 2 ? 2 : optarg[0] == 'j';
    else if (c == 'h')
      return 1;
    else
      {
        if (c == 'f')
          fprintf (stderr, "jailrun: ps --format '%s': use table or json\n", optarg);
        fputs (ps_usage, stderr);
        return -1;
      }
  if (optind < argc)
    {
      fprintf (stderr, "jailrun: ps: unexpected argument '%s'\n%s", argv[optind], ps_usage);
      return -1;
    }
  return 0;
}

int
cmd_ps (int argc, char **argv)
{
  int mode = 0, a = ps_args (argc, argv, &mode);
  if (a != 0)
    {
      if (a > 0)
        fputs (ps_usage, stdout);
      return a > 0 ? 0 : EXIT_JAILRUN;
    }
  char **names = NULL;
  jail_error *err = NULL;
  int n = jail_list (&names, &err);
  if (n < 0)
    {
      cmd_report (err);
      return EXIT_JAILRUN;
    }
  json_object *arr = mode == 1 ? json_object_new_array () : NULL;
  if (mode == 0)
    printf ("%-20s %-8s %-8s %-8s %-8s %-24s %-10s %s\n", "NAME", "PID", "STATE", "UPTIME", "NETWORK", "PORTS", "LIMITS", "ROOTFS");
  for (int i = 0; i < n; i++)
    if (mode == 2)
      printf ("%s\n", names[i]);
    else
      ps_one (names[i], arr);
  if (arr)
    printf ("%s\n", json_object_to_json_string_ext (arr, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
  json_object_put (arr);
  jail_list_free (names);
  return 0;
}

/* Parse "[-f|-t S] NAME" (the option letters in opts, and --help, which
 * prints usage and sets *help). */
static const char *
one_name (int argc, char **argv, const char *usage, const char *opts, int *flag, double *secs, int *help)
{
  static const struct option o[] = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
  int c;
  while ((c = getopt_long (argc, argv, opts, o, NULL)) != -1)
    {
      if (c == 'f')
        *flag = 1;
      else if (c == 't' && (*secs = cmd_parse_seconds (optarg)) >= 0)
        continue;
      else if (c == 'h')
        {
          printf ("Usage: %s\n", usage);
          *help = 1;
          return NULL;
        }
      else
        {
          fprintf (stderr, "jailrun: usage: %s\n", usage);
          return NULL;
        }
    }
  if (argc - optind != 1)
    {
      fprintf (stderr, "jailrun: usage: %s\n", usage);
      return NULL;
    }
  return argv[optind];
}

/* Print the value at a dotted path (".Config.Network.Ports") of o:
 * strings raw (unless as_json), anything else as compact JSON; -1 when
 * absent. */
static int
print_field (json_object *o, const char *path, size_t len, bool as_json, FILE *out)
{
  char key[256];
  const char *p = path, *end = path + len;
  while (p < end)
    {
      if (*p != '.')
        return -1;
      if (p + 1 == end && p == path)
        break; /* "." alone: the whole object */
      size_t n = strcspn (p + 1, ".");
      n = p + 1 + n > end ? (size_t) (end - p - 1) : n;
      if (n == 0 || n >= sizeof key)
        return -1;
      memcpy (key, p + 1, n);
      key[n] = '\0';
      if (!json_object_object_get_ex (o, key, &o))
        return -1;
      p += n + 1;
    }
  if (json_object_is_type (o, json_type_string) && !as_json)
    fputs (json_object_get_string (o), out);
  else
    fputs (o ? json_object_to_json_string_ext (o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : "null", out);
  return 0;
}

/* --format TEMPLATE: text with {{.Dotted.Field}} (or {{json .Field}})
 * replaced by values of the inspect JSON; 0, or -1 with a message. */
static int
format_json (const char *json, const char *tmpl)
{
  json_object *o = json_tokener_parse (json);
  int r = o ? 0 : -1;
  for (const char *p = tmpl; r == 0 && *p;)
    {
      const char *open = strstr (p, "{{"), *close = open ? strstr (open, "}}") : NULL;
      if (open == NULL || close == NULL)
        {
          fputs (p, stdout);
          break;
        }
      fwrite (p, 1, (size_t) (open - p), stdout);
      const char *f = open + 2;
      f += strspn (f, " ");
      bool as_json = strncmp (f, "json ", 5) == 0;
      if (as_json)
        f += 5 + strspn (f + 5, " ");
      size_t len = (size_t) (close - f);
      while (len && f[len - 1] == ' ')
        len--;
      if ((r = print_field (o, f, len, as_json, stdout)) < 0)
        fprintf (stderr, "jailrun: inspect --format: no field '%.*s' (fields are dotted paths of "
                         "the inspect JSON, e.g. {{.Config.Network.Ports}})\n",
                 (int) len, f);
      p = close + 2;
    }
  if (r == 0)
    putchar ('\n');
  json_object_put (o);
  return r;
}

int
cmd_inspect (int argc, char **argv)
{
  static const struct option o[] = {
    { "format", required_argument, NULL, 'f' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  static const char usage[] = "jailrun inspect [-f|--format TEMPLATE] NAME\n"
                              "  (JSON; TEMPLATE like '{{.State.Status}} {{.Config.Network.Ports}}' selects fields)";
  const char *tmpl = NULL;
  int c;
  while ((c = getopt_long (argc, argv, "+f:", o, NULL)) != -1)
    if (c == 'f')
      tmpl = strcmp (optarg, "json") == 0 ? NULL : optarg;
    else
      {
        fprintf (c == 'h' ? stdout : stderr, "%s%s\n", c == 'h' ? "Usage: " : "jailrun: usage: ", usage);
        return c == 'h' ? 0 : EXIT_JAILRUN;
      }
  if (argc - optind != 1)
    {
      fprintf (stderr, "jailrun: usage: %s\n", usage);
      return EXIT_JAILRUN;
    }
  char *json = NULL;
  jail_error *err = NULL;
  if (jail_inspect (argv[optind], &json, &err) < 0)
    {
      cmd_report (err);
      return EXIT_JAILRUN;
    }
  int r = 0;
  if (tmpl)
    r = format_json (json, tmpl);
  else
    fputs (json, stdout);
  free (json);
  return r < 0 ? EXIT_JAILRUN : 0;
}

/* stop and restart: "[-t SECONDS] NAME", then fn on the jail. */
static int
stop_like (int argc, char **argv, const char *usage, int (*fn) (jail *, double, jail_error **))
{
  int f = 0, help = 0;
  double grace = 10;
  const char *name = one_name (argc, argv, usage, "+t:", &f, &grace, &help);
  jail *j = NULL;
  jail_error *err = NULL;
  if (name == NULL)
    return help ? 0 : EXIT_JAILRUN;
  int r = jail_open (name, &j, &err);
  if (r == 0)
    r = fn (j, grace, &err);
  jail_close (j);
  cmd_report (err);
  if (r == 0)
    printf ("%s\n", name);
  return r < 0 ? EXIT_JAILRUN : 0;
}

int
cmd_stop (int argc, char **argv)
{
  return stop_like (argc, argv, "jailrun stop [-t SECONDS] NAME", jail_stop);
}

int
cmd_restart (int argc, char **argv)
{
  return stop_like (argc, argv, "jailrun restart [-t SECONDS] NAME", jail_restart);
}

int
cmd_rm (int argc, char **argv)
{
  int force = 0, help = 0;
  double t = 0;
  const char *name = one_name (argc, argv, "jailrun rm [-f] NAME", "+f", &force, &t, &help);
  jail_error *err = NULL;
  if (name == NULL)
    return help ? 0 : EXIT_JAILRUN;
  int r = jail_remove (name, force, &err);
  cmd_report (err);
  if (r == 0)
    printf ("%s\n", name);
  return r < 0 ? EXIT_JAILRUN : 0;
}

int
cmd_logs (int argc, char **argv)
{
  int follow = 0, help = 0;
  double t = 0;
  const char *name = one_name (argc, argv, "jailrun logs [-f] NAME", "+f", &follow, &t, &help);
  jail_error *err = NULL;
  if (name == NULL)
    return help ? 0 : EXIT_JAILRUN;
  fflush (stdout);
  int r = jail_logs (name, STDOUT_FILENO, follow, &err);
  cmd_report (err);
  return r < 0 ? EXIT_JAILRUN : 0;
}

/* `wait --healthy NAME`: 0 once healthy, 1 when unhealthy or ended. */
static int
wait_healthy (const char *name)
{
  for (;;)
    {
      char *st = NULL, *h = NULL;
      jail_error *err = NULL;
      if (jail_info (name, "state", &st, &err) < 0)
        {
          cmd_report (err);
          return EXIT_JAILRUN;
        }
      bool have = jail_info (name, "health", &h, NULL) == 0;
      int r = !have && strcmp (st, "running") == 0                                                                      ? EXIT_JAILRUN
              : have && strcmp (h, "healthy") == 0                                                                      ? 0
              : (have && strcmp (h, "unhealthy") == 0) || (strcmp (st, "running") != 0 && strcmp (st, "starting") != 0) ? 1
                                                                                                                        : -1;
      if (r == EXIT_JAILRUN)
        fprintf (stderr, "jailrun: wait --healthy %s: the jail has no --health-cmd\n", name);
      if (r >= 0)
        printf ("%s\n", r == 0 ? "healthy" : have && strcmp (h, "unhealthy") == 0 ? "unhealthy"
                                                                                  : st);
      free (st);
      free (h);
      if (r >= 0)
        return r;
      struct timespec ts = { 0, 100 * 1000 * 1000 };
      nanosleep (&ts, NULL);
    }
}

int
cmd_wait (int argc, char **argv)
{
  bool healthy = argc == 3 && strcmp (argv[1], "--healthy") == 0;
  if (!(argc == 2 && argv[1][0] != '-') && !healthy)
    {
      fputs ("jailrun: usage: jailrun wait [--healthy] NAME\n", stderr);
      return EXIT_JAILRUN;
    }
  if (healthy)
    return wait_healthy (argv[2]);
  jail *j = NULL;
  jail_error *err = NULL;
  int status = EXIT_JAILRUN, r = jail_open (argv[1], &j, &err);
  if (r == 0)
    {
      cmd_block_forwarded ();
      r = jail_wait (j, &status, &err);
    }
  jail_close (j);
  cmd_report (err);
  if (r == 0)
    printf ("%d\n", status);
  return r < 0 ? EXIT_JAILRUN : status;
}
