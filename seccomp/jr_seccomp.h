/* jr_seccomp.h - what seccomp/ offers the rest of libjail: the compiled
 * filter (struct jr_bpf), built from a --seccomp spec in the parent and
 * loaded in the child (filter.c).  seccomp/'s own parts share
 * seccomp_internal.h.  (Not "seccomp.h": that name is libseccomp's.) */
#ifndef JR_SECCOMP_H
#define JR_SECCOMP_H
#include <stdbool.h>

#include "error.h"

/* A compiled seccomp program, built in the parent, loaded in the child. */
struct jr_bpf
{
  void *filter; /* struct sock_filter[] */
  unsigned short len;
  bool unconfined;
};

/* filter.c */
int jr_seccomp_compile (const char *spec, struct jr_bpf *out, jail_error **err);
/* Same, never the copy compiled at build time (the build, tests). */
int jr_seccomp_compile_nocache (const char *spec, struct jr_bpf *out, jail_error **err);
/* spec.c: the spec to store when spec is set over current (*out,
 * malloc'd): edits ("+a,-b") add to the default or to earlier edits;
 * anything else replaces. */
int jr_seccomp_spec_join (const char *current, const char *spec, char **out, jail_error **err);
/* Check spec (build its policy); *warnings gets its warnings (or NULL). */
int jr_seccomp_check (const char *spec, char **warnings, jail_error **err);
int jr_seccomp_load (const struct jr_bpf *bpf, struct jail_error *e);
void jr_bpf_release (struct jr_bpf *bpf);
/* libseccomp ready for use (loaded on first use, seccomp/lazy.c): 0, or
 * -errno and why in *err. */
int jr_seccomp_lib (jail_error **err);

#endif
