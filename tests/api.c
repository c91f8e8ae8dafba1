/* api.c - TAP test of the embedding API (issue 7): setter validation,
 * jail_start / jail_capture / jail_exec / jail_stop / jail_close on an
 * anonymous jail, statuses, signals, script on stdin, timeout, output
 * caps, 8 threads capturing at once, no fd leak over 1000 captures, and
 * the internet switch (jail_net_*), a closed stdin that the library must
 * not fill with its socket. */
#include <dirent.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "jail.h"
#include "tap.h"

/* Count this process's open fds. */
static int
count_fds (void)
{
  DIR *d = opendir ("/proc/self/fd");
  int n = 0;
  while (d && readdir (d))
    n++;
  if (d)
    closedir (d);
  return n;
}

/* A setter call (using &e) must fail with -code and say something. */
#define REFUSES(code, name, call)                                 \
  do                                                              \
    {                                                             \
      e = NULL;                                                   \
      int r_ = (call);                                            \
      ok (r_ == -(code) && e && jail_error_message (e)[0], name); \
      jail_error_free (e);                                        \
    }                                                             \
  while (0)

static void
test_setters (void)
{
  jail_config *c = NULL;
  jail_exec_opts *o = NULL;
  jail_error *e = NULL;
  jail_config_new (&c, NULL);
  jail_exec_opts_new (&o, NULL);
  REFUSES (ENOENT, "set_rootfs: missing dir", jail_config_set_rootfs (c, "/nonexistent-jr", &e));
  REFUSES (EINVAL, "add_volume: malformed", jail_config_add_volume (c, "nocolon", &e));
  REFUSES (EINVAL, "add_tmpfs: relative", jail_config_add_tmpfs (c, "relative", &e));
  REFUSES (EINVAL, "set_user: not numeric", jail_config_set_user (c, "abc", &e));
  REFUSES (EINVAL, "add_cap: unknown", jail_config_add_cap (c, "CAP_BOGUS", &e));
  REFUSES (EINVAL, "set_env: empty key", jail_config_set_env (c, "=x", &e));
  REFUSES (EINVAL, "set_workdir: relative", jail_config_set_workdir (c, "rel", &e));
  REFUSES (EINVAL, "set_hostname: space", jail_config_set_hostname (c, "bad host", &e));
  REFUSES (EINVAL, "set_timeout: negative", jail_config_set_timeout (c, -1, &e));
  REFUSES (EINVAL, "set_network: unknown mode", jail_config_set_network (c, 99, &e));
  e = NULL;
  ok (jail_config_set_seccomp (c, "nonsense", &e) < 0 && e, "set_seccomp: unknown policy");
  jail_error_free (e);
  REFUSES (EINVAL, "exec_opts_set_env: bad key", jail_exec_opts_set_env (o, "1X=y", &e));
  REFUSES (EINVAL, "exec_opts_set_workdir: relative", jail_exec_opts_set_workdir (o, "a/../b", &e));
  REFUSES (EINVAL, "exec_opts_set_user: negative", jail_exec_opts_set_user (o, "-1", &e));
  REFUSES (EINVAL, "exec_opts_set_user: not a name", jail_exec_opts_set_user (o, "ro ot", &e));
  e = NULL;
  ok (jail_exec_opts_set_user (o, "nobody:nogroup", &e) == 0, "exec_opts_set_user: a name (looked up in the jail at exec)");
  REFUSES (EINVAL, "exec_opts_set_timeout: negative", jail_exec_opts_set_timeout (o, -2, &e));
  REFUSES (EBADF, "exec_opts_set_stdio: closed fd", jail_exec_opts_set_stdio (o, 9999, -1, -1, &e));
  e = NULL;
  char *argv[] = { "true", NULL };
  jail *j = NULL;
  REFUSES (EINVAL, "start: no rootfs set", jail_start (c, "x", argv, 0, &j, &e));
  jail_config_set_rootfs (c, getenv ("ROOTFS"), NULL);
  REFUSES (EINVAL, "start: bad name", jail_start (c, "bad/name", argv, 0, &j, &e));
  jail_exec_opts_free (o);
  jail_config_free (c);
}

/* Capture argv (with input) and return the result, or NULL. */
static jail_result *
cap (jail *j, char **argv, const char *input, double timeout, size_t max)
{
  jail_result *r = NULL;
  jail_error *e = NULL;
  if (jail_capture (j, NULL, argv, input, input ? strlen (input) : 0, timeout, max, &r, &e) < 0)
    {
      printf ("# capture %s: %s\n", argv[0], e ? jail_error_message (e) : "?");
      r = NULL;
    }
  jail_error_free (e);
  return r;
}

static void
test_capture (jail *j)
{
  char *echo[] = { "sh", "-c", "echo out; echo err >&2; exit 3", NULL };
  jail_result *r = cap (j, echo, NULL, 10, 4096);
  ok (r && strcmp (jail_result_stdout (r, NULL), "out\n") == 0, "capture: stdout");
  ok (r && strcmp (jail_result_stderr (r, NULL), "err\n") == 0, "capture: stderr");
  ok (r && jail_result_status (r) == 3 && jail_result_exit_code (r) == 3 && jail_result_signal (r) == 0, "capture: exit code 3");
  ok (r && jail_result_wall_time (r) > 0 && jail_result_cpu_time (r) >= 0 && jail_result_peak_memory (r) > 0, "capture: times and memory");
  jail_result_free (r);
  /* CPU time: with a cgroup per exec it counts a child the command never
   * waited for (a ~0.3 s busy loop in the background); without one
   * (rootless on a host without delegation) only what wait4 saw. */
  char *cgq[] = { "cat", "/proc/self/cgroup", NULL };
  r = cap (j, cgq, NULL, 10, 4096);
  bool own_cg = r && strstr (jail_result_stdout (r, NULL), "0::/exec-") != NULL;
  jail_result_free (r);
  char *bg[] = { "sh", "-c", "sh -c 'i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done' & sleep 2", NULL };
  r = cap (j, bg, NULL, 30, 4096);
  printf ("# own exec cgroup: %s, cpu %.3f s\n", own_cg ? "yes" : "no", r ? jail_result_cpu_time (r) : -1.0);
  if (own_cg)
    ok (r && jail_result_cpu_time (r) >= 0.1, "capture: CPU time counts an unwaited child (own cgroup)");
  else
    ok (r && jail_result_cpu_time (r) < 0.1, "capture: CPU time is wait4's without a cgroup");
  jail_result_free (r);
  char *kill9[] = { "sh", "-c", "kill -9 $$", NULL };
  r = cap (j, kill9, NULL, 10, 4096);
  ok (r && jail_result_signal (r) == 9 && jail_result_status (r) == 137 && jail_result_exit_code (r) == -1, "capture: killed by signal 9");
  jail_result_free (r);
  char *script[] = { "sh", "-s", NULL };
  r = cap (j, script, "echo from-script $((6*7))\nexit 5\n", 10, 4096);
  ok (r && strcmp (jail_result_stdout (r, NULL), "from-script 42\n") == 0 && jail_result_status (r) == 5, "capture: script on stdin");
  jail_result_free (r);
  char *slow[] = { "sleep", "30", NULL };
  time_t t0 = time (NULL);
  r = cap (j, slow, NULL, 0.5, 4096);
  ok (r && (jail_result_flags (r) & JAIL_RESULT_TIMED_OUT) && jail_result_status (r) == 124 && time (NULL) - t0 < 10,
      "capture: timeout kills, flag and 124");
  jail_result_free (r);
  char *big[] = { "sh", "-c", "head -c 100000 /dev/zero; head -c 10 /dev/zero >&2", NULL };
  size_t len = 0, elen = 0;
  r = cap (j, big, NULL, 10, 1000);
  ok (r && jail_result_stdout (r, &len) && len == 1000 && (jail_result_flags (r) & JAIL_RESULT_STDOUT_TRUNCATED),
      "capture: stdout capped at 1000 with the truncated flag");
  ok (r && jail_result_stderr (r, &elen) && elen == 10 && !(jail_result_flags (r) & JAIL_RESULT_STDERR_TRUNCATED),
      "capture: stderr under the cap, not truncated");
  jail_result_free (r);
  char *missing[] = { "no-such-cmd", NULL };
  r = cap (j, missing, NULL, 10, 4096);
  ok (r && jail_result_status (r) == 127 && (jail_result_flags (r) & JAIL_RESULT_EXEC_FAILED), "capture: missing command is 127");
  jail_result_free (r);
}

struct worker
{
  jail *j;
  int id, good;
};

/* One of 8 threads: 10 captures, each checking its own output. */
static void *
worker (void *arg)
{
  struct worker *w = arg;
  for (int i = 0; i < 10; i++)
    {
      char cmd[64], want[64];
      snprintf (cmd, sizeof cmd, "echo t%d-%d", w->id, i);
      snprintf (want, sizeof want, "t%d-%d\n", w->id, i);
      char *argv[] = { "sh", "-c", cmd, NULL };
      jail_result *r = cap (w->j, argv, NULL, 30, 256);
      w->good += r && strcmp (jail_result_stdout (r, NULL), want) == 0 && jail_result_status (r) == 0;
      jail_result_free (r);
    }
  return NULL;
}

static void
test_threads (jail *j)
{
  pthread_t t[8];
  struct worker w[8];
  for (int i = 0; i < 8; i++)
    {
      w[i] = (struct worker) { .j = j, .id = i };
      pthread_create (&t[i], NULL, worker, &w[i]);
    }
  int good = 0;
  for (int i = 0; i < 8; i++)
    {
      pthread_join (t[i], NULL);
      good += w[i].good;
    }
  ok (good == 80, "8 threads x 10 captures in one jail, all correct");
}

static void
test_fd_leak (jail *j, int runs)
{
  char *argv[] = { "true", NULL };
  int before = count_fds (), good = 0;
  for (int i = 0; i < runs; i++)
    {
      jail_result *r = cap (j, argv, i % 2 ? "in" : NULL, 10, 64);
      good += r && jail_result_status (r) == 0;
      jail_result_free (r);
    }
  ok (good == runs, "1000 captures succeed");
  ok (count_fds () == before, "no fd leaked over 1000 captures");
}

extern char **environ;

/* How many fds a freshly spawned child of ours has (ls /proc/self/fd). */
static int
child_fds (void)
{
  int p[2];
  if (pipe2 (p, O_CLOEXEC) < 0)
    return -1;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init (&fa);
  posix_spawn_file_actions_adddup2 (&fa, p[1], 1);
  char *argv[] = { "/bin/ls", "/proc/self/fd", NULL };
  pid_t pid;
  int n = -1;
  if (posix_spawn (&pid, argv[0], &fa, NULL, argv, environ) == 0)
    {
      close (p[1]);
      FILE *f = fdopen (p[0], "r");
      char line[64];
      n = 0;
      while (f && fgets (line, sizeof line, f))
        n++;
      if (f)
        fclose (f);
      waitpid (pid, NULL, 0);
    }
  else
    {
      close (p[0]);
      close (p[1]);
    }
  posix_spawn_file_actions_destroy (&fa);
  return n;
}

/* True when no handler was installed for the signals libjail deals with. */
static int
handlers_default (void)
{
  int sigs[] = { SIGCHLD, SIGPIPE, SIGTERM, SIGINT, SIGHUP };
  for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
    {
      struct sigaction sa;
      if (sigaction (sigs[i], NULL, &sa) < 0 || sa.sa_handler != SIG_DFL)
        return 0;
    }
  return 1;
}

/* A start that fails leaves no jail behind. */
static void
test_failed_start (void)
{
  jail_config *c = NULL;
  jail *j = NULL;
  jail_error *e = NULL;
  char **before = NULL, **after = NULL;
  int nb = jail_list (&before, NULL);
  char *argv[] = { "no-such-command-xyz", NULL };
  jail_config_new (&c, NULL);
  jail_config_set_rootfs (c, getenv ("ROOTFS"), NULL);
  int r = jail_start (c, "failing-start", argv, JAIL_START_DETACH, &j, &e);
  ok (r < 0 && e && strstr (jail_error_message (e), "no-such-command-xyz"), "a start whose command is missing fails and says why");
  int na = jail_list (&after, NULL);
  jail *none = NULL;
  ok (na == nb && jail_open ("failing-start", &none, NULL) == -ENOENT, "a failed start leaves nothing behind");
  jail_list_free (before);
  jail_list_free (after);
  jail_error_free (e);
  jail_config_free (c);
}

/* The internet switch through the API: refused without the proxy, then
 * allow / list / deny / off on a jail with an empty allowlist. */
static void
test_net (jail *plain)
{
  jail_error *e = NULL;
  REFUSES (EOPNOTSUPP, "jail_net_off: a jail without the proxy", jail_net_off (plain, &e));
  e = NULL; /* REFUSES freed it */
  jail_config *c = NULL;
  jail *j = NULL;
  char *argv[] = { "sleep", "infinity", NULL };
  int r = jail_config_new (&c, &e);
  if (r == 0)
    r = jail_config_set_rootfs (c, getenv ("ROOTFS"), &e);
  if (r == 0)
    r = jail_config_set_network (c, JAIL_NET_PROXY, &e);
  if (r == 0)
    r = jail_start (c, NULL, argv, 0, &j, &e);
  ok (r == 0, "start a proxy jail with an empty allowlist");
  jail_error_free (e);
  char *good[] = { "127.0.0.1:1", NULL }, *bad[] = { "127.0.0.1:2", "127.1", NULL }, *absent[] = { "example.com", NULL };
  char *text = NULL;
  ok (r == 0 && jail_net_allow (j, good, NULL) == 0, "jail_net_allow");
  REFUSES (EINVAL, "jail_net_allow: a bad entry", jail_net_allow (j, bad, &e));
  REFUSES (ENOENT, "jail_net_deny: an entry not in the list", jail_net_deny (j, absent, &e));
  ok (jail_net_off (j, NULL) == 0 && jail_net_list (j, &text, NULL) == 0 && strstr (text, "egress off\n")
          && strstr (text, "allow 127.0.0.1:1\n") && !strstr (text, "127.0.0.1:2"),
      "jail_net_off, jail_net_list");
  free (text);
  text = NULL;
  ok (jail_net_deny (j, good, NULL) == 0 && jail_net_on (j, NULL) == 0 && jail_net_list (j, &text, NULL) == 0
          && strncmp (text, "egress on\n", 10) == 0 && !strstr (text, "\nallow "),
      "jail_net_deny, jail_net_on");
  free (text);
  jail_close (j);
  jail_config_free (c);
}

/* jail_exec from a caller whose stdin is closed (in a child): the
 * process must get /dev/null, never the library's socket to the
 * supervisor (which would land on the free fd 0). */
static void
test_closed_stdin (jail *j)
{
  char *argv[] = { "sh", "-c", "case $(readlink /proc/$$/fd/0) in socket:*|pipe:*) exit 1;; *null) exit 0;; esac; exit 2", NULL };
  pid_t pid = fork ();
  if (pid == 0)
    {
      close (0);
      int st = -1;
      _exit (jail_exec (j, NULL, argv, &st, NULL) == 0 ? st : 99);
    }
  int ws = -1;
  waitpid (pid, &ws, 0);
  ok (WIFEXITED (ws) && WEXITSTATUS (ws) == 0, "jail_exec with stdin closed: the process gets /dev/null, not the library's socket");
}

int
main (void)
{
  tap_count.suffix = getenv ("JR_MODE") ? getenv ("JR_MODE") : "?";
  int fds_before = child_fds ();
  test_setters ();
  jail_config *c = NULL;
  jail *j = NULL;
  jail_error *e = NULL;
  char *argv[] = { "sleep", "infinity", NULL };
  int r = jail_config_new (&c, &e);
  if (r == 0)
    r = jail_config_set_rootfs (c, getenv ("ROOTFS"), &e);
  if (r == 0)
    r = jail_start (c, NULL, argv, 0, &j, &e);
  ok (r == 0 && jail_name (j) != NULL, "start an anonymous jail");
  if (r < 0)
    {
      diag ("%s", e ? jail_error_message (e) : "?");
      return tap_done (true);
    }
  ok (fds_before > 0 && child_fds () == fds_before, "no fd of the running jail leaks into the caller's children");
  ok (handlers_default (), "no signal handler installed in the caller");
  test_capture (j);
  test_closed_stdin (j);
  test_threads (j);
  test_fd_leak (j, 1000);
  test_failed_start ();
  test_net (j);
  char *name = strdup (jail_name (j));
  char *state = NULL;
  ok (jail_info (name, "state", &state, NULL) == 0 && strcmp (state, "running") == 0, "info: running");
  free (state);
  int st = -1;
  char *t[] = { "true", NULL };
  ok (jail_exec (j, NULL, t, &st, NULL) == 0 && st == 0, "jail_exec: true is 0");
  jail_close (j);
  jail *again = NULL;
  int gone = 0;
  for (int i = 0; i < 100 && !gone; i++)
    {
      struct timespec ts = { 0, 50 * 1000 * 1000 };
      gone = jail_open (name, &again, NULL) == -ENOENT;
      jail_close (again);
      again = NULL;
      if (!gone)
        nanosleep (&ts, NULL);
    }
  ok (gone, "closing the handle of an anonymous jail stops and forgets it");
  jail_error_free (e);
  e = NULL;
  free (name);
  jail_config_free (c);
  return tap_done (true);
}
