/* filter.c - seccomp plumbing: compile a policy to classic BPF in the
 * supervisor (libseccomp), and load it in the child as the very last step
 * before execve.  The default profile itself lives in profile.c. */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"
#include "seccomp_internal.h"

/* Export ctx as BPF into out (malloc'd instructions). */
static int
export_bpf (scmp_filter_ctx ctx, struct jr_bpf *out, jail_error **err)
{
  int fd cleanup_close = memfd_create ("jailrun-bpf", MFD_CLOEXEC);
  if (fd < 0)
    return jr_error (err, errno, "seccomp: memfd");
  int r = seccomp_export_bpf (ctx, fd);
  if (r < 0)
    return jr_error (err, -r, "seccomp: export");
  struct stat st;
  if (fstat (fd, &st) < 0)
    return jr_error (err, errno, "seccomp: fstat");
  size_t n = (size_t) st.st_size;
  if (n == 0 || n % sizeof (struct sock_filter) || n / sizeof (struct sock_filter) > BPF_MAXINSNS)
    return jr_error (err, E2BIG, "seccomp: program of %zu bytes", n);
  void *p = malloc (n);
  if (p == NULL)
    return jr_error (err, ENOMEM, "seccomp");
  if (pread (fd, p, n, 0) != (ssize_t) n)
    {
      free (p);
      return jr_error (err, EIO, "seccomp: read program");
    }
  out->filter = p;
  out->len = (unsigned short) (n / sizeof (struct sock_filter));
  return 0;
}

int
jr_seccomp_compile (const char *spec, struct jr_bpf *out, jail_error **err)
{
  memset (out, 0, sizeof *out);
  if (spec == NULL || strcmp (spec, "unconfined") == 0)
    {
      out->unconfined = spec != NULL;
      if (spec == NULL)
        return jr_error_msg (err, EINVAL, "seccomp: no policy given");
      return 0;
    }
  scmp_filter_ctx ctx = NULL;
  int r = jr_seccomp_build (spec, &ctx, err);
  if (r == 0)
    r = export_bpf (ctx, out, err);
  if (ctx)
    seccomp_release (ctx);
  return r;
}

int
jr_seccomp_load (const struct jr_bpf *bpf, struct jail_error *e)
{
  if (bpf->unconfined)
    return 0;
  struct sock_fprog prog = { .len = bpf->len, .filter = bpf->filter };
  if (syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog) < 0)
    return jr_error_buf (e, errno, "seccomp: load filter");
  return 0;
}

void
jr_bpf_release (struct jr_bpf *bpf)
{
  free (bpf->filter);
  bpf->filter = NULL;
  bpf->len = 0;
}
