/* net.c - `jailrun net allow|deny NAME HOST[:PORT]...`, `net ls NAME`,
 * `net off|on NAME`: the internet switch of a running jail (its egress
 * proxy's allowlist, changed with no restart). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jailrun.h"

static const char net_usage[] = "Usage: jailrun net allow NAME HOST[:PORT]...   let jail NAME's proxy reach HOST\n"
                                "       jailrun net deny NAME HOST[:PORT]...    remove allowlist entries\n"
                                "       jailrun net ls NAME                     the switch, the entries, the last decisions\n"
                                "       jailrun net off NAME                    deny every request (entries kept)\n"
                                "       jailrun net on NAME                     switch the allowlist back on\n"
                                "The jail must run with --net-allow proxy (an empty allowlist is off until\n"
                                "'net allow').  HOST is as for --allow: a name, *.DOMAIN, an address, [IPv6]\n"
                                "or '*'; port 443 unless given.  A change applies to the next request and\n"
                                "ends open connections it no longer permits; each is a line in the jail's\n"
                                "--audit-log with the caller's uid and pid.\n";

int
cmd_net (int argc, char **argv)
{
  const char *verb = argc >= 2 ? argv[1] : "";
  if (strcmp (verb, "--help") == 0 || strcmp (verb, "-h") == 0)
    {
      fputs (net_usage, stdout);
      return 0;
    }
  bool specs = strcmp (verb, "allow") == 0 || strcmp (verb, "deny") == 0;
  bool bare = strcmp (verb, "ls") == 0 || strcmp (verb, "off") == 0 || strcmp (verb, "on") == 0;
  if ((!specs && !bare) || argc < 3 || (specs && argc < 4) || (bare && argc != 3))
    {
      fprintf (stderr, "jailrun: net %s: expected 'net allow|deny NAME HOST[:PORT]...' or 'net ls|off|on NAME'\n%s",
               verb, net_usage);
      return EXIT_JAILRUN;
    }
  jail *j = NULL;
  jail_error *err = NULL;
  char *text = NULL;
  int r = jail_open (argv[2], &j, &err);
  if (r == 0 && verb[0] == 'a')
    r = jail_net_allow (j, argv + 3, &err);
  else if (r == 0 && verb[0] == 'd')
    r = jail_net_deny (j, argv + 3, &err);
  else if (r == 0 && verb[0] == 'l')
    r = jail_net_list (j, &text, &err);
  else if (r == 0)
    r = verb[1] == 'f' ? jail_net_off (j, &err) : jail_net_on (j, &err);
  jail_close (j);
  cmd_report (err);
  if (text)
    fputs (text, stdout);
  free (text);
  return r < 0 ? EXIT_JAILRUN : 0;
}
