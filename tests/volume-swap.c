/* volume-swap.c - TAP test: a jail that swaps a volume source for a
 * symlink (through a writable parent volume) must not get the link's
 * target mounted when the embedder runs the same config again. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jail.h"
#include "tap.h"

/* Run argv in cfg; returns jail_run's result, status in *st. */
static int
run (jail_config *cfg, char **argv, int *st, char *msg, size_t n)
{
  jail_error *err = NULL;
  int r = jail_run (cfg, argv, st, &err);
  snprintf (msg, n, "%s", err ? jail_error_message (err) : "");
  jail_error_free (err);
  return r;
}

int
main (void)
{
  char dir[] = "/tmp/jr-swap.XXXXXX", proj[64], cache[80], spec1[128], spec2[128], msg[1024];
  if (mkdtemp (dir) == NULL)
    return 1;
  snprintf (proj, sizeof proj, "%s/proj", dir);
  snprintf (cache, sizeof cache, "%s/proj/cache", dir);
  mkdir (proj, 0777);
  mkdir (cache, 0777);
  chmod (dir, 0755);
  chmod (proj, 0777); /* writable by the jail user as root, too */
  chmod (cache, 0777);
  snprintf (spec1, sizeof spec1, "%s:/workspace", proj);
  snprintf (spec2, sizeof spec2, "%s:/tmp/cache", cache);
  jail_config *cfg = NULL;
  int st = -1, r = jail_config_new (&cfg, NULL);
  if (r == 0)
    r = jail_config_set_rootfs (cfg, getenv ("ROOTFS"), NULL);
  if (r == 0)
    r = jail_config_add_volume (cfg, spec1, NULL);
  if (r == 0)
    r = jail_config_add_volume (cfg, spec2, NULL);
  tap_plan (3);
  ok (r == 0, "config");
  char *swap[] = { "/bin/sh", "-c", "cd /workspace && mv cache cache.old && ln -s .. cache", NULL };
  r = run (cfg, swap, &st, msg, sizeof msg);
  ok (r == 0 && st == 0, "the jail swapped the source for a symlink (status %d)", st);
  char *look[] = { "/bin/ls", "/tmp/cache", NULL };
  r = run (cfg, look, &st, msg, sizeof msg);
  ok (r < 0 && strstr (msg, "changed since it was checked") != NULL, "the next run refuses the swapped source: %s", msg);
  jail_config_free (cfg);
  char cmd[128];
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", dir);
  (void) !system (cmd);
  return tap_done (false);
}
