/* loop.h - the one epoll event loop of a jail's supervisor (jail_run and
 * the detached supervisor alike): sources are fds with a callback; objects
 * closed during a dispatch batch are freed after it.  Also the one timer
 * helper (a timerfd armed in seconds) every timed source uses. */
#ifndef JR_LOOP_H
#define JR_LOOP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct jr_loop_src;
typedef void (*jr_loop_fn) (struct jr_loop_src *src, uint32_t events);

/* One registered fd: embed it in the object that owns the fd. */
struct jr_loop_src
{
  jr_loop_fn fn;
  int fd;
  uint32_t events; /* current interest (0 = registered but idle) */
  bool added;
};

struct jr_loop_defer
{
  void (*fn) (void *);
  void *p;
};

struct epoll_event;
struct jr_loop
{
  int epfd;
  bool stop; /* set by a callback to end jr_loop_run */
  struct jr_loop_defer *defer;
  size_t n_defer, cap_defer;
  struct epoll_event *batch; /* the batch being dispatched (NULL outside one) */
  int n_batch;
};

/* Create the epoll instance. */
int jr_loop_init (struct jr_loop *l, jail_error **err);
/* Close it and run the pending deferred frees. */
void jr_loop_release (struct jr_loop *l);
/* Register src->fd with interest events (may be 0). */
int jr_loop_add (struct jr_loop *l, struct jr_loop_src *src, int fd, uint32_t events, jr_loop_fn fn);
/* Change the interest of a registered source (no syscall if unchanged). */
int jr_loop_mod (struct jr_loop *l, struct jr_loop_src *src, uint32_t events);
/* Report an edge-triggered source again in the next batch if it is ready
 * now: for a callback that stopped early (fairness bound) with work left,
 * since no new edge would come for data already there. */
int jr_loop_rearm (struct jr_loop *l, struct jr_loop_src *src);
/* Hand from's fd over to the source to (interest events, callback fn):
 * one EPOLL_CTL_MOD instead of a del and an add; like an add, it reports
 * the fd again if it is ready now.  from's pending events are dropped. */
int jr_loop_move (struct jr_loop *l, struct jr_loop_src *from, struct jr_loop_src *to, uint32_t events,
                  jr_loop_fn fn);
/* Unregister (before closing the fd); the source's events still pending
 * in the current batch are dropped, so its object may be freed at once. */
void jr_loop_del (struct jr_loop *l, struct jr_loop_src *src);
/* Run fn(p) after the current dispatch batch (for frees); runs it at once
 * when memory for the queue cannot be had outside a batch. */
int jr_loop_defer_free (struct jr_loop *l, void (*fn) (void *), void *p);
/* Wait up to timeout_ms (-1 = forever) and dispatch one batch. */
int jr_loop_run_once (struct jr_loop *l, int timeout_ms);

/* A CLOCK_MONOTONIC timerfd (nonblocking, CLOEXEC) that fires first
 * seconds from now, then every `every` seconds (0: once); -errno. */
int jr_timer_new (double first, double every);
/* Re-arm a timer made by jr_timer_new the same way (first is never 0,
 * which would disarm it: at least one nanosecond). */
void jr_timer_set (int fd, double first, double every);
/* Consume the expirations of a timer: how many since the last read, 0 when
 * none (a spurious wake-up, or a timer re-armed meanwhile). */
uint64_t jr_timer_read (int fd);
#endif
