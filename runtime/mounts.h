/* mounts.h - fd-based mount helpers shared by mounts.c and mounts_dev.c. */
#ifndef JR_MOUNTS_H
#define JR_MOUNTS_H
#include <stdbool.h>
#include "error.h"

/* O_PATH fd of path resolved inside rootfd (no symlinks, no escape). */
int jr_resolve (int rootfd, const char *path, int flags, struct jail_error *e);
/* Like jr_resolve, creating missing directories (or a final file). */
int jr_ensure_path (int rootfd, const char *path, bool want_file, struct jail_error *e);
/* Move detached mount mfd onto target inside rootfd. */
int jr_attach (int mfd, int rootfd, const char *target, bool want_file, struct jail_error *e);
/* New detached tmpfs (size 0 = default) with MOUNT_ATTR_* attrs. */
int jr_tmpfs_new (unsigned long long size, unsigned mode, unsigned attrs, struct jail_error *e);
/* mount_setattr(attr_set = set) on mfd, optionally recursive. */
int jr_setattr (int mfd, unsigned set, bool recursive, struct jail_error *e, const char *what);
/* /proc and /dev of the jail. */
int jr_mount_proc (int rootfd, struct jail_error *e);
int jr_mount_dev (int rootfd, struct jail_error *e);
/* The host's null zero full random urandom tty bound into the directory
 * devfd, and the fd/stdin/stdout/stderr links (also for jailrun-oci). */
int jr_dev_nodes (int devfd, struct jail_error *e);
#endif
