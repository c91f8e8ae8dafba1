/* leak-cycle.c - TAP test built with LeakSanitizer: a run / start / exec
 * / capture / inspect / stop / close / destroy cycle (and failing calls)
 * must free everything it allocated; LSan fails the exit status if not. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jail.h"
#include "tap.h"

int
main (void)
{
  const char *rootfs = getenv ("ROOTFS");
  int bad = 0;
  tap_plan (6);
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
        bad += !ok (r == 0 && st == 0, "jail_run");
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
          bad += !ok (r == 0, "start, exec, capture, inspect, list, check, stop");
          bad += !ok (res && jail_result_status (res) == 0, "capture result");
        }
      if (e)
        diag ("%s", jail_error_message (e));
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
        bad += !ok (r < 0 && e2, "open of an unknown jail fails");
      jail_error_free (e2);
      jail_error_free (e);
      jail_config_free (c);
    }
  ok (bad == 0, "two rounds done");
  ok (true, "LeakSanitizer checks at exit (a leak fails this test's exit status)");
  return tap_done (false);
}
