/* seccomp_internal.h - the seccomp policy model shared by the parts of
 * seccomp/: the default table (profile.c), the Docker/OCI JSON loader
 * (json.c), the +/- edits and spec parsing (policy.c), the compiler to
 * libseccomp (compile.c), the readable dump (dump.c) and the plumbing that
 * exports BPF and loads it in the child (filter.c).
 *
 * A policy is one entry per syscall of the native ABI that libseccomp
 * knows.  Each entry has a list of conditional rules (first match wins in
 * the user's mind; the rules never overlap with different actions) and an
 * "otherwise" action taken when no rule matches.  Syscall numbers that are
 * not entries get the policy's default action. */
#ifndef JR_SECCOMP_INTERNAL_H
#define JR_SECCOMP_INTERNAL_H
#include <seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include "jr_seccomp.h"

/* Highest syscall number (exclusive) probed when listing the native ABI
 * (x86_64, aarch64, riscv64, s390x and ppc64 numbers are all below it). */
#define JR_SC_NR_LIMIT 1024
/* Most argument comparisons in one rule (the kernel passes six args). */
#define JR_SC_MAX_CMP 6

struct jr_sc_rule
{
  uint32_t action; /* SCMP_ACT_* */
  unsigned n_cmp;
  struct scmp_arg_cmp cmp[JR_SC_MAX_CMP]; /* all must hold (AND) */
  const char *why;                        /* reason, or NULL */
};

struct jr_sc_entry
{
  int nr; /* native syscall number */
  char name[40];
  uint32_t otherwise; /* action when no rule matches */
  const char *why;    /* reason for a non-default choice, or NULL */
  struct jr_sc_rule *rules;
  size_t n_rules;
};

struct jr_sc_policy
{
  uint32_t def_action;     /* numbers that are not entries */
  uint32_t badarch;        /* any ABI but the native one */
  const char *source;      /* "default", or the profile path */
  struct jr_sc_entry *sys; /* sorted by number */
  size_t n_sys;
  char *warnings; /* newline-separated, or NULL */
};

/* policy.c */
int jr_sc_policy_init (struct jr_sc_policy *p, uint32_t def, uint32_t fill, jail_error **err);
void jr_sc_policy_free (struct jr_sc_policy *p);
struct jr_sc_entry *jr_sc_find (struct jr_sc_policy *p, const char *name);
int jr_sc_add_rule (struct jr_sc_entry *e, const struct jr_sc_rule *r, jail_error **err);
void jr_sc_set_all (struct jr_sc_entry *e, uint32_t action, const char *why);
int jr_sc_warn (struct jr_sc_policy *p, jail_error **err, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));
/* spec.c: build the policy a spec names: "default", "+a,-b" edits of the default
 * (optionally after "default,"), or a JSON profile path.  "unconfined"
 * has no policy: *unconfined is set and p stays empty. */
int jr_sc_policy_from_spec (const char *spec, struct jr_sc_policy *p, bool *unconfined,
                            jail_error **err);

/* profile.c: fill p with jailrun's default policy. */
int jr_sc_default_policy (struct jr_sc_policy *p, jail_error **err);

/* json.c: fill p from a Docker/OCI seccomp JSON profile. */
int jr_sc_json_policy (struct jr_sc_policy *p, const char *path, jail_error **err);

/* A set of argument values: arg a has (value & mask[a]) == val[a]. */
struct cube
{
  uint64_t mask[JR_SC_MAX_CMP];
  uint64_t val[JR_SC_MAX_CMP];
};

/* compile.c: translate p into a libseccomp context. */
int jr_sc_compile (const struct jr_sc_policy *p, scmp_filter_ctx *out, jail_error **err);
/* compile.c: rule r as a cube: 1 when it is one, 0 when r can never
 * match, -EINVAL when it uses a comparison that is not a (masked)
 * equality or an argument past the sixth. */
int jr_sc_rule_cube (const struct jr_sc_rule *r, struct cube *c);
/* compile.c: do cubes a and b share a value? */
bool jr_sc_cube_meets (const struct cube *a, const struct cube *b);

/* emit.c: can p be emitted without libseccomp's code generator, with the
 * same decisions?  (x86_64, plain actions, disjoint equality rules.) */
bool jr_sc_emit_ok (const struct jr_sc_policy *p);
/* emit.c: p (jr_sc_emit_ok) as classic BPF into out. */
int jr_sc_emit (const struct jr_sc_policy *p, struct jr_bpf *out, jail_error **err);

/* filter.c: p to BPF: jr_sc_emit when it can, else libseccomp (always
 * libseccomp when via_lib: the tests compare the two). */
int jr_sc_policy_bpf (const struct jr_sc_policy *p, bool via_lib, struct jr_bpf *out, jail_error **err);

/* dump.c: readable text of p (malloc'd). */
int jr_sc_dump (const struct jr_sc_policy *p, unsigned insns, char **out, jail_error **err);
/* dump.c: "allow", "errno EPERM", "kill process"... into buf. */
const char *jr_sc_action_str (uint32_t action, char *buf, size_t len);
#endif
