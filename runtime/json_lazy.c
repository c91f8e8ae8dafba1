/* json_lazy.c - json-c loaded on first use (lazylib.h): the json-c
 * functions libjail calls, defined here and forwarded to libjson-c.so.5
 * when something first reads or writes JSON (an OCI bundle, a seccomp
 * profile, inspect, the proxy's audit log).  `jailrun exec`, `ps` and a
 * start from the command line never do, and so never map it.  Without the
 * library every function returns its failure value (NULL, 0). */
#include <json-c/json.h>

#include "lazylib.h"

/* clang-format off */
#define JSONC_API(F, V)                                                                                           \
  F (int, json_object_array_add, (struct json_object *o, struct json_object *v), (o, v), -1)                     \
  F (struct json_object *, json_object_array_get_idx, (const struct json_object *o, size_t i), (o, i), NULL)     \
  F (size_t, json_object_array_length, (const struct json_object *o), (o), 0)                                    \
  F (struct json_object *, json_object_get, (struct json_object *o), (o), NULL)                                  \
  F (json_bool, json_object_get_boolean, (const struct json_object *o), (o), 0)                                  \
  F (int32_t, json_object_get_int, (const struct json_object *o), (o), 0)                                        \
  F (int64_t, json_object_get_int64, (const struct json_object *o), (o), 0)                                      \
  F (struct lh_table *, json_object_get_object, (const struct json_object *o), (o), NULL)                        \
  F (const char *, json_object_get_string, (struct json_object *o), (o), NULL)                                   \
  F (int, json_object_get_string_len, (const struct json_object *o), (o), 0)                                     \
  F (uint64_t, json_object_get_uint64, (const struct json_object *o), (o), 0)                                    \
  F (int, json_object_is_type, (const struct json_object *o, enum json_type t), (o, t), 0)                       \
  F (struct json_object *, json_object_new_array, (void), (), NULL)                                              \
  F (struct json_object *, json_object_new_boolean, (json_bool b), (b), NULL)                                    \
  F (struct json_object *, json_object_new_double, (double d), (d), NULL)                                        \
  F (struct json_object *, json_object_new_int, (int32_t i), (i), NULL)                                          \
  F (struct json_object *, json_object_new_int64, (int64_t i), (i), NULL)                                        \
  F (struct json_object *, json_object_new_object, (void), (), NULL)                                             \
  F (struct json_object *, json_object_new_string, (const char *s), (s), NULL)                                   \
  F (struct json_object *, json_object_new_uint64, (uint64_t i), (i), NULL)                                      \
  F (int, json_object_object_add, (struct json_object *o, const char *k, struct json_object *v), (o, k, v), -1)  \
  F (json_bool, json_object_object_get_ex, (const struct json_object *o, const char *k, struct json_object **v), \
     (o, k, v), 0)                                                                                               \
  F (int, json_object_object_length, (const struct json_object *o), (o), 0)                                      \
  F (int, json_object_put, (struct json_object *o), (o), 0)                                                      \
  F (const char *, json_object_to_json_string_ext, (struct json_object *o, int f), (o, f), NULL)                 \
  F (const char *, json_object_to_json_string_length, (struct json_object *o, int f, size_t *n), (o, f, n), NULL) \
  F (const char *, json_tokener_error_desc, (enum json_tokener_error e), (e), "json-c cannot be loaded")         \
  V (json_tokener_free, (struct json_tokener *t), (t))                                                           \
  F (enum json_tokener_error, json_tokener_get_error, (struct json_tokener *t), (t), json_tokener_error_parse_eof)  \
  F (size_t, json_tokener_get_parse_end, (struct json_tokener *t), (t), 0)                                       \
  F (struct json_tokener *, json_tokener_new, (void), (), NULL)                                                  \
  F (struct json_object *, json_tokener_parse, (const char *s), (s), NULL)                                       \
  F (struct json_object *, json_tokener_parse_ex, (struct json_tokener *t, const char *s, int n), (t, s, n), NULL) \
  F (struct json_object *, json_tokener_parse_verbose, (const char *s, enum json_tokener_error *e), (s, e), NULL)
/* clang-format on */

JR_LAZYLIB_DEFINE (JSONC_API, "libjson-c.so.5")
