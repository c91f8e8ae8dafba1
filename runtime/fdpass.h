/* fdpass.h - passing file descriptors over a unix socket (SCM_RIGHTS):
 * the one way runtime/ and netns/ send and receive them.  A face of its
 * own (no internal.h), usable from raw clones: no allocation. */
#ifndef JR_FDPASS_H
#define JR_FDPASS_H
#include <stddef.h>
#include <sys/types.h>

/* The most fds one message carries. */
#define JR_FDPASS_MAX 16

/* Send len bytes of data with nfds (0..JR_FDPASS_MAX) fds; flags as for
 * sendmsg (MSG_NOSIGNAL is always added).  Bytes sent, or -errno. */
ssize_t jr_send_fd (int sock, const void *data, size_t len, const int *fds, size_t nfds, int flags);

/* Receive one message: up to size bytes into buf and up to max fds
 * (MSG_CMSG_CLOEXEC) into fds, whose unused slots are set to -1, and their
 * count into *nfds; flags as for recvmsg (MSG_DONTWAIT...).  A truncated
 * message (data or control) or one with more than max fds is refused:
 * every fd it carried is closed and the result is -EMSGSIZE.  Bytes
 * received (0 at EOF), or -errno. */
ssize_t jr_recv_fd (int sock, void *buf, size_t size, int *fds, size_t max, size_t *nfds, int flags);
#endif
