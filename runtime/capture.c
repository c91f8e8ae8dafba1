/* capture.c - jail_capture, the agent-harness call: run argv (input,
 * e.g. a script, on its stdin) in a running jail with a time limit, and
 * collect stdout and stderr up to a cap each (the rest is read and
 * dropped so the process never blocks), the exit status or signal,
 * timeout, wall and CPU time and peak memory.  Every call has its own
 * connection, pipes and buffers: safe from several threads at once. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lifecycle.h"

/* How long to keep reading output after the process has ended, for
 * what is still in the pipes (children may hold them open forever). */
#define DRAIN_MS 200

struct jail_result
{
  char *out[2];
  size_t len[2];
  unsigned flags;
  int status, exit_code, sig;
  double wall, cpu;
  long long peak;
};

/* One output stream being collected. */
struct stream
{
  int fd;
  char *buf;
  size_t len, cap;
  bool truncated;
};

static double
now_s (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Read what is there; keep at most cap bytes. Returns false at EOF. */
static bool
pull (struct stream *st)
{
  char tmp[16384];
  ssize_t n = read (st->fd, tmp, sizeof tmp);
  if (n < 0)
    return errno == EINTR || errno == EAGAIN;
  if (n == 0)
    return false;
  size_t keep = st->len < st->cap ? st->cap - st->len : 0;
  if ((size_t) n > keep)
    st->truncated = true;
  keep = keep < (size_t) n ? keep : (size_t) n;
  memcpy (st->buf + st->len, tmp, keep);
  st->len += keep;
  return true;
}

/* stdin for the process: a memfd holding input, or /dev/null. */
static int
input_fd (const char *input, size_t len, jail_error **err)
{
  if (input == NULL || len == 0)
    {
      int fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
      return fd < 0 ? jr_error (err, errno, "capture: /dev/null") : fd;
    }
  int fd = memfd_create ("jail-input", MFD_CLOEXEC);
  if (fd < 0)
    return jr_error (err, errno, "capture: memfd");
  for (size_t w = 0; w < len;)
    {
      ssize_t n = write (fd, input + w, len - w);
      if (n < 0)
        {
          int e = errno;
          close (fd);
          return jr_error (err, e, "capture: write input");
        }
      w += (size_t) n;
    }
  lseek (fd, 0, SEEK_SET);
  return fd;
}

/* Read both streams and wait for the answer on sock; after it, drain
 * the pipes until EOF or DRAIN_MS. */
static int
collect (int sock, struct stream *st, struct jr_rep *rep, jail_error **err)
{
  bool done = false, live[2] = { true, true };
  double until = 0;
  while (!done || live[0] || live[1])
    {
      struct pollfd p[3] = { { .fd = live[0] ? st[0].fd : -1, .events = POLLIN },
                             { .fd = live[1] ? st[1].fd : -1, .events = POLLIN },
                             { .fd = done ? -1 : sock, .events = POLLIN } };
      int left = done ? (int) ((until - now_s ()) * 1000) : -1;
      if (done && left <= 0)
        break;
      int n = poll (p, 3, left);
      if (n < 0 && errno != EINTR)
        return jr_error (err, errno, "capture: poll");
      for (int i = 0; n > 0 && i < 2; i++)
        if (p[i].revents)
          live[i] = pull (&st[i]);
      if (n > 0 && p[2].revents)
        {
          ssize_t k = recv (sock, rep, sizeof *rep, 0);
          if (k < 0 && errno == EINTR)
            continue;
          if (k != (ssize_t) sizeof *rep)
            return jr_error_msg (err, EPIPE, "capture: the jail's supervisor went away");
          if (rep->type == JR_REP_DONE)
            {
              done = true;
              until = now_s () + DRAIN_MS / 1000.0;
            }
        }
    }
  return 0;
}

/* Fill the result from the answer. */
static void
fill (jail_result *res, const struct jr_rep *rep, struct stream *st)
{
  for (int i = 0; i < 2; i++)
    {
      res->out[i] = st[i].buf;
      res->len[i] = st[i].len;
      res->out[i][st[i].len] = '\0';
      st[i].buf = NULL;
    }
  res->flags = (st[0].truncated ? JAIL_RESULT_STDOUT_TRUNCATED : 0)
               | (st[1].truncated ? JAIL_RESULT_STDERR_TRUNCATED : 0)
               | (rep->flags & JR_DONE_TIMEOUT ? JAIL_RESULT_TIMED_OUT : 0)
               | (rep->flags & JR_DONE_OOM ? JAIL_RESULT_OOM_KILLED : 0)
               | (rep->flags & JR_DONE_ERROR ? JAIL_RESULT_EXEC_FAILED : 0);
  res->status = rep->status;
  res->exit_code = rep->exit_code;
  res->sig = rep->signal;
  res->cpu = (double) (rep->utime_us + rep->stime_us) / 1e6;
  res->peak = rep->maxrss_kb * 1024;
}

/* Run the request and collect; all fds are closed on return. */
static int
run_capture (jail *j, const jail_exec_opts *o, char *const argv[], int in, struct stream *st,
             struct jr_rep *rep, jail_error **err)
{
  int po[2] = { -1, -1 }, pe[2] = { -1, -1 };
  int r = pipe2 (po, O_CLOEXEC) < 0 || pipe2 (pe, O_CLOEXEC) < 0 ? jr_error (err, errno, "capture: pipe") : 0;
  int sock = -1;
  if (r == 0)
    {
      int fds[3] = { in, po[1], pe[1] };
      sock = r = jr_exec_send (j, o, argv, fds, err);
    }
  int closeme[] = { in, po[1], pe[1] };
  for (int i = 0; i < 3; i++)
    if (closeme[i] >= 0)
      close (closeme[i]);
  st[0].fd = po[0];
  st[1].fd = pe[0];
  if (r >= 0)
    {
      fcntl (po[0], F_SETFL, O_NONBLOCK);
      fcntl (pe[0], F_SETFL, O_NONBLOCK);
      r = collect (sock, st, rep, err);
      close (sock);
    }
  if (po[0] >= 0)
    close (po[0]);
  if (pe[0] >= 0)
    close (pe[0]);
  return r;
}

int
jail_capture (jail *j, const jail_exec_opts *o, char *const argv[], const char *input, size_t input_len,
              double timeout, size_t max_output, jail_result **out, jail_error **err)
{
  if (out == NULL || max_output == 0 || max_output > (1u << 30) || !(timeout >= 0))
    return jr_error_msg (err, EINVAL, "capture: give an output cap of 1 byte to 1 GiB and a timeout >= 0");
  struct jail_exec_opts copy = { .uid = -1, .gid = -1, .fds = { -1, -1, -1 } };
  if (o)
    copy = *o;  /* shallow: only read, so o may be shared between threads */
  copy.tty = 0; /* capture has its own stdio */
  if (timeout > 0)
    copy.timeout = timeout;
  struct stream st[2] = { { .fd = -1, .cap = max_output }, { .fd = -1, .cap = max_output } };
  jail_result *res = calloc (1, sizeof *res);
  st[0].buf = malloc (max_output + 1);
  st[1].buf = malloc (max_output + 1);
  int r = res && st[0].buf && st[1].buf ? 0 : jr_error (err, ENOMEM, "capture");
  if (r == 0)
    r = jr_stdio_ensure (err); /* a closed 0-2 is never filled by our pipes or socket */
  int in = r == 0 ? input_fd (input, input_len, err) : -1;
  struct jr_rep rep = { 0 };
  double t0 = now_s ();
  if (in >= 0)
    r = run_capture (j, &copy, argv, in, st, &rep, err);
  else if (r == 0)
    r = in;
  if (r >= 0 && (rep.flags & JR_DONE_ERROR) && rep.status == 125)
    r = jr_error_msg (err, rep.err_code ? rep.err_code : EIO, "%s", rep.msg);
  if (r >= 0)
    {
      fill (res, &rep, st);
      res->wall = now_s () - t0;
      *out = res;
      r = 0;
    }
  else
    free (res);
  free (st[0].buf);
  free (st[1].buf);
  return r;
}

void
jail_result_free (jail_result *r)
{
  if (r == NULL)
    return;
  free (r->out[0]);
  free (r->out[1]);
  free (r);
}

const char *
jail_result_stdout (const jail_result *r, size_t *len)
{
  if (len)
    *len = r->len[0];
  return r->out[0];
}

const char *
jail_result_stderr (const jail_result *r, size_t *len)
{
  if (len)
    *len = r->len[1];
  return r->out[1];
}

int
jail_result_status (const jail_result *r)
{
  return r->status;
}

int
jail_result_exit_code (const jail_result *r)
{
  return r->exit_code;
}

int
jail_result_signal (const jail_result *r)
{
  return r->sig;
}

unsigned
jail_result_flags (const jail_result *r)
{
  return r->flags;
}

double
jail_result_wall_time (const jail_result *r)
{
  return r->wall;
}

double
jail_result_cpu_time (const jail_result *r)
{
  return r->cpu;
}

long long
jail_result_peak_memory (const jail_result *r)
{
  return r->peak;
}
