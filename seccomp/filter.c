/* filter.c - seccomp plumbing: compile a policy to classic BPF in the
 * supervisor, and load it in the child as the very last step before
 * execve.  The policy itself: profile.c (default), json.c (profiles),
 * spec.c (specs and edits); to BPF: emit.c, or compile.c (libseccomp)
 * for the policies emit.c does not take. */
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

#include "jr_seccomp.h"
#ifdef JR_HAVE_DEFAULT_BPF
#include "default_bpf.h"
#endif
#include "seccomp_internal.h"

/* libseccomp, unless spec needs none (unconfined: no filter at all). */
static int
need_lib (const char *spec, jail_error **err)
{
  return spec && strcmp (spec, "unconfined") == 0 ? 0 : jr_seccomp_lib (err);
}

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

/* p to BPF (see seccomp_internal.h). */
int
jr_sc_policy_bpf (const struct jr_sc_policy *p, bool via_lib, struct jr_bpf *out, jail_error **err)
{
  if (!via_lib && jr_sc_emit_ok (p))
    return jr_sc_emit (p, out, err);
  scmp_filter_ctx ctx = NULL;
  int r = jr_sc_compile (p, &ctx, err);
  if (r == 0)
    r = export_bpf (ctx, out, err);
  if (ctx)
    seccomp_release (ctx);
  return r;
}

/* Build the policy spec names and export it (unless unconfined).  The
 * policy's warnings go to *warnings when it is not NULL. */
static int
compile_spec (const char *spec, struct jr_bpf *out, char **warnings, jail_error **err)
{
  memset (out, 0, sizeof *out);
  struct jr_sc_policy p;
  bool unconfined;
  int r = need_lib (spec, err);
  if (r < 0)
    return r;
  r = jr_sc_policy_from_spec (spec, &p, &unconfined, err);
  if (r < 0)
    return r;
  out->unconfined = unconfined;
  if (!unconfined)
    r = jr_sc_policy_bpf (&p, false, out, err);
  if (r == 0 && warnings)
    *warnings = jr_steal_ptr (&p.warnings);
  jr_sc_policy_free (&p);
  return r;
}

/* Compile spec to BPF in the supervisor (see internal.h). */
int
jr_seccomp_compile_nocache (const char *spec, struct jr_bpf *out, jail_error **err)
{
  return compile_spec (spec, out, NULL, err);
}

int
jr_seccomp_compile (const char *spec, struct jr_bpf *out, jail_error **err)
{
#ifdef JR_HAVE_DEFAULT_BPF
  /* The default policy was compiled at build time (gen_default.c). */
  if (spec && strcmp (spec, "default") == 0)
    {
      memset (out, 0, sizeof *out);
      out->filter = malloc (sizeof jr_default_bpf);
      if (out->filter == NULL)
        return jr_error (err, ENOMEM, "seccomp");
      memcpy (out->filter, jr_default_bpf, sizeof jr_default_bpf);
      out->len = (unsigned short) (sizeof jr_default_bpf / sizeof (struct sock_filter));
      return 0;
    }
#endif
  return compile_spec (spec, out, NULL, err);
}

/* Check spec at configuration time; hand back its warnings. */
int
jr_seccomp_check (const char *spec, char **warnings, jail_error **err)
{
  /* The policy only: libseccomp's compile costs milliseconds, and
   * jail_run does it once, before anything is started. */
  struct jr_sc_policy p;
  bool unconfined;
  *warnings = NULL;
  int r = need_lib (spec, err);
  if (r == 0)
    r = jr_sc_policy_from_spec (spec, &p, &unconfined, err);
  if (r < 0)
    return r;
  *warnings = jr_steal_ptr (&p.warnings);
  jr_sc_policy_free (&p);
  return 0;
}

/* In the child, last before execve: install the program on every thread. */
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

/* Free a compiled program. */
void
jr_bpf_release (struct jr_bpf *bpf)
{
  free (bpf->filter);
  bpf->filter = NULL;
  bpf->len = 0;
}

/* Public: readable rules of spec (see jail.h). */
int
jail_seccomp_dump (const char *spec, char **text, char **warnings, jail_error **err)
{
  struct jr_sc_policy p;
  bool unconfined;
  *text = NULL;
  if (warnings)
    *warnings = NULL;
  int r = need_lib (spec, err);
  if (r == 0)
    r = jr_sc_policy_from_spec (spec, &p, &unconfined, err);
  if (r < 0)
    return r;
  if (unconfined)
    {
      *text = strdup ("# jailrun seccomp policy: unconfined (no filter is loaded)\n");
      return *text ? 0 : jr_error (err, ENOMEM, "seccomp: dump");
    }
  struct jr_bpf bpf = { 0 };
  r = jr_sc_policy_bpf (&p, false, &bpf, err);
  if (r == 0)
    r = jr_sc_dump (&p, bpf.len, text, err);
  jr_bpf_release (&bpf);
  if (r == 0 && warnings)
    *warnings = jr_steal_ptr (&p.warnings);
  jr_sc_policy_free (&p);
  return r;
}
