/* jails.c - `jailrun ps | inspect NAME | stop [-t S] NAME | rm [-f] NAME |
 * logs [-f] NAME | wait [--healthy] NAME | restart [-t S] NAME`: the long-running jails of the
 * calling user. */
#include <getopt.h>
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

int
cmd_ps (int argc, char **argv)
{
  char **names = NULL;
  jail_error *err = NULL;
  int n = jail_list (&names, &err);
  if (n < 0)
    {
      cmd_report (err);
      return EXIT_JAILRUN;
    }
  printf ("%-20s %-8s %-8s %-8s %-8s %-6s %-6s %s\n", "NAME", "PID", "STATE", "UPTIME", "NETWORK", "PORTS", "LIMITS", "ROOTFS");
  for (int i = 0; i < n; i++)
    {
      const char *keys[] = { "supervisor_pid", "state", "uptime", "network", "rootfs", "limits" };
      char *v[6];
      for (int k = 0; k < 6; k++)
        v[k] = info (names[i], keys[k]);
      char up[32];
      fmt_uptime (v[2], up, sizeof up);
      if (strcmp (v[1], "running") != 0)
        snprintf (up, sizeof up, "-");
      char *h = NULL;
      if (jail_info (names[i], "health", &h, NULL) == 0 && strcmp (v[1], "running") == 0)
        {
          char *sh = NULL;
          if (asprintf (&sh, "%s(%s)", v[1], h) > 0)
            free (v[1]), v[1] = sh;
        }
      free (h);
      char *rc = NULL;
      if (jail_info (names[i], "restart_count", &rc, NULL) == 0 && strcmp (rc, "0") != 0)
        {
          char *sr = NULL;
          if (asprintf (&sr, "%s,restarts=%s", v[1], rc) > 0)
            free (v[1]), v[1] = sr;
        }
      free (rc);
      printf ("%-20s %-8s %-8s %-8s %-8s %-6s %-6s %s\n", names[i], v[0], v[1], up, v[3], "-", v[5], v[4]);
      for (int k = 0; k < 6; k++)
        free (v[k]);
    }
  jail_list_free (names);
  return 0;
}

/* Parse "[-f|-t S] NAME": the only option letter allowed is opt. */
static const char *
one_name (int argc, char **argv, const char *usage, const char *opts, int *flag, double *secs)
{
  int c;
  while ((c = getopt (argc, argv, opts)) != -1)
    {
      if (c == 'f')
        *flag = 1;
      else if (c == 't' && (*secs = cmd_parse_seconds (optarg)) >= 0)
        continue;
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

int
cmd_inspect (int argc, char **argv)
{
  int f = 0;
  double t = 0;
  const char *name = one_name (argc, argv, "jailrun inspect NAME", "+", &f, &t);
  char *json = NULL;
  jail_error *err = NULL;
  if (name == NULL)
    return EXIT_JAILRUN;
  if (jail_inspect (name, &json, &err) < 0)
    {
      cmd_report (err);
      return EXIT_JAILRUN;
    }
  fputs (json, stdout);
  free (json);
  return 0;
}

int
cmd_stop (int argc, char **argv)
{
  int f = 0;
  double grace = 10;
  const char *name = one_name (argc, argv, "jailrun stop [-t SECONDS] NAME", "+t:", &f, &grace);
  jail *j = NULL;
  jail_error *err = NULL;
  if (name == NULL)
    return EXIT_JAILRUN;
  int r = jail_open (name, &j, &err);
  if (r == 0)
    r = jail_stop (j, grace, &err);
  jail_close (j);
  cmd_report (err);
  if (r == 0)
    printf ("%s\n", name);
  return r < 0 ? EXIT_JAILRUN : 0;
}

int
cmd_restart (int argc, char **argv)
{
  int f = 0;
  double grace = 10;
  const char *name = one_name (argc, argv, "jailrun restart [-t SECONDS] NAME", "+t:", &f, &grace);
  jail *j = NULL;
  jail_error *err = NULL;
  if (name == NULL)
    return EXIT_JAILRUN;
  int r = jail_open (name, &j, &err);
  if (r == 0)
    r = jail_restart (j, grace, &err);
  jail_close (j);
  cmd_report (err);
  if (r == 0)
    printf ("%s\n", name);
  return r < 0 ? EXIT_JAILRUN : 0;
}

int
cmd_rm (int argc, char **argv)
{
  int force = 0;
  double t = 0;
  const char *name = one_name (argc, argv, "jailrun rm [-f] NAME", "+f", &force, &t);
  jail_error *err = NULL;
  if (name == NULL)
    return EXIT_JAILRUN;
  int r = jail_remove (name, force, &err);
  cmd_report (err);
  if (r == 0)
    printf ("%s\n", name);
  return r < 0 ? EXIT_JAILRUN : 0;
}

int
cmd_logs (int argc, char **argv)
{
  int follow = 0;
  double t = 0;
  const char *name = one_name (argc, argv, "jailrun logs [-f] NAME", "+f", &follow, &t);
  jail_error *err = NULL;
  if (name == NULL)
    return EXIT_JAILRUN;
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
      int r = !have && strcmp (st, "running") == 0 ? EXIT_JAILRUN
              : have && strcmp (h, "healthy") == 0 ? 0
              : (have && strcmp (h, "unhealthy") == 0) || (strcmp (st, "running") != 0 && strcmp (st, "starting") != 0) ? 1
              : -1;
      if (r == EXIT_JAILRUN)
        fprintf (stderr, "jailrun: wait --healthy %s: the jail has no --health-cmd\n", name);
      if (r >= 0)
        printf ("%s\n", r == 0 ? "healthy" : have && strcmp (h, "unhealthy") == 0 ? "unhealthy" : st);
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
