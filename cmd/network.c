/* network.c - `jailrun network create NAME [--subnet CIDR] | ls | inspect
 * NAME | rm NAME`: named networks between jails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jailrun.h"

static const char network_usage[] = "Usage: jailrun network create NAME [--subnet CIDR]   a bridge with no uplink (default: the first free 10.89.N.0/24)\n"
                                    "       jailrun network ls                            NAME STATE SUBNET HOLDER\n"
                                    "       jailrun network inspect NAME                  JSON: subnet, holder process, jails on it\n"
                                    "       jailrun network rm NAME                       end its holder (no jail may be on it)\n"
                                    "Jails started with --network NAME reach each other by address and by --name\n"
                                    "or --network-alias (an /etc/hosts kept current), and nothing else.  Root or\n"
                                    "rootless; a network is its creator's.\n";

/* `network ls`: one line per network. */
static int
list (void)
{
  char **names = NULL;
  jail_error *err = NULL;
  int n = jail_network_list (&names, &err);
  if (n < 0)
    {
      cmd_report (err);
      return EXIT_JAILRUN;
    }
  printf ("%-20s %-6s %-18s %s\n", "NAME", "STATE", "SUBNET", "HOLDER");
  for (int i = 0; i < n; i++)
    {
      char *json = NULL, st[16] = "-", sub[32] = "-";
      int pid = 0;
      if (jail_network_inspect (names[i], &json, NULL) == 0)
        {
          const char *p;
          if ((p = strstr (json, "\"State\": \"")))
            sscanf (p + 10, "%15[^\"]", st);
          if ((p = strstr (json, "\"Subnet\": \"")))
            sscanf (p + 11, "%31[^\"]", sub);
          if ((p = strstr (json, "\"Pid\": ")))
            pid = atoi (p + 7);
        }
      printf ("%-20s %-6s %-18s %d\n", names[i], st, sub, pid);
      free (json);
    }
  jail_list_free (names);
  return 0;
}

int
cmd_network (int argc, char **argv)
{
  const char *verb = argc >= 2 ? argv[1] : "";
  jail_error *err = NULL;
  char *json = NULL;
  int r;
  if (strcmp (verb, "--help") == 0 || strcmp (verb, "-h") == 0)
    return fputs (network_usage, stdout), 0;
  if (strcmp (verb, "ls") == 0 && argc == 2)
    return list ();
  if (strcmp (verb, "create") == 0 && (argc == 3 || (argc == 5 && strcmp (argv[3], "--subnet") == 0)))
    r = jail_network_create (argv[2], argc == 5 ? argv[4] : NULL, &err);
  else if (strcmp (verb, "inspect") == 0 && argc == 3)
    r = jail_network_inspect (argv[2], &json, &err);
  else if (strcmp (verb, "rm") == 0 && argc == 3)
    r = jail_network_remove (argv[2], &err);
  else
    {
      fprintf (stderr, "jailrun: network %s: expected one of the forms below\n%s", verb, network_usage);
      return EXIT_JAILRUN;
    }
  cmd_report (err);
  if (json)
    fputs (json, stdout);
  else if (r == 0)
    printf ("%s\n", argv[2]);
  free (json);
  return r < 0 ? EXIT_JAILRUN : 0;
}
