/* proxy_policy.c - the egress proxy's allowlist and address policy: host
 * normalisation (lowercase, one trailing dot, IP literals, odd IPv4
 * spellings refused), allowlist matching at label boundaries, the
 * public-address check and whether an entry permits an address.  (The
 * request head's parser is proxy_http.c.)  No I/O: fuzzed directly. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "netns_internal.h"

/* Is s[0..n) a strict dotted quad (4 decimal parts, no leading zeros)? */
static bool
strict_quad (const char *s, size_t n)
{
  int parts = 0;
  size_t i = 0;
  while (i <= n)
    {
      size_t st = i;
      unsigned v = 0;
      while (i < n && isdigit ((unsigned char) s[i]) && i - st < 4)
        v = v * 10 + (unsigned) (s[i++] - '0');
      size_t dl = i - st;
      if (dl == 0 || dl > 3 || v > 255 || (dl > 1 && s[st] == '0'))
        return false;
      parts++;
      if (i == n)
        break;
      if (s[i] != '.')
        return false;
      i++;
    }
  return parts == 4;
}

/* Does the last label of a name look like a number (decimal or 0x hex)?
 * Then the whole name is an IPv4 spelling to resolvers and URL parsers. */
static bool
numeric_last_label (const char *s, size_t n)
{
  size_t st = n;
  while (st > 0 && s[st - 1] != '.')
    st--;
  const char *l = s + st;
  size_t ln = n - st;
  if (ln == 0)
    return false;
  size_t i = 0;
  bool hex = ln >= 2 && l[0] == '0' && (l[1] == 'x' || l[1] == 'X');
  if (hex)
    i = 2;
  for (; i < ln; i++)
    if (!(hex ? isxdigit ((unsigned char) l[i]) : isdigit ((unsigned char) l[i])))
      return false;
  return true;
}

/* Normalise a bracketed IPv6 literal. */
static int
norm_v6 (const char *in, size_t len, char *out, size_t outsz, struct sockaddr_storage *ip, const char **reason)
{
  char buf[INET6_ADDRSTRLEN];
  if (len < 3 || in[len - 1] != ']' || len - 2 >= sizeof buf)
    return *reason = "bad IPv6 literal", -EINVAL;
  memcpy (buf, in + 1, len - 2);
  buf[len - 2] = '\0';
  struct sockaddr_in6 *s6 = (struct sockaddr_in6 *) ip;
  memset (ip, 0, sizeof *ip);
  s6->sin6_family = AF_INET6;
  if (strchr (buf, '%') || inet_pton (AF_INET6, buf, &s6->sin6_addr) != 1)
    return *reason = "bad IPv6 literal", -EINVAL;
  if (!inet_ntop (AF_INET6, &s6->sin6_addr, out, (socklen_t) outsz))
    return *reason = "bad IPv6 literal", -EINVAL;
  return 0;
}

/* Check the labels of a lowercased name s[0..n). */
static int
check_labels (const char *s, size_t n, const char **reason)
{
  if (n == 0 || n > 253)
    return *reason = "bad host name length", -EINVAL;
  size_t lab = 0;
  for (size_t i = 0; i < n; i++)
    {
      char c = s[i];
      if (c == '.')
        {
          if (lab == 0)
            return *reason = "empty label in host name", -EINVAL;
          lab = 0;
          continue;
        }
      if (!(islower ((unsigned char) c) || isdigit ((unsigned char) c) || c == '-' || c == '_'))
        return *reason = "invalid character in host name", -EINVAL;
      if (++lab > 63)
        return *reason = "host name label longer than 63", -EINVAL;
    }
  return lab == 0 ? (*reason = "empty label in host name", -EINVAL) : 0;
}

int
jr_host_normalise (const char *in, size_t len, char *out, size_t outsz,
                   bool *is_ip, struct sockaddr_storage *ip, const char **reason)
{
  *is_ip = false;
  if (len == 0)
    return *reason = "empty host", -EINVAL;
  if (in[0] == '[')
    {
      *is_ip = true;
      return norm_v6 (in, len, out, outsz, ip, reason);
    }
  if (len >= 2 && in[len - 1] == '.')
    len--;
  if (len >= outsz || len > 253)
    return *reason = "host name too long", -EINVAL;
  for (size_t i = 0; i < len; i++)
    out[i] = (char) tolower ((unsigned char) in[i]);
  out[len] = '\0';
  int r = check_labels (out, len, reason);
  if (r < 0)
    return r;
  if (!numeric_last_label (out, len))
    return 0;
  if (!strict_quad (out, len))
    return *reason = "odd IP address form refused (use dotted decimal a.b.c.d)", -EINVAL;
  struct sockaddr_in *s4 = (struct sockaddr_in *) ip;
  memset (ip, 0, sizeof *ip);
  s4->sin_family = AF_INET;
  if (inet_pton (AF_INET, out, &s4->sin_addr) != 1)
    return *reason = "bad IPv4 address", -EINVAL;
  *is_ip = true;
  return 0;
}

bool
jr_allow_match (const struct jr_allow *a, const char *host, uint16_t port)
{
  if (!a->any_port && a->port != port)
    return false;
  if (strcmp (a->host, "*") == 0)
    return true;
  if (a->host[0] == '*' && a->host[1] == '.')
    {
      size_t hl = strlen (host), sl = strlen (a->host + 1); /* ".suffix" */
      return hl > sl && strcmp (host + hl - sl, a->host + 1) == 0;
    }
  return strcmp (a->host, host) == 0;
}

const struct jr_allow *
jr_allow_find (const struct jr_allow *a, size_t n, const char *host, uint16_t port)
{
  /* Prefer an exact entry over wildcards (it may name a literal), and
   * an --allow-private one over a plain one for the same name. */
  for (size_t i = 0; i < n; i++)
    if (a[i].private_ok && jr_allow_match (&a[i], host, port))
      return &a[i];
  for (size_t i = 0; i < n; i++)
    if (a[i].host[0] != '*' && jr_allow_match (&a[i], host, port))
      return &a[i];
  for (size_t i = 0; i < n; i++)
    if (jr_allow_match (&a[i], host, port))
      return &a[i];
  return NULL;
}

/* IPv4 (host order) in a special range? */
static bool
v4_special (uint32_t a)
{
  static const struct
  {
    uint32_t net;
    int len;
  } r[] = {
    { 0x00000000, 8 },
    { 0x0a000000, 8 },
    { 0x64400000, 10 },
    { 0x7f000000, 8 },
    { 0xa9fe0000, 16 },
    { 0xac100000, 12 },
    { 0xc0000000, 24 },
    { 0xc0000200, 24 },
    { 0xc0586300, 24 },
    { 0xc0a80000, 16 },
    { 0xc6120000, 15 },
    { 0xc6336400, 24 },
    { 0xcb007100, 24 },
    { 0xe0000000, 4 },
    { 0xf0000000, 4 },
  };
  for (size_t i = 0; i < sizeof r / sizeof *r; i++)
    if ((a & (~0u << (32 - r[i].len))) == r[i].net)
      return true;
  return false;
}

bool
jr_addr_public (const struct sockaddr *sa)
{
  if (sa->sa_family == AF_INET)
    return !v4_special (ntohl (((const struct sockaddr_in *) sa)->sin_addr.s_addr));
  if (sa->sa_family != AF_INET6)
    return false;
  const uint8_t *b = ((const struct sockaddr_in6 *) sa)->sin6_addr.s6_addr;
  /* Only global unicast 2000::/3, minus documentation, 6to4, Teredo,
   * ORCHID, benchmarking and NAT64 (IPv4 embedded). */
  if ((b[0] & 0xe0) != 0x20)
    return false;
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)
    return false;
  if (b[0] == 0x20 && b[1] == 0x02)
    return false;
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] < 0x02)
    return false;
  return !(b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b);
}

/* Same address (ignoring port)? */
static bool
same_addr (const struct sockaddr *x, const struct sockaddr_storage *y)
{
  if (x->sa_family != y->ss_family)
    return false;
  if (x->sa_family == AF_INET)
    return ((const struct sockaddr_in *) x)->sin_addr.s_addr == ((const struct sockaddr_in *) y)->sin_addr.s_addr;
  return memcmp (&((const struct sockaddr_in6 *) x)->sin6_addr, &((const struct sockaddr_in6 *) y)->sin6_addr, 16) == 0;
}

/* Loopback address (127/8 or ::1)? */
static bool
is_loopback (const struct sockaddr *sa)
{
  if (sa->sa_family == AF_INET)
    return (ntohl (((const struct sockaddr_in *) sa)->sin_addr.s_addr) >> 24) == 127;
  return sa->sa_family == AF_INET6 && IN6_IS_ADDR_LOOPBACK (&((const struct sockaddr_in6 *) sa)->sin6_addr);
}

bool
jr_addr_permitted (const struct jr_allow *a, const struct sockaddr *addr, const char **reason)
{
  if (a->literal)
    {
      if (same_addr (addr, &a->addr))
        return true;
      return *reason = "address differs from the allowed literal", false;
    }
  if (strcmp (a->host, "localhost") == 0)
    {
      if (is_loopback (addr))
        return true;
      return *reason = "localhost resolved to a non-loopback address", false;
    }
  if (a->private_ok || jr_addr_public (addr))
    return true;
  return *reason = "resolves to a non-public address (loopback, private, link-local, CGNAT, multicast, reserved or IPv4-in-IPv6; "
                   "--allow-private HOST allows one by name)",
         false;
}
