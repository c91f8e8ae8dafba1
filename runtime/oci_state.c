/* oci_state.c - host-side state of OCI containers: the state root
 * (/run/jailrun-oci as root, $XDG_RUNTIME_DIR/jailrun-oci rootless), one
 * 0700 directory per container holding state.json (pid, its start time,
 * bundle, creation time, annotations) and exec.fifo while it waits for
 * start, and the status derived from them. */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci.h"
#include "state.h"

int
jr_oci_root_default (char **out, jail_error **err)
{
  const char *xdg = getenv ("XDG_RUNTIME_DIR");
  int n;
  if (geteuid () == 0)
    n = asprintf (out, "/run/jailrun-oci");
  else if (xdg && xdg[0] == '/')
    n = asprintf (out, "%s/jailrun-oci", xdg);
  else
    n = asprintf (out, "/tmp/jailrun-oci-%u", (unsigned) geteuid ());
  if (n < 0)
    return jr_error (err, ENOMEM, "state root");
  return 0;
}

int
jr_oci_id_check (const char *id, jail_error **err)
{
  size_t n = strlen (id);
  bool ok = n > 0 && n <= 1024 && id[0] != '.';
  for (size_t i = 0; ok && i < n; i++)
    ok = (id[i] >= 'a' && id[i] <= 'z') || (id[i] >= 'A' && id[i] <= 'Z') || (id[i] >= '0' && id[i] <= '9')
         || id[i] == '_' || id[i] == '-' || id[i] == '.' || id[i] == '+';
  if (!ok)
    return jr_error_msg (err, EINVAL, "container id '%s': use letters, digits and _ - . + (not starting with a dot)", id);
  return 0;
}

int
jr_oci_root_open (const struct jr_oci_ctx *c, bool create, jail_error **err)
{
  /* Engines pass roots whose parents may not exist yet (mkdir -p). */
  char path[4096];
  if (create && (size_t) snprintf (path, sizeof path, "%s", c->root) < sizeof path)
    for (char *p = path + 1; *p; p++)
      if (*p == '/')
        {
          *p = '\0';
          if (mkdir (path, 0711) < 0 && errno != EEXIST)
            return jr_error (err, errno, "state root %s (--root): mkdir %s", c->root, path);
          *p = '/';
        }
  if (create && mkdir (c->root, 0700) < 0 && errno != EEXIST)
    return jr_error (err, errno, "state root %s (--root)", c->root);
  int fd = open (c->root, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return jr_error (err, errno, "state root %s (--root)", c->root);
  struct stat st;
  if (fstat (fd, &st) < 0 || st.st_uid != geteuid () || (st.st_mode & 022))
    {
      close (fd);
      return jr_error_msg (err, EPERM, "state root %s: not a directory you own and only you may write: fix it or pass another --root", c->root);
    }
  return fd;
}

static const char *
str_of (json_object *o, const char *key)
{
  json_object *v;
  return json_object_object_get_ex (o, key, &v) ? json_object_get_string (v) : NULL;
}

/* Parse state.json of the directory st->dirfd. */
static int
parse_state (const char *id, struct jr_oci_state *st, jail_error **err)
{
  int fd cleanup_close = openat (st->dirfd, "state.json", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  char buf[65536];
  ssize_t n = fd < 0 ? -1 : read (fd, buf, sizeof buf - 1);
  if (n < 0)
    return jr_error (err, errno, "container %s: state.json", id);
  buf[n] = '\0';
  json_object *o = json_tokener_parse (buf);
  json_object *v;
  if (o == NULL || !json_object_object_get_ex (o, "pid", &v))
    {
      json_object_put (o);
      return jr_error_msg (err, EINVAL, "container %s: state.json is damaged: delete --force it", id);
    }
  st->pid = (pid_t) json_object_get_int (v);
  st->starttime = json_object_object_get_ex (o, "starttime", &v) ? json_object_get_uint64 (v) : 0;
  st->cap_bnd = json_object_object_get_ex (o, "capBounding", &v) ? json_object_get_uint64 (v) : 0;
  st->id_slot = json_object_object_get_ex (o, "idSlot", &v) ? json_object_get_int (v) : -1;
  st->sidecar = json_object_object_get_ex (o, "sidecar", &v) ? (pid_t) json_object_get_int (v) : 0;
  st->sidecar_start = json_object_object_get_ex (o, "sidecarStart", &v) ? json_object_get_uint64 (v) : 0;
  st->bundle = strdup (str_of (o, "bundle") ? str_of (o, "bundle") : "");
  st->created = strdup (str_of (o, "created") ? str_of (o, "created") : "");
  json_object *ann = json_object_object_get_ex (o, "annotations", &v) ? v : NULL;
  st->annotations_json = strdup (ann ? json_object_to_json_string_ext (ann, JSON_C_TO_STRING_PLAIN) : "{}");
  if (str_of (o, "cgroup"))
    st->cgroup = strdup (str_of (o, "cgroup"));
  if (str_of (o, "cgroupMade"))
    st->cgroup_made = strdup (str_of (o, "cgroupMade"));
  if (str_of (o, "systemdScope"))
    st->scope = strdup (str_of (o, "systemdScope"));
  if (str_of (o, "podNetns"))
    st->pod_netns = strdup (str_of (o, "podNetns"));
  if (json_object_object_get_ex (o, "hooks", &v))
    st->hooks_json = strdup (json_object_to_json_string_ext (v, JSON_C_TO_STRING_PLAIN));
  json_object_put (o);
  if (!st->bundle || !st->created || !st->annotations_json)
    return jr_error (err, ENOMEM, "state");
  return 0;
}

int
jr_oci_state_load (const struct jr_oci_ctx *c, const char *id, struct jr_oci_state *st, jail_error **err)
{
  memset (st, 0, sizeof *st);
  st->dirfd = -1;
  int r = jr_oci_id_check (id, err);
  int root cleanup_close = r == 0 ? jr_oci_root_open (c, false, err) : -1;
  if (root < 0)
    return r < 0 ? r : root;
  st->dirfd = openat (root, id, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (st->dirfd < 0 && errno == ENOENT)
    return jr_error_msg (err, ENOENT, "container %s does not exist (state root %s)", id, c->root);
  if (st->dirfd < 0)
    return jr_error (err, errno, "container %s", id);
  r = parse_state (id, st, err);
  if (r < 0)
    return r;
  unsigned long long now = st->pid > 0 ? jr_pid_starttime (st->pid) : 0;
  if (now == 0 || now != st->starttime)
    st->status = JR_OCI_STOPPED;
  else if (faccessat (st->dirfd, "exec.fifo", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
    st->status = JR_OCI_CREATED;
  else
    st->status = st->cgroup && jr_oci_cgroup_frozen (st->cgroup) == 1 ? JR_OCI_PAUSED : JR_OCI_RUNNING;
  return 0;
}

void
jr_oci_state_free (struct jr_oci_state *st)
{
  free (st->bundle);
  free (st->created);
  free (st->annotations_json);
  free (st->hooks_json);
  free (st->cgroup);
  free (st->cgroup_made);
  free (st->scope);
  free (st->pod_netns);
  if (st->dirfd >= 0)
    close (st->dirfd);
  memset (st, 0, sizeof *st);
  st->dirfd = -1;
}

const char *
jr_oci_status_name (enum jr_oci_status s)
{
  return s == JR_OCI_CREATED ? "created" : s == JR_OCI_RUNNING ? "running"
                                       : s == JR_OCI_PAUSED    ? "paused"
                                                               : "stopped";
}

char *
jr_oci_state_json (const char *id, const struct jr_oci_state *st)
{
  json_object *o = json_object_new_object ();
  json_object_object_add (o, "ociVersion", json_object_new_string (JR_OCI_VERSION));
  json_object_object_add (o, "id", json_object_new_string (id));
  json_object_object_add (o, "status", json_object_new_string (jr_oci_status_name (st->status)));
  json_object_object_add (o, "pid", json_object_new_int (st->status == JR_OCI_STOPPED ? 0 : st->pid));
  json_object_object_add (o, "bundle", json_object_new_string (st->bundle));
  json_object_object_add (o, "created", json_object_new_string (st->created));
  json_object *ann = json_tokener_parse (st->annotations_json);
  json_object_object_add (o, "annotations", ann ? ann : json_object_new_object ());
  char *out = strdup (json_object_to_json_string_ext (o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
  json_object_put (o);
  return out;
}

int
jr_oci_write_atomic (int dirfd, const char *file, const char *text, mode_t mode, jail_error **err)
{
  char tmp[4200];
  if ((size_t) snprintf (tmp, sizeof tmp, "%s.tmp%d", file, (int) getpid ()) >= sizeof tmp)
    return jr_error_msg (err, ENAMETOOLONG, "%s: path too long", file);
  int fd = openat (dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0)
    return jr_error (err, errno, "%s", tmp);
  size_t len = strlen (text);
  bool ok = write (fd, text, len) == (ssize_t) len;
  int saved = errno;
  close (fd);
  if (!ok || renameat (dirfd, tmp, dirfd, file) < 0)
    {
      saved = ok ? errno : saved;
      unlinkat (dirfd, tmp, 0);
      return jr_error (err, saved, "%s", file);
    }
  return 0;
}

int
jr_oci_state_remove (const struct jr_oci_ctx *c, const char *id, jail_error **err)
{
  static const char *const files[] = { "exec.fifo", "state.json", "seccomp.json", NULL };
  int root cleanup_close = jr_oci_root_open (c, false, err);
  if (root < 0)
    return root;
  int dir cleanup_close = openat (root, id, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dir < 0)
    return errno == ENOENT ? 0 : jr_error (err, errno, "container %s", id);
  for (size_t i = 0; files[i]; i++)
    if (unlinkat (dir, files[i], 0) < 0 && errno != ENOENT)
      return jr_error (err, errno, "container %s: remove %s", id, files[i]);
  if (unlinkat (root, id, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return jr_error (err, errno, "container %s: remove its state directory", id);
  return 0;
}

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

int
jr_oci_list (const struct jr_oci_ctx *c, char ***ids, size_t *n, jail_error **err)
{
  *ids = NULL;
  *n = 0;
  struct stat sb;
  if (lstat (c->root, &sb) < 0 && errno == ENOENT)
    return 0; /* no container made yet */
  int path cleanup_close = jr_oci_root_open (c, false, err);
  if (path < 0)
    return path;
  int root = openat (path, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *d = root < 0 ? NULL : fdopendir (root);
  if (d == NULL)
    {
      int e = errno;
      if (root >= 0)
        close (root);
      return jr_error (err, e, "state root %s (--root)", c->root);
    }
  struct dirent *de;
  while ((de = readdir (d)) != NULL)
    {
      char sj[300];
      snprintf (sj, sizeof sj, "%.255s/state.json", de->d_name);
      if (de->d_name[0] == '.' || jr_oci_id_check (de->d_name, NULL) < 0
          || faccessat (dirfd (d), sj, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
        continue;
      char **more = realloc (*ids, (*n + 1) * sizeof **ids);
      char *id = more ? strdup (de->d_name) : NULL;
      if (more)
        *ids = more;
      if (id == NULL)
        {
          closedir (d);
          return jr_error (err, ENOMEM, "list");
        }
      (*ids)[(*n)++] = id;
    }
  closedir (d);
  if (*n)
    qsort (*ids, *n, sizeof **ids, cmp_str);
  return 0;
}
