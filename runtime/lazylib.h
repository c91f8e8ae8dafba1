/* lazylib.h - a shared library loaded on first use (dlopen) instead of at
 * start: libseccomp and json-c are called only to compile a custom seccomp
 * profile or to read and write JSON, never by `jailrun exec`, `ps` or a
 * start with the default filter, and each library the dynamic loader maps
 * at start costs every jailrun process about 5-10% of its start-up here
 * (docs/perf-profile.md).  The library's users keep calling it by its own
 * names: a file of stubs (seccomp/lazy.c, ...) defines each function it
 * calls and forwards through a table filled once by jr_lazylib_sym.
 *
 * A library is only loaded from the root the process started with: a
 * process that has since entered a jail's root (pivot_root, chroot, setns)
 * gets an error instead of code from the jail's filesystem.  "The same
 * root" is the same directory on the same mount (device, inode and the
 * mount id statx gives): a jail whose root is a bind mount of the host's
 * "/" has the host's device and inode but a mount of its own, so a
 * library a jail mounted over a system directory there is not mapped
 * either.  A process that made or joined another mount namespace since it
 * started (every mount has a new id there) loads nothing new; what it
 * loaded before stays usable.
 *
 * Mutable globals, the one exception to libjail's rule (state lives in
 * the handle): each stub file's table (JR_LAZYLIB_DEFINE) and the starting
 * root lazylib.c records before main.  The stubs stand in for the
 * library's own functions, whose callers pass no jail handle (libseccomp's
 * and json-c's API), and what they cache is the process's own, as the
 * dynamic loader's state is: which library is mapped.  Each table is
 * written once, under its mutex, with its state published atomically;
 * the root is written before main and only read after; so libjail stays
 * reentrant and thread-safe. */
#ifndef JR_LAZYLIB_H
#define JR_LAZYLIB_H

#include <pthread.h>
#include <stddef.h>

#include "error.h"

struct jr_lazylib
{
  const char *soname;       /* "libseccomp.so.2" */
  const char *const *names; /* the functions looked up, n of them */
  size_t n;
  void **syms;          /* n slots, filled on the first load */
  pthread_mutex_t lock; /* PTHREAD_MUTEX_INITIALIZER */
  int state;            /* 0 not tried, 1 loaded, -errno failed (atomic) */
  char why[256];        /* the failure, once state < 0 */
};

/* Load l (once; later calls return the first result): 0, or -errno with
 * "SONAME cannot be loaded (...): install PACKAGE" in *err. */
int jr_lazylib_load (struct jr_lazylib *l, const char *package, jail_error **err);

/* Function i of l, loading l first; NULL when l cannot be loaded. */
void *jr_lazylib_sym (struct jr_lazylib *l, size_t i);

/* Define the stubs of one library in the file that includes this: API is
 * an X-macro list of F (type, name, (parameters), (arguments), value when
 * the library cannot be loaded) and V (name, (parameters), (arguments))
 * for functions returning nothing.  The table is jr_lz_lib (one library
 * per file). */
#define JR_LZ_ENUM_F(t, name, ...) JR_LZ_##name,
#define JR_LZ_ENUM_V(name, ...) JR_LZ_##name,
#define JR_LZ_NAME_F(t, name, ...) #name,
#define JR_LZ_NAME_V(name, ...) #name,
#define JR_LZ_STUB_F(t, name, params, args, fail)                    \
  t name params                                                      \
  {                                                                  \
    t (*jr_lz_f) params;                                             \
    *(void **) &jr_lz_f = jr_lazylib_sym (&jr_lz_lib, JR_LZ_##name); \
    return jr_lz_f ? jr_lz_f args : fail;                            \
  }
#define JR_LZ_STUB_V(name, params, args)                             \
  void name params                                                   \
  {                                                                  \
    void (*jr_lz_f) params;                                          \
    *(void **) &jr_lz_f = jr_lazylib_sym (&jr_lz_lib, JR_LZ_##name); \
    if (jr_lz_f)                                                     \
      jr_lz_f args;                                                  \
  }
#define JR_LAZYLIB_DEFINE(API, so)                                                                                                                  \
  enum                                                                                                                                              \
  {                                                                                                                                                 \
    API (JR_LZ_ENUM_F, JR_LZ_ENUM_V) JR_LZ_N                                                                                                        \
  };                                                                                                                                                \
  static const char *const jr_lz_names[] = { API (JR_LZ_NAME_F, JR_LZ_NAME_V) };                                                                    \
  static void *jr_lz_syms[JR_LZ_N];                                                                                                                 \
  static struct jr_lazylib jr_lz_lib = { .soname = so, .names = jr_lz_names, .n = JR_LZ_N, .syms = jr_lz_syms, .lock = PTHREAD_MUTEX_INITIALIZER }; \
  API (JR_LZ_STUB_F, JR_LZ_STUB_V)

#endif
