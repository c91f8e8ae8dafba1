/* lazy.c - the CLI's first-use loader (lazy.h): dlopen by soname, every
 * listed function looked up at once, the outcome kept for the process. */
#include <dlfcn.h>
#include <stdio.h>

#include "lazy.h"

void *
cmd_lazy_sym (struct cmd_lazy *l, size_t i)
{
  if (l->state == 0)
    {
      void *dl = dlopen (l->soname, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
      const char *why = dl ? NULL : dlerror ();
      for (size_t k = 0; dl && k < l->n && !why; k++)
        if ((l->syms[k] = dlsym (dl, l->names[k])) == NULL)
          why = l->names[k];
      l->state = why ? -1 : 1;
      if (why)
        fprintf (stderr, "jailrun: %s cannot be loaded (%s%s): install %s\n", l->soname, dl ? "no " : "", why,
                 l->package);
    }
  return l->state > 0 ? l->syms[i] : NULL;
}
