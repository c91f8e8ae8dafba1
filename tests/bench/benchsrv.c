/* benchsrv.c - jr-benchsrv: the one small server the benchmarks put behind
 * jailrun's forwarder and behind each peer (direct loopback, socat,
 * slirp4netns, pasta), plus the client side of the throughput test.
 * Static, single-threaded, one epoll loop; written for the benchmarks.
 *
 *   jr-benchsrv http   [ADDR:]PORT   answer every HTTP request head with a
 *                                    2-byte 200 (keep-alive), for wrk; a
 *                                    head with "Connection: close" gets
 *                                    its answer with that header, then
 *                                    the connection closes (as a real
 *                                    origin behind a proxy does)
 *   jr-benchsrv echo   [ADDR:]PORT   send back every byte, pass EOF on
 *   jr-benchsrv source [ADDR:]PORT BYTES  send BYTES bytes, then close
 *   jr-benchsrv get    ADDR PORT     client: read to EOF, print
 *                                    "BYTES SECONDS MiB/s"
 *   jr-benchsrv ping   ADDR PORT     client: exit 0 if a connection opens
 *   jr-benchsrv cget   PROXY HOST PORT  client: CONNECT HOST:PORT through
 *                                    PROXY, then as get
 *   jr-benchsrv crr    PROXY HOST PORT N  client: N times in a row, open,
 *                                    CONNECT, one GET, close; print
 *                                    "N median_us p99_us failures"
 *   PROXY is ADDR:PORT, "env" ($HTTPS_PROXY or $HTTP_PROXY, http://A:P/)
 *   or "-" (no proxy: straight to HOST:PORT, the baseline).
 *
 * ADDR defaults to 0.0.0.0 (inside a jail: its own network namespace).
 * JR_BENCH_CC=NAME (http, echo, source): the listener's TCP congestion
 * control, which its connections inherit (reno: a sender that does not
 * pace, for a direct baseline on a host whose default paces). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF 65536
#define MAXFD 65536

enum mode
{
  HTTP,
  ECHO,
  SOURCE
};

/* Per-connection state, indexed by fd. */
struct conn
{
  char *buf;       /* pending output (echo) */
  size_t len, off; /* pending bytes and where they start */
  long long left;  /* source: bytes still to send */
  int match;       /* http: how much of "\r\n\r\n" was seen */
  int cmatch;      /* http: how much of "\nconnection: close\r" was seen */
  int close_req;   /* http: this head asked for Connection: close */
  int closing;     /* http: close once the pending answer is sent */
  int eof;         /* the peer sent EOF */
};

static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok";
static const char resp_close[]
    = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nok";

/* Parse [ADDR:]PORT into sa. */
static int
parse_addr (const char *s, struct sockaddr_in *sa)
{
  char host[64] = "0.0.0.0";
  const char *c = strrchr (s, ':');
  if (c && (size_t) (c - s) < sizeof host)
    {
      memcpy (host, s, (size_t) (c - s));
      host[c - s] = 0;
      s = c + 1;
    }
  memset (sa, 0, sizeof *sa);
  sa->sin_family = AF_INET;
  sa->sin_port = htons ((unsigned short) atoi (s));
  return inet_pton (AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

static void
set_events (int ep, int fd, unsigned ev)
{
  struct epoll_event e = { .events = ev, .data.fd = fd };
  epoll_ctl (ep, EPOLL_CTL_MOD, fd, &e);
}

static void
drop (int ep, struct conn *c, int fd)
{
  epoll_ctl (ep, EPOLL_CTL_DEL, fd, NULL);
  free (c->buf);
  memset (c, 0, sizeof *c);
  close (fd);
}

/* Flush pending output; returns 1 when all was written, 0 when the socket
 * is full, -1 on error. */
static int
flush_out (int fd, struct conn *c)
{
  while (c->len > c->off)
    {
      ssize_t w = send (fd, c->buf + c->off, c->len - c->off, MSG_NOSIGNAL);
      if (w < 0)
        return errno == EAGAIN ? 0 : -1;
      c->off += (size_t) w;
    }
  c->len = c->off = 0;
  return 1;
}

/* Queue one HTTP answer per complete request head in data; after a head
 * with "Connection: close", answer with that header and read no more. */
static void
http_scan (struct conn *c, const char *data, ssize_t n)
{
  static const char end[] = "\r\n\r\n", cl[] = "\nconnection: close\r";
  for (ssize_t i = 0; i < n && !c->closing; i++)
    {
      char lc = data[i] >= 'A' && data[i] <= 'Z' ? (char) (data[i] + 32) : data[i];
      c->cmatch = lc == cl[c->cmatch] ? c->cmatch + 1 : (lc == '\n');
      if (c->cmatch == (int) sizeof cl - 1)
        c->close_req = 1, c->cmatch = 0;
      c->match = data[i] == end[c->match] ? c->match + 1 : (data[i] == '\r');
      if (c->match == 4)
        {
          const char *r = c->close_req ? resp_close : resp;
          size_t rl = c->close_req ? sizeof resp_close - 1 : sizeof resp - 1;
          c->match = 0;
          c->closing = c->close_req;
          if (c->len + rl <= BUF)
            {
              memcpy (c->buf + c->len, r, rl);
              c->len += rl;
            }
        }
    }
}

/* Readable or writable connection; returns -1 to drop it. */
static int
on_conn (int ep, enum mode m, int fd, struct conn *c)
{
  static char in[BUF];
  if (m == SOURCE)
    {
      while (c->left > 0)
        {
          ssize_t w = send (fd, in, c->left < BUF ? (size_t) c->left : BUF, MSG_NOSIGNAL);
          if (w < 0)
            return errno == EAGAIN ? 0 : -1;
          c->left -= w;
        }
      return -1;
    }
  int f = flush_out (fd, c);
  if (f <= 0)
    return f;
  if (c->eof || c->closing)
    {
      shutdown (fd, SHUT_WR);
      return -1;
    }
  ssize_t n = recv (fd, m == ECHO ? c->buf : in, BUF, 0);
  if (n < 0)
    return errno == EAGAIN ? 0 : -1;
  if (n == 0)
    {
      c->eof = 1;
      shutdown (fd, SHUT_WR);
      return -1;
    }
  if (m == ECHO)
    c->len = (size_t) n;
  else
    http_scan (c, in, n);
  f = flush_out (fd, c);
  if (f < 0)
    return -1;
  if (f && c->closing)
    {
      shutdown (fd, SHUT_WR);
      return -1;
    }
  set_events (ep, fd, f ? EPOLLIN : EPOLLOUT);
  return 0;
}

/* Accept every pending connection. */
static void
on_accept (int ep, int lfd, enum mode m, long long bytes, struct conn *conns)
{
  int fd;
  while ((fd = accept4 (lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0)
    {
      if (fd >= MAXFD)
        {
          close (fd);
          continue;
        }
      int one = 1;
      setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      struct conn *c = &conns[fd];
      memset (c, 0, sizeof *c);
      c->buf = malloc (BUF);
      c->left = bytes;
      struct epoll_event e = { .events = m == SOURCE ? EPOLLOUT : EPOLLIN, .data.fd = fd };
      if (!c->buf || epoll_ctl (ep, EPOLL_CTL_ADD, fd, &e) < 0)
        drop (ep, c, fd);
    }
}

static int
serve (enum mode m, const char *where, long long bytes)
{
  struct sockaddr_in sa;
  if (parse_addr (where, &sa) < 0)
    return 2;
  int one = 1, lfd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  setsockopt (lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  const char *cc = getenv ("JR_BENCH_CC");
  if (cc && setsockopt (lfd, IPPROTO_TCP, TCP_CONGESTION, cc, (socklen_t) strlen (cc)) < 0)
    {
      perror ("jr-benchsrv: TCP_CONGESTION");
      return 1;
    }
  if (bind (lfd, (struct sockaddr *) &sa, sizeof sa) < 0 || listen (lfd, 4096) < 0)
    {
      perror ("jr-benchsrv: bind/listen");
      return 1;
    }
  struct conn *conns = calloc (MAXFD, sizeof *conns);
  int ep = epoll_create1 (EPOLL_CLOEXEC);
  struct epoll_event e = { .events = EPOLLIN, .data.fd = lfd }, ev[256];
  epoll_ctl (ep, EPOLL_CTL_ADD, lfd, &e);
  for (;;)
    {
      int n = epoll_wait (ep, ev, 256, -1);
      for (int i = 0; i < n; i++)
        {
          int fd = ev[i].data.fd;
          if (fd == lfd)
            on_accept (ep, lfd, m, bytes, conns);
          else if (on_conn (ep, m, fd, &conns[fd]) < 0)
            drop (ep, &conns[fd], fd);
        }
    }
}

static int
client (int get, const char *host, const char *port)
{
  struct sockaddr_in sa;
  char spec[128];
  snprintf (spec, sizeof spec, "%s:%s", host, port);
  if (parse_addr (spec, &sa) < 0)
    return 2;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct timespec t0, t1;
  clock_gettime (CLOCK_MONOTONIC, &t0);
  if (connect (fd, (struct sockaddr *) &sa, sizeof sa) < 0)
    return 1;
  if (!get)
    return 0;
  static char buf[1 << 20];
  long long total = 0;
  ssize_t r;
  while ((r = read (fd, buf, sizeof buf)) > 0)
    total += r;
  clock_gettime (CLOCK_MONOTONIC, &t1);
  double s = (double) (t1.tv_sec - t0.tv_sec) + (double) (t1.tv_nsec - t0.tv_nsec) / 1e9;
  printf ("%lld %.6f %.1f\n", total, s, (double) total / 1048576.0 / s);
  return r < 0;
}

/* Connect to ADDR:PORT ("A:P"); -1 on failure. */
static int
dial (const char *spec)
{
  struct sockaddr_in sa;
  if (parse_addr (spec, &sa) < 0)
    return -1;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0 && connect (fd, (struct sockaddr *) &sa, sizeof sa) < 0)
    {
      close (fd);
      return -1;
    }
  return fd;
}

/* Read an HTTP response head (to the blank line) byte by byte; 0 if it is
 * a 2xx, -1 otherwise. */
static int
read_head (int fd)
{
  char h[8192];
  size_t n = 0;
  while (n < sizeof h - 1 && read (fd, h + n, 1) == 1)
    {
      n++;
      if (n >= 4 && memcmp (h + n - 4, "\r\n\r\n", 4) == 0)
        {
          h[n] = 0;
          return strncmp (h, "HTTP/1.", 7) == 0 && h[9] == '2' ? 0 : -1;
        }
    }
  return -1;
}

/* Open a tunnel to host:port through proxy (see the usage); -1 on failure. */
static int
tunnel (const char *proxy, const char *host, const char *port)
{
  char spec[300], req[600];
  if (strcmp (proxy, "-") == 0)
    {
      snprintf (spec, sizeof spec, "%s:%s", host, port);
      return dial (spec);
    }
  if (strcmp (proxy, "env") == 0)
    {
      const char *e = getenv ("HTTPS_PROXY") ? getenv ("HTTPS_PROXY") : getenv ("HTTP_PROXY");
      if (!e || strncmp (e, "http://", 7))
        return -1;
      snprintf (spec, sizeof spec, "%s", e + 7);
      spec[strcspn (spec, "/")] = 0;
    }
  else
    snprintf (spec, sizeof spec, "%s", proxy);
  int fd = dial (spec);
  if (fd < 0)
    return -1;
  int n = snprintf (req, sizeof req, "CONNECT %s:%s HTTP/1.1\r\nHost: %s:%s\r\n\r\n", host, port, host, port);
  if (write (fd, req, (size_t) n) != n || read_head (fd) < 0)
    {
      close (fd);
      return -1;
    }
  return fd;
}

static double
now_s (void)
{
  struct timespec t;
  clock_gettime (CLOCK_MONOTONIC, &t);
  return (double) t.tv_sec + (double) t.tv_nsec / 1e9;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* cget: one tunnel, read to EOF, print "BYTES SECONDS MiB/s". */
static int
proxy_get (const char *proxy, const char *host, const char *port)
{
  static char buf[1 << 20];
  double t0 = now_s ();
  int fd = tunnel (proxy, host, port);
  if (fd < 0)
    return 1;
  long long total = 0;
  ssize_t r;
  while ((r = read (fd, buf, sizeof buf)) > 0)
    total += r;
  double s = now_s () - t0;
  printf ("%lld %.6f %.1f\n", total, s, (double) total / 1048576.0 / s);
  return r < 0;
}

/* crr: n request/response round trips, each on a new tunnel. */
static int
proxy_rr (const char *proxy, const char *host, const char *port, int n)
{
  static const char get[] = "GET / HTTP/1.1\r\nHost: bench\r\n\r\n";
  double *t = calloc ((size_t) n, sizeof *t);
  int bad = 0, k = 0;
  char buf[256];
  for (int i = 0; i < n && t; i++)
    {
      double t0 = now_s ();
      int fd = tunnel (proxy, host, port);
      int good = fd >= 0 && write (fd, get, sizeof get - 1) == (ssize_t) sizeof get - 1
                 && read_head (fd) == 0 && read (fd, buf, 2) == 2;
      if (fd >= 0)
        close (fd);
      if (good)
        t[k++] = (now_s () - t0) * 1e6;
      else
        bad++;
    }
  if (!t || k == 0)
    return 1;
  qsort (t, (size_t) k, sizeof *t, cmp_double);
  printf ("%d %.0f %.0f %d\n", k, t[k / 2], t[(k * 99) / 100 < k ? (k * 99) / 100 : k - 1], bad);
  return bad != 0;
}

int
main (int argc, char **argv)
{
  signal (SIGPIPE, SIG_IGN);
  if (argc >= 3 && strcmp (argv[1], "http") == 0)
    return serve (HTTP, argv[2], 0);
  if (argc >= 3 && strcmp (argv[1], "echo") == 0)
    return serve (ECHO, argv[2], 0);
  if (argc >= 4 && strcmp (argv[1], "source") == 0)
    return serve (SOURCE, argv[2], atoll (argv[3]));
  if (argc >= 4 && (strcmp (argv[1], "get") == 0 || strcmp (argv[1], "ping") == 0))
    return client (argv[1][0] == 'g', argv[2], argv[3]);
  if (argc >= 5 && strcmp (argv[1], "cget") == 0)
    return proxy_get (argv[2], argv[3], argv[4]);
  if (argc >= 6 && strcmp (argv[1], "crr") == 0)
    return proxy_rr (argv[2], argv[3], argv[4], atoi (argv[5]));
  fputs ("usage: jr-benchsrv http|echo [ADDR:]PORT | source [ADDR:]PORT BYTES | get|ping ADDR PORT\n"
         "       jr-benchsrv cget PROXY HOST PORT | crr PROXY HOST PORT N\n",
         stderr);
  return 2;
}
