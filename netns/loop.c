/* loop.c - the supervisor's one epoll loop.  Every fd the supervisor waits
 * on (the jail's pidfd, the sync channel, signals, the timeout, the
 * forwarder and proxy sockets) is a jr_loop_src; callbacks run one batch
 * at a time and objects they close are freed only after the batch, so a
 * later event of the same batch never touches freed memory. */
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
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

void
jr_loop_del (struct jr_loop *l, struct jr_loop_src *src)
{
  if (src->added)
    epoll_ctl (l->epfd, EPOLL_CTL_DEL, src->fd, NULL);
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
  for (int i = 0; i < n; i++)
    {
      struct jr_loop_src *src = ev[i].data.ptr;
      /* A source unregistered earlier in this batch has fn == NULL (its
       * memory is still alive: frees are deferred). */
      if (src->fn)
        src->fn (src, ev[i].events);
    }
  run_defer (l);
  return n;
}
