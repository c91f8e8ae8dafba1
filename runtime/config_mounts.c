/* config_mounts.c - parsing of -v SRC:DST[:ro|rw] and
 * --tmpfs PATH[:size=N,mode=M,exec] into the configuration handle. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "hostfile.h"
#include "internal.h"

/* Largest --tmpfs size accepted: far below where page rounding wraps. */
#define JR_TMPFS_MAX (1ull << 62)

/* Targets the runtime itself owns; a user mount there would be replaced. */
static bool
reserved_target (const char *dst)
{
  static const char *const r[] = { "/", "/proc", "/dev", "/sys", NULL };
  for (size_t i = 0; r[i]; i++)
    if (strcmp (dst, r[i]) == 0)
      return true;
  return strncmp (dst, "/proc/", 6) == 0 || strncmp (dst, "/dev/", 5) == 0;
}

int
jail_config_add_volume (jail_config *c, const char *spec, jail_error **err)
{
  const char *usage = "use -v SRC:DST[:ro|rw][,idmap] with SRC an existing host path and DST an absolute jail path";
  char *copy cleanup_free = strdup (spec ? spec : "");
  if (copy == NULL)
    return jr_error (err, ENOMEM, "volume");
  char *src = copy, *dst = strchr (copy, ':'), *mode = NULL;
  if (dst == NULL || dst == src)
    return jr_error_msg (err, EINVAL, "volume '%s': malformed: %s", spec, usage);
  *dst++ = '\0';
  mode = strchr (dst, ':');
  if (mode)
    *mode++ = '\0';
  bool ro = false, idmap = false;
  for (char *save = NULL, *o = mode ? strtok_r (mode, ",", &save) : NULL; o; o = strtok_r (NULL, ",", &save))
    if (strcmp (o, "ro") == 0 || strcmp (o, "rw") == 0)
      ro = o[1] == 'o';
    else if (strcmp (o, "idmap") == 0)
      idmap = true;
    else
      return jr_error_msg (err, EINVAL, "volume '%s': unknown mode '%s': %s", spec, o, usage);
  if (*dst != '/')
    return jr_error_msg (err, EINVAL, "volume '%s': target '%s' is not absolute: %s", spec, dst, usage);
  struct stat st;
  char *abs_src = NULL, what[PATH_MAX + 32];
  snprintf (what, sizeof what, "volume '%s': source", spec);
  int r = jr_host_path_resolve (what, src, &abs_src, &st, err);
  if (r < 0)
    return r;
  if (!S_ISDIR (st.st_mode) && !S_ISREG (st.st_mode))
    r = jr_error_msg (err, EINVAL, "volume '%s': source %s is neither a directory nor a regular file", spec, src);
  else if (c->n_volumes >= JR_MAX_VOLUMES)
    r = jr_error_msg (err, E2BIG, "volume '%s': more than %d volumes: mount a common parent instead", spec, JR_MAX_VOLUMES);
  if (r < 0)
    {
      free (abs_src);
      return r;
    }
  char *norm_dst = NULL;
  int ret = jr_normalise_path (dst, &norm_dst, err);
  if (ret < 0)
    jr_error_wrap (err, "volume '%s'", spec);
  else if (reserved_target (norm_dst))
    ret = jr_error_msg (err, EINVAL, "volume '%s': target %s is managed by jailrun and cannot be a volume", spec, norm_dst);
  struct jr_volume *v = ret == 0 ? realloc (c->volumes, (c->n_volumes + 1) * sizeof *v) : NULL;
  if (ret == 0 && v == NULL)
    ret = jr_error (err, ENOMEM, "volume");
  if (ret < 0)
    {
      free (abs_src);
      free (norm_dst);
      return ret;
    }
  c->volumes = v;
  c->volumes[c->n_volumes++] = (struct jr_volume) { .src = abs_src, .dst = norm_dst, .ro = ro, .dev = st.st_dev, .ino = st.st_ino, .idmap = idmap, .idmap_fd = -1 };
  return 0;
}

/* Apply one tmpfs option ("size=64m", "mode=1777", "exec") to t. */
static int
tmpfs_option (struct jr_tmpfs *t, const char *opt)
{
  if (strncmp (opt, "size=", 5) == 0)
    return jr_parse_size (opt + 5, &t->size);
  if (strncmp (opt, "mode=", 5) == 0)
    {
      char *end;
      errno = 0;
      unsigned long m = strtoul (opt + 5, &end, 8);
      if (errno || *end || end == opt + 5 || m > 07777)
        return -EINVAL;
      t->mode = (unsigned) m;
      return 0;
    }
  if (strcmp (opt, "exec") == 0)
    {
      t->exec = true;
      return 0;
    }
  if (strcmp (opt, "noexec") == 0)
    {
      t->exec = false;
      return 0;
    }
  return -EINVAL;
}

int
jail_config_add_tmpfs (jail_config *c, const char *spec, jail_error **err)
{
  char *copy cleanup_free = strdup (spec ? spec : "");
  if (copy == NULL)
    return jr_error (err, ENOMEM, "tmpfs");
  struct jr_tmpfs t = { .mode = 01777, .size = JR_TMP_SIZE };
  char *opts = strchr (copy, ':');
  if (opts)
    *opts++ = '\0';
  for (char *save = NULL, *o = opts ? strtok_r (opts, ",", &save) : NULL; o;
       o = strtok_r (NULL, ",", &save))
    {
      if (tmpfs_option (&t, o) < 0 || t.size == 0)
        return jr_error_msg (err, EINVAL, "tmpfs '%s': bad option '%s': use PATH[:size=N[k|m|g],mode=OCTAL,exec] (size > 0, default 64m)", spec, o);
      /* The kernel rounds the size up to pages: near 2^64 that wraps to
       * 0, which tmpfs reads as unlimited. */
      if (t.size > JR_TMPFS_MAX)
        return jr_error_msg (err, EOVERFLOW, "tmpfs '%s': size %s is too large (at most 4 EiB, %llu bytes): give the most the tmpfs may hold, e.g. size=1g", spec, o + 5, JR_TMPFS_MAX);
    }
  if (jr_normalise_path (copy, &t.dst, err) < 0)
    return jr_error_wrap (err, "tmpfs '%s'", spec);
  if (reserved_target (t.dst))
    {
      int r = jr_error_msg (err, EINVAL, "tmpfs '%s': %s is managed by jailrun", spec, t.dst);
      free (t.dst);
      return r;
    }
  struct jr_tmpfs *n = realloc (c->tmpfs, (c->n_tmpfs + 1) * sizeof *n);
  if (n == NULL)
    {
      free (t.dst);
      return jr_error (err, ENOMEM, "tmpfs");
    }
  c->tmpfs = n;
  c->tmpfs[c->n_tmpfs++] = t;
  return 0;
}
