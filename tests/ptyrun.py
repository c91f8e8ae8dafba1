#!/usr/bin/env python3
"""ptyrun.py - run a command on a fresh pty (its controlling terminal, as
in a terminal emulator) and drive it: the tests of jailrun's terminal
relay and -i/-t.  Prints everything the command wrote to the terminal
and exits with the command's status (128+N for signal N).

  ptyrun.py [--size ROWS COLS] [--timeout S] [STEP...] -- CMD [ARG...]

Steps, in order:  -w TEXT  wait until TEXT was written (bounded by the
timeout);  -s TEXT  type TEXT (Python escapes: \\x03 is Ctrl-C);  -d S
sleep S seconds;  -r ROWS COLS  resize the terminal (SIGWINCH);  -R TEXT
PATTERN  type TEXT every half second until PATTERN was written.  After
the steps the output is read until the command ends and its terminal
is closed by everything, or the timeout."""
import codecs
import fcntl
import os
import pty
import select
import struct
import sys
import termios
import time


def parse(argv):
    size, timeout, steps = (24, 80), 30.0, []
    i = 0
    while argv[i] != '--':
        a = argv[i]
        if a == '--size':
            size, i = (int(argv[i + 1]), int(argv[i + 2])), i + 3
        elif a == '--timeout':
            timeout, i = float(argv[i + 1]), i + 2
        elif a in ('-r', '-R'):
            steps.append((a[1], (argv[i + 1], argv[i + 2])))
            i += 3
        else:
            steps.append((a[1], argv[i + 1]))
            i += 2
    return size, timeout, steps, argv[i + 1:]


def set_size(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))


def main():
    size, timeout, steps, cmd = parse(sys.argv[1:])
    deadline = time.monotonic() + timeout
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    set_size(fd, *size)
    out = bytearray()

    def pump(until_text=None, secs=None):
        end = deadline if secs is None else min(deadline, time.monotonic() + secs)
        while time.monotonic() < end:
            if until_text is not None and until_text in out:
                return True
            r, _, _ = select.select([fd], [], [], max(0.0, min(0.1, end - time.monotonic())))
            if r:
                try:
                    data = os.read(fd, 65536)
                except OSError:
                    return False
                if not data:
                    return False
                out.extend(data)
        return until_text is None

    for kind, arg in steps:
        if kind == 'w':
            pump(until_text=codecs.decode(arg, 'unicode_escape').encode())
        elif kind == 's':
            os.write(fd, codecs.decode(arg, 'unicode_escape').encode())
        elif kind == 'd':
            pump(secs=float(arg))
        elif kind == 'r':
            set_size(fd, int(arg[0]), int(arg[1]))
        elif kind == 'R':
            text, pattern = (codecs.decode(a, 'unicode_escape').encode() for a in arg)
            while pattern not in out and time.monotonic() < deadline:
                os.write(fd, text)
                pump(until_text=pattern, secs=0.5)
    pump()
    status, ws = 124, None
    end = max(deadline, time.monotonic() + 5)
    while ws is None and time.monotonic() < end:
        p, w = os.waitpid(pid, os.WNOHANG)
        if p:
            ws = w
        else:
            time.sleep(0.05)
    if ws is None:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    else:
        status = os.waitstatus_to_exitcode(ws)
        status = 128 - status if status < 0 else status
    sys.stdout.buffer.write(bytes(out))
    sys.stdout.flush()
    sys.exit(status)


main()
