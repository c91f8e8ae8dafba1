/* cycles.c - jr-cycles: run N jails in a row from ONE process through
 * libjail (jail_run) and report what the embedding process holds before
 * and after: its open fds, its children (zombies included), the lines of
 * its /proc/self/mountinfo, the heap bytes in use and its RSS.  Used by the
 * leak test (tests/leak.sh, a short run) and the soak (tests/bench/soak.sh,
 * 1,000 cycles).  The commands vary: plain exit, a non-zero status, a death
 * by signal, an orphan left running, a timeout, a volume and a tmpfs.
 *
 * Usage: jr-cycles N ROOTFS [SCRATCH_DIR [TAG]]   (TAG is $0 of every
 * jailed shell, so a leaked process can be found by its command line)
 * Output: "name before after" lines, then "failed-runs K". Exit 0 when
 * every run returned the status it should, 1 otherwise. */
#include <dirent.h>
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jail.h"

/* What the process holds at one moment. */
struct snap
{
  long fds, children, mountinfo, heap, rss_kb;
};

/* Count the entries of a /proc directory, "." and ".." excluded. */
static long
count_dir (const char *path)
{
  DIR *d = opendir (path);
  if (!d)
    return -1;
  long n = 0;
  struct dirent *e;
  while ((e = readdir (d)))
    if (strcmp (e->d_name, ".") && strcmp (e->d_name, ".."))
      n++;
  closedir (d);
  return n - 1; /* the fd of the DIR itself */
}

/* Count lines of a file, or the value after KEY in a "Key: value" file. */
static long
file_scan (const char *path, const char *key)
{
  FILE *f = fopen (path, "re");
  if (!f)
    return -1;
  char line[4096];
  long n = 0;
  while (fgets (line, sizeof line, f))
    {
      if (!key)
        n++;
      else if (strncmp (line, key, strlen (key)) == 0)
        n = strtol (line + strlen (key), NULL, 10);
    }
  fclose (f);
  return n;
}

/* Children of this process (all threads), zombies included. */
static long
count_children (void)
{
  char path[64];
  snprintf (path, sizeof path, "/proc/self/task/%d/children", (int) getpid ());
  FILE *f = fopen (path, "re");
  if (!f)
    return -1;
  long n = 0;
  int c, in = 0;
  while ((c = fgetc (f)) != EOF)
    {
      if (c >= '0' && c <= '9')
        n += !in, in = 1;
      else
        in = 0;
    }
  fclose (f);
  return n;
}

static void
take (struct snap *s)
{
  struct mallinfo2 mi = mallinfo2 ();
  s->fds = count_dir ("/proc/self/fd");
  s->children = count_children ();
  s->mountinfo = file_scan ("/proc/self/mountinfo", NULL);
  s->heap = (long) mi.uordblks;
  s->rss_kb = file_scan ("/proc/self/status", "VmRSS:");
}

/* One cycle: pick the command by i, run it, check the status. */
static int
one_cycle (int i, const char *rootfs, const char *scratch, const char *tag, jail_error **err)
{
  static const char *const scripts[] = {
    "exit 0",
    "exit 3",
    "kill -9 $$",
    "/bin/sh -c 'sleep 60; :' \"$0\" & exit 0",
    "sleep 60; :",
  };
  static const int want[] = { 0, 3, 137, 0, 124 };
  const char *only = getenv ("JR_CYCLES_KIND"); /* debugging: one kind only */
  int k = only ? atoi (only) % 5 : i % 5, status = -1;
  char *cmd[] = { "/bin/sh", "-c", (char *) scripts[k], (char *) tag, NULL };
  jail_config *cfg = NULL;
  int r = jail_config_new (&cfg, err);
  if (r == 0)
    r = jail_config_set_rootfs (cfg, rootfs, err);
  if (r == 0)
    r = jail_config_set_network (cfg, JAIL_NET_NONE, err);
  if (r == 0 && k == 4)
    r = jail_config_set_timeout (cfg, 0.2, err);
  if (r == 0 && scratch && k == 1)
    {
      char spec[4200];
      snprintf (spec, sizeof spec, "%s:/workspace:ro", scratch);
      r = jail_config_add_volume (cfg, spec, err);
    }
  if (r == 0 && k == 2)
    r = jail_config_add_tmpfs (cfg, "/run:size=1m", err);
  if (r == 0)
    r = jail_run (cfg, cmd, &status, err);
  jail_config_free (cfg);
  if (r == 0 && status != want[k])
    {
      fprintf (stderr, "jr-cycles: run %d (%s): status %d, want %d\n", i, scripts[k], status, want[k]);
      return -1;
    }
  return r;
}

int
main (int argc, char **argv)
{
  if (argc < 3)
    {
      fputs ("usage: jr-cycles N ROOTFS [SCRATCH_DIR [TAG]]\n", stderr);
      return 2;
    }
  int n = atoi (argv[1]), failed = 0;
  const char *scratch = argc > 3 && *argv[3] ? argv[3] : NULL;
  const char *tag = argc > 4 ? argv[4] : "jr-cycles";
  struct snap a, b;
  /* One run of each kind first, so one-time allocations (libseccomp,
   * libc caches) are not counted as a leak. */
  jail_error *err = NULL;
  for (int i = 0; i < 5; i++, err = NULL)
    {
      if (one_cycle (i, argv[2], scratch, tag, &err) < 0)
        failed++;
      jail_error_free (err);
    }
  take (&a);
  for (int i = 1; i <= n; i++)
    {
      err = NULL;
      if (one_cycle (i, argv[2], scratch, tag, &err) < 0)
        {
          failed++;
          if (err)
            fprintf (stderr, "jr-cycles: run %d: %s\n", i, jail_error_message (err));
        }
      jail_error_free (err);
    }
  take (&b);
  int st;
  long reaped = 0;
  while (waitpid (-1, &st, WNOHANG) > 0)
    reaped++;
  printf ("fds %ld %ld\nchildren %ld %ld\nmountinfo %ld %ld\nheap-bytes %ld %ld\nrss-kb %ld %ld\n",
          a.fds, b.fds, a.children, b.children, a.mountinfo, b.mountinfo, a.heap, b.heap,
          a.rss_kb, b.rss_kb);
  printf ("unreaped %ld\nfailed-runs %d\npid %d\n", reaped, failed, (int) getpid ());
  return failed != 0;
}
