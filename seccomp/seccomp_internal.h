/* seccomp_internal.h - interface between the seccomp plumbing
 * (filter.c) and the policy builder (profile.c). */
#ifndef JR_SECCOMP_INTERNAL_H
#define JR_SECCOMP_INTERNAL_H
#include <seccomp.h>
#include "internal.h"

/* Build a libseccomp context for spec ("default", "+a,-b" edits of the
 * default, or a JSON profile path).  On success *ctx is set. */
int jr_seccomp_build (const char *spec, scmp_filter_ctx *ctx, jail_error **err);
#endif
