#!/usr/bin/env python3
"""switchcli.py KIND ... - the client side of the internet-switch tests,
run inside a jail whose egress is jailrun's proxy (HTTP_PROXY is set).
  fetch URL          GET through the proxy; print the body, or "error: STATUS REASON"
  hold HOST:PORT S   CONNECT through the proxy, then wait up to S seconds for the
                     tunnel to close: print the status line and "eof after N s" or "open"
  serve PORT TEXT    an HTTP server on 0.0.0.0:PORT answering TEXT (named networks)
  get HOST PORT      GET / directly (no proxy): print the body or "error: ERRNO-NAME"
"""
import errno
import http.server
import os
import socket
import sys
import time
import urllib.error
import urllib.request


def proxy():
    url = os.environ["HTTP_PROXY"]  # http://ADDR:PORT
    host, port = url.split("//", 1)[1].rstrip("/").rsplit(":", 1)
    return host, int(port)


def fetch(url):
    for k in ("NO_PROXY", "no_proxy"):  # 127.0.0.1 is in it: go through the proxy anyway
        os.environ.pop(k, None)
    h = urllib.request.ProxyHandler({"http": os.environ["HTTP_PROXY"]})
    try:
        body = urllib.request.build_opener(h).open(url, timeout=10).read().decode()
        print(body.strip())
    except urllib.error.HTTPError as e:
        print("error: %d %s" % (e.code, e.read().decode().strip()))
    except OSError as e:
        print("error: %s" % e)


def hold(target, seconds):
    s = socket.create_connection(proxy(), timeout=10)
    s.sendall(("CONNECT %s HTTP/1.1\r\n\r\n" % target).encode())
    data = b""
    while b"\r\n\r\n" not in data:
        b = s.recv(4096)
        if not b:
            break
        data += b
    print(data.split(b"\r\n", 1)[0].decode() or "closed", flush=True)
    start = time.monotonic()
    s.settimeout(seconds)
    try:
        while s.recv(4096):
            pass
        print("eof after %.1f s" % (time.monotonic() - start))
    except socket.timeout:
        print("open")
    except OSError:
        print("eof after %.1f s" % (time.monotonic() - start))


def serve(port, text):
    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = text.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass
    http.server.HTTPServer(("0.0.0.0", port), H).serve_forever()


def get(host, port):
    try:
        s = socket.create_connection((host, port), timeout=5)
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        data = b""
        while True:
            b = s.recv(4096)
            if not b:
                break
            data += b
        print(data.split(b"\r\n\r\n", 1)[-1].decode())
    except socket.gaierror as e:
        print("error: no such name (%s)" % e)
    except socket.timeout:
        print("error: timeout")
    except OSError as e:
        print("error: %s" % errno.errorcode.get(e.errno, e))


if __name__ == "__main__":
    if sys.argv[1] == "fetch":
        fetch(sys.argv[2])
    elif sys.argv[1] == "serve":
        serve(int(sys.argv[2]), sys.argv[3])
    elif sys.argv[1] == "get":
        get(sys.argv[2], int(sys.argv[3]))
    else:
        hold(sys.argv[2], float(sys.argv[3]))
