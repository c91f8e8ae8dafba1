/* threads-run.c - TAP test: jail_run from a process whose other threads
 * keep malloc busy and fork short-lived children.  The child of the raw
 * clone must not take any glibc lock (fork, set*id broadcast, malloc), and
 * the supervisor must not wait for an EOF that a forked copy of the
 * channel delays; either bug makes this hang. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jail.h"
#include "tap.h"

static atomic_int stop;

static void *
churn (void *arg)
{
  (void) arg;
  while (!atomic_load (&stop))
    {
      void *p[64];
      for (int i = 0; i < 64; i++)
        p[i] = malloc ((size_t) (i * 97 + 16));
      for (int i = 0; i < 64; i++)
        free (p[i]);
    }
  return NULL;
}

/* Keep about 60 forked children alive at any time, each holding copies
 * of every fd of the moment for 300 ms (bounded: 4000 forks). */
static void *
forker (void *arg)
{
  (void) arg;
  for (int i = 0; i < 4000 && !atomic_load (&stop); i++)
    {
      pid_t p = fork ();
      if (p == 0)
        {
          usleep (300000);
          _exit (0);
        }
      usleep (5000);
      while (waitpid (-1, NULL, WNOHANG) > 0)
        ;
    }
  while (waitpid (-1, NULL, 0) > 0)
    ;
  return NULL;
}

int
main (void)
{
  const char *rootfs = getenv ("ROOTFS");
  const int runs = 30;
  pthread_t t[5];
  tap_plan (runs);
  for (int i = 0; i < 4; i++)
    pthread_create (&t[i], NULL, churn, NULL);
  pthread_create (&t[4], NULL, forker, NULL);
  for (int i = 0; i < runs; i++)
    {
      jail_config *cfg = NULL;
      jail_error *err = NULL;
      char *argv[] = { "/usr/bin/probe", "exit", "7", NULL };
      int status = -1;
      int r = jail_config_new (&cfg, &err);
      if (r == 0)
        r = jail_config_set_rootfs (cfg, rootfs ? rootfs : "/nonexistent", &err);
      if (r == 0)
        r = jail_run (cfg, argv, &status, &err);
      ok (r == 0 && status == 7, "jail_run with busy and forking threads%s%s", err ? ": " : "",
          err ? jail_error_message (err) : "");
      jail_error_free (err);
      jail_config_free (cfg);
    }
  atomic_store (&stop, 1);
  for (int i = 0; i < 5; i++)
    pthread_join (t[i], NULL);
  return tap_done (false);
}
