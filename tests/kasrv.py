#!/usr/bin/env python3
"""kasrv.py PORTFILE LOG - two loopback listeners for tests/proxykeep.sh:
an origin server (allowed) and a "denied" one.  PORTFILE gets "ORIGIN
DENIED".  The denied one logs "DENIED CONN" for every connection it
accepts and closes it.  The origin logs "ORIGIN CONN" for each
connection and "REQ METHOD PATH body=BODY" for
each request and keeps its connections open after a framed answer (it
ignores "Connection: close"), so a proxy that waited for the close would
hang.  Its answer depends on the path: /cl (Content-Length), /chunked
(with an extension and a trailer), /eof (no length: ends at the close),
/204, /100 (an interim 100 first); a HEAD gets a Content-Length and no
body.  Every body says "from PATH".  It never connects anywhere."""
import os
import socket
import sys
import threading

LOCK = threading.Lock()


def log(path, line):
    with LOCK, open(path, "a") as f:
        f.write(line + "\n")


def read_request(conn, buf):
    """One request (head and body) from conn: (method, path, body, rest)."""
    while b"\r\n\r\n" not in buf:
        b = conn.recv(65536)
        if not b:
            return None
        buf += b
    head, buf = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    method, target = lines[0].split(" ")[:2]
    hdr = {}
    for line in lines[1:]:
        k, v = line.split(":", 1)
        hdr[k.strip().lower()] = v.strip()
    if "chunked" in hdr.get("transfer-encoding", ""):
        while b"0\r\n\r\n" not in buf:
            b = conn.recv(65536)
            if not b:
                break
            buf += b
        body, _, buf = buf.partition(b"0\r\n\r\n")
        body += b"0\r\n\r\n"
    else:
        n = int(hdr.get("content-length", "0"))
        while len(buf) < n:
            b = conn.recv(65536)
            if not b:
                break
            buf += b
        body, buf = buf[:n], buf[n:]
    return method, target, body, buf


def answer(method, path):
    body = ("from %s\n" % path).encode()
    if method == "HEAD":
        return b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", True
    if path == "/chunked":
        return (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n"
                b"%x;ext=1\r\n%s\r\n4\r\ntail\r\n0\r\nX-Trailer: 1\r\n\r\n" % (len(body), body)), True
    if path == "/eof":
        return b"HTTP/1.1 200 OK\r\n\r\n" + body, False
    if path == "/204":
        return b"HTTP/1.1 204 No Content\r\n\r\n", True
    if path == "/100":
        return b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body), True
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nKeep-Alive: timeout=5\r\n\r\n%s" % (len(body), body), True


def origin(conn, logpath):
    log(logpath, "ORIGIN CONN")
    with conn:
        conn.settimeout(5)
        buf = b""
        try:
            while True:
                r = read_request(conn, buf)
                if r is None:
                    return
                method, target, body, buf = r
                path = "/" + target.split("/", 3)[3] if target.startswith("http://") else target
                log(logpath, "REQ %s %s body=%r" % (method, path, body.decode("latin-1")))
                data, keep = answer(method, path)
                conn.sendall(data)
                if not keep:
                    return
        except (OSError, ValueError, IndexError):
            return


def denied(conn, logpath):
    log(logpath, "DENIED CONN")
    conn.close()


def listen():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    return s


def serve(s, fn, logpath):
    while True:
        c, _ = s.accept()
        threading.Thread(target=fn, args=(c, logpath), daemon=True).start()


def main():
    o, d = listen(), listen()
    threading.Thread(target=serve, args=(d, denied, sys.argv[2]), daemon=True).start()
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write("%d %d\n" % (o.getsockname()[1], d.getsockname()[1]))
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    serve(o, origin, sys.argv[2])


main()
