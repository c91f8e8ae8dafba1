/* error.c - error objects for libjail: allocation, formatting, wrapping.
 * Library code never prints; it returns -errno and describes the failure
 * here, and only cmd/ shows the message to a user. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"

/* Format into buf, appending ": strerror" when with_errno is set. */
static void
format_into (struct jail_error *e, int errnum, int with_errno,
             const char *fmt, va_list ap)
{
  int n = vsnprintf (e->msg, sizeof e->msg, fmt, ap);
  if (n < 0)
    n = 0;
  if ((size_t) n >= sizeof e->msg)
    n = sizeof e->msg - 1;
  if (with_errno && errnum)
    {
      /* strerrordesc_np: no locale, no allocation (safe in the child). */
      const char *s = strerrordesc_np (errnum);
      if (s == NULL)
        s = "Unknown error";
      snprintf (e->msg + n, sizeof e->msg - n, ": %s", s);
    }
  e->code = errnum ? errnum : EINVAL;
}

/* Allocate *err when absent; returns NULL when err is NULL or OOM. */
static struct jail_error *
slot (jail_error **err)
{
  if (err == NULL)
    return NULL;
  if (*err == NULL)
    *err = calloc (1, sizeof **err);
  return *err;
}

int
jr_error (jail_error **err, int errnum, const char *fmt, ...)
{
  struct jail_error *e = slot (err);
  if (e)
    {
      va_list ap;
      va_start (ap, fmt);
      format_into (e, errnum, 1, fmt, ap);
      va_end (ap);
    }
  return -(errnum ? errnum : EINVAL);
}

int
jr_error_msg (jail_error **err, int errnum, const char *fmt, ...)
{
  struct jail_error *e = slot (err);
  if (e)
    {
      va_list ap;
      va_start (ap, fmt);
      format_into (e, errnum, 0, fmt, ap);
      va_end (ap);
    }
  return -(errnum ? errnum : EINVAL);
}

int
jr_error_buf (struct jail_error *buf, int errnum, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  format_into (buf, errnum, 1, fmt, ap);
  va_end (ap);
  return -(errnum ? errnum : EINVAL);
}

int
jr_error_wrap (jail_error **err, const char *fmt, ...)
{
  if (err == NULL || *err == NULL)
    return -EINVAL;
  struct jail_error *e = *err;
  char prefix[256];
  char old[JR_ERRMSG_MAX];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (prefix, sizeof prefix, fmt, ap);
  va_end (ap);
  memcpy (old, e->msg, sizeof old);
  (void) !snprintf (e->msg, sizeof e->msg, "%.255s: %.766s", prefix, old);
  return -e->code;
}

const char *
jail_error_message (const jail_error *err)
{
  return err ? err->msg : "no error";
}

int
jail_error_errno (const jail_error *err)
{
  return err ? err->code : 0;
}

void
jail_error_free (jail_error *err)
{
  free (err);
}

void
jr_freep (void *p)
{
  free (*(void **) p);
}

void
jr_closep (int *fd)
{
  if (*fd >= 0)
    {
      int saved = errno;
      close (*fd);
      errno = saved;
    }
}

int
jr_error_buf_wrap (struct jail_error *e, const char *fmt, ...)
{
  char prefix[256];
  char old[JR_ERRMSG_MAX];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (prefix, sizeof prefix, fmt, ap);
  va_end (ap);
  memcpy (old, e->msg, sizeof old);
  (void) !snprintf (e->msg, sizeof e->msg, "%.255s: %.766s", prefix, old);
  return -(e->code ? e->code : EINVAL);
}
