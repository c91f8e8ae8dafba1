#!/bin/sh
# driver-systemd.sh - run by jrtest.service in the systemd VM tier (as
# root): report the boot, wait for the lingering user's manager, run
# tests/vm/guest-systemd.sh and guest-oci-systemd.sh (jailrun-oci
# --systemd-cgroup) as root and then as jrtest in a PAM login
# session (su: pam_systemd gives it session-N.scope and XDG_RUNTIME_DIR, as
# a laptop's terminal has), output lines prefixed "JRVM: " on the serial
# console; then power off.
exec >/dev/ttyS0 2>&1
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
echo "JRVM: # kernel $(uname -r), $(nproc) cpu, systemd $(systemctl --version | awk 'NR == 1 { print $2 }'), uptime $(cut -d' ' -f1 /proc/uptime) s"
mu=$(systemctl show -p ActiveEnterTimestampMonotonic --value multi-user.target)
echo "JRVM: # boot: multi-user.target reached $(awk -v u="$mu" 'BEGIN { printf "%.1f", u / 1e6 }') s after the kernel started"
i=0
while [ $i -lt 120 ] && [ ! -S /run/user/1000/systemd/private ]; do sleep 0.5; i=$((i + 1)); done
U=/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service
echo "JRVM: # user@1000.service $(systemctl is-active user@1000.service), controllers there: $(cat $U/cgroup.controllers 2>&1)"
vars="JAILRUN=/usr/bin/jailrun ROOTFS=/rootfs JR_SRC=/jr"
echo "JRVM: # mode root"
env JR_MODE=root $vars sh /jr/tests/vm/guest-systemd.sh 2>&1 | sed 's/^/JRVM: /'
env JR_MODE=root $vars sh /jr/tests/vm/guest-oci-systemd.sh 2>&1 | sed 's/^/JRVM: /'
echo "JRVM: # mode user"
su -l jrtest -s /bin/sh -c "env JR_MODE=user $vars sh /jr/tests/vm/guest-systemd.sh; env JR_MODE=user $vars sh /jr/tests/vm/guest-oci-systemd.sh" 2>&1 | sed 's/^/JRVM: /'
echo "JRVM-END"
sync
systemctl poweroff -ff
