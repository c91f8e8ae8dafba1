/* hostfile.h - host files and paths jailrun opens because the user named
 * them (--env-file, --allow-file, --audit-log, --seccomp FILE, -v SRC).
 * A jail that can write next to such a file must not be able to redirect
 * it: no symlink in the last component, a regular file, a size cap, no
 * NUL byte in text, and no raw file bytes echoed in a message (DESIGN
 * §3.11); a -v source follows only root-owned symlinks (§3.2).  And the
 * small state files jailrun keeps itself (an id slot, a namespace's proxy
 * record), read with the same care (jr_hostfile_read_at). */
#ifndef JR_HOSTFILE_H
#define JR_HOSTFILE_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "jail.h"

/* The cap on every host file jailrun reads: 1 MiB. */
#define JR_HOSTFILE_MAX ((size_t) 1 << 20)

/* jr_hostfile_read flags: the file is text (a NUL byte is refused, with
 * the file and line in the message). */
#define JR_HOSTFILE_TEXT 1

/* Read the regular file path (never through a symlink in the last
 * component, never blocking on a FIFO or device) into a new buffer,
 * NUL-terminated, at most cap bytes.  what names the option in messages
 * ("env-file").  Returns 0 or -errno with err filled. */
int jr_hostfile_read (const char *what, const char *path, size_t cap, int flags,
                      char **buf, size_t *len, jail_error **err);

/* Read the small regular file name in directory dirfd into buf (size
 * bytes) and NUL-terminate it: never through a symlink, never blocking
 * on a FIFO or device, in one read(2) (a local regular file gives all
 * of it).  Returns its length (> 0), or -errno:
 * EINVAL not a regular file, ENODATA empty, EFBIG it does not fit (size
 * - 1 bytes at most).  No message: a caller treats every failure as "no
 * such record" (an id slot's holder, a namespace's proxy record). */
ssize_t jr_hostfile_read_at (int dirfd, const char *name, char *buf, size_t size);

/* Read the text file path as jr_hostfile_read does (JR_HOSTFILE_MAX,
 * JR_HOSTFILE_TEXT) and call fn (arg, line, err) on each line, split in
 * place without its "\n"; the first failure ends it, its message led by
 * "WHAT PATH:LINE" (--env-file, --allow-file).  0 or -errno. */
typedef int jr_hostfile_line_fn (void *arg, char *line, jail_error **err);
int jr_hostfile_lines (const char *what, const char *path, jr_hostfile_line_fn *fn, void *arg, jail_error **err);

/* Open path for appending: created 0600 when absent (O_EXCL), else only
 * a regular file with one link owned by the effective uid; never through
 * a symlink.  Returns the fd (O_CLOEXEC) or -errno. */
int jr_hostfile_open_append (const char *what, const char *path, jail_error **err);

/* Copy n bytes of s into buf (size bytes) with every byte outside
 * printable ASCII written as \xNN (and '\' as \\), truncated with "...":
 * safe to show on a terminal.  Returns buf. */
const char *jr_printable (const char *s, size_t n, char *buf, size_t size);

/* Resolve path (absolute, or relative to the cwd) to an absolute path
 * without symlinks, following a symlink only when root owns it (as the
 * kernel's protected_symlinks would for a sticky directory); any other
 * symlink is refused with EPERM, naming it and the real path to write
 * instead.  *st receives the final object's stat.  what prefixes messages. */
int jr_host_path_resolve (const char *what, const char *path, char **out, struct stat *st,
                          jail_error **err);

#endif
