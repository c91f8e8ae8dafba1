/* yaml_lazy.c - libyaml on first use (lazy.h): the parser functions cmd/
 * calls forward to libyaml-0.so.2, loaded by the first parse (`up`,
 * `down`); the document's two node lookups are the index arithmetic
 * libyaml documents (1-based node numbers into document->nodes) and need
 * no library. */
#include <yaml.h>

#include "lazy.h"

/* clang-format off */
#define YAML_API(F, V)                                                                                      \
  F (int, yaml_parser_initialize, (yaml_parser_t *p), (p), 0)                                               \
  V (yaml_parser_delete, (yaml_parser_t *p), (p))                                                           \
  V (yaml_parser_set_input_string, (yaml_parser_t *p, const unsigned char *s, size_t n), (p, s, n))         \
  F (int, yaml_parser_load, (yaml_parser_t *p, yaml_document_t *d), (p, d), 0)                              \
  V (yaml_document_delete, (yaml_document_t *d), (d))
/* clang-format on */

CMD_LAZY_DEFINE (YAML_API, "libyaml-0.so.2", "libyaml-0-2")

yaml_node_t *
yaml_document_get_node (yaml_document_t *document, int index)
{
  if (index > 0 && index <= document->nodes.top - document->nodes.start)
    return document->nodes.start + index - 1;
  return NULL;
}

yaml_node_t *
yaml_document_get_root_node (yaml_document_t *document)
{
  return document->nodes.top > document->nodes.start ? document->nodes.start : NULL;
}
