/* fuzz_proxy.c - libFuzzer harness for the egress proxy's pure parts: the
 * request-head parser and rewriter, the host normaliser, the allow-entry
 * parser and matcher, the address checks, and the response side of a
 * kept-alive request (head parser and rewriter, chunked framing).  Built and run for a
 * bounded time by fuzz.sh.  The first input byte picks the target. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netns_internal.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Parse data as a head (terminated if it is not), then rewrite it. */
static void
fuzz_head (const char *d, size_t n)
{
  char buf[JR_PROXY_HEAD_MAX + 4], out[2 * JR_PROXY_HEAD_MAX];
  if (n > JR_PROXY_HEAD_MAX - 4)
    n = JR_PROXY_HEAD_MAX - 4;
  memcpy (buf, d, n);
  if (n < 4 || memcmp (buf + n - 4, "\r\n\r\n", 4) != 0)
    memcpy (buf + n, "\r\n\r\n", 4), n += 4;
  struct jr_proxy_req *r = malloc (sizeof *r);
  const char *why = NULL;
  if (jr_proxy_parse (buf, n, r, &why) == 0)
    {
      if (!r->connect)
        jr_proxy_rewrite (buf, n, r, n & 1, out, sizeof out);
      if (r->host_is_ip)
        jr_addr_public ((struct sockaddr *) &r->ip);
    }
  else if (why == NULL)
    abort (); /* every refusal has a reason */
  free (r);
}

/* Normalise a host; the result must be stable under normalisation. */
static void
fuzz_host (const char *d, size_t n)
{
  char out[256], again[256];
  bool ip, ip2;
  struct sockaddr_storage ss, ss2;
  const char *why;
  if (jr_host_normalise (d, n, out, sizeof out, &ip, &ss, &why) == 0 && !ip)
    {
      if (jr_host_normalise (out, strlen (out), again, sizeof again, &ip2, &ss2, &why) != 0
          || strcmp (out, again) != 0)
        abort ();
    }
}

/* Parse an allow entry and match it against a host. */
static void
fuzz_allow (const char *d, size_t n)
{
  char spec[300];
  const char *sep = memchr (d, '\n', n);
  size_t sl = sep ? (size_t) (sep - d) : n;
  if (sl >= sizeof spec)
    return;
  memcpy (spec, d, sl);
  spec[sl] = '\0';
  if (strlen (spec) != sl)
    return;
  struct jr_allow a;
  jail_error *err = NULL;
  if (jr_allow_parse (spec, &a, &err) == 0 && sep)
    {
      char host[256];
      bool ip;
      struct sockaddr_storage ss;
      const char *why;
      if (jr_host_normalise (sep + 1, n - sl - 1, host, sizeof host, &ip, &ss, &why) == 0)
        {
          jr_allow_match (&a, host, 443);
          if (ip)
            jr_addr_permitted (&a, (struct sockaddr *) &ss, &why);
        }
    }
  jail_error_free (err);
}

/* Parse data as a response head, rewrite it, and follow the bytes after
 * it as a chunked body (in two feeds: a split must not change the end). */
static void
fuzz_resp (const char *d, size_t n)
{
  char buf[JR_PROXY_HEAD_MAX + 4], out[JR_PROXY_HEAD_MAX + 64];
  const char *end = memmem (d, n, "\r\n\r\n", 4);
  size_t hl = end ? (size_t) (end - d) + 4 : 0;
  if (hl > 0 && hl <= JR_PROXY_HEAD_MAX)
    {
      struct jr_proxy_resp r;
      memcpy (buf, d, hl);
      if (jr_proxy_resp_parse (buf, hl, n & 1, &r) == 0
          && (r.body > JR_BODY_EOF || (r.body == JR_BODY_LENGTH && r.length < 0)))
        abort ();
      jr_proxy_resp_rewrite (buf, hl, n & 2, out, sizeof out);
    }
  struct jr_chunked a = { 0 }, b = { 0 };
  bool done_a, done_b = false;
  long all = jr_chunked_feed (&a, d + hl, n - hl, &done_a);
  size_t half = (n - hl) / 2;
  long first = jr_chunked_feed (&b, d + hl, half, &done_b), second = 0;
  if (first >= 0 && !done_b)
    second = jr_chunked_feed (&b, d + hl + half, n - hl - half, &done_b);
  if (all >= 0 && first >= 0 && second >= 0 && (done_a != done_b || all != first + second))
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  const char *d = (const char *) data + 1;
  size_t n = size - 1;
  switch (data[0] % 4)
    {
    case 0:
      fuzz_head (d, n);
      break;
    case 1:
      fuzz_host (d, n);
      break;
    case 3:
      fuzz_resp (d, n);
      break;
    default:
      fuzz_allow (d, n);
      break;
    }
  return 0;
}
