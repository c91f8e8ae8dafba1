/* config_netns.c - the network side of the jail_config handle: the jail.h
 * setters (-p, --allow..., --subnet, --network, --network-alias) hand the
 * handle's network settings slot to netns/ (config_net.c,
 * config_network.c), and the process model's bridge to jr_net_prepare:
 * the settings it needs in, the proxy variables and a named network's
 * /etc/hosts volume back into the config.  netns/ never sees a
 * jail_config. */
#include <errno.h>
#include <string.h>

#include "internal.h"
#include "network.h"
#include "state.h"

int
jail_config_add_publish (jail_config *cfg, const char *spec, jail_error **err)
{
  return jr_netcfg_add_publish (&cfg->netcfg, spec, err);
}

int
jail_config_add_allow (jail_config *cfg, const char *spec, jail_error **err)
{
  return jr_netcfg_add_allow (&cfg->netcfg, spec, err);
}

int
jail_config_add_allow_private (jail_config *cfg, const char *spec, jail_error **err)
{
  return jr_netcfg_add_allow_private (&cfg->netcfg, spec, err);
}

int
jail_config_load_allow_file (jail_config *cfg, const char *path, jail_error **err)
{
  return jr_netcfg_load_allow_file (&cfg->netcfg, path, err);
}

int
jail_config_set_audit_log (jail_config *cfg, const char *path, jail_error **err)
{
  return jr_netcfg_set_audit_log (&cfg->netcfg, path, err);
}

int
jail_config_set_subnet (jail_config *cfg, const char *cidr, jail_error **err)
{
  return jr_netcfg_set_subnet (&cfg->netcfg, cidr, err);
}

int
jail_config_set_upstream_proxy (jail_config *cfg, const char *url, jail_error **err)
{
  return jr_netcfg_set_upstream_proxy (&cfg->netcfg, url, err);
}

int
jail_config_set_network_name (jail_config *cfg, const char *name, jail_error **err)
{
  if (jr_net_mode_of (name) == JAIL_NET_NONE)
    return jail_config_set_network (cfg, JAIL_NET_NONE, err);
  int r = jr_state_name_check (name, err); /* a network is named as a jail is */
  if (r < 0)
    return jr_error_wrap (err, "network");
  return jr_netcfg_set_network (&cfg->netcfg, name, err);
}

int
jail_config_add_network_alias (jail_config *cfg, const char *alias, jail_error **err)
{
  return jr_netcfg_add_alias (&cfg->netcfg, alias, err);
}

void
jr_net_add_name (jail_config *cfg, const char *name)
{
  jr_netcfg_add_name (&cfg->netcfg, cfg->net_mode, name);
}

size_t
jr_net_held_ports (const struct jail_config *cfg, int *fds, size_t max)
{
  return jr_netcfg_held (cfg->netcfg, fds, max);
}

int
jr_config_net_prepare (jail_config *cfg, struct jr_net **out, jail_error **err)
{
  bool own_hosts = false;
  for (size_t i = 0; i < cfg->n_volumes; i++)
    own_hosts = own_hosts || strcmp (cfg->volumes[i].dst, "/etc/hosts") == 0;
  struct jr_net_settings set = { .mode = cfg->net_mode, .nc = cfg->netcfg, .rootfs = cfg->rootfs, .own_hosts = own_hosts, .env = cfg->env, .store = &jr_network_store };
  int r = jr_net_prepare (&set, out, err);

  /* What the jail gets on top of its own settings. */
  for (char *const *e = r == 0 ? jr_net_env (*out) : NULL; r == 0 && e && *e; e++)
    r = jail_config_set_env (cfg, *e, err);
  const char *vol = r == 0 ? jr_net_volume (*out) : NULL;
  if (vol)
    r = jail_config_add_volume (cfg, vol, err);
  return r;
}
