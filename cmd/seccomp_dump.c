/* seccomp_dump.c - `jailrun --seccomp-dump [POLICY]`: print the effective
 * seccomp rules of POLICY (default, unconfined, a JSON profile or
 * +name,-name edits; "default" when omitted) so a user can audit them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jailrun.h"

/* Print each warning line on stderr. */
void
cmd_print_warnings (const char *warnings)
{
  const char *p = warnings;
  while (p && *p)
    {
      size_t n = strcspn (p, "\n");
      fprintf (stderr, "jailrun: warning: %.*s\n", (int) n, p);
      p += n + (p[n] == '\n');
    }
}

/* jailrun --seccomp-dump [POLICY] */
int
cmd_seccomp_dump (int argc, char **argv)
{
  if (argc > 2 || (argc == 2 && strcmp (argv[1], "--help") == 0))
    {
      fputs ("Usage: jailrun --seccomp-dump [default|unconfined|FILE|+name,-name]\n"
             "Print the seccomp rules of a policy: per syscall, its action and argument filters.\n",
             argc == 2 ? stdout : stderr);
      return argc == 2 ? 0 : EXIT_JAILRUN;
    }
  char *text = NULL, *warnings = NULL;
  jail_error *err = NULL;
  int r = jail_seccomp_dump (argc == 2 ? argv[1] : "default", &text, &warnings, &err);
  cmd_print_warnings (warnings);
  free (warnings);
  if (r < 0)
    {
      cmd_report (err);
      return EXIT_JAILRUN;
    }
  fputs (text, stdout);
  free (text);
  return 0;
}
