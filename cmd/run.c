/* run.c - `jailrun [run] [OPTIONS] ROOTFS COMMAND [ARG...]`. */
#include <errno.h>
#include <stdbool.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jailrun.h"

enum
{
  OPT_NO_NET = 256, OPT_TMPFS, OPT_READ_WRITE, OPT_CAP_ADD, OPT_ENV_FILE,
  OPT_HOSTNAME, OPT_TIMEOUT, OPT_SECCOMP, OPT_VERSION, OPT_HELP, OPT_NAME,
};

static const struct option run_opts[] = {
  { "no-net", no_argument, NULL, OPT_NO_NET },
  { "volume", required_argument, NULL, 'v' },
  { "tmpfs", required_argument, NULL, OPT_TMPFS },
  { "read-write", no_argument, NULL, OPT_READ_WRITE },
  { "user", required_argument, NULL, 'u' },
  { "cap-add", required_argument, NULL, OPT_CAP_ADD },
  { "env", required_argument, NULL, 'e' },
  { "env-file", required_argument, NULL, OPT_ENV_FILE },
  { "workdir", required_argument, NULL, 'w' },
  { "hostname", required_argument, NULL, OPT_HOSTNAME },
  { "timeout", required_argument, NULL, OPT_TIMEOUT },
  { "seccomp", required_argument, NULL, OPT_SECCOMP },
  { "detach", no_argument, NULL, 'd' },
  { "name", required_argument, NULL, OPT_NAME },
  { "version", no_argument, NULL, OPT_VERSION },
  { "help", no_argument, NULL, OPT_HELP },
  { NULL, 0, NULL, 0 },
};

static void
usage (FILE *f)
{
  fputs ("Usage: jailrun [run] [OPTIONS] ROOTFS COMMAND [ARG...]\n"
         "Run COMMAND in a new user, pid, mount, net, ipc, uts and cgroup namespace.\n"
         "ROOTFS is a directory holding a root filesystem, or / for the host root\n"
         "(read-only, with /home /root /run /tmp /var/tmp /mnt /media /srv hidden).\n\n"
         "      --no-net            loopback only (this build's default network: the\n"
         "                          private bridge network is not built yet)\n"
         "  -v, --volume SRC:DST[:ro|rw]  bind a host path (rw unless :ro)\n"
         "      --tmpfs PATH[:size=N,mode=M,exec]  mount a tmpfs (noexec unless exec)\n"
         "      --read-write        writable root (refused for /)\n"
         "  -u, --user UID[:GID]    jail user (default 65532:65532)\n"
         "      --cap-add CAP       keep a capability (default: none)\n"
         "  -e, --env KEY[=VAL]     set a variable (KEY alone copies the caller's)\n"
         "      --env-file FILE     KEY=VAL lines\n"
         "  -w, --workdir DIR       working directory (default /)\n"
         "      --hostname NAME     host name (default jail)\n"
         "      --timeout SECONDS   kill the jail after SECONDS, exit 124\n"
         "      --seccomp POLICY    default | unconfined\n"
         "  -d, --detach            run in the background and print the jail's name\n"
         "                          (then: jailrun exec|ps|inspect|logs|stop|rm)\n"
         "      --name NAME         name the jail, so that 'jailrun exec NAME' reaches it\n"
         "                          (with -d: default generated; without: it runs here)\n"
         "      --version           print the version and the features compiled in\n"
         "      --help              this text\n\n"
         "Exit status: the command's; 128+N if it died of signal N; 124 on timeout;\n"
         "125 if jailrun failed; 126/127 if the command could not be run.\n", f);
}

double
cmd_parse_seconds (const char *arg)
{
  char *end;
  errno = 0;
  double t = strtod (arg, &end);
  return errno || end == arg || *end ? -1 : t;
}

/* Apply one parsed option to cfg. */
static int
apply_opt (jail_config *cfg, int c, const char *arg, jail_error **err)
{
  switch (c)
    {
    case OPT_NO_NET: return jail_config_set_network (cfg, JAIL_NET_NONE, err);
    case 'v': return jail_config_add_volume (cfg, arg, err);
    case OPT_TMPFS: return jail_config_add_tmpfs (cfg, arg, err);
    case OPT_READ_WRITE: return jail_config_set_read_write (cfg, 1, err);
    case 'u': return jail_config_set_user (cfg, arg, err);
    case OPT_CAP_ADD: return jail_config_add_cap (cfg, arg, err);
    case 'e': return jail_config_set_env (cfg, arg, err);
    case OPT_ENV_FILE: return jail_config_load_env_file (cfg, arg, err);
    case 'w': return jail_config_set_workdir (cfg, arg, err);
    case OPT_HOSTNAME: return jail_config_set_hostname (cfg, arg, err);
    case OPT_SECCOMP: return jail_config_set_seccomp (cfg, arg, err);
    case OPT_TIMEOUT: return jail_config_set_timeout (cfg, cmd_parse_seconds (arg), err);
    default: return -EINVAL;
    }
}

/* Block the signals the supervisor forwards, so they reach the jail. */
void
cmd_block_forwarded (void)
{
  sigset_t set;
  sigemptyset (&set);
  int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };
  for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
    sigaddset (&set, sigs[i]);
  sigprocmask (SIG_BLOCK, &set, NULL);
}

/* -d: start the jail with its own supervisor, print its name. */
static int
run_detached (jail_config *cfg, const char *name, char **argv)
{
  jail *j = NULL;
  jail_error *err = NULL;
  int r = jail_start (cfg, name, argv, JAIL_START_DETACH, &j, &err);
  if (r == 0)
    printf ("%s\n", jail_name (j));
  jail_close (j);
  jail_config_free (cfg);
  cmd_report (err);
  return r < 0 ? EXIT_JAILRUN : 0;
}

/* --name without -d: a jail others can exec into while its first
 * process runs here, on our stdio; it is forgotten when it ends. */
static int
run_named (jail_config *cfg, const char *name, char **argv)
{
  jail *j = NULL;
  jail_error *err = NULL;
  int status = EXIT_JAILRUN;
  cmd_block_forwarded ();
  int r = jail_start (cfg, name, argv, JAIL_START_ATTACH, &j, &err);
  if (r == 0)
    r = jail_wait (j, &status, &err);
  jail_close (j);
  jail_config_free (cfg);
  cmd_report (err);
  return r < 0 ? EXIT_JAILRUN : status;
}

int
cmd_run (int argc, char **argv)
{
  jail_config *cfg = NULL;
  jail_error *err = NULL;
  const char *name = NULL;
  bool detach = false;
  int c, r = jail_config_new (&cfg, &err);
  while (r == 0 && (c = getopt_long (argc, argv, "+v:u:e:w:d", run_opts, NULL)) != -1)
    {
      if (c == 'd' || c == OPT_NAME)
        {
          detach |= c == 'd';
          name = c == OPT_NAME ? optarg : name;
          continue;
        }
      if (c == OPT_HELP || c == OPT_VERSION)
        {
          if (c == OPT_HELP)
            usage (stdout);
          else
            printf ("jailrun %s\nfeatures: %s\n", jail_version (), jail_features ());
          jail_config_free (cfg);
          return 0;
        }
      if (c == '?' || c == ':')
        {
          fputs ("jailrun: see 'jailrun --help' for the options\n", stderr);
          jail_config_free (cfg);
          return EXIT_JAILRUN;
        }
      r = apply_opt (cfg, c, optarg, &err);
    }
  if (r == 0 && argc - optind < 2)
    {
      fputs ("jailrun: missing ROOTFS or COMMAND: usage: jailrun [OPTIONS] ROOTFS COMMAND [ARG...]\n", stderr);
      jail_config_free (cfg);
      return EXIT_JAILRUN;
    }
  if (r == 0)
    r = jail_config_set_rootfs (cfg, argv[optind], &err);
  if (r == 0 && name && !detach)
    return run_named (cfg, name, argv + optind + 1);
  if (r == 0 && detach)
    return run_detached (cfg, name, argv + optind + 1);
  int status = EXIT_JAILRUN;
  if (r == 0)
    {
      cmd_block_forwarded ();
      r = jail_run (cfg, argv + optind + 1, &status, &err);
    }
  jail_config_free (cfg);
  cmd_report (err);
  return r < 0 ? EXIT_JAILRUN : status;
}
