/* tap.h - the TAP output of the C test programs (tests/NAME.c): numbered
 * "ok N - name" / "not ok N - name" lines, "# " diagnostics, the plan
 * (up front or at the end) and the exit status.  Header only; the one
 * counter is the test program's own (file-static). */
#ifndef JR_TAP_H
#define JR_TAP_H
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static struct
{
  int run, failed;
  const char *suffix; /* appended to every name as " [suffix]", or NULL */
} tap_count;

/* One test point named by fmt; returns cond. */
static inline bool __attribute__ ((format (printf, 2, 3)))
ok (bool cond, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  printf ("%s %d - ", cond ? "ok" : "not ok", ++tap_count.run);
  vprintf (fmt, ap);
  va_end (ap);
  printf (tap_count.suffix ? " [%s]\n" : "\n", tap_count.suffix);
  fflush (stdout);
  tap_count.failed += !cond;
  return cond;
}

/* A diagnostic line ("# " and fmt). */
static inline void __attribute__ ((format (printf, 1, 2)))
diag (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  fputs ("# ", stdout);
  vprintf (fmt, ap);
  va_end (ap);
  putchar ('\n');
  fflush (stdout);
}

/* The plan, when the number of points is known up front. */
static inline void
tap_plan (int n)
{
  printf ("1..%d\n", n);
  fflush (stdout);
}

/* End: print the plan of the points run (unless tap_plan gave it) and
 * return the exit status, 1 when any point failed. */
static inline int
tap_done (bool plan)
{
  if (plan)
    tap_plan (tap_count.run);
  return tap_count.failed ? 1 : 0;
}
#endif
