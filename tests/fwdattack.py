#!/usr/bin/env python3
"""fwdattack.py - the attacks of tests/forward-sec.sh, run inside a jail
(`jail JAILPORT TRAP OTHER`) and on the host (`client PORT N SECONDS`).

In the jail it listens on JAILPORT (published with -p), takes two
connections through the forward and tries to reach the host's TRAP port
(127.0.0.1 on the host) with every socket it got that way: connect after
connect(AF_UNSPEC) on an accepted socket and on the listener,
sendto(MSG_FASTOPEN) after the reset, and a fresh socket; then listens on
OTHER (not published).  One "NAME RESULT" line per attempt, RESULT "ok"
or the errno name.  If any socket the jail holds lived in the host's
network namespace (a bypass that hands the host listener to the jail),
these would reach the trap.  Bounded: every wait has a timeout."""
import ctypes
import errno
import socket
import struct
import sys
import time

LIBC = ctypes.CDLL(None, use_errno=True)


def result(fn):
    try:
        fn()
        return "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno)) if e.errno else type(e).__name__


def unspec(s):
    """connect(fd, {AF_UNSPEC}): resets a TCP socket (listening or
    connected) to CLOSED, ready for another connect."""
    sa = (ctypes.c_ubyte * 16)()
    if LIBC.connect(s.fileno(), sa, 16) < 0:
        e = ctypes.get_errno()
        raise OSError(e, errno.errorcode.get(e, ""))


def say(*w):
    print(*w, flush=True)


def jail(port, trap, other):
    trap_addr = ("127.0.0.1", trap)
    lst = socket.socket()
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.bind(("0.0.0.0", port))
    lst.listen(8)
    lst.settimeout(30)
    say("listening")
    a1, _ = lst.accept()
    a2, _ = lst.accept()
    say("unspec-accepted", result(lambda: unspec(a1)))
    a1.settimeout(5)
    say("accepted-connect", result(lambda: a1.connect(trap_addr)))
    say("unspec-accepted2", result(lambda: unspec(a2)))
    a2.settimeout(None)  # blocking, bounded: the result is the connect's
    a2.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("ll", 5, 0))
    say("accepted-fastopen", result(lambda: a2.sendto(b"x", socket.MSG_FASTOPEN, trap_addr)))
    say("unspec-listener", result(lambda: unspec(lst)))
    lst.settimeout(5)
    say("listener-connect", result(lambda: lst.connect(trap_addr)))
    fresh = socket.socket()
    fresh.settimeout(5)
    say("fresh-connect", result(lambda: fresh.connect(trap_addr)))
    o = socket.socket()
    o.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    o.bind(("0.0.0.0", other))
    o.listen(8)
    o.settimeout(6)
    say("other-listening")
    say("other-accept", result(lambda: o.accept()))
    say("done")


def client(port, n, secs):
    held = []
    for _ in range(n):
        held.append(socket.create_connection(("127.0.0.1", port), timeout=10))
    time.sleep(secs)


def trap(port, secs, log):
    """Listen on 127.0.0.1:port for secs seconds; one line per connection."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(8)
    s.settimeout(0.2)
    with open(log, "a") as f:
        f.write("trap ready\n")
        f.flush()
        end = time.time() + secs
        while time.time() < end:
            try:
                c, peer = s.accept()
                f.write("hit %s\n" % (peer,))
                f.flush()
                c.close()
            except socket.timeout:
                pass


if __name__ == "__main__":
    w = sys.argv[1:]
    if w[:1] == ["jail"] and len(w) == 4:
        jail(int(w[1]), int(w[2]), int(w[3]))
    elif w[:1] == ["client"] and len(w) == 4:
        client(int(w[1]), int(w[2]), float(w[3]))
    elif w[:1] == ["trap"] and len(w) == 4:
        trap(int(w[1]), float(w[2]), w[3])
    else:
        sys.exit(__doc__)
