/* proxy_aux.c - the proxy's resolver threads (getaddrinfo off the event
 * loop: requests queue in, up to JR_RESOLVERS threads take them, so a
 * slow answer holds up only its own request; results come back through
 * an eventfd, each name resolved once) and its audit log (one JSON line per decision,
 * written with a single write(2) to a file opened O_APPEND). */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
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

/* Append s as a JSON string body (escaped) to out at *o. */
static void
json_str (char *out, size_t n, size_t *o, const char *s)
{
  for (; *s && *o + 8 < n; s++)
    {
      unsigned char c = (unsigned char) *s;
      if (c == '"' || c == '\\')
        *o += (size_t) snprintf (out + *o, n - *o, "\\%c", c);
      else if (c < 0x20 || c >= 0x7f)
        *o += (size_t) snprintf (out + *o, n - *o, "\\u%04x", c);
      else
        out[(*o)++] = (char) c;
    }
  out[*o] = '\0';
}

void
jr_audit_write (struct jr_proxy *p, const struct audit *a)
{
  if (p->audit_fd < 0)
    return;
  char line[1024], ts[40];
  struct timespec now;
  struct tm tm;
  clock_gettime (CLOCK_REALTIME, &now);
  gmtime_r (&now.tv_sec, &tm);
  strftime (ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
  size_t o = (size_t) snprintf (line, sizeof line, "{\"time\":\"%s.%03ldZ\",\"jail\":\"%d\",\"client\":\"",
                                ts, now.tv_nsec / 1000000, (int) p->jail);
  const char *keys[] = { "\",\"method\":\"", "\",\"target\":\"", "\",\"address\":\"", "\",\"decision\":\"", "\",\"reason\":\"" };
  const char *vals[] = { a->client, a->method, a->target, a->address, a->decision, a->reason };
  json_str (line, sizeof line, &o, vals[0]);
  for (size_t i = 0; i < 5; i++)
    {
      o += (size_t) snprintf (line + o, sizeof line - o, "%s", keys[i]);
      if (o >= sizeof line)
        return;
      json_str (line, sizeof line, &o, vals[i + 1]);
    }
  int w = snprintf (line + o, sizeof line - o, "\",\"bytes_up\":%llu,\"bytes_down\":%llu,\"duration_ms\":%.0f}\n",
                    (unsigned long long) a->up, (unsigned long long) a->down, (jr_now () - a->start) * 1000);
  if (w > 0 && (size_t) w < sizeof line - o)
    (void) !write (p->audit_fd, line, o + (size_t) w);
}
