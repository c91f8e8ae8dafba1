#!/usr/bin/env python3
"""loadclient.py - sha256-checked connections through a TCP forwarder to
jr-benchsrv's echo server, for tests/bench/load.sh.  Loopback only.

  loadclient.py HOST PORT [--sequential N] [--concurrent N] [--size BYTES]
                [--wait SECONDS] [--timeout SECONDS]
  loadclient.py HOST PORT --probe SECONDS   (jr-benchsrv http behind PORT)
  loadclient.py HOST PORT --hold N [--hold-secs S]   (echo behind PORT)

Each connection sends SIZE pseudo-random bytes (different per connection),
half-closes, reads the echo to EOF and compares the sha256 of what came back
with what was sent: a lost, added or reordered byte is a failure.  Prints
"name count ok bad seconds" lines; exits 1 if any connection failed.
--probe sends one plain HTTP GET every 0.2 s for SECONDS (3 s timeout each)
and prints "probe count ok bad max_ms": is the server still served while
something else (slowloris) holds connections?
--hold opens N connections, sends one byte on each, holds them S seconds
and prints "hold N connected echoed": how many a capped forwarder let in.
"""
import argparse
import asyncio
import hashlib
import random
import resource
import socket
import sys
import time


def payload(i, size):
    return random.Random(i).randbytes(size)


async def one(host, port, i, size, timeout):
    data = payload(i, size)
    try:
        r, w = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        w.write(data)
        await w.drain()
        w.write_eof()
        got = await asyncio.wait_for(r.read(), timeout)
        w.close()
        return hashlib.sha256(got).digest() == hashlib.sha256(data).digest()
    except (OSError, asyncio.TimeoutError):
        return False


def wait_echo(host, port, seconds):
    """Until an echo comes back through the forwarder (bounded)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            with socket.create_connection((host, port), timeout=2) as s:
                s.sendall(b"ping")
                s.shutdown(socket.SHUT_WR)
                if s.recv(16) == b"ping":
                    return True
        except OSError:
            pass
        time.sleep(0.1)
    return False


async def sequential(a):
    ok = 0
    for i in range(a.sequential):
        ok += await one(a.host, a.port, i, a.size, a.timeout)
    return ok


async def concurrent(a):
    sem = asyncio.Semaphore(a.concurrent)

    async def guarded(i):
        async with sem:
            return await one(a.host, a.port, 1_000_000 + i, a.size, a.timeout)

    res = await asyncio.gather(*(guarded(i) for i in range(a.concurrent)))
    return sum(res)


def probe(a):
    n = ok = 0
    worst = 0.0
    end = time.monotonic() + a.probe
    while time.monotonic() < end:
        t0 = time.monotonic()
        n += 1
        try:
            with socket.create_connection((a.host, a.port), timeout=3) as s:
                s.settimeout(3)
                s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                ok += s.recv(64).startswith(b"HTTP/1.1 200")
        except OSError:
            pass
        worst = max(worst, time.monotonic() - t0)
        time.sleep(0.2)
    print("probe %d %d %d %.0f" % (n, ok, n - ok, worst * 1e3))
    return 0 if ok == n else 1


def hold(a):
    socks, connected = [], 0
    for _ in range(a.hold):
        try:
            s = socket.create_connection((a.host, a.port), timeout=2)
            s.sendall(b"x")
            socks.append(s)
            connected += 1
        except OSError:
            pass
    echoed = 0
    end = time.monotonic() + 3
    for s in socks:
        s.settimeout(max(0.01, end - time.monotonic()))
        try:
            echoed += s.recv(1) == b"x"
        except OSError:
            pass
    time.sleep(max(0, a.hold_secs - 3))
    for s in socks:
        s.close()
    print("hold %d %d %d" % (a.hold, connected, echoed))
    return 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("--sequential", type=int, default=0)
    p.add_argument("--concurrent", type=int, default=0)
    p.add_argument("--size", type=int, default=16384)
    p.add_argument("--wait", type=float, default=15)
    p.add_argument("--timeout", type=float, default=60)
    p.add_argument("--probe", type=float, default=0)
    p.add_argument("--hold", type=int, default=0)
    p.add_argument("--hold-secs", type=float, default=10)
    a = p.parse_args()
    if a.probe:
        return probe(a)
    if a.hold:
        return hold(a)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, a.concurrent + 64))
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    if not wait_echo(a.host, a.port, a.wait):
        print("no echo through %s:%d within %gs" % (a.host, a.port, a.wait))
        return 1
    bad = 0
    for name, n, fn in (("sequential", a.sequential, sequential), ("concurrent", a.concurrent, concurrent)):
        if n:
            t0 = time.monotonic()
            ok = asyncio.run(fn(a))
            print("%s %d %d %d %.2f" % (name, n, ok, n - ok, time.monotonic() - t0))
            bad += n - ok
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
