/* error.h - internal error objects: a negative errno plus a message that
 * reads like a path, built up by wrapping ("netns: lo: up: ..."). */
#ifndef JR_ERROR_H
#define JR_ERROR_H

#include <stddef.h>
#include "jail.h"

#define JR_ERRMSG_MAX 1024

struct jail_error
{
  int code; /* positive errno */
  char msg[JR_ERRMSG_MAX];
};

/* Fill *err (allocating it if needed) with errnum and a formatted message
 * followed by ": strerror(errnum)" when errnum != 0.  Returns -errnum (or
 * -EINVAL when errnum is 0).  err may be NULL. */
int jr_error (jail_error **err, int errnum, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

/* Like jr_error, but the message is exactly the formatted text (no
 * strerror suffix); used for bad input where errno adds nothing. */
int jr_error_msg (jail_error **err, int errnum, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

/* Prefix the message of an existing error with "prefix: ".  Returns the
 * error's -errno so it can end a function: return jr_error_wrap(...). */
int jr_error_wrap (jail_error **err, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

/* Error in a fixed buffer, for the child between clone and execve, where
 * malloc is not allowed.  Same rules as jr_error. */
int jr_error_buf (struct jail_error *buf, int errnum, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

/* Prefix a fixed-buffer error's message; returns its -errno. */
int jr_error_buf_wrap (struct jail_error *e, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

/* Cleanup helpers. */
void jr_freep (void *p);
void jr_closep (int *fd);
#define cleanup_free __attribute__ ((cleanup (jr_freep)))
#define cleanup_close __attribute__ ((cleanup (jr_closep)))

/* Take ownership: return *p and set it to NULL / -1. */
#define jr_steal_ptr(p) ({ __typeof__ (*(p)) _t = *(p); *(p) = NULL; _t; })
#define jr_steal_fd(p) ({ int _t = *(p); *(p) = -1; _t; })

#endif
