/* yaml_lazy.c - libyaml loaded on first use: only `up` and `down` read a
 * YAML file, so every other command (exec, ps, run...) starts without
 * mapping it (each library mapped at start costs a jailrun process about
 * 5-10% of its start-up: docs/perf-profile.md).  This file defines the
 * libyaml functions cmd/ calls: the parser's four forward to
 * libyaml-0.so.2, opened with dlopen by the first parse; the document's
 * node lookups are the index arithmetic libyaml documents (1-based node
 * numbers into document->nodes) and need no library. */
#include <dlfcn.h>
#include <stdio.h>
#include <yaml.h>

#include "stack.h"

/* The libyaml functions looked up (filled once: `up` is one thread). */
struct yaml_api
{
  int (*parser_initialize) (yaml_parser_t *);
  void (*parser_delete) (yaml_parser_t *);
  void (*parser_set_input_string) (yaml_parser_t *, const unsigned char *, size_t);
  int (*parser_load) (yaml_parser_t *, yaml_document_t *);
  void (*document_delete) (yaml_document_t *);
};

/* The table, loaded on the first call; NULL (and a message on stderr,
 * once) when libyaml cannot be loaded. */
static const struct yaml_api *
api (void)
{
  static struct yaml_api a;
  static int state; /* 0 not tried, 1 loaded, -1 failed */
  if (state != 0)
    return state > 0 ? &a : NULL;
  void *dl = dlopen ("libyaml-0.so.2", RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  state = -1;
#define YAML_LOOKUP(f) (dl && (*(void **) &a.f = dlsym (dl, "yaml_" #f)) != NULL)
  if (YAML_LOOKUP (parser_initialize) && YAML_LOOKUP (parser_delete) && YAML_LOOKUP (parser_set_input_string)
      && YAML_LOOKUP (parser_load) && YAML_LOOKUP (document_delete))
    state = 1;
#undef YAML_LOOKUP
  if (state < 0)
    fprintf (stderr, "jailrun: libyaml-0.so.2 cannot be loaded (%s): install libyaml-0-2\n",
             dl ? "a function is missing" : dlerror ());
  return state > 0 ? &a : NULL;
}

int
yaml_parser_initialize (yaml_parser_t *parser)
{
  const struct yaml_api *a = api ();
  return a ? a->parser_initialize (parser) : 0;
}

void
yaml_parser_delete (yaml_parser_t *parser)
{
  const struct yaml_api *a = api ();
  if (a)
    a->parser_delete (parser);
}

void
yaml_parser_set_input_string (yaml_parser_t *parser, const unsigned char *input, size_t size)
{
  const struct yaml_api *a = api ();
  if (a)
    a->parser_set_input_string (parser, input, size);
}

int
yaml_parser_load (yaml_parser_t *parser, yaml_document_t *document)
{
  const struct yaml_api *a = api ();
  return a ? a->parser_load (parser, document) : 0;
}

void
yaml_document_delete (yaml_document_t *document)
{
  const struct yaml_api *a = api ();
  if (a)
    a->document_delete (document);
}

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
