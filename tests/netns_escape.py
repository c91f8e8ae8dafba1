#!/usr/bin/env python3
"""netns_escape.py - the control of tests/forward-sec.sh for the reason
jailrun never hands a jail a socket of the host's network namespace
(docs/perf-profile.md, "Handing the jail a host socket").  Verifies,
inside namespaces this script makes (run under `unshare -Urn`),
that a socket of one network namespace ("H", standing for the host's) used
from another ("J", standing for a jail's) acts in H: a listener reset with
shutdown(SHUT_RD) or connect(AF_UNSPEC), and an accepted socket reset with
connect(AF_UNSPEC), then connect() to a port only H reaches; SIOCGIFCONF
on it lists H's addresses.  Loopback only; every wait is bounded."""
import ctypes, errno, fcntl, os, shutil, socket, struct, subprocess, threading

LIBC = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000


def res(fn):
    try:
        fn()
        return "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


def unspec(s):
    sa = (ctypes.c_ubyte * 16)()
    if LIBC.connect(s.fileno(), sa, 16) < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def ifconf(s):
    buf = bytearray(40 * 32)
    addr = ctypes.addressof((ctypes.c_char * len(buf)).from_buffer(buf))
    req = struct.pack("iP", len(buf), addr)
    out = fcntl.ioctl(s.fileno(), 0x8912, req)  # SIOCGIFCONF
    n = struct.unpack("iP", out)[0]
    names = []
    for i in range(0, n, 40):
        name = buf[i:i + 16].split(b"\0")[0].decode()
        ip = socket.inet_ntoa(buf[i + 20:i + 24])
        names.append(f"{name}={ip}")
    return " ".join(names)


IP = shutil.which("ip") or next(p for p in ("/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip") if os.path.exists(p))
# H: lo up, a second address only H has, a trap and the "published" listener.
subprocess.run([IP, "link", "set", "lo", "up"], check=True)
subprocess.run([IP, "addr", "add", "10.200.0.1/32", "dev", "lo", "label", "lo:hostonly"], check=True)
hits = []
trap = socket.socket()
trap.bind(("10.200.0.1", 0))
trap.listen(8)
trap.settimeout(1)
tport = trap.getsockname()[1]


def trapper():
    for _ in range(20):  # at most 20 s; done after the three attacks
        if len(hits) >= 3:
            break
        try:
            c, peer = trap.accept()
            hits.append(peer)
            c.close()
        except socket.timeout:
            pass


t = threading.Thread(target=trapper)
t.start()
lst = socket.socket()
lst.bind(("127.0.0.1", 0))
lst.listen(8)
lst2 = socket.socket()
lst2.bind(("127.0.0.1", 0))
lst2.listen(8)
cl = socket.create_connection(lst.getsockname(), timeout=3)
acc, _ = lst.accept()

# J: a new network namespace (lo up, no route to 10.200.0.1).
if LIBC.unshare(CLONE_NEWNET) < 0:
    raise OSError(ctypes.get_errno(), "unshare")
subprocess.run([IP, "link", "set", "lo", "up"], check=True)
dst = ("10.200.0.1", tport)
fresh = socket.socket()
fresh.settimeout(2)
print("J: fresh socket connect to H-only address:", res(lambda: fresh.connect(dst)))
print("J: SIOCGIFCONF on a J socket:", ifconf(fresh))
print("J: SIOCGIFCONF on H's listener:", ifconf(lst))
print("J: shutdown(SHUT_RD) on H's listener:", res(lambda: lst.shutdown(socket.SHUT_RD)))
lst.settimeout(2)
print("J: then connect to H-only address:", res(lambda: lst.connect(dst)))
print("J: connect(AF_UNSPEC) on H's second listener:", res(lambda: unspec(lst2)))
lst2.settimeout(2)
print("J: then connect to H-only address:", res(lambda: lst2.connect(dst)))
print("J: connect(AF_UNSPEC) on H's accepted socket:", res(lambda: unspec(acc)))
acc.settimeout(2)
print("J: then connect to H-only address:", res(lambda: acc.connect(dst)))
t.join()
print("H: trap saw", len(hits), "connections:", hits)
