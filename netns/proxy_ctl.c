/* proxy_ctl.c - the internet switch: live changes to a running proxy's
 * allowlist (`jailrun net allow|deny|off|on`) and its listing (`net ls`).
 * A change is checked whole before any of it applies, takes effect for
 * the next request, ends pending requests and open tunnels the new list
 * no longer permits, and is one audit line naming who made it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy_int.h"

void
jr_allow_text (const struct jr_allow *a, char *out, size_t n)
{
  if (a->any_port)
    snprintf (out, n, "%s", a->host);
  else
    snprintf (out, n, a->literal && strchr (a->host, ':') ? "[%s]:%u" : "%s:%u", a->host, a->port);
}

static bool
same_entry (const struct jr_allow *a, const struct jr_allow *b)
{
  return a->any_port == b->any_port && (a->any_port || a->port == b->port) && strcmp (a->host, b->host) == 0;
}

/* Index of an entry equal to e, or -1. */
static ssize_t
find_entry (const struct jr_proxy *p, const struct jr_allow *e)
{
  for (size_t i = 0; i < p->n_allow; i++)
    if (same_entry (&p->allow[i], e))
      return (ssize_t) i;
  return -1;
}

/* Parse every spec (all or nothing); deny: each must be in the list. */
static int
parse_all (const struct jr_proxy *p, int op, char *const specs[], size_t n, struct jr_allow *out, jail_error **err)
{
  if (n == 0)
    return jr_error_msg (err, EINVAL, "net %s: no HOST[:PORT] given", op == JR_NET_ALLOW ? "allow" : "deny");
  for (size_t i = 0; i < n; i++)
    {
      int r = jr_allow_parse (specs[i], &out[i], err);
      if (r < 0)
        return r;
      if (op == JR_NET_DENY && find_entry (p, &out[i]) < 0)
        return jr_error_msg (err, ENOENT, "net deny %s: not in the allowlist (see 'jailrun net ls')", specs[i]);
    }
  return 0;
}

/* Add (allow) or remove (deny) the parsed entries. */
static int
apply (struct jr_proxy *p, int op, const struct jr_allow *e, size_t n, jail_error **err)
{
  if (op == JR_NET_ALLOW)
    {
      struct jr_allow *a = realloc (p->allow, (p->n_allow + n + 1) * sizeof *a);
      if (a == NULL)
        return jr_error (err, ENOMEM, "net allow");
      p->allow = a;
      for (size_t i = 0; i < n; i++)
        if (find_entry (p, &e[i]) < 0)
          p->allow[p->n_allow++] = e[i];
      return 0;
    }
  for (size_t i = 0; i < n; i++)
    {
      ssize_t k = find_entry (p, &e[i]);
      if (k < 0)
        continue; /* named twice */
      memmove (&p->allow[k], &p->allow[k + 1], (p->n_allow - (size_t) k - 1) * sizeof *p->allow);
      p->n_allow--;
    }
  return 0;
}

/* "allow a:443 b:80" for the audit line. */
static void
change_text (int op, const struct jr_allow *e, size_t n, char *out, size_t sz)
{
  size_t o = (size_t) snprintf (out, sz, "%s", op == JR_NET_ALLOW ? "allow" : op == JR_NET_DENY ? "deny"
                                                                          : op == JR_NET_OFF    ? "off"
                                                                                                : "on");
  for (size_t i = 0; i < n && o < sz; i++)
    {
      char t[300];
      jr_allow_text (&e[i], t, sizeof t);
      o += (size_t) snprintf (out + o, sz - o, " %s", t);
    }
}

/* The listing: the switch, the entries, the recent decisions (oldest first). */
static int
list_text (const struct jr_proxy *p, char **text, jail_error **err)
{
  size_t len = 0;
  FILE *f = open_memstream (text, &len);
  if (f == NULL)
    return jr_error (err, ENOMEM, "net ls");
  fprintf (f, "egress %s\n", p->off ? "off" : "on");
  for (size_t i = 0; i < p->n_allow; i++)
    {
      char t[300];
      jr_allow_text (&p->allow[i], t, sizeof t);
      fprintf (f, "allow %s\n", t);
    }
  unsigned from = p->n_recent > JR_PROXY_RECENT ? p->n_recent - JR_PROXY_RECENT : 0;
  for (unsigned i = from; i < p->n_recent; i++)
    fprintf (f, "recent %s\n", p->recent[i % JR_PROXY_RECENT]);
  if (fclose (f) != 0)
    return jr_error (err, ENOMEM, "net ls");
  return 0;
}

int
jr_proxy_control (struct jr_proxy *p, int op, char *const specs[], size_t n, uid_t uid, pid_t pid,
                  char **text, jail_error **err)
{
  if (op == JR_NET_LIST)
    return list_text (p, text, err);
  if (op != JR_NET_ALLOW && op != JR_NET_DENY && op != JR_NET_OFF && op != JR_NET_ON)
    return jr_error_msg (err, EINVAL, "net: unknown operation %d", op);
  if (op == JR_NET_OFF || op == JR_NET_ON)
    n = 0;
  struct jr_allow *e = calloc (n + 1, sizeof *e);
  if (e == NULL)
    return jr_error (err, ENOMEM, "net");
  int r = op == JR_NET_ALLOW || op == JR_NET_DENY ? parse_all (p, op, specs, n, e, err) : 0;
  if (r == 0 && (op == JR_NET_ALLOW || op == JR_NET_DENY))
    r = apply (p, op, e, n, err);
  if (r == 0)
    {
      char what[2048];
      if (op == JR_NET_OFF || op == JR_NET_ON)
        p->off = op == JR_NET_OFF;
      change_text (op, e, n, what, sizeof what);
      jr_audit_change (p, what, uid, pid);
      jr_proxy_recheck (p);
    }
  free (e);
  return r;
}
