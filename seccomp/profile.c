/* profile.c - the default seccomp policy (a first floor; the full table
 * and Docker/OCI profiles come with the seccomp issue). */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "seccomp_internal.h"

/* Syscalls denied with EPERM, each with its reason. */
static const struct { const char *name; const char *why; } denied[] = {
  { "mount", "mount table is built before the command runs" },
  { "umount2", "mount table is built before the command runs" },
  { "pivot_root", "root is fixed" },
  { "chroot", "root is fixed" },
  { "unshare", "no new namespaces" },
  { "setns", "no joining other namespaces" },
  { "ptrace", "no debugging of other processes" },
  { "keyctl", "kernel keyrings are not namespaced" },
  { "add_key", "kernel keyrings are not namespaced" },
  { "request_key", "kernel keyrings are not namespaced" },
  { "bpf", "eBPF is kernel attack surface" },
  { "userfaultfd", "race-widening primitive for exploits" },
};

int
jr_seccomp_build (const char *spec, scmp_filter_ctx *out, jail_error **err)
{
  if (strcmp (spec, "default") != 0)
    return jr_error_msg (err, EINVAL, "seccomp '%s': unknown policy: use default or unconfined", spec);
  scmp_filter_ctx ctx = seccomp_init (SCMP_ACT_ALLOW);
  if (ctx == NULL)
    return jr_error (err, ENOMEM, "seccomp: init");
  int r = 0;
  for (size_t i = 0; r == 0 && i < sizeof denied / sizeof *denied; i++)
    {
      int nr = seccomp_syscall_resolve_name (denied[i].name);
      if (nr != __NR_SCMP_ERROR)
        r = seccomp_rule_add (ctx, SCMP_ACT_ERRNO (EPERM), nr, 0);
    }
  if (r == 0)
    r = seccomp_rule_add (ctx, SCMP_ACT_ERRNO (EPERM), SCMP_SYS (ioctl), 1,
                          SCMP_A1 (SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCSTI));
  if (r == 0)
    r = seccomp_rule_add (ctx, SCMP_ACT_ERRNO (EPERM), SCMP_SYS (ioctl), 1,
                          SCMP_A1 (SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCLINUX));
  if (r < 0)
    {
      seccomp_release (ctx);
      return jr_error (err, -r, "seccomp: add rule");
    }
  *out = ctx;
  return 0;
}
