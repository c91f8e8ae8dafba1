/* cgprobe.c - static program the VM tier puts in the jail's rootfs to
 * push against cgroup limits, every loop bounded.  Usage:
 *   cgprobe hog MB          allocate and touch MB MiB, 1 MiB at a time;
 *                           prints "hog done MB" if nothing stopped it
 *   cgprobe forks N SECS    try to fork N children that sleep SECS; prints
 *                           "forks ok K failed F", kills them, then forks
 *                           once more: "after ok" when the jail is usable
 *   cgprobe spin SECS       busy loop for SECS of wall time; prints
 *                           "spin wall_usec W" and "spin cpu_usec C" (its
 *                           own CPU time over that loop) */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long
now_usec (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000ll + ts.tv_nsec / 1000;
}

static int
hog (long mb)
{
  for (long i = 0; i < mb; i++)
    {
      char *p = malloc (1 << 20);
      if (p == NULL)
        {
          printf ("hog malloc failed at %ld\n", i);
          return 1;
        }
      memset (p, (int) i | 1, 1 << 20);
    }
  printf ("hog done %ld\n", mb);
  return 0;
}

static int
forks (int n, int secs)
{
  pid_t kids[4096];
  int ok = 0, failed = 0;
  if (n > 4096)
    n = 4096;
  for (int i = 0; i < n; i++)
    {
      pid_t p = fork ();
      if (p == 0)
        {
          sleep ((unsigned) secs);
          _exit (0);
        }
      if (p < 0)
        failed++;
      else
        kids[ok++] = p;
    }
  printf ("forks ok %d failed %d\n", ok, failed);
  fflush (stdout);
  for (int i = 0; i < ok; i++)
    kill (kids[i], SIGKILL);
  for (int i = 0; i < ok; i++)
    waitpid (kids[i], NULL, 0);
  pid_t p = fork ();
  if (p == 0)
    _exit (0);
  if (p > 0 && waitpid (p, NULL, 0) == p)
    printf ("after ok\n");
  else
    printf ("after failed %s\n", strerror (errno));
  return 0;
}

static int
spin (double secs)
{
  long long start = now_usec (), end = start + (long long) (secs * 1e6), t = start;
  volatile unsigned long x = 0;
  while (t < end)
    {
      for (int i = 0; i < 100000; i++)
        x += (unsigned long) i;
      t = now_usec ();
    }
  struct timespec cpu;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &cpu);
  printf ("spin wall_usec %lld\n", t - start);
  printf ("spin cpu_usec %lld\n", cpu.tv_sec * 1000000ll + cpu.tv_nsec / 1000);
  return 0;
}

int
main (int argc, char **argv)
{
  setvbuf (stdout, NULL, _IOLBF, 0);
  if (argc == 3 && strcmp (argv[1], "hog") == 0)
    return hog (atol (argv[2]));
  if (argc == 4 && strcmp (argv[1], "forks") == 0)
    return forks (atoi (argv[2]), atoi (argv[3]));
  if (argc == 3 && strcmp (argv[1], "spin") == 0)
    return spin (atof (argv[2]));
  fprintf (stderr, "usage: cgprobe hog MB | forks N SECS | spin SECS\n");
  return 2;
}
