/* relay.h - the caller's terminal kept out of the jail (relay.c): each
 * of the caller's 0, 1, 2 that is a terminal is relayed through a pipe,
 * or (JAIL_TTY) to a pty the jail's process opens in the jail's own
 * devpts and sends back over a channel; the caller's wait loop pumps it. */
#ifndef JR_RELAY_H
#define JR_RELAY_H
#include <poll.h>
#include <stdbool.h>

#include "error.h"

struct jr_relay;

/* Most pollfds jr_relay_poll fills. */
#define JR_RELAY_NPOLL 4
/* How long the relay keeps copying after an exec'd process ended (its
 * children may hold the pipes open forever). */
#define JR_RELAY_DRAIN_MS 200

/* Decide what the jail gets for the caller's stdio fds caller[3] under
 * flags (JAIL_TTY, JAIL_INTERACTIVE): given[3] receives the fds to hand
 * over (the caller's own where they pass as they are: pipes, files,
 * sockets).  *out is NULL when there is nothing to relay. */
int jr_relay_new (const int caller[3], unsigned flags, int given[3], struct jr_relay **out, jail_error **err);
/* The jail's side has been handed over (cloned or sent): close our copies. */
void jr_relay_handed (struct jr_relay *r);
/* The pollfds the relay waits on now (at most JR_RELAY_NPOLL); count. */
int jr_relay_poll (struct jr_relay *r, struct pollfd *p);
/* Act on the revents of the n pollfds jr_relay_poll filled. */
void jr_relay_run (struct jr_relay *r, const struct pollfd *p, int n);
/* Poll fd (POLLIN) with the relay pumped meanwhile; like poll(2) on fd. */
int jr_relay_wait (struct jr_relay *r, int fd, int timeout_ms);
/* SIGWINCH arrived: true when the relay took it (the caller's window
 * size copied to the pty), false when it should be forwarded. */
bool jr_relay_winch (struct jr_relay *r);
/* The process ended: copy what is left for at most ms, restore the
 * caller's terminal, close and free everything.  NULL is allowed. */
void jr_relay_end (struct jr_relay *r, int ms);

/* In the jail's process after setsid (no allocation): open a pty in the
 * jail's devpts, make it the controlling terminal, send the master over
 * the channel on fd 0, wait for the relay's go, and put the pty on 0-2. */
int jr_pty_child (struct jail_error *e);
#endif
