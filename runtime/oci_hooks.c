/* oci_hooks.c - config.json hooks: prestart and createRuntime (create,
 * once the container is built), poststart (start) and poststop (delete)
 * run in the runtime's namespaces; createContainer (before pivot_root)
 * and startContainer (just before the process's execve) are run by the
 * container's init in the container's namespaces.  Each hook gets the
 * state JSON on stdin and is bounded by its timeout (120 s when none is
 * given). */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oci.h"

#define HOOK_TIMEOUT_DEFAULT 120

/* A NULL-terminated vector of the strings of array a, or of dflt. */
static char **
strv (json_object *a, const char *dflt)
{
  size_t n = a && json_object_is_type (a, json_type_array) ? json_object_array_length (a) : 0;
  char **v = calloc (n + 2, sizeof *v);
  if (v == NULL)
    return NULL;
  for (size_t i = 0; i < n; i++)
    v[i] = (char *) json_object_get_string (json_object_array_get_idx (a, i));
  if (n == 0 && dflt)
    v[0] = (char *) dflt;
  return v;
}

/* Fork the hook with state on a pipe as stdin; wait up to timeout s. */
static int
run_one (const char *path, char **argv, char **envp, int timeout, const char *state, const char *what, jail_error **err)
{
  int p[2];
  if (pipe2 (p, O_CLOEXEC) < 0)
    return jr_error (err, errno, "%s: pipe", what);
  fflush (NULL);
  pid_t pid = fork ();
  if (pid == 0)
    {
      dup2 (p[0], 0);
      execve (path, argv, envp);
      dprintf (2, "jailrun-oci: %s: exec %s: %s\n", what, path, strerror (errno));
      _exit (127);
    }
  close (p[0]);
  if (pid < 0)
    {
      close (p[1]);
      return jr_error (err, errno, "%s: fork", what);
    }
  /* A hook that does not read its stdin must not kill the runtime (or
   * the container's init, whose process must keep SIGPIPE's default). */
  struct sigaction ign = { .sa_handler = SIG_IGN }, old;
  sigaction (SIGPIPE, &ign, &old);
  (void) !write (p[1], state, strlen (state));
  close (p[1]);
  sigaction (SIGPIPE, &old, NULL);
  int pfd = (int) syscall (SYS_pidfd_open, pid, 0);
  struct pollfd pf = { .fd = pfd, .events = POLLIN };
  bool late = pfd >= 0 && poll (&pf, 1, timeout * 1000) == 0;
  if (late)
    kill (pid, SIGKILL);
  if (pfd >= 0)
    close (pfd);
  int ws;
  while (waitpid (pid, &ws, 0) < 0 && errno == EINTR)
    ;
  if (late)
    return jr_error_msg (err, ETIMEDOUT, "%s %s: killed after its timeout of %d s", what, path, timeout);
  if (!WIFEXITED (ws) || WEXITSTATUS (ws) != 0)
    return jr_error_msg (err, ECANCELED, "%s %s: failed (%s %d)", what, path,
                         WIFEXITED (ws) ? "exit status" : "signal", WIFEXITED (ws) ? WEXITSTATUS (ws) : WTERMSIG (ws));
  return 0;
}

int
jr_oci_hooks_run (const char *hooks_json, const char *kind, const char *state, jail_error **err)
{
  if (hooks_json == NULL)
    return 0;
  json_object *h = json_tokener_parse (hooks_json), *list = NULL;
  if (h == NULL || !json_object_object_get_ex (h, kind, &list) || !json_object_is_type (list, json_type_array))
    {
      json_object_put (h);
      return 0;
    }
  int r = 0;
  for (size_t i = 0; r == 0 && i < json_object_array_length (list); i++)
    {
      json_object *e = json_object_array_get_idx (list, i), *v;
      const char *path = json_object_object_get_ex (e, "path", &v) ? json_object_get_string (v) : NULL;
      char what[64];
      snprintf (what, sizeof what, "hooks.%s[%zu]", kind, i);
      if (path == NULL || path[0] != '/')
        {
          r = jr_error_msg (err, EINVAL, "%s: path must be absolute", what);
          break;
        }
      int timeout = json_object_object_get_ex (e, "timeout", &v) ? json_object_get_int (v) : HOOK_TIMEOUT_DEFAULT;
      json_object *a = NULL, *en = NULL;
      json_object_object_get_ex (e, "args", &a);
      json_object_object_get_ex (e, "env", &en);
      char **argv = strv (a, path), **envp = strv (en, NULL);
      r = argv && envp ? run_one (path, argv, envp, timeout > 0 ? timeout : HOOK_TIMEOUT_DEFAULT, state, what, err)
                       : jr_error (err, ENOMEM, "%s", what);
      free (argv);
      free (envp);
    }
  json_object_put (h);
  return r;
}
