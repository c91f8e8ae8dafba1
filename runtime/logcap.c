/* logcap.c - the log of a detached jail, capped: the first process's
 * stdout and stderr (and the supervisor's) are a pipe that the supervisor
 * drains into STATE/NAME/log; when that file would pass the cap it is
 * renamed log.1 (replacing the previous one) and a new log begins, as
 * Docker's json-file driver does with max-size.  So the jail can never
 * hold more than twice the cap of host memory (/run is a tmpfs) through
 * its output.  jail_logs (exec_client.c) prints log.1, then log. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lifecycle.h"

int
jail_config_set_log_max (jail_config *c, const char *size, jail_error **err)
{
  unsigned long long v;
  if (size == NULL || jr_parse_size (size, &v) < 0 || (v != 0 && v < JR_LOG_MAX_MIN))
    return jr_error_msg (err, EINVAL, "--log-max '%s': not 0 (no cap) or a size of at least 4k (a number with an optional k, m or g suffix, e.g. 10m)",
                         size ? size : "");
  c->log_max = v;
  return 0;
}

/* Open (append) the current log file; its size so far in lc->size. */
static int
open_log (struct jr_logcap *lc)
{
  lc->fd = open (lc->path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
  struct stat st;
  if (lc->fd < 0 || fstat (lc->fd, &st) < 0)
    return -errno;
  lc->size = (unsigned long long) st.st_size;
  return 0;
}

int
jr_logcap_open (struct jr_logcap *lc, const char *name, unsigned long long max)
{
  *lc = (struct jr_logcap) { .rfd = -1, .fd = -1, .max = max };
  int p[2];
  if (jr_state_path (name, "log", &lc->path, NULL) < 0 || asprintf (&lc->path1, "%s.1", lc->path) < 0)
    return -ENOMEM;
  if (open_log (lc) < 0 || pipe2 (p, O_CLOEXEC) < 0)
    return -errno;
  lc->rfd = p[0];
  fcntl (lc->rfd, F_SETFL, O_NONBLOCK);
  /* stdout and stderr (inherited by the jail's init and first process) */
  int r = dup2 (p[1], 1) < 0 || dup2 (p[1], 2) < 0 ? -errno : 0;
  close (p[1]);
  return r;
}

/* Log full: keep it as log.1 and begin a new one. */
static int
rotate (struct jr_logcap *lc)
{
  close (lc->fd);
  lc->fd = -1;
  if (rename (lc->path, lc->path1) < 0)
    return -errno;
  return open_log (lc);
}

/* Write n bytes of buf, rotating so that no file passes the cap, at the
 * end of a line when the room left holds one.  Bytes the host cannot
 * store are dropped: the jail must never block on them. */
static void
log_write (struct jr_logcap *lc, const char *buf, size_t n)
{
  while (n > 0 && lc->fd >= 0)
    {
      size_t room = lc->max && lc->max - lc->size < n ? (size_t) (lc->max - lc->size) : n;
      size_t k = room;
      if (k < n)
        {
          /* end this file after the last whole line that fits; with none,
           * begin a new file (a line longer than the cap is cut) */
          const char *nl = k ? memrchr (buf, '\n', k) : NULL;
          k = nl ? (size_t) (nl - buf) + 1 : lc->size > 0 ? 0
                                                          : k;
        }
      if (k == 0)
        {
          if (rotate (lc) < 0)
            return;
          continue;
        }
      ssize_t w = write (lc->fd, buf, k);
      if (w <= 0)
        return;
      lc->size += (unsigned long long) w;
      buf += w;
      n -= (size_t) w;
    }
}

int
jr_logcap_pump (struct jr_logcap *lc)
{
  char buf[65536];
  ssize_t n = read (lc->rfd, buf, sizeof buf);
  if (n > 0)
    log_write (lc, buf, (size_t) n);
  return n > 0 ? 1 : n == 0 ? 0
                            : -1;
}

void
jr_logcap_close (struct jr_logcap *lc)
{
  if (lc->rfd >= 0)
    while (jr_logcap_pump (lc) > 0)
      ;
  if (lc->rfd >= 0)
    close (lc->rfd);
  if (lc->fd >= 0)
    close (lc->fd);
  free (lc->path);
  free (lc->path1);
  *lc = (struct jr_logcap) { .rfd = -1, .fd = -1 };
}
