/* net_client.c - the client side of the internet switch: jail_net_allow,
 * jail_net_deny, jail_net_off, jail_net_on and jail_net_list send one
 * JR_REQ_NET to the jail's supervisor (authorized as exec is: the same
 * user, checked by the supervisor with SO_PEERCRED) and read its answer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lifecycle.h"
#include "netns.h"

/* The request packet: header, then the specs, each NUL-terminated. */
static char *
build (int op, char *const specs[], size_t *len, jail_error **err)
{
  struct jr_req q = { .type = JR_REQ_NET, .op = op };
  size_t n = sizeof q;
  for (q.argc = 0; specs && specs[q.argc]; q.argc++)
    n += strlen (specs[q.argc]) + 1;
  if (n > JR_PROTO_MAX)
    {
      jr_error_msg (err, E2BIG, "net: the entries exceed %d bytes: give fewer at a time", JR_PROTO_MAX);
      return NULL;
    }
  char *buf = malloc (n), *p = buf;
  if (buf == NULL)
    {
      jr_error (err, ENOMEM, "net");
      return NULL;
    }
  memcpy (p, &q, sizeof q);
  p += sizeof q;
  for (uint32_t i = 0; i < q.argc; i++)
    p = stpcpy (p, specs[i]) + 1;
  *len = n;
  return buf;
}

/* Send op to j's supervisor; the listing (if text) is malloc'd. */
static int
net_call (jail *j, int op, char *const specs[], char **text, jail_error **err)
{
  if (j == NULL)
    return jr_error_msg (err, EINVAL, "net: no jail");
  size_t len = 0;
  char *req cleanup_free = build (op, specs, &len, err);
  if (req == NULL)
    return err && *err ? -(*err)->code : -ENOMEM;
  int sock cleanup_close = jr_state_connect (j->name, err);
  if (sock < 0)
    return sock;
  if (send (sock, req, len, MSG_NOSIGNAL) < 0)
    return jr_error (err, errno, "net %s", j->name);
  size_t cap = sizeof (struct jr_rep) + JR_PROTO_MAX;
  struct jr_rep *rep cleanup_free = calloc (1, cap + 1);
  if (rep == NULL)
    return jr_error (err, ENOMEM, "net");
  ssize_t n;
  while ((n = recv (sock, rep, cap, 0)) < 0 && errno == EINTR)
    ;
  if (n < (ssize_t) sizeof *rep || rep->type != JR_REP_DONE)
    return jr_error_msg (err, EPIPE, "net %s: the jail's supervisor went away", j->name);
  rep->msg[sizeof rep->msg - 1] = '\0';
  if (rep->status != 0)
    return jr_error_msg (err, rep->err_code ? rep->err_code : EIO, "%s", rep->msg);
  ((char *) rep)[n] = '\0';
  if (text && (*text = strdup ((char *) (rep + 1))) == NULL)
    return jr_error (err, ENOMEM, "net");
  return 0;
}

int
jail_net_allow (jail *j, char *const specs[], jail_error **err)
{
  return net_call (j, JR_NET_ALLOW, specs, NULL, err);
}

int
jail_net_deny (jail *j, char *const specs[], jail_error **err)
{
  return net_call (j, JR_NET_DENY, specs, NULL, err);
}

int
jail_net_off (jail *j, jail_error **err)
{
  return net_call (j, JR_NET_OFF, NULL, NULL, err);
}

int
jail_net_on (jail *j, jail_error **err)
{
  return net_call (j, JR_NET_ON, NULL, NULL, err);
}

int
jail_net_list (jail *j, char **text, jail_error **err)
{
  if (text == NULL)
    return jr_error_msg (err, EINVAL, "net ls: no place for the listing");
  return net_call (j, JR_NET_LIST, NULL, text, err);
}
