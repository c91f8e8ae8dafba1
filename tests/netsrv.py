#!/usr/bin/env python3
"""netsrv.py PORT - the jail-side test server for tests/net.sh.

Each connection starts with one command line:
  UP            read until EOF, then reply "<sha256> <count>\\n" (EOF-gated)
  DOWN N        send N bytes of the pattern from netpattern(), then close
  PING          answer each following line "x" with "x" (latency probe)
"""
import hashlib
import socketserver
import sys


def pattern_block():
    parts, h = [], b"jailrun"
    for _ in range((1 << 20) // 32):
        h = hashlib.sha256(h).digest()
        parts.append(h)
    return b"".join(parts)


BLOCK = pattern_block()


class Handler(socketserver.StreamRequestHandler):
    def handle(self):
        line = self.rfile.readline().split()
        if not line:
            return
        if line[0] == b"UP":
            h, n = hashlib.sha256(), 0
            while True:
                b = self.rfile.read1(1 << 16)
                if not b:
                    break
                h.update(b)
                n += len(b)
            self.wfile.write(b"%s %d\n" % (h.hexdigest().encode(), n))
        elif line[0] == b"DOWN":
            left = int(line[1])
            while left > 0:
                chunk = BLOCK[: min(left, len(BLOCK))]
                self.wfile.write(chunk)
                left -= len(chunk)
        elif line[0] == b"PING":
            self.wfile.write(b"PONG\n")
            self.wfile.flush()
            for req in self.rfile:
                self.wfile.write(req)
                self.wfile.flush()


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 512


if __name__ == "__main__":
    Server(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
