/* oci_pod.c - run.jailrun.net=proxy in a network namespace the container
 * joins by path: a Kubernetes pod's (its pause container's, made by CNI),
 * podman's pod, or one made with `ip netns add`.  Every container of the
 * pod shares that namespace, so the egress proxy is set up once per
 * namespace: the first container that asks for it claims the namespace
 * (ROOT/netns/KEY, KEY its device and inode) and its sidecar puts the
 * private network's veth there (from the initial user namespace: the
 * namespace belongs to another one than the container's); a later
 * container with the same allowlist and audit log shares that live proxy
 * (its proxy variables, no sidecar of its own); with other annotations it
 * is refused, since one namespace cannot have two allowlists.  A namespace
 * that already has ordinary egress (a route through any interface but lo)
 * is refused: the allowlist would be a lie.  The proxy lives as long as
 * the container that claimed the namespace (in a pod: the pause
 * container, which carries the pod's annotations too). */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "hostfile.h"
#include "oci.h"
#include "state.h"

/* The first interface other than lo that a route of the routing file
 * (/proc/net/route: first column; ipv6_route: last) goes through. */
static bool
route_dev (const char *file, bool last, char *dev, size_t sz)
{
  FILE *f = fopen (file, "re");
  char line[512];
  bool found = false;
  for (int n = 0; f && !found && fgets (line, sizeof line, f); n++)
    {
      char *tok = NULL, *save = NULL, *t;
      for (t = strtok_r (line, " \t\n", &save); t; t = strtok_r (NULL, " \t\n", &save))
        if (tok == NULL || last)
          tok = t;
      if (tok && (last || n > 0) && strcmp (tok, "lo") != 0)
        found = true, snprintf (dev, sz, "%s", tok);
    }
  if (f)
    fclose (f);
  return found;
}

/* Has the namespace at path a route out (through dev)?  1, 0, -errno. */
static int
has_egress (const char *path, char *dev, size_t sz, jail_error **err)
{
  int own cleanup_close = open ("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  int fd cleanup_close = open (path, O_RDONLY | O_CLOEXEC);
  if (own < 0 || fd < 0 || setns (fd, CLONE_NEWNET) < 0)
    return jr_error (err, errno, "config.json: linux.namespaces: network namespace %s", path);
  bool out = route_dev ("/proc/thread-self/net/route", false, dev, sz)
             || route_dev ("/proc/thread-self/net/ipv6_route", true, dev, sz);
  if (setns (own, CLONE_NEWNET) < 0)
    return jr_error (err, errno, "create: back to its own network namespace");
  return out;
}

/* The record's key of the namespace at path. */
static int
ns_key (const char *path, char *key, size_t sz, jail_error **err)
{
  struct stat st;
  if (stat (path, &st) < 0)
    return jr_error (err, errno, "config.json: linux.namespaces: network namespace %s", path);
  snprintf (key, sz, "%llx-%llu", (unsigned long long) st.st_dev, (unsigned long long) st.st_ino);
  return 0;
}

/* The record (NULL: none or unreadable). */
static json_object *
record_load (int dirfd, const char *key)
{
  char buf[16384];
  return jr_hostfile_read_at (dirfd, key, buf, sizeof buf) > 0 ? json_tokener_parse (buf) : NULL;
}

/* Is the process recorded under pid_key/start_key alive? */
static bool
alive (json_object *o, const char *pid_key, const char *start_key)
{
  pid_t pid = (pid_t) json_object_get_int (jr_oci_get (o, pid_key));
  return pid > 0 && jr_pid_starttime (pid) == json_object_get_uint64 (jr_oci_get (o, start_key));
}

/* A string member, "" when absent. */
static const char *
str (json_object *o, const char *key)
{
  json_object *v = jr_oci_get (o, key);
  return v ? json_object_get_string (v) : "";
}

/* Share the live proxy of record o, or say why not. */
static int
share (json_object *o, const char *path, struct jr_oci_spec *s, jail_error **err)
{
  const char *owner = str (o, "owner");
  if (!alive (o, "sidecar", "sidecarStart"))
    return jr_error_msg (err, EBUSY, "config.json: annotations: run.jailrun.net=proxy: container %s is setting up the egress proxy of network namespace %s now: retry when its create is done",
                         owner, path);
  if (strcmp (str (o, "allow"), s->allow ? s->allow : "") != 0 || strcmp (str (o, "auditLog"), s->audit_log ? s->audit_log : "") != 0)
    return jr_error_msg (err, EEXIST, "config.json: annotations: network namespace %s already has the egress proxy of container %s (run.jailrun.allow=%s, audit-log=%s): one network namespace has one proxy, so every container in it (a pod's) must carry the same run.jailrun.allow and run.jailrun.audit-log annotations",
                         path, owner, str (o, "allow"), *str (o, "auditLog") ? str (o, "auditLog") : "none");
  char vars[8192];
  size_t len = 0;
  json_object *env = jr_oci_get (o, "env");
  for (size_t i = 0; env && i < json_object_array_length (env); i++)
    {
      const char *v = json_object_get_string (json_object_array_get_idx (env, i));
      if (len + strlen (v) + 1 <= sizeof vars)
        memcpy (vars + len, v, strlen (v) + 1), len += strlen (v) + 1;
    }
  s->proxy_shared = true;
  return jr_oci_env_merge (s, vars, len, err);
}

/* Write the claim {"owner", "create", "createStart"} (O_EXCL). */
static int
claim (int dirfd, const char *key, const char *id)
{
  int fd cleanup_close = openat (dirfd, key, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return -errno;
  char text[1200];
  int n = snprintf (text, sizeof text, "{\"owner\":\"%s\",\"create\":%d,\"createStart\":%llu}", id, (int) getpid (),
                    jr_pid_starttime (getpid ()));
  return write (fd, text, (size_t) n) == n ? 0 : -EIO;
}

/* Claim the namespace: a free one without egress; a stale record (its
 * sidecar and its create gone) is dropped once. */
static int
claim_or_share (struct jr_oci_pod *p, const char *id, struct jr_oci_spec *s, jail_error **err)
{
  const char *path = s->ns_join[JR_OCI_NS_NET];
  for (int round = 0; round < 2; round++)
    {
      int r = claim (p->dirfd, p->key, id);
      if (r == 0)
        return p->claimed = true, 0;
      if (r != -EEXIST)
        return jr_error (err, -r, "config.json: annotations: run.jailrun.net=proxy: record of network namespace %s", path);
      json_object *o = record_load (p->dirfd, p->key);
      bool stale = o == NULL || (!alive (o, "sidecar", "sidecarStart") && !alive (o, "create", "createStart"));
      if (!stale)
        {
          r = share (o, path, s, err);
          json_object_put (o);
          return r;
        }
      json_object_put (o);
      unlinkat (p->dirfd, p->key, 0);
    }
  return jr_error_msg (err, EBUSY, "config.json: annotations: run.jailrun.net=proxy: network namespace %s: its record changed twice: retry", path);
}

int
jr_oci_pod_prepare (const struct jr_oci_ctx *ctx, const char *id, struct jr_oci_spec *s, struct jr_oci_pod *p,
                    jail_error **err)
{
  *p = (struct jr_oci_pod) { .dirfd = -1 };
  const char *path = s->ns_join[JR_OCI_NS_NET];
  if (!s->net_proxy || path == NULL)
    return 0;
  if (geteuid () != 0)
    return jr_error_msg (err, EPERM, "config.json: annotations: run.jailrun.net=proxy in the network namespace %s (joined by path): needs jailrun-oci as root (the proxy's veth goes into a namespace of another user namespace): run it as root, or give the container a network namespace of its own",
                         path);
  int r = ns_key (path, p->key, sizeof p->key, err);
  int root cleanup_close = r == 0 ? jr_oci_root_open (ctx, true, err) : -1;
  if (r == 0 && root < 0)
    r = root;
  if (r == 0 && mkdirat (root, "netns", 0700) < 0 && errno != EEXIST)
    r = jr_error (err, errno, "state root %s: netns", ctx->root);
  if (r == 0 && (p->dirfd = openat (root, "netns", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
    r = jr_error (err, errno, "state root %s: netns", ctx->root);
  if (r == 0)
    r = claim_or_share (p, id, s, err);
  char dev[64];
  int eg = r == 0 && p->claimed ? has_egress (path, dev, sizeof dev, err) : 0;
  if (eg > 0)
    r = jr_error_msg (err, EPERM, "config.json: annotations: run.jailrun.net=proxy: the network namespace %s has ordinary egress (a route through %s), so the allowlist would be a lie: give the pod a network namespace with only loopback (no CNI interface), or drop the annotation",
                      path, dev);
  if (r == 0 && eg < 0)
    r = eg;
  if (r < 0)
    jr_oci_pod_release (p, true);
  return r;
}

int
jr_oci_pod_publish (struct jr_oci_pod *p, const char *id, const struct jr_oci_spec *s, pid_t sidecar,
                    unsigned long long start, jail_error **err)
{
  if (!p->claimed)
    return 0;
  json_object *o = json_object_new_object (), *env = json_object_new_array ();
  json_object_object_add (o, "owner", json_object_new_string (id));
  json_object_object_add (o, "sidecar", json_object_new_int (sidecar));
  json_object_object_add (o, "sidecarStart", json_object_new_uint64 (start));
  json_object_object_add (o, "allow", json_object_new_string (s->allow ? s->allow : ""));
  json_object_object_add (o, "auditLog", json_object_new_string (s->audit_log ? s->audit_log : ""));
  static const char *const keys[] = { "http_proxy=", "https_proxy=", "no_proxy=", NULL };
  for (char **e = s->env; *e; e++)
    for (size_t k = 0; keys[k]; k++)
      if (strncasecmp (*e, keys[k], strlen (keys[k])) == 0)
        json_object_array_add (env, json_object_new_string (*e));
  json_object_object_add (o, "env", env);
  int r = jr_oci_write_atomic (p->dirfd, p->key, json_object_to_json_string_ext (o, JSON_C_TO_STRING_PLAIN), 0600, err);
  json_object_put (o);
  return r;
}

void
jr_oci_pod_release (struct jr_oci_pod *p, bool failed)
{
  if (failed && p->claimed)
    unlinkat (p->dirfd, p->key, 0);
  if (p->dirfd >= 0)
    close (p->dirfd);
  p->dirfd = -1;
  p->claimed = false;
}

void
jr_oci_pod_forget (const struct jr_oci_ctx *ctx, const char *key, const char *id)
{
  if (key == NULL)
    return;
  int root cleanup_close = jr_oci_root_open (ctx, false, NULL);
  int dir cleanup_close = root < 0 ? -1 : openat (root, "netns", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  json_object *o = dir < 0 ? NULL : record_load (dir, key);
  if (o && strcmp (str (o, "owner"), id) == 0)
    unlinkat (dir, key, 0);
  json_object_put (o);
}
