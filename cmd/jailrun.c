/* jailrun.c - entry point of the jailrun command: dispatches to one
 * subcommand per file.  Parsing and printing only; all work is libjail's. */
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "jailrun.h"

/* Make 0, 1 and 2 valid (/dev/null where closed) before anything opens
 * an fd: a closed slot would be filled by an internal socket or pipe,
 * which would then be passed into the jail as its stdio. */
static void
stdio_ensure (void)
{
  for (int fd = 0; fd < 3; fd++)
    if (fcntl (fd, F_GETFD) < 0)
      {
        int n = open ("/dev/null", O_RDWR); /* lands on fd: the lower ones are open */
        if (n < 0)
          _exit (EXIT_JAILRUN);
        if (n != fd)
          close (n);
      }
}

int
main (int argc, char **argv)
{
  stdio_ensure ();
  /* The supervisor is not dumpable: nothing can read its memory. */
  prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  /* jailrun-oci (an installed symlink): the OCI runtime CLI. */
  if (argc >= 1 && strcmp (basename (argv[0]), "jailrun-oci") == 0)
    return cmd_oci (argc, argv);
  if (argc >= 2 && strcmp (argv[1], "oci") == 0)
    return cmd_oci (argc - 1, argv + 1);
  if (argc >= 2 && strcmp (argv[1], "--seccomp-dump") == 0)
    return cmd_seccomp_dump (argc - 1, argv + 1);
  static const struct
  {
    const char *name;
    int (*fn) (int, char **);
  } sub[] = {
    { "run", cmd_run },
    { "exec", cmd_exec },
    { "ps", cmd_ps },
    { "inspect", cmd_inspect },
    { "stop", cmd_stop },
    { "rm", cmd_rm },
    { "logs", cmd_logs },
    { "check", cmd_check },
    { "net", cmd_net },
    { "network", cmd_network },
    { "wait", cmd_wait },
    { "restart", cmd_restart },
    { "up", cmd_up },
    { "down", cmd_down },
  };
  for (size_t i = 0; argc >= 2 && i < sizeof sub / sizeof *sub; i++)
    if (strcmp (argv[1], sub[i].name) == 0)
      return sub[i].fn (argc - 1, argv + 1);
  return cmd_run (argc, argv);
}
