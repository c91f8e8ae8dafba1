/* check.c - `jailrun check`: what this host offers, with a fix per gap. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jailrun.h"

int
cmd_check (int argc, char **argv)
{
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
