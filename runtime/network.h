/* network.h - named networks (runtime/network.c: their state and holder):
 * the store netns/net.c joins them through (struct jr_netstore, netns.h),
 * handed to it in jr_net_settings. */
#ifndef JR_NETWORK_H
#define JR_NETWORK_H
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "netns.h"

#define JR_NETWORK_DEFAULT_SUBNET "10.89.0.0/24"

/* Look a network up and open its netns, and rootless its holder's user
 * namespace (*userns_fd, -1 as root); -ESRCH when stale. */
int jr_network_open (const char *name, struct jr_netinfo *ni, int *netns_fd, int *userns_fd, jail_error **err);
/* Take the lowest free address and add "ADDR names..." to the hosts file
 * (the entry lives as long as the calling process). */
int jr_network_join (const struct jr_netinfo *ni, char *const names[], uint32_t *addr, jail_error **err);
/* Drop the calling process's entry for addr. */
void jr_network_leave (const struct jr_netinfo *ni, uint32_t addr);
/* A jail on several networks sees their hosts files merged in one file of
 * its own, STATE/.networks/.merged/PID (the calling supervisor's pid):
 * create it (empty) and return its fd; *path malloc'd. */
int jr_network_merged_open (char **path, jail_error **err);
/* Rewrite that file in place (a bind mount of it sees the new text) with
 * the live entries of each of the n networks; 0 or -errno. */
int jr_network_merged_write (const struct jr_netinfo *nets, size_t n, int fd);
/* The five above as netns/ takes them. */
extern const struct jr_netstore jr_network_store;
#endif
