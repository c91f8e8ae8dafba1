/* lazylib.c - the first-use loader of lazylib.h: dlopen by soname (the
 * system's search path, as the dynamic loader would have at start), every
 * listed function looked up at once, the outcome kept for the process.
 * The root the process started with (device, inode and mount id) is
 * recorded by a constructor, so that a load after pivot_root, chroot or
 * setns into a jail is refused. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "lazylib.h"

/* Which "/" this is: its device and inode, and the id of the mount it
 * is (0 where statx gives none). */
struct root_id
{
  unsigned major, minor;
  unsigned long long ino, mnt;
};

/* The root this process started with (set once, before main: the one
 * mutable global besides the libraries' tables, see lazylib.h). */
static struct
{
  struct root_id id;
  int ok;
} start_root;

/* Fill id for the current "/": 0, or -1 when it cannot be read.  Where
 * statx is refused (an old seccomp profile), stat's device and inode. */
static int
root_id (struct root_id *id)
{
  struct statx sx;
  struct stat st;
  if (statx (AT_FDCWD, "/", 0, STATX_INO | STATX_MNT_ID, &sx) < 0)
    {
      if (stat ("/", &st) < 0)
        return -1;
      *id = (struct root_id) { .major = major (st.st_dev), .minor = minor (st.st_dev), .ino = st.st_ino };
      return 0;
    }
  *id = (struct root_id) { .major = sx.stx_dev_major, .minor = sx.stx_dev_minor, .ino = sx.stx_ino, .mnt = (sx.stx_mask & STATX_MNT_ID) ? sx.stx_mnt_id : 0 };
  return 0;
}

/* Record the starting root (one statx per process start). */
__attribute__ ((constructor)) static void
record_root (void)
{
  start_root.ok = root_id (&start_root.id) == 0;
}

/* Whether "/" is still the root the process started with: the same
 * directory (device, inode) on the same mount.  The mount id is what
 * tells a bind mount of the host's "/" (a jail's root made from it, as
 * `jailrun run /` does, with any mount of the jail's on top) from the
 * host's own: device and inode alone are the same for both.  A mount
 * namespace entered or made since (setns, unshare) has other mount ids
 * too: a library is not loaded there first either. */
static int
same_root (void)
{
  struct root_id now;
  return start_root.ok && root_id (&now) == 0 && now.major == start_root.id.major && now.minor == start_root.id.minor
         && now.ino == start_root.id.ino && now.mnt == start_root.id.mnt;
}

/* dlopen l and look up its functions; the outcome in l->state/why. */
static void
load_locked (struct jr_lazylib *l)
{
  if (!same_root ())
    {
      snprintf (l->why, sizeof l->why,
                "%s is not loaded from a root other than the one this process started in, nor in another mount namespace",
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
