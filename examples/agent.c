/* agent.c - what the sandboxed-agent recipes do with docker compose, in
 * one process over libjail: start one long-running jail (no network, the
 * host root read-only, a workspace directory mounted rw, 512 MiB, half a
 * core, 64 tasks), then run a series of Python snippets in it, each with
 * a time limit and capped, captured output.
 *
 *   cc agent.c $(pkg-config --cflags --libs libjail) -o agent
 *   ./agent /tmp/workspace
 *
 * The limits need cgroup v2 controllers; where the host lacks them (a
 * hybrid v1/v2 host) the example runs best-effort and says what is not
 * enforced. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jail.h>

static const char *const snippets[] = {
  "print(sum(range(10)))",
  "import os; print('uid', os.getuid(), 'cwd', os.getcwd())",
  "open('notes.txt', 'w').write('kept in the workspace\\n'); print('wrote notes.txt')",
  "import socket; print('interfaces', [n for _, n in socket.if_nameindex()])",
  "import time; time.sleep(60)",          /* killed by the time limit */
  "raise SystemExit('bad snippet')",      /* exit status 1, message on stderr */
};

/* Print a failed call's message and free it. */
static int
fail (const char *what, jail_error *err)
{
  fprintf (stderr, "agent: %s: %s\n", what, err ? jail_error_message (err) : "failed");
  jail_error_free (err);
  return 1;
}

int
main (int argc, char **argv)
{
  if (argc != 2)
    {
      fprintf (stderr, "usage: %s WORKSPACE_DIR\n", argv[0]);
      return 2;
    }
  jail_config *cfg = NULL;
  jail_error *err = NULL;
  jail *j = NULL;
  char vol[4096];
  snprintf (vol, sizeof vol, "%s:/mnt/workspace", argv[1]);
  char *sleeper[] = { "sleep", "infinity", NULL };
  if (jail_config_new (&cfg, &err) < 0 || jail_config_set_rootfs (cfg, "/", &err) < 0
      || jail_config_set_network (cfg, JAIL_NET_NONE, &err) < 0 || jail_config_add_volume (cfg, vol, &err) < 0
      || jail_config_set_workdir (cfg, "/mnt/workspace", &err) < 0
      || jail_config_set_memory (cfg, "512m", &err) < 0 || jail_config_set_cpus (cfg, 0.5, &err) < 0
      || jail_config_set_pids_limit (cfg, 64, &err) < 0
      || jail_config_set_limits_mode (cfg, JAIL_LIMITS_BEST_EFFORT, &err) < 0)
    {
      jail_config_free (cfg);
      return fail ("configure", err);
    }
  char *warning = NULL;
  if (jail_limits_check (cfg, &warning, NULL) == 0 && warning)
    fprintf (stderr, "agent: %s\n", warning);
  free (warning);
  if (jail_start (cfg, NULL, sleeper, 0, &j, &err) < 0)
    {
      jail_config_free (cfg);
      return fail ("start", err);
    }
  int failed = 0;
  char *py[] = { "python3", "-", NULL };
  for (size_t i = 0; i < sizeof snippets / sizeof *snippets; i++)
    {
      jail_result *r = NULL;
      if (jail_capture (j, NULL, py, snippets[i], strlen (snippets[i]), 2.0, 64 * 1024, &r, &err) < 0)
        {
          failed = fail ("capture", err);
          err = NULL;
          continue;
        }
      printf ("--- snippet %zu: status %d%s, %.3f s wall, %.3f s cpu\n", i + 1, jail_result_status (r),
              jail_result_flags (r) & JAIL_RESULT_TIMED_OUT ? " (time limit)" : "", jail_result_wall_time (r),
              jail_result_cpu_time (r));
      if (*jail_result_stdout (r, NULL))
        printf ("stdout: %s", jail_result_stdout (r, NULL));
      if (*jail_result_stderr (r, NULL))
        printf ("stderr: %s", jail_result_stderr (r, NULL));
      jail_result_free (r);
    }
  jail_close (j); /* stops the jail */
  jail_config_free (cfg);
  return failed;
}
