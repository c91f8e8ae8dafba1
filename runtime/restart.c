/* restart.c - the --restart policy (jail_config_set_restart): parsing,
 * the decision to start a jail's command again, and Docker's back-off.
 * The supervisor (supervisor.c) does the restarting. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "restart.h"

static const char *const names[] = { "no", "on-failure", "always", "unless-stopped" };

int
jail_config_set_restart (jail_config *c, const char *spec, jail_error **err)
{
  const char *colon = spec ? strchr (spec, ':') : NULL;
  size_t n = spec ? (colon ? (size_t) (colon - spec) : strlen (spec)) : 0;
  int policy = -1;
  for (int i = 0; spec && i < 4; i++)
    if (strlen (names[i]) == n && strncmp (spec, names[i], n) == 0)
      policy = i;
  long long max = 0;
  if (colon && policy == JR_RESTART_ON_FAILURE)
    {
      char *end;
      errno = 0;
      max = strtoll (colon + 1, &end, 10);
      if (errno || end == colon + 1 || *end || max < 0 || max > 1000000)
        policy = -1;
    }
  else if (colon)
    policy = -1;
  if (policy < 0)
    return jr_error_msg (err, EINVAL, "restart '%s': use no, on-failure[:N], always or unless-stopped",
                         spec ? spec : "");
  c->restart_policy = policy;
  c->restart_max = (unsigned) max;
  return 0;
}

bool
jr_restart_wanted (const struct jail_config *cfg, const struct jr_restart *rs, int status)
{
  switch (cfg->restart_policy)
    {
    case JR_RESTART_ON_FAILURE:
      return status != 0 && (cfg->restart_max == 0 || rs->count < cfg->restart_max);
    case JR_RESTART_ALWAYS:
    case JR_RESTART_UNLESS_STOPPED:
      return true;
    default:
      return false;
    }
}

double
jr_restart_next (struct jr_restart *rs)
{
  if (jr_now () - rs->started >= 10)
    rs->delay = 0;
  rs->delay = rs->delay <= 0 ? 0.1 : rs->delay * 2 > 60 ? 60
                                                        : rs->delay * 2;
  rs->count++;
  return rs->delay;
}

void
jr_restart_text (const struct jail_config *cfg, char *buf, size_t size)
{
  if (cfg->restart_policy == JR_RESTART_ON_FAILURE && cfg->restart_max)
    snprintf (buf, size, "on-failure:%u", cfg->restart_max);
  else
    snprintf (buf, size, "%s", names[cfg->restart_policy & 3]);
}
