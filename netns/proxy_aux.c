/* proxy_aux.c - the proxy's resolver threads (getaddrinfo off the event
 * loop: requests queue in, up to JR_RESOLVERS threads take them, so a
 * slow answer holds up only its own request; results come back through
 * an eventfd, each name resolved once) and its audit log (one JSON line
 * per decision, written with a single write(2) to a file opened O_APPEND;
 * allowlist changes too, with who made them), and the ring of recent
 * decisions. */
#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "proxy_int.h"

void
jr_addr_text (const struct sockaddr_storage *sa, char *out, size_t n)
{
  const void *a = sa->ss_family == AF_INET ? (const void *) &((const struct sockaddr_in *) sa)->sin_addr
                                           : (const void *) &((const struct sockaddr_in6 *) sa)->sin6_addr;
  if (inet_ntop (sa->ss_family, a, out, (socklen_t) n) == NULL)
    snprintf (out, n, "?");
}

void
jr_proxy_audit_from (const struct preq *q, struct audit *a, const char *decision, const char *reason)
{
  memset (a, 0, sizeof *a);
  snprintf (a->client, sizeof a->client, "%s", q->client);
  snprintf (a->method, sizeof a->method, "%s", q->req.method);
  if (q->req.host[0])
    snprintf (a->target, sizeof a->target, q->req.host_is_ip && strchr (q->req.host, ':') ? "[%s]:%u" : "%s:%u",
              q->req.host, q->req.port);
  if (q->state == PQ_CONNECT && q->next_addr > 0)
    jr_addr_text (&q->addrs[q->next_addr - 1], a->address, sizeof a->address);
  a->decision = decision;
  snprintf (a->reason, sizeof a->reason, "%s", reason ? reason : "");
  a->start = q->start;
}

/* Resolve one request's name into its address list. */
static void
resolve (struct preq *q)
{
  struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res = NULL;
  q->gai_err = getaddrinfo (q->req.host, NULL, &hints, &res);
  q->n_addrs = 0;
  for (struct addrinfo *ai = res; ai && q->n_addrs < JR_PROXY_MAX_ADDRS; ai = ai->ai_next)
    if ((ai->ai_family == AF_INET || ai->ai_family == AF_INET6) && ai->ai_addrlen <= sizeof q->addrs[0])
      memcpy (&q->addrs[q->n_addrs++], ai->ai_addr, ai->ai_addrlen);
  if (res)
    freeaddrinfo (res);
}

/* The thread: pop, resolve, push to done, poke the loop. */
static void *
resolver_main (void *arg)
{
  struct jr_proxy *p = arg;
  pthread_mutex_lock (&p->mu);
  for (;;)
    {
      p->idle++;
      while (!p->thread_stop && p->queue == NULL)
        pthread_cond_wait (&p->cv, &p->mu);
      p->idle--;
      if (p->thread_stop)
        break;
      struct preq *q = p->queue;
      p->queue = q->rnext;
      pthread_mutex_unlock (&p->mu);
      resolve (q);
      pthread_mutex_lock (&p->mu);
      q->rnext = p->done;
      p->done = q;
      uint64_t one = 1;
      (void) !write (p->evfd, &one, sizeof one);
    }
  pthread_mutex_unlock (&p->mu);
  return NULL;
}

int
jr_resolver_submit (struct jr_proxy *p, struct preq *q)
{
  pthread_mutex_lock (&p->mu);
  /* One more thread when none is waiting for work (bounded). */
  if (p->idle == 0 && p->nthreads < JR_RESOLVERS)
    {
      sigset_t all, old;
      sigfillset (&all);
      /* The threads take no signals (the caller's forwarding relies on it). */
      pthread_sigmask (SIG_SETMASK, &all, &old);
      int r = pthread_create (&p->threads[p->nthreads], NULL, resolver_main, p);
      pthread_sigmask (SIG_SETMASK, &old, NULL);
      if (r != 0 && p->nthreads == 0)
        {
          pthread_mutex_unlock (&p->mu);
          return -r;
        }
      if (r == 0)
        p->nthreads++;
    }
  q->in_resolver = true;
  q->rnext = p->queue;
  p->queue = q;
  pthread_cond_signal (&p->cv);
  pthread_mutex_unlock (&p->mu);
  return 0;
}

struct preq *
jr_resolver_take (struct jr_proxy *p)
{
  uint64_t n;
  (void) !read (p->evfd, &n, sizeof n);
  pthread_mutex_lock (&p->mu);
  struct preq *d = p->done;
  p->done = NULL;
  pthread_mutex_unlock (&p->mu);
  return d;
}

void
jr_resolver_stop (struct jr_proxy *p)
{
  pthread_mutex_lock (&p->mu);
  p->thread_stop = true;
  pthread_cond_broadcast (&p->cv);
  int n = p->nthreads;
  pthread_mutex_unlock (&p->mu);
  for (int i = 0; i < n; i++)
    pthread_join (p->threads[i], NULL);
  p->nthreads = 0;
}

/* "2026-01-02T03:04:05.678Z" of now. */
static void
now_text (char *ts, size_t n)
{
  struct timespec now;
  struct tm tm;
  clock_gettime (CLOCK_REALTIME, &now);
  gmtime_r (&now.tv_sec, &tm);
  size_t o = strftime (ts, n, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf (ts + o, n - o, ".%03dZ", (int) (now.tv_nsec / 1000000));
}

/* Keep one line in the ring `net ls` shows. */
static void
remember (struct jr_proxy *p, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (p->recent[p->n_recent % JR_PROXY_RECENT], sizeof p->recent[0], fmt, ap);
  va_end (ap);
  p->n_recent++;
}

/* A new audit object with "time" and "jail" (its name, else its pid) set. */
static json_object *
audit_new (const struct jr_proxy *p, const char *ts)
{
  char jail_id[16];
  snprintf (jail_id, sizeof jail_id, "%d", (int) p->jail);
  json_object *o = json_object_new_object ();
  json_object_object_add (o, "time", json_object_new_string (ts));
  json_object_object_add (o, "jail", json_object_new_string (p->jail_name[0] ? p->jail_name : jail_id));
  return o;
}

/* Write o as one line of the audit log (json-c escapes the strings and
 * keeps UTF-8) in one write, so lines never interleave; frees o. */
static void
audit_emit (struct jr_proxy *p, json_object *o)
{
  size_t len = 0;
  const char *t = json_object_to_json_string_length (o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
  char line[8192];
  if (t && len + 1 < sizeof line)
    {
      memcpy (line, t, len);
      line[len] = '\n';
      (void) !write (p->audit_fd, line, len + 1);
    }
  json_object_put (o);
}

void
jr_audit_write (struct jr_proxy *p, const struct audit *a)
{
  char ts[40];
  now_text (ts, sizeof ts);
  remember (p, "%s %s %s %s%s%s", ts, a->decision, a->method[0] ? a->method : "-", a->target[0] ? a->target : "-",
            a->reason[0] ? " " : "", a->reason);
  if (p->audit_fd < 0)
    return;

  json_object *o = audit_new (p, ts);
  const char *keys[] = { "client", "method", "target", "address", "decision", "reason" };
  const char *vals[] = { a->client, a->method, a->target, a->address, a->decision, a->reason };
  for (size_t i = 0; i < 6; i++)
    json_object_object_add (o, keys[i], json_object_new_string (vals[i] ? vals[i] : ""));
  json_object_object_add (o, "bytes_up", json_object_new_int64 ((int64_t) a->up));
  json_object_object_add (o, "bytes_down", json_object_new_int64 ((int64_t) a->down));
  json_object_object_add (o, "duration_ms", json_object_new_int64 ((int64_t) ((jr_now () - a->start) * 1000 + 0.5)));
  audit_emit (p, o);
}

void
jr_audit_change (struct jr_proxy *p, const char *what, uid_t uid, pid_t pid)
{
  char ts[40];
  now_text (ts, sizeof ts);
  remember (p, "%s change %s (uid %u pid %d)", ts, what, (unsigned) uid, (int) pid);
  if (p->audit_fd < 0)
    return;

  json_object *o = audit_new (p, ts);
  json_object_object_add (o, "change", json_object_new_string (what));
  json_object_object_add (o, "by_uid", json_object_new_int64 ((int64_t) uid));
  json_object_object_add (o, "by_pid", json_object_new_int64 ((int64_t) pid));
  audit_emit (p, o);
}
