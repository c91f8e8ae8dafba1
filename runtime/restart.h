/* restart.h - the --restart policy of a detached jail (restart.c): when
 * its supervisor starts the command again, and after what back-off. */
#ifndef JR_RESTART_H
#define JR_RESTART_H

#include <stdbool.h>

#include "internal.h"

enum jr_restart_policy
{
  JR_RESTART_NO,
  JR_RESTART_ON_FAILURE,
  JR_RESTART_ALWAYS,
  JR_RESTART_UNLESS_STOPPED,
};

/* What the supervisor counts. */
struct jr_restart
{
  unsigned count; /* restarts made by the policy (not by 'jailrun restart') */
  double delay;   /* the last back-off in seconds, 0 = none yet */
  double started; /* monotonic time the current run started */
};

/* Does the policy of cfg restart a run that ended with status? */
bool jr_restart_wanted (const struct jail_config *cfg, const struct jr_restart *rs, int status);
/* Docker's back-off for the next restart: 100 ms doubling, at most 60 s,
 * back to 100 ms when the run lasted 10 s or more.  Counts it. */
double jr_restart_next (struct jr_restart *rs);
/* The policy as text ("on-failure:2"), into buf. */
void jr_restart_text (const struct jail_config *cfg, char *buf, size_t size);
#endif
