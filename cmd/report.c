/* report.c - how every subcommand prints a library error (cmd_report,
 * declared in jailrun.h), apart from the dispatcher in jailrun.c so that
 * no subcommand file and the dispatcher call into each other. */
#include <stdio.h>

#include "jailrun.h"

void
cmd_report (jail_error *err)
{
  if (err)
    fprintf (stderr, "jailrun: %s\n", jail_error_message (err));
  jail_error_free (err);
}
