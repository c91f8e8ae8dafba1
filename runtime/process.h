/* process.h - the messages between the supervisor and the jail's init,
 * and the arguments the child receives after clone. */
#ifndef JR_PROCESS_H
#define JR_PROCESS_H
#include "internal.h"

enum jr_msg_type
{
  JR_MSG_HELLO = 1,   /* child -> supervisor: ready for id maps */
  JR_MSG_GO,          /* supervisor -> child: maps written */
  JR_MSG_SETUP_ERR,   /* child -> supervisor: setup failed (125) */
  JR_MSG_EXEC_ERR,    /* child -> supervisor: execve failed (126/127) */
};

struct jr_msg
{
  int type;
  int code;                  /* errno */
  char text[JR_ERRMSG_MAX];
};

struct jr_child
{
  const struct jail_config *cfg;
  char *const *argv;
  const struct jr_bpf *bpf;
  int sync_fd;    /* SOCK_SEQPACKET to the supervisor */
  int death_fd;   /* read end of a pipe whose write end only the supervisor holds */
  int parent_fds[2]; /* the supervisor's ends, closed first thing in the child */
};

/* Body of the cloned child (becomes the jail's pid 1).  Returns the exit
 * status for _exit. */
int jr_child_main (struct jr_child *c);
/* Send a message (used from the child: no allocation). */
void jr_msg_send (int fd, int type, const struct jail_error *e);
#endif
