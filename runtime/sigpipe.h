/* sigpipe.h - the SIGPIPE bracket of sigpipe.c, shared by runtime/ (the
 * terminal relay) and netns/ (the forwarder and the proxy): SIGPIPE
 * blocked in this thread around writes to peers that may vanish, then
 * restored (one raised meanwhile is dropped). */
#ifndef JR_SIGPIPE_H
#define JR_SIGPIPE_H
#include <stdbool.h>

struct jr_sigpipe
{
  bool blocked, was_pending;
};
void jr_sigpipe_block (struct jr_sigpipe *s);
void jr_sigpipe_restore (struct jr_sigpipe *s);

#endif
