/* proxy_relay.c - a plain-HTTP request the egress proxy frames, so that
 * the client's connection stays open for its next request (HTTP/1.1
 * keep-alive).  The rewritten head and exactly Content-Length bytes of
 * body go upstream; the answer's head is parsed (proxy_resp.c) and
 * passed on with our own Connection header, its body relayed up to where
 * its framing says it ends (Content-Length, chunked, none: HEAD, 1xx,
 * 204, 304; interim 1xx answers are passed on and the final one read
 * after them); then proxy.c reads, parses and checks the client's next
 * request like the first.  The upstream connection is kept for it when
 * the answer ended where its framing said (no byte after it, no
 * "Connection: close"): proxy.c reuses it for a request to the same host
 * and port whose rule still permits its address.  An answer that ends
 * only when the server closes ends the client connection too.  Bytes move
 * through one buffer per client connection, one direction at a time; the
 * client is not read while an answer is relayed, so pipelined requests
 * wait in its socket and are served in order.  With --upstream-proxy
 * every plain request is relayed here, its head as it came (a chunked
 * body followed to its end, then the connection ends), and a CONNECT
 * too: its head alone, then the upstream's answer; only a 2xx hands the
 * sockets back to proxy.c to be spliced (JR_RELAY_TUNNEL), any other
 * answer is passed on and the connection closes. */
#include <errno.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "proxy_int.h"

enum
{
  R_FAIL = -1, /* close the client connection */
  R_WAIT = 0,  /* wait for the sockets (relay_watch) */
  R_MORE = 1,  /* progress: go on */
  R_GONE = 2,  /* the answer is complete: back to proxy.c */
  R_TUNNEL = 3 /* a CONNECT was opened by the upstream proxy */
};

/* Watch what the current step waits for.  The client's interest is set
 * only when it is wanted, or when strict (an event came from it that this
 * step did not want): most requests then cost no epoll_ctl on it. */
static void
relay_watch (struct preq *q, bool strict)
{
  uint32_t cev = 0, uev = 0;
  bool pending = q->rb_off < q->rb_end;
  if (q->state == PQ_SEND && pending)
    uev = EPOLLOUT;
  else if (q->state == PQ_SEND)
    cev = EPOLLIN; /* more of the body */
  else if (q->state == PQ_RESP_BODY && pending)
    cev = EPOLLOUT;
  else
    uev = EPOLLIN;
  if (cev || strict)
    jr_loop_mod (q->p->loop, &q->src, cev);
  if (q->usrc.added)
    jr_loop_mod (q->p->loop, &q->usrc, uev);
  else if (uev) /* dropped after a hang-up (jr_relay_event) */
    jr_loop_add (q->p->loop, &q->usrc, q->up, uev, q->up_fn);
}

/* Send rb[rb_off..rb_end) to fd, counting it: R_MORE when all is out. */
static int
flush (struct preq *q, int fd, uint64_t *count)
{
  while (q->rb_off < q->rb_end)
    {
      ssize_t n = send (fd, q->rb + q->rb_off, q->rb_end - q->rb_off, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0)
        return errno == EAGAIN || errno == EINTR ? R_WAIT : R_FAIL;
      q->rb_off += (size_t) n;
      *count += (uint64_t) n;
    }
  return R_MORE;
}

/* Drop the bytes sent; keep the unparsed rest at the front. */
static void
compact (struct preq *q)
{
  size_t rest = q->rb_len - q->rb_end;
  memmove (q->rb, q->rb + q->rb_end, rest);
  q->rb_off = q->rb_end = 0;
  q->rb_len = rest;
}

/* The upstream did not answer properly: a 502 when the client has seen
 * nothing of the answer yet, then the connection ends. */
static int
bad_answer (struct preq *q, const char *why)
{
  if (q->a.down == 0)
    {
      char body[128], msg[256];
      int bl = snprintf (body, sizeof body, "jailrun proxy: refused: %s\n", why);
      int n = snprintf (msg, sizeof msg,
                        "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
                        "Connection: close\r\n\r\n%s",
                        bl, body);
      if (n > 0 && (size_t) n < sizeof msg)
        (void) !send (q->fd, msg, (size_t) n, MSG_NOSIGNAL | MSG_DONTWAIT);
    }
  snprintf (q->a.reason, sizeof q->a.reason, "%s", why);
  return R_FAIL;
}

/* How many of the n bytes at p belong to the body being relayed (what
 * is left is updated; chunked keeps left at 1 until its end); -1 when
 * the chunked framing is malformed. */
static long
take_body (struct preq *q, const char *p, size_t n)
{
  if (q->chunked)
    {
      bool done;
      long t = jr_chunked_feed (&q->ch, p, n, &done);
      if (done)
        q->left = 0;
      return t;
    }
  if (q->left < 0)
    return (long) n;
  size_t t = (unsigned long long) q->left < n ? (size_t) q->left : n;
  q->left -= (long long) t;
  return (long) t;
}

/* The request's head and body go upstream. */
static int
send_step (struct preq *q)
{
  int r = flush (q, q->up, &q->a.up);
  if (r != R_MORE)
    return r;
  q->rb_off = q->rb_end = q->rb_len = 0;
  if (q->left == 0)
    {
      q->state = PQ_RESP_HEAD;
      return R_WAIT; /* the answer cannot be there yet */
    }
  size_t want = !q->chunked && (unsigned long long) q->left < JR_PROXY_RELAY_BUF ? (size_t) q->left
                                                                                 : JR_PROXY_RELAY_BUF;
  ssize_t n = recv (q->fd, q->rb, want, MSG_DONTWAIT);
  if (n < 0)
    return errno == EAGAIN || errno == EINTR ? R_WAIT : R_FAIL;
  if (n == 0)
    return R_FAIL; /* the client left in the middle of its body */
  long take = take_body (q, q->rb, (size_t) n);
  if (take < 0) /* malformed chunked body */
    return R_FAIL;
  q->rb_end = q->rb_len = (size_t) take; /* after a chunked body: dropped, the connection ends */
  return R_MORE;
}

/* Upstream proxy mode: its 2xx answer to CONNECT (with what came after
 * it) goes to the client at once; the sockets are then spliced. */
static int
tunnel_answer (struct preq *q)
{
  ssize_t n = send (q->fd, q->rb, q->rb_len, MSG_NOSIGNAL | MSG_DONTWAIT);
  if (n != (ssize_t) q->rb_len)
    return R_FAIL;
  q->a.down += (uint64_t) n;
  return R_TUNNEL;
}

/* The answer's head (hl bytes at rb) is complete: rewrite it, then relay
 * the body bytes that came with it. */
static int
answer_head (struct preq *q, size_t hl)
{
  struct jr_proxy_resp r;
  if (jr_proxy_resp_parse (q->rb, hl, q->head_req, &r) < 0)
    return bad_answer (q, "malformed response head");
  if (q->req.connect && r.status >= 200 && r.status < 300)
    return tunnel_answer (q);
  if (r.status < 200 && r.status != 101)
    {
      /* interim (100, 103): passed on as it is, the final answer follows */
      q->interim = true;
      q->rb_off = 0, q->rb_end = hl;
      q->state = PQ_RESP_BODY;
      return R_MORE;
    }
  if (r.status == 101)
    r.body = JR_BODY_EOF;
  q->up_ok = q->up_ok && !r.close && r.body != JR_BODY_EOF;
  q->keep = q->keep && r.body != JR_BODY_EOF;
  char head[JR_PROXY_RESP_HEAD_MAX + 64];
  int nl = jr_proxy_resp_rewrite (q->rb, hl, q->keep, head, sizeof head);
  if (nl < 0)
    return bad_answer (q, "response head too large");
  q->chunked = r.body == JR_BODY_CHUNKED;
  q->ch = (struct jr_chunked) { 0 };
  q->left = r.body == JR_BODY_LENGTH ? r.length : r.body == JR_BODY_NONE  ? 0
                                              : r.body == JR_BODY_CHUNKED ? 1
                                                                          : -1;
  long take = take_body (q, q->rb + hl, q->rb_len - hl);
  if (take < 0)
    return bad_answer (q, "malformed chunked body");
  if ((size_t) take < q->rb_len - hl) /* bytes after the answer: not reused */
    q->up_ok = false;
  memmove (q->rb + nl, q->rb + hl, (size_t) take);
  memcpy (q->rb, head, (size_t) nl);
  q->rb_off = 0;
  q->rb_end = q->rb_len = (size_t) nl + (size_t) take;
  q->state = PQ_RESP_BODY;
  return R_MORE;
}

/* Read the answer's head (bounded). */
static int
head_step (struct preq *q)
{
  const char *end = q->rb_len >= 4 ? memmem (q->rb, q->rb_len, "\r\n\r\n", 4) : NULL;
  if (end)
    return answer_head (q, (size_t) (end - q->rb) + 4);
  if (q->rb_len >= JR_PROXY_RESP_HEAD_MAX)
    return bad_answer (q, "response head larger than 16 KiB");
  ssize_t n = recv (q->up, q->rb + q->rb_len, JR_PROXY_RESP_HEAD_MAX - q->rb_len, MSG_DONTWAIT);
  if (n < 0)
    return errno == EAGAIN || errno == EINTR ? R_WAIT : bad_answer (q, "upstream connection failed");
  if (n == 0)
    return bad_answer (q, "upstream closed before answering");
  q->rb_len += (size_t) n;
  return R_MORE;
}

/* The answer is complete: log it, keep the upstream for a next request
 * or close it, and serve the client's next request (or close the client
 * when it is not kept).  A kept upstream is watched for input: it must
 * send nothing until asked, and its close frees it at once. */
static int
finish (struct preq *q)
{
  q->audit_due = false;
  jr_audit_write (q->p, &q->a);
  if (q->keep && q->up_ok && q->usrc.added)
    {
      snprintf (q->up_host, sizeof q->up_host, "%s", q->req.host);
      q->up_port = q->req.port;
      q->up_addr = q->addrs[q->next_addr - 1];
      jr_loop_mod (q->p->loop, &q->usrc, EPOLLIN);
    }
  else
    jr_relay_drop_upstream (q);
  return R_GONE;
}

/* Pass the answer to the client, up to its end. */
static int
body_step (struct preq *q)
{
  int r = flush (q, q->fd, &q->a.down);
  if (r != R_MORE)
    return r;
  if (q->interim)
    {
      q->interim = false;
      compact (q);
      q->state = PQ_RESP_HEAD;
      return R_MORE;
    }
  q->rb_off = q->rb_end = q->rb_len = 0;
  if (q->left == 0)
    return finish (q);
  size_t want = q->left > 0 && !q->chunked && q->left < JR_PROXY_RELAY_BUF ? (size_t) q->left : JR_PROXY_RELAY_BUF;
  ssize_t n = recv (q->up, q->rb, want, MSG_DONTWAIT);
  if (n < 0)
    return errno == EAGAIN || errno == EINTR ? R_WAIT : R_FAIL;
  if (n == 0)
    {
      if (q->left > 0) /* cut short: the client must not wait for the rest */
        return R_FAIL;
      q->keep = false;
      return finish (q);
    }
  long take = take_body (q, q->rb, (size_t) n);
  if (take < 0)
    return R_FAIL;
  if (take < n)
    q->up_ok = false;
  q->rb_end = q->rb_len = (size_t) take;
  return R_MORE;
}

/* Make progress until a socket would block (bounded, for fairness: the
 * sources are level-triggered, so what is left is reported again). */
static int
relay_run (struct preq *q, bool strict)
{
  for (int i = 0; i < JR_FWD_PUMP_ROUNDS; i++)
    {
      int r = q->state == PQ_SEND        ? send_step (q)
              : q->state == PQ_RESP_HEAD ? head_step (q)
                                         : body_step (q);
      if (r == R_GONE)
        return q->keep ? JR_RELAY_NEXT : JR_RELAY_CLOSE;
      if (r == R_FAIL)
        return JR_RELAY_CLOSE;
      if (r == R_TUNNEL)
        return JR_RELAY_TUNNEL;
      if (r == R_WAIT)
        break;
    }
  q->deadline = jr_now () + JR_FWD_IDLE_TIMEOUT;
  relay_watch (q, strict);
  return JR_RELAY_WAIT;
}

void
jr_relay_drop_upstream (struct preq *q)
{
  if (q->up < 0)
    return;
  jr_loop_del (q->p->loop, &q->usrc);
  close (q->up);
  q->up = -1;
}

int
jr_relay_start (struct preq *q, const char *head, size_t hl)
{
  int one = 1;
  if (q->rb == NULL)
    {
      if ((q->rb = malloc (JR_PROXY_RELAY_BUF)) == NULL)
        return JR_RELAY_CLOSE;
      setsockopt (q->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
  jr_proxy_audit_from (q, &q->a, "allow", q->has_rule ? q->rule.host : "");
  q->audit_due = true;

  /* The head and the body bytes that came with it; what follows the body
   * is the client's next request: it stays at the front of buf.  A CONNECT
   * (upstream proxy mode) has no body: what follows waits for the answer.
   * A chunked body (upstream proxy mode) is followed to its end, and the
   * connection ends after its answer, like after HTTP/1.0, "Connection:
   * close" or Expect. */
  size_t extra = q->len - q->req.head_len;
  unsigned long long cl = q->req.content_length > 0 && !q->req.connect ? (unsigned long long) q->req.content_length : 0;
  q->chunked = q->req.te;
  q->ch = (struct jr_chunked) { 0 };
  q->left = q->chunked ? 1 : (long long) cl;
  long body = take_body (q, q->buf + q->req.head_len, extra);
  if (body < 0)
    return JR_RELAY_CLOSE;
  memcpy (q->rb, head, hl);
  memcpy (q->rb + hl, q->buf + q->req.head_len, (size_t) body);
  q->rb_off = 0;
  q->rb_end = q->rb_len = hl + (size_t) body;
  memmove (q->buf, q->buf + q->req.head_len + body, extra - (size_t) body);
  q->len = extra - (size_t) body;
  if (q->left > 0) /* the body goes in pieces: no Nagle wait between them */
    setsockopt (q->up, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

  q->head_req = strcmp (q->req.method, "HEAD") == 0;
  q->keep = !q->req.te && !q->req.http10 && !q->req.close && !q->req.expect && !q->req.connect;
  q->up_ok = true;
  q->interim = false;
  q->state = PQ_SEND;
  q->up_fn = q->usrc.fn;
  return relay_run (q, false);
}

int
jr_relay_event (struct preq *q, bool client, uint32_t ev)
{
  if ((ev & EPOLLERR) || (client && (ev & EPOLLHUP)))
    return JR_RELAY_CLOSE;
  if (!client && (ev & EPOLLHUP) && q->state == PQ_SEND)
    return JR_RELAY_CLOSE;
  if (!client && (ev & EPOLLHUP) && q->rb_off < q->rb_end)
    {
      /* The upstream is gone while the client is still taking bytes: stop
       * hearing about it (it would be reported at every wait) until they
       * are out; what it sent before is still to be read. */
      jr_loop_del (q->p->loop, &q->usrc);
    }
  return relay_run (q, client);
}
