/* stdio.c - the caller's stdio at every libjail entry point that starts
 * something: 0, 1 and 2 made valid before any fd is opened (a closed slot
 * must never be filled by an internal socket or pipe that then reaches
 * the jail), and a directory or O_PATH fd refused (fchdir on it would
 * lead out of every mount); the supervisor also refuses a terminal
 * (clients relay it, relay.c). */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

static const char *const slot_names[3] = { "stdin", "stdout", "stderr" };

int
jr_stdio_ensure (jail_error **err)
{
  for (int fd = 0; fd < 3; fd++)
    {
      if (fcntl (fd, F_GETFD) >= 0 || errno != EBADF)
        continue;
      /* Not O_CLOEXEC: this is a stdio slot, inherited on purpose.  The
       * lower slots are valid, so open() lands on fd itself (unless
       * another thread took it meanwhile: then it is valid too). */
      int n = open ("/dev/null", O_RDWR);
      if (n < 0)
        return jr_error (err, errno, "stdio: %s (fd %d) is closed: open /dev/null", slot_names[fd], fd);
      if (n != fd)
        close (n);
    }
  return 0;
}

int
jr_stdio_check (const int fds[3], jail_error **err)
{
  for (int i = 0; i < 3; i++)
    {
      struct stat st;
      int fl = fcntl (fds[i], F_GETFL);
      if (fl < 0 || fstat (fds[i], &st) < 0)
        return jr_error (err, errno, "stdio: %s (fd %d)", slot_names[i], fds[i]);
      if ((fl & O_PATH) || S_ISDIR (st.st_mode))
        return jr_error_msg (err, EBADF,
                             "stdio: %s is %s: a jail must not get a host directory or path fd on its stdio "
                             "(fchdir on it leads out of the jail); redirect it from a file or /dev/null",
                             slot_names[i], (fl & O_PATH) ? "an O_PATH fd" : "a directory");
    }
  return 0;
}

int
jr_stdio_check_handed (const int fds[3], jail_error **err)
{
  int r = jr_stdio_check (fds, err);
  for (int i = 0; r == 0 && i < 3; i++)
    if (isatty (fds[i]))
      r = jr_error_msg (err, EPERM, "stdio: %s is a terminal: a terminal never enters a jail "
                                    "(the client relays it; is it a jailrun of another version?)",
                        slot_names[i]);
  return r;
}
