/* oci_sidecar.c - the egress proxy of an OCI container, asked for by the
 * annotations run.jailrun.net=proxy, run.jailrun.allow=HOST[:PORT],...
 * and run.jailrun.audit-log=PATH.  create forks a small sidecar before it
 * opens anything of its own; the sidecar keeps only its channel to create,
 * builds the proxy (jr_net_prepare: allowlist, audit log, the proxy
 * variables it sends back for the container's environment), then, given
 * the init's pidfd, builds the container's private network (jr_net_attach:
 * the netns helper, a bridge whose only way out is the proxy) and serves
 * the proxy until the init exits.  It is no daemon: it watches the init's
 * pidfd and exits with it, and delete makes sure it is gone.  In a
 * network namespace joined by path (a pod's), oci_pod.c decides whether
 * this container's sidecar builds the proxy there or shares another's. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loop.h"
#include "oci.h"
#include "state.h"

#define SC_MSG_MAX 8192

/* One reply of the sidecar: 0 or an errno, then the error message or the
 * proxy variables ("KEY=VAL\0KEY=VAL\0"). */
struct sc_msg
{
  int code;
  char text[SC_MSG_MAX];
};

/* The sidecar's loop and the init it watches. */
struct sidecar
{
  struct jr_loop loop;
  struct jr_loop_src init;
};

/* The init exited: end the loop. */
static void
on_init_exit (struct jr_loop_src *src, uint32_t events)
{
  (void) events;
  struct sidecar *s = (struct sidecar *) ((char *) src - offsetof (struct sidecar, init));
  s->loop.stop = true;
}

static void
reply (int sock, int code, const char *text, size_t len)
{
  struct sc_msg m = { .code = code };
  if (len > sizeof m.text)
    len = sizeof m.text;
  memcpy (m.text, text, len);
  (void) !send (sock, &m, offsetof (struct sc_msg, text) + len, MSG_NOSIGNAL);
}

static void
reply_err (int sock, jail_error *err)
{
  const char *msg = err ? jail_error_message (err) : "sidecar: unknown error";
  reply (sock, err && jail_error_errno (err) ? jail_error_errno (err) : EIO, msg, strlen (msg) + 1);
  jail_error_free (err);
}

/* The proxy variables jr_net_prepare set, NUL-separated. */
static size_t
proxy_vars (const jail_config *cfg, char *buf, size_t sz)
{
  size_t o = 0;
  for (size_t i = 0; i < cfg->n_env; i++)
    {
      size_t n = strlen (cfg->env[i]) + 1;
      if (o + n <= sz && (strncasecmp (cfg->env[i], "http_proxy=", 11) == 0 || strncasecmp (cfg->env[i], "https_proxy=", 12) == 0 || strncasecmp (cfg->env[i], "no_proxy=", 9) == 0))
        {
          memcpy (buf + o, cfg->env[i], n);
          o += n;
        }
    }
  return o;
}

/* The init's pid and pidfd from create (SCM_RIGHTS); -1 on EOF. */
static int
recv_init (int sock, pid_t *pid)
{
  char ctl[CMSG_SPACE (sizeof (int))];
  struct iovec iov = { .iov_base = pid, .iov_len = sizeof *pid };
  struct msghdr h = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl };
  ssize_t n;
  do
    n = recvmsg (sock, &h, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  struct cmsghdr *c = n == (ssize_t) sizeof *pid ? CMSG_FIRSTHDR (&h) : NULL;
  int fd = -1;
  if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN (sizeof (int)))
    memcpy (&fd, CMSG_DATA (c), sizeof fd);
  return fd;
}

/* Only the channel stays open, stdio becomes /dev/null, a session of its
 * own: nothing of the engine (its pipes, its sync fds) is held. */
static void
detach (int sock)
{
  if (sock > 3)
    syscall (SYS_close_range, 3u, (unsigned) sock - 1, 0u);
  syscall (SYS_close_range, (unsigned) sock + 1, ~0u, 0u);
  int null = open ("/dev/null", O_RDWR | O_CLOEXEC);
  for (int fd = 0; null >= 0 && fd < 3; fd++)
    if (fd != null)
      dup2 (null, fd);
  if (null > 2)
    close (null);
  setsid ();
  signal (SIGPIPE, SIG_IGN);
  prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/* Body of the sidecar process. */
static int
sidecar_main (jail_config *cfg, int sock, bool joined)
{
  detach (sock);
  struct jr_net *net = NULL;
  jail_error *err = NULL;
  char vars[SC_MSG_MAX];
  if (jr_config_net_prepare (cfg, &net, &err) < 0)
    {
      reply_err (sock, err);
      return 1;
    }
  if (joined)
    jr_net_netns_only (net); /* a pod's netns (oci_pod.c) */
  reply (sock, 0, vars, proxy_vars (cfg, vars, sizeof vars));
  pid_t pid;
  int pidfd = recv_init (sock, &pid);
  if (pidfd < 0)
    return 1; /* create gave up */
  struct sidecar s = { 0 };
  int r = jr_loop_init (&s.loop, &err);
  if (r == 0)
    r = jr_net_attach (net, pid, pidfd, &err);
  if (r == 0)
    r = jr_net_ready (net, &s.loop, pid, &err); /* built before create lets the init go on */
  if (r == 0 && jr_loop_add (&s.loop, &s.init, pidfd, EPOLLIN, on_init_exit) < 0)
    r = jr_error (&err, errno, "sidecar: watch the container's init");
  if (r < 0)
    reply_err (sock, err);
  else
    reply (sock, 0, "", 1);
  close (sock);
  while (r == 0 && !s.loop.stop && jr_loop_run_once (&s.loop, -1) >= 0)
    ;
  jr_net_release (net);
  jr_loop_release (&s.loop);
  return r < 0;
}

/* The audit log's path: a plain name goes to ROOT/audit (made 0700); an
 * absolute path must lie in ROOT/audit or --audit-dir, its directory
 * resolved: an engine's container must not have the runtime append to any
 * other host file. */
static int
audit_path (const struct jr_oci_ctx *ctx, const char *v, char **out, jail_error **err)
{
  char audit[PATH_MAX], dir[PATH_MAX], real[PATH_MAX];
  int rootfd cleanup_close = jr_oci_root_open (ctx, true, err);
  if (rootfd < 0)
    return rootfd;
  if (mkdirat (rootfd, "audit", 0700) < 0 && errno != EEXIST)
    return jr_error (err, errno, "state root %s: audit", ctx->root);
  snprintf (audit, sizeof audit, "%s/audit", ctx->root);
  const char *slash = strrchr (v, '/'), *base = slash ? slash + 1 : v;
  bool plain = *base && strcmp (base, ".") != 0 && strcmp (base, "..") != 0;
  if (plain && slash == NULL)
    return asprintf (out, "%s/%s", audit, v) < 0 ? jr_error (err, ENOMEM, "audit-log") : 0;
  snprintf (dir, sizeof dir, "%.*s", (int) (slash ? slash - v : 0), v);
  bool inside = false;
  const char *roots[] = { audit, ctx->audit_dir };
  for (size_t i = 0; plain && v[0] == '/' && i < 2; i++)
    {
      char top[PATH_MAX];
      size_t n;
      if (roots[i] && realpath (roots[i], top) && realpath (*dir ? dir : "/", real)
          && strncmp (real, top, (n = strlen (top))) == 0 && (real[n] == '\0' || real[n] == '/'))
        inside = true;
    }
  if (!inside)
    return jr_error_msg (err, EPERM, "config.json: annotations: run.jailrun.audit-log=%s: refused: the audit log goes in %s (give a file name) or in the folder of jailrun-oci's --audit-dir%s%s (give a path there), so that a container cannot have the runtime write to another host file",
                         v, audit, ctx->audit_dir ? " " : "", ctx->audit_dir ? ctx->audit_dir : "");
  return asprintf (out, "%s/%s", real, base) < 0 ? jr_error (err, ENOMEM, "audit-log") : 0;
}

/* The sidecar's jail_config: proxy mode, the allowlist, the audit log,
 * the container's id as the jail's name, and NO_PROXY as the engine set it
 * (jailrun's loopback names go first). */
static int
sidecar_config (const struct jr_oci_ctx *ctx, const char *id, const struct jr_oci_spec *s, jail_config **out,
                jail_error **err)
{
  int r = jail_config_new (out, err);
  jail_config *cfg = *out;
  if (r == 0)
    r = jail_config_set_network (cfg, JAIL_NET_PROXY, err);
  char *list = s->allow ? strdup (s->allow) : NULL, *save = NULL;
  for (char *t = list ? strtok_r (list, ",", &save) : NULL; r == 0 && t; t = strtok_r (NULL, ",", &save))
    {
      t += strspn (t, " \t");
      t[strcspn (t, " \t")] = '\0';
      if (*t && (r = jail_config_add_allow (cfg, t, err)) < 0)
        r = jr_error_wrap (err, "config.json: annotations: run.jailrun.allow");
    }
  free (list);
  char *log = NULL;
  if (r == 0 && s->audit_log)
    r = audit_path (ctx, s->audit_log, &log, err);
  if (r == 0 && log)
    r = jail_config_set_audit_log (cfg, log, err);
  free (log);
  for (char **e = s->env; r == 0 && *e; e++)
    if (strncasecmp (*e, "no_proxy=", 9) == 0)
      r = jail_config_set_env (cfg, *e, err);
  if (r == 0)
    jr_net_add_name (cfg, id);
  return r;
}

int
jr_oci_env_merge (struct jr_oci_spec *s, const char *vars, size_t len, jail_error **err)
{
  for (const char *v = vars; v < vars + len && *v; v += strlen (v) + 1)
    {
      size_t k = strcspn (v, "="), n = 0;
      for (size_t i = 0; s->env[i]; i++)
        if (strncmp (s->env[i], v, k + 1) == 0)
          free (s->env[i]);
        else
          s->env[n++] = s->env[i];
      char **more = realloc (s->env, (n + 2) * sizeof *more);
      if (more == NULL)
        return jr_error (err, ENOMEM, "sidecar: env");
      s->env = more;
      s->env[n] = strdup (v);
      s->env[n + 1] = NULL;
      if (s->env[n] == NULL)
        return jr_error (err, ENOMEM, "sidecar: env");
    }
  return 0;
}

/* Wait for the sidecar's reply (bounded); its error becomes ours. */
static int
await_reply (struct jr_oci_sidecar *sc, struct sc_msg *m, jail_error **err)
{
  struct pollfd p = { .fd = sc->sock, .events = POLLIN };
  ssize_t n = poll (&p, 1, 60000) == 1 ? recv (sc->sock, m, sizeof *m, 0) : -1;
  if (n < (ssize_t) offsetof (struct sc_msg, text) + 1)
    return jr_error_msg (err, EPIPE, "sidecar: the egress proxy's process ended or did not answer within 60 s");
  m->text[n - offsetof (struct sc_msg, text) - 1] = '\0';
  if (m->code)
    return jr_error_msg (err, m->code, "%s", m->text);
  return (int) (n - offsetof (struct sc_msg, text));
}

int
jr_oci_sidecar_start (const struct jr_oci_ctx *ctx, const char *id, struct jr_oci_spec *s, struct jr_oci_sidecar *sc,
                      jail_error **err)
{
  *sc = (struct jr_oci_sidecar) { .pid = -1, .sock = -1 };
  if (!s->net_proxy || s->proxy_shared)
    return 0;
  jail_config *cfg = NULL;
  int sv[2] = { -1, -1 };
  int r = sidecar_config (ctx, id, s, &cfg, err);
  if (r == 0 && socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    r = jr_error (err, errno, "sidecar: socketpair");
  if (r == 0)
    {
      fflush (NULL);
      sc->pid = fork ();
      if (sc->pid == 0)
        _exit (sidecar_main (cfg, sv[1], s->ns_join[JR_OCI_NS_NET] != NULL));
      if (sc->pid < 0)
        r = jr_error (err, errno, "sidecar: fork");
    }
  jail_config_free (cfg);
  if (sv[1] >= 0)
    close (sv[1]);
  sc->sock = sv[0];
  struct sc_msg *m = r == 0 ? malloc (sizeof *m) : NULL;
  if (r == 0 && m == NULL)
    r = jr_error (err, ENOMEM, "sidecar");
  int n = r == 0 ? await_reply (sc, m, err) : r;
  r = n < 0 ? n : jr_oci_env_merge (s, m->text, (size_t) n, err);
  free (m);
  return r;
}

int
jr_oci_sidecar_attach (struct jr_oci_sidecar *sc, pid_t pid, int pidfd, jail_error **err)
{
  if (sc->pid < 0)
    return 0;
  char ctl[CMSG_SPACE (sizeof (int))] = { 0 };
  struct iovec iov = { .iov_base = &pid, .iov_len = sizeof pid };
  struct msghdr h = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl };
  struct cmsghdr *c = CMSG_FIRSTHDR (&h);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (c), &pidfd, sizeof (int));
  if (sendmsg (sc->sock, &h, MSG_NOSIGNAL) < 0)
    return jr_error (err, errno, "sidecar: hand over the container's init");
  struct sc_msg *m = malloc (sizeof *m);
  int r = m ? await_reply (sc, m, err) : jr_error (err, ENOMEM, "sidecar");
  free (m);
  if (r >= 0)
    sc->start = jr_pid_starttime (sc->pid);
  return r < 0 ? r : 0;
}

void
jr_oci_sidecar_release (struct jr_oci_sidecar *sc, bool failed)
{
  if (sc->sock >= 0)
    close (sc->sock);
  sc->sock = -1;
  if (failed && sc->pid > 0)
    {
      kill (sc->pid, SIGKILL);
      while (waitpid (sc->pid, NULL, 0) < 0 && errno == EINTR)
        ;
      sc->pid = -1;
    }
}

void
jr_oci_sidecar_stop (pid_t pid, unsigned long long start)
{
  int fd = pid > 0 ? (int) syscall (SYS_pidfd_open, pid, 0) : -1;
  if (fd < 0)
    return;
  struct pollfd p = { .fd = fd, .events = POLLIN };
  /* It exits by itself once the init is gone; a stuck one is killed. */
  if (jr_pid_starttime (pid) == start && poll (&p, 1, 2000) == 0)
    {
      syscall (SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);
      poll (&p, 1, 2000);
    }
  close (fd);
}
