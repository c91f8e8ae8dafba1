/* loop.c - the supervisor's one epoll loop.  Every fd a supervisor waits
 * on (the jail's pidfd, the sync channel, signals, timers, the control
 * socket and its clients, exec'd processes, the forwarder and proxy
 * sockets) is a jr_loop_src; callbacks run one batch at a time.  A later
 * event of the same batch never touches freed memory: unregistering a
 * source drops its pending events, and objects may also be freed only
 * after the batch (jr_loop_defer_free).  The timer helper (jr_timer_*) is
 * here too: one way to arm and read a timerfd. */
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"

#define BATCH 64

int
jr_loop_init (struct jr_loop *l, jail_error **err)
{
  *l = (struct jr_loop) { .epfd = epoll_create1 (EPOLL_CLOEXEC) };
  if (l->epfd < 0)
    return jr_error (err, errno, "loop: epoll_create1");
  return 0;
}

/* Run and forget the deferred frees. */
static void
run_defer (struct jr_loop *l)
{
  for (size_t i = 0; i < l->n_defer; i++)
    l->defer[i].fn (l->defer[i].p);
  l->n_defer = 0;
}

void
jr_loop_release (struct jr_loop *l)
{
  run_defer (l);
  free (l->defer);
  l->defer = NULL;
  l->cap_defer = 0;
  if (l->epfd >= 0)
    close (l->epfd);
  l->epfd = -1;
}

int
jr_loop_add (struct jr_loop *l, struct jr_loop_src *src, int fd, uint32_t events, jr_loop_fn fn)
{
  src->fn = fn;
  src->fd = fd;
  src->events = events;
  struct epoll_event ev = { .events = events, .data.ptr = src };
  if (epoll_ctl (l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
    return -errno;
  src->added = true;
  return 0;
}

int
jr_loop_mod (struct jr_loop *l, struct jr_loop_src *src, uint32_t events)
{
  if (!src->added || src->events == events)
    return 0;
  struct epoll_event ev = { .events = events, .data.ptr = src };
  if (epoll_ctl (l->epfd, EPOLL_CTL_MOD, src->fd, &ev) < 0)
    return -errno;
  src->events = events;
  return 0;
}

int
jr_loop_rearm (struct jr_loop *l, struct jr_loop_src *src)
{
  if (!src->added)
    return 0;
  /* EPOLL_CTL_MOD polls the file again and queues it when it is ready,
   * which is the one way to get a new edge without new I/O. */
  struct epoll_event ev = { .events = src->events, .data.ptr = src };
  return epoll_ctl (l->epfd, EPOLL_CTL_MOD, src->fd, &ev) < 0 ? -errno : 0;
}

int
jr_loop_move (struct jr_loop *l, struct jr_loop_src *from, struct jr_loop_src *to, uint32_t events,
              jr_loop_fn fn)
{
  if (!from->added)
    return jr_loop_add (l, to, from->fd, events, fn);
  struct epoll_event ev = { .events = events, .data.ptr = to };
  if (epoll_ctl (l->epfd, EPOLL_CTL_MOD, from->fd, &ev) < 0)
    return -errno;
  *to = (struct jr_loop_src) { .fn = fn, .fd = from->fd, .events = events, .added = true };
  for (int i = 0; l->batch && i < l->n_batch; i++)
    if (l->batch[i].data.ptr == from)
      l->batch[i].data.ptr = NULL;
  from->added = false;
  from->fn = NULL;
  return 0;
}

void
jr_loop_del (struct jr_loop *l, struct jr_loop_src *src)
{
  if (src->added)
    epoll_ctl (l->epfd, EPOLL_CTL_DEL, src->fd, NULL);
  for (int i = 0; l->batch && i < l->n_batch; i++)
    if (l->batch[i].data.ptr == src)
      l->batch[i].data.ptr = NULL;
  src->added = false;
  src->fn = NULL;
}

int
jr_loop_defer_free (struct jr_loop *l, void (*fn) (void *), void *p)
{
  if (l->n_defer == l->cap_defer)
    {
      size_t cap = l->cap_defer ? l->cap_defer * 2 : 64;
      struct jr_loop_defer *d = realloc (l->defer, cap * sizeof *d);
      if (d == NULL)
        return -ENOMEM;
      l->defer = d;
      l->cap_defer = cap;
    }
  l->defer[l->n_defer++] = (struct jr_loop_defer) { fn, p };
  return 0;
}

int
jr_loop_run_once (struct jr_loop *l, int timeout_ms)
{
  struct epoll_event ev[BATCH];
  int n = epoll_wait (l->epfd, ev, BATCH, timeout_ms);
  if (n < 0)
    return errno == EINTR ? 0 : -errno;
  l->batch = ev;
  l->n_batch = n;
  for (int i = 0; i < n; i++)
    {
      /* A source unregistered earlier in this batch has no pointer left
       * here (jr_loop_del), or fn == NULL. */
      struct jr_loop_src *src = ev[i].data.ptr;
      if (src && src->fn)
        src->fn (src, ev[i].events);
    }
  l->batch = NULL;
  l->n_batch = 0;
  run_defer (l);
  return n;
}

/* seconds as a timespec (never negative). */
static struct timespec
to_ts (double seconds)
{
  if (seconds <= 0)
    return (struct timespec) { 0 };
  struct timespec t = { .tv_sec = (time_t) seconds };
  t.tv_nsec = (long) ((seconds - (double) t.tv_sec) * 1e9);
  return t;
}

void
jr_timer_set (int fd, double first, double every)
{
  struct itimerspec its = { .it_value = to_ts (first), .it_interval = to_ts (every) };
  if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
    its.it_value.tv_nsec = 1;
  timerfd_settime (fd, 0, &its, NULL);
}

int
jr_timer_new (double first, double every)
{
  int fd = timerfd_create (CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  if (fd < 0)
    return -errno;
  jr_timer_set (fd, first, every);
  return fd;
}

uint64_t
jr_timer_read (int fd)
{
  uint64_t n = 0;
  if (read (fd, &n, sizeof n) != (ssize_t) sizeof n)
    return 0;
  return n;
}
