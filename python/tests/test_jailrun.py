"""pytest for the jailrun package (python/): run as root and as the
rootless test user by tests/python.sh, from a venv the package was
pip-installed into.  LIBJAIL (or JR_BUILD) locates libjail.so.0."""
import errno
import os
import shutil
import socket
import sys
import tempfile
import threading
import urllib.request

import pytest

if "LIBJAIL" not in os.environ and "JR_BUILD" in os.environ:
    os.environ["LIBJAIL"] = os.path.join(os.environ["JR_BUILD"], "libjail.so.0")
import jailrun  # noqa: E402
from jailrun import Jail, JailError, Result  # noqa: E402

SNIPPETS = [
    ("print(6 * 7)", b"42\n", 0),
    ("import os; print(os.getuid())", b"65532\n", 0),
    ("open('/workspace/out.txt', 'w').write('from the jail'); print('written')", b"written\n", 0),
    ("import socket; print(sorted(n for _, n in socket.if_nameindex()))", b"['lo']\n", 0),
    ("import sys; sys.exit(3)", b"", 3),
]


@pytest.fixture(scope="module")
def ws():
    d = tempfile.mkdtemp(prefix="jr-py-")
    os.chmod(d, 0o777)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="module")
def jail(ws):
    with Jail("/", volumes=[f"{ws}:/workspace"], workdir="/workspace", memory="512m", cpus=0.5, pids=64,
              limits="best-effort", env={"GREETING": "hi"}) as j:
        yield j


def test_installed_from_the_venv():
    # tests/python.sh installs the package with pip: not the source tree.
    assert os.path.realpath(jailrun.__file__).startswith(os.path.realpath(sys.prefix)), jailrun.__file__
    assert jailrun.version()


@pytest.mark.parametrize("code,out,status", SNIPPETS)
def test_snippets(jail, code, out, status):
    r = jail.run_python(code, timeout=20)
    assert isinstance(r, Result)
    assert (r.stdout, r.status) == (out, status), r.stderr


def test_workspace_visible_on_host(jail, ws):
    jail.run_python("open('/workspace/h.txt', 'w').write('x')")
    with open(os.path.join(ws, "h.txt")) as f:
        assert f.read() == "x"


def test_env_workdir_and_exec_options(jail):
    assert jail.capture(["sh", "-c", "echo $GREETING $(pwd)"]).stdout == b"hi /workspace\n"
    r = jail.capture(["sh", "-c", "echo $A $(pwd)"], env={"A": "b"}, workdir="/tmp")
    assert r.stdout == b"b /tmp\n"


def test_exec_status_and_stdio(jail, ws):
    path = os.path.join(ws, "exec.out")
    with open(path, "wb") as out:
        assert jail.exec(["sh", "-c", "echo via-exec; exit 5"], stdout=out) == 5
    with open(path, "rb") as f:
        assert f.read() == b"via-exec\n"
    assert jail.run(["true"], stdout=os.open(os.devnull, os.O_WRONLY)) == 0


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


def test_inspect(jail):
    info = jail.inspect()
    assert info["Name"] == jail.name and info["State"]["Status"] == "running"
    assert info["Config"]["Network"]["Mode"] == "none"


def test_tmpfs_user_and_exec_user_name(ws):
    with Jail("/", tmpfs=["/scratch:size=1m"], user="nobody") as j:
        assert j.capture(["sh", "-c", "id -u; echo x > /scratch/f && cat /scratch/f"]).stdout == b"65534\nx\n"
        assert j.capture(["id", "-u"], user="nobody").stdout == b"65534\n"
        with pytest.raises(JailError) as e:
            j.capture(["id"], user="root")
        assert "outside this jail's map" in str(e.value)


def test_errors_raise_with_message_and_errno():
    with pytest.raises(JailError) as e:
        Jail("/nonexistent-rootfs")
    assert "rootfs" in str(e.value) and e.value.errno == errno.ENOENT
    with pytest.raises(JailError) as e:
        Jail("/", memory="lots")
    assert "memory" in str(e.value) and e.value.errno == errno.EINVAL
    with pytest.raises(ValueError):
        Jail("/", network="host")
    with pytest.raises(JailError) as e:
        jailrun.Jail.open("jr-py-no-such-jail")
    assert e.value.errno == errno.ENOENT


def test_run_one_shot():
    assert jailrun.run(["sh", "-c", "exit 7"], rootfs="/") == 7


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_private_network_with_a_published_port():
    port = _free_port()
    with Jail("/", network="private", ports=[f"127.0.0.1:{port}:8000"],
              command=["python3", "-m", "http.server", "-d", "/etc", "8000"]) as j:
        body = b""
        for _ in range(100):  # bounded: the server takes a moment to start
            try:
                body = urllib.request.urlopen(f"http://127.0.0.1:{port}/hostname", timeout=2).read()
                break
            except OSError:
                threading.Event().wait(0.1)
        assert body == open("/etc/hostname", "rb").read()
        assert j.inspect()["Config"]["Network"]["Ports"][0]["HostIp"] == "127.0.0.1"


def test_proxy_allowlist_in_inspect():
    with Jail("/", network="proxy", allow=["pypi.org"]) as j:
        assert j.inspect()["Config"]["Network"]["Allow"] == ["pypi.org:443"]


def test_detach_survives_close_and_name_reuse():
    with Jail("/", name="jr-py-detached", detach=True) as j:
        pass
    k = Jail.open("jr-py-detached")
    try:
        assert k.capture(["true"]).status == 0
        k.stop(grace=1)
    finally:
        k.close()
        jailrun_rm("jr-py-detached")


def jailrun_rm(name):
    lib = jailrun._L()
    lib.jail_remove.argtypes = [jailrun._S, jailrun._I, jailrun._E]
    lib.jail_remove(name.encode(), 1, None)


def test_name_free_after_close():
    # issue 13: the name is free as soon as close() returns, every time.
    for i in range(10):
        with Jail("/", name="jr-py-reuse") as j:
            assert j.capture(["true"]).status == 0, i
