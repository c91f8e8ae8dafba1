/* fakelib.c - a stand-in for a library planted in a jail's root
 * (tests/lazylib-root.c): its constructor reports that it was loaded on
 * the fd named by JR_FAKELIB_FD. */
#include <stdlib.h>
#include <unistd.h>

/* Runs when anything maps this library. */
__attribute__ ((constructor)) static void
loaded (void)
{
  const char *fd = getenv ("JR_FAKELIB_FD");
  if (fd)
    (void) !write (atoi (fd), "loaded\n", 7);
}
