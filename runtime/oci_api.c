/* oci_api.c - the public face of the OCI runtime (jail.h's jail_oci_*):
 * a handle over struct jr_oci_ctx, the option structs checked by size and
 * copied into oci.h's, the state as an opaque object.  Only wrapping: the
 * verbs themselves are oci_create.c, oci_exec.c, oci_verbs.c and
 * oci_state.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "oci.h"

struct jail_oci
{
  struct jr_oci_ctx ctx; /* points into root and audit_dir */
  char *root, *audit_dir;
};

struct jail_oci_state
{
  char *id;
  struct jr_oci_state st;
};

int
jail_oci_open (const char *root, jail_oci **out, jail_error **err)
{
  *out = NULL;
  jail_oci *o = calloc (1, sizeof *o);
  if (o == NULL)
    return jr_error (err, ENOMEM, "oci");
  int r = root ? ((o->root = strdup (root)) ? 0 : jr_error (err, ENOMEM, "oci")) : jr_oci_root_default (&o->root, err);
  if (r < 0)
    {
      free (o);
      return r;
    }
  o->ctx.root = o->root;
  *out = o;
  return 0;
}

void
jail_oci_close (jail_oci *oci)
{
  if (oci == NULL)
    return;
  free (oci->root);
  free (oci->audit_dir);
  free (oci);
}

int
jail_oci_set_cgroups (jail_oci *oci, int mode, jail_error **err)
{
  if (mode < JAIL_OCI_CGROUPS_DISABLED || mode > JAIL_OCI_CGROUPS_SYSTEMD)
    return jr_error_msg (err, EINVAL, "jail_oci_set_cgroups: mode %d: give 0 (disabled), 1 (cgroupfs) or 2 (systemd)", mode);
  oci->ctx.cgroups_disabled = mode == JAIL_OCI_CGROUPS_DISABLED;
  oci->ctx.systemd_cgroup = mode == JAIL_OCI_CGROUPS_SYSTEMD;
  return 0;
}

int
jail_oci_set_audit_dir (jail_oci *oci, const char *dir, jail_error **err)
{
  if (dir == NULL || dir[0] != '/')
    return jr_error_msg (err, EINVAL, "--audit-dir %s: give an absolute path", dir ? dir : "(null)");
  char *copy = strdup (dir);
  if (copy == NULL)
    return jr_error (err, ENOMEM, "--audit-dir");
  free (oci->audit_dir);
  oci->audit_dir = copy;
  oci->ctx.audit_dir = copy;
  return 0;
}

const char *
jail_oci_version (void)
{
  return JR_OCI_VERSION;
}

int
jail_oci_features (char **json, jail_error **err)
{
  *json = jr_oci_features_json ();
  return *json ? 0 : jr_error (err, ENOMEM, "features");
}

/* Copy the caller's option struct (its first member its size) into dst
 * (size known, zeroed first): at least min bytes; a larger struct only
 * when the members this library does not know are all zero. */
static int
opts_copy (void *dst, size_t known, size_t min, const void *src, const char *what, jail_error **err)
{
  memset (dst, 0, known);
  if (src == NULL)
    return 0;
  size_t size = *(const size_t *) src;
  if (size < min)
    return jr_error_msg (err, EINVAL, "%s: size %zu: set it to sizeof the struct", what, size);
  for (size_t i = known; i < size; i++)
    if (((const unsigned char *) src)[i] != 0)
      return jr_error_msg (err, E2BIG, "%s: a member this libjail does not know is set (byte %zu)", what, i);
  memcpy (dst, src, size < known ? size : known);
  return 0;
}

int
jail_oci_create (jail_oci *oci, const char *id, const struct jail_oci_create_opts *opts, jail_error **err)
{
  struct jail_oci_create_opts o;
  int r = opts_copy (&o, sizeof o, sizeof o, opts, "jail_oci_create_opts", err);
  if (r < 0)
    return r;
  struct jr_oci_create_opts co = { .bundle = o.bundle, .pid_file = o.pid_file, .console_socket = o.console_socket, .preserve_fds = o.preserve_fds };
  return jr_oci_create (&oci->ctx, id, &co, err);
}

int
jail_oci_start (jail_oci *oci, const char *id, jail_error **err)
{
  return jr_oci_start (&oci->ctx, id, err);
}

int
jail_oci_kill (jail_oci *oci, const char *id, const char *signal, int all, jail_error **err)
{
  return jr_oci_kill (&oci->ctx, id, signal, all != 0, err);
}

int
jail_oci_delete (jail_oci *oci, const char *id, int force, jail_error **err)
{
  return jr_oci_delete (&oci->ctx, id, force != 0, err);
}

int
jail_oci_pause (jail_oci *oci, const char *id, jail_error **err)
{
  return jr_oci_pause (&oci->ctx, id, false, err);
}

int
jail_oci_resume (jail_oci *oci, const char *id, jail_error **err)
{
  return jr_oci_pause (&oci->ctx, id, true, err);
}

int
jail_oci_update (jail_oci *oci, const char *id, const char *resources_json, jail_error **err)
{
  return jr_oci_update (&oci->ctx, id, resources_json, err);
}

int
jail_oci_ps (jail_oci *oci, const char *id, pid_t *pids, size_t *n, jail_error **err)
{
  return jr_oci_ps (&oci->ctx, id, pids, n, err);
}

int
jail_oci_exec (jail_oci *oci, const char *id, const struct jail_oci_exec_opts *opts, int *status, jail_error **err)
{
  struct jail_oci_exec_opts o;
  int r = opts_copy (&o, sizeof o, sizeof o, opts, "jail_oci_exec_opts", err);
  if (r < 0)
    return r;
  struct jr_oci_exec_opts eo = { .process = o.process, .args = (char **) o.args, .pid_file = o.pid_file, .console_socket = o.console_socket, .detach = o.detach != 0, .tty = o.tty != 0, .preserve_fds = o.preserve_fds };
  return jr_oci_exec (&oci->ctx, id, &eo, status, err);
}

int
jail_oci_list (jail_oci *oci, char ***ids, jail_error **err)
{
  size_t n = 0;
  *ids = NULL;
  int r = jr_oci_list (&oci->ctx, ids, &n, err);
  if (r < 0)
    return r;
  char **v = realloc (*ids, (n + 1) * sizeof *v); /* room for the NULL */
  if (v == NULL)
    {
      for (size_t i = 0; i < n; i++)
        free ((*ids)[i]);
      free (*ids);
      *ids = NULL;
      return jr_error (err, ENOMEM, "list");
    }
  v[n] = NULL;
  *ids = v;
  return (int) n;
}

int
jail_oci_state_load (jail_oci *oci, const char *id, jail_oci_state **out, jail_error **err)
{
  *out = NULL;
  jail_oci_state *s = calloc (1, sizeof *s);
  if (s == NULL || (s->id = strdup (id)) == NULL)
    {
      free (s);
      return jr_error (err, ENOMEM, "state");
    }
  int r = jr_oci_state_load (&oci->ctx, id, &s->st, err);
  if (r < 0)
    {
      jail_oci_state_free (s);
      return r;
    }
  *out = s;
  return 0;
}

void
jail_oci_state_free (jail_oci_state *st)
{
  if (st == NULL)
    return;
  jr_oci_state_free (&st->st);
  free (st->id);
  free (st);
}

int
jail_oci_state_json (const jail_oci_state *st, char **json, jail_error **err)
{
  *json = jr_oci_state_json (st->id, &st->st);
  return *json ? 0 : jr_error (err, ENOMEM, "state");
}

const char *
jail_oci_state_status (const jail_oci_state *st)
{
  return jr_oci_status_name (st->st.status);
}

pid_t
jail_oci_state_pid (const jail_oci_state *st)
{
  return st->st.status == JR_OCI_STOPPED ? 0 : st->st.pid;
}

const char *
jail_oci_state_bundle (const jail_oci_state *st)
{
  return st->st.bundle;
}

const char *
jail_oci_state_created (const jail_oci_state *st)
{
  return st->st.created;
}
