/* health.c - the healthcheck a detached supervisor runs: every interval,
 * /bin/sh -c CMD in the jail through the exec path (the jail's
 * namespaces, cgroup, user, capabilities and seccomp filter), killed after
 * the timeout; retries consecutive failures make the jail unhealthy, a
 * success makes it healthy, failures within the start period do not
 * count.  Docker's meanings and defaults (30 s, 30 s, 3, 0 s). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "health.h"
#include "loop.h"

#define OUTPUT_MAX 1024

struct jr_health
{
  const struct jr_health_cfg *c;
  struct jr_exec_spec x;
  int timerfd;
  pid_t pid;           /* the check running, -1 = none */
  int pidfd, out, msg; /* its pidfd, the read end of its output, exec's message fd */
  bool timed_out;
  double started;     /* CLOCK_MONOTONIC of the supervisor's start */
  const char *status; /* starting | healthy | unhealthy */
  int failing, last_exit;
  char output[OUTPUT_MAX];
};

void
jr_health_cfg_free (struct jr_health_cfg *c)
{
  if (c == NULL)
    return;
  free (c->cmd);
  free (c);
}

static double
mono (void)
{
  struct timespec t;
  clock_gettime (CLOCK_MONOTONIC, &t);
  return (double) t.tv_sec + (double) t.tv_nsec / 1e9;
}

/* Fire once after seconds. */
static void
arm (struct jr_health *h, double seconds)
{
  jr_timer_set (h->timerfd, seconds, 0);
}

struct jr_health *
jr_health_new (const struct jail_config *cfg, const struct jr_exec_spec *x)
{
  if (cfg->health == NULL || cfg->health->cmd == NULL)
    return NULL;
  struct jr_health *h = calloc (1, sizeof *h);
  if (h == NULL)
    return NULL;
  *h = (struct jr_health) { .c = cfg->health, .x = *x, .pid = -1, .pidfd = -1, .out = -1, .msg = -1, .status = "starting", .started = mono (), .last_exit = -1 };
  h->timerfd = jr_timer_new (h->c->interval, 0);
  if (h->timerfd < 0)
    {
      free (h);
      return NULL;
    }
  return h;
}

int
jr_health_timerfd (const struct jr_health *h)
{
  return h->timerfd;
}

/* Start one check; its pidfd or -1 (counted as a failure at once). */
static int
start_check (struct jr_health *h)
{
  int p[2];
  char *argv[] = { "/bin/sh", "-c", h->c->cmd, NULL };
  int nul = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  if (nul < 0 || pipe2 (p, O_CLOEXEC | O_NONBLOCK) < 0)
    {
      if (nul >= 0)
        close (nul);
      return -1;
    }
  struct jr_exec_spec x = h->x;
  x.argv = argv;
  x.env = x.cfg->env;
  x.workdir = x.cfg->workdir;
  x.fds[0] = nul, x.fds[1] = p[1], x.fds[2] = p[1];
  int r = jr_exec_spawn (&x, &h->pid, &h->msg, NULL);
  close (nul);
  close (p[1]);
  h->pidfd = r == 0 ? (int) syscall (SYS_pidfd_open, h->pid, 0) : -1;
  if (h->pidfd < 0)
    {
      if (r == 0)
        {
          kill (h->pid, SIGKILL);
          waitpid (h->pid, NULL, __WALL);
          close (h->msg);
        }
      close (p[0]);
      h->pid = -1;
      return -1;
    }
  h->out = p[0];
  h->timed_out = false;
  arm (h, h->c->timeout);
  return h->pidfd;
}

/* One check's result: update the status. */
static void
record (struct jr_health *h, bool ok)
{
  if (ok)
    h->failing = 0, h->status = "healthy";
  else if (mono () - h->started >= h->c->start_period || strcmp (h->status, "starting") != 0)
    {
      if (++h->failing >= h->c->retries)
        h->status = "unhealthy";
    }
}

int
jr_health_on_timer (struct jr_health *h)
{
  jr_timer_read (h->timerfd);
  if (h->pid > 0)
    {
      /* Overran its timeout: kill it; its exit records the failure. */
      h->timed_out = true;
      syscall (SYS_pidfd_send_signal, h->pidfd, SIGKILL, NULL, 0);
      kill (-h->pid, SIGKILL);
      return -1;
    }
  int fd = start_check (h);
  if (fd < 0)
    {
      snprintf (h->output, sizeof h->output, "the check could not be started");
      record (h, false);
      arm (h, h->c->interval);
    }
  return fd;
}

void
jr_health_on_exit (struct jr_health *h)
{
  int ws = 0;
  if (waitpid (h->pid, &ws, __WALL) < 0)
    ws = 0x7f00 | SIGKILL;
  ssize_t n = read (h->out, h->output, sizeof h->output - 1);
  while (n > 0 && (h->output[n - 1] == '\n' || h->output[n - 1] == ' '))
    n--;
  h->output[n > 0 ? n : 0] = '\0';
  if (h->timed_out)
    snprintf (h->output, sizeof h->output, "timed out after %g s", h->c->timeout);
  h->last_exit = WIFEXITED (ws) ? WEXITSTATUS (ws) : 128 + WTERMSIG (ws);
  close (h->pidfd);
  close (h->out);
  close (h->msg);
  h->pid = h->pidfd = h->out = h->msg = -1;
  record (h, !h->timed_out && WIFEXITED (ws) && WEXITSTATUS (ws) == 0);
  arm (h, h->c->interval);
}

void
jr_health_kv (const struct jr_health *h, FILE *f)
{
  jr_kv (f, "health", "%s", h->status);
  jr_kv (f, "health_failing", "%d", h->failing);
  jr_kv (f, "health_exit", "%d", h->last_exit);
  jr_kv (f, "health_output", "%s", h->output);
}

void
jr_health_free (struct jr_health *h)
{
  if (h == NULL)
    return;
  if (h->pid > 0)
    {
      syscall (SYS_pidfd_send_signal, h->pidfd, SIGKILL, NULL, 0);
      waitpid (h->pid, NULL, __WALL);
      close (h->pidfd);
      close (h->out);
      close (h->msg);
    }
  close (h->timerfd);
  free (h);
}

/* Docker's duration: a number with ms, s, m or h (seconds when bare). */
static double
duration (const char *v)
{
  char *end;
  errno = 0;
  double d = v ? strtod (v, &end) : -1;
  if (v == NULL || errno || end == v || !(d >= 0))
    return -1;
  if (strcmp (end, "ms") == 0)
    return d / 1000;
  if (*end == '\0' || strcmp (end, "s") == 0)
    return d;
  if (strcmp (end, "m") == 0)
    return d * 60;
  if (strcmp (end, "h") == 0)
    return d * 3600;
  return -1;
}

int
jail_config_set_health (jail_config *cfg, const char *key, const char *value, jail_error **err)
{
  if (cfg->health == NULL)
    {
      cfg->health = calloc (1, sizeof *cfg->health);
      if (cfg->health == NULL)
        return jr_error (err, ENOMEM, "health");
      *cfg->health = (struct jr_health_cfg) { .interval = 30, .timeout = 30, .retries = 3 };
    }
  struct jr_health_cfg *c = cfg->health;
  const char *k = key ? key : "";
  double d = duration (value);
  char *end = NULL;
  long n = value ? strtol (value, &end, 10) : -1;
  if (strcmp (k, "cmd") == 0 && value && *value)
    return (free (c->cmd), c->cmd = strdup (value)) ? 0 : jr_error (err, ENOMEM, "health");
  if (strcmp (k, "retries") == 0 && end && !*end && n >= 1 && n <= 1000)
    return c->retries = (int) n, 0;
  bool dur = d >= 0 && d <= 86400;
  if (strcmp (k, "interval") == 0 && dur && d >= 0.001)
    return c->interval = d, 0;
  if (strcmp (k, "timeout") == 0 && dur && d >= 0.001)
    return c->timeout = d, 0;
  if (strcmp (k, "start-period") == 0 && dur)
    return c->start_period = d, 0;
  if (strcmp (k, "cmd") == 0)
    return jr_error_msg (err, EINVAL, "health-cmd: empty command");
  if (strcmp (k, "retries") == 0)
    return jr_error_msg (err, EINVAL, "health-retries '%s': a whole number from 1 to 1000", value ? value : "");
  if (strcmp (k, "interval") == 0 || strcmp (k, "timeout") == 0 || strcmp (k, "start-period") == 0)
    return jr_error_msg (err, EINVAL, "health-%s '%s': a duration like 500ms, 30s, 2m or 1h (at most 24h%s)", k,
                         value ? value : "", strcmp (k, "start-period") == 0 ? "" : ", at least 1ms");
  return jr_error_msg (err, EINVAL, "health: unknown setting '%s' (cmd, interval, timeout, retries, start-period)", k);
}
