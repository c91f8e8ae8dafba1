# lib-guest-oci.sh - what the VM tiers' jailrun-oci tests (guest-oci.sh,
# guest-oci-systemd.sh) share, sourced after tests/lib.sh: the bundle
# whose cgroup limits the guests prove.  run-vm.sh and run-vm-systemd.sh
# copy it into the guest next to them.

# limits_bundle DIR CGROUPSPATH ARGS_JSON: oci_bundle of a container in
# CGROUPSPATH with memory 32M (no swap), 16 pids and half a CPU, holding
# CAP_KILL.
limits_bundle() {
  oci_bundle "$1" "$3" env='["PATH=/usr/bin:/bin"]' \
    process='"capabilities": {"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"]},' \
    mounts='[{"destination": "/proc", "type": "proc", "source": "proc"},
             {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]}]' \
    linux='"cgroupsPath": "'"$2"'",
    "resources": {"memory": {"limit": 33554432, "swap": 33554432}, "pids": {"limit": 16},
                  "cpu": {"quota": 50000, "period": 100000}},'
}
