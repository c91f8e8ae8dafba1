/* proxy_resp.c - the response side of a kept-alive plain-HTTP request
 * through the egress proxy: the status line and the headers that say
 * where the answer's body ends (RFC 9112 section 6.3: none for HEAD, 1xx,
 * 204 and 304; chunked when Transfer-Encoding ends in chunked, else until
 * the server closes; Content-Length; else until close), the head
 * rewritten for the client (hop-by-hop headers dropped, our own
 * Connection header added), and a chunked body followed byte by byte to
 * its end.  Pure functions, fuzzed by tests/fuzz_proxy.c.  The request
 * side is proxy_http.c. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "netns_internal.h"

/* Is the header line l[0..n) called name (followed by its colon)? */
static bool
is_header (const char *l, size_t n, const char *name)
{
  size_t nl = strlen (name);
  return n > nl && l[nl] == ':' && strncasecmp (l, name, nl) == 0;
}

/* The value of a header line, blanks trimmed. */
static void
header_value (const char *l, size_t n, const char **v, size_t *vl)
{
  const char *p = memchr (l, ':', n) + 1, *end = l + n;
  while (p < end && (*p == ' ' || *p == '\t'))
    p++;
  while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
    end--;
  *v = p;
  *vl = (size_t) (end - p);
}

/* Does a Transfer-Encoding value end in the chunked coding? */
static bool
ends_chunked (const char *v, size_t vl)
{
  const char *c = vl ? (const char *) memrchr (v, ',', vl) : NULL;
  const char *t = c ? c + 1 : v;
  while (t < v + vl && (*t == ' ' || *t == '\t'))
    t++;
  return (size_t) (v + vl - t) == 7 && strncasecmp (t, "chunked", 7) == 0;
}

/* One header line's part in the framing: Content-Length (cl, -2 when
 * two disagree or one is malformed), Transfer-Encoding, and the
 * Connection tokens close and keep-alive (conn bits 1 and 2). */
static void
frame_header (const char *l, size_t n, long long *cl, int *te, int *conn)
{
  const char *v;
  size_t vl;
  if (is_header (l, n, "content-length"))
    {
      header_value (l, n, &v, &vl);
      long long x = 0;
      bool ok = vl > 0 && vl <= 15;
      for (size_t i = 0; ok && i < vl; i++)
        {
          ok = v[i] >= '0' && v[i] <= '9';
          x = x * 10 + (v[i] - '0');
        }
      *cl = !ok || (*cl != -1 && *cl != x) ? -2 : x;
    }
  else if (is_header (l, n, "transfer-encoding"))
    {
      header_value (l, n, &v, &vl);
      /* 1 chunked last; 2 anything else, which is not followed (until close) */
      *te = ends_chunked (v, vl) && *te != 2 ? 1 : 2;
    }
  else if (is_header (l, n, "connection"))
    {
      header_value (l, n, &v, &vl);
      *conn |= (jr_http_has_token (v, vl, "close") ? 1 : 0) | (jr_http_has_token (v, vl, "keep-alive") ? 2 : 0);
    }
}

int
jr_proxy_resp_parse (const char *b, size_t len, bool head_req, struct jr_proxy_resp *r)
{
  memset (r, 0, sizeof *r);
  if (len < 16 || memcmp (b + len - 4, "\r\n\r\n", 4) != 0 || memcmp (b, "HTTP/1.", 7) != 0
      || (b[7] != '0' && b[7] != '1') || b[8] != ' ')
    return -EINVAL;
  for (int i = 9; i < 12; i++)
    {
      if (b[i] < '0' || b[i] > '9')
        return -EINVAL;
      r->status = r->status * 10 + (b[i] - '0');
    }
  if (b[12] != ' ' && b[12] != '\r')
    return -EINVAL;

  long long cl = -1;
  int te = 0, conn = 0;
  const char *p = memmem (b, len, "\r\n", 2) + 2;
  while (p < b + len - 2)
    {
      const char *e = memmem (p, (size_t) (b + len - p), "\r\n", 2);
      if (memchr (p, ':', (size_t) (e - p)) == NULL)
        return -EINVAL;
      frame_header (p, (size_t) (e - p), &cl, &te, &conn);
      p = e + 2;
    }

  r->close = (conn & 1) || (b[7] == '0' && !(conn & 2));
  if (head_req || r->status < 200 || r->status == 204 || r->status == 304)
    r->body = JR_BODY_NONE;
  else if (te)
    r->body = te == 1 ? JR_BODY_CHUNKED : JR_BODY_EOF;
  else if (cl >= 0)
    r->body = JR_BODY_LENGTH, r->length = cl;
  else
    r->body = JR_BODY_EOF; /* no length, or lengths that disagree */
  return 0;
}

int
jr_proxy_resp_rewrite (const char *b, size_t len, bool keep, char *out, size_t outsz)
{
  static const char *const hop[] = { "connection", "keep-alive", "proxy-connection" };
  size_t o = 0;
  for (const char *p = b; p < b + len - 2;)
    {
      const char *e = memmem (p, (size_t) (b + len - p), "\r\n", 2);
      size_t n = (size_t) (e - p) + 2;
      bool drop = false;
      for (size_t i = 0; p != b && i < sizeof hop / sizeof *hop; i++)
        drop |= is_header (p, n - 2, hop[i]);
      if (!drop)
        {
          if (o + n >= outsz)
            return -ENOSPC;
          memcpy (out + o, p, n);
          o += n;
        }
      p = e + 2;
    }
  int w = snprintf (out + o, outsz - o, "Connection: %s\r\n\r\n", keep ? "keep-alive" : "close");
  if (w < 0 || (size_t) w >= outsz - o)
    return -ENOSPC;
  return (int) (o + (size_t) w);
}

enum
{
  CH_SIZE,    /* hex digits of a chunk size */
  CH_EXT,     /* the rest of the size line */
  CH_SIZE_LF, /* LF of the size line */
  CH_DATA,    /* the chunk's bytes */
  CH_DATA_CR, /* CRLF after them */
  CH_DATA_LF,
  CH_TRAILER,  /* start of a trailer line (or of the final CRLF) */
  CH_TLINE,    /* inside a trailer line */
  CH_TLINE_LF, /* LF of a trailer line */
  CH_END_LF    /* LF of the final CRLF */
};

/* A hex digit's value, or -1. */
static int
hexval (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
    return (c | 0x20) - 'a' + 10;
  return -1;
}

/* One byte of the size line or the framing around the data; -1 malformed,
 * 1 the body ended with it, 0 go on. */
static int
chunk_byte (struct jr_chunked *c, char ch)
{
  int h;
  switch (c->state)
    {
    case CH_SIZE:
      if ((h = hexval (ch)) >= 0 && c->digits < 15)
        {
          c->left = c->left * 16 + (unsigned) h;
          c->digits++;
          return 0;
        }
      if (c->digits == 0 || h >= 0)
        return -1;
      c->state = CH_EXT; /* this byte starts the extension or the CRLF */
      __attribute__ ((fallthrough));
    case CH_EXT:
      if (ch == '\r')
        c->state = CH_SIZE_LF;
      else if (ch == '\n' || ((unsigned char) ch < 0x20 && ch != '\t'))
        return -1;
      return 0;
    case CH_SIZE_LF:
      if (ch != '\n')
        return -1;
      c->state = c->left ? CH_DATA : CH_TRAILER;
      return 0;
    case CH_DATA_CR:
      c->state = CH_DATA_LF;
      return ch == '\r' ? 0 : -1;
    case CH_DATA_LF:
      *c = (struct jr_chunked) { .state = CH_SIZE };
      return ch == '\n' ? 0 : -1;
    case CH_TRAILER:
      c->state = ch == '\r' ? CH_END_LF : CH_TLINE;
      return ch == '\n' ? -1 : 0;
    case CH_TLINE:
      if (ch == '\r')
        c->state = CH_TLINE_LF;
      return ch == '\n' ? -1 : 0;
    case CH_TLINE_LF:
      c->state = CH_TRAILER;
      return ch == '\n' ? 0 : -1;
    case CH_END_LF:
      return ch == '\n' ? 1 : -1;
    }
  return -1;
}

long
jr_chunked_feed (struct jr_chunked *c, const char *p, size_t n, bool *done)
{
  size_t i = 0;
  *done = false;
  while (i < n)
    {
      if (c->state == CH_DATA)
        {
          size_t take = c->left < n - i ? (size_t) c->left : n - i;
          c->left -= take;
          i += take;
          if (c->left == 0)
            c->state = CH_DATA_CR;
          continue;
        }
      int r = chunk_byte (c, p[i++]);
      if (r < 0)
        return -1;
      if (r == 1)
        {
          *done = true;
          break;
        }
    }
  return (long) i;
}
