/* config.c - the jail_config handle: secure defaults and the setters that
 * validate user input (user, capabilities, environment; volumes and tmpfs:
 * config_mounts.c, limits: config_limits.c), and the size parser.
 * Every setter either changes the handle completely or not at all. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json_c_version.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <seccomp.h>
#include <unistd.h>

#include "hostfile.h"
#include "internal.h"
#include "health.h"

/* Default environment variables passed through from the caller. */
static const char *const env_passthrough[] = { "TERM", "LANG", NULL };

/* Find the slot of KEY in cfg->env, or -1. */
static long
env_find (const struct jail_config *cfg, const char *key, size_t keylen)
{
  for (size_t i = 0; i < cfg->n_env; i++)
    if (strncmp (cfg->env[i], key, keylen) == 0 && cfg->env[i][keylen] == '=')
      return (long) i;
  return -1;
}

/* Set KEY=VAL (kv already formatted), replacing an earlier value. */
static int
env_put (struct jail_config *cfg, const char *kv, jail_error **err)
{
  const char *eq = strchr (kv, '=');
  char *copy = strdup (kv);
  if (copy == NULL || eq == NULL)
    {
      free (copy);
      return jr_error (err, ENOMEM, "env");
    }
  long i = env_find (cfg, kv, eq - kv);
  if (i >= 0)
    {
      free (cfg->env[i]);
      cfg->env[i] = copy;
      return 0;
    }
  char **n = realloc (cfg->env, (cfg->n_env + 2) * sizeof *n);
  if (n == NULL)
    {
      free (copy);
      return jr_error (err, ENOMEM, "env");
    }
  cfg->env = n;
  cfg->env[cfg->n_env++] = copy;
  cfg->env[cfg->n_env] = NULL;
  return 0;
}

int
jail_config_new (jail_config **out, jail_error **err)
{
  struct jail_config *c = calloc (1, sizeof *c);
  if (c == NULL)
    return jr_error (err, ENOMEM, "config");
  c->uid = JR_DEFAULT_UID;
  c->gid = JR_DEFAULT_GID;
  c->net_mode = JAIL_NET_PRIVATE;
  c->log_max = JR_LOG_MAX_DEFAULT;
  c->limits.last = (struct jr_cgstats) { -1, -1, -1, -1, -1, -1 };
  c->workdir = strdup ("/");
  c->hostname = strdup ("jail");
  c->seccomp = strdup ("default");
  int ret = (c->workdir && c->hostname && c->seccomp) ? 0 : -ENOMEM;
  if (ret == 0)
    ret = env_put (c, "PATH=" JR_DEFAULT_PATH, err);
  if (ret == 0)
    ret = env_put (c, "HOME=/tmp", err);
  for (size_t i = 0; ret == 0 && env_passthrough[i]; i++)
    {
      const char *v = getenv (env_passthrough[i]);
      char buf[4096];
      if (v && snprintf (buf, sizeof buf, "%s=%s", env_passthrough[i], v) < (int) sizeof buf)
        ret = env_put (c, buf, err);
    }
  if (ret < 0)
    {
      jail_config_free (c);
      return ret == -ENOMEM ? jr_error (err, ENOMEM, "config") : ret;
    }
  *out = c;
  return 0;
}

void
jail_config_free (jail_config *c)
{
  if (c == NULL)
    return;
  free (c->rootfs);
  free (c->workdir);
  free (c->hostname);
  free (c->seccomp);
  free (c->seccomp_warnings);
  for (size_t i = 0; i < c->n_env; i++)
    free (c->env[i]);
  free (c->env);
  for (size_t i = 0; i < c->n_volumes; i++)
    {
      free (c->volumes[i].src);
      free (c->volumes[i].dst);
    }
  free (c->volumes);
  for (size_t i = 0; i < c->n_tmpfs; i++)
    free (c->tmpfs[i].dst);
  free (c->tmpfs);
  free (c->limits.parent);
  jr_netcfg_free (c->netcfg);
  jr_health_cfg_free (c->health);
  free (c);
}

/* Replace a string field with a copy of s. */
static int
set_str (char **field, const char *s, jail_error **err)
{
  char *copy = strdup (s);
  if (copy == NULL)
    return jr_error (err, ENOMEM, "config");
  free (*field);
  *field = copy;
  return 0;
}

int
jail_config_set_rootfs (jail_config *c, const char *path, jail_error **err)
{
  struct stat st;
  if (path == NULL || *path == '\0')
    return jr_error_msg (err, EINVAL, "rootfs: empty path: give a directory holding a root filesystem, or / for the host root");
  if (stat (path, &st) < 0)
    return jr_error (err, errno, "rootfs %s: cannot use it (give a directory holding a root filesystem, or / for the host root)", path);
  if (!S_ISDIR (st.st_mode))
    return jr_error_msg (err, ENOTDIR, "rootfs %s: not a directory: give a directory holding a root filesystem, or / for the host root", path);
  char *abs = NULL;
  int r = jr_host_path_resolve ("rootfs", path, &abs, &st, err);
  if (r < 0)
    return r;
  if (strcmp (abs, "/") == 0 && c->read_write)
    {
      free (abs);
      return jr_error_msg (err, EINVAL, "rootfs /: --read-write is refused for the host root");
    }
  free (c->rootfs);
  c->rootfs = abs;
  c->root_dev = st.st_dev;
  c->root_ino = st.st_ino;
  c->host_root = strcmp (abs, "/") == 0;
  return 0;
}

int
jail_config_set_read_write (jail_config *c, int on, jail_error **err)
{
  if (on && c->host_root)
    return jr_error_msg (err, EINVAL, "--read-write: refused for the host root /: use a rootfs directory, or -v/--tmpfs for writable paths");
  c->read_write = on != 0;
  return 0;
}

/* Collapse //, /./ and trailing slashes; refuse "..", relative paths and
 * empty components so a target can never name something above its root. */
int
jr_normalise_path (const char *in, char **out, jail_error **err)
{
  if (in == NULL || in[0] != '/')
    return jr_error_msg (err, EINVAL, "path '%s' is not absolute", in ? in : "");
  char *buf = malloc (strlen (in) + 2);
  if (buf == NULL)
    return jr_error (err, ENOMEM, "path");
  size_t o = 0;
  const char *p = in;
  while (*p)
    {
      while (*p == '/')
        p++;
      const char *s = p;
      while (*p && *p != '/')
        p++;
      size_t n = p - s;
      if (n == 0 || (n == 1 && s[0] == '.'))
        continue;
      if (n == 2 && s[0] == '.' && s[1] == '.')
        {
          free (buf);
          return jr_error_msg (err, EINVAL, "path '%s' contains '..'", in);
        }
      buf[o++] = '/';
      memcpy (buf + o, s, n);
      o += n;
    }
  if (o == 0)
    buf[o++] = '/';
  buf[o] = '\0';
  *out = buf;
  return 0;
}

int
jail_config_set_user (jail_config *c, const char *spec, jail_error **err)
{
  int root cleanup_close = c->rootfs ? open (c->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
  if (c->rootfs && root < 0)
    return jr_error (err, errno, "user: rootfs %s", c->rootfs);
  unsigned uid, gid;
  int r = jr_user_resolve (root, c->rootfs && strcmp (c->rootfs, "/") != 0 ? c->rootfs : "", spec, &uid, &gid, err);
  if (r < 0)
    return r;
  c->uid = uid;
  c->gid = gid;
  return 0;
}

int
jail_config_add_cap (jail_config *c, const char *name, jail_error **err)
{
  int cap;
  if (name && strcasecmp (name, "ALL") == 0)
    {
      c->caps = ~0ull;
      return 0;
    }
  if (name == NULL || jr_caps_from_name (name, &cap) < 0)
    return jr_error_msg (err, EINVAL, "capability '%s': unknown: use a name from capabilities(7), e.g. NET_BIND_SERVICE", name ? name : "");
  c->caps |= 1ull << cap;
  return 0;
}

int
jail_config_drop_cap (jail_config *c, const char *name, jail_error **err)
{
  int cap;
  if (name && strcasecmp (name, "ALL") == 0)
    {
      c->caps = 0;
      return 0;
    }
  if (name == NULL || jr_caps_from_name (name, &cap) < 0)
    return jr_error_msg (err, EINVAL, "capability '%s': unknown: use a name from capabilities(7), e.g. NET_RAW", name ? name : "");
  c->caps &= ~(1ull << cap);
  return 0;
}

/* Validate an environment key: [A-Za-z_.-][A-Za-z0-9_.-]* (Docker also
 * accepts dots and dashes), never '='. */
static bool
env_key_ok (const char *k, size_t n)
{
  if (n == 0 || isdigit ((unsigned char) k[0]))
    return false;
  for (size_t i = 0; i < n; i++)
    if (!isalnum ((unsigned char) k[i]) && k[i] != '_' && k[i] != '.' && k[i] != '-')
      return false;
  return true;
}

int
jail_config_set_env (jail_config *c, const char *spec, jail_error **err)
{
  const char *eq = spec ? strchr (spec, '=') : NULL;
  size_t klen = spec ? (eq ? (size_t) (eq - spec) : strlen (spec)) : 0;
  char esc[256];
  if (spec == NULL || !env_key_ok (spec, klen))
    return jr_error_msg (err, EINVAL, "env '%s': malformed: use KEY=VALUE or KEY (to copy the caller's value)",
                         spec ? jr_printable (spec, strlen (spec), esc, sizeof esc) : "");
  if (eq)
    return env_put (c, spec, err);
  const char *v = getenv (spec);
  if (v == NULL)
    return 0; /* Docker semantics: an unset KEY is simply not passed */
  size_t n = klen + strlen (v) + 2;
  char *kv cleanup_free = malloc (n);
  if (kv == NULL)
    return jr_error (err, ENOMEM, "env");
  snprintf (kv, n, "%s=%s", spec, v);
  return env_put (c, kv, err);
}

/* One line of an env file: KEY=VAL or KEY; blank and # lines skipped. */
static int
env_file_line (void *c, char *line, jail_error **err)
{
  size_t n = strlen (line);
  while (n > 0 && line[n - 1] == '\r')
    line[--n] = '\0';
  const char *s = line + strspn (line, " \t");
  return *s != '\0' && *s != '#' ? jail_config_set_env (c, s, err) : 0;
}

int
jail_config_load_env_file (jail_config *c, const char *path, jail_error **err)
{
  return jr_hostfile_lines ("env-file", path, env_file_line, c, err);
}

int
jr_set_workdir (char **slot, const char *dir, jail_error **err)
{
  char *n = NULL;
  if (jr_normalise_path (dir, &n, err) < 0)
    return jr_error_wrap (err, "workdir");
  free (*slot);
  *slot = n;
  return 0;
}

int
jail_config_set_workdir (jail_config *c, const char *dir, jail_error **err)
{
  return jr_set_workdir (&c->workdir, dir, err);
}

int
jail_config_set_hostname (jail_config *c, const char *name, jail_error **err)
{
  size_t n = name ? strlen (name) : 0;
  bool ok = n > 0 && n <= 64;
  for (size_t i = 0; ok && i < n; i++)
    ok = isalnum ((unsigned char) name[i]) || name[i] == '-' || name[i] == '.';
  if (!ok)
    return jr_error_msg (err, EINVAL, "hostname '%s': use 1-64 letters, digits, '-' or '.'", name ? name : "");
  return set_str (&c->hostname, name, err);
}

int
jail_config_set_timeout (jail_config *c, double seconds, jail_error **err)
{
  if (!(seconds >= 0) || seconds > 31536000.0)
    return jr_error_msg (err, EINVAL, "timeout: %g is not a number of seconds between 0 and 31536000", seconds);
  c->timeout = seconds;
  return 0;
}

/* The option that asks for a network mode, for messages. */
static const char *
net_mode_option (int mode)
{
  return mode == JAIL_NET_NONE    ? "--no-net (loopback only)"
         : mode == JAIL_NET_PROXY ? "--net-allow proxy (out only through the proxy)"
                                  : "the private network (no way out)";
}

int
jail_config_set_network (jail_config *c, int mode, jail_error **err)
{
  if (mode != JAIL_NET_NONE && mode != JAIL_NET_PRIVATE && mode != JAIL_NET_PROXY)
    return jr_error_msg (err, EINVAL, "network: unknown mode %d", mode);
  if (c->net_mode_set && c->net_mode != mode)
    return jr_error_msg (err, EINVAL, "network: %s and %s conflict: give one of them",
                         net_mode_option (c->net_mode), net_mode_option (mode));
  c->net_mode = mode;
  c->net_mode_set = true;
  return 0;
}

int
jail_config_set_seccomp (jail_config *c, const char *spec, jail_error **err)
{
  if (spec == NULL)
    return jr_error_msg (err, EINVAL, "seccomp: no policy given");
  cleanup_free char *joined = NULL;
  int ret = jr_seccomp_spec_join (c->seccomp, spec, &joined, err);
  /* Check now so a bad spec fails at configuration time. */
  char *warnings = NULL;
  if (ret == 0)
    ret = jr_seccomp_check (joined, &warnings, err);
  if (ret < 0)
    return ret;
  free (c->seccomp_warnings);
  c->seccomp_warnings = warnings;
  free (c->seccomp);
  c->seccomp = jr_steal_ptr (&joined);
  return 0;
}

const char *
jail_config_warnings (const jail_config *c)
{
  return c->seccomp_warnings;
}

const char *
jail_version (void)
{
  return JR_VERSION;
}

#define JR_STR2(x) #x
#define JR_STR(x) JR_STR2 (x)
#ifdef JR_HAVE_DEFAULT_BPF
#define JR_BPF_FEATURE "seccomp-default=prebuilt"
#else
#define JR_BPF_FEATURE "seccomp-default=built-per-start"
#endif

/* What this build holds: the libraries it was compiled against, with
 * their versions, and the build options (meson). */
const char *
jail_features (void)
{
  return "seccomp(libseccomp-" JR_STR (SCMP_VER_MAJOR) "." JR_STR (SCMP_VER_MINOR) "." JR_STR (SCMP_VER_MICRO) ") " JR_BPF_FEATURE " seccomp-oci-json(json-c-" JSON_C_VERSION ") caps netlink(libmnl) libs-on-first-use=libseccomp,json-c,libyaml"
                                                                                                               " net=private,none,proxy,publish limits=cgroup-v2 userns mountapi openat2 clone3 pidfd";
}

int
jail_config_set_tty (jail_config *c, unsigned flags, jail_error **err)
{
  if (flags & ~(unsigned) (JAIL_TTY | JAIL_INTERACTIVE))
    return jr_error_msg (err, EINVAL, "tty: unknown flags %#x (JAIL_TTY, JAIL_INTERACTIVE)", flags);
  c->tty = flags;
  return 0;
}

/* Unit shift of a size suffix: "", b, k, kb, kib, m, ... t (any case,
 * powers of 1024 as in Docker); -1 for anything else. */
static int
size_shift (const char *u)
{
  static const char units[] = "kmgt";
  if (*u == '\0' || strcasecmp (u, "b") == 0)
    return 0;
  const char *p = strchr (units, tolower ((unsigned char) *u));
  if (p == NULL)
    return -1;
  if (u[1] == '\0' || strcasecmp (u + 1, "b") == 0 || strcasecmp (u + 1, "ib") == 0)
    return 10 * (int) (p - units + 1);
  return -1;
}

/* Parse "64m", "1g", "4096", "512k", "1.5g" into bytes (--memory, --tmpfs
 * size=, --log-max). */
int
jr_parse_size (const char *s, unsigned long long *out)
{
  char *end;
  if (s == NULL || *s < '0' || *s > '9')
    return -EINVAL;
  errno = 0;
  unsigned long long v = strtoull (s, &end, 10), frac = 0, scale = 1;
  if (errno)
    return -EINVAL;
  if (*end == '.') /* 1.5g: up to 9 decimals */
    for (end++; *end >= '0' && *end <= '9'; end++)
      if (scale < 1000000000ull)
        {
          frac = frac * 10 + (unsigned long long) (*end - '0');
          scale *= 10;
        }
  int shift = size_shift (end);
  if (shift < 0 || (end[-1] == '.') || (scale > 1 && shift == 0) || v > (~0ull >> shift))
    return -EINVAL;
  unsigned long long part = (unsigned long long) (((unsigned __int128) frac << shift) / scale);
  if ((v << shift) > ~0ull - part)
    return -EINVAL;
  *out = (v << shift) + part;
  return 0;
}
