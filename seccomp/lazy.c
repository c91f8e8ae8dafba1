/* lazy.c - libseccomp loaded on first use (runtime/lazylib.h): the
 * functions seccomp/ calls, defined here and forwarded to libseccomp.so.2
 * once something compiles a policy that was not compiled at build time
 * (a profile, an edit, `jailrun seccomp`).  A start with the default
 * filter and every `jailrun exec` never load it.  Built without
 * JR_LAZY_LIBS (the build-time generator, seccomp-gen), seccomp/ links
 * libseccomp directly and this file only says so. */
#include <errno.h>
#include <seccomp.h>

#include "jr_seccomp.h"
#include "seccomp_internal.h"

#ifdef JR_LAZY_LIBS
#include "lazylib.h"

/* Every libseccomp function seccomp/ calls:
 * F (type, name, (parameters), (arguments), value when not loadable),
 * V (name, (parameters), (arguments)) for those returning nothing. */
/* clang-format off */
#define SECCOMP_API(F, V)                                                                                     \
  F (const struct scmp_version *, seccomp_version, (void), (), NULL)                                          \
  F (scmp_filter_ctx, seccomp_init, (uint32_t def), (def), NULL)                                              \
  V (seccomp_release, (scmp_filter_ctx ctx), (ctx))                                                           \
  F (int, seccomp_attr_set, (scmp_filter_ctx ctx, enum scmp_filter_attr a, uint32_t v), (ctx, a, v), -ELIBACC) \
  F (uint32_t, seccomp_arch_native, (void), (), 0)                                                            \
  F (uint32_t, seccomp_arch_resolve_name, (const char *name), (name), 0)                                      \
  F (int, seccomp_syscall_resolve_name, (const char *name), (name), __NR_SCMP_ERROR)                          \
  F (char *, seccomp_syscall_resolve_num_arch, (uint32_t arch, int num), (arch, num), NULL)                   \
  F (int, seccomp_rule_add_array, (scmp_filter_ctx ctx, uint32_t action, int nr, unsigned int n,              \
                                   const struct scmp_arg_cmp *cmp), (ctx, action, nr, n, cmp), -ELIBACC)      \
  F (int, seccomp_export_bpf, (const scmp_filter_ctx ctx, int fd), (ctx, fd), -ELIBACC)
/* clang-format on */

JR_LAZYLIB_DEFINE (SECCOMP_API, "libseccomp.so.2")

int
jr_seccomp_lib (jail_error **err)
{
  return jr_lazylib_load (&jr_lz_lib, "libseccomp2", err);
}
#else
int
jr_seccomp_lib (jail_error **err)
{
  (void) err;
  return 0;
}
#endif
