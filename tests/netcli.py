#!/usr/bin/env python3
"""netcli.py - host-side test client for tests/net.sh and tests/bench.

  wait HOST PORT            until a PING gets PONG (at most 20 s)
  up HOST PORT BYTES        send BYTES, shut down writing, check the
                            EOF-gated sha256 reply
  down HOST PORT BYTES      receive BYTES, check their sha256
  conc HOST PORT N          N concurrent UP connections of 64 KiB each
  lat HOST PORT N ROUNDS    N concurrent connections x ROUNDS ping-pongs,
                            prints p50/p99 in microseconds
  hold HOST PORT N SECS     open N connections (failures counted), keep
                            them SECS seconds, close; ok when it finishes
Prints "ok ..." or "FAIL ..." and exits 0/1.
"""
import hashlib
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netsrv import BLOCK  # noqa: E402


def connect(host, port):
    s = socket.create_connection((host, port), timeout=60)
    return s


def up(host, port, n):
    s = connect(host, port)
    s.sendall(b"UP\n")
    h, left = hashlib.sha256(), n
    data = os.urandom(1 << 20)
    while left > 0:
        c = data[: min(left, len(data))]
        s.sendall(c)
        h.update(c)
        left -= len(c)
    s.shutdown(socket.SHUT_WR)
    reply = b""
    while True:
        b = s.recv(4096)
        if not b:
            break
        reply += b
    s.close()
    want = b"%s %d\n" % (h.hexdigest().encode(), n)
    return reply == want, reply


def down(host, port, n):
    s = connect(host, port)
    s.sendall(b"DOWN %d\n" % n)
    h, got = hashlib.sha256(), 0
    while True:
        b = s.recv(1 << 16)
        if not b:
            break
        h.update(b)
        got += len(b)
    s.close()
    w, left = hashlib.sha256(), n
    while left > 0:
        c = BLOCK[: min(left, len(BLOCK))]
        w.update(c)
        left -= len(c)
    return got == n and h.digest() == w.digest(), got


def wait(host, port):
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            s = connect(host, port)
            s.settimeout(2)
            s.sendall(b"PING\n")
            if s.recv(5) == b"PONG\n":
                s.close()
                return True, "ready"
            s.close()
        except OSError:
            pass
        time.sleep(0.1)
    return False, "server never answered"


def conc(host, port, n):
    results = []
    lock = threading.Lock()

    def one():
        try:
            ok, _ = up(host, port, 65536)
        except OSError as e:
            ok = False
            sys.stderr.write("conn: %s\n" % e)
        with lock:
            results.append(ok)

    ts = [threading.Thread(target=one) for _ in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(120)
    good = sum(results)
    return good == n, "%d/%d" % (good, n)


def lat(host, port, n, rounds):
    lats = []
    lock = threading.Lock()
    barrier = threading.Barrier(n)

    def one():
        mine = []
        try:
            s = connect(host, port)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            f = s.makefile("rb")
            s.sendall(b"PING\n")
            f.readline()
            barrier.wait(30)
            for _ in range(rounds):
                t = time.perf_counter()
                s.sendall(b"x\n")
                f.readline()
                mine.append((time.perf_counter() - t) * 1e6)
            s.close()
        except (OSError, threading.BrokenBarrierError) as e:
            sys.stderr.write("lat: %s\n" % e)
        with lock:
            lats.extend(mine)

    ts = [threading.Thread(target=one) for _ in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(300)
    lats.sort()
    if len(lats) < n * rounds:
        return False, "%d/%d samples" % (len(lats), n * rounds)
    p = lambda q: lats[min(len(lats) - 1, int(q * len(lats)))]  # noqa: E731
    return True, "p50_us=%.0f p99_us=%.0f samples=%d" % (p(0.5), p(0.99), len(lats))


def hold(host, port, n, secs):
    socks, failed = [], 0
    for _ in range(n):
        try:
            s = connect(host, port)
            s.sendall(b"UP\n")
            socks.append(s)
        except OSError:
            failed += 1
    time.sleep(secs)
    for s in socks:
        s.close()
    return True, "%d opened %d failed" % (len(socks), failed)


def main():
    cmd, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    args = [int(a) for a in sys.argv[4:]]
    ok, info = {"up": up, "down": down, "wait": wait, "conc": conc, "lat": lat, "hold": hold}[cmd](host, port, *args)
    print("%s %s %s" % ("ok" if ok else "FAIL", cmd, info if isinstance(info, str) else repr(info)[:200]))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
