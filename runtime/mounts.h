/* mounts.h - the fd-based mount primitives (mount_fd.c) and the mount steps
 * of the child (mounts.c, mounts_skel.c, mounts_dev.c). */
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
/* Directories hidden under an empty tmpfs when the root is the host's,
 * and whether one of them exists below rootfd. */
extern const char *const jr_hidden_dirs[];
bool jr_hidden_exists (int rootfd, const char *path);
/* O_PATH fd of such a directory (symlinks followed inside the root). */
int jr_hidden_open (int rootfd, const char *path);
/* mounts_skel.c: read-only skeletons holding the mount points (and the
 * workdir) a read-only root lacks.  jr_mount_root attaches the root (a
 * skeleton of / when a top-level one is missing, then t->root names it);
 * jr_mount_skeletons covers deeper directories of the attached root. */
struct jail_config;
struct jr_trees;
int jr_mount_root (const struct jail_config *cfg, struct jr_trees *t, struct jail_error *e);
int jr_mount_skeletons (const struct jail_config *cfg, const struct jr_trees *t, int rootfd,
                        struct jail_error *e);
/* /proc and /dev of the jail. */
int jr_mount_proc (int rootfd, struct jail_error *e);
int jr_mount_dev (int rootfd, struct jail_error *e);
/* The host's null zero full random urandom tty bound into the directory
 * devfd, and the fd/stdin/stdout/stderr links (also for jailrun-oci). */
int jr_dev_nodes (int devfd, struct jail_error *e);
#endif
