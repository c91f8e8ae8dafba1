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
 * process that has since entered a jail's root (pivot_root, setns) gets an
 * error instead of code from the jail's filesystem. */
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

#endif
