/* lazylib.c - the first-use loader of lazylib.h: dlopen by soname (the
 * system's search path, as the dynamic loader would have at start), every
 * listed function looked up at once, the outcome kept for the process.
 * The root the process started with is recorded by a constructor, so that
 * a load after pivot_root or setns into a jail is refused. */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include "lazylib.h"

/* The root this process started with (set once, before main). */
static struct
{
  dev_t dev;
  ino_t ino;
  int ok;
} start_root;

/* Record the starting root (one stat per process start). */
__attribute__ ((constructor)) static void
record_root (void)
{
  struct stat st;
  if (stat ("/", &st) == 0)
    {
      start_root.dev = st.st_dev;
      start_root.ino = st.st_ino;
      start_root.ok = 1;
    }
}

/* Whether "/" is still the root the process started with. */
static int
same_root (void)
{
  struct stat st;
  return start_root.ok && stat ("/", &st) == 0 && st.st_dev == start_root.dev && st.st_ino == start_root.ino;
}

/* dlopen l and look up its functions; the outcome in l->state/why. */
static void
load_locked (struct jr_lazylib *l)
{
  if (!same_root ())
    {
      snprintf (l->why, sizeof l->why, "%s is not loaded from a root other than the one this process started in",
                l->soname);
      __atomic_store_n (&l->state, -EPERM, __ATOMIC_RELEASE);
      return;
    }
  void *dl = dlopen (l->soname, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  if (dl == NULL)
    {
      snprintf (l->why, sizeof l->why, "%s cannot be loaded (%s)", l->soname, dlerror ());
      __atomic_store_n (&l->state, -ELIBACC, __ATOMIC_RELEASE);
      return;
    }
  for (size_t i = 0; i < l->n; i++)
    if ((l->syms[i] = dlsym (dl, l->names[i])) == NULL)
      {
        snprintf (l->why, sizeof l->why, "%s lacks %s (too old a version)", l->soname, l->names[i]);
        __atomic_store_n (&l->state, -ELIBBAD, __ATOMIC_RELEASE);
        return; /* RTLD_NODELETE: nothing to unmap */
      }
  __atomic_store_n (&l->state, 1, __ATOMIC_RELEASE);
}

/* The state of l, loading it if not tried yet. */
static int
state_of (struct jr_lazylib *l)
{
  int s = __atomic_load_n (&l->state, __ATOMIC_ACQUIRE);
  if (s != 0)
    return s;
  pthread_mutex_lock (&l->lock);
  if (__atomic_load_n (&l->state, __ATOMIC_ACQUIRE) == 0)
    load_locked (l);
  pthread_mutex_unlock (&l->lock);
  return __atomic_load_n (&l->state, __ATOMIC_ACQUIRE);
}

int
jr_lazylib_load (struct jr_lazylib *l, const char *package, jail_error **err)
{
  int s = state_of (l);
  if (s == 1)
    return 0;
  return jr_error_msg (err, -s, "%s: install %s", l->why, package);
}

void *
jr_lazylib_sym (struct jr_lazylib *l, size_t i)
{
  return state_of (l) == 1 ? l->syms[i] : NULL;
}
