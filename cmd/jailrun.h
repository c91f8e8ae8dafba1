/* jailrun.h - shared pieces of the command-line front end. */
#ifndef JAILRUN_CMD_H
#define JAILRUN_CMD_H
#include "jail.h"

/* Exit status for jailrun's own failures. */
#define EXIT_JAILRUN 125

/* Print "jailrun: MESSAGE" on stderr and free err. */
void cmd_report (jail_error *err);
int cmd_run (int argc, char **argv);
/* --seccomp-dump [POLICY] */
int cmd_seccomp_dump (int argc, char **argv);
/* Print each line of warnings as "jailrun: warning: LINE" on stderr. */
void cmd_print_warnings (const char *warnings);
#endif
