#!/bin/sh
# init-systemd.sh - /init of the systemd VM tier's initramfs (the Debian 12
# root itself, run by its /bin/sh): copy the root into a tmpfs and
# switch_root there to systemd (jailrun's pivot_root cannot leave an
# initramfs root).
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mkdir -p /proc /sys /dev /newroot
mount -t proc proc /proc
mount -t devtmpfs dev /dev
mount -t tmpfs -o size=1500m,mode=755 root /newroot
for d in /*; do
  case "$d" in /proc|/sys|/dev|/newroot|/init) ;; *) cp -a "$d" /newroot/ ;; esac
done
mkdir -p /newroot/proc /newroot/sys /newroot/dev /newroot/run /newroot/tmp
chmod 1777 /newroot/tmp
mount --move /dev /newroot/dev
umount /proc
exec switch_root /newroot /sbin/init
