/* proxy.c - the egress proxy: a listener in the bridge netns (only the
 * jail can reach it), clients served by the supervisor's loop.  Each
 * client: read a bounded head (8 KiB, 30 s), parse it strictly, find the
 * --allow rule, resolve once (resolver threads; literals and "localhost"
 * need none), check every address, connect from the caller's netns to
 * exactly a checked address, then hand both sockets to the forwarder's
 * splice machinery.  Every decision is one audit line; a denial is a 403
 * whose body is the one-line reason. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "hostfile.h"
#include "proxy_int.h"

/* Close a request; memory goes when the resolver no longer holds it. */
static void
preq_close (struct preq *q, bool slot)
{
  if (q->dead)
    return;
  struct jr_proxy *p = q->p;
  q->dead = true;
  jr_loop_del (p->loop, &q->src);
  jr_loop_del (p->loop, &q->usrc);
  if (q->fd >= 0)
    close (q->fd);
  if (q->up >= 0)
    close (q->up);
  q->fd = q->up = -1;
  if (q->audit_due) /* a relayed request cut short */
    jr_audit_write (p, &q->a);
  q->audit_due = false;
  free (q->rb);
  q->rb = NULL;
  if (slot)
    jr_fwd_put_slot (p->fwd);
  if (q->prev)
    q->prev->next = q->next;
  else
    p->list = q->next;
  if (q->next)
    q->next->prev = q->prev;
  if (!q->in_resolver)
    jr_loop_defer_free (p->loop, free, q);
}

/* Answer status with a one-line reason, log the denial, close. */
static void
deny (struct preq *q, int status, const char *reason)
{
  static const struct
  {
    int code;
    const char *text;
  } st[] = {
    { 400, "Bad Request" },
    { 403, "Forbidden" },
    { 414, "URI Too Long" },
    { 431, "Request Header Fields Too Large" },
    { 502, "Bad Gateway" },
    { 504, "Gateway Timeout" },
  };
  const char *text = "Error";
  for (size_t i = 0; i < sizeof st / sizeof *st; i++)
    if (st[i].code == status)
      text = st[i].text;
  char body[256], msg[512];
  int bl = snprintf (body, sizeof body, "jailrun proxy: %s: %s\n", status == 403 ? "denied" : "refused", reason);
  int ml = snprintf (msg, sizeof msg, "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
                                      "Connection: close\r\n\r\n%s",
                     status, text, bl, body);
  if (ml > 0 && (size_t) ml < sizeof msg)
    (void) !send (q->fd, msg, (size_t) ml, MSG_NOSIGNAL | MSG_DONTWAIT);
  struct audit a;
  jr_proxy_audit_from (q, &a, "deny", reason);
  jr_audit_write (q->p, &a);
  preq_close (q, true);
}

/* The tunnel closed: log the allowed connection with its byte counts. */
void
jr_proxy_tunnel_done (void *arg, uint64_t up, uint64_t down)
{
  struct jr_tunnel *t = arg;
  t->a.up = up;
  t->a.down = down;
  jr_audit_write (t->p, &t->a);
  free (t);
}

static void next_request (struct preq *q);

/* Act on what the relay of a framed request says: wait, close, or read
 * the client's next request. */
static void
relay_done (struct preq *q, int r)
{
  if (r == JR_RELAY_CLOSE)
    preq_close (q, true);
  else if (r == JR_RELAY_NEXT)
    next_request (q);
}

/* Connected upstream: reply (CONNECT) or rewrite (plain HTTP), splice. */
static void
start_tunnel (struct preq *q)
{
  char out[JR_PROXY_HEAD_MAX + 64 + JR_PROXY_HEAD_MAX];
  size_t extra = q->len - q->req.head_len, ol = 0;
  if (q->p->has_upstream)
    extra = q->len, q->req.head_len = 0; /* the request as it came: the upstream answers */
  else if (q->req.connect)
    {
      static const char ok[] = "HTTP/1.1 200 Connection established\r\n\r\n";
      if (send (q->fd, ok, sizeof ok - 1, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t) sizeof ok - 1)
        return preq_close (q, true);
    }
  else
    {
      int n = jr_proxy_rewrite (q->buf, q->req.head_len, &q->req, q->framed, out, JR_PROXY_HEAD_MAX + 64);
      if (n < 0)
        return deny (q, 431, "request head too large after rewriting");
      if (q->framed)
        return relay_done (q, jr_relay_start (q, out, (size_t) n));
      ol = (size_t) n;
    }
  memcpy (out + ol, q->buf + q->req.head_len, extra);
  struct jr_tunnel *t = malloc (sizeof *t);
  if (t == NULL)
    return preq_close (q, true);
  jr_proxy_audit_from (q, &t->a, "allow", q->has_rule ? q->rule.host : "");
  t->p = q->p;
  t->port = q->req.port;
  memcpy (t->host, q->req.host, sizeof t->host);
  int fd = q->fd, up = q->up;
  q->fd = q->up = -1;
  /* Both sockets, their loop registrations and the slot move to the
   * tunnel; on failure jr_fwd_pipe closed both and called
   * jr_proxy_tunnel_done. */
  (void) jr_fwd_pipe (q->p->fwd, fd, up, &q->src, &q->usrc, out, ol + extra, jr_proxy_tunnel_done, t);
  preq_close (q, false);
}

static void try_connect (struct preq *q);

/* May q's request go on the upstream connection kept from its previous
 * answer?  The same host and port, its address permitted by the rule
 * found for this request, and the connection neither closed nor sent
 * anything since. */
static bool
upstream_reusable (struct preq *q, const struct jr_allow *rule)
{
  char c;
  const char *why = NULL;
  return q->framed && strcmp (q->up_host, q->req.host) == 0 && q->up_port == q->req.port
         && jr_addr_permitted (rule, (struct sockaddr *) &q->up_addr, &why)
         && recv (q->up, &c, 1, MSG_PEEK | MSG_DONTWAIT) < 0 && errno == EAGAIN;
}

/* Upstream socket event: connected (or not), or a relayed request's. */
static void
on_upstream (struct jr_loop_src *s, uint32_t ev)
{
  struct preq *q = (struct preq *) ((char *) s - offsetof (struct preq, usrc));
  if (q->state == PQ_HEAD) /* a kept upstream closed or spoke unasked */
    return jr_relay_drop_upstream (q);
  if (q->state != PQ_CONNECT)
    return relay_done (q, jr_relay_event (q, false, ev));
  int e = 0;
  socklen_t l = sizeof e;
  getsockopt (q->up, SOL_SOCKET, SO_ERROR, &e, &l);
  if (e == 0)
    return start_tunnel (q);
  jr_loop_del (q->p->loop, &q->usrc);
  close (q->up);
  q->up = -1;
  try_connect (q);
}

/* Connect to the next checked address. */
static void
try_connect (struct preq *q)
{
  q->state = PQ_CONNECT;
  while (q->next_addr < q->n_addrs)
    {
      struct sockaddr_storage *sa = &q->addrs[q->next_addr++];
      socklen_t len = sa->ss_family == AF_INET ? sizeof (struct sockaddr_in) : sizeof (struct sockaddr_in6);
      if (!q->p->has_upstream)
        ((struct sockaddr_in *) sa)->sin_port = htons (q->req.port); /* same offset in sin6 */
      q->up = socket (sa->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (q->up < 0)
        continue;
      int r = connect (q->up, (struct sockaddr *) sa, len);
      if ((r == 0 || errno == EINPROGRESS)
          && jr_loop_add (q->p->loop, &q->usrc, q->up, EPOLLOUT, on_upstream) == 0)
        {
          q->deadline = jr_now () + JR_FWD_CONNECT_TIMEOUT;
          return;
        }
      close (q->up);
      q->up = -1;
    }
  deny (q, 502, "could not connect to any checked address");
}

/* Does the allowlist, as it is now, still let q through? */
static bool
still_allowed (const struct jr_proxy *p, const char *host, uint16_t port)
{
  return !p->off && jr_allow_find (p->allow, p->n_allow, host, port) != NULL;
}

/* Check every address against the rule, then connect. */
static void
check_and_connect (struct preq *q)
{
  if (!still_allowed (q->p, q->req.host, q->req.port))
    return deny (q, 403, "the allowlist changed while resolving");
  if (q->n_addrs == 0)
    return deny (q, 502, "name did not resolve");
  for (size_t i = 0; i < q->n_addrs; i++)
    {
      const char *why = NULL;
      if (!jr_addr_permitted (&q->rule, (struct sockaddr *) &q->addrs[i], &why))
        {
          char txt[64], reason[192];
          jr_addr_text (&q->addrs[i], txt, sizeof txt);
          snprintf (reason, sizeof reason, "%s: %s", txt, why);
          return deny (q, 403, reason);
        }
    }
  try_connect (q);
}

/* The head is complete: parse and decide. */
static void
decide (struct preq *q)
{
  const char *why = NULL;
  int st = jr_proxy_parse (q->buf, q->req.head_len, &q->req, &why);
  if (st)
    return deny (q, st, why);
  if (q->p->off)
    return deny (q, 403, "egress is switched off ('jailrun net on' switches it on)");
  const struct jr_allow *rule = jr_allow_find (q->p->allow, q->p->n_allow, q->req.host, q->req.port);
  if (rule == NULL)
    {
      char reason[320];
      snprintf (reason, sizeof reason, "no --allow rule matches %s:%u", q->req.host, q->req.port);
      return deny (q, 403, reason);
    }
  q->rule = *rule;
  q->has_rule = true;
  /* Plain HTTP/1.1 with a body of known length (or none) is framed and
   * the connection kept; CONNECT, chunked or Expect bodies, HTTP/1.0,
   * "Connection: close" and the upstream proxy's requests are tunnelled
   * to the end of the connection as before. */
  q->framed = !q->req.connect && !q->p->has_upstream && !q->req.te && !q->req.http10 && !q->req.close
              && !q->req.expect;
  if (q->up >= 0 && upstream_reusable (q, rule))
    {
      q->addrs[0] = q->up_addr;
      q->n_addrs = q->next_addr = 1;
      q->state = PQ_CONNECT;
      return start_tunnel (q);
    }
  jr_relay_drop_upstream (q);
  if (q->p->has_upstream)
    {
      /* The upstream resolves and connects: the allowlist is applied by name. */
      q->addrs[0] = q->p->upstream;
      q->n_addrs = 1;
      return try_connect (q);
    }
  if (q->req.host_is_ip)
    {
      q->addrs[0] = q->req.ip;
      q->n_addrs = 1;
      return check_and_connect (q);
    }
  if (strcmp (q->req.host, "localhost") == 0)
    {
      /* RFC 6761: localhost is loopback, never looked up. */
      struct sockaddr_in *v4 = (struct sockaddr_in *) &q->addrs[0];
      struct sockaddr_in6 *v6 = (struct sockaddr_in6 *) &q->addrs[1];
      memset (q->addrs, 0, 2 * sizeof q->addrs[0]);
      v4->sin_family = AF_INET;
      v4->sin_addr.s_addr = htonl (INADDR_LOOPBACK);
      v6->sin6_family = AF_INET6;
      v6->sin6_addr = in6addr_loopback;
      q->n_addrs = 2;
      return check_and_connect (q);
    }
  q->state = PQ_RESOLVE;
  jr_loop_mod (q->p->loop, &q->src, 0);
  if (jr_resolver_submit (q->p, q) < 0)
    deny (q, 502, "resolver unavailable");
}

/* Client readable while we wait for its head. */
static void
on_client (struct jr_loop_src *s, uint32_t ev)
{
  struct preq *q = (struct preq *) ((char *) s - offsetof (struct preq, src));
  if (q->state >= PQ_SEND)
    return relay_done (q, jr_relay_event (q, true, ev));
  if (q->state != PQ_HEAD)
    {
      if (ev & (EPOLLERR | EPOLLHUP))
        preq_close (q, true);
      else /* the next request, early: it waits until this one is done */
        jr_loop_mod (q->p->loop, &q->src, 0);
      return;
    }
  ssize_t n = recv (q->fd, q->buf + q->len, sizeof q->buf - q->len, MSG_DONTWAIT);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
    return preq_close (q, true);
  if (n < 0)
    return;
  if (q->len == 0 && q->kept) /* the next request begins: its head has the head's time */
    q->start = jr_now (), q->deadline = q->start + JR_PROXY_HEAD_TIMEOUT;
  size_t from = q->len > 3 ? q->len - 3 : 0;
  q->len += (size_t) n;
  const char *end = memmem (q->buf + from, q->len - from, "\r\n\r\n", 4);
  if (end)
    {
      q->req.head_len = (size_t) (end - q->buf) + 4;
      return decide (q);
    }
  if (q->len == sizeof q->buf)
    deny (q, 431, "request head larger than 8 KiB");
}

/* New client on the bridge listener. */
static void
on_accept (struct jr_loop_src *s, uint32_t ev)
{
  struct jr_proxy *p = (struct jr_proxy *) ((char *) s - offsetof (struct jr_proxy, lsrc));
  for (int i = 0; i < 64; i++)
    {
      struct sockaddr_storage peer;
      int fd = jr_fwd_accept (p->fwd, s, p->lfd, &peer);
      if (fd == -EAGAIN - 1000)
        continue;
      if (fd < 0)
        return;
      struct preq *q = calloc (1, sizeof *q);
      if (q == NULL)
        {
          close (fd);
          jr_fwd_put_slot (p->fwd);
          continue;
        }
      q->p = p, q->fd = fd, q->up = -1, q->start = jr_now ();
      q->deadline = q->start + JR_PROXY_HEAD_TIMEOUT;
      char t[48];
      jr_addr_text (&peer, t, sizeof t);
      snprintf (q->client, sizeof q->client, "%s:%u", t, ntohs (((struct sockaddr_in *) &peer)->sin_port));
      q->next = p->list;
      if (p->list)
        p->list->prev = q;
      p->list = q;
      if (jr_loop_add (p->loop, &q->src, fd, EPOLLIN | EPOLLRDHUP, on_client) < 0)
        preq_close (q, true);
    }
}

/* Back to reading the next request head on a kept-alive connection
 * (it may be here already: pipelined). */
static void
next_request (struct preq *q)
{
  q->state = PQ_HEAD;
  q->kept = true;
  q->has_rule = q->framed = false;
  q->n_addrs = q->next_addr = 0;
  q->gai_err = 0;
  q->start = jr_now ();
  q->deadline = q->start + (q->len ? JR_PROXY_HEAD_TIMEOUT : JR_PROXY_IDLE_TIMEOUT);
  jr_loop_mod (q->p->loop, &q->src, EPOLLIN | EPOLLRDHUP);
  const char *end = q->len >= 4 ? memmem (q->buf, q->len, "\r\n\r\n", 4) : NULL;
  if (end) /* pipelined: its head is here already */
    {
      q->req.head_len = (size_t) (end - q->buf) + 4;
      decide (q);
    }
  else if (q->len == sizeof q->buf)
    deny (q, 431, "request head larger than 8 KiB");
}

/* Names resolved: continue (or free what the client abandoned). */
static void
on_resolved (struct jr_loop_src *s, uint32_t ev)
{
  struct jr_proxy *p = (struct jr_proxy *) ((char *) s - offsetof (struct jr_proxy, esrc));
  for (struct preq *q = jr_resolver_take (p), *next; q; q = next)
    {
      next = q->rnext;
      q->in_resolver = false;
      if (q->dead)
        {
          jr_loop_defer_free (p->loop, free, q);
          continue;
        }
      if (q->gai_err)
        {
          char reason[320];
          snprintf (reason, sizeof reason, "%s: %s", q->req.host, gai_strerror (q->gai_err));
          deny (q, 502, reason);
          continue;
        }
      check_and_connect (q);
    }
}

/* Every second: head and connect timeouts. */
static void
on_ptick (struct jr_loop_src *s, uint32_t ev)
{
  struct jr_proxy *p = (struct jr_proxy *) ((char *) s - offsetof (struct jr_proxy, tsrc));
  jr_timer_read (p->tickfd);
  double now = jr_now ();
  for (struct preq *q = p->list, *next; q; q = next)
    {
      next = q->next;
      if (now <= q->deadline)
        continue;
      if (q->state == PQ_HEAD && q->kept && q->len == 0)
        preq_close (q, true); /* an idle kept-alive connection */
      else if (q->state == PQ_HEAD)
        deny (q, 400, "request head not received in time");
      else if (q->state == PQ_CONNECT)
        deny (q, 504, "upstream connect timed out");
      else if (q->state >= PQ_SEND)
        preq_close (q, true); /* a relayed request idle too long */
    }
}

static bool
tunnel_cut (void *arg, void *ctx)
{
  const struct jr_tunnel *t = arg;
  return t->p == ctx && !still_allowed (t->p, t->host, t->port);
}

void
jr_proxy_recheck (struct jr_proxy *p)
{
  for (struct preq *q = p->list, *next; q; q = next)
    {
      next = q->next;
      if (q->state == PQ_HEAD || still_allowed (p, q->req.host, q->req.port))
        continue;
      if (q->state >= PQ_SEND) /* like a tunnel: cut */
        preq_close (q, true);
      else
        deny (q, 403, "the allowlist changed before the connection was made");
    }
  if (p->fwd)
    jr_fwd_close_if (p->fwd, jr_proxy_tunnel_done, tunnel_cut, p);
}

/* --upstream-proxy HOST:PORT: its first address, looked up once at start. */
static int
resolve_upstream (struct jr_proxy *p, const struct jr_netcfg *nc, jail_error **err)
{
  struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG }, *ai = NULL;
  int g = getaddrinfo (nc->upstream_host, NULL, &hints, &ai);
  if (g != 0 || ai == NULL)
    return jr_error_msg (err, EHOSTUNREACH, "upstream-proxy %s:%u: %s", nc->upstream_host, nc->upstream_port,
                         g ? gai_strerror (g) : "no address");
  memcpy (&p->upstream, ai->ai_addr, ai->ai_addrlen);
  ((struct sockaddr_in *) &p->upstream)->sin_port = htons (nc->upstream_port); /* same offset in sin6 */
  p->has_upstream = true;
  freeaddrinfo (ai);
  return 0;
}

int
jr_proxy_new (struct jr_proxy **out, const struct jr_netcfg *nc, jail_error **err)
{
  struct jr_proxy *p = calloc (1, sizeof *p);
  if (p == NULL)
    return jr_error (err, ENOMEM, "proxy");
  p->lfd = p->tickfd = p->audit_fd = -1;
  pthread_mutex_init (&p->mu, NULL);
  pthread_cond_init (&p->cv, NULL);
  *out = p;
  p->evfd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (p->evfd < 0)
    return jr_error (err, errno, "proxy: eventfd");
  if (nc && nc->n_allow)
    {
      p->allow = malloc (nc->n_allow * sizeof *p->allow);
      if (p->allow == NULL)
        return jr_error (err, ENOMEM, "proxy");
      memcpy (p->allow, nc->allow, nc->n_allow * sizeof *p->allow);
      p->n_allow = nc->n_allow;
    }
  if (nc)
    snprintf (p->jail_name, sizeof p->jail_name, "%s", nc->jail_name);
  if (nc && nc->upstream_host[0])
    {
      int r = resolve_upstream (p, nc, err);
      if (r < 0)
        return r;
    }
  if (nc && nc->audit_log)
    {
      p->audit_fd = jr_hostfile_open_append ("audit-log", nc->audit_log, err);
      if (p->audit_fd < 0)
        return p->audit_fd;
    }
  return 0;
}

void
jr_proxy_attach (struct jr_proxy *p, struct jr_loop *l, struct jr_fwd *f, int listener, pid_t jail_pid)
{
  p->loop = l;
  p->fwd = f;
  p->lfd = listener;
  p->jail = jail_pid;
  jr_loop_add (l, &p->lsrc, listener, EPOLLIN, on_accept);
  jr_loop_add (l, &p->esrc, p->evfd, EPOLLIN, on_resolved);
  p->tickfd = jr_timer_new (1, 1);
  if (p->tickfd >= 0)
    jr_loop_add (l, &p->tsrc, p->tickfd, EPOLLIN, on_ptick);
}

void
jr_proxy_free (struct jr_proxy *p)
{
  if (p == NULL)
    return;
  while (p->list)
    preq_close (p->list, true);
  jr_resolver_stop (p);
  struct preq *lists[] = { p->queue, p->done };
  for (size_t i = 0; i < 2; i++)
    for (struct preq *q = lists[i], *next; q; q = next)
      {
        next = q->rnext;
        free (q); /* all closed above */
      }
  if (p->loop)
    {
      jr_loop_del (p->loop, &p->lsrc);
      jr_loop_del (p->loop, &p->esrc);
      jr_loop_del (p->loop, &p->tsrc);
    }
  int fds[] = { p->lfd, p->tickfd, p->evfd, p->audit_fd };
  for (size_t i = 0; i < 4; i++)
    if (fds[i] >= 0)
      close (fds[i]);
  pthread_mutex_destroy (&p->mu);
  pthread_cond_destroy (&p->cv);
  free (p->allow);
  free (p);
}
