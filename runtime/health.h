/* health.h - the healthcheck of a long-running jail (--health-cmd and
 * friends, Docker's meanings and defaults), run by its supervisor. */
#ifndef JR_HEALTH_H
#define JR_HEALTH_H
#include <stdio.h>

#include "lifecycle.h"

struct jr_health_cfg
{
  char *cmd;           /* run as /bin/sh -c CMD in the jail, through the exec path */
  double interval;     /* seconds between checks (30) */
  double timeout;      /* a check running longer fails (30) */
  double start_period; /* failures do not count during it (0) */
  int retries;         /* consecutive failures that make it unhealthy (3) */
};
void jr_health_cfg_free (struct jr_health_cfg *c);

struct jr_health;
/* The check state for the jail x describes (x's argv, env, fds are set
 * per check).  NULL when cfg has no health command or on ENOMEM. */
struct jr_health *jr_health_new (const struct jail_config *cfg, const struct jr_exec_spec *x);
void jr_health_free (struct jr_health *h);
/* The timerfd to watch (interval, then timeout while a check runs). */
int jr_health_timerfd (const struct jr_health *h);
/* The timer fired: start a check, or kill one that overran.  Returns the
 * pidfd of a check just started (watch it), else -1. */
int jr_health_on_timer (struct jr_health *h);
/* The check's pidfd is readable: reap it, update the status, rearm. */
void jr_health_on_exit (struct jr_health *h);
/* health=starting|healthy|unhealthy, health_failing, health_exit,
 * health_output lines for the state file. */
void jr_health_kv (const struct jr_health *h, FILE *f);
#endif
