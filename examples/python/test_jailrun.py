"""pytest for examples/python/jailrun.py: the agent snippets run in one
host-root jail with a workspace (LIBJAIL or JR_BUILD locates libjail)."""
import os
import shutil
import sys
import tempfile
import threading

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
if "LIBJAIL" not in os.environ and "JR_BUILD" in os.environ:
    os.environ["LIBJAIL"] = os.path.join(os.environ["JR_BUILD"], "libjail.so")
from jailrun import Jail, JailError  # noqa: E402

SNIPPETS = [
    ("print(6 * 7)", b"42\n", 0),
    ("import os; print(os.getuid())", b"65532\n", 0),
    ("open('/mnt/workspace/out.txt', 'w').write('from the jail'); print('written')", b"written\n", 0),
    ("import socket; print(sorted(n for _, n in socket.if_nameindex()))", b"['lo']\n", 0),
    ("import sys; sys.exit(3)", b"", 3),
]


@pytest.fixture(scope="module")
def jail():
    ws = tempfile.mkdtemp(prefix="jr-py-")
    os.chmod(ws, 0o777)
    with Jail("/", workspace=ws, target="/mnt/workspace", memory="512m", cpus=0.5, pids=64,
              strict_limits=False) as j:
        j.ws = ws
        yield j
    shutil.rmtree(ws, ignore_errors=True)


@pytest.mark.parametrize("code,out,status", SNIPPETS)
def test_snippets(jail, code, out, status):
    r = jail.run_python(code, timeout=20)
    assert (r.stdout, r.status) == (out, status), r.stderr


def test_workspace_visible_on_host(jail):
    jail.run_python("open('/mnt/workspace/h.txt', 'w').write('x')")
    with open(os.path.join(jail.ws, "h.txt")) as f:
        assert f.read() == "x"


def test_root_is_read_only(jail):
    r = jail.run_python("open('/usr/evil', 'w')")
    assert r.status == 1 and b"Read-only file system" in r.stderr


def test_timeout_and_truncation(jail):
    r = jail.run_python("import time; time.sleep(30)", timeout=0.5)
    assert r.timed_out and r.status == 124
    r = jail.run_python("print('x' * 100000)", max_output=100)
    assert r.stdout_truncated and len(r.stdout) == 100


def test_threads(jail):
    results = {}

    def work(i):
        results[i] = jail.run_python(f"print({i} * 2)").stdout

    ts = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert results == {i: f"{i * 2}\n".encode() for i in range(8)}


def test_errors_raise():
    with pytest.raises(JailError) as e:
        Jail("/nonexistent-rootfs")
    assert "rootfs" in str(e.value)


def test_name_free_after_close():
    # issue 13: the name is free as soon as close() returns, every time.
    for i in range(10):
        with Jail("/", name="jr-py-reuse") as j:
            assert j.capture(["true"]).status == 0, i
