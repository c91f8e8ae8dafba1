/* caps.c - capability names (libcap) and the drop of every capability
 * set (bounding, ambient, permitted, effective, inheritable) except those
 * kept with --cap-add.  Runs in the child; no allocation. */
#include <ctype.h>
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/capability.h>
#include <unistd.h>

#include "internal.h"

int
jr_caps_from_name (const char *name, int *cap)
{
  char buf[64];
  size_t n = strlen (name);
  if (n == 0 || n + 5 > sizeof buf)
    return -EINVAL;
  size_t o = 0;
  if (strncasecmp (name, "cap_", 4) != 0)
    o = (size_t) snprintf (buf, sizeof buf, "cap_");
  for (size_t i = 0; i <= n; i++)
    buf[o + i] = (char) tolower ((unsigned char) name[i]);
  cap_value_t v;
  if (cap_from_name (buf, &v) < 0 || v < 0 || v > 63 || !CAP_IS_SUPPORTED (v))
    return -EINVAL;
  *cap = v;
  return 0;
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
jr_caps_apply (uint64_t keep, struct jail_error *e)
{
  int last = last_cap ();
  if (last < 63)
    keep &= (1ull << (last + 1)) - 1;
  for (int c = 0; c <= last; c++)
    if (!(keep & (1ull << c)) && prctl (PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
      return jr_error_buf (e, errno, "caps: drop bounding cap %d", c);
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
