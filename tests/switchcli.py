#!/usr/bin/env python3
"""switchcli.py KIND ... - the client side of the internet-switch tests,
run inside a jail whose egress is jailrun's proxy (HTTP_PROXY is set).
  fetch URL          GET through the proxy; print the body, or "error: STATUS REASON"
  hold HOST:PORT S   CONNECT through the proxy, then wait up to S seconds for the
                     tunnel to close: print the status line and "eof after N s" or "open"
"""
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


if __name__ == "__main__":
    if sys.argv[1] == "fetch":
        fetch(sys.argv[2])
    else:
        hold(sys.argv[2], float(sys.argv[3]))
