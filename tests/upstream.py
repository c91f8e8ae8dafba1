#!/usr/bin/env python3
"""upstream.py PORTFILE LOG - a tiny upstream HTTP proxy on 127.0.0.1 for
tests/egress.sh: it records each request line in LOG and answers a plain
GET with "upstream saw METHOD TARGET" (keeping the connection for a next
request when the target has "/keep"), a CONNECT with 200 and then the
same line inside the tunnel, but a CONNECT to refuse.* with a 403 that
keeps the connection.  It never connects anywhere."""
import socket
import sys
import threading


def serve(conn, log):
    with conn:
        conn.settimeout(5)
        buf = b""
        for _ in range(20):  # requests on one connection
            while b"\r\n\r\n" not in buf and len(buf) < 65536:
                try:
                    chunk = conn.recv(4096)
                except OSError:
                    return
                if not chunk:
                    return
                buf += chunk
            head, buf = buf.split(b"\r\n\r\n", 1) if b"\r\n\r\n" in buf else (buf, b"")
            while b"chunked" in head.lower() and b"0\r\n\r\n" not in buf and len(buf) < 65536:
                chunk = conn.recv(4096)  # a chunked body (the tests' end with 0 CRLF CRLF)
                if not chunk:
                    return
                buf += chunk
            if b"chunked" in head.lower():
                buf = buf.split(b"0\r\n\r\n", 1)[1]
            line = head.split(b"\r\n", 1)[0].decode(errors="replace")
            with open(log, "a") as f:
                f.write(line + "\n")
            method, target = (line.split(" ") + ["", ""])[:2]
            body = ("upstream saw %s %s\n" % (method, target)).encode()
            if method == "CONNECT" and target.startswith("refuse."):
                conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
            elif method == "CONNECT":
                conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n" + body)
                return
            elif "/keep" in target:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
            else:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
                return


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
