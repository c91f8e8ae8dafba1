/* fdpass.c - SCM_RIGHTS send and receive with the checks every caller
 * needs (control message level, type and length, MSG_CMSG_CLOEXEC,
 * truncation refused, extra fds closed).  No allocation: the exec zygote
 * and the OCI init call it from raw clones. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fdpass.h"

/* A control buffer for JR_FDPASS_MAX fds, aligned for cmsghdr. */
union ctl
{
  struct cmsghdr h;
  char b[CMSG_SPACE (JR_FDPASS_MAX * sizeof (int))];
};

ssize_t
jr_send_fd (int sock, const void *data, size_t len, const int *fds, size_t nfds, int flags)
{
  union ctl cm;
  struct iovec iov = { .iov_base = (void *) data, .iov_len = len };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
  if (nfds > JR_FDPASS_MAX)
    return -EINVAL;
  if (nfds > 0)
    {
      memset (&cm, 0, sizeof cm);
      mh.msg_control = cm.b;
      mh.msg_controllen = CMSG_SPACE (nfds * sizeof (int));
      struct cmsghdr *h = CMSG_FIRSTHDR (&mh);
      *h = (struct cmsghdr) { .cmsg_len = CMSG_LEN (nfds * sizeof (int)), .cmsg_level = SOL_SOCKET, .cmsg_type = SCM_RIGHTS };
      memcpy (CMSG_DATA (h), fds, nfds * sizeof (int));
    }
  ssize_t n = sendmsg (sock, &mh, flags | MSG_NOSIGNAL);
  return n < 0 ? -errno : n;
}

/* Close the fds of every SCM_RIGHTS message in mh. */
static void
close_all (struct msghdr *mh)
{
  for (struct cmsghdr *h = CMSG_FIRSTHDR (mh); h; h = CMSG_NXTHDR (mh, h))
    if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS)
      for (size_t i = 0; i < (h->cmsg_len - CMSG_LEN (0)) / sizeof (int); i++)
        {
          int fd;
          memcpy (&fd, CMSG_DATA (h) + i * sizeof (int), sizeof fd);
          close (fd);
        }
}

ssize_t
jr_recv_fd (int sock, void *buf, size_t size, int *fds, size_t max, size_t *nfds, int flags)
{
  union ctl cm;
  struct iovec iov = { .iov_base = buf, .iov_len = size };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.b, .msg_controllen = sizeof cm.b };
  for (size_t i = 0; i < max; i++)
    fds[i] = -1;
  *nfds = 0;
  ssize_t n = recvmsg (sock, &mh, flags | MSG_CMSG_CLOEXEC);
  if (n < 0)
    return -errno;

  /* One SCM_RIGHTS message with at most max fds, nothing truncated. */
  struct cmsghdr *h = CMSG_FIRSTHDR (&mh);
  size_t k = h ? (h->cmsg_len - CMSG_LEN (0)) / sizeof (int) : 0;
  bool ok = !(mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) && k <= max
            && (h == NULL || (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS && CMSG_NXTHDR (&mh, h) == NULL));
  if (!ok)
    {
      close_all (&mh);
      return -EMSGSIZE;
    }

  if (k > 0)
    memcpy (fds, CMSG_DATA (h), k * sizeof (int));
  *nfds = k;
  return n;
}
