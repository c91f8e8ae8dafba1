/* sigpipe.c - block SIGPIPE in the calling thread around writes to peers
 * that may go away (the forwarder's and proxy's sockets, the terminal
 * relay's pipes), without installing a handler an embedder would see, and
 * restore the mask after: a SIGPIPE raised meanwhile is dropped unless one
 * was already pending before. */
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include "sigpipe.h"

void
jr_sigpipe_block (struct jr_sigpipe *s)
{
  sigset_t set, old, pend;
  sigemptyset (&set);
  sigaddset (&set, SIGPIPE);
  if (pthread_sigmask (SIG_BLOCK, &set, &old) != 0)
    return;
  s->blocked = !sigismember (&old, SIGPIPE);
  sigpending (&pend);
  s->was_pending = sigismember (&pend, SIGPIPE);
}

void
jr_sigpipe_restore (struct jr_sigpipe *s)
{
  if (!s->blocked)
    return;
  sigset_t set, pend;
  sigemptyset (&set);
  sigaddset (&set, SIGPIPE);
  sigpending (&pend);
  struct timespec zero = { 0, 0 };
  if (!s->was_pending && sigismember (&pend, SIGPIPE))
    sigtimedwait (&set, NULL, &zero);
  pthread_sigmask (SIG_UNBLOCK, &set, NULL);
  s->blocked = false;
}
