/* forward.c - the in-process TCP forwarder (-p).  Listeners are bound in
 * the caller's network namespace before the jail exists; each accepted
 * connection gets a socket created in the jail's netns by the netns helper
 * (fetched a batch at a time and kept in a small pool) and connected to
 * 127.0.0.1:JAILPORT there; both ends are TCP_NODELAY.  Bytes move with
 * splice(2) through one bounded pipe per direction (64 KiB, grown once to
 * 1 MiB when a bulk stream fills it), driven edge-triggered by the
 * supervisor's epoll loop: a full pipe stops reading (backpressure), EOF
 * becomes shutdown(SHUT_WR) on the other side once the pipe is drained,
 * and the pair closes when both directions are done.  Connections are
 * capped, idle and connect timeouts are enforced by a 1 s tick, and
 * EMFILE is absorbed with a reserve fd (or by pausing accept). */
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netns_internal.h"

struct dir
{
  int pr, pw;         /* pipe */
  size_t inpipe, cap; /* bytes in the pipe; what we let it hold */
  bool eof, shut, grown;
  bool bulk;  /* a copy filled the buffer: splice from now on */
  bool rdhup; /* the source reported its peer's FIN (or an error) */
  uint64_t bytes;
};

struct jr_conn
{
  struct jr_conn *next, *prev;
  struct jr_fwd *f;
  struct jr_loop_src sa, sb;
  int a, b; /* a: the accepted client, b: the other end */
  struct dir ab, ba;
  bool connecting, dead;
  double deadline, last;
  char *pre; /* bytes still to send to b before ab's stream */
  size_t pre_len, pre_off;
  void (*on_done) (void *, uint64_t, uint64_t);
  void *arg;
};

struct listener
{
  struct jr_loop_src src;
  struct jr_fwd *f;
  const struct jr_publish *pub;
  int fd;
};

struct jr_fwd
{
  struct jr_loop *loop;
  struct jr_helper *helper;
  struct listener *ls;
  size_t n_ls;
  struct jr_conn *conns;
  size_t n_conns;
  int reserve;
  struct jr_loop_src *paused[8]; /* listeners waiting for the next tick */
  size_t n_paused;
  struct jr_loop_src tick;
  int tickfd;
  int pool[JR_HELPER_BATCH]; /* spare jail-side sockets */
  char *copybuf;             /* JR_FWD_COPY_MAX bytes for dir_copy */
  int n_pool;
};

double
jr_now (void)
{
  struct timespec t;
  clock_gettime (CLOCK_MONOTONIC, &t);
  return (double) t.tv_sec + (double) t.tv_nsec / 1e9;
}

bool
jr_fwd_take_slot (struct jr_fwd *f)
{
  if (f->n_conns >= JR_FWD_MAX_CONNS)
    return false;
  f->n_conns++;
  return true;
}

void
jr_fwd_put_slot (struct jr_fwd *f)
{
  f->n_conns--;
}

/* A host address on loopback (127/8, ::1, ::ffff:127/104): its clients
 * are on this host. */
static bool
host_is_loopback (const struct sockaddr_storage *ss)
{
  if (ss->ss_family == AF_INET)
    return (ntohl (((const struct sockaddr_in *) ss)->sin_addr.s_addr) >> 24) == 127;
  const struct in6_addr *a = &((const struct sockaddr_in6 *) ss)->sin6_addr;
  return IN6_IS_ADDR_LOOPBACK (a) || (IN6_IS_ADDR_V4MAPPED (a) && a->s6_addr[12] == 127);
}

/* Bind one listener; port in use is the caller's error (125).  On a
 * loopback address the accepted sockets inherit JR_LOCAL_CC from it (a
 * host that refuses keeps its default: only speed differs); a listener
 * other hosts reach keeps the host's choice. */
static int
bind_one (struct listener *l, const struct jr_publish *p, int held, jail_error **err)
{
  l->pub = p;
  if (held >= 0) /* a restart: the supervisor kept the port bound */
    {
      l->fd = fcntl (held, F_DUPFD_CLOEXEC, 3);
      return l->fd < 0 ? jr_error (err, errno, "publish %s: dup", p->spec) : 0;
    }
  l->fd = socket (p->host.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (l->fd < 0)
    return jr_error (err, errno, "publish %s: socket", p->spec);
  int one = 1;
  setsockopt (l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (p->host.ss_family == AF_INET6)
    setsockopt (l->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (host_is_loopback (&p->host))
    setsockopt (l->fd, IPPROTO_TCP, TCP_CONGESTION, JR_LOCAL_CC, sizeof JR_LOCAL_CC - 1);
  if (bind (l->fd, (const struct sockaddr *) &p->host, p->host_len) < 0)
    return jr_error (err, errno, "publish %s: bind host port%s", p->spec,
                     errno == EADDRINUSE ? " (choose another HOSTPORT)" : "");
  if (listen (l->fd, JR_FWD_BACKLOG) < 0)
    return jr_error (err, errno, "publish %s: listen", p->spec);
  return 0;
}

int
jr_fwd_new (struct jr_fwd **out, const struct jr_netcfg *nc, jail_error **err)
{
  struct jr_fwd *f = calloc (1, sizeof *f);
  size_t n = nc ? nc->n_publish : 0;
  if (f == NULL || (n && (f->ls = calloc (n, sizeof *f->ls)) == NULL))
    {
      free (f);
      return jr_error (err, ENOMEM, "forwarder");
    }
  f->tickfd = -1;
  f->copybuf = malloc (JR_FWD_COPY_MAX); /* NULL: splice only */
  f->reserve = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  *out = f;
  for (size_t i = 0; i < n; i++)
    {
      f->ls[i].fd = -1;
      f->n_ls++;
      f->ls[i].f = f;
      int r = bind_one (&f->ls[i], &nc->publish[i], nc->held ? nc->held[i] : -1, err);
      if (r < 0)
        return r;
    }
  return 0;
}

/* Release one connection's fds (memory freed after the loop batch). */
static void
conn_close (struct jr_conn *c)
{
  if (c->dead)
    return;
  struct jr_fwd *f = c->f;
  c->dead = true;
  jr_loop_del (f->loop, &c->sa);
  jr_loop_del (f->loop, &c->sb);
  int fds[] = { c->a, c->b, c->ab.pr, c->ab.pw, c->ba.pr, c->ba.pw };
  for (size_t i = 0; i < 6; i++)
    if (fds[i] >= 0)
      close (fds[i]);
  if (c->on_done)
    c->on_done (c->arg, c->ab.bytes, c->ba.bytes);
  if (c->prev)
    c->prev->next = c->next;
  else
    f->conns = c->next;
  if (c->next)
    c->next->prev = c->prev;
  jr_fwd_put_slot (f);
  free (c->pre);
  c->pre = NULL;
  if (jr_loop_defer_free (f->loop, free, c) < 0)
    { /* leak rather than risk a use after free */
    }
}

/* Open a pipe for one direction (the kernel's default size: most
 * connections are small; dir_grow enlarges a bulk one). */
static int
dir_open (struct dir *d)
{
  int p[2];
  if (pipe2 (p, O_NONBLOCK | O_CLOEXEC) < 0)
    return -errno;
  d->pr = p[0];
  d->pw = p[1];
  int sz = fcntl (d->pw, F_GETPIPE_SZ);
  d->cap = sz > 0 ? (size_t) sz : 4096; /* small past the user's pipe quota */
  return 0;
}

/* The pipe filled up: a bulk stream.  Grow it once to JR_FWD_PIPE_MAX so
 * each splice moves more (fewer wake-ups and syscalls per byte); past the
 * user's pipe quota the kernel refuses and the pipe stays as it is. */
static void
dir_grow (struct dir *d)
{
  d->grown = true;
  int n = fcntl (d->pw, F_SETPIPE_SZ, JR_FWD_PIPE_MAX);
  if (n > 0 && (size_t) n > d->cap)
    d->cap = (size_t) n;
}

/* The pipe is empty: copy what src has straight to dst through buf (at
 * most the pipe's size), and put what dst does not take into the pipe.
 * 0 nothing to read, 1 moved and src is drained (a read shorter than asked
 * empties the socket and data arriving later is a new edge; but a FIN
 * that came with the data was that edge: the caller reads on when the
 * source reported EPOLLRDHUP), 2 moved and src may hold more, <0 error.  A small message costs one recv and one send,
 * where splice costs in, out and the read that finds the source empty. */
static int
dir_copy (struct dir *d, int src, int dst, char *buf)
{
  size_t len = d->cap < JR_FWD_COPY_MAX ? d->cap : JR_FWD_COPY_MAX;
  ssize_t n = recv (src, buf, len, MSG_DONTWAIT);
  if (n < 0)
    return errno == EAGAIN ? 0 : -errno;
  if (n == 0)
    {
      d->eof = true;
      return 1;
    }
  ssize_t m = send (dst, buf, (size_t) n, MSG_DONTWAIT | MSG_NOSIGNAL);
  if (m < 0 && errno != EAGAIN)
    return -errno;
  m = m < 0 ? 0 : m;
  d->bytes += (uint64_t) m;
  if (m < n)
    {
      ssize_t w = write (d->pw, buf + m, (size_t) (n - m));
      if (w != n - m) /* an empty pipe of cap bytes takes n - m <= cap */
        return w < 0 ? -errno : -ENOBUFS;
      d->inpipe = (size_t) w;
    }
  return (size_t) n < len ? 1 : 2;
}

/* Move what can move src -> pipe -> dst; 1 progress, 0 none, <0 error,
 * 2 when it stopped at the fairness bound with bytes still moving (the
 * caller must re-arm: edge-triggered, no new event would come for them).
 * An empty pipe takes the copy path (dir_copy) until a copy fills the
 * buffer; bytes in the pipe go first, by splice, each round reading
 * before it writes. */
static int
dir_pump (struct dir *d, int src, int dst, bool hold, char *buf)
{
  int progress = 0;
  for (int i = 0; i < JR_FWD_PUMP_ROUNDS; i++)
    {
      bool moved = false;
      if (d->inpipe == 0 && !d->eof && !hold && !d->bulk && buf)
        {
          int r = dir_copy (d, src, dst, buf);
          if (r < 0)
            return r;
          if (r == 0 || (r == 1 && !d->eof && !d->rdhup))
            return r == 0 ? progress : 1;
          progress = 1;
          d->bulk = r == 2; /* a stream: zero-copy splice serves it better */
          if (!d->eof)
            continue;
        }
      if (!d->eof && d->inpipe < d->cap)
        {
          ssize_t n = splice (src, NULL, d->pw, NULL, d->cap - d->inpipe,
                              SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
          if (n < 0 && errno != EAGAIN)
            return -errno;
          if (n == 0)
            d->eof = true, moved = true;
          if (n > 0)
            d->inpipe += (size_t) n, moved = true;
          if (n > 0 && d->inpipe >= d->cap && !d->grown)
            dir_grow (d);
        }
      if (d->inpipe > 0 && !hold)
        {
          ssize_t n = splice (d->pr, NULL, dst, NULL, d->inpipe, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
          if (n < 0 && errno != EAGAIN)
            return -errno;
          if (n > 0)
            d->inpipe -= (size_t) n, d->bytes += (uint64_t) n, moved = true;
        }
      if (d->eof && d->inpipe == 0 && !d->shut && !hold)
        {
          shutdown (dst, SHUT_WR);
          d->shut = true;
          moved = true;
        }
      if (!moved)
        return progress;
      progress = 1;
    }
  return 2;
}

/* Send the pending prefix to b; true when it is all out. */
static int
pre_flush (struct jr_conn *c)
{
  while (c->pre && c->pre_off < c->pre_len)
    {
      ssize_t n = send (c->b, c->pre + c->pre_off, c->pre_len - c->pre_off, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0)
        return errno == EAGAIN ? 0 : -errno;
      c->pre_off += (size_t) n;
      c->ab.bytes += (uint64_t) n;
    }
  return 1;
}

/* Connected: open the pipes and start moving bytes. */
static int
conn_established (struct jr_conn *c)
{
  c->connecting = false;
  if (dir_open (&c->ab) < 0 || dir_open (&c->ba) < 0)
    return -EMFILE;
  return 0;
}

enum
{
  PUMP_AB = 1,
  PUMP_BA = 2,
  PUMP_ALL = 3
};

/* Drive one connection's directions in `which` after an event. */
static void
conn_pump (struct jr_conn *c, int which)
{
  if (c->dead || c->connecting)
    return;
  int r1 = 0, r2 = 0;
  if (which & PUMP_AB)
    {
      int pre = pre_flush (c);
      r1 = pre < 0 ? pre : dir_pump (&c->ab, c->a, c->b, pre == 0, c->f->copybuf);
    }
  if ((which & PUMP_BA) && r1 >= 0)
    r2 = dir_pump (&c->ba, c->b, c->a, false, c->f->copybuf);
  if (r1 > 0 || r2 > 0)
    c->last = jr_now ();
  if (r1 < 0 || r2 < 0 || (c->ab.shut && c->ba.shut))
    conn_close (c);
  else if (r1 == 2 || r2 == 2)
    {
      /* Other connections get their turn; this one comes back in the
       * next batch. */
      jr_loop_rearm (c->f->loop, &c->sa);
      jr_loop_rearm (c->f->loop, &c->sb);
    }
}

/* Bytes of direction d (AB when ab) wait for its destination to take
 * them: only then can "writable" on that destination unblock anything. */
static bool
dir_waiting (const struct jr_conn *c, bool ab)
{
  if (ab)
    return c->ab.inpipe > 0 || (c->pre && c->pre_off < c->pre_len);
  return c->ba.inpipe > 0;
}

/* Directions an event on a socket can unblock: readable feeds the
 * direction it is the source of, writable drains the one it is the
 * destination of (when bytes wait for it: an edge-triggered event
 * reports "writable" with every "readable", and an empty pipe has nothing
 * to drain), errors wake both. */
static int
event_dirs (const struct jr_conn *c, uint32_t ev, int src_dir, int dst_dir)
{
  if (ev & (EPOLLERR | EPOLLHUP))
    return PUMP_ALL;
  int which = (ev & (EPOLLIN | EPOLLRDHUP)) ? src_dir : 0;
  if ((ev & EPOLLOUT) && dir_waiting (c, dst_dir == PUMP_AB))
    which |= dst_dir;
  return which;
}

/* Event on the client or the server socket. */
static void
on_conn_a (struct jr_loop_src *s, uint32_t ev)
{
  struct jr_conn *c = (struct jr_conn *) ((char *) s - offsetof (struct jr_conn, sa));
  if (ev & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
    c->ab.rdhup = true;
  conn_pump (c, event_dirs (c, ev, PUMP_AB, PUMP_BA));
}

static void
on_conn_b (struct jr_loop_src *s, uint32_t ev)
{
  struct jr_conn *c = (struct jr_conn *) ((char *) s - offsetof (struct jr_conn, sb));
  int which = event_dirs (c, ev, PUMP_BA, PUMP_AB);
  if (ev & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
    c->ba.rdhup = true;
  if (c->connecting)
    {
      int e = 0;
      socklen_t l = sizeof e;
      if (!(ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
        return;
      getsockopt (c->b, SOL_SOCKET, SO_ERROR, &e, &l);
      if (e || conn_established (c) < 0)
        {
          conn_close (c);
          return;
        }
      which = PUMP_ALL; /* a may have sent while we connected */
    }
  conn_pump (c, which);
}

/* Register fd for src: take over from's registration when it has one. */
static int
conn_watch (struct jr_fwd *f, struct jr_loop_src *src, struct jr_loop_src *from, int fd, jr_loop_fn fn)
{
  uint32_t ev = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  return from ? jr_loop_move (f->loop, from, src, ev, fn) : jr_loop_add (f->loop, src, fd, ev, fn);
}

/* A connection object for a (accepted) and b (created); takes both fds
 * and, where from_a/from_b are given, their loop registrations. */
static struct jr_conn *
conn_new (struct jr_fwd *f, int a, int b, struct jr_loop_src *from_a, struct jr_loop_src *from_b)
{
  struct jr_conn *c = calloc (1, sizeof *c);
  if (c == NULL)
    {
      if (from_a)
        jr_loop_del (f->loop, from_a);
      if (from_b)
        jr_loop_del (f->loop, from_b);
      close (a);
      close (b);
      jr_fwd_put_slot (f);
      return NULL;
    }
  *c = (struct jr_conn) { .f = f, .a = a, .b = b, .ab = { -1, -1 }, .ba = { -1, -1 }, .last = jr_now () };
  c->next = f->conns;
  if (f->conns)
    f->conns->prev = c;
  f->conns = c;
  if (conn_watch (f, &c->sa, from_a, a, on_conn_a) < 0 || conn_watch (f, &c->sb, from_b, b, on_conn_b) < 0)
    {
      if (from_a)
        jr_loop_del (f->loop, from_a);
      if (from_b)
        jr_loop_del (f->loop, from_b);
      conn_close (c);
      return NULL;
    }
  return c;
}

/* A fresh socket in the jail's netns, from the pool (refilled from the
 * helper a batch at a time: one round trip per JR_HELPER_BATCH
 * connections); -errno when the helper cannot make one. */
static int
pool_take (struct jr_fwd *f)
{
  if (f->n_pool == 0)
    {
      int n = jr_helper_sockets (f->helper, AF_INET, f->pool, JR_HELPER_BATCH);
      if (n <= 0)
        return n < 0 ? n : -EPROTO;
      f->n_pool = n;
    }
  return f->pool[--f->n_pool];
}

/* Start the jail-side connection for an accepted client. */
static void
fwd_start (struct listener *l, int a)
{
  struct jr_fwd *f = l->f;
  int b = pool_take (f), one = 1;
  if (b < 0)
    {
      close (a);
      jr_fwd_put_slot (f);
      return;
    }
  setsockopt (a, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  setsockopt (b, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons (l->pub->jail_port), .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  int r = connect (b, (struct sockaddr *) &to, sizeof to);
  bool pending = r < 0 && errno == EINPROGRESS;
  if (r < 0 && !pending)
    {
      close (a);
      close (b);
      jr_fwd_put_slot (f);
      return;
    }
  struct jr_conn *c = conn_new (f, a, b, NULL, NULL);
  if (c == NULL)
    return;
  c->connecting = true;
  c->deadline = jr_now () + JR_FWD_CONNECT_TIMEOUT;
  if (!pending && conn_established (c) < 0)
    conn_close (c);
}

/* accept() with EMFILE absorbed: give up the reserve fd to take the
 * connection and drop it, or pause accepting until the next tick. */
int
jr_fwd_accept (struct jr_fwd *f, struct jr_loop_src *src, int lfd, struct sockaddr_storage *peer)
{
  socklen_t pl = sizeof *peer;
  int a = accept4 (lfd, (struct sockaddr *) peer, peer ? &pl : NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (a >= 0)
    {
      if (jr_fwd_take_slot (f))
        return a;
      close (a); /* over the cap: refuse */
      return -EAGAIN - 1000;
    }
  if (errno != EMFILE && errno != ENFILE && errno != ENOBUFS && errno != ENOMEM)
    return -errno;
  if (f->reserve >= 0)
    {
      close (f->reserve);
      a = accept (lfd, NULL, NULL);
      if (a >= 0)
        close (a);
      f->reserve = open ("/dev/null", O_RDONLY | O_CLOEXEC);
      if (f->reserve >= 0 && a >= 0)
        return -EAGAIN - 1000;
    }
  for (size_t i = 0; i < f->n_paused; i++)
    if (f->paused[i] == src)
      return -EAGAIN;
  if (f->n_paused < sizeof f->paused / sizeof *f->paused)
    {
      jr_loop_mod (f->loop, src, 0);
      f->paused[f->n_paused++] = src;
    }
  return -EAGAIN;
}

/* Listener readable: accept a bounded batch. */
static void
on_listen (struct jr_loop_src *s, uint32_t ev)
{
  struct listener *l = (struct listener *) s;
  for (int i = 0; i < 64; i++)
    {
      int a = jr_fwd_accept (l->f, s, l->fd, NULL);
      if (a == -EAGAIN - 1000)
        continue;
      if (a < 0)
        return;
      fwd_start (l, a);
    }
}

/* Every second: connect and idle timeouts; resume paused listeners. */
static void
on_tick (struct jr_loop_src *s, uint32_t ev)
{
  struct jr_fwd *f = (struct jr_fwd *) ((char *) s - offsetof (struct jr_fwd, tick));
  jr_timer_read (f->tickfd);
  double now = jr_now ();
  for (struct jr_conn *c = f->conns, *next; c; c = next)
    {
      next = c->next;
      if ((c->connecting && now > c->deadline) || now - c->last > JR_FWD_IDLE_TIMEOUT)
        conn_close (c);
    }
  for (size_t i = 0; i < f->n_paused; i++)
    jr_loop_mod (f->loop, f->paused[i], EPOLLIN);
  f->n_paused = 0;
  if (f->reserve < 0)
    f->reserve = open ("/dev/null", O_RDONLY | O_CLOEXEC);
}

int
jr_fwd_listener (const struct jr_fwd *f, size_t i)
{
  return i < f->n_ls ? f->ls[i].fd : -1;
}

bool
jr_fwd_has_listeners (const struct jr_fwd *f)
{
  return f->n_ls > 0;
}

void
jr_fwd_attach (struct jr_fwd *f, struct jr_loop *l, struct jr_helper *h)
{
  f->loop = l;
  f->helper = h;
  f->tickfd = jr_timer_new (1, 1);
  if (f->tickfd >= 0)
    jr_loop_add (l, &f->tick, f->tickfd, EPOLLIN, on_tick);
  for (size_t i = 0; i < f->n_ls; i++)
    jr_loop_add (l, &f->ls[i].src, f->ls[i].fd, EPOLLIN, on_listen);
}

int
jr_fwd_pipe (struct jr_fwd *f, int a, int b, struct jr_loop_src *from_a, struct jr_loop_src *from_b,
             const char *pre, size_t pre_len, void (*on_done) (void *, uint64_t, uint64_t), void *arg)
{
  struct jr_conn *c = conn_new (f, a, b, from_a, from_b);
  if (c == NULL)
    {
      on_done (arg, 0, 0);
      return -ENOMEM;
    }
  c->on_done = on_done;
  c->arg = arg;
  if (pre_len && (c->pre = malloc (pre_len)) != NULL)
    {
      memcpy (c->pre, pre, pre_len);
      c->pre_len = pre_len;
    }
  if ((pre_len && c->pre == NULL) || conn_established (c) < 0)
    {
      conn_close (c);
      return -ENOMEM;
    }

  /* No pump: registering (or moving) a socket reports it when it is
   * ready, so a read now would only find it empty.  The prefix goes out at
   * once; what b does not take now goes on its writable edge. */
  if (pre_flush (c) < 0)
    conn_close (c);
  return 0;
}

void
jr_fwd_free (struct jr_fwd *f)
{
  if (f == NULL)
    return;
  while (f->conns)
    conn_close (f->conns);
  for (size_t i = 0; i < f->n_ls; i++)
    {
      if (f->loop)
        jr_loop_del (f->loop, &f->ls[i].src);
      if (f->ls[i].fd >= 0)
        close (f->ls[i].fd);
    }
  if (f->loop && f->tickfd >= 0)
    jr_loop_del (f->loop, &f->tick);
  if (f->tickfd >= 0)
    close (f->tickfd);
  if (f->reserve >= 0)
    close (f->reserve);
  while (f->n_pool > 0)
    close (f->pool[--f->n_pool]);
  free (f->copybuf);
  free (f->ls);
  free (f);
}

size_t
jr_fwd_close_if (struct jr_fwd *f, void (*on_done) (void *, uint64_t, uint64_t),
                 bool (*pred) (void *arg, void *ctx), void *ctx)
{
  size_t n = 0;
  for (struct jr_conn *c = f ? f->conns : NULL, *next; c; c = next)
    {
      next = c->next;
      if (!c->dead && c->on_done == on_done && pred (c->arg, ctx))
        {
          conn_close (c);
          n++;
        }
    }
  return n;
}
