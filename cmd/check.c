/* check.c - `jailrun check`: what this host offers, with a fix per gap. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jailrun.h"

static const char check_usage[] = "Usage: jailrun check\n"
                                  "Probe what this host offers jailrun (user namespaces, cgroup v2 and its\n"
                                  "delegation, seccomp, Landlock, veth/bridge, openat2, clone3, pidfd, idmapped\n"
                                  "mounts): one line per feature, with the fix for each gap.\n"
                                  "Exit status 0 when jailrun can run here, 1 when a required feature is missing.\n";

int
cmd_check (int argc, char **argv)
{
  if (argc >= 2)
    {
      bool help = strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0;
      if (!help)
        fprintf (stderr, "jailrun: check: unexpected argument '%s'\n", argv[1]);
      fputs (check_usage, help ? stdout : stderr);
      return help ? 0 : EXIT_JAILRUN;
    }
  char *report = NULL;
  jail_error *err = NULL;
  int gaps = jail_check (&report, &err);
  if (gaps < 0)
    {
      cmd_report (err);
      return EXIT_JAILRUN;
    }
  for (char *l = strtok (report, "\n"); l; l = strtok (NULL, "\n"))
    {
      char *f[4] = { l, "", "", "" };
      for (int i = 1; i < 4 && f[i - 1]; i++)
        {
          char *t = strchr (f[i - 1], '\t');
          if (t == NULL)
            break;
          *t = '\0';
          f[i] = t + 1;
        }
      printf ("%-5s %-26s %s\n", f[0], f[1], f[2]);
      if (*f[3])
        printf ("      %-26s fix: %s\n", "", f[3]);
    }
  free (report);
  printf (gaps ? "jailrun cannot run here: %d required feature(s) missing\n" : "jailrun can run here\n", gaps);
  return gaps ? 1 : 0;
}
