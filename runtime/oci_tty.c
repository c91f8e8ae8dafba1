/* oci_tty.c - process.terminal: the engine's console socket is connected
 * on the host side (before any namespace changes), then the container
 * process makes a pty in the container's own devpts, takes the peer as
 * its controlling terminal and stdio, and sends the master to the engine
 * over the socket (SCM_RIGHTS, the pty's name as data, as runc does).
 * The host's terminal never reaches the container. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "fdpass.h"
#include "oci.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO ('T', 0x41)
#endif

int
jr_oci_console_connect (const char *path, jail_error **err)
{
  struct sockaddr_un a = { .sun_family = AF_UNIX };
  if (strlen (path) >= sizeof a.sun_path)
    return jr_error_msg (err, ENAMETOOLONG, "--console-socket %s: path too long", path);
  strcpy (a.sun_path, path);
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect (fd, (struct sockaddr *) &a, sizeof a) < 0)
    {
      int saved = errno;
      if (fd >= 0)
        close (fd);
      return jr_error (err, saved, "--console-socket %s", path);
    }
  return fd;
}

/* Send fd with its name over sock. */
static int
send_master (int sock, int fd, const char *name, struct jail_error *e)
{
  ssize_t n = jr_send_fd (sock, name, strlen (name), &fd, 1, 0);
  return n < 0 ? jr_error_buf (e, (int) -n, "console socket: send the pty") : 0;
}

int
jr_oci_console_setup (int sock, uid_t uid, struct jail_error *e)
{
  int m = open ("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (m < 0)
    return jr_error_buf (e, errno, "terminal: /dev/pts/ptmx (process.terminal needs a devpts mount at /dev/pts)");
  int unlock = 0, n = -1, r = 0;
  int s = ioctl (m, TIOCSPTLCK, &unlock) < 0 || ioctl (m, TIOCGPTN, &n) < 0 ? -1
                                                                            : ioctl (m, TIOCGPTPEER, O_RDWR | O_NOCTTY);
  if (s < 0)
    r = jr_error_buf (e, errno, "terminal: open the pty's peer");
  if (r == 0 && fchown (s, uid, (gid_t) -1) < 0)
    r = jr_error_buf (e, errno, "terminal: chown the pty to uid %u", uid);
  if (r == 0 && (setsid () < 0 || ioctl (s, TIOCSCTTY, 0) < 0))
    r = jr_error_buf (e, errno, "terminal: make it the controlling terminal");
  for (int fd = 0; r == 0 && fd < 3; fd++)
    if (dup2 (s, fd) < 0)
      r = jr_error_buf (e, errno, "terminal: dup2");
  char name[32];
  snprintf (name, sizeof name, "/dev/pts/%d", n);
  if (r == 0)
    r = send_master (sock, m, name, e);
  if (s > 2)
    close (s);
  close (m);
  return r;
}
