/* caps.c - capability names (the kernel's, from linux/capability.h: a
 * table here, so that no jailrun process loads libcap and runs its
 * constructor at start) and the drop of every capability set (bounding,
 * ambient, permitted, effective, inheritable) except those kept with
 * --cap-add.  The drop runs in the child; no allocation. */
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

/* The kernel's capability names, by number (linux/capability.h). */
static const char *const cap_names[] = {
  "cap_chown",
  "cap_dac_override",
  "cap_dac_read_search",
  "cap_fowner",
  "cap_fsetid",
  "cap_kill",
  "cap_setgid",
  "cap_setuid",
  "cap_setpcap",
  "cap_linux_immutable",
  "cap_net_bind_service",
  "cap_net_broadcast",
  "cap_net_admin",
  "cap_net_raw",
  "cap_ipc_lock",
  "cap_ipc_owner",
  "cap_sys_module",
  "cap_sys_rawio",
  "cap_sys_chroot",
  "cap_sys_ptrace",
  "cap_sys_pacct",
  "cap_sys_admin",
  "cap_sys_boot",
  "cap_sys_nice",
  "cap_sys_resource",
  "cap_sys_time",
  "cap_sys_tty_config",
  "cap_mknod",
  "cap_lease",
  "cap_audit_write",
  "cap_audit_control",
  "cap_setfcap",
  "cap_mac_override",
  "cap_mac_admin",
  "cap_syslog",
  "cap_wake_alarm",
  "cap_block_suspend",
  "cap_audit_read",
  "cap_perfmon",
  "cap_bpf",
  "cap_checkpoint_restore",
};

const char *
jr_cap_name (int cap)
{
  return cap >= 0 && (size_t) cap < sizeof cap_names / sizeof cap_names[0] ? cap_names[cap] : NULL;
}

int
jr_caps_from_name (const char *name, int *cap)
{
  size_t o = strncasecmp (name, "cap_", 4) == 0 ? 0 : 4;
  for (int c = 0; jr_cap_name (c); c++)
    if (strcasecmp (name, cap_names[c] + o) == 0)
      {
        /* Only what the running kernel knows (it has a bounding bit). */
        if (prctl (PR_CAPBSET_READ, c, 0, 0, 0) < 0)
          return -EINVAL;
        *cap = c;
        return 0;
      }
  return -EINVAL;
}

/* Highest capability number the running kernel knows. */
static int
last_cap (void)
{
  int last = CAP_LAST_CAP;
  while (last < 63 && prctl (PR_CAPBSET_READ, last + 1, 0, 0, 0) >= 0)
    last++;
  return last;
}

int
jr_caps_bound (uint64_t keep, struct jail_error *e)
{
  int last = last_cap ();
  for (int c = 0; c <= last; c++)
    if (!(keep & (1ull << c)) && prctl (PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
      return jr_error_buf (e, errno, "caps: drop bounding cap %d", c);
  return 0;
}

int
jr_caps_apply (uint64_t keep, bool bounded, struct jail_error *e)
{
  int last = last_cap ();
  if (last < 63)
    keep &= (1ull << (last + 1)) - 1;
  int r = bounded ? 0 : jr_caps_bound (keep, e);
  if (r < 0)
    return r;
  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
    return jr_error_buf (e, errno, "caps: clear ambient");
  struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
  struct __user_cap_data_struct d[2];
  memset (d, 0, sizeof d);
  for (int i = 0; i < 2; i++)
    d[i].permitted = d[i].effective = d[i].inheritable = (uint32_t) (keep >> (32 * i));
  if (syscall (SYS_capset, &h, d) < 0)
    return jr_error_buf (e, errno, "caps: capset");
  /* Kept caps survive execve of a non-root uid only through ambient. */
  for (int c = 0; c <= last; c++)
    if ((keep & (1ull << c)) && prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
      return jr_error_buf (e, errno, "caps: raise ambient cap %d", c);
  return 0;
}
