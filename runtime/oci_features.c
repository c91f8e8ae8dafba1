/* oci_features.c - `features`: the runtime-spec features document of
 * jailrun-oci, with jailrun's floor and its gaps declared as
 * org.jailrun.* annotations. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>

#include "oci.h"

static json_object *
strv (const char *const *v)
{
  json_object *a = json_object_new_array ();
  for (; *v; v++)
    json_object_array_add (a, json_object_new_string (*v));
  return a;
}

static json_object *
caps (void)
{
  json_object *a = json_object_new_array ();
  for (int c = 0; c <= CAP_LAST_CAP; c++)
    {
      const char *n = jr_cap_name (c);
      if (n == NULL)
        continue;
      char up[64] = "CAP_";
      size_t i = 4;
      for (const char *p = strncmp (n, "cap_", 4) == 0 ? n + 4 : n; *p && i < sizeof up - 1; p++)
        up[i++] = (char) (*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
      up[i] = '\0';
      json_object_array_add (a, json_object_new_string (up));
    }
  return a;
}

static json_object *
linux_part (void)
{
  static const char *const ns[] = { "cgroup", "ipc", "mount", "network", "pid", "user", "uts", NULL };
  static const char *const actions[] = { "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
                                         "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP", NULL };
  static const char *const ops[] = { "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT",
                                     "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE", NULL };
  static const char *const archs[] = { "SCMP_ARCH_NATIVE", NULL };
  json_object *l = json_object_new_object ();
  json_object_object_add (l, "namespaces", strv (ns));
  json_object_object_add (l, "capabilities", caps ());
  json_object *cg = json_object_new_object ();
  const char *cgk[] = { "v1", "v2", "systemd", "systemdUser", "rdma" };
  for (size_t i = 0; i < 5; i++)
    json_object_object_add (cg, cgk[i], json_object_new_boolean (i >= 1 && i <= 3));
  json_object_object_add (l, "cgroup", cg);
  json_object *sc = json_object_new_object ();
  json_object_object_add (sc, "enabled", json_object_new_boolean (1));
  json_object_object_add (sc, "actions", strv (actions));
  json_object_object_add (sc, "operators", strv (ops));
  json_object_object_add (sc, "archs", strv (archs));
  json_object_object_add (l, "seccomp", sc);
  const char *off[] = { "apparmor", "selinux", "intelRdt" };
  for (size_t i = 0; i < 3; i++)
    {
      json_object *o = json_object_new_object ();
      json_object_object_add (o, "enabled", json_object_new_boolean (0));
      json_object_object_add (l, off[i], o);
    }
  return l;
}

char *
jr_oci_features_json (void)
{
  static const char *const mopts[] = { "bind", "rbind", "ro", "rw", "nosuid", "suid", "nodev", "dev", "noexec", "exec",
                                       "noatime", "atime", "relatime", "strictatime", "nodiratime", "private", "rprivate",
                                       "slave", "rslave", "unbindable", "runbindable", "newinstance", NULL };
  static const char *const hooks[] = { "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop", NULL };
  json_object *o = json_object_new_object ();
  json_object_object_add (o, "ociVersionMin", json_object_new_string ("1.0.0"));
  json_object_object_add (o, "ociVersionMax", json_object_new_string (JR_OCI_VERSION));
  json_object_object_add (o, "hooks", strv (hooks));
  json_object_object_add (o, "mountOptions", strv (mopts));
  json_object_object_add (o, "linux", linux_part ());
  json_object *ann = json_object_new_object ();
  const char *kv[][2] = {
    { "org.jailrun.version", JR_VERSION },
    { "org.jailrun.userns", "always (added when the config has none; never host uid 0)" },
    { "org.jailrun.no-new-privileges", "always" },
    { "org.jailrun.seccomp", "jailrun's default filter stacked under the engine's profile" },
    { "org.jailrun.network", "a network namespace always; host networking refused" },
    { "org.jailrun.namespaces", "joins by path: ipc, uts, network, pid, cgroup, mount, user (a pid, mount or cgroup namespace brings the user namespace owning it; the host's own namespaces and a user namespace mapping host id 0 refused); time refused" },
    { "org.jailrun.annotations", "run.jailrun.net=proxy, run.jailrun.allow=HOST[:PORT],..., run.jailrun.audit-log=NAME|PATH (egress proxy sidecar)" },
    { "org.jailrun.devices", "linux.devices: null, zero, full, random, urandom, tty (the host node bind-mounted) and fifos; any other device refused" },
    { "org.jailrun.rootfs", "idmapped through the container's user namespace as root when the config maps no ids (the container then lacks CAP_SETFCAP: a file capability written there would hold for host root)" },
    { "org.jailrun.hooks", "prestart, createRuntime, poststart, poststop on the host; createContainer (before pivot_root) and startContainer (before execve) run by the container's init in its namespaces as container root, no_new_privs set, before jailrun's seccomp floor" },
    { "org.jailrun.unsupported", "cgroup v1 limits and what v2 lacks (hugepageLimits, rdma, network, memory.kernel/swappiness, realtime cpu, blockIO throttles): refused" },
  };
  for (size_t i = 0; i < sizeof kv / sizeof *kv; i++)
    json_object_object_add (ann, kv[i][0], json_object_new_string (kv[i][1]));
  json_object_object_add (o, "annotations", ann);
  char *out = strdup (json_object_to_json_string_ext (o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
  json_object_put (o);
  return out;
}
