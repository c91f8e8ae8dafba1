"""nsescape.py - run inside a jail: try to leave it through its user
namespace's parent (ioctl NS_GET_PARENT on /proc/self/ns/user, then setns
into it), and to signal a host pid given as argv[1].  Prints one line per
attempt: 'parent: entered' or 'parent: <error>', 'kill PID: ok|<error>'."""
import ctypes
import fcntl
import os
import sys

NS_GET_PARENT = 0xB702
CLONE_NEWUSER = 0x10000000
libc = ctypes.CDLL(None, use_errno=True)
try:
    fd = os.open("/proc/self/ns/user", os.O_RDONLY)
    parent = fcntl.ioctl(fd, NS_GET_PARENT)
    if libc.setns(parent, CLONE_NEWUSER) == 0:
        print("parent: entered")
    else:
        print("parent: setns: " + os.strerror(ctypes.get_errno()))
except OSError as e:
    print("parent: " + e.strerror)
for pid in sys.argv[1:]:
    try:
        os.kill(int(pid), 0)
        print("kill %s: ok" % pid)
    except OSError as e:
        print("kill %s: %s" % (pid, e.strerror))
