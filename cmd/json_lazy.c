/* json_lazy.c - json-c on first use (lazy.h): the json-c functions cmd/
 * calls (`ps --format json`, `inspect -f`) forward to libjson-c.so.5,
 * loaded by the first of them. */
#include <json-c/json.h>

#include "lazy.h"

/* clang-format off */
#define JSONC_API(F, V)                                                                                           \
  F (int, json_object_array_add, (struct json_object *o, struct json_object *v), (o, v), -1)                     \
  F (const char *, json_object_get_string, (struct json_object *o), (o), NULL)                                   \
  F (int, json_object_is_type, (const struct json_object *o, enum json_type t), (o, t), 0)                       \
  F (struct json_object *, json_object_new_array, (void), (), NULL)                                              \
  F (struct json_object *, json_object_new_int64, (int64_t i), (i), NULL)                                        \
  F (struct json_object *, json_object_new_object, (void), (), NULL)                                             \
  F (struct json_object *, json_object_new_string, (const char *s), (s), NULL)                                   \
  F (int, json_object_object_add, (struct json_object *o, const char *k, struct json_object *v), (o, k, v), -1)  \
  F (json_bool, json_object_object_get_ex, (const struct json_object *o, const char *k, struct json_object **v), \
     (o, k, v), 0)                                                                                               \
  F (int, json_object_put, (struct json_object *o), (o), 0)                                                      \
  F (const char *, json_object_to_json_string_ext, (struct json_object *o, int f), (o, f), NULL)                 \
  F (struct json_object *, json_tokener_parse, (const char *s), (s), NULL)
/* clang-format on */

CMD_LAZY_DEFINE (JSONC_API, "libjson-c.so.5", "libjson-c5")
