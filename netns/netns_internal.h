/* netns_internal.h - interfaces between the parts of netns/: the netlink
 * path, the subnet check, the netns helper process, the bridge builder,
 * the forwarder, the egress proxy, its parser and its policy.  What
 * runtime/ may call is in netns.h. */
#ifndef JR_NETNS_INTERNAL_H
#define JR_NETNS_INTERNAL_H
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

#include "loop.h"
#include "netns.h"

#define JR_NET_DEFAULT_SUBNET "10.88.0.0/16"
#define JR_PROXY_PORT 3128
/* The congestion control of the forwarder's sockets and of a jail's own
 * network namespace: every TCP hop a jail has ends on this host (a jail
 * has no route out, DESIGN section 4), where congestion control has
 * nothing to do, and reno does not pace (bbr, a common host default,
 * arms a pacing timer per burst: on a virtual machine that timer was
 * the largest cost of a forwarded stream, docs/perf-profile.md). */
#define JR_LOCAL_CC "reno"

#define JR_FWD_MAX_CONNS 1024         /* connections per jail (forwarder + proxy) */
#define JR_FWD_PIPE_SIZE (64 * 1024)  /* bytes buffered per direction to start with */
#define JR_FWD_PIPE_MAX (1024 * 1024) /* ... grown to this when a direction fills it */
#define JR_FWD_COPY_MAX (64 * 1024)   /* bytes copied at once through an empty pipe */
#define JR_FWD_BACKLOG 4096           /* listen backlog of a published port (capped by somaxconn) */
#define JR_HELPER_BATCH 16            /* jail-side sockets fetched from the helper at once */
#define JR_FWD_PUMP_ROUNDS 64         /* splice rounds per direction per event (fairness) */
#define JR_FWD_CONNECT_TIMEOUT 10     /* seconds */
#define JR_FWD_IDLE_TIMEOUT 900       /* seconds without a byte either way */
#define JR_PROXY_HEAD_MAX 8192        /* bytes of request head */
#define JR_PROXY_HEAD_TIMEOUT 30      /* seconds to send the head */
#define JR_PROXY_IDLE_TIMEOUT 10      /* seconds a kept-alive connection waits for its next request */

/* rtnl.c: one rtnetlink socket in the current netns, strict replies
 * (kernel sender, this port, the request's sequence, error acks).  Never
 * allocates (runs in the child and the netns helper). */
#define JR_RTNL_BUF 8192
struct nlmsghdr;
struct jr_rtnl
{
  int fd;
  uint32_t seq;
  uint32_t portid;
};
int jr_rtnl_open (struct jr_rtnl *n, struct jail_error *e);
void jr_rtnl_close (struct jr_rtnl *n);
/* Start a request of type with flags in buf (JR_RTNL_BUF bytes): asks for
 * an ack unless it is a dump. */
struct nlmsghdr *jr_rtnl_req (struct jr_rtnl *n, char *buf, int type, int flags);
/* Send h and read its replies, each through cb (may be NULL), until the
 * ack or the end of the dump; what names the request in errors. */
int jr_rtnl_talk (struct jr_rtnl *n, struct nlmsghdr *h, int (*cb) (const struct nlmsghdr *, void *), void *data,
                  struct jail_error *e, const char *what);
/* Bring link index (called name in errors) up. */
int jr_rtnl_link_up (struct jr_rtnl *n, int index, const char *name, struct jail_error *e);

/* hostroutes.c: 0 when net/prefix (host byte order) is neither a special
 * range nor overlapping a route of the caller's netns; cidr is for messages. */
int jr_subnet_check (uint32_t net, int prefix, const char *cidr, jail_error **err);

/* helper.c: a process that entered the jail's user and net namespaces,
 * built the private network (plan: netns.h), and makes sockets there on
 * request. */
struct jr_helper_args /* what the helper starts from (read at its start) */
{
  int sock, userns, netns;
  pid_t parent;
  const struct jr_netplan *plan;
  bool shared; /* cloned with CLONE_VM, not forked */
};
struct jr_helper
{
  pid_t pid;
  int pidfd;
  int sock;    /* SOCK_SEQPACKET to the helper */
  void *stack; /* its stack when it shares our memory, else NULL */
  struct jr_helper_args args;
};
/* Start the helper: it joins the jail's namespaces through userns (-1:
 * none to join) and netns (the caller may close both once this returned)
 * and builds the network; jr_helper_ready waits for both. */
int jr_helper_start (struct jr_helper *h, int userns, int netns, const struct jr_netplan *plan, jail_error **err);
/* Up to max (<= JR_HELPER_BATCH) non-blocking TCP sockets of family
 * created in the jail's netns, in one round trip: their number, or -errno. */
int jr_helper_sockets (struct jr_helper *h, int family, int *fds, int max);
int jr_helper_ready (struct jr_helper *h, jail_error **err);
/* A listening socket on bridge_addr:port in the bridge netns. */
int jr_helper_listener (struct jr_helper *h, jail_error **err);
void jr_helper_stop (struct jr_helper *h);
/* bridge.c (runs in the helper, no malloc) */
/* The private network: the veth pair made through jail_nl (a netlink
 * socket of the jail's netns), eth0 with the jail's address there, veth0
 * with the gateway address in brns, the current netns. */
int jr_bridge_private (const struct jr_netplan *plan, int jail_nl, int brns, struct jail_error *e);
int jr_bridge_jail_side (const struct jr_netplan *plan, struct jail_error *e);
/* In a named network's netns: veth plan->veth on br0, its peer eth0 in jail_netns. */
int jr_bridge_network_join (const struct jr_netplan *plan, int jail_netns, struct jail_error *e);
/* The same for any veth name and jail-side interface name (eth1...). */
int jr_bridge_network_join_if (const char *veth, const char *ifname, uint32_t jail_addr, int jail_netns,
                               struct jail_error *e);
/* In the jail's netns: ifname gets addr/prefix and goes up. */
int jr_bridge_jail_if (const char *ifname, uint32_t addr, int prefix, struct jail_error *e);

/* forward.c: listeners (bound before clone) and spliced connections. */
struct jr_fwd;
struct jr_conn;
int jr_fwd_new (struct jr_fwd **out, const struct jr_netcfg *nc, jail_error **err);
void jr_fwd_attach (struct jr_fwd *f, struct jr_loop *l, struct jr_helper *h);
void jr_fwd_free (struct jr_fwd *f);
bool jr_fwd_has_listeners (const struct jr_fwd *f);
/* The listening socket of publish i, -1 past the end. */
int jr_fwd_listener (const struct jr_fwd *f, size_t i);
/* Splice a pair of connected sockets both ways until both sides are done
 * (used by the proxy after its decision).  from_a/from_b: the loop
 * registrations of a and b to take over (one epoll_ctl each), or NULL.
 * pre/pre_len: bytes to send to b first.  on_done(arg, up, down) runs
 * when the pair closes (at once when it cannot be made). */
int jr_fwd_pipe (struct jr_fwd *f, int a, int b, struct jr_loop_src *from_a, struct jr_loop_src *from_b,
                 const char *pre, size_t pre_len, void (*on_done) (void *arg, uint64_t up, uint64_t down),
                 void *arg);
/* Close every pair made by jr_fwd_pipe with this on_done for which
 * pred(arg, ctx) is true (their on_done runs); returns how many. */
size_t jr_fwd_close_if (struct jr_fwd *f, void (*on_done) (void *, uint64_t, uint64_t),
                        bool (*pred) (void *arg, void *ctx), void *ctx);
/* accept4 on lfd counted against the cap, EMFILE absorbed (src is paused
 * until the next tick when nothing else helps); the peer's address in
 * *peer when peer is not NULL.  The fd, or -EAGAIN-1000 when a connection
 * was refused (try again), or another negative errno. */
int jr_fwd_accept (struct jr_fwd *f, struct jr_loop_src *src, int lfd, struct sockaddr_storage *peer);
/* Count a connection against the cap; false when full. */
bool jr_fwd_take_slot (struct jr_fwd *f);
void jr_fwd_put_slot (struct jr_fwd *f);

/* proxy_http.c and proxy_policy.c: pure functions, fuzzed by
 * tests/fuzz_proxy.c.  proxy_http.c: the request head. */
struct jr_proxy_req
{
  bool connect; /* CONNECT host:port */
  char method[16];
  char host[256]; /* normalised */
  uint16_t port;
  bool host_is_ip;
  struct sockaddr_storage ip; /* when host_is_ip */
  char path[2048];            /* origin-form for plain HTTP */
  size_t head_len;            /* bytes of the head including the blank line */
  long long content_length;   /* -1 when absent */
  bool te;                    /* Transfer-Encoding given (a body of unknown length) */
  bool http10;                /* HTTP/1.0 */
  bool close;                 /* Connection (or Proxy-Connection): close */
  bool expect;                /* Expect given (100-continue) */
};
/* Parse a complete head (buf[0..len) ends with CRLFCRLF).  Returns 0, or
 * an HTTP status (400, 403, 405, 431, 501) with a one-line reason. */
int jr_proxy_parse (const char *buf, size_t len, struct jr_proxy_req *r, const char **reason);
/* Rewrite a parsed plain-HTTP head to origin-form, hop-by-hop headers
 * dropped, "Connection: close" added unless keep (the upstream connection
 * may serve the next request); returns the length or -ENOSPC. */
int jr_proxy_rewrite (const char *buf, size_t len, const struct jr_proxy_req *r, bool keep, char *out,
                      size_t outsz);
/* Does the comma-separated header value v[0..n) hold token (any case)? */
bool jr_http_has_token (const char *v, size_t n, const char *token);
/* proxy_resp.c: the response side of a kept-alive plain-HTTP request
 * (pure functions, fuzzed too): where the answer's head and body end. */
enum jr_body
{
  JR_BODY_NONE,    /* no body: HEAD, 1xx, 204, 304 */
  JR_BODY_LENGTH,  /* Content-Length bytes */
  JR_BODY_CHUNKED, /* chunked, ended by its zero-size chunk and trailers */
  JR_BODY_EOF      /* until the server closes: the client connection ends too */
};
struct jr_proxy_resp
{
  int status;
  enum jr_body body;
  long long length; /* JR_BODY_LENGTH */
  bool close;       /* the server closes after it (Connection: close, HTTP/1.0) */
};
/* Parse a response head buf[0..len) (ends with CRLFCRLF) to a request
 * (head_req: the method was HEAD): 0, or -EINVAL when it is no HTTP/1.x
 * response. */
int jr_proxy_resp_parse (const char *buf, size_t len, bool head_req, struct jr_proxy_resp *r);
/* Rewrite it for the client: hop-by-hop headers dropped, "Connection:
 * keep-alive" or "close" added; the length or -ENOSPC. */
int jr_proxy_resp_rewrite (const char *buf, size_t len, bool keep, char *out, size_t outsz);
/* Where a chunked body ends, followed byte by byte. */
struct jr_chunked
{
  int state;
  int digits;
  unsigned long long left;
};
/* Feed n bytes of a chunked body: how many of them belong to it (fewer
 * than n when it ended inside them; *done is set then), or -1 when it is
 * malformed. */
long jr_chunked_feed (struct jr_chunked *c, const char *p, size_t n, bool *done);
/* proxy_policy.c: the allowlist and address policy.
 * Normalise a host ("Example.COM." -> "example.com", "[::1]" -> "::1");
 * reports IP literals; refuses odd IPv4 forms.  0 or -EINVAL. */
int jr_host_normalise (const char *in, size_t len, char *out, size_t outsz,
                       bool *is_ip, struct sockaddr_storage *ip, const char **reason);
/* Does a normalised host:port match an allow entry? */
bool jr_allow_match (const struct jr_allow *a, const char *host, uint16_t port);
/* Is this address public (not loopback, private, link-local, CGNAT,
 * multicast, reserved, IPv4-in-IPv6...)? */
bool jr_addr_public (const struct sockaddr *sa);
/* Find an entry allowing host:port; NULL when none. */
const struct jr_allow *jr_allow_find (const struct jr_allow *a, size_t n, const char *host, uint16_t port);
/* May we connect to addr for this entry? (reason on refusal) */
bool jr_addr_permitted (const struct jr_allow *a, const struct sockaddr *addr, const char **reason);

/* proxy.c */
struct jr_proxy;
int jr_proxy_new (struct jr_proxy **out, const struct jr_netcfg *nc, jail_error **err);
void jr_proxy_attach (struct jr_proxy *p, struct jr_loop *l, struct jr_fwd *f, int listener, pid_t jail_pid);
void jr_proxy_free (struct jr_proxy *p);
/* proxy_ctl.c: the internet switch of a running proxy.  specs: n
 * HOST[:PORT] texts (allow, deny); uid/pid: who asked (audit); *text: the
 * malloc'd listing (list).  Applies wholly or not at all. */
int jr_proxy_control (struct jr_proxy *p, int op, char *const specs[], size_t n, uid_t uid, pid_t pid,
                      char **text, jail_error **err);
/* "host:port", "[v6]:port" or "*" text of an allow entry. */
void jr_allow_text (const struct jr_allow *a, char *out, size_t n);

#endif
