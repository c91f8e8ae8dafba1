/* jailrun.h - shared pieces of the command-line front end. */
#ifndef JAILRUN_CMD_H
#define JAILRUN_CMD_H
#include "jail.h"

/* Exit status for jailrun's own failures. */
#define EXIT_JAILRUN 125

/* Print "jailrun: MESSAGE" on stderr and free err. */
void cmd_report (jail_error *err);
/* A number of seconds from the command line; -1 when malformed (the
 * library's setter then says what is wrong). */
double cmd_parse_seconds (const char *arg);
/* Block the signals libjail forwards to the jail (INT TERM HUP ...). */
void cmd_block_forwarded (void);
int cmd_run (int argc, char **argv);
/* --seccomp-dump [POLICY] */
int cmd_seccomp_dump (int argc, char **argv);
/* Print each line of warnings as "jailrun: warning: LINE" on stderr. */
void cmd_print_warnings (const char *warnings);
int cmd_exec (int argc, char **argv);
int cmd_ps (int argc, char **argv);
int cmd_inspect (int argc, char **argv);
int cmd_stop (int argc, char **argv);
int cmd_restart (int argc, char **argv);
int cmd_up (int argc, char **argv);
int cmd_down (int argc, char **argv);
int cmd_rm (int argc, char **argv);
int cmd_logs (int argc, char **argv);
int cmd_check (int argc, char **argv);
int cmd_net (int argc, char **argv);
int cmd_network (int argc, char **argv);
int cmd_wait (int argc, char **argv);
/* jailrun-oci / jailrun oci VERB: the OCI runtime CLI (oci.c). */
int cmd_oci (int argc, char **argv);
#endif
