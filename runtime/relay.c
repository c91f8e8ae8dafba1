/* relay.c - no terminal of the caller ever enters a jail (DESIGN 3.6).
 * Each of the caller's stdio fds that is a terminal is replaced, for the
 * jail, by a pipe whose other end this relay copies to and from the
 * terminal (a terminal stdin becomes /dev/null unless JAIL_INTERACTIVE).
 * With JAIL_TTY the jail's process opens a pty in the jail's own devpts,
 * makes it its controlling terminal and sends the master back over a
 * channel (fd 0 until then); the relay puts the caller's terminal in raw
 * mode, copies both ways and follows the window size.  Pipes, files and
 * sockets the caller redirects pass as they are.  The relay is pumped by
 * whichever loop waits for the process (jail_run, jail_exec, jail_wait). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "fdpass.h"
#include "internal.h"
#include "relay.h"

/* One direction: src is read, dst written.  Only the in pump writes to a
 * non-blocking fd (the jail's), so only it buffers. */
struct pump
{
  int src, dst;
  char buf[16384];
  size_t off, len;
};

enum kind
{
  K_CHAN,
  K_IN_SRC,
  K_IN_DST,
  K_OUT0,
  K_OUT1
};

struct jr_relay
{
  unsigned flags;
  int hand[3]; /* the jail's side we made (pipe ends, /dev/null, channel) */
  int own[4];  /* our pipe ends, closed at the end */
  int chan;    /* JAIL_TTY: our end of the channel until the master came */
  int master;  /* JAIL_TTY: the pty master */
  int term;    /* a caller's terminal, for the window size; -1 */
  int in_fd;   /* the caller's stdin when it is relayed, else -1 */
  struct pump in, out[2];
  bool raw;
  struct termios saved;
  enum kind kinds[JR_RELAY_NPOLL];
  struct jr_sigpipe sigpipe;
};

static void
close_fd (int *fd)
{
  if (*fd >= 0)
    close (*fd);
  *fd = -1;
}

/* Close an fd of ours that a pump uses, and forget it everywhere. */
static void
drop (struct jr_relay *r, int fd)
{
  if (fd < 0)
    return;
  struct pump *ps[] = { &r->in, &r->out[0], &r->out[1] };
  for (int i = 0; i < 3; i++)
    {
      if (ps[i]->src == fd)
        ps[i]->src = -1;
      if (ps[i]->dst == fd)
        ps[i]->dst = -1, ps[i]->len = ps[i]->off = 0;
    }
  for (int i = 0; i < 4; i++)
    if (r->own[i] == fd)
      r->own[i] = -1;
  if (r->master == fd)
    r->master = -1;
  close (fd);
}

/* A pipe for slot i: the jail gets one end, the relay keeps the other
 * (non-blocking) in the pump. */
static int
relay_pipe (struct jr_relay *r, int i, const int caller[3], jail_error **err)
{
  int p[2];
  if (pipe2 (p, O_CLOEXEC) < 0)
    return jr_error (err, errno, "stdio: pipe");
  int ours = i == 0 ? p[1] : p[0];
  r->hand[i] = i == 0 ? p[0] : p[1];
  r->own[i] = ours;
  fcntl (ours, F_SETFL, O_NONBLOCK);
  if (i == 0)
    r->in = (struct pump) { .src = caller[0], .dst = ours };
  else
    r->out[i - 1] = (struct pump) { .src = ours, .dst = caller[i] };
  return 0;
}

/* JAIL_TTY: the channel on which the jail's process sends the master;
 * the jail gets it on 0, 1 and 2 until it puts the pty there. */
static int
relay_channel (struct jr_relay *r, jail_error **err)
{
  int sv[2];
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    return jr_error (err, errno, "tty: socketpair");
  r->chan = sv[0];
  r->hand[0] = sv[1];
  return 0;
}

static struct jr_relay *
relay_alloc (unsigned flags, const int caller[3])
{
  struct jr_relay *r = calloc (1, sizeof *r);
  if (r == NULL)
    return NULL;
  r->flags = flags;
  r->chan = r->master = r->term = r->in_fd = -1;
  for (int i = 0; i < 4; i++)
    r->own[i] = -1;
  for (int i = 0; i < 3; i++)
    r->hand[i] = -1;
  r->in = r->out[0] = r->out[1] = (struct pump) { .src = -1, .dst = -1 };
  for (int i = 0; i < 3 && r->term < 0; i++)
    if (isatty (caller[i]))
      r->term = caller[i];
  return r;
}

int
jr_relay_new (const int caller[3], unsigned flags, int given[3], struct jr_relay **out, jail_error **err)
{
  bool tty[3] = { isatty (caller[0]), isatty (caller[1]), isatty (caller[2]) };
  memcpy (given, caller, 3 * sizeof *given);
  *out = NULL;
  if (!(flags & JAIL_TTY) && !tty[0] && !tty[1] && !tty[2])
    return 0;
  struct jr_relay *r = relay_alloc (flags, caller);
  if (r == NULL)
    return jr_error (err, ENOMEM, "stdio relay");
  int ret = 0;
  if (flags & JAIL_TTY)
    {
      ret = relay_channel (r, err);
      r->hand[1] = r->hand[2] = r->hand[0];
      r->in_fd = flags & JAIL_INTERACTIVE ? caller[0] : -1;
      r->out[0].dst = caller[1];
    }
  for (int i = 0; !(flags & JAIL_TTY) && ret == 0 && i < 3; i++)
    {
      if (!tty[i])
        continue;
      if (i == 0 && !(flags & JAIL_INTERACTIVE))
        {
          r->hand[0] = open ("/dev/null", O_RDONLY | O_CLOEXEC);
          ret = r->hand[0] < 0 ? jr_error (err, errno, "stdio: /dev/null") : 0;
        }
      else
        ret = relay_pipe (r, i, caller, err);
    }
  for (int i = 0; i < 3; i++)
    if (r->hand[i] >= 0)
      given[i] = r->hand[i];
  if (ret < 0)
    {
      jr_relay_handed (r);
      jr_relay_end (r, 0);
      return ret;
    }
  *out = r;
  return 0;
}

void
jr_relay_handed (struct jr_relay *r)
{
  if (r == NULL)
    return;
  for (int i = 0; i < 3; i++)
    {
      int fd = r->hand[i];
      for (int k = i; k < 3; k++)
        if (r->hand[k] == fd)
          r->hand[k] = -1; /* the channel fills all three slots */
      if (fd >= 0)
        close (fd);
    }
}

/* Write all of buf to the caller's fd (blocking, as the jail's own write
 * to it would be); -1 when the caller's side is gone. */
static int
write_all (int fd, const char *buf, size_t len)
{
  while (len > 0)
    {
      ssize_t w = write (fd, buf, len);
      if (w < 0 && errno == EAGAIN)
        {
          struct pollfd p = { .fd = fd, .events = POLLOUT };
          poll (&p, 1, 1000);
          continue;
        }
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        return -1;
      buf += w;
      len -= (size_t) w;
    }
  return 0;
}

bool
jr_relay_winch (struct jr_relay *r)
{
  if (r == NULL || !(r->flags & JAIL_TTY))
    return false;
  struct winsize ws;
  if (r->master >= 0 && r->term >= 0 && ioctl (r->term, TIOCGWINSZ, &ws) == 0)
    ioctl (r->master, TIOCSWINSZ, &ws);
  return true;
}

/* The caller's terminal in raw mode while a -it process runs: every key,
 * Ctrl-C included, goes to the jail's pty, whose line discipline acts. */
static void
set_raw (struct jr_relay *r)
{
  if (r->in_fd < 0 || !isatty (r->in_fd) || tcgetattr (r->in_fd, &r->saved) < 0)
    return;
  struct termios t = r->saved;
  cfmakeraw (&t);
  if (tcsetattr (r->in_fd, TCSADRAIN, &t) == 0)
    r->raw = true;
}

/* The master arrived on the channel (or the process failed before: EOF):
 * check it is a pty master, size it, raw mode, then tell the process to
 * go on. */
static void
on_chan (struct jr_relay *r)
{
  char b;
  int m = -1;
  size_t nfd = 0;
  ssize_t n = jr_recv_fd (r->chan, &b, 1, &m, 1, &nfd, MSG_DONTWAIT);
  if (n == -EAGAIN || n == -EINTR)
    return;
  unsigned ptn;
  if (m >= 0 && n <= 0)
    close_fd (&m);
  if (m >= 0 && ioctl (m, TIOCGPTN, &ptn) < 0)
    close_fd (&m); /* not a pty master: relay nothing */
  if (m >= 0)
    {
      fcntl (m, F_SETFL, O_NONBLOCK);
      r->master = m;
      r->in = (struct pump) { .src = r->in_fd, .dst = m };
      r->out[0].src = m;
      jr_relay_winch (r);
      set_raw (r);
      (void) !send (r->chan, "g", 1, MSG_NOSIGNAL);
    }
  close_fd (&r->chan);
}

/* The caller's stdin has data (or ended). */
static void
in_read (struct jr_relay *r)
{
  ssize_t n = read (r->in.src, r->in.buf, sizeof r->in.buf);
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return;
  if (n > 0)
    {
      r->in.off = 0;
      r->in.len = (size_t) n;
      return;
    }
  r->in.src = -1; /* EOF: the jail sees it too */
  if (r->master >= 0)
    (void) !write (r->master, "\x04", 1); /* VEOF of the pty */
  else
    drop (r, r->in.dst);
}

/* Feed the jail what the in pump holds. */
static void
in_write (struct jr_relay *r)
{
  ssize_t w = write (r->in.dst, r->in.buf + r->in.off, r->in.len - r->in.off);
  if (w < 0 && (errno == EAGAIN || errno == EINTR))
    return;
  if (w < 0)
    {
      /* The jail closed its stdin: stop reading ours. */
      r->in.src = -1;
      r->in.len = r->in.off = 0;
      if (r->master < 0)
        drop (r, r->in.dst);
      return;
    }
  r->in.off += (size_t) w;
  if (r->in.off == r->in.len)
    r->in.off = r->in.len = 0;
}

/* Copy what the jail wrote to the caller's fd; false at EOF. */
static bool
out_copy (struct jr_relay *r, struct pump *p)
{
  ssize_t n = read (p->src, p->buf, sizeof p->buf);
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return true;
  /* EOF, or EIO on a master whose slave every process closed; a caller
   * side that is gone closes ours too (the jail gets EPIPE, as it would). */
  if (n <= 0 || write_all (p->dst, p->buf, (size_t) n) < 0)
    {
      if (p->src == r->master)
        r->in.dst = -1;
      drop (r, p->src);
      return false;
    }
  return true;
}

int
jr_relay_poll (struct jr_relay *r, struct pollfd *p)
{
  int n = 0;
  if (r == NULL)
    return 0;
  if (r->chan >= 0)
    r->kinds[n] = K_CHAN, p[n++] = (struct pollfd) { .fd = r->chan, .events = POLLIN };
  if (r->in.len == 0 && r->in.src >= 0 && r->in.dst >= 0)
    r->kinds[n] = K_IN_SRC, p[n++] = (struct pollfd) { .fd = r->in.src, .events = POLLIN };
  if (r->in.len > 0 && r->in.dst >= 0)
    r->kinds[n] = K_IN_DST, p[n++] = (struct pollfd) { .fd = r->in.dst, .events = POLLOUT };
  for (int i = 0; i < 2; i++)
    if (r->out[i].src >= 0)
      r->kinds[n] = i ? K_OUT1 : K_OUT0, p[n++] = (struct pollfd) { .fd = r->out[i].src, .events = POLLIN };
  return n;
}

void
jr_relay_run (struct jr_relay *r, const struct pollfd *p, int n)
{
  if (r == NULL)
    return;
  jr_sigpipe_block (&r->sigpipe); /* a jail that closed its stdin must not kill the caller */
  for (int i = 0; i < n; i++)
    {
      if (p[i].revents == 0)
        continue;
      switch (r->kinds[i])
        {
        case K_CHAN:
          on_chan (r);
          break;
        case K_IN_SRC:
          if (r->in.src == p[i].fd)
            in_read (r);
          break;
        case K_IN_DST:
          if (r->in.dst == p[i].fd)
            in_write (r);
          break;
        case K_OUT0:
          if (r->out[0].src == p[i].fd)
            out_copy (r, &r->out[0]);
          break;
        case K_OUT1:
          if (r->out[1].src == p[i].fd)
            out_copy (r, &r->out[1]);
          break;
        }
      if (r->in.len > 0 && r->in.dst >= 0)
        in_write (r); /* most writes go through at once */
    }
  jr_sigpipe_restore (&r->sigpipe);
}

int
jr_relay_wait (struct jr_relay *r, int fd, int timeout_ms)
{
  for (;;)
    {
      struct pollfd p[1 + JR_RELAY_NPOLL] = { { .fd = fd, .events = POLLIN } };
      int k = jr_relay_poll (r, p + 1);
      int n = poll (p, (nfds_t) (1 + k), timeout_ms);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0 || p[0].revents)
        return n <= 0 ? n : 1;
      jr_relay_run (r, p + 1, k);
    }
}

/* Milliseconds of the monotonic clock. */
static long long
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

void
jr_relay_end (struct jr_relay *r, int ms)
{
  if (r == NULL)
    return;
  r->in.src = -1; /* no more input: only what the jail wrote */
  long long until = now_ms () + ms;
  jr_sigpipe_block (&r->sigpipe);
  for (;;)
    {
      struct pollfd p[2];
      int n = 0, idx[2];
      for (int i = 0; i < 2; i++)
        if (r->out[i].src >= 0)
          idx[n] = i, p[n++] = (struct pollfd) { .fd = r->out[i].src, .events = POLLIN };
      long long left = until - now_ms ();
      if (n == 0 || left <= 0 || poll (p, (nfds_t) n, (int) left) <= 0)
        break;
      for (int k = 0; k < n; k++)
        if (p[k].revents && r->out[idx[k]].src == p[k].fd)
          out_copy (r, &r->out[idx[k]]);
    }
  jr_sigpipe_restore (&r->sigpipe);
  if (r->raw)
    tcsetattr (r->in_fd, TCSADRAIN, &r->saved);
  jr_relay_handed (r);
  close_fd (&r->chan);
  close_fd (&r->master);
  for (int i = 0; i < 4; i++)
    close_fd (&r->own[i]);
  free (r);
}

int
jr_pty_child (struct jail_error *e)
{
  int m = open ("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (m < 0)
    return jr_error_buf (e, errno, "tty: open the jail's /dev/pts/ptmx");
  int unlock = 0, s = -1;
  if (ioctl (m, TIOCSPTLCK, &unlock) == 0)
    s = ioctl (m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (s < 0 || ioctl (s, TIOCSCTTY, 0) < 0)
    {
      int r = jr_error_buf (e, errno, "tty: open the pty and make it the controlling terminal");
      close (m);
      if (s >= 0)
        close (s);
      return r;
    }
  ssize_t n = jr_send_fd (0, "m", 1, &m, 1, 0);
  close (m);
  char go;
  while (n >= 0 && recv (0, &go, 1, 0) < 0 && errno == EINTR)
    ; /* the window size is set before the command runs */
  int r = 0;
  for (int i = 0; r == 0 && i < 3; i++)
    if (dup3 (s, i, 0) < 0)
      r = jr_error_buf (e, errno, "tty: pty on fd %d", i);
  close (s);
  if (r == 0 && n < 0)
    r = jr_error_buf (e, (int) -n, "tty: send the pty to jailrun");
  return r;
}
