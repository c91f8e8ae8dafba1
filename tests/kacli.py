#!/usr/bin/env python3
"""kacli.py PROXYHOST PROXYPORT ORIGIN DENIED STEP... - one connection to
the egress proxy from inside a jail for tests/proxykeep.sh.  Steps:
  s:TEXT  send TEXT ({A} is 127.0.0.1:ORIGIN, {D} 127.0.0.1:DENIED,
          \\r and \\n escapes written as in C)
  r       read until 1.5 s of silence or the close; print the answers'
          status codes, each with its Connection header (200/keep-alive),
          their "from PATH" body lines, and "closed" at the close
  w:SECS  sleep SECS
The printed words of all steps are joined by spaces on one line."""
import re
import socket
import sys
import time


def main():
    host, port, a, d = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    s = socket.create_connection((host, port), timeout=10)
    out, closed = [], False
    for step in sys.argv[5:]:
        kind, _, arg = step.partition(":")
        if kind == "s":
            text = arg.replace("{A}", "127.0.0.1:" + a).replace("{D}", "127.0.0.1:" + d)
            try:
                s.sendall(text.replace("\\r", "\r").replace("\\n", "\n").encode())
            except OSError:
                out.append("send-failed")
        elif kind == "w":
            time.sleep(float(arg))
        elif kind == "r" and not closed:
            data = b""
            s.settimeout(1.5)
            try:
                while True:
                    b = s.recv(65536)
                    if not b:
                        closed = True
                        break
                    data += b
            except socket.timeout:
                pass
            except OSError:
                closed = True
            for m in re.finditer(rb"HTTP/1\.[01] (\d{3})[^\r]*\r\n((?:[^\r]+\r\n)*)\r\n", data):
                c = re.search(rb"(?im)^connection: *([a-z-]+)", m.group(2))
                out.append(m.group(1).decode() + ("/" + c.group(1).decode() if c else ""))
            out += [m.decode() for m in re.findall(rb"from /\S*", data)]
            if closed:
                out.append("closed")
    print(" ".join(out))


if __name__ == "__main__":
    main()
