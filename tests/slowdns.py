"""slowdns.py - the two ends of tests/proxydns.sh.

  slowdns.py serve LOG            a DNS server on 127.0.0.1:53 (in a netns the
                                  test made): names starting with "slow" are
                                  answered after 3 s, others at once; A is
                                  127.0.0.1, AAAA has no data; one thread per
                                  query; each query is logged to LOG.
  slowdns.py client PORT SLOW N   in the jail, through the egress proxy
                                  ($http_proxy): SLOW requests to slowI.test
                                  at once, and while they wait N requests to
                                  fast.test one after another; prints one line
                                  per request: "NAME STATUS START END" (seconds
                                  from the client's start).
"""
import os
import re
import socket
import struct
import sys
import threading
import time
from urllib.parse import urlsplit


def answer(q):
    """The reply to query q, and the name asked."""
    i, labels = 12, []
    while q[i]:
        labels.append(q[i + 1:i + 1 + q[i]].decode())
        i += 1 + q[i]
    qtype = struct.unpack("!H", q[i + 1:i + 3])[0]
    question = q[12:i + 5]
    name = ".".join(labels).lower()
    ans = b""
    if qtype == 1:
        ans = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 0, 4) + socket.inet_aton("127.0.0.1")
    head = q[:2] + struct.pack("!HHHHH", 0x8180, 1, 1 if ans else 0, 0, 0)
    return head + question + ans, name


def serve(log):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 53))
    lock = threading.Lock()

    def one(q, peer):
        r, name = answer(q)
        t0 = time.time()
        if name.startswith("slow"):
            time.sleep(3)
        s.sendto(r, peer)
        with lock, open(log, "a") as f:
            f.write("%s %.3f %.3f\n" % (name, t0, time.time()))

    open(log + ".ready", "w").close()
    while True:
        q, peer = s.recvfrom(512)
        threading.Thread(target=one, args=(q, peer), daemon=True).start()


def fetch(proxy, host, port, out, t0):
    start = time.time() - t0
    status = "error"
    try:
        c = socket.create_connection(proxy, timeout=20)
        c.sendall(("GET http://%s:%d/f.txt HTTP/1.1\r\nHost: %s:%d\r\n\r\n" % (host, port, host, port)).encode())
        data, need = b"", None
        # to the end of the answer: its Content-Length (the proxy keeps
        # the connection open for a next request), or the close
        while need is None or len(data) < need:
            b = c.recv(4096)
            if not b:
                break
            data += b
            head, sep, _ = data.partition(b"\r\n\r\n")
            m = re.search(rb"(?im)^content-length: *(\d+)", head) if sep else None
            need = len(head) + 4 + int(m.group(1)) if m else None
        c.close()
        status = data.split(b" ", 2)[1].decode() if data.startswith(b"HTTP/") else "bad"
    except OSError as e:
        status = type(e).__name__
    out.append("%s %s %.2f %.2f" % (host, status, start, time.time() - t0))


def client(port, nslow, nfast):
    u = urlsplit(os.environ["http_proxy"])
    proxy = (u.hostname, u.port)
    t0, out = time.time(), []
    slow = [threading.Thread(target=fetch, args=(proxy, "slow%d.test" % i, port, out, t0)) for i in range(nslow)]
    for t in slow:
        t.start()
    time.sleep(0.3)
    for i in range(nfast):
        fetch(proxy, "fast.test", port, out, t0)
    for t in slow:
        t.join()
    print("\n".join(out))


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(sys.argv[2])
    else:
        client(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
