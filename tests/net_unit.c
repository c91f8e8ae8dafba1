/* net_unit.c - TAP unit tests of the proxy's pure decisions: host
 * normalisation, odd IPv4 forms, allow entries and wildcard boundaries,
 * the public-address check, the head parser's refusals, and -p parsing;
 * and of the forwarder's splice pump on a socket pair. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netns_internal.h"
#include "tap.h"

/* Normalise s; returns 0/-EINVAL and the result in out. */
static int
norm (const char *s, char *out, bool *ip)
{
  struct sockaddr_storage ss;
  const char *why;
  return jr_host_normalise (s, strlen (s), out, 256, ip, &ss, &why);
}

static bool
matches (const char *entry, const char *host, uint16_t port)
{
  struct jr_allow a;
  jail_error *e = NULL;
  bool r = jr_allow_parse (entry, &a, &e) == 0 && jr_allow_match (&a, host, port);
  jail_error_free (e);
  return r;
}

static bool
public4 (const char *s)
{
  struct sockaddr_in a = { .sin_family = AF_INET };
  inet_pton (AF_INET, s, &a.sin_addr);
  return jr_addr_public ((struct sockaddr *) &a);
}

static bool
public6 (const char *s)
{
  struct sockaddr_in6 a = { .sin6_family = AF_INET6 };
  inet_pton (AF_INET6, s, &a.sin6_addr);
  return jr_addr_public ((struct sockaddr *) &a);
}

/* Parse a head; returns the status (0 = accepted). */
static int
parse (const char *head)
{
  static struct jr_proxy_req r;
  const char *why;
  return jr_proxy_parse (head, strlen (head), &r, &why);
}

static void
test_hosts (void)
{
  char out[256];
  bool ip;
  ok (norm ("Example.COM.", out, &ip) == 0 && strcmp (out, "example.com") == 0 && !ip, "lowercase, one trailing dot stripped");
  ok (norm ("example.com..", out, &ip) < 0, "two trailing dots refused");
  ok (norm ("127.0.0.1", out, &ip) == 0 && ip, "dotted quad is an IP literal");
  ok (norm ("127.1", out, &ip) < 0, "127.1 refused");
  ok (norm ("2130706433", out, &ip) < 0, "2130706433 refused");
  ok (norm ("0x7f.1", out, &ip) < 0, "0x7f.1 refused");
  ok (norm ("0177.0.0.1", out, &ip) < 0, "octal 0177.0.0.1 refused");
  ok (norm ("1.2.3.0x4", out, &ip) < 0, "hex last part refused");
  ok (norm ("[::ffff:127.0.0.1]", out, &ip) == 0 && ip, "bracketed IPv6 literal");
  ok (norm ("a b", out, &ip) < 0 && norm ("a..b", out, &ip) < 0 && norm ("", out, &ip) < 0, "bad names refused");
  ok (norm ("[fe80::1%eth0]", out, &ip) < 0, "zone ids refused");
}

static void
test_allow (void)
{
  ok (matches ("*.example.test", "a.example.test", 443), "wildcard matches a subdomain");
  ok (!matches ("*.example.test", "evilexample.test", 443), "*.example.test does not match evilexample.test");
  ok (!matches ("*.example.test", "example.test", 443), "wildcard does not match the apex");
  ok (!matches ("example.test", "example.test", 80), "port 443 when omitted");
  ok (matches ("example.test:80", "example.test", 80), "explicit port");
  ok (matches ("*", "anything.test", 22), "'*' matches every name and port");
  struct jr_allow a;
  jail_error *e = NULL;
  ok (jr_allow_parse ("127.1", &a, &e) < 0, "allow 127.1 refused");
  ok (jr_allow_parse ("*.127.0.0.1", &a, &e) < 0, "wildcard on an address refused");
  ok (jr_allow_parse ("host:99999", &a, &e) < 0, "bad port refused");
  jail_error_free (e);
}

static void
test_addrs (void)
{
  const char *denied4[] = { "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
                            "100.64.0.1", "224.0.0.1", "240.0.0.1", "0.0.0.0", "255.255.255.255", NULL };
  bool any = false;
  for (int i = 0; denied4[i]; i++)
    any |= public4 (denied4[i]);
  ok (!any, "loopback, private, link-local, CGNAT, multicast, reserved IPv4 denied");
  ok (public4 ("93.184.216.34"), "a public IPv4 is public");
  ok (!public6 ("::1") && !public6 ("fe80::1") && !public6 ("fc00::1") && !public6 ("ff02::1"), "special IPv6 denied");
  ok (!public6 ("::ffff:127.0.0.1") && !public6 ("64:ff9b::7f00:1") && !public6 ("2002:7f00:1::"), "IPv4 in IPv6 denied");
  ok (public6 ("2a00:1450:4001::1"), "a global IPv6 is public");
}

static void
test_parser (void)
{
  ok (parse ("CONNECT a.test:443 HTTP/1.1\r\nHost: a.test:443\r\n\r\n") == 0, "CONNECT accepted");
  ok (parse ("CONNECT a.test HTTP/1.1\r\n\r\n") == 400, "CONNECT without port refused");
  ok (parse ("GET http://a.test/x HTTP/1.1\r\nHost: a.test\r\n\r\n") == 0, "absolute URI accepted");
  ok (parse ("GET http://a.test/x HTTP/1.1\r\nHost: b.test\r\n\r\n") == 400, "Host mismatch refused");
  ok (parse ("GET http://a.test/x HTTP/1.1\r\n\r\n") == 400, "missing Host refused");
  ok (parse ("GET /x HTTP/1.1\r\nHost: a.test\r\n\r\n") == 400, "origin-form refused");
  ok (parse ("GET http://u@a.test/ HTTP/1.1\r\nHost: a.test\r\n\r\n") == 400, "userinfo refused");
  ok (parse ("POST http://a.test/ HTTP/1.1\r\nHost: a.test\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n") == 400,
      "CL + TE refused");
  ok (parse ("GET http://a.test/ HTTP/1.1\r\nHost: a.test\r\n folded\r\n\r\n") == 400, "folded header refused");
  ok (parse ("GET http://a.test/ HTTP/1.1\nHost: a.test\r\n\r\n") == 400, "bare LF refused");
  ok (parse ("GET http://a.test/ HTTP/1.1\r\nHost: a.test\r\nHost: a.test\r\n\r\n") == 400, "two Host headers refused");
  ok (parse ("GET http://a.test/ HTTP/2.0\r\nHost: a.test\r\n\r\n") == 400, "unknown version refused");
  ok (parse ("GET https://a.test/ HTTP/1.1\r\nHost: a.test\r\n\r\n") == 400, "https absolute URI refused");
}

static void
test_publish (void)
{
  struct jr_publish p;
  jail_error *e = NULL;
  ok (jr_publish_parse ("8080:8000", &p, &e) == 0 && p.host.ss_family == AF_INET && p.jail_port == 8000
          && strcmp (p.spec, "127.0.0.1:8080:8000") == 0,
      "-p 8080:8000 binds 127.0.0.1");
  ok (jr_publish_parse ("[::1]:8080:8000", &p, &e) == 0 && p.host.ss_family == AF_INET6, "-p [::1]:8080:8000");
  ok (jr_publish_parse ("0.0.0.0:80:81", &p, &e) == 0, "0.0.0.0 when written");
  const char *bad[] = { "8080", "0:80", "80:0", "99999:1", "x:1:2", "1.2.3:1:2", "::1:1:2", ":80:81", "80:81:", NULL };
  bool any = false;
  for (int i = 0; bad[i]; i++)
    any |= jr_publish_parse (bad[i], &p, &e) == 0;
  ok (!any, "malformed -p refused");
  jail_error_free (e);
}

/* The supervisor's description of a jail's network (for inspect), and the
 * proxy variables prepare hands back (the user's NO_PROXY kept). */
static void
test_describe (void)
{
  struct jr_netcfg *nc = NULL;
  jail_error *e = NULL;
  struct jr_net *n = NULL;
  char buf[1024];
  char *const user_env[] = { "PATH=/bin", "NO_PROXY=corp.test", NULL };
  int r = jr_netcfg_add_allow (&nc, "*.example.test", &e);
  if (r == 0)
    r = jr_netcfg_add_allow (&nc, "[::1]:8080", &e);
  if (r == 0)
    r = jr_netcfg_set_subnet (&nc, "10.77.0.0/24", &e);
  struct jr_net_settings set = { .mode = JAIL_NET_PROXY, .nc = nc, .rootfs = "/", .env = user_env };
  if (r == 0)
    r = jr_net_prepare (&set, &n, &e);
  ok (r == 0 && jr_net_describe (n, buf, sizeof buf) > 0
          && strcmp (buf, "{\"mode\":\"proxy\",\"gateway\":\"10.77.0.1\",\"prefix\":24,"
                          "\"publish\":[],\"allow\":[\"*.example.test:443\",\"[::1]:8080\"]}")
                 == 0,
      "network description for inspect");
  if (r == 0)
    printf ("# %s\n", buf);
  ok (r == 0 && jr_net_describe (n, buf, 10) == -ENOSPC, "description bounded by the buffer");
  char *const *env = r == 0 ? jr_net_env (n) : NULL;
  buf[0] = '\0';
  for (size_t i = 0; env && env[i]; i++)
    snprintf (buf + strlen (buf), sizeof buf - strlen (buf), "%s%s", i ? " " : "", env[i]);
  ok (strcmp (buf, "HTTP_PROXY=http://10.77.0.1:3128 HTTPS_PROXY=http://10.77.0.1:3128 http_proxy=http://10.77.0.1:3128 "
                   "https_proxy=http://10.77.0.1:3128 NO_PROXY=localhost,127.0.0.1,::1,corp.test "
                   "no_proxy=localhost,127.0.0.1,::1,corp.test")
          == 0,
      "proxy variables come back, the user's NO_PROXY kept");
  printf ("# %s\n", buf);
  ok (r == 0 && jr_net_volume (n) == NULL, "no volume without a named network");
  jr_net_release (n);
  jr_netcfg_free (nc);
  jail_error_free (e);
}

/* The one table of mode names: both ways, unknown values. */
static void
test_mode_names (void)
{
  bool good = true;
  for (int m = JAIL_NET_PRIVATE; m <= JAIL_NET_PROXY; m++)
    good = good && jr_net_mode_of (jr_net_mode_name (m)) == m;
  ok (good && strcmp (jr_net_mode_name (JAIL_NET_PROXY), "proxy") == 0 && strcmp (jr_net_mode_name (JAIL_NET_NONE), "none") == 0
          && strcmp (jr_net_mode_name (7), "private") == 0 && jr_net_mode_of ("host") == -1 && jr_net_mode_of (NULL) == -1,
      "network mode names: one table, both ways");
}

/* What arrived at the reading end of the pump test: count, order, EOF. */
struct sink
{
  uint64_t bytes;
  bool in_order, eof;
};

static void
sink_read (int fd, struct sink *k)
{
  static uint32_t buf[16384];
  k->in_order = true;
  ssize_t n;
  while ((n = recv (fd, buf, sizeof buf, MSG_DONTWAIT)) > 0)
    {
      for (size_t i = 0; i < (size_t) n / 4; i++)
        if (buf[i] != (uint32_t) (k->bytes / 4 + i))
          k->in_order = false;
      k->bytes += (uint64_t) n;
    }
  k->eof = n == 0;
}

static void
pump_done (void *arg, uint64_t up, uint64_t down)
{
  *(uint64_t *) arg = up + 1;
}

/* A stream that is all there at once (queued before the pump starts, as
 * when a fast server sends its whole answer and closes) needs more pump
 * rounds than one event allows; nothing else happens meanwhile (the
 * reader reads only at the end), so no new edge comes: the pump must
 * come back by itself.  Every byte arrives, in order, then EOF.  Big
 * socket buffers (SO_SNDBUFFORCE, root) hold the whole stream. */
static void
test_pump_drain (void)
{
  const size_t total = 128u << 20;
  int in[2], out[2], big = 256 << 20;
  ok (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) == 0
          && socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, out) == 0,
      "pump: socket pairs");
  bool bufs = setsockopt (in[1], SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof big) == 0
              && setsockopt (out[0], SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof big) == 0;
  ok (bufs, "pump: 256 MiB socket buffers (SO_SNDBUFFORCE needs root)");
  uint32_t *data = malloc (total);
  size_t sent = 0;
  for (size_t i = 0; data && i < total / 4; i++)
    data[i] = (uint32_t) i;
  while (bufs && data && sent < total)
    {
      ssize_t n = send (in[1], (char *) data + sent, total - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n <= 0)
        break;
      sent += (size_t) n;
    }
  free (data);
  shutdown (in[1], SHUT_WR);
  shutdown (out[1], SHUT_WR); /* the other direction ends at once */
  ok (sent == total, "pump: 128 MiB queued before the pump starts");
  struct jr_loop loop;
  struct jr_fwd *f = NULL;
  struct jr_netcfg nc = { 0 };
  jail_error *e = NULL;
  uint64_t done = 0;
  struct sink k = { 0 };
  bool started = jr_loop_init (&loop, &e) == 0 && jr_fwd_new (&f, &nc, &e) == 0;
  if (started)
    {
      jr_fwd_attach (f, &loop, NULL);
      /* a: in[0] (its peer wrote everything), b: out[0] (read at the end) */
      if (jr_fwd_pipe (f, in[0], out[0], NULL, NULL, NULL, 0, pump_done, &done) < 0)
        done = 1;
      for (int i = 0; i < 30 && done == 0; i++) /* 3 s at most */
        jr_loop_run_once (&loop, 100);
      sink_read (out[1], &k);
      jr_fwd_free (f);
    }
  jr_loop_release (&loop);
  printf ("# %llu of %zu bytes arrived, in order %d, eof %d\n", (unsigned long long) k.bytes, total, k.in_order, k.eof);
  ok (started && done == total + 1 && k.bytes == total && k.in_order && k.eof,
      "pump: everything arrives in order, then EOF, with no new event from the peers");
  jail_error_free (e);
  close (in[1]);
  close (out[1]);
}

/* A short message and the FIN right behind it, both arrived before the
 * loop looks (one edge, readable and peer-shut together): the pump's read
 * is shorter than asked, yet it must read on to the EOF, pass it on and
 * finish; no further event will come. */
static void
test_pump_fin_with_data (void)
{
  int in[2], out[2];
  ok (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) == 0
          && socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, out) == 0,
      "fin: socket pairs");
  struct jr_loop loop;
  struct jr_fwd *f = NULL;
  struct jr_netcfg nc = { 0 };
  jail_error *e = NULL;
  uint64_t done = 0;
  char ab[16] = "", ba[16] = "";
  ssize_t nab = -1, nba = -1, eab = -1, eba = -1;
  bool started = jr_loop_init (&loop, &e) == 0 && jr_fwd_new (&f, &nc, &e) == 0;
  if (started)
    {
      jr_fwd_attach (f, &loop, NULL);
      started = jr_fwd_pipe (f, in[0], out[0], NULL, NULL, NULL, 0, pump_done, &done) == 0;
      jr_loop_run_once (&loop, 0); /* the registration edges, nothing to move */
      (void) !send (in[1], "hello", 5, MSG_NOSIGNAL);
      shutdown (in[1], SHUT_WR);
      (void) !send (out[1], "world", 5, MSG_NOSIGNAL);
      shutdown (out[1], SHUT_WR);
      for (int i = 0; i < 20 && done == 0; i++) /* 1 s at most */
        jr_loop_run_once (&loop, 50);
      nab = recv (out[1], ab, sizeof ab - 1, MSG_DONTWAIT);
      eab = recv (out[1], ab + 8, 1, MSG_DONTWAIT);
      nba = recv (in[1], ba, sizeof ba - 1, MSG_DONTWAIT);
      eba = recv (in[1], ba + 8, 1, MSG_DONTWAIT);
      jr_fwd_free (f);
    }
  jr_loop_release (&loop);
  ok (started && done != 0 && nab == 5 && memcmp (ab, "hello", 5) == 0 && eab == 0
          && nba == 5 && memcmp (ba, "world", 5) == 0 && eba == 0,
      "pump: a message with the FIN behind it arrives, then EOF, both ways, and the pair closes");
  jail_error_free (e);
  close (in[1]);
  close (out[1]);
}

int
main (void)
{
  test_describe ();
  test_mode_names ();
  test_hosts ();
  test_allow ();
  test_addrs ();
  test_parser ();
  test_publish ();
  test_pump_drain ();
  test_pump_fin_with_data ();
  return tap_done (true);
}
