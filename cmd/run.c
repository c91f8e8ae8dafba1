/* run.c - `jailrun [run] [OPTIONS] ROOTFS COMMAND [ARG...]`. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jailrun.h"

enum
{
  OPT_NO_NET = 256,
  OPT_TMPFS,
  OPT_READ_WRITE,
  OPT_CAP_ADD,
  OPT_ENV_FILE,
  OPT_HOSTNAME,
  OPT_TIMEOUT,
  OPT_SECCOMP,
  OPT_VERSION,
  OPT_HELP,
  OPT_NAME,
  OPT_MEMORY,
  OPT_CPUS,
  OPT_PIDS,
  OPT_CG_PARENT,
  OPT_LIMITS,
  OPT_STATS,
  OPT_NET_ALLOW,
  OPT_ALLOW,
  OPT_ALLOW_PRIVATE,
  OPT_UPSTREAM_PROXY,
  OPT_ALLOW_FILE,
  OPT_AUDIT_LOG,
  OPT_SUBNET,
  OPT_RM,
  OPT_READ_ONLY,
  OPT_CAP_DROP,
  OPT_SECURITY_OPT,
  OPT_PRIVILEGED,
  OPT_LOG_MAX,
  OPT_NETWORK,
  OPT_NETWORK_ALIAS,
  OPT_HEALTH_CMD,
  OPT_HEALTH_INTERVAL,
  OPT_HEALTH_TIMEOUT,
  OPT_HEALTH_RETRIES,
  OPT_HEALTH_START,
  OPT_CG_MANAGER,
  OPT_RESTART,
};

static const struct option run_opts[] = {
  { "no-net", no_argument, NULL, OPT_NO_NET },
  { "publish", required_argument, NULL, 'p' },
  { "net-allow", required_argument, NULL, OPT_NET_ALLOW },
  { "allow", required_argument, NULL, OPT_ALLOW },
  { "allow-file", required_argument, NULL, OPT_ALLOW_FILE },
  { "allow-private", required_argument, NULL, OPT_ALLOW_PRIVATE },
  { "upstream-proxy", required_argument, NULL, OPT_UPSTREAM_PROXY },
  { "audit-log", required_argument, NULL, OPT_AUDIT_LOG },
  { "subnet", required_argument, NULL, OPT_SUBNET },
  { "network", required_argument, NULL, OPT_NETWORK },
  { "network-alias", required_argument, NULL, OPT_NETWORK_ALIAS },
  { "health-cmd", required_argument, NULL, OPT_HEALTH_CMD },
  { "health-interval", required_argument, NULL, OPT_HEALTH_INTERVAL },
  { "health-timeout", required_argument, NULL, OPT_HEALTH_TIMEOUT },
  { "health-retries", required_argument, NULL, OPT_HEALTH_RETRIES },
  { "health-start-period", required_argument, NULL, OPT_HEALTH_START },
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
  { "memory", required_argument, NULL, OPT_MEMORY },
  { "cpus", required_argument, NULL, OPT_CPUS },
  { "pids-limit", required_argument, NULL, OPT_PIDS },
  { "cgroup-parent", required_argument, NULL, OPT_CG_PARENT },
  { "limits", required_argument, NULL, OPT_LIMITS },
  { "cgroup-manager", required_argument, NULL, OPT_CG_MANAGER },
  { "stats", no_argument, NULL, OPT_STATS },
  { "detach", no_argument, NULL, 'd' },
  { "interactive", no_argument, NULL, 'i' },
  { "tty", no_argument, NULL, 't' },
  { "name", required_argument, NULL, OPT_NAME },
  { "version", no_argument, NULL, OPT_VERSION },
  { "help", no_argument, NULL, OPT_HELP },
  { "rm", no_argument, NULL, OPT_RM },
  { "read-only", no_argument, NULL, OPT_READ_ONLY },
  { "cap-drop", required_argument, NULL, OPT_CAP_DROP },
  { "net", required_argument, NULL, OPT_NETWORK },
  { "security-opt", required_argument, NULL, OPT_SECURITY_OPT },
  { "privileged", no_argument, NULL, OPT_PRIVILEGED },
  { "log-max", required_argument, NULL, OPT_LOG_MAX },
  { "restart", required_argument, NULL, OPT_RESTART },
  { NULL, 0, NULL, 0 },
};

static void
usage (FILE *f)
{
  fputs ("Usage: jailrun [run] [OPTIONS] ROOTFS COMMAND [ARG...]\n"
         "Run COMMAND in a new user, pid, mount, net, ipc, uts and cgroup namespace.\n"
         "ROOTFS is a directory holding a root filesystem, or / for the host root\n"
         "(read-only, with /home /root /run /tmp /var/tmp /mnt /media /srv hidden).\n\n"
         "Network (default: eth0 on a private network with no route out; only\n"
         "published ports come in):\n"
         "      --no-net            loopback only (also: --network none)\n"
         "  -p, --publish [ADDR:]HOSTPORT:JAILPORT[/tcp]  forward ADDR:HOSTPORT on the host\n"
         "                          (ADDR 127.0.0.1 unless written; [::1] for IPv6) to\n"
         "                          JAILPORT on the jail's loopback; any network mode\n"
         "      --net-allow proxy   the only way out is jailrun's egress proxy\n"
         "                          (HTTP_PROXY/HTTPS_PROXY/NO_PROXY are set)\n"
         "      --allow HOST[:PORT] let the proxy reach HOST (*.DOMAIN wildcards, port\n"
         "                          443 unless given; '*' = anything public, logged)\n"
         "      --allow-file FILE   --allow entries, one a line\n"
         "      --allow-private HOST[:PORT] like --allow, and HOST may resolve to a\n"
         "                          private/reserved address (by name, no wildcard)\n"
         "      --upstream-proxy http://HOST:PORT  send what the allowlist permits\n"
         "                          through this proxy (CONNECT and plain HTTP)\n"
         "      --audit-log FILE    one JSON line per proxy decision (and per change)\n"
         "      --subnet CIDR       private network addresses (default 10.88.0.0/16)\n"
         "      --network NAME|none put the jail on network NAME ('jailrun network\n"
         "                          create'): it reaches the jails there by\n"
         "                          address, --name and --network-alias; none = --no-net;\n"
         "                          repeatable (up to 4: eth0, eth1, ...)\n"
         "      --network-alias NAME  another name on that network (repeatable)\n"
         "  -v, --volume SRC:DST[:ro|rw][,idmap]  bind a host path (rw unless :ro); idmap:\n"
         "                          the jail user owns SRC as SRC's owner does (root; an\n"
         "                          idmapped mount, new files are the owner's on the host)\n"
         "      --tmpfs PATH[:size=N,mode=M,exec]  mount a tmpfs (noexec unless exec)\n"
         "      --read-write        writable root (refused for /)\n"
         "      --read-only         read-only root (the default)\n"
         "  -u, --user UID[:GID] | NAME[:GROUP]  jail user (default 65532:65532); names\n"
         "                          from the rootfs's /etc/passwd and /etc/group (as root,\n"
         "                          below 65536, each jail maps it to host ids of its own)\n"
         "      --cap-add CAP       keep a capability (default: none)\n"
         "      --cap-drop CAP|ALL  drop one kept by an earlier --cap-add, or all\n"
         "      --security-opt no-new-privileges | seccomp=FILE|unconfined\n"
         "                          (no-new-privileges is always on)\n"
         "  -e, --env KEY[=VAL]     set a variable (KEY alone copies the caller's)\n"
         "      --env-file FILE     KEY=VAL lines\n"
         "  -w, --workdir DIR       working directory (default /)\n"
         "      --hostname NAME     host name (default jail)\n"
         "      --timeout SECONDS   kill the jail after SECONDS, exit 124\n"
         "      --seccomp POLICY    default | unconfined | FILE (Docker/OCI JSON profile)\n"
         "                          | +name,-name (allow / deny syscalls on top of the\n"
         "                          default; repeatable, a later edit wins)\n"
         "      --seccomp-dump [POLICY]  print the rules of POLICY and exit (first option)\n"
         "      --memory SIZE       memory limit (512m, 1.5g, 512MiB), no swap (cgroup v2)\n"
         "      --cpus N            CPU share in cores (0.5 = half a core)\n"
         "      --pids-limit N      maximum number of tasks\n"
         "      --cgroup-parent PATH  existing parent cgroup (default: /jailrun as\n"
         "                          root, the delegated cgroup rootless)\n"
         "      --cgroup-manager auto|systemd|cgroupfs  who makes the jail's cgroup:\n"
         "                          systemd = a transient scope jailrun-NAME.scope\n"
         "                          from your systemd manager (user manager rootless),\n"
         "                          cgroupfs = the delegated cgroup or /jailrun; auto\n"
         "                          (default) = systemd when it answers\n"
         "      --limits strict|best-effort  a limit the host cannot enforce is an\n"
         "                          error (strict, default) or a warning\n"
         "      --stats             print peak memory, CPU time, max tasks at exit\n"
         "  -i, --interactive       keep stdin: a terminal stdin is relayed (without -i it\n"
         "                          is /dev/null; a pipe or file you redirect always passes)\n"
         "  -t, --tty               a pty of the jail's own devpts as the command's terminal,\n"
         "                          relayed to yours (raw mode with -i, window size follows;\n"
         "                          Ctrl-C reaches the foreground job); -it for a shell.\n"
         "                          Your terminal never enters the jail: without -t a\n"
         "                          terminal on stdout/stderr is relayed through a pipe\n"
         "  -d, --detach            run in the background and print the jail's name\n"
         "                          (then: jailrun exec|ps|inspect|logs|stop|rm)\n"
         "      --health-cmd CMD    with -d or --name: run sh -c CMD in the jail every\n"
         "                          --health-interval (30s), failing after --health-timeout\n"
         "                          (30s); --health-retries (3) failures in a row make it\n"
         "                          unhealthy, none count in --health-start-period (0s);\n"
         "                          shown by ps and inspect, awaited by 'jailrun wait --healthy'\n"
         "      --name NAME         name the jail, so that 'jailrun exec NAME' reaches it\n"
         "                          (with -d: default generated; without: it runs here)\n"
         "      --rm                with -d: forget the jail (name, log) when it ends\n"
         "                          (without -d nothing is kept anyway)\n"
         "      --log-max SIZE      with -d: cap the log at SIZE, rotated once to an older\n"
         "                          file, so at most 2 x SIZE is kept (default 10m; 0: no cap)\n"
         "      --restart POLICY    with -d: no | on-failure[:N] | always | unless-stopped;\n"
         "                          back-off 100 ms doubling to 1 min (reset after 10 s up),\n"
         "                          -p ports stay bound; 'jailrun stop' ends it for good\n"
         "      --version           print the version and the features compiled in\n"
         "      --help              this text\n"
         "Refused, with the reason: --network host (the host's network is not\n"
         "isolated), --privileged (no mode turns the sandbox off), -p .../udp.\n\n"
         "Exit status: the command's; 128+N if it died of signal N; 124 on timeout;\n"
         "125 if jailrun failed; 126/127 if the command could not be run.\n\n"
         "Other commands: jailrun exec [OPTIONS] NAME COMMAND... (see exec --help),\n"
         "jailrun ps, inspect NAME, logs [-f] NAME, stop [-t SECONDS] NAME, rm [-f] NAME,\n"
         "jailrun restart [-t SECONDS] NAME (stop it and start it again, same name and ports),\n"
         "jailrun up [-f FILE] [-p PROJECT] [-d] / down [-f FILE] [-p PROJECT] (a compose-like\n"
         "stack file, default jailrun.yaml then compose.yaml; see the README),\n"
         "jailrun network create|ls|inspect|rm (see network --help),\n"
         "jailrun wait [--healthy] NAME (the jail's exit status; --healthy: 0 once healthy,\n"
         "1 if it gets unhealthy or ends),\n"
         "jailrun oci VERB (or jailrun-oci): the OCI runtime CLI for podman (see jailrun oci --help),\n"
         "jailrun check, jailrun net allow|deny|ls|off|on NAME ... (the internet\n"
         "switch of a running --net-allow proxy jail; see net --help).\n",
         f);
}

/* A decimal number (only digits when integer); -1 for junk so the
 * setter reports it. */
static double
parse_number (const char *arg, bool integer)
{
  char *end;
  errno = 0;
  double v = strtod (arg, &end);
  if (errno || end == arg || *end || (integer && arg[strspn (arg, "0123456789")] != '\0'))
    return -1;
  return v;
}

/* --limits best-effort: say what is and is not enforced. */
static int
check_limits (jail_config *cfg, jail_error **err)
{
  char *warning = NULL;
  int r = jail_limits_check (cfg, &warning, err);
  if (warning)
    fprintf (stderr, "jailrun: warning: %s\n", warning);
  free (warning);
  return r;
}

/* --stats: peak memory, CPU time, max tasks of the run that ended. */
static void
print_stats (const jail_config *cfg)
{
  long long mem, cpu, pids;
  if (jail_last_stats (cfg, &mem, &cpu, &pids) < 0)
    {
      fputs ("jailrun: stats: not available (the jail had no cgroup)\n", stderr);
      return;
    }
  char m[32] = "n/a", c[32] = "n/a", p[32] = "n/a";
  if (mem >= 0)
    snprintf (m, sizeof m, "%.1fM", (double) mem / (1 << 20));
  if (cpu >= 0)
    snprintf (c, sizeof c, "%.3fs", (double) cpu / 1e6);
  if (pids >= 0)
    snprintf (p, sizeof p, "%lld", pids);
  fprintf (stderr, "jailrun: stats: memory peak %s, cpu %s, tasks peak %s\n", m, c, p);
}

/* Seconds from a decimal string; -1 for junk. */
double
cmd_parse_seconds (const char *arg)
{
  char *end;
  errno = 0;
  double t = strtod (arg, &end);
  return errno || end == arg || *end ? -1 : t;
}

/* -p SPEC[/tcp]: the forwarder is TCP only. */
static int
publish_opt (jail_config *cfg, const char *arg, jail_error **err)
{
  const char *slash = strrchr (arg, '/');
  if (slash == NULL)
    return jail_config_add_publish (cfg, arg, err);
  if (strcmp (slash, "/tcp") != 0)
    {
      fprintf (stderr, "jailrun: -p '%s': only TCP ports can be published (%s is not forwarded): drop '%s' or use /tcp\n",
               arg, slash + 1, slash);
      return -EINVAL;
    }
  char *spec = strndup (arg, (size_t) (slash - arg));
  int r = spec ? jail_config_add_publish (cfg, spec, err) : -ENOMEM;
  free (spec);
  return r;
}

/* --security-opt no-new-privileges[:true] | seccomp=FILE|unconfined. */
static int
security_opt (jail_config *cfg, const char *arg, jail_error **err)
{
  if (strcmp (arg, "no-new-privileges") == 0 || strcmp (arg, "no-new-privileges:true") == 0
      || strcmp (arg, "no-new-privileges=true") == 0)
    return 0; /* always set */
  if (strncmp (arg, "seccomp=", 8) == 0 || strncmp (arg, "seccomp:", 8) == 0)
    return jail_config_set_seccomp (cfg, arg + 8, err);
  fprintf (stderr, "jailrun: --security-opt '%s': %s\n", arg,
           strncmp (arg, "no-new-privileges", 17) == 0 ? "refused: no_new_privs is always on"
                                                       : "unknown: use no-new-privileges or seccomp=FILE|unconfined");
  return -EINVAL;
}

/* Apply one parsed option to cfg. */
static int
apply_opt (jail_config *cfg, int c, const char *arg, jail_error **err)
{
  double t;
  switch (c)
    {
    case OPT_NO_NET:
      return jail_config_set_network (cfg, JAIL_NET_NONE, err);
    case 'p':
      return publish_opt (cfg, arg, err);
    case OPT_SECURITY_OPT:
      return security_opt (cfg, arg, err);
    case OPT_READ_ONLY:
      return jail_config_set_read_write (cfg, 0, err);
    case OPT_CAP_DROP:
      return jail_config_drop_cap (cfg, arg, err);
    case OPT_PRIVILEGED:
      fputs ("jailrun: --privileged: refused: jailrun has no mode that turns the sandbox off; "
             "add what the command needs (--cap-add CAP, -v, --seccomp +SYSCALL)\n",
             stderr);
      return -EINVAL;
    case OPT_NET_ALLOW:
      if (strcmp (arg, "proxy") != 0)
        {
          fprintf (stderr, "jailrun: --net-allow '%s': the only mode is 'proxy'\n", arg);
          return -EINVAL;
        }
      return jail_config_set_network (cfg, JAIL_NET_PROXY, err);
    case OPT_ALLOW:
      return jail_config_add_allow (cfg, arg, err);
    case OPT_ALLOW_FILE:
      return jail_config_load_allow_file (cfg, arg, err);
    case OPT_ALLOW_PRIVATE:
      return jail_config_add_allow_private (cfg, arg, err);
    case OPT_UPSTREAM_PROXY:
      return jail_config_set_upstream_proxy (cfg, arg, err);
    case OPT_AUDIT_LOG:
      return jail_config_set_audit_log (cfg, arg, err);
    case OPT_SUBNET:
      return jail_config_set_subnet (cfg, arg, err);
    case OPT_NETWORK:
      return jail_config_set_network_name (cfg, arg, err);
    case OPT_NETWORK_ALIAS:
      return jail_config_add_network_alias (cfg, arg, err);
    case OPT_HEALTH_CMD:
      return jail_config_set_health (cfg, "cmd", arg, err);
    case OPT_HEALTH_INTERVAL:
      return jail_config_set_health (cfg, "interval", arg, err);
    case OPT_HEALTH_TIMEOUT:
      return jail_config_set_health (cfg, "timeout", arg, err);
    case OPT_HEALTH_RETRIES:
      return jail_config_set_health (cfg, "retries", arg, err);
    case OPT_HEALTH_START:
      return jail_config_set_health (cfg, "start-period", arg, err);
    case 'v':
      return jail_config_add_volume (cfg, arg, err);
    case OPT_TMPFS:
      return jail_config_add_tmpfs (cfg, arg, err);
    case OPT_READ_WRITE:
      return jail_config_set_read_write (cfg, 1, err);
    case OPT_CAP_ADD:
      return jail_config_add_cap (cfg, arg, err);
    case 'e':
      return jail_config_set_env (cfg, arg, err);
    case OPT_ENV_FILE:
      return jail_config_load_env_file (cfg, arg, err);
    case 'w':
      return jail_config_set_workdir (cfg, arg, err);
    case OPT_HOSTNAME:
      return jail_config_set_hostname (cfg, arg, err);
    case OPT_SECCOMP:
      return jail_config_set_seccomp (cfg, arg, err);
    case OPT_MEMORY:
      return jail_config_set_memory (cfg, arg, err);
    case OPT_CG_PARENT:
      return jail_config_set_cgroup_parent (cfg, arg, err);
    case OPT_CPUS:
      return jail_config_set_cpus (cfg, parse_number (arg, false), err);
    case OPT_PIDS:
      return jail_config_set_pids_limit (cfg, (long long) parse_number (arg, true), err);
    case OPT_CG_MANAGER:
      return jail_config_set_cgroup_manager (cfg, strcmp (arg, "auto") == 0 ? JAIL_CGROUP_AUTO : strcmp (arg, "systemd") == 0 ? JAIL_CGROUP_SYSTEMD
                                                                                             : strcmp (arg, "cgroupfs") == 0  ? JAIL_CGROUP_CGROUPFS
                                                                                                                              : -1,
                                             err);
    case OPT_LIMITS:
      return jail_config_set_limits_mode (cfg, strcmp (arg, "strict") == 0 ? JAIL_LIMITS_STRICT : strcmp (arg, "best-effort") == 0 ? JAIL_LIMITS_BEST_EFFORT
                                                                                                                                   : -1,
                                          err);
    case OPT_LOG_MAX:
      return jail_config_set_log_max (cfg, arg, err);
    case OPT_RESTART:
      return jail_config_set_restart (cfg, arg, err);
    case OPT_TIMEOUT:
      t = cmd_parse_seconds (arg);
      if (t < 0)
        {
          fprintf (stderr, "jailrun: --timeout '%s': not a number of seconds (e.g. 30 or 0.5)\n", arg);
          return -EINVAL;
        }
      return jail_config_set_timeout (cfg, t, err);
    default:
      return -EINVAL;
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
run_detached (jail_config *cfg, const char *name, bool rm, char **argv)
{
  jail *j = NULL;
  jail_error *err = NULL;
  int r = check_limits (cfg, &err); /* warn before detaching */
  if (r == 0)
    r = jail_start (cfg, name, argv, JAIL_START_DETACH | (rm ? JAIL_START_AUTOREMOVE : 0), &j, &err);
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
  int r = check_limits (cfg, &err);
  if (r == 0)
    r = jail_start (cfg, name, argv, JAIL_START_ATTACH, &j, &err);
  if (r == 0)
    r = jail_wait (j, &status, &err);
  jail_close (j);
  jail_config_free (cfg);
  cmd_report (err);
  return r < 0 ? EXIT_JAILRUN : status;
}

/* What cmd_run keeps for itself rather than giving to the config. */
struct run_args
{
  bool stats, detach, rm;
  unsigned tty; /* enum jail_tty_flags: -t, -i */
  const char *name;
  const char *user; /* applied once the rootfs is known (names) */
};

/* Take an option that is not the config's; false if it is. */
static bool
take_local (struct run_args *a, int c, const char *arg)
{
  switch (c)
    {
    case 'd':
      a->detach = true;
      return true;
    case OPT_NAME:
      a->name = arg;
      return true;
    case OPT_RM:
      a->rm = true;
      return true;
    case OPT_STATS:
      a->stats = true;
      return true;
    case 'u':
      a->user = arg;
      return true;
    case 'i':
      a->tty |= JAIL_INTERACTIVE;
      return true;
    case 't':
      a->tty |= JAIL_TTY;
      return true;
    default:
      return false;
    }
}

/* --help, --version, or a getopt error: the exit status; -1 otherwise. */
static int
early_exit (int c)
{
  if (c == OPT_HELP)
    usage (stdout);
  else if (c == OPT_VERSION)
    printf ("jailrun %s\nfeatures: %s\n", jail_version (), jail_features ());
  else if (c == '?' || c == ':')
    fputs ("jailrun: see 'jailrun --help' for the options\n", stderr);
  else
    return -1;
  return c == '?' || c == ':' ? EXIT_JAILRUN : 0;
}

int
cmd_run (int argc, char **argv)
{
  jail_config *cfg = NULL;
  jail_error *err = NULL;
  struct run_args a = { 0 };
  int c, x, r = jail_config_new (&cfg, &err);
  while (r == 0 && (c = getopt_long (argc, argv, "+v:u:e:w:dp:it", run_opts, NULL)) != -1)
    {
      if ((x = early_exit (c)) >= 0)
        {
          jail_config_free (cfg);
          return x;
        }
      if (!take_local (&a, c, optarg))
        r = apply_opt (cfg, c, optarg, &err);
    }
  if (r == 0 && argc - optind < 2)
    {
      fputs ("jailrun: missing ROOTFS or COMMAND: usage: jailrun [OPTIONS] ROOTFS COMMAND [ARG...]\n", stderr);
      jail_config_free (cfg);
      return EXIT_JAILRUN;
    }
  if (r == 0)
    cmd_print_warnings (jail_config_warnings (cfg));
  if (r == 0 && a.tty && a.detach)
    {
      fputs ("jailrun: -i/-t need the jail attached to this terminal, not -d: start it with -d, then 'jailrun exec -it NAME sh'\n", stderr);
      jail_config_free (cfg);
      return EXIT_JAILRUN;
    }
  if (r == 0)
    r = jail_config_set_tty (cfg, a.tty, &err);
  if (r == 0)
    r = jail_config_set_rootfs (cfg, argv[optind], &err);
  if (r == 0 && a.user)
    r = jail_config_set_user (cfg, a.user, &err);
  if (r == 0 && a.name && !a.detach)
    return run_named (cfg, a.name, argv + optind + 1);
  if (r == 0 && a.detach)
    return run_detached (cfg, a.name, a.rm, argv + optind + 1);
  int status = EXIT_JAILRUN;
  if (r == 0)
    r = check_limits (cfg, &err);
  if (r == 0)
    {
      cmd_block_forwarded ();
      r = jail_run (cfg, argv + optind + 1, &status, &err);
      if (a.stats && r == 0)
        print_stats (cfg);
    }
  jail_config_free (cfg);
  cmd_report (err);
  return r < 0 ? EXIT_JAILRUN : status;
}
