/* exec.c - `jailrun exec [OPTIONS] NAME COMMAND [ARG...]`. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "jailrun.h"

enum
{
  OPT_TIMEOUT = 256
};

static const struct option exec_opts[] = {
  { "env", required_argument, NULL, 'e' },
  { "workdir", required_argument, NULL, 'w' },
  { "user", required_argument, NULL, 'u' },
  { "timeout", required_argument, NULL, OPT_TIMEOUT },
  { "interactive", no_argument, NULL, 'i' },
  { "tty", no_argument, NULL, 't' },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

static const char exec_usage[] = "Usage: jailrun exec [OPTIONS] NAME COMMAND [ARG...]\n"
                                 "Run COMMAND in the running jail NAME, with the same namespaces, cgroup,\n"
                                 "user, capabilities, no_new_privs and seccomp filter as its first process.\n\n"
                                 "  -e, --env KEY[=VAL]     set a variable over the jail's environment\n"
                                 "  -w, --workdir DIR       working directory (default: the jail's)\n"
                                 "  -u, --user UID[:GID]|NAME[:GROUP]  the jail's user (the only one it maps);\n"
                                 "                          names from the running jail's /etc/passwd and\n"
                                 "                          /etc/group (a name of another user is refused)\n"
                                 "      --timeout SECONDS   kill the command after SECONDS, exit 124\n"
                                 "  -i, --interactive       keep stdin: a terminal stdin is relayed (without -i it\n"
                                 "                          is /dev/null; a pipe or file you redirect always passes)\n"
                                 "  -t, --tty               a pty of the jail's own devpts as the command's terminal,\n"
                                 "                          relayed to yours (raw mode with -i, window size follows;\n"
                                 "                          Ctrl-C reaches the foreground job); use -it for a shell\n\n"
                                 "Your terminal never enters the jail: without -t, a terminal on stdout or\n"
                                 "stderr is relayed through a pipe.\n\n"
                                 "Exit status: the command's; 128+N if it died of signal N; 124 on timeout;\n"
                                 "125 if jailrun failed (no such jail, not running); 126/127 as a shell.\n";

/* Apply one option. */
static int
apply (jail_exec_opts *o, int c, const char *arg, jail_error **err)
{
  switch (c)
    {
    case 'e':
      return jail_exec_opts_set_env (o, arg, err);
    case 'w':
      return jail_exec_opts_set_workdir (o, arg, err);
    case 'u':
      return jail_exec_opts_set_user (o, arg, err);
    case OPT_TIMEOUT:
      return jail_exec_opts_set_timeout (o, cmd_parse_seconds (arg), err);
    default:
      return -EINVAL;
    }
}

int
cmd_exec (int argc, char **argv)
{
  jail_exec_opts *o = NULL;
  jail_error *err = NULL;
  jail *j = NULL;
  unsigned tty = 0;
  int c, r = jail_exec_opts_new (&o, &err);
  while (r == 0 && (c = getopt_long (argc, argv, "+e:w:u:it", exec_opts, NULL)) != -1)
    {
      if (c == 'i' || c == 't')
        {
          tty |= c == 'i' ? JAIL_INTERACTIVE : JAIL_TTY;
          continue;
        }
      if (c == 'h' || c == '?' || c == ':')
        {
          fputs (exec_usage, c == 'h' ? stdout : stderr);
          jail_exec_opts_free (o);
          return c == 'h' ? 0 : EXIT_JAILRUN;
        }
      r = apply (o, c, optarg, &err);
    }
  if (r == 0 && argc - optind < 2)
    {
      fputs ("jailrun: exec: missing NAME or COMMAND: usage: jailrun exec [OPTIONS] NAME COMMAND [ARG...]\n", stderr);
      jail_exec_opts_free (o);
      return EXIT_JAILRUN;
    }
  int status = EXIT_JAILRUN;
  if (r == 0)
    r = jail_exec_opts_set_tty (o, tty, &err);
  if (r == 0)
    r = jail_open (argv[optind], &j, &err);
  if (r == 0)
    {
      cmd_block_forwarded ();
      r = jail_exec (j, o, argv + optind + 1, &status, &err);
    }
  jail_close (j);
  jail_exec_opts_free (o);
  cmd_report (err);
  return r < 0 ? EXIT_JAILRUN : status;
}
