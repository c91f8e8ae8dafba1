/* config_net.c - a jail's network settings (struct jr_netcfg, netns.h):
 * published ports (-p), the proxy allowlist (--allow, --allow-file,
 * --allow-private), the upstream proxy, the audit log and the private
 * subnet, with their parsers.  The jail_config setters
 * (runtime/config_netns.c) hand over the handle's settings slot; it is
 * created on first use.  Each setter validates fully or changes nothing. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostfile.h"
#include "netns_internal.h"

/* The network settings in *slot, created on first use. */
struct jr_netcfg *
jr_netcfg_of (struct jr_netcfg **slot, jail_error **err)
{
  if (*slot == NULL)
    {
      *slot = calloc (1, sizeof **slot);
      if (*slot == NULL)
        {
          jr_error (err, ENOMEM, "network config");
          return NULL;
        }
      (*slot)->subnet = 0x0a580000u; /* 10.88.0.0 */
      (*slot)->prefix = 16;
    }
  return *slot;
}

void
jr_netcfg_free (struct jr_netcfg *n)
{
  if (n == NULL)
    return;
  for (size_t i = 0; n->held && i < n->n_publish; i++)
    if (n->held[i] >= 0)
      close (n->held[i]);
  free (n->held);
  free (n->publish);
  free (n->allow);
  free (n->audit_log);
  for (size_t i = 0; i < n->n_aliases; i++)
    free (n->aliases[i]);
  free (n->aliases);
  free (n);
}

/* Strict decimal port 1..65535 from s[0..len). */
static int
parse_port (const char *s, size_t len, uint16_t *out)
{
  unsigned long v = 0;
  if (len == 0 || len > 5 || s[0] == '0')
    return -EINVAL;
  for (size_t i = 0; i < len; i++)
    {
      if (s[i] < '0' || s[i] > '9')
        return -EINVAL;
      v = v * 10 + (unsigned long) (s[i] - '0');
    }
  if (v > 65535)
    return -EINVAL;
  *out = (uint16_t) v;
  return 0;
}

/* Fill out->host from an address text ("127.0.0.1", "[::1]") and port. */
static int
publish_addr (const char *a, size_t alen, uint16_t port, struct jr_publish *out)
{
  char buf[64];
  bool v6 = alen >= 2 && a[0] == '[' && a[alen - 1] == ']';
  if (v6)
    a++, alen -= 2;
  if (alen == 0 || alen >= sizeof buf)
    return -EINVAL;
  memcpy (buf, a, alen);
  buf[alen] = '\0';
  if (v6)
    {
      struct sockaddr_in6 *s6 = (struct sockaddr_in6 *) &out->host;
      s6->sin6_family = AF_INET6;
      s6->sin6_port = htons (port);
      out->host_len = sizeof *s6;
      return inet_pton (AF_INET6, buf, &s6->sin6_addr) == 1 ? 0 : -EINVAL;
    }
  struct sockaddr_in *s4 = (struct sockaddr_in *) &out->host;
  s4->sin_family = AF_INET;
  s4->sin_port = htons (port);
  out->host_len = sizeof *s4;
  return inet_pton (AF_INET, buf, &s4->sin_addr) == 1 ? 0 : -EINVAL;
}

int
jr_publish_parse (const char *spec, struct jr_publish *out, jail_error **err)
{
  memset (out, 0, sizeof *out);
  const char *last = strrchr (spec, ':');
  uint16_t hp = 0;
  int r = last ? parse_port (last + 1, strlen (last + 1), &out->jail_port) : -EINVAL;
  const char *hs = spec, *addr = "127.0.0.1";
  size_t alen = 9;
  if (r == 0)
    {
      const char *mid = NULL;
      for (const char *p = last - 1; p >= spec; p--)
        if (*p == ':' && (p == spec || p[-1] == ']' || !memchr (spec, '[', (size_t) (p - spec))))
          {
            mid = p;
            break;
          }
      if (mid)
        addr = spec, alen = (size_t) (mid - spec), hs = mid + 1;
      r = parse_port (hs, (size_t) (last - hs), &hp);
    }
  if (r == 0)
    r = publish_addr (addr, alen, hp, out);
  if (r < 0)
    return jr_error_msg (err, EINVAL, "publish '%s': expected [ADDR:]HOSTPORT:JAILPORT with ports 1-65535 and ADDR an IPv4 address or [IPv6], e.g. 8080:8000 or [::1]:8080:8000", spec);
  snprintf (out->spec, sizeof out->spec, "%.*s:%u:%u", (int) alen, addr, hp, out->jail_port);
  return 0;
}

int
jr_allow_parse (const char *spec, struct jr_allow *out, jail_error **err)
{
  memset (out, 0, sizeof *out);
  out->port = 443;
  size_t len = strlen (spec);
  const char *colon = strrchr (spec, ':');
  char esc[256];
  jr_printable (spec, len, esc, sizeof esc);
  if (colon && (spec[0] != '[' || colon > strchr (spec, ']')))
    {
      if (parse_port (colon + 1, strlen (colon + 1), &out->port) < 0)
        return jr_error_msg (err, EINVAL, "allow '%s': the port must be 1-65535", esc);
      len = (size_t) (colon - spec);
    }
  else if (len == 1 && spec[0] == '*')
    out->any_port = true;
  const char *why = "empty host";
  int r = -EINVAL;
  bool wild = len >= 2 && spec[0] == '*' && spec[1] == '.';
  if (len == 1 && spec[0] == '*')
    r = 0, strcpy (out->host, "*");
  else if (len > 0)
    {
      r = jr_host_normalise (spec + (wild ? 2 : 0), len - (wild ? 2 : 0), out->host + (wild ? 2 : 0),
                             sizeof out->host - 2, &out->literal, &out->addr, &why);
      if (r == 0 && wild && out->literal)
        r = -EINVAL, why = "a wildcard needs a name, not an address";
      if (wild)
        memcpy (out->host, "*.", 2);
    }
  if (r < 0)
    return jr_error_msg (err, EINVAL, "allow '%s': %s: use HOST[:PORT], *.DOMAIN[:PORT], an IP address, [IPv6][:PORT] or *", esc, why);
  return 0;
}

/* Append one element of size sz to *arr (count *n). */
static void *
grow (void *arr, size_t n, size_t sz)
{
  return realloc (arr, (n + 1) * sz);
}

int
jr_netcfg_add_publish (struct jr_netcfg **cfg, const char *spec, jail_error **err)
{
  struct jr_publish p;
  struct jr_netcfg *n = jr_netcfg_of (cfg, err);
  if (n == NULL)
    return -ENOMEM;
  int r = jr_publish_parse (spec ? spec : "", &p, err);
  if (r < 0)
    return r;
  struct jr_publish *a = grow (n->publish, n->n_publish, sizeof *a);
  if (a == NULL)
    return jr_error (err, ENOMEM, "publish");
  n->publish = a;
  a[n->n_publish++] = p;
  return 0;
}

/* Append e to the allowlist in *cfg. */
static int
allow_append (struct jr_netcfg **cfg, const struct jr_allow *e, jail_error **err)
{
  struct jr_netcfg *n = jr_netcfg_of (cfg, err);
  if (n == NULL)
    return -ENOMEM;
  struct jr_allow *a = grow (n->allow, n->n_allow, sizeof *a);
  if (a == NULL)
    return jr_error (err, ENOMEM, "allow");
  n->allow = a;
  a[n->n_allow++] = *e;
  return 0;
}

int
jr_netcfg_add_allow (struct jr_netcfg **cfg, const char *spec, jail_error **err)
{
  struct jr_allow e;
  int r = jr_allow_parse (spec ? spec : "", &e, err);
  return r < 0 ? r : allow_append (cfg, &e, err);
}

int
jr_netcfg_add_allow_private (struct jr_netcfg **cfg, const char *spec, jail_error **err)
{
  struct jr_allow e;
  char esc[256];
  int r = jr_allow_parse (spec ? spec : "", &e, err);
  if (r < 0)
    return r;
  jr_printable (spec, strlen (spec), esc, sizeof esc);
  if (e.host[0] == '*')
    return jr_error_msg (err, EINVAL, "allow-private '%s': a private address is allowed by name only, never by a wildcard: "
                                      "name the host, e.g. --allow-private mirror.lan:8080",
                         esc);
  if (e.literal)
    return jr_error_msg (err, EINVAL, "allow-private '%s': an address is allowed as it is: use --allow %s", esc, esc);
  e.private_ok = true;
  return allow_append (cfg, &e, err);
}

/* One line of an allow file: its first word (# starts a comment). */
static int
allow_file_line (void *cfg, char *line, jail_error **err)
{
  char *s = line + strspn (line, " \t");
  s[strcspn (s, " \t\r#")] = '\0';
  return *s ? jr_netcfg_add_allow (cfg, s, err) : 0;
}

int
jr_netcfg_load_allow_file (struct jr_netcfg **cfg, const char *path, jail_error **err)
{
  return jr_hostfile_lines ("allow-file", path, allow_file_line, cfg, err);
}

int
jr_netcfg_set_audit_log (struct jr_netcfg **cfg, const char *path, jail_error **err)
{
  struct jr_netcfg *n = jr_netcfg_of (cfg, err);
  if (n == NULL)
    return -ENOMEM;
  if (path == NULL || path[0] == '\0')
    return jr_error_msg (err, EINVAL, "audit-log: empty path");
  char *c = strdup (path);
  if (c == NULL)
    return jr_error (err, ENOMEM, "audit-log");
  free (n->audit_log);
  n->audit_log = c;
  return 0;
}

int
jr_netcfg_set_subnet (struct jr_netcfg **cfg, const char *cidr, jail_error **err)
{
  struct jr_netcfg *n = jr_netcfg_of (cfg, err);
  if (n == NULL)
    return -ENOMEM;
  char buf[32];
  const char *slash = cidr ? strchr (cidr, '/') : NULL;
  struct in_addr a;
  char *end;
  long pfx = slash ? strtol (slash + 1, &end, 10) : -1;
  if (slash == NULL || (size_t) (slash - cidr) >= sizeof buf || *end || pfx < 8 || pfx > 24)
    return jr_error_msg (err, EINVAL, "subnet '%s': expected an IPv4 CIDR with a prefix from /8 to /24, e.g. 10.88.0.0/16", cidr ? cidr : "");
  memcpy (buf, cidr, (size_t) (slash - cidr));
  buf[slash - cidr] = '\0';
  if (inet_pton (AF_INET, buf, &a) != 1)
    return jr_error_msg (err, EINVAL, "subnet '%s': '%s' is not an IPv4 address", cidr, buf);
  uint32_t mask = ~0u << (32 - pfx);
  int r = jr_subnet_check (ntohl (a.s_addr) & mask, (int) pfx, cidr, err);
  if (r < 0)
    return r;
  n->subnet = ntohl (a.s_addr) & mask;
  n->prefix = (int) pfx;
  return 0;
}

int
jr_netcfg_set_upstream_proxy (struct jr_netcfg **cfg, const char *url, jail_error **err)
{
  char esc[256];
  const char *u = url ? url : "";
  jr_printable (u, strlen (u), esc, sizeof esc);
  size_t len = strlen (u);
  if (len > 0 && u[len - 1] == '/')
    len--;
  const char *h = strncmp (u, "http://", 7) == 0 ? u + 7 : NULL;
  const char *colon = h ? memrchr (h, ':', (size_t) (u + len - h)) : NULL;
  uint16_t port = 0;
  size_t hl = colon ? (size_t) (colon - h) : 0;
  bool v6 = hl >= 2 && h[0] == '[' && h[hl - 1] == ']';
  if (v6)
    h++, hl -= 2;
  if (colon == NULL || hl == 0 || hl > 253 || memchr (h, '@', hl) || memchr (h, '/', hl)
      || parse_port (colon + 1, (size_t) (u + len - colon - 1), &port) < 0)
    return jr_error_msg (err, EINVAL, "upstream-proxy '%s': expected http://HOST:PORT, e.g. http://proxy.corp:3128", esc);
  struct jr_netcfg *n = jr_netcfg_of (cfg, err);
  if (n == NULL)
    return -ENOMEM;
  memcpy (n->upstream_host, h, hl);
  n->upstream_host[hl] = '\0';
  n->upstream_port = port;
  return 0;
}
