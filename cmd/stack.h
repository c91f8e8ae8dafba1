/* stack.h - the stack file of `jailrun up/down` (stack.c reads it and
 * starts the services, stack_cfg.c turns one service into a jail_config). */
#ifndef JR_CMD_STACK_H
#define JR_CMD_STACK_H

#include <limits.h>
#include <stdbool.h>
#include <yaml.h>

#include "jailrun.h"

#define ST_MAX_SVC 64
#define ST_MAX_ARGS 254
#define ST_MAX_DEPS 16
#define ST_MAX_NETS 4 /* networks: of one service (jailrun --network, repeatable) */

/* One service. */
struct svc
{
  const char *name;
  yaml_node_t *node;
  char jail[130];                /* PROJECT-SERVICE */
  char network[ST_MAX_NETS][65]; /* its networks: entries */
  int n_net;                     /* how many; 0 = the stack's default network */
  int deps[ST_MAX_DEPS];         /* indexes of depends_on */
  bool dep_healthy[ST_MAX_DEPS];
  int ndeps;
  char *argv[ST_MAX_ARGS + 1]; /* entrypoint + command */
  int argc;
  bool started;
};

/* The file and what up has made (removed again on failure). */
struct stack
{
  const char *file;
  char dir[PATH_MAX];
  char project[64];
  yaml_document_t doc;
  bool loaded;
  struct svc svc[ST_MAX_SVC];
  int n;
  char nets[ST_MAX_SVC + 1][130]; /* PROJECT-NET made by this up */
  int n_nets;
};

yaml_node_t *st_get (struct stack *st, yaml_node_t *map, const char *key);
const char *st_str (yaml_node_t *n);
/* Print "jailrun: FILE:LINE: " and the message; -EINVAL. */
int st_fail (struct stack *st, yaml_node_t *n, const char *fmt, ...) __attribute__ ((format (printf, 3, 4)));
/* Build the jail_config of service sv (argv into sv). */
int st_service_config (struct stack *st, struct svc *sv, jail_config *cfg);
#endif
