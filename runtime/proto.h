/* proto.h - messages on a jail's supervisor socket (SOCK_SEQPACKET, one
 * message per packet).  The client is the same user as the supervisor
 * (checked with SO_PEERCRED); it only names what to run: every policy the
 * process gets (namespaces, cgroup, caps, no_new_privs, seccomp) comes
 * from the supervisor's own memory. */
#ifndef JR_PROTO_H
#define JR_PROTO_H

#include <stdint.h>
#include "error.h"

#define JR_PROTO_MAX (64 * 1024) /* largest request */

enum jr_req_type
{
  JR_REQ_EXEC = 0x6a720001, /* header + strings, SCM_RIGHTS stdin/stdout/stderr */
  JR_REQ_SIGNAL,            /* forward a signal to the exec'd process */
  JR_REQ_STOP,              /* stop the jail: SIGTERM, SIGKILL after grace */
  JR_REQ_WAIT,              /* answer DONE when the jail's first process ends */
  JR_REQ_NET,               /* op on the egress allowlist; argc HOST[:PORT] strings follow */
  JR_REQ_RESTART,           /* stop the jail (grace in timeout) and start it again; DONE once it runs */
};

/* JR_REQ_EXEC: followed by argc argv strings, envc "KEY=VAL" strings,
 * the workdir (empty: the jail's) and, with JR_EXEC_USER, the -u
 * NAME[:GROUP] to resolve in the jail's root, each NUL-terminated. */
struct jr_req
{
  uint32_t type;
  uint32_t argc;
  uint32_t envc;
  int32_t uid; /* -1: the jail's user */
  int32_t gid;
  union
  {
    int32_t sig;    /* JR_REQ_SIGNAL: to the exec'd process, else to the jail */
    uint32_t flags; /* JR_REQ_EXEC: JR_EXEC_* (same layout as before it) */
  };
  double timeout; /* seconds, 0 = none; JR_REQ_STOP: grace */
  int32_t op;     /* JR_REQ_NET: enum jr_net_op (netns/netns.h) */
};

/* JR_EXEC_TTY: stdin is a channel; the process sends a pty master of
 * the jail's devpts on it and uses the pty as its terminal.
 * JR_EXEC_USER: a user spec with names follows the workdir. */
enum
{
  JR_EXEC_TTY = 1,
  JR_EXEC_USER = 2
};

enum jr_rep_type
{
  JR_REP_STARTED = 0x6a728001, /* no longer sent (clients skip any reply but DONE); keeps DONE's value */
  JR_REP_DONE,                 /* it ended, or could not start */
};

enum
{
  JR_DONE_TIMEOUT = 1,
  JR_DONE_ERROR = 2, /* the process never ran (125) or could not exec (126/127) */
  JR_DONE_OOM = 4,   /* SIGKILLed while the jail's cgroup counted a new oom_kill */
};

/* Every reply is one struct jr_rep; JR_REQ_NET's DONE carries text (the
 * listing, NUL-terminated) right after it in the same packet. */
struct jr_rep
{
  uint32_t type;
  uint32_t flags; /* JR_DONE_* */
  int32_t pid;
  int32_t status;    /* shell status: code, 128+N, 124, 125, 126, 127 */
  int32_t exit_code; /* -1 when killed by a signal */
  int32_t signal;    /* 0 unless killed */
  int64_t utime_us, stime_us, maxrss_kb;
  int32_t err_code; /* errno of the error message, 0 = none */
  char msg[JR_ERRMSG_MAX];
};
#endif
