/* config_network.c - the named-network part of a jail's network settings
 * (struct jr_netcfg): --network NAME (host refused; NAME repeatable;
 * "none" is the caller's, runtime/config_netns.c) and --network-alias,
 * and the jail's own name on its networks (added by the supervisor).
 * Also the one table of network mode names (inspect, ps, --network none). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netns_internal.h"

/* The names of the JAIL_NET_* modes, by value. */
static const char *const mode_names[] = {
  [JAIL_NET_PRIVATE] = "private",
  [JAIL_NET_NONE] = "none",
  [JAIL_NET_PROXY] = "proxy",
};

const char *
jr_net_mode_name (int mode)
{
  size_t n = sizeof mode_names / sizeof *mode_names;
  return mode >= 0 && (size_t) mode < n ? mode_names[mode] : mode_names[JAIL_NET_PRIVATE];
}

int
jr_net_mode_of (const char *name)
{
  for (size_t i = 0; name && i < sizeof mode_names / sizeof *mode_names; i++)
    if (strcmp (name, mode_names[i]) == 0)
      return (int) i;
  return -1;
}

int
jr_netcfg_set_network (struct jr_netcfg **cfg, const char *name, jail_error **err)
{
  if (name && (strcmp (name, "host") == 0 || strcmp (name, "bridge") == 0 || strcmp (name, "default") == 0))
    return strcmp (name, "host") == 0
               ? jr_error_msg (err, EINVAL, "--network host: refused: the jail would share the host's network (every port "
                                            "and interface); a jail never shares the host's network: publish ports with -p, or use "
                                            "--net-allow proxy")
               : jr_error_msg (err, EINVAL, "--network '%s': that is the default private network: leave out --network", name);
  struct jr_netcfg *n = jr_netcfg_of (cfg, err);
  if (n == NULL)
    return -ENOMEM;
  for (size_t i = 0; i < n->n_networks; i++)
    if (strcmp (n->networks[i], name) == 0)
      return jr_error_msg (err, EINVAL, "--network '%s' given twice", name);
  if (n->n_networks == JR_NETWORKS_MAX)
    return jr_error_msg (err, E2BIG, "--network '%s': a jail is on at most %d named networks", name, JR_NETWORKS_MAX);
  snprintf (n->networks[n->n_networks++], sizeof n->networks[0], "%s", name);
  return 0;
}

int
jr_netcfg_add_alias (struct jr_netcfg **cfg, const char *alias, jail_error **err)
{
  struct jr_netcfg *n = jr_netcfg_of (cfg, err);
  if (n == NULL)
    return -ENOMEM;
  size_t len = alias ? strlen (alias) : 0;
  bool ok = len > 0 && len <= 63 && alias[0] != '-' && alias[0] != '.';
  for (size_t i = 0; ok && i < len; i++)
    ok = (alias[i] >= 'a' && alias[i] <= 'z') || (alias[i] >= 'A' && alias[i] <= 'Z')
         || (alias[i] >= '0' && alias[i] <= '9') || strchr ("-._", alias[i]);
  if (!ok)
    return jr_error_msg (err, EINVAL, "network-alias '%s': use 1-63 letters, digits, '-', '.' or '_'", alias ? alias : "");
  char **a = realloc (n->aliases, (n->n_aliases + 2) * sizeof *a);
  if (a == NULL)
    return jr_error (err, ENOMEM, "network-alias");
  n->aliases = a;
  if ((a[n->n_aliases] = strdup (alias)) == NULL)
    return jr_error (err, ENOMEM, "network-alias");
  a[++n->n_aliases] = NULL;
  return 0;
}

void
jr_netcfg_add_name (struct jr_netcfg **cfg, int mode, const char *name)
{
  if (*cfg && name)
    snprintf ((*cfg)->jail_name, sizeof (*cfg)->jail_name, "%s", name);
  if (*cfg && (*cfg)->n_networks && mode != JAIL_NET_NONE)
    jr_netcfg_add_alias (cfg, name, NULL);
}
