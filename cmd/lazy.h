/* lazy.h - libraries the CLI loads on first use instead of at start:
 * libyaml (only `up` and `down` parse YAML) and json-c (only `ps --format
 * json` and `inspect -f` handle JSON), so that `jailrun exec`, `run` and
 * the rest start without mapping them (each library mapped at start costs
 * a jailrun process about 5-10% of its start-up: docs/perf-profile.md).
 * A file of stubs (yaml_lazy.c, json_lazy.c) defines each function cmd/
 * calls and forwards it through a table that cmd_lazy_sym fills with
 * dlopen/dlsym on the first call.  The CLI never changes its root, so the
 * library comes from the host's search path, as at start.
 *
 * A copy, on purpose, of libjail's loader (runtime/lazylib.h, which loads
 * libseccomp and json-c for the library): the CLI speaks only jail.h and
 * holds none of the library's code (tests/cmdapi.sh: no internal header,
 * no symbol of libjail_internal.a in jailrun), and a dlopen helper has no
 * place in libjail's public ABI.  So the CLI keeps this thin one: one
 * thread, one root, its message on stderr; lazylib.h's mutex, root check
 * and jail_error are what a library needs and the CLI does not. */
#ifndef CMD_LAZY_H
#define CMD_LAZY_H

#include <stddef.h>

struct cmd_lazy
{
  const char *soname;       /* "libyaml-0.so.2" */
  const char *package;      /* named in the error: "libyaml-0-2" */
  const char *const *names; /* the functions looked up, n of them */
  size_t n;
  void **syms; /* n slots */
  int state;   /* 0 not tried, 1 loaded, -1 failed (the CLI is one thread) */
};

/* Function i of l, loading l first; NULL (after one message on stderr:
 * what is missing and the package to install) when it cannot be loaded. */
void *cmd_lazy_sym (struct cmd_lazy *l, size_t i);

/* Define the stubs of one library (one per file), as in
 * runtime/lazylib.h: API lists F (type, name, (parameters), (arguments),
 * value when not loadable) and V (name, (parameters), (arguments)). */
#define CMD_LZ_ENUM_F(t, name, ...) CMD_LZ_##name,
#define CMD_LZ_ENUM_V(name, ...) CMD_LZ_##name,
#define CMD_LZ_NAME_F(t, name, ...) #name,
#define CMD_LZ_NAME_V(name, ...) #name,
#define CMD_LZ_STUB_F(t, name, params, args, fail)                    \
  t name params                                                       \
  {                                                                   \
    t (*cmd_lz_f) params;                                             \
    *(void **) &cmd_lz_f = cmd_lazy_sym (&cmd_lz_lib, CMD_LZ_##name); \
    return cmd_lz_f ? cmd_lz_f args : fail;                           \
  }
#define CMD_LZ_STUB_V(name, params, args)                             \
  void name params                                                    \
  {                                                                   \
    void (*cmd_lz_f) params;                                          \
    *(void **) &cmd_lz_f = cmd_lazy_sym (&cmd_lz_lib, CMD_LZ_##name); \
    if (cmd_lz_f)                                                     \
      cmd_lz_f args;                                                  \
  }
#define CMD_LAZY_DEFINE(API, so, pkg)                                                                                              \
  enum                                                                                                                             \
  {                                                                                                                                \
    API (CMD_LZ_ENUM_F, CMD_LZ_ENUM_V) CMD_LZ_N                                                                                    \
  };                                                                                                                               \
  static const char *const cmd_lz_names[] = { API (CMD_LZ_NAME_F, CMD_LZ_NAME_V) };                                                \
  static void *cmd_lz_syms[CMD_LZ_N];                                                                                              \
  static struct cmd_lazy cmd_lz_lib = { .soname = so, .package = pkg, .names = cmd_lz_names, .n = CMD_LZ_N, .syms = cmd_lz_syms }; \
  API (CMD_LZ_STUB_F, CMD_LZ_STUB_V)

#endif
