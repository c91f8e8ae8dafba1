/* process.h - the messages between the supervisor and the jail's init,
 * and the arguments the child receives after clone. */
#ifndef JR_PROCESS_H
#define JR_PROCESS_H
#include "internal.h"
#include "loop.h"
#include "netns.h"
#include "clone_vm.h"

enum jr_msg_type
{
  JR_MSG_HELLO = 1, /* child -> supervisor: ready for id maps */
  JR_MSG_GO,        /* supervisor -> child: maps written */
  JR_MSG_SETUP_ERR, /* child -> supervisor: setup failed (125) */
  JR_MSG_EXEC_ERR,  /* child -> supervisor: execve failed (126/127) */
  JR_MSG_PID,       /* exec helper -> supervisor: pid of the new process */
  JR_MSG_NET,       /* supervisor -> child: the network is built (not with --no-net) */
};

struct jr_msg
{
  int type;
  int code; /* errno */
  char text[JR_ERRMSG_MAX];
};

struct jr_child
{
  const struct jail_config *cfg;
  char *const *argv;
  const struct jr_bpf *bpf;
  int sync_fd;       /* SOCK_SEQPACKET to the supervisor */
  int death_fd;      /* read end of a pipe whose write end only the supervisor holds */
  int parent_fds[2]; /* the supervisor's ends, closed first thing in the child */
  int stdio[3];      /* the command's 0, 1, 2 (init keeps none) */
  bool tty;          /* stdio[0] is the channel for a pty (jr_pty_child) */
};

/* What the command process applies before execve (child.c). */
struct jr_command
{
  char *const *argv;
  char *const *env;
  const char *workdir;
  uint64_t caps;
  const struct jr_bpf *bpf;
  int msg_fd;   /* SOCK_SEQPACKET: failures are reported here */
  bool tty;     /* fd 0 is the channel for a pty (jr_pty_child) */
  bool bounded; /* the bounding set is caps already (the exec zygote dropped the rest) */
};

/* setsid, a pty (tty), workdir, caps, no_new_privs, close fds, seccomp, execve: the
 * last steps of every jailed process.  Returns the exit status after a
 * failure (125 setup, 126/127 exec), already reported on msg_fd. */
int jr_command_exec (const struct jr_command *c);

/* The namespaces of a jail, in the order exec joins them (user first). */
#define JR_NS_COUNT 7
/* Open /proc/PID/ns/{user,mnt,pid,net,ipc,uts,cgroup} into fds (exec.c). */
int jr_ns_open (pid_t pid, int *fds, jail_error **err);
/* Close what jr_ns_open opened (-1 entries are skipped) and reset them. */
void jr_ns_close (int *fds);

/* A jail started for a long-running supervisor by jr_jail_launch. */
struct jr_launch
{
  pid_t pid; /* the jail's init */
  int pidfd;
  int sync_fd;             /* messages from the child; EOF once the command exec'd */
  int death_w;             /* the jail dies when this closes */
  struct jr_bpf bpf;       /* the compiled seccomp filter, reused by exec */
  int ns_fds[JR_NS_COUNT]; /* the jail's namespaces (user first); set to -1 before the call */
  struct jr_cgroup cg;     /* the jail's cgroup (fd -1: none); released when the jail ends */
  struct jr_loop *loop;    /* the supervisor's event loop (the caller's): the network registers on it */
  struct jr_net *net;      /* forwarder, bridge, proxy: served from loop */
  struct jr_hostids ids;   /* host ids of the jail user; slot released when the jail ends */
};

/* Clone the jail's init, write its maps and let it go (process.c). */
int jr_jail_launch (struct jail_config *cfg, char *const argv[], struct jr_launch *l, jail_error **err);

/* signalfd (nonblocking, CLOEXEC) for the forwardable signals (INT, TERM,
 * HUP, QUIT, USR1, USR2, WINCH) the calling thread blocks, or -1 when it
 * blocks none: blocking them is how a caller opts in to forwarding. */
int jr_forward_sigfd (void);

/* Body of the cloned child (becomes the jail's pid 1).  Returns the exit
 * status for _exit. */
int jr_child_main (struct jr_child *c);

/* Replace our cmdline and environment areas with name (child.c): every
 * clone of the caller does it before the jail can see it. */
void jr_hide_cmdline (const char *name);
/* Send a message (used from the child: no allocation). */
void jr_msg_send (int fd, int type, const struct jail_error *e);
/* Every signal disposition back to default (raw syscalls, fine in a raw
 * clone): called once at the start of init, the exec zygote and the exec
 * helper, whose children then inherit defaults. */
void jr_signals_reset (void);
#endif
