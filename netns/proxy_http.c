/* proxy_http.c - strict parser of the proxy's request head (bounded by the
 * caller to 8 KiB): request line, CONNECT authority or http:// absolute
 * URI, header lines; Host must agree with the URI; Content-Length and
 * Transfer-Encoding together are refused.  Also rewrites a plain-HTTP head
 * to origin-form for the upstream server.  Pure functions. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "netns_internal.h"

#define BAD(code, why) (*reason = (why), (code))

/* RFC 9110 token character? */
static bool
tchar (char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
         || (c && strchr ("!#$%&'*+-.^_`|~", c));
}

/* Split an authority "host[:port]" and normalise it. */
static int
parse_authority (const char *s, size_t n, bool need_port, uint16_t defport,
                 char *host, struct jr_proxy_req *r, const char **reason)
{
  const char *colon = NULL;
  const char *rb = memchr (s, ']', n);
  for (size_t i = rb ? (size_t) (rb - s) : 0; i < n; i++)
    if (s[i] == ':')
      colon = s + i;
  if (memchr (s, '@', n))
    return BAD (400, "user info in the authority is refused");
  size_t hl = colon ? (size_t) (colon - s) : n;
  unsigned long port = defport;
  if (colon)
    {
      size_t pl = n - hl - 1;
      port = 0;
      if (pl == 0 || pl > 5)
        return BAD (400, "bad port");
      for (size_t i = 0; i < pl; i++)
        {
          if (colon[1 + i] < '0' || colon[1 + i] > '9')
            return BAD (400, "bad port");
          port = port * 10 + (unsigned long) (colon[1 + i] - '0');
        }
    }
  else if (need_port)
    return BAD (400, "CONNECT needs host:port");
  if (port == 0 || port > 65535)
    return BAD (400, "bad port");
  r->port = (uint16_t) port;
  if (jr_host_normalise (s, hl, host, sizeof r->host, &r->host_is_ip, &r->ip, reason) < 0)
    return 400;
  return 0;
}

/* Request line: METHOD SP TARGET SP HTTP/1.x; returns its length. */
static int
request_line (const char *b, size_t len, struct jr_proxy_req *r, size_t *used, const char **reason)
{
  const char *eol = memmem (b, len, "\r\n", 2);
  if (eol == NULL)
    return BAD (400, "no request line");
  size_t n = (size_t) (eol - b), m = 0;
  while (m < n && m < sizeof r->method - 1 && b[m] >= 'A' && b[m] <= 'Z')
    m++;
  if (m == 0 || m >= n || b[m] != ' ')
    return BAD (400, "bad method");
  memcpy (r->method, b, m);
  r->method[m] = '\0';
  const char *t = b + m + 1, *sp = memchr (t, ' ', (size_t) (eol - t));
  if (sp == NULL || sp == t || (size_t) (eol - sp) != 9
      || (memcmp (sp, " HTTP/1.1", 9) != 0 && memcmp (sp, " HTTP/1.0", 9) != 0))
    return BAD (400, "bad request line");
  for (const char *p = t; p < sp; p++)
    if ((unsigned char) *p <= 0x20 || (unsigned char) *p >= 0x7f)
      return BAD (400, "bad character in the request target");
  size_t tl = (size_t) (sp - t);
  *used = n + 2;
  r->http10 = sp[8] == '0';
  r->connect = strcmp (r->method, "CONNECT") == 0;
  if (r->connect)
    return parse_authority (t, tl, true, 0, r->host, r, reason);
  if (tl < 8 || strncasecmp (t, "http://", 7) != 0)
    return tl >= 8 && strncasecmp (t, "https://", 8) == 0
               ? BAD (400, "https:// absolute URI: use CONNECT")
               : BAD (400, "the target must be an http:// absolute URI");
  const char *a = t + 7, *slash = memchr (a, '/', tl - 7), *q = memchr (a, '?', tl - 7);
  if (q && (!slash || q < slash))
    slash = q;
  const char *aend = slash ? slash : sp;
  if ((size_t) (sp - aend) + 2 > sizeof r->path)
    return BAD (414, "request target too long");
  snprintf (r->path, sizeof r->path, "%s%.*s", slash && *slash == '?' ? "/" : "", (int) (sp - aend), aend);
  if (r->path[0] == '\0')
    strcpy (r->path, "/");
  return parse_authority (a, (size_t) (aend - a), false, 80, r->host, r, reason);
}

bool
jr_http_has_token (const char *v, size_t n, const char *token)
{
  size_t tl = strlen (token);
  for (size_t i = 0; i < n;)
    {
      while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
        i++;
      size_t j = i;
      while (j < n && v[j] != ',')
        j++;
      size_t e = j;
      while (e > i && (v[e - 1] == ' ' || v[e - 1] == '\t'))
        e--;
      if (e - i == tl && strncasecmp (v + i, token, tl) == 0)
        return true;
      i = j;
    }
  return false;
}

/* Check one header line; updates Host/length state. */
static int
header_line (const char *l, size_t n, struct jr_proxy_req *r, int *hosts, bool *te, const char **reason)
{
  const char *colon = memchr (l, ':', n);
  if (colon == NULL || colon == l)
    return BAD (400, "bad header line");
  for (const char *p = l; p < colon; p++)
    if (!tchar (*p))
      return BAD (400, "bad header name");
  const char *v = colon + 1, *end = l + n;
  while (v < end && (*v == ' ' || *v == '\t'))
    v++;
  while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
    end--;
  for (const char *p = v; p < end; p++)
    if ((unsigned char) *p < 0x20 && *p != '\t')
      return BAD (400, "control character in a header");
  size_t nl = (size_t) (colon - l), vl = (size_t) (end - v);
  if (nl == 14 && strncasecmp (l, "content-length", 14) == 0)
    {
      long long cl = 0;
      if (vl == 0 || vl > 15)
        return BAD (400, "bad Content-Length");
      for (size_t i = 0; i < vl; i++)
        {
          if (v[i] < '0' || v[i] > '9')
            return BAD (400, "bad Content-Length");
          cl = cl * 10 + (v[i] - '0');
        }
      if (r->content_length >= 0 && r->content_length != cl)
        return BAD (400, "conflicting Content-Length headers");
      r->content_length = cl;
    }
  else if (nl == 17 && strncasecmp (l, "transfer-encoding", 17) == 0)
    *te = r->te = true;
  else if ((nl == 10 && strncasecmp (l, "connection", 10) == 0)
           || (nl == 16 && strncasecmp (l, "proxy-connection", 16) == 0))
    r->close |= jr_http_has_token (v, vl, "close");
  else if (nl == 6 && strncasecmp (l, "expect", 6) == 0)
    r->expect = true;
  else if (nl == 4 && strncasecmp (l, "host", 4) == 0 && !r->connect)
    {
      struct jr_proxy_req h = { 0 };
      if (++*hosts > 1)
        return BAD (400, "more than one Host header");
      if (parse_authority (v, vl, false, 80, h.host, &h, reason) != 0
          || strcmp (h.host, r->host) != 0 || h.port != r->port)
        return BAD (400, "Host header does not match the request URI");
    }
  return 0;
}

int
jr_proxy_parse (const char *b, size_t len, struct jr_proxy_req *r, const char **reason)
{
  memset (r, 0, sizeof *r);
  r->content_length = -1;
  if (len < 4 || len > JR_PROXY_HEAD_MAX || memcmp (b + len - 4, "\r\n\r\n", 4) != 0)
    return BAD (400, "incomplete request head");
  if (memchr (b, '\0', len))
    return BAD (400, "NUL byte in the request head");
  size_t off = 0;
  int st = request_line (b, len, r, &off, reason);
  if (st)
    return st;
  int hosts = 0;
  bool te = false;
  while (off < len - 2)
    {
      const char *eol = memmem (b + off, len - off, "\r\n", 2);
      size_t n = (size_t) (eol - (b + off));
      if (b[off] == ' ' || b[off] == '\t')
        return BAD (400, "folded header lines are refused");
      if (memchr (b + off, '\r', n) || memchr (b + off, '\n', n))
        return BAD (400, "bare CR or LF in the head");
      if ((st = header_line (b + off, n, r, &hosts, &te, reason)) != 0)
        return st;
      off += n + 2;
    }
  if (te && r->content_length >= 0)
    return BAD (400, "both Content-Length and Transfer-Encoding");
  if (!r->connect && hosts == 0)
    return BAD (400, "missing Host header");
  r->head_len = len;
  return 0;
}

/* Hop-by-hop or proxy-only header the upstream must not see? */
static bool
dropped (const char *l, size_t n)
{
  static const char *const names[] = { "connection:", "proxy-connection:", "keep-alive:",
                                       "proxy-authorization:", NULL };
  for (size_t i = 0; names[i]; i++)
    if (n >= strlen (names[i]) && strncasecmp (l, names[i], strlen (names[i])) == 0)
      return true;
  return false;
}

int
jr_proxy_rewrite (const char *b, size_t len, const struct jr_proxy_req *r, bool keep, char *out, size_t outsz)
{
  const char *eol = memmem (b, len, "\r\n", 2);
  const char *ver = eol - 8;
  int w = snprintf (out, outsz, "%s %s %.8s\r\n", r->method, r->path, ver);
  if (w < 0 || (size_t) w >= outsz)
    return -ENOSPC;
  size_t o = (size_t) w;
  for (const char *p = eol + 2; p < b + len - 2;)
    {
      const char *e = memmem (p, (size_t) (b + len - p), "\r\n", 2);
      size_t n = (size_t) (e - p) + 2;
      if (!dropped (p, n))
        {
          if (o + n >= outsz)
            return -ENOSPC;
          memcpy (out + o, p, n);
          o += n;
        }
      p = e + 2;
    }
  w = snprintf (out + o, outsz - o, "%s\r\n", keep ? "" : "Connection: close\r\n");
  if (w < 0 || (size_t) w >= outsz - o)
    return -ENOSPC;
  return (int) (o + (size_t) w);
}
