#!/usr/bin/env python3
"""proxycli.py PROXYHOST PROXYPORT KIND [ARG] - send one crafted request to
the egress proxy from inside a jail and print the response's status line
(or "closed").  KINDs: raw TEXT (\\r\\n written as \\\\r\\\\n), big (a head over
8 KiB), cl-te HOST:PORT (both Content-Length and Transfer-Encoding)."""
import socket
import sys


def main():
    host, port, kind = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    arg = sys.argv[4] if len(sys.argv) > 4 else ""
    if kind == "raw":
        req = arg.replace("\\r", "\r").replace("\\n", "\n").encode()
    elif kind == "big":
        req = ("GET http://%s/ HTTP/1.1\r\nHost: %s\r\nX-Pad: %s\r\n\r\n" % (arg, arg, "a" * 9000)).encode()
    else:
        req = ("POST http://%s/ HTTP/1.1\r\nHost: %s\r\nContent-Length: 5\r\n"
               "Transfer-Encoding: chunked\r\n\r\nhello" % (arg, arg)).encode()
    s = socket.create_connection((host, port), timeout=10)
    try:
        s.sendall(req)
    except OSError:
        pass
    data = b""
    try:
        while b"\r\n" not in data:
            b = s.recv(4096)
            if not b:
                break
            data += b
    except OSError:
        pass
    print(data.split(b"\r\n")[0].decode() if data else "closed")


if __name__ == "__main__":
    main()
