/* config_network.c - the named-network part of the jail_config handle:
 * --network NAME|none (host refused; NAME repeatable) and --network-alias, and the jail's
 * own name on its network (added by the supervisor). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"  /* struct jail_config */
#include "netns_internal.h"
#include "state.h"

int
jail_config_set_network_name (jail_config *cfg, const char *name, jail_error **err)
{
  if (name && strcmp (name, "none") == 0)
    return jail_config_set_network (cfg, JAIL_NET_NONE, err);
  if (name && (strcmp (name, "host") == 0 || strcmp (name, "bridge") == 0 || strcmp (name, "default") == 0))
    return strcmp (name, "host") == 0
           ? jr_error_msg (err, EINVAL, "--network host: refused: the jail would share the host's network (every port "
                           "and interface); a jail never shares the host's network: publish ports with -p, or use "
                           "--net-allow proxy")
           : jr_error_msg (err, EINVAL, "--network '%s': that is the default private network: leave out --network", name);
  struct jr_netcfg *n = jr_netcfg_of (cfg, err);
  if (n == NULL)
    return -ENOMEM;
  int r = jr_state_name_check (name, err);
  if (r < 0)
    return jr_error_wrap (err, "network");
  for (size_t i = 0; i < n->n_networks; i++)
    if (strcmp (n->networks[i], name) == 0)
      return jr_error_msg (err, EINVAL, "--network '%s' given twice", name);
  if (n->n_networks == JR_NETWORKS_MAX)
    return jr_error_msg (err, E2BIG, "--network '%s': a jail is on at most %d named networks", name, JR_NETWORKS_MAX);
  snprintf (n->networks[n->n_networks++], sizeof n->networks[0], "%s", name);
  return 0;
}

int
jail_config_add_network_alias (jail_config *cfg, const char *alias, jail_error **err)
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
jr_net_add_name (jail_config *cfg, const char *name)
{
  if (cfg->netcfg && name)
    snprintf (cfg->netcfg->jail_name, sizeof cfg->netcfg->jail_name, "%s", name);
  if (cfg->netcfg && cfg->netcfg->n_networks && cfg->net_mode != JAIL_NET_NONE)
    jail_config_add_network_alias (cfg, name, NULL);
}
