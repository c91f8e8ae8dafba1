/* exec-latency-timer.c - time N runs of a command line (posix_spawn, wait)
 * or, with --api / --capture, N calls of jail_exec() of "true" /
 * jail_capture() of "echo hi" (or of the command line after the jail's
 * name) on a named jail from this process; prints "median_ms p99_ms
 * min_ms" for tests/bench/exec-latency, exec.sh and capture.sh. */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

#include "jail.h"

extern char **environ;

static double
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

/* One run of argv with stdout on /dev/null; its wall time, or -1. */
static double
spawn_once (char **argv)
{
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init (&fa);
  posix_spawn_file_actions_addopen (&fa, 1, "/dev/null", O_WRONLY, 0);
  double t0 = now_ms ();
  pid_t pid;
  int st;
  if (posix_spawnp (&pid, argv[0], &fa, NULL, argv, environ) != 0 || waitpid (pid, &st, 0) < 0
      || !WIFEXITED (st) || WEXITSTATUS (st) != 0)
    return -1;
  posix_spawn_file_actions_destroy (&fa);
  return now_ms () - t0;
}

/* One jail_exec of "true" in j, or -1. */
static double
api_once (jail *j)
{
  char *argv[] = { "true", NULL };
  int status = -1;
  double t0 = now_ms ();
  if (jail_exec (j, NULL, argv, &status, NULL) < 0 || status != 0)
    return -1;
  return now_ms () - t0;
}

/* One jail_capture of argv (NULL: "echo hi") in j, or -1. */
static double
capture_once (jail *j, char **cmd)
{
  char *hi[] = { "echo", "hi", NULL }, **argv = cmd && cmd[0] ? cmd : hi;
  jail_result *r = NULL;
  double t0 = now_ms ();
  if (jail_capture (j, NULL, argv, NULL, 0, 10, 4096, &r, NULL) < 0 || jail_result_status (r) != 0)
    return -1;
  jail_result_free (r);
  return now_ms () - t0;
}

int
main (int argc, char **argv)
{
  int capture = argc > 1 && strcmp (argv[1], "--capture") == 0;
  int api = capture || (argc > 1 && strcmp (argv[1], "--api") == 0);
  if (argc < 3 + api)
    {
      fputs ("usage: exec-latency-timer N CMD... | --api N JAILNAME | --capture N JAILNAME [CMD...]\n", stderr);
      return 2;
    }
  int n = atoi (argv[1 + api]);
  double *t = calloc ((size_t) n, sizeof *t);
  jail *j = NULL;
  if (t == NULL || (api && jail_open (argv[2 + api], &j, NULL) < 0))
    return 1;
  for (int i = 0; i < n; i++)
    if ((t[i] = capture ? capture_once (j, argv + 3 + api) : api ? api_once (j)
                                                                 : spawn_once (argv + 2))
        < 0)
      {
        fprintf (stderr, "exec-latency-timer: run %d failed\n", i);
        return 1;
      }
  qsort (t, (size_t) n, sizeof *t, cmp);
  printf ("%.2f %.2f %.2f\n", t[n / 2], t[(int) (n * 0.99) < n ? (int) (n * 0.99) : n - 1], t[0]);
  jail_close (j);
  free (t);
  return 0;
}
