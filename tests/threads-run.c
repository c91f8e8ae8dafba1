/* threads-run.c - TAP test: jail_run from a process whose other threads
 * keep malloc and stdio busy.  The child of the raw clone must not take
 * any glibc lock (fork, set*id broadcast, malloc), or this hangs. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jail.h"

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

int
main (void)
{
  const char *rootfs = getenv ("ROOTFS");
  const int runs = 30;
  pthread_t t[4];
  printf ("1..%d\n", runs);
  fflush (stdout);
  for (int i = 0; i < 4; i++)
    pthread_create (&t[i], NULL, churn, NULL);
  int failed = 0;
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
      int good = r == 0 && status == 7;
      printf ("%s %d - jail_run with busy threads%s%s\n", good ? "ok" : "not ok", i + 1,
              err ? ": " : "", err ? jail_error_message (err) : "");
      fflush (stdout);
      failed += !good;
      jail_error_free (err);
      jail_config_free (cfg);
    }
  atomic_store (&stop, 1);
  for (int i = 0; i < 4; i++)
    pthread_join (t[i], NULL);
  return failed != 0;
}
