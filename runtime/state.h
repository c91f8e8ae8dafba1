/* state.h - host-side state of long-running jails: the per-user state
 * directory, one directory per jail (state file, log, supervisor socket),
 * and the liveness of a jail's supervisor. */
#ifndef JR_STATE_H
#define JR_STATE_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "error.h"

#define JR_NAME_MAX 64

/* What a jail looks like from outside. */
enum jr_jail_state
{
  JR_STATE_STARTING,
  JR_STATE_RUNNING,
  JR_STATE_EXITED,
  JR_STATE_DEAD, /* its supervisor died without recording an exit */
};

/* The state directory of the calling user, created 0700 on demand:
 * /run/jailrun as root, $XDG_RUNTIME_DIR/jailrun rootless, else
 * /tmp/jailrun-UID.  Refused unless it is a real directory owned by the
 * caller and closed to everyone else.  *out is malloc'd. */
int jr_state_root (char **out, jail_error **err);
/* Check a jail name: [A-Za-z0-9][A-Za-z0-9_.-]*, at most 64 bytes. */
int jr_state_name_check (const char *name, jail_error **err);
/* Path of FILE ("state", "log", "sock", "" for the directory) of jail
 * NAME; malloc'd in *out. */
int jr_state_path (const char *name, const char *file, char **out, jail_error **err);
/* Reserve NAME: mkdir its directory (0700); -EEXIST with a message
 * saying how to free the name when it is taken. */
int jr_state_reserve (const char *name, jail_error **err);
/* Remove the directory of NAME and what is in it. */
int jr_state_remove (const char *name, jail_error **err);
/* Replace the state file of NAME atomically with text. */
int jr_state_write (const char *name, const char *text, jail_error **err);
/* Replace FILE of NAME atomically with text. */
int jr_state_write_file (const char *name, const char *file, const char *text, jail_error **err);
/* Read a file of NAME into a malloc'd string; -ENOENT with "no jail
 * named NAME" when the jail does not exist. */
int jr_state_read (const char *name, const char *file, char **out, jail_error **err);
/* 0 when FILE of NAME exists (one stat, nothing read); else the error
 * jr_state_read would give. */
int jr_state_exists (const char *name, const char *file, jail_error **err);
/* Value of "key=value" line KEY in text, copied into buf; false if absent. */
bool jr_state_get (const char *text, const char *key, char *buf, size_t size);
/* Integer value of KEY, or dflt. */
long long jr_state_get_ll (const char *text, const char *key, long long dflt);
/* The state of a jail from its state file text (checks the supervisor). */
enum jr_jail_state jr_state_of (const char *text);
const char *jr_state_name (enum jr_jail_state s);
/* Start time of pid in clock ticks since boot (field 22 of stat); 0 if
 * gone or a zombie. */
unsigned long long jr_pid_starttime (pid_t pid);
/* Connect to the supervisor socket of NAME (SOCK_SEQPACKET, CLOEXEC). */
int jr_state_connect (const char *name, jail_error **err);
/* Names of every jail of the caller, sorted; *names is a NULL-terminated
 * malloc'd vector.  Returns the count. */
int jr_state_list (char ***names, jail_error **err);
/* Append "key=value\n" to f, with newlines in value replaced by spaces. */
void jr_kv (FILE *f, const char *key, const char *fmt, ...) __attribute__ ((format (printf, 3, 4)));
#endif
