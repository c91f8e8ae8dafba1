/* oci.c - `jailrun-oci` (argv[0]) and `jailrun oci VERB`: the OCI runtime
 * command line engines call (runc's verbs and global flags).  Parsing and
 * printing only; the work is libjail's jail_oci_* (jail.h). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "jailrun.h"

/* Global options, before the verb. */
struct globals
{
  const char *root, *audit_dir; /* --root, --audit-dir (NULL: not given) */
  bool cgroups_disabled;        /* --cgroup-manager disabled */
  bool systemd_cgroup;          /* --systemd-cgroup, --cgroup-manager systemd */
  jail_oci *oci;                /* the handle, once the options are parsed */
  const char *log;
  /* --log, opened once the options are read: exec joins the container's
   * mount namespace, where the path would be the container's to plant
   * (-2: not yet opened, early errors open the path; -1: none). */
  int log_fd;
  bool json;
};

static void
oci_usage (FILE *f)
{
  fputs ("Usage: jailrun-oci [GLOBAL OPTIONS] VERB [OPTIONS] ID\n"
         "       jailrun oci [GLOBAL OPTIONS] VERB [OPTIONS] ID\n"
         "The OCI runtime command line (runc's), for podman, Docker and containerd.\n\n"
         "Verbs:\n"
         "  create [-b|--bundle DIR] [--pid-file FILE] [--console-socket SOCK] ID   build the container from DIR/config.json;\n"
         "                                   its init waits for start\n"
         "  start ID                         run the container's process\n"
         "  state ID                         the runtime-spec state JSON\n"
         "  kill [-a|--all] ID [SIGNAL]      signal the init (or every process); TERM by default\n"
         "  delete [-f|--force] ID           remove a stopped container (--force: kill it first)\n"
         "  ps [--format table|json] ID      host pids of the container's processes\n"
         "  list [--format table|json] [-q]  the containers under --root (json: their state objects)\n"
         "  pause ID, resume ID              freeze and thaw the container (its cgroup's cgroup.freeze)\n"
         "  update --resources FILE|- ID     new linux.resources (runtime-spec JSON; - reads stdin)\n"
         "  features                         what this runtime supports (runtime-spec features JSON)\n"
         "  exec [--process FILE] [-d|--detach] [--pid-file FILE] [-t --console-socket SOCK] ID [COMMAND...]\n"
         "                                   a new process in the running container, within its policy\n"
         "  (create and exec take --preserve-fds N: fds 3 to N+2 are passed to the container's process)\n\n"
         "Global options:\n"
         "  --root DIR             state directory (/run/jailrun-oci as root, $XDG_RUNTIME_DIR/jailrun-oci rootless)\n"
         "  --log FILE             write errors there too\n"
         "  --log-format text|json one line per message; json: {\"level\",\"msg\",\"time\"}\n"
         "  --debug                accepted\n"
         "  --cgroup-manager cgroupfs|systemd|disabled   cgroupfs: a cgroup v2 for each container (linux.cgroupsPath,\n"
         "                         linux.resources; a limit this host cannot enforce is an error);\n"
         "                         systemd: as --systemd-cgroup; disabled: ignore cgroupsPath and linux.resources\n"
         "  --systemd-cgroup       the container's cgroup is a transient scope of your systemd manager\n"
         "                         (Delegate=yes): cgroupsPath slice:prefix:name gives prefix-name.scope in\n"
         "                         slice (default system.slice, rootless user.slice: jailrun-oci-ID.scope)\n"
         "  --rootless VALUE       accepted and ignored\n"
         "  --audit-dir DIR        run.jailrun.audit-log may also name a file in DIR (else only ROOT/audit)\n"
         "  -v, --version, -h, --help\n\n"
         "jailrun's floor stays under every config.json: a user namespace always (container root is\n"
         "never host uid 0), no namespace of the host's (a linux.namespaces path joins any other; a pid,\n"
         "mount or cgroup namespace brings the user namespace owning it), no host network, no_new_privs,\n"
         "jailrun's default seccomp filter under the engine's profile.  Not supported (refused with a\n"
         "message): cgroup v1 limits, joining a time namespace.\n\n"
         "Annotations (podman --annotation, compose annotations:, a pod's annotations):\n"
         "  run.jailrun.net=proxy             a private network whose only way out is jailrun's egress\n"
         "                                    proxy (HTTP_PROXY etc. set), served by a sidecar that exits\n"
         "                                    with the container's init\n"
         "  run.jailrun.allow=HOST[:PORT],... what the proxy allows (jailrun --allow's syntax)\n"
         "  run.jailrun.audit-log=NAME|PATH   one JSON line per decision, in ROOT/audit/NAME or --audit-dir\n"
         "In a network namespace joined by path (a pod's, root only), the first container with\n"
         "run.jailrun.net=proxy sets the proxy up there and later ones with the same annotations share\n"
         "it; other annotations, or a namespace with a route out already, are refused.\n",
         f);
}

/* The message on stderr, and in --log when given. */
static void
oci_report_msg (const struct globals *g, const char *msg)
{
  fprintf (stderr, "jailrun-oci: %s\n", msg);
  int fd = g->log_fd >= 0              ? fcntl (g->log_fd, F_DUPFD_CLOEXEC, 3)
           : g->log_fd == -2 && g->log ? open (g->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644)
                                       : -1;
  FILE *f = fd >= 0 ? fdopen (fd, "a") : NULL;
  if (f == NULL && fd >= 0)
    close (fd);
  if (f)
    {
      char stamp[64];
      time_t now = time (NULL);
      struct tm tm;
      strftime (stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", gmtime_r (&now, &tm));
      if (g->json)
        {
          fputs ("{\"level\":\"error\",\"msg\":\"", f);
          for (const char *p = msg; *p; p++)
            if (*p == '"' || *p == '\\')
              fprintf (f, "\\%c", *p);
            else if ((unsigned char) *p < 0x20)
              fprintf (f, "\\u%04x", *p);
            else
              fputc (*p, f);
          fprintf (f, "\",\"time\":\"%s\"}\n", stamp);
        }
      else
        fprintf (f, "time=\"%s\" level=error msg=\"%s\"\n", stamp, msg);
      fclose (f);
    }
}

/* The error's message as oci_report_msg, and free it. */
static void
oci_report (const struct globals *g, jail_error *err)
{
  oci_report_msg (g, err ? jail_error_message (err) : "unknown error");
  jail_error_free (err);
}

static int fail (const struct globals *g, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static int
fail (const struct globals *g, const char *fmt, ...)
{
  char msg[512];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  oci_report_msg (g, msg);
  return EXIT_JAILRUN;
}

/* Parse the global options; returns the index of the verb, or -1 after
 * an error (reported), or 0 when the command is complete (--version). */
static int
parse_globals (int argc, char **argv, struct globals *g, int *status)
{
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++)
    {
      char *a = argv[i], *eq = strchr (a, '='), *val = NULL;
      size_t klen = eq ? (size_t) (eq - a) : strlen (a);
      static const char *const with_value[] = { "--root", "--log", "--log-format", "--log-level",
                                                "--cgroup-manager", "--rootless", "--criu", "--audit-dir", NULL };
      bool takes = false;
      for (size_t k = 0; with_value[k]; k++)
        takes = takes || (strlen (with_value[k]) == klen && strncmp (a, with_value[k], klen) == 0);
      if (takes)
        {
          if (!eq && i + 1 >= argc)
            return *status = fail (g, "%s needs a value", a), -1;
          val = eq ? eq + 1 : argv[++i];
        }
      if (strncmp (a, "--root", klen) == 0 && klen == 6)
        g->root = val;
      else if (strncmp (a, "--audit-dir", klen) == 0 && klen == 11)
        {
          if (val[0] != '/')
            return *status = fail (g, "--audit-dir %s: give an absolute path", val), -1;
          g->audit_dir = val;
        }
      else if (strncmp (a, "--log", klen) == 0 && klen == 5)
        g->log = val;
      else if (strncmp (a, "--log-format", klen) == 0 && klen == 12)
        {
          if (strcmp (val, "json") != 0 && strcmp (val, "text") != 0)
            return *status = fail (g, "--log-format %s: use text or json", val), -1;
          g->json = strcmp (val, "json") == 0;
        }
      else if (strncmp (a, "--cgroup-manager", klen) == 0 && klen == 16)
        {
          if (strcmp (val, "cgroupfs") != 0 && strcmp (val, "disabled") != 0 && strcmp (val, "systemd") != 0)
            return *status = fail (g, "--cgroup-manager %s: use cgroupfs, systemd or disabled", val), -1;
          g->cgroups_disabled = strcmp (val, "disabled") == 0;
          g->systemd_cgroup = strcmp (val, "systemd") == 0;
        }
      else if (strcmp (a, "--systemd-cgroup") == 0 || strcmp (a, "--systemd-cgroup=true") == 0)
        g->systemd_cgroup = true, g->cgroups_disabled = false;
      else if (strcmp (a, "-v") == 0 || strcmp (a, "--version") == 0)
        {
          printf ("jailrun-oci version %s\nspec: %s\n+SECCOMP +CAP +USERNS(always) -HOOKS -TERMINAL +CGROUPS(v2)\n", JR_VERSION, jail_oci_version ());
          return *status = 0, 0;
        }
      else if (strcmp (a, "-h") == 0 || strcmp (a, "--help") == 0)
        {
          oci_usage (stdout);
          return *status = 0, 0;
        }
      else if (strcmp (a, "--systemd-cgroup=false") == 0)
        g->systemd_cgroup = false;
      else if (!takes && strcmp (a, "--debug") != 0)
        return *status = fail (g, "unknown global option %s: see jailrun-oci --help", a), -1;
    }
  if (i >= argc)
    return *status = fail (g, "%s", "no verb given: see jailrun-oci --help"), -1;
  return i;
}

static int
done (const struct globals *g, int r, jail_error *err)
{
  if (r < 0)
    {
      oci_report (g, err);
      return EXIT_JAILRUN;
    }
  return 0;
}

/* --preserve-fds N: fds 3..3+N-1 go to the container's process; each
 * must be open now, before this process opens any of its own (else one
 * of ours, e.g. a state directory fd, would take the number and leak). */
static int
preserve_fds (const struct globals *g, const char *verb, const char *arg, unsigned *n)
{
  char *end;
  errno = 0;
  unsigned long v = strtoul (arg, &end, 10);
  if (errno || end == arg || *end || arg[0] == '-' || v > 4096)
    return fail (g, "%s: --preserve-fds %s: give a count of fds from 0 to 4096", verb, arg), -1;
  for (unsigned long fd = 3; fd < 3 + v; fd++)
    if (fcntl ((int) fd, F_GETFD) < 0 || (int) fd == g->log_fd) /* the --log fd is ours */
      return fail (g, "%s: --preserve-fds %s: fd %lu is not open (the fds to pass are 3 to %lu)", verb, arg, fd, 2 + v), -1;
  *n = (unsigned) v;
  return 0;
}

/* getopt_long over a verb's arguments; the ID (and more) stay in argv. */
static int
verb_create (const struct globals *g, int argc, char **argv)
{
  static const struct option opts[] = {
    { "bundle", required_argument, NULL, 'b' }, { "pid-file", required_argument, NULL, 'p' }, { "console-socket", required_argument, NULL, 'c' }, { "preserve-fds", required_argument, NULL, 'f' }, { "no-new-keyring", no_argument, NULL, 'k' }, { "no-pivot", no_argument, NULL, 'n' }, { 0 }
  };
  struct jail_oci_create_opts o = { .size = sizeof o };
  int c;
  optind = 0;
  while ((c = getopt_long (argc, argv, "+b:", opts, NULL)) != -1)
    switch (c)
      {
      case 'b':
        o.bundle = optarg;
        break;
      case 'p':
        o.pid_file = optarg;
        break;
      case 'c':
        o.console_socket = optarg;
        break;
      case 'f':
        if (preserve_fds (g, "create", optarg, &o.preserve_fds) < 0)
          return EXIT_JAILRUN;
        break;
      case 'k':
        break; /* keyrings are denied by the seccomp floor anyway */
      case 'n':
        return fail (g, "%s", "create: --no-pivot is refused (pivot_root is what keeps the host's root out)");
      default:
        return fail (g, "%s", "create: bad option: see jailrun-oci --help");
      }
  if (optind != argc - 1)
    return fail (g, "%s", "create: give exactly one container ID");
  jail_error *err = NULL;
  int r = jail_oci_create (g->oci, argv[optind], &o, &err);
  return done (g, r, err);
}

static int
verb_state (const struct globals *g, const char *id)
{
  jail_error *err = NULL;
  jail_oci_state *st = NULL;
  int r = jail_oci_state_load (g->oci, id, &st, &err);
  if (r == 0)
    {
      char *json = NULL;
      jail_oci_state_json (st, &json, NULL);
      puts (json ? json : "{}");
      free (json);
    }
  jail_oci_state_free (st);
  return done (g, r, err);
}

/* kill [--all|-a] ID [SIGNAL] and delete [--force|-f] ID. */
static int
verb_kill_delete (const struct globals *g, bool is_kill, int argc, char **argv)
{
  static const struct option opts[] = { { "all", no_argument, NULL, 'a' }, { "force", no_argument, NULL, 'f' }, { "signal", required_argument, NULL, 's' }, { 0 } };
  bool flag = false;
  const char *sig = NULL;
  int c;
  optind = 0;
  while ((c = getopt_long (argc, argv, is_kill ? "+as:" : "+f", opts, NULL)) != -1)
    if (c == (is_kill ? 'a' : 'f'))
      flag = true;
    else if (is_kill && c == 's')
      sig = optarg;
    else
      return fail (g, "%s: bad option: see jailrun-oci --help", argv[0]);
  int left = argc - optind;
  if (left < 1 || left > (is_kill ? 2 : 1))
    return fail (g, "%s: usage: kill [--all] ID [SIGNAL] | delete [--force] ID", argv[0]);
  jail_error *err = NULL;
  if (left == 2)
    sig = argv[optind + 1];
  int r = is_kill ? jail_oci_kill (g->oci, argv[optind], sig, flag, &err)
                  : jail_oci_delete (g->oci, argv[optind], flag, &err);
  return done (g, r, err);
}

/* exec [--process F] [-d] [--pid-file F] ID [COMMAND...] */
static int
verb_exec (const struct globals *g, int argc, char **argv)
{
  static const struct option opts[] = {
    { "process", required_argument, NULL, 'p' }, { "detach", no_argument, NULL, 'd' }, { "pid-file", required_argument, NULL, 'P' }, { "tty", no_argument, NULL, 't' }, { "console-socket", required_argument, NULL, 'c' }, { "preserve-fds", required_argument, NULL, 'f' }, { 0 }
  };
  struct jail_oci_exec_opts o = { .size = sizeof o };
  int c;
  optind = 0;
  while ((c = getopt_long (argc, argv, "+p:dt", opts, NULL)) != -1)
    switch (c)
      {
      case 'p':
        o.process = optarg;
        break;
      case 'd':
        o.detach = true;
        break;
      case 'P':
        o.pid_file = optarg;
        break;
      case 't':
        o.tty = true;
        break;
      case 'c':
        o.console_socket = optarg;
        break;
      case 'f':
        if (preserve_fds (g, "exec", optarg, &o.preserve_fds) < 0)
          return EXIT_JAILRUN;
        break;
      default:
        return fail (g, "%s", "exec: bad option: see jailrun-oci --help");
      }
  if (optind >= argc)
    return fail (g, "%s", "exec: give the container ID");
  o.args = argv + optind + 1;
  if (o.tty && o.process == NULL)
    return fail (g, "%s", "exec: --tty with a command needs --process (put \"terminal\": true there)");
  jail_error *err = NULL;
  int status = 0;
  if (!o.detach)
    cmd_block_forwarded (); /* jail_oci_exec passes them to the process */
  int r = jail_oci_exec (g->oci, argv[optind], &o, &status, &err);
  return r < 0 ? done (g, r, err) : status;
}

/* ps [--format table|json] ID: host pids (json: an array, as runc). */
static int
verb_ps (const struct globals *g, int argc, char **argv)
{
  static const struct option opts[] = { { "format", required_argument, NULL, 'f' }, { 0 } };
  bool json = false;
  int c;
  optind = 0;
  while ((c = getopt_long (argc, argv, "+f:", opts, NULL)) != -1)
    if (c == 'f' && (strcmp (optarg, "json") == 0 || strcmp (optarg, "table") == 0))
      json = strcmp (optarg, "json") == 0;
    else
      return fail (g, "%s", "ps: usage: ps [--format table|json] ID");
  if (optind != argc - 1)
    return fail (g, "%s", "ps: give exactly one container ID");
  pid_t pids[4096];
  size_t n = sizeof pids / sizeof *pids;
  jail_error *err = NULL;
  int r = jail_oci_ps (g->oci, argv[optind], pids, &n, &err);
  if (r < 0)
    return done (g, r, err);
  if (!json)
    puts ("PID");
  for (size_t i = 0; i < n; i++)
    printf (json ? "%s%d" : "%s%d\n", json ? (i ? "," : "[") : "", (int) pids[i]);
  if (json)
    puts (n ? "]" : "[]");
  return 0;
}

/* update --resources FILE|- ID: the JSON read (at most 1 MiB) and written
 * into the container's cgroup. */
static int
verb_update (const struct globals *g, int argc, char **argv)
{
  static const struct option opts[] = { { "resources", required_argument, NULL, 'r' }, { 0 } };
  const char *file = NULL;
  int c;
  optind = 0;
  while ((c = getopt_long (argc, argv, "+r:", opts, NULL)) != -1)
    if (c == 'r')
      file = optarg;
    else
      return fail (g, "%s", "update: usage: update --resources FILE|- ID");
  if (file == NULL || optind != argc - 1)
    return fail (g, "%s", "update: usage: update --resources FILE|- ID (other runc update flags are not supported: put them in the JSON)");
  FILE *f = strcmp (file, "-") == 0 ? stdin : fopen (file, "re");
  if (f == NULL)
    return fail (g, "update: --resources %s: %s", file, strerror (errno));
  size_t max = 1 << 20;
  char *text = malloc (max);
  size_t n = text ? fread (text, 1, max - 1, f) : 0;
  if (f != stdin)
    fclose (f);
  if (text == NULL || n == max - 1)
    {
      int st = fail (g, "update: --resources %s: %s", file, text ? "larger than 1 MiB" : "out of memory");
      free (text);
      return st;
    }
  text[n] = '\0';
  jail_error *err = NULL;
  int r = jail_oci_update (g->oci, argv[optind], text, &err);
  free (text);
  return done (g, r, err);
}

/* One container of list: table row or JSON object (state as `state`). */
static void
list_one (const struct globals *g, const char *id, bool json, bool first)
{
  jail_oci_state *st = NULL;
  if (jail_oci_state_load (g->oci, id, &st, NULL) < 0)
    return; /* deleted meanwhile, or damaged: `state ID` says which */
  if (json)
    {
      char *j = NULL;
      jail_oci_state_json (st, &j, NULL);
      printf ("%s%s", first ? "" : ",", j ? j : "{}");
      free (j);
    }
  else
    printf ("%-20s %-8d %-8s %-30s %s\n", id, (int) jail_oci_state_pid (st),
            jail_oci_state_status (st), jail_oci_state_bundle (st), jail_oci_state_created (st));
  jail_oci_state_free (st);
}

/* list [--format table|json] [-q|--quiet]: the containers of --root. */
static int
verb_list (const struct globals *g, int argc, char **argv)
{
  static const struct option opts[] = { { "format", required_argument, NULL, 'f' }, { "quiet", no_argument, NULL, 'q' }, { 0 } };
  bool json = false, quiet = false;
  int c;
  optind = 0;
  while ((c = getopt_long (argc, argv, "+f:q", opts, NULL)) != -1)
    if (c == 'f' && (strcmp (optarg, "json") == 0 || strcmp (optarg, "table") == 0))
      json = strcmp (optarg, "json") == 0;
    else if (c == 'q')
      quiet = true;
    else
      return fail (g, "%s", "list: usage: list [--format table|json] [-q|--quiet]");
  if (optind != argc)
    return fail (g, "%s", "list: takes no container ID");
  char **ids = NULL;
  jail_error *err = NULL;
  int r = jail_oci_list (g->oci, &ids, &err);
  if (r < 0)
    return done (g, r, err);
  size_t n = (size_t) r;
  if (json)
    putchar ('[');
  else if (!quiet)
    printf ("%-20s %-8s %-8s %-30s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED");
  for (size_t i = 0; i < n; i++)
    {
      if (quiet && !json)
        puts (ids[i]);
      else
        list_one (g, ids[i], json, i == 0);
    }
  jail_list_free (ids);
  if (json)
    puts ("]");
  return 0;
}

int
cmd_oci (int argc, char **argv)
{
  struct globals g = { .log_fd = -2 };
  int status = 0;
  int v = parse_globals (argc, argv, &g, &status);
  if (v <= 0)
    return status;
  g.log_fd = g.log ? open (g.log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644) : -1;
  jail_error *err = NULL;
  int r = jail_oci_open (g.root, &g.oci, &err);
  if (r == 0)
    r = jail_oci_set_cgroups (g.oci, g.cgroups_disabled ? JAIL_OCI_CGROUPS_DISABLED : g.systemd_cgroup ? JAIL_OCI_CGROUPS_SYSTEMD
                                                                                                       : JAIL_OCI_CGROUPS_CGROUPFS,
                              &err);
  if (r == 0 && g.audit_dir)
    r = jail_oci_set_audit_dir (g.oci, g.audit_dir, &err);
  if (r < 0)
    {
      jail_oci_close (g.oci);
      return done (&g, r, err);
    }
  const char *verb = argv[v];
  int n = argc - v;
  char **args = argv + v;
  if (strcmp (verb, "create") == 0)
    status = verb_create (&g, n, args);
  else if ((strcmp (verb, "start") == 0 || strcmp (verb, "state") == 0) && n != 2)
    status = fail (&g, "%s: give exactly one container ID", verb);
  else if (strcmp (verb, "start") == 0)
    {
      r = jail_oci_start (g.oci, args[1], &err);
      status = done (&g, r, err);
    }
  else if (strcmp (verb, "state") == 0)
    status = verb_state (&g, args[1]);
  else if (strcmp (verb, "features") == 0)
    {
      char *f = NULL;
      jail_oci_features (&f, NULL);
      puts (f ? f : "{}");
      free (f);
    }
  else if (strcmp (verb, "exec") == 0)
    status = verb_exec (&g, n, args);
  else if (strcmp (verb, "ps") == 0)
    status = verb_ps (&g, n, args);
  else if (strcmp (verb, "list") == 0)
    status = verb_list (&g, n, args);
  else if ((strcmp (verb, "pause") == 0 || strcmp (verb, "resume") == 0) && n == 2)
    {
      r = verb[0] == 'r' ? jail_oci_resume (g.oci, args[1], &err) : jail_oci_pause (g.oci, args[1], &err);
      status = done (&g, r, err);
    }
  else if (strcmp (verb, "update") == 0)
    status = verb_update (&g, n, args);
  else if (strcmp (verb, "kill") == 0 || strcmp (verb, "delete") == 0)
    status = verb_kill_delete (&g, verb[0] == 'k', n, args);
  else
    status = fail (&g, "unknown verb '%s': jailrun-oci does create, start, state, kill, delete, exec, ps, list, pause, resume, update, features (see --help)", verb);
  jail_oci_close (g.oci);
  return status;
}
