/* leak-cycle.c - TAP test built with LeakSanitizer: a run / start / exec
 * / capture / inspect / stop / close / destroy cycle (and failing calls)
 * must free everything it allocated; LSan fails the exit status if not. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jail.h"

int
main (void)
{
  const char *rootfs = getenv ("ROOTFS");
  int n = 0, bad = 0;
  printf ("1..6\n");
  for (int round = 0; round < 2; round++)
    {
      jail_config *c = NULL;
      jail_error *e = NULL;
      jail *j = NULL;
      int st = -1;
      char *t[] = { "true", NULL }, *sl[] = { "sleep", "infinity", NULL };
      jail_config_new (&c, NULL);
      jail_config_set_rootfs (c, rootfs, NULL);
      jail_config_add_volume (c, "bad", &e); /* a failing setter fills e */
      jail_error_free (e);
      e = NULL;
      int r = jail_run (c, t, &st, &e);
      if (round == 0)
        printf ("%s %d - jail_run\n", r == 0 && st == 0 ? "ok" : "not ok", ++n), bad += !(r == 0 && st == 0);
      r = jail_start (c, NULL, sl, 0, &j, &e);
      if (r == 0)
        r = jail_exec (j, NULL, t, &st, &e);
      jail_result *res = NULL;
      if (r == 0)
        r = jail_capture (j, NULL, t, "x", 1, 5, 64, &res, &e);
      char *json = NULL, **names = NULL, *report = NULL, *v = NULL;
      if (r == 0)
        r = jail_inspect (jail_name (j), &json, &e);
      if (r == 0)
        r = jail_info (jail_name (j), "state", &v, &e);
      if (r == 0)
        r = jail_list (&names, &e) < 0 ? -1 : 0;
      if (r == 0)
        r = jail_check (&report, &e) < 0 ? -1 : 0;
      if (r == 0)
        r = jail_stop (j, 1, &e);
      if (round == 0)
        {
          printf ("%s %d - start, exec, capture, inspect, list, check, stop\n", r == 0 ? "ok" : "not ok", ++n);
          bad += r != 0;
          printf ("%s %d - capture result\n", res && jail_result_status (res) == 0 ? "ok" : "not ok", ++n);
          bad += !(res && jail_result_status (res) == 0);
        }
      if (e)
        printf ("# %s\n", jail_error_message (e));
      jail_result_free (res);
      free (json);
      free (v);
      free (report);
      jail_list_free (names);
      jail_close (j);
      /* errors on unknown jails allocate error objects too */
      jail *none = NULL;
      jail_error *e2 = NULL;
      r = jail_open ("no-such-jail-lsan", &none, &e2);
      if (round == 0)
        printf ("%s %d - open of an unknown jail fails\n", r < 0 && e2 ? "ok" : "not ok", ++n), bad += !(r < 0 && e2);
      jail_error_free (e2);
      jail_error_free (e);
      jail_config_free (c);
    }
  printf ("%s %d - two rounds done\n", bad == 0 ? "ok" : "not ok", ++n);
  printf ("ok %d - LeakSanitizer checks at exit (a leak fails this test's exit status)\n", ++n);
  return bad ? 1 : 0;
}
