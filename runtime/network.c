/* network.c - named networks (jailrun network create|ls|inspect|rm): a
 * bridge with no uplink in a network namespace of its own, kept by a
 * small holder process, recorded in STATE/.networks/NAME/ (info: subnet,
 * gateway, holder pid and start time; hosts: the /etc/hosts every jail on
 * the network sees, read-only, kept current in place under a flock of
 * the directory; a jail on several networks sees theirs merged in
 * STATE/.networks/.merged/PID).  A holder that died is "stale": reported,
 * and cleaned by rm or create.
 * Jails join through jr_network_open / _join / _leave (netns/net.c).
 * Rootless, the holder first makes a user namespace of its own (0 -> the
 * caller, like a rootless jail's) that owns the bridge netns: a jail on
 * the network is cloned with its user namespace a child of that one
 * (runtime/nested.c), so the netns helper, entering the holder's user
 * namespace, has CAP_NET_ADMIN over both ends of the veth, while the
 * jail has no capability in the holder's namespace (nor in a sibling
 * jail's).  The state dir is per user: only the creator's jails join. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lifecycle.h"
#include "netns.h"
#include "network.h"

#define HOSTS_HEAD "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
#define HOSTS_MAX (256 * 1024)
#define HOSTS_ENTRIES 1024 /* jails on one network */

/* STATE/.networks (made 0755) or STATE/.networks/NAME. */
static int
net_dir (const char *name, char **out, jail_error **err)
{
  char *root cleanup_free = NULL;
  int r = name ? jr_state_name_check (name, err) : 0;
  if (r == 0)
    r = jr_state_root (&root, err);
  if (r < 0)
    return r;
  if (asprintf (out, "%s/.networks%s%s", root, name ? "/" : "", name ? name : "") < 0)
    return jr_error (err, ENOMEM, "network");
  return 0;
}

static int open_holder_ns (const struct jr_netinfo *ni, const char *what);

/* Whole small file into *out (NUL-terminated). */
static int
slurp (const char *path, char **out, size_t max)
{
  int fd cleanup_close = open (path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  char *b = malloc (max + 1);
  ssize_t n = b ? read (fd, b, max) : -1;
  if (n < 0)
    {
      free (b);
      return b ? -errno : -ENOMEM;
    }
  b[n] = '\0';
  *out = b;
  return 0;
}

static bool
holder_alive (const struct jr_netinfo *ni)
{
  return ni->holder > 0 && ni->start != 0 && jr_pid_starttime (ni->holder) == ni->start;
}

/* Read STATE/.networks/NAME/info. */
static int
read_info (const char *name, struct jr_netinfo *ni, jail_error **err)
{
  char *dir cleanup_free = NULL, *path cleanup_free = NULL, *text cleanup_free = NULL;
  int r = net_dir (name, &dir, err);
  if (r < 0)
    return r;
  if (asprintf (&path, "%s/info", dir) < 0)
    return jr_error (err, ENOMEM, "network");
  r = slurp (path, &text, 4096);
  if (r == -ENOENT)
    return jr_error_msg (err, ENOENT, "no network named '%s' (see 'jailrun network ls')", name);
  if (r < 0)
    return jr_error (err, -r, "network %s: %s", name, path);
  memset (ni, 0, sizeof *ni);
  snprintf (ni->name, sizeof ni->name, "%s", name);
  snprintf (ni->dir, sizeof ni->dir, "%s", dir);
  char buf[64];
  struct in_addr a;
  if (!jr_state_get (text, "subnet", buf, sizeof buf) || inet_pton (AF_INET, buf, &a) != 1)
    return jr_error_msg (err, EINVAL, "network %s: %s is damaged: 'jailrun network rm %s'", name, path, name);
  ni->subnet = ntohl (a.s_addr);
  ni->prefix = (int) jr_state_get_ll (text, "prefix", 24);
  ni->holder = (pid_t) jr_state_get_ll (text, "holder_pid", 0);
  ni->start = (unsigned long long) jr_state_get_ll (text, "holder_start", 0);
  ni->created = jr_state_get_ll (text, "created", 0);
  return 0;
}

/* What the holder reports once its bridge is up (or failed). */
struct hello
{
  struct jail_error e;
  pid_t pid;
};

/* Write text to /proc/self/FILE in one write. */
static int
write_self (const char *file, const char *text, struct jail_error *e)
{
  char path[64];
  enum jr_procw_stage stage;
  int r = jr_proc_write (0, file, text, path, &stage);
  return r < 0 ? jr_error_buf (e, -r, "network: holder: write %s", path) : 0;
}

/* Rootless: the user namespace shared by the caller's networks (uns, the
 * fd of a live holder's), or when there is none yet a new one mapping 0
 * to the caller (uid and gid, setgroups denied, as a rootless jail's),
 * with the new netns; as root, only the netns.  Rootless the holder is dumpable (the
 * CLI is not): its /proc/self maps are then its own to write, and the
 * caller's supervisors may open its namespaces.  Its uid may do all that
 * (and more, as the namespace's owner) anyway; no jail sees it. */
static int
holder_namespaces (int uns, struct jail_error *e)
{
  uid_t uid = geteuid ();
  gid_t gid = getegid ();
  if (uid == 0)
    return unshare (CLONE_NEWNET) < 0 ? jr_error_buf (e, errno, "network: new network namespace") : 0;
  if (prctl (PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
    return jr_error_buf (e, errno, "network: holder: dumpable");
  if (uns >= 0)
    return setns (uns, CLONE_NEWUSER) < 0 || unshare (CLONE_NEWNET) < 0
               ? jr_error_buf (e, errno, "network: join the user namespace of the other networks, new network namespace")
               : 0;
  if (unshare (CLONE_NEWUSER | CLONE_NEWNET) < 0)
    return jr_error_buf (e, errno, "network: new user and network namespaces");
  char map[32];
  int r = write_self ("setgroups", "deny", e);
  snprintf (map, sizeof map, "0 %u 1\n", (unsigned) uid);
  if (r == 0)
    r = write_self ("uid_map", map, e);
  snprintf (map, sizeof map, "0 %u 1\n", (unsigned) gid);
  if (r == 0)
    r = write_self ("gid_map", map, e);
  return r;
}

/* The holder: a new netns with the bridge, then nothing but waiting. */
static _Noreturn void
holder_main (int fd, const struct jr_netplan *plan)
{
  struct hello h = { .pid = getpid () };
  prctl (PR_SET_NAME, "jailrun-net", 0, 0, 0);
  if (holder_namespaces (plan->network_userns_fd, &h.e) == 0)
    jr_bridge_network_build (plan, &h.e);
  (void) !write (fd, &h, sizeof h);
  if (h.e.code)
    _exit (1);
  int nul = open ("/dev/null", O_RDWR | O_CLOEXEC);
  for (int i = 0; i < 3 && nul >= 0; i++)
    dup2 (nul, i);
  syscall (SYS_close_range, 3u, ~0u, 0u);
  if (chdir ("/") < 0)
    _exit (1);
  sigset_t all;
  sigfillset (&all);
  sigdelset (&all, SIGTERM);
  sigprocmask (SIG_SETMASK, &all, NULL);
  signal (SIGTERM, SIG_DFL);
  for (;;)
    pause ();
}

/* Start the holder (nobody's child, no terminal); its pid in *pid. */
static int
start_holder (const struct jr_netplan *plan, pid_t *pid, jail_error **err)
{
  int p[2];
  if (pipe2 (p, O_CLOEXEC) < 0)
    return jr_error (err, errno, "network: pipe");
  pid_t c = fork ();
  if (c == 0)
    {
      close (p[0]);
      setsid ();
      pid_t g = fork ();
      if (g != 0)
        _exit (g < 0);
      holder_main (p[1], plan);
    }
  close (p[1]);
  while (c > 0 && waitpid (c, NULL, 0) < 0 && errno == EINTR)
    ;
  struct hello h = { 0 };
  ssize_t n = c > 0 ? read (p[0], &h, sizeof h) : -1;
  close (p[0]);
  if (n != (ssize_t) sizeof h)
    return jr_error (err, c < 0 ? errno : EIO, "network: start the holder process");
  if (h.e.code)
    return jr_error_msg (err, h.e.code, "%s", h.e.msg);
  *pid = h.pid;
  return 0;
}

/* End the holder of ni if it is still the process recorded. */
static void
stop_holder (const struct jr_netinfo *ni)
{
  int fd cleanup_close = ni->holder > 0 ? (int) syscall (SYS_pidfd_open, ni->holder, 0) : -1;
  if (fd < 0 || !holder_alive (ni))
    return;
  syscall (SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);
  struct pollfd p = { .fd = fd, .events = POLLIN };
  poll (&p, 1, 2000);
}

/* Remove the files of a network directory and the directory. */
static int
remove_dir (const char *dir, jail_error **err)
{
  const char *files[] = { "info", "info.tmp", "hosts" };
  for (size_t i = 0; i < sizeof files / sizeof *files; i++)
    {
      char *p cleanup_free = NULL;
      if (asprintf (&p, "%s/%s", dir, files[i]) < 0)
        return jr_error (err, ENOMEM, "network");
      if (unlink (p) < 0 && errno != ENOENT)
        return jr_error (err, errno, "network: remove %s", p);
    }
  if (rmdir (dir) < 0 && errno != ENOENT)
    return jr_error (err, errno, "network: rmdir %s", dir);
  return 0;
}

/* Write dir/file (mode) through file.tmp and rename. */
static int
write_file (const char *dir, const char *file, const char *text, mode_t mode, jail_error **err)
{
  char *p cleanup_free = NULL, *tmp cleanup_free = NULL;
  if (asprintf (&p, "%s/%s", dir, file) < 0 || asprintf (&tmp, "%s/%s.tmp", dir, file) < 0)
    return jr_error (err, ENOMEM, "network");
  int fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0)
    return jr_error (err, errno, "network: %s", tmp);
  size_t len = strlen (text);
  bool ok = write (fd, text, len) == (ssize_t) len && fchmod (fd, mode) == 0;
  if (close (fd) < 0 || !ok || rename (tmp, p) < 0)
    {
      int saved = errno;
      unlink (tmp);
      return jr_error (err, saved ? saved : EIO, "network: write %s", p);
    }
  return 0;
}

/* The info file of a new network. */
static char *
info_text (const char *name, uint32_t subnet, int prefix, pid_t holder)
{
  char *text = NULL, net[16], gw[16];
  size_t len = 0;
  uint32_t s = htonl (subnet), g = htonl (subnet + 1);
  inet_ntop (AF_INET, &s, net, sizeof net);
  inet_ntop (AF_INET, &g, gw, sizeof gw);
  FILE *f = open_memstream (&text, &len);
  if (f == NULL)
    return NULL;
  jr_kv (f, "name", "%s", name);
  jr_kv (f, "subnet", "%s", net);
  jr_kv (f, "prefix", "%d", prefix);
  jr_kv (f, "gateway", "%s", gw);
  jr_kv (f, "holder_pid", "%d", (int) holder);
  jr_kv (f, "holder_start", "%llu", jr_pid_starttime (holder));
  jr_kv (f, "created", "%lld", (long long) time (NULL));
  if (fclose (f) != 0)
    {
      free (text);
      return NULL;
    }
  return text;
}

/* Make the directory of a new network; a stale one is cleaned first. */
static int
make_dir (const char *name, char **dir, jail_error **err)
{
  char *top cleanup_free = NULL;
  int r = net_dir (NULL, &top, err);
  if (r == 0 && mkdir (top, 0755) < 0 && errno != EEXIST)
    r = jr_error (err, errno, "network: mkdir %s", top);
  if (r == 0)
    r = net_dir (name, dir, err);
  if (r < 0)
    return r;
  struct jr_netinfo old;
  if (read_info (name, &old, NULL) == 0)
    {
      if (holder_alive (&old))
        return jr_error_msg (err, EEXIST, "network '%s' exists (see 'jailrun network inspect %s')", name, name);
      r = remove_dir (*dir, err); /* stale */
    }
  else if (access (*dir, F_OK) == 0)
    r = remove_dir (*dir, err);
  if (r == 0 && mkdir (*dir, 0755) < 0)
    r = jr_error (err, errno, "network: mkdir %s", *dir);
  return r;
}

/* Rootless: the user namespace of a live holder of another of the
 * caller's networks (all of them share one, so that a jail can be on
 * several), or -1. */
static int
shared_userns (const char *except)
{
  char **names = NULL;
  int n = geteuid () != 0 ? jail_network_list (&names, NULL) : 0, fd = -1;
  for (int i = 0; i < n && fd < 0; i++)
    {
      struct jr_netinfo ni;
      if (strcmp (names[i], except) != 0 && read_info (names[i], &ni, NULL) == 0)
        fd = open_holder_ns (&ni, "user");
    }
  if (n > 0)
    jail_list_free (names);
  return fd;
}

/* Lock STATE/.networks (creates one at a time: they pick the shared user
 * namespace); the fd, or -errno. */
static int
lock_top (jail_error **err)
{
  char *top cleanup_free = NULL;
  int r = net_dir (NULL, &top, err);
  int fd = r < 0 ? r : open (top, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (r == 0 && (fd < 0 || flock (fd, LOCK_EX) < 0))
    {
      r = jr_error (err, errno, "network: lock %s", top);
      if (fd >= 0)
        close (fd);
      return r;
    }
  return fd;
}

/* No subnet given: the first 10.89.N.0/24 that no other network of this
 * user overlaps (as Docker gives each network a subnet of its own), so
 * that a jail may be on several; called under the lock. */
static int
pick_subnet (const char *self, char *buf, size_t size, jail_error **err)
{
  bool used[256] = { false };
  char **names = NULL;
  int n = jail_network_list (&names, err);
  for (int i = 0; i < n; i++)
    {
      struct jr_netinfo ni;
      if (strcmp (names[i], self) == 0 || read_info (names[i], &ni, NULL) < 0)
        continue;
      uint32_t mask = ni.prefix ? ~0u << (32 - ni.prefix) : 0;
      for (unsigned k = 0; k < 256; k++) /* 10.89.k.0/24 overlaps it */
        {
          uint32_t s = 0x0a590000u | (k << 8), m = ni.prefix < 24 ? mask : 0xffffff00u;
          used[k] = used[k] || (s & m) == (ni.subnet & m);
        }
    }
  jail_list_free (names);
  if (n < 0)
    return n;
  for (unsigned k = 0; k < 256; k++)
    if (!used[k])
      return snprintf (buf, size, "10.89.%u.0/24", k), 0;
  return jr_error_msg (err, ENOSPC, "network %s: every 10.89.N.0/24 is taken by another network: give --subnet CIDR", self);
}

int
jail_network_create (const char *name, const char *subnet, jail_error **err)
{
  char *dir cleanup_free = NULL, picked[32];
  int r = jr_state_name_check (name, err);
  if (r == 0)
    r = make_dir (name, &dir, err);
  int lk cleanup_close = r == 0 ? lock_top (err) : -1;
  if (r < 0 || lk < 0)
    return r < 0 ? r : lk;

  /* The subnet: given, or the first free one (under the lock). */
  struct jr_netcfg *nc = NULL; /* netns' --subnet parser, as jail_config_set_subnet */
  r = subnet ? 0 : pick_subnet (name, picked, sizeof picked, err);
  if (r == 0)
    r = jr_netcfg_set_subnet (&nc, subnet ? subnet : picked, err);
  struct jr_netplan plan = { .bridge = true, .network_fd = -1, .network_userns_fd = -1 };
  if (r == 0)
    plan.prefix = nc->prefix, plan.bridge_addr = nc->subnet + 1;
  jr_netcfg_free (nc);
  if (r < 0)
    {
      remove_dir (dir, NULL);
      return r;
    }

  pid_t holder = -1;
  plan.network_userns_fd = shared_userns (name);
  r = start_holder (&plan, &holder, err);
  if (plan.network_userns_fd >= 0)
    close (plan.network_userns_fd);
  if (r == 0)
    r = write_file (dir, "hosts", HOSTS_HEAD, 0644, err);
  char *info cleanup_free = r == 0 ? info_text (name, plan.bridge_addr - 1, plan.prefix, holder) : NULL;
  if (r == 0 && info == NULL)
    r = jr_error (err, ENOMEM, "network");
  if (r == 0)
    r = write_file (dir, "info", info, 0644, err);
  if (r < 0)
    {
      struct jr_netinfo ni = { .holder = holder, .start = jr_pid_starttime (holder) };
      stop_holder (&ni);
      remove_dir (dir, NULL);
    }
  return r;
}

/* One jail's line in a network's hosts file. */
struct hentry
{
  uint32_t addr;
  pid_t pid;
  unsigned long long start;
  char names[512];
};

/* Parse "ADDR\tNAMES # jailrun pid=P start=S"; false for other lines. */
static bool
parse_entry (const char *line, size_t len, struct hentry *h)
{
  char buf[700], ip[16];
  if (len >= sizeof buf)
    return false;
  memcpy (buf, line, len);
  buf[len] = '\0';
  char *mark = strstr (buf, " # jailrun pid=");
  struct in_addr a;
  size_t il = strcspn (buf, "\t ");
  if (mark == NULL || il >= sizeof ip)
    return false;
  memcpy (ip, buf, il);
  ip[il] = '\0';
  if (inet_pton (AF_INET, ip, &a) != 1 || sscanf (mark, " # jailrun pid=%d start=%llu", &h->pid, &h->start) != 2)
    return false;
  h->addr = ntohl (a.s_addr);
  *mark = '\0';
  snprintf (h->names, sizeof h->names, "%s", buf + il + strspn (buf + il, "\t "));
  return true;
}

/* The live entries of text (at most max); a dead jail's are dropped. */
static size_t
live_entries (const char *text, struct hentry *out, size_t max)
{
  size_t n = 0;
  for (const char *p = text; *p && n < max;)
    {
      size_t len = strcspn (p, "\n");
      if (parse_entry (p, len, &out[n]) && jr_pid_starttime (out[n].pid) == out[n].start)
        n++;
      p += len + (p[len] == '\n');
    }
  return n;
}

/* Rewrite the hosts file in place (a bind mount of it must see the new
 * text): head, then the entries. */
static int
rewrite_hosts (int fd, const struct hentry *e, size_t n)
{
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&text, &len);
  if (f == NULL)
    return -ENOMEM;
  fputs (HOSTS_HEAD, f);
  for (size_t i = 0; i < n; i++)
    {
      char ip[16];
      uint32_t be = htonl (e[i].addr);
      inet_ntop (AF_INET, &be, ip, sizeof ip);
      fprintf (f, "%s\t%s # jailrun pid=%d start=%llu\n", ip, e[i].names, (int) e[i].pid, e[i].start);
    }
  if (fclose (f) != 0)
    return -ENOMEM;
  int r = pwrite (fd, text, len, 0) == (ssize_t) len && ftruncate (fd, (off_t) len) == 0 ? 0 : -errno;
  free (text);
  return r;
}

/* Lock the network (flock of its directory, which no jail can open: a
 * jail can open and flock its read-only /etc/hosts, so that file is
 * never the lock), open the hosts file and read its live entries into
 * *e (malloc'd).  The hosts fd; the lock's fd in *lk (close both). */
static int
hosts_lock (const struct jr_netinfo *ni, int *lk, struct hentry **e, size_t *n, jail_error **err)
{
  char path[4200];
  snprintf (path, sizeof path, "%s/hosts", ni->dir);
  *lk = open (ni->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (*lk < 0 || flock (*lk, LOCK_EX) < 0)
    {
      int saved = errno;
      if (*lk >= 0)
        close (*lk);
      return jr_error (err, saved, "network %s: lock %s", ni->name, ni->dir);
    }
  int fd = open (path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
  char *text = NULL;
  *e = fd >= 0 ? calloc (HOSTS_ENTRIES, sizeof **e) : NULL;
  int r = fd < 0 ? -errno : *e ? slurp (path, &text, HOSTS_MAX)
                               : -ENOMEM;
  if (r == 0)
    *n = live_entries (text, *e, HOSTS_ENTRIES);
  free (text);
  if (r < 0)
    {
      free (*e);
      if (fd >= 0)
        close (fd);
      close (*lk);
      return jr_error (err, -r, "network %s: %s", ni->name, path);
    }
  return fd;
}

int
jr_network_join (const struct jr_netinfo *ni, char *const names[], uint32_t *addr, jail_error **err)
{
  struct hentry *e = NULL;
  size_t n = 0;
  int lk, fd = hosts_lock (ni, &lk, &e, &n, err);
  if (fd < 0)
    return fd;
  uint32_t last = ni->subnet + (1u << (32 - ni->prefix)) - 2, a = ni->subnet + 2;
  for (bool taken = true; taken && a <= last; a += taken)
    {
      taken = false;
      for (size_t i = 0; i < n && !taken; i++)
        taken = e[i].addr == a;
    }
  int r = a > last || n + 1 >= HOSTS_ENTRIES ? jr_error_msg (err, ENOSPC, "network %s: no free address left in its subnet", ni->name) : 0;
  struct hentry *me = &e[n];
  if (r == 0)
    {
      *me = (struct hentry) { .addr = a, .pid = getpid (), .start = jr_pid_starttime (getpid ()) };
      size_t o = 0;
      for (size_t i = 0; names && names[i] && o < sizeof me->names; i++)
        o += (size_t) snprintf (me->names + o, sizeof me->names - o, "%s%s", i ? " " : "", names[i]);
      if (o == 0)
        snprintf (me->names, sizeof me->names, "jail-%d", (int) getpid ());
      r = rewrite_hosts (fd, e, n + 1);
      if (r < 0)
        jr_error (err, -r, "network %s: hosts", ni->name);
    }
  if (r == 0)
    *addr = a;
  free (e);
  close (fd);
  close (lk); /* unlocks */
  return r;
}

void
jr_network_leave (const struct jr_netinfo *ni, uint32_t addr)
{
  struct hentry *e = NULL;
  size_t n = 0, k = 0;
  int lk, fd = hosts_lock (ni, &lk, &e, &n, NULL);
  if (fd < 0)
    return;
  for (size_t i = 0; i < n; i++)
    if (!(e[i].addr == addr && e[i].pid == getpid ()))
      e[k++] = e[i];
  rewrite_hosts (fd, e, k);
  free (e);
  close (fd);
  close (lk);
}

/* Open /proc/HOLDER/ns/WHAT of a live holder; -1 when it is gone (or the
 * pid was reused between the check and the open). */
static int
open_holder_ns (const struct jr_netinfo *ni, const char *what)
{
  char p[64];
  snprintf (p, sizeof p, "/proc/%d/ns/%s", (int) ni->holder, what);
  int fd = holder_alive (ni) ? open (p, O_RDONLY | O_CLOEXEC) : -1;
  if (fd >= 0 && !holder_alive (ni))
    {
      close (fd);
      fd = -1;
    }
  return fd;
}

int
jr_network_open (const char *name, struct jr_netinfo *ni, int *netns_fd, int *userns_fd, jail_error **err)
{
  *netns_fd = *userns_fd = -1;
  int r = read_info (name, ni, err);
  if (r < 0)
    return r;
  *netns_fd = open_holder_ns (ni, "net");
  if (*netns_fd >= 0 && geteuid () != 0 && (*userns_fd = open_holder_ns (ni, "user")) < 0)
    {
      close (*netns_fd);
      *netns_fd = -1;
    }
  if (*netns_fd < 0)
    return jr_error_msg (err, ESRCH, "network '%s' is stale (its holder process %d is gone): "
                                     "'jailrun network rm %s' and create it again",
                         name, (int) ni->holder, name);
  return 0;
}

/* The live entries of a network (for rm and inspect); *e malloc'd. */
static int
entries (const struct jr_netinfo *ni, struct hentry **e, size_t *n, jail_error **err)
{
  int lk, fd = hosts_lock (ni, &lk, e, n, err);
  if (fd < 0)
    return fd;
  close (fd);
  close (lk);
  return 0;
}

int
jail_network_remove (const char *name, jail_error **err)
{
  struct jr_netinfo ni;
  struct hentry *e = NULL;
  size_t n = 0;
  int r = read_info (name, &ni, err);
  if (r == 0 && holder_alive (&ni) && entries (&ni, &e, &n, NULL) == 0 && n > 0)
    r = jr_error_msg (err, EBUSY, "network '%s' has %zu jail(s) on it (%s%s): stop them first", name, n,
                      e[0].names, n > 1 ? ", ..." : "");
  free (e);
  if (r < 0)
    return r;
  stop_holder (&ni);
  return remove_dir (ni.dir, err);
}

int
jail_network_list (char ***names, jail_error **err)
{
  char *top cleanup_free = NULL;
  int r = net_dir (NULL, &top, err);
  if (r < 0)
    return r;
  size_t n = 0;
  char **v = calloc (1, sizeof *v);
  DIR *d = opendir (top);
  struct dirent *de;
  while (v && d && (de = readdir (d)) != NULL)
    {
      if (jr_state_name_check (de->d_name, NULL) < 0 || de->d_type != DT_DIR)
        continue;
      char **nv = realloc (v, (n + 2) * sizeof *v);
      if (nv == NULL || (nv[n] = strdup (de->d_name)) == NULL)
        {
          jail_list_free (nv ? nv : v);
          v = NULL;
          break;
        }
      v = nv;
      v[++n] = NULL;
    }
  if (d)
    closedir (d);
  if (v == NULL)
    return jr_error (err, ENOMEM, "network");
  *names = v;
  return (int) n;
}

/* Append the JSON of the jails on the network. */
static void
jails_json (FILE *f, const struct hentry *e, size_t n)
{
  fputs ("  \"Jails\": [", f);
  for (size_t i = 0; i < n; i++)
    {
      char ip[16];
      uint32_t be = htonl (e[i].addr);
      inet_ntop (AF_INET, &be, ip, sizeof ip);
      fprintf (f, "%s\n    {\"Address\": \"%s\", \"Names\": \"%s\", \"Pid\": %d}", i ? "," : "", ip, e[i].names,
               (int) e[i].pid);
    }
  fputs (n ? "\n  ]\n" : "]\n", f);
}

int
jail_network_inspect (const char *name, char **json, jail_error **err)
{
  struct jr_netinfo ni;
  int r = read_info (name, &ni, err);
  if (r < 0)
    return r;
  bool alive = holder_alive (&ni);
  struct hentry *e = NULL;
  size_t n = 0, len = 0;
  if (alive && entries (&ni, &e, &n, err) < 0)
    return -EIO;
  char net[16], gw[16];
  uint32_t s = htonl (ni.subnet), g = htonl (ni.subnet + 1);
  inet_ntop (AF_INET, &s, net, sizeof net);
  inet_ntop (AF_INET, &g, gw, sizeof gw);
  FILE *f = open_memstream (json, &len);
  if (f == NULL)
    {
      free (e);
      return jr_error (err, ENOMEM, "network");
    }
  char uns[64] = "";
  if (geteuid () != 0) /* rootless: the holder's user namespace owns the netns */
    snprintf (uns, sizeof uns, ", \"Userns\": \"/proc/%d/ns/user\"", (int) ni.holder);
  fprintf (f, "{\n  \"Name\": \"%s\",\n  \"State\": \"%s\",\n  \"Subnet\": \"%s/%d\",\n  \"Gateway\": \"%s\",\n"
              "  \"Internal\": true,\n  \"Created\": %lld,\n  \"Holder\": {\"Pid\": %d, \"Alive\": %s, \"Netns\": \"/proc/%d/ns/net\"%s},\n"
              "  \"Hosts\": \"%s/hosts\",\n",
           ni.name, alive ? "ready" : "stale", net, ni.prefix, gw, ni.created,
           (int) ni.holder, alive ? "true" : "false", (int) ni.holder, uns, ni.dir);
  jails_json (f, e, n);
  fputs ("}\n", f);
  free (e);
  return fclose (f) == 0 ? 0 : jr_error (err, ENOMEM, "network");
}

int
jr_network_merged_open (char **path, jail_error **err)
{
  char *top cleanup_free = NULL, *dir cleanup_free = NULL;
  int r = net_dir (NULL, &top, err);
  if (r < 0)
    return r;
  if (asprintf (&dir, "%s/.merged", top) < 0 || asprintf (path, "%s/%d", dir, (int) getpid ()) < 0)
    return jr_error (err, ENOMEM, "network");
  if ((mkdir (top, 0755) < 0 && errno != EEXIST) || (mkdir (dir, 0755) < 0 && errno != EEXIST))
    return jr_error (err, errno, "network: mkdir %s", dir);
  int fd = open (*path, O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0 || fchmod (fd, 0644) < 0)
    {
      int saved = errno;
      if (fd >= 0)
        close (fd);
      return jr_error (err, saved, "network: %s", *path);
    }
  return fd;
}

int
jr_network_merged_write (const struct jr_netinfo *nets, size_t n, int fd)
{
  struct hentry *all = calloc (HOSTS_ENTRIES, sizeof *all);
  size_t total = 0;
  int r = all ? 0 : -ENOMEM;
  for (size_t i = 0; r == 0 && i < n; i++)
    {
      struct hentry *e = NULL;
      size_t k = 0;
      r = entries (&nets[i], &e, &k, NULL); /* one network's lock at a time */
      for (size_t j = 0; r == 0 && j < k && total < HOSTS_ENTRIES; j++)
        all[total++] = e[j];
      free (e);
    }
  if (r == 0)
    r = rewrite_hosts (fd, all, total);
  free (all);
  return r;
}

const struct jr_netstore jr_network_store = {
  .open = jr_network_open,
  .join = jr_network_join,
  .leave = jr_network_leave,
  .merged_open = jr_network_merged_open,
  .merged_write = jr_network_merged_write,
};
