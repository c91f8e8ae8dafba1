/* proxy_int.h - state shared by proxy.c (the connection state machine),
 * proxy_relay.c (kept-alive plain-HTTP requests) and proxy_aux.c (the
 * resolver thread and the audit log). */
#ifndef JR_PROXY_INT_H
#define JR_PROXY_INT_H
#include <netdb.h>
#include <pthread.h>

#include "netns_internal.h"

#define JR_PROXY_MAX_ADDRS 16
#define JR_PROXY_RECENT 16 /* decisions and changes kept for `net ls` */

enum preq_state
{
  PQ_HEAD,
  PQ_RESOLVE,
  PQ_CONNECT,
  PQ_SEND,      /* kept-alive request: its head and body go upstream */
  PQ_RESP_HEAD, /* ... the answer's head is read */
  PQ_RESP_BODY  /* ... the answer goes to the client */
};

#define JR_PROXY_RESP_HEAD_MAX 16384 /* bytes of response head */
#define JR_PROXY_RELAY_BUF (2 * JR_PROXY_RESP_HEAD_MAX + 256)

/* What the audit log says about one decision. */
struct audit
{
  char client[64];
  char method[16];
  char target[300];
  char address[64];
  const char *decision;
  char reason[200];
  uint64_t up, down;
  double start;
};

/* One client of the proxy until its tunnel is handed to the forwarder. */
#define JR_RESOLVERS 8

struct preq
{
  struct preq *next, *prev;
  struct preq *rnext; /* resolver queue / done list */
  struct jr_proxy *p;
  struct jr_loop_src src, usrc;
  int fd, up;
  enum preq_state state;
  bool dead, in_resolver;
  char buf[JR_PROXY_HEAD_MAX];
  size_t len;
  struct jr_proxy_req req;
  struct jr_allow rule; /* a copy: the allowlist may change meanwhile */
  bool has_rule;
  char client[64];
  double start, deadline;
  struct sockaddr_storage addrs[JR_PROXY_MAX_ADDRS];
  size_t n_addrs, next_addr;
  int gai_err;
  /* A plain-HTTP request the proxy frames (proxy_relay.c): the client
   * connection outlives it when keep is set. */
  bool framed, keep, head_req, audit_due;
  bool kept;             /* an earlier request was served on this connection */
  char *rb;              /* JR_PROXY_RELAY_BUF bytes, kept for the connection */
  size_t rb_off, rb_end; /* rb[rb_off..rb_end) waits to be sent */
  size_t rb_len;         /* rb[rb_end..rb_len): response bytes not parsed yet */
  long long left;        /* bytes still to come of the body being relayed; -1 until close */
  bool chunked, interim;
  struct jr_chunked ch;
  /* The upstream connection outlives the answer when it is reusable
   * (up_ok: framed to its end, not closing); it then waits (fd up) for a
   * next request to the same host and port, and a checked address. */
  bool up_ok;
  jr_loop_fn up_fn; /* its callback, while unregistered after a hang-up */
  char up_host[256];
  uint16_t up_port;
  struct sockaddr_storage up_addr;
  struct audit a;
};

/* An allowed tunnel, handed to the forwarder: its audit line (written
 * when it closes) and what it reaches (checked again when the list changes). */
struct jr_tunnel
{
  struct audit a;
  struct jr_proxy *p;
  char host[256];
  uint16_t port;
};

struct jr_proxy
{
  struct jr_loop *loop;
  struct jr_fwd *fwd;
  int lfd;
  struct jr_loop_src lsrc;
  struct jr_allow *allow;
  size_t n_allow;
  bool off;                          /* `net off`: every request denied, allowlist kept */
  char recent[JR_PROXY_RECENT][224]; /* ring of the last decisions, one line each */
  unsigned n_recent;
  int audit_fd;
  pid_t jail;
  struct sockaddr_storage upstream; /* --upstream-proxy, resolved at start */
  bool has_upstream;
  char jail_name[128]; /* "" = anonymous: the audit log names the pid */
  struct preq *list;
  int tickfd;
  struct jr_loop_src tsrc;
  /* resolver threads: started on demand, up to JR_RESOLVERS, so that one
   * slow answer does not hold up the names asked after it */
  pthread_t threads[JR_RESOLVERS];
  int nthreads, idle;
  bool thread_stop;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  struct preq *queue, *done;
  int evfd;
  struct jr_loop_src esrc;
};

/* proxy.c: on_done of every tunnel (frees it). */
void jr_proxy_tunnel_done (void *arg, uint64_t up, uint64_t down);
/* After a change of the list: deny the requests still pending that it no
 * longer permits and close such tunnels. */
void jr_proxy_recheck (struct jr_proxy *p);

/* proxy_relay.c: a framed plain-HTTP request, connected upstream: send
 * it, read the answer, pass it on.  Each call says what the caller
 * (proxy.c) does next: */
enum
{
  JR_RELAY_WAIT,  /* nothing: it waits for its sockets */
  JR_RELAY_CLOSE, /* close the client connection */
  JR_RELAY_NEXT,  /* read the client's next request */
  JR_RELAY_TUNNEL /* upstream proxy mode: its 2xx to CONNECT was passed
                   * on; splice the two sockets (q->buf first) */
};
int jr_relay_start (struct preq *q, const char *head, size_t head_len);
/* An event on the client (client) or upstream socket of a relayed request. */
int jr_relay_event (struct preq *q, bool client, uint32_t ev);
/* Close q's upstream connection (when it has one). */
void jr_relay_drop_upstream (struct preq *q);

/* proxy_aux.c */
/* The audit record of q's decision. */
void jr_proxy_audit_from (const struct preq *q, struct audit *a, const char *decision, const char *reason);
int jr_resolver_submit (struct jr_proxy *p, struct preq *q);
void jr_resolver_stop (struct jr_proxy *p);
/* Take the finished requests (called on the eventfd). */
struct preq *jr_resolver_take (struct jr_proxy *p);
void jr_audit_write (struct jr_proxy *p, const struct audit *a);
/* Write one allowlist change (who, what) to the audit log and the ring. */
void jr_audit_change (struct jr_proxy *p, const char *what, uid_t uid, pid_t pid);
/* "1.2.3.4" / "::1" text of an address. */
void jr_addr_text (const struct sockaddr_storage *sa, char *out, size_t n);
#endif
