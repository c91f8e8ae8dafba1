/* tcpbench.c - bulk TCP throughput for tests/bench/net.sh.
 *   tcpbench server PORT         accept, read to EOF, reply the byte count
 *   tcpbench client HOST PORT N  send N bytes, SHUT_WR, wait for the reply;
 *                                prints "MB/s BYTES SECONDS"
 *   tcpbench echo PORT           echo server, one thread per connection
 *   tcpbench lat HOST PORT C R   C connections x R one-byte round trips;
 *                                prints "p50_us p99_us samples" */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static char buf[1 << 20];

static int
server (int port)
{
  int l = socket (AF_INET, SOCK_STREAM, 0), one = 1;
  setsockopt (l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons (port), .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  if (bind (l, (struct sockaddr *) &a, sizeof a) < 0 || listen (l, 16) < 0)
    return perror ("bind"), 1;
  for (;;)
    {
      int c = accept (l, NULL, NULL);
      if (c < 0)
        continue;
      unsigned long long n = 0;
      ssize_t r;
      while ((r = read (c, buf, sizeof buf)) > 0)
        n += (unsigned long long) r;
      char rep[32];
      int len = snprintf (rep, sizeof rep, "%llu\n", n);
      (void) !write (c, rep, (size_t) len);
      close (c);
    }
}

static int
client (const char *host, int port, unsigned long long n)
{
  int s = socket (AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons (port) };
  inet_pton (AF_INET, host, &a.sin_addr);
  struct timespec t0, t1;
  clock_gettime (CLOCK_MONOTONIC, &t0);
  if (connect (s, (struct sockaddr *) &a, sizeof a) < 0)
    return perror ("connect"), 1;
  memset (buf, 'x', sizeof buf);
  for (unsigned long long left = n; left > 0;)
    {
      ssize_t w = write (s, buf, left < sizeof buf ? left : sizeof buf);
      if (w <= 0)
        return perror ("write"), 1;
      left -= (unsigned long long) w;
    }
  shutdown (s, SHUT_WR);
  char rep[32] = "";
  ssize_t r = read (s, rep, sizeof rep - 1);
  clock_gettime (CLOCK_MONOTONIC, &t1);
  double secs = (double) (t1.tv_sec - t0.tv_sec) + (double) (t1.tv_nsec - t0.tv_nsec) / 1e9;
  if (r <= 0 || strtoull (rep, NULL, 10) != n)
    return fprintf (stderr, "short transfer: %s\n", rep), 1;
  printf ("%.0f %llu %.3f\n", (double) n / secs / 1e6, n, secs);
  return 0;
}

static void *
echo_conn (void *arg)
{
  int c = (int) (long) arg;
  char b[4096];
  ssize_t r;
  while ((r = read (c, b, sizeof b)) > 0)
    if (write (c, b, (size_t) r) != r)
      break;
  close (c);
  return NULL;
}

static int
echo_server (int port)
{
  int l = socket (AF_INET, SOCK_STREAM, 0), one = 1;
  setsockopt (l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons (port), .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  if (bind (l, (struct sockaddr *) &a, sizeof a) < 0 || listen (l, 512) < 0)
    return perror ("bind"), 1;
  for (;;)
    {
      int c = accept (l, NULL, NULL);
      pthread_t t;
      if (c >= 0)
        {
          setsockopt (c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          pthread_create (&t, NULL, echo_conn, (void *) (long) c);
          pthread_detach (t);
        }
    }
}

struct lat_arg
{
  struct sockaddr_in a;
  int rounds;
  double *out;
  pthread_barrier_t *bar;
};

static void *
lat_conn (void *p)
{
  struct lat_arg *la = p;
  int s = socket (AF_INET, SOCK_STREAM, 0), one = 1;
  setsockopt (s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  int ok = connect (s, (struct sockaddr *) &la->a, sizeof la->a) == 0;
  pthread_barrier_wait (la->bar);
  for (int i = 0; ok && i < la->rounds; i++)
    {
      struct timespec t0, t1;
      char c = 'x';
      clock_gettime (CLOCK_MONOTONIC, &t0);
      if (write (s, &c, 1) != 1 || read (s, &c, 1) != 1)
        break;
      clock_gettime (CLOCK_MONOTONIC, &t1);
      la->out[i] = (double) (t1.tv_sec - t0.tv_sec) * 1e6 + (double) (t1.tv_nsec - t0.tv_nsec) / 1e3;
    }
  close (s);
  return NULL;
}

static int
cmp_d (const void *x, const void *y)
{
  double a = *(const double *) x, b = *(const double *) y;
  return (a > b) - (a < b);
}

static int
lat (const char *host, int port, int conns, int rounds)
{
  pthread_t *t = calloc ((size_t) conns, sizeof *t);
  struct lat_arg *la = calloc ((size_t) conns, sizeof *la);
  double *all = calloc ((size_t) conns * (size_t) rounds, sizeof *all);
  pthread_barrier_t bar;
  pthread_barrier_init (&bar, NULL, (unsigned) conns);
  for (int i = 0; i < conns; i++)
    {
      la[i] = (struct lat_arg) { .a = { .sin_family = AF_INET, .sin_port = htons (port) }, .rounds = rounds, .out = all + (size_t) i * (size_t) rounds, .bar = &bar };
      inet_pton (AF_INET, host, &la[i].a.sin_addr);
      pthread_create (&t[i], NULL, lat_conn, &la[i]);
    }
  for (int i = 0; i < conns; i++)
    pthread_join (t[i], NULL);
  size_t n = 0, total = (size_t) conns * (size_t) rounds;
  for (size_t i = 0; i < total; i++)
    if (all[i] > 0)
      all[n++] = all[i];
  qsort (all, n, sizeof *all, cmp_d);
  if (n < total)
    return fprintf (stderr, "lost samples: %zu/%zu\n", n, total), 1;
  printf ("%.0f %.0f %zu\n", all[n / 2], all[n * 99 / 100], n);
  return 0;
}

int
main (int argc, char **argv)
{
  if (argc == 3 && strcmp (argv[1], "echo") == 0)
    return echo_server (atoi (argv[2]));
  if (argc == 6 && strcmp (argv[1], "lat") == 0)
    return lat (argv[2], atoi (argv[3]), atoi (argv[4]), atoi (argv[5]));
  if (argc == 3 && strcmp (argv[1], "server") == 0)
    return server (atoi (argv[2]));
  if (argc == 5 && strcmp (argv[1], "client") == 0)
    return client (argv[2], atoi (argv[3]), strtoull (argv[4], NULL, 10));
  fprintf (stderr, "usage: tcpbench server PORT | client HOST PORT BYTES\n");
  return 2;
}
