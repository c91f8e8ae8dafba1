#!/bin/busybox sh
# init.sh - /init of the VM tier's initramfs (busybox sh, pid 1).
# Stage 1 (on the initramfs): copy everything into a tmpfs and switch_root
# there (jailrun's pivot_root cannot leave the initramfs root itself).
# Stage 2 (on the tmpfs): mount cgroup2 with memory, pids and cpu enabled,
# create the unprivileged user jrtest with a delegated subtree, run the
# cgroup tests (guest.sh, then jailrun-oci's guest-oci.sh) as root and as
# jrtest (TAP lines prefixed "JRVM: " on the
# serial console), then power off.
/bin/busybox mkdir -p /proc /sys /dev /tmp
if [ ! -e /.stage2 ]; then
  /bin/busybox --install -s /bin
  export PATH=/bin:/usr/bin
  mount -t proc proc /proc
  mount -t devtmpfs dev /dev
  mkdir /newroot
  mount -t tmpfs -o size=600m,mode=755 root /newroot
  for d in /*; do
    case "$d" in /proc|/sys|/dev|/newroot) ;; *) cp -a "$d" /newroot/ ;; esac
  done
  mkdir -p /newroot/proc /newroot/sys /newroot/dev /newroot/run
  touch /newroot/.stage2
  mount --move /dev /newroot/dev
  umount /proc
  exec switch_root /newroot /init
fi

export PATH=/bin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t tmpfs -o mode=1777 tmp /tmp
dmesg -n 1
echo "JRVM: # kernel $(uname -r), $(nproc) cpu, $(awk '/MemTotal/ {print $2}' /proc/meminfo) kB"
mount -t cgroup2 cgroup2 /sys/fs/cgroup || echo "JRVM: Bail out! cannot mount cgroup2"
echo "+memory +pids +cpu" > /sys/fs/cgroup/cgroup.subtree_control \
  || echo "JRVM: Bail out! cannot enable memory pids cpu: $(cat /sys/fs/cgroup/cgroup.controllers)"
echo "JRVM: # root subtree_control: $(cat /sys/fs/cgroup/cgroup.subtree_control)"

# The unprivileged user and its delegated subtree (as systemd's Delegate=yes).
echo 'root:x:0:0:root:/root:/bin/sh' > /etc/passwd
echo 'jrtest:x:1000:1000:jrtest:/tmp:/bin/sh' >> /etc/passwd
printf 'root:x:0:\njrtest:x:1000:\n' > /etc/group
D=/sys/fs/cgroup/deleg
mkdir $D
chown 1000:1000 $D $D/cgroup.procs $D/cgroup.subtree_control $D/cgroup.threads

run_tests() { # MODE: the guest tests, each output line prefixed
  for t in guest guest-oci; do
    env JR_MODE="$1" JAILRUN=/usr/bin/jailrun ROOTFS=/rootfs JR_SRC=/jr sh /jr/tests/vm/$t.sh 2>&1 \
      | sed 's/^/JRVM: /'
  done
}
echo "JRVM: # mode root"
run_tests root
echo "JRVM: # mode user"
# Move a shell into the delegated cgroup, then become jrtest there.
sh -c "echo \$\$ > $D/cgroup.procs && exec /usr/bin/setpriv --reuid=1000 --regid=1000 --clear-groups \
  env JR_MODE=user JAILRUN=/usr/bin/jailrun ROOTFS=/rootfs JR_SRC=/jr HOME=/tmp JR_DELEG=$D \
  sh -c 'sh /jr/tests/vm/guest.sh; sh /jr/tests/vm/guest-oci.sh'" 2>&1 | sed 's/^/JRVM: /'
echo "JRVM-END"
sync
poweroff -f
