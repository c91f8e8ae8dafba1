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

#define SC_INDEX(t, name, ...) SC_##name,
#define SC_INDEX_V(name, ...) SC_##name,
enum
{
  SECCOMP_API (SC_INDEX, SC_INDEX_V) SC_N
};

#define SC_NAME(t, name, ...) #name,
#define SC_NAME_V(name, ...) #name,
static const char *const sc_names[] = { SECCOMP_API (SC_NAME, SC_NAME_V) };
static void *sc_syms[SC_N];
/* The loader's table for libseccomp (lazylib.h): filled once. */
static struct jr_lazylib sc_lib = { .soname = "libseccomp.so.2", .names = sc_names, .n = SC_N, .syms = sc_syms, .lock = PTHREAD_MUTEX_INITIALIZER };

#define SC_STUB(t, name, params, args, fail)             \
  t name params                                          \
  {                                                      \
    t (*f) params;                                       \
    *(void **) &f = jr_lazylib_sym (&sc_lib, SC_##name); \
    return f ? f args : fail;                            \
  }
#define SC_STUB_V(name, params, args)                    \
  void name params                                       \
  {                                                      \
    void (*f) params;                                    \
    *(void **) &f = jr_lazylib_sym (&sc_lib, SC_##name); \
    if (f)                                               \
      f args;                                            \
  }
SECCOMP_API (SC_STUB, SC_STUB_V)

int
jr_seccomp_lib (jail_error **err)
{
  return jr_lazylib_load (&sc_lib, "libseccomp2", err);
}
#else
int
jr_seccomp_lib (jail_error **err)
{
  (void) err;
  return 0;
}
#endif
