#!/usr/bin/env python3
"""upstream.py PORTFILE LOG - a tiny upstream HTTP proxy on 127.0.0.1 for
tests/egress.sh: it records each request line in LOG and answers a plain
GET with "upstream saw METHOD TARGET", a CONNECT with 200 and then the
same line inside the tunnel.  It never connects anywhere."""
import socket
import sys
import threading


def serve(conn, log):
    with conn:
        conn.settimeout(20)
        head = b""
        while b"\r\n\r\n" not in head and len(head) < 65536:
            chunk = conn.recv(4096)
            if not chunk:
                return
            head += chunk
        line = head.split(b"\r\n", 1)[0].decode()
        with open(log, "a") as f:
            f.write(line + "\n")
        method, target = line.split(" ")[:2]
        body = ("upstream saw %s %s\n" % (method, target)).encode()
        if method == "CONNECT":
            conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n" + body)
        else:
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)


def main():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(s.getsockname()[1]))
    import os
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    s.settimeout(120)
    for _ in range(50):
        try:
            c, _ = s.accept()
        except socket.timeout:
            return
        threading.Thread(target=serve, args=(c, sys.argv[2]), daemon=True).start()


main()
