"""jailrun - run untrusted code in a jailrun sandbox from Python.

A ctypes binding of libjail (libjail.so.0): nothing to compile.  The
library is looked up in $LIBJAIL, then as libjail.so.0 on the loader path
(where ``meson install`` puts it).

    from jailrun import Jail
    with Jail("/", volumes=["/tmp/ws:/workspace"], workdir="/workspace") as j:
        r = j.capture(["python3", "-"], input="print(6*7)", timeout=10)
        print(r.stdout, r.status)          # b'42\\n' 0

    import jailrun
    jailrun.run(["true"], rootfs="/")      # one command in a fresh jail: 0

Every failure raises JailError with libjail's message and errno; nothing
is left behind by a jail that could not start.
"""
from __future__ import annotations

import ctypes
import json
import os
from dataclasses import dataclass
from typing import IO, Any, Dict, Iterable, Mapping, Optional, Sequence, Union

__all__ = ["Jail", "Result", "JailError", "run", "version"]

_P = ctypes.c_void_p
_E = ctypes.POINTER(_P)
_S = ctypes.c_char_p
_I = ctypes.c_int

_NET_MODES = {"private": 0, "none": 1, "proxy": 2}
_START_DETACH, _START_AUTOREMOVE = 1, 4
_RESULT_TIMED_OUT, _RESULT_OUT_TRUNC, _RESULT_ERR_TRUNC, _RESULT_OOM = 1, 2, 4, 16


class JailError(Exception):
    """A libjail call failed.  str() is libjail's message (it reads like a
    path: "rootfs /x: No such file or directory"); .errno the positive errno."""

    def __init__(self, message: str, errno: int) -> None:
        super().__init__(message)
        self.errno = errno


def _load() -> ctypes.CDLL:
    lib = ctypes.CDLL(os.environ.get("LIBJAIL") or "libjail.so.0", use_errno=True)
    cfg_str = (_I, [_P, _S, _E])  # jail_config_*(cfg, "spec", &err)
    sig: Dict[str, Any] = {
        "jail_version": (_S, []),
        "jail_error_message": (_S, [_P]),
        "jail_error_errno": (_I, [_P]),
        "jail_error_free": (None, [_P]),
        "jail_config_new": (_I, [ctypes.POINTER(_P), _E]),
        "jail_config_free": (None, [_P]),
        "jail_config_set_network": (_I, [_P, _I, _E]),
        "jail_config_set_cpus": (_I, [_P, ctypes.c_double, _E]),
        "jail_config_set_pids_limit": (_I, [_P, ctypes.c_longlong, _E]),
        "jail_config_set_limits_mode": (_I, [_P, _I, _E]),
        "jail_config_set_timeout": (_I, [_P, ctypes.c_double, _E]),
        "jail_run": (_I, [_P, ctypes.POINTER(_S), ctypes.POINTER(_I), _E]),
        "jail_start": (_I, [_P, _S, ctypes.POINTER(_S), ctypes.c_uint, ctypes.POINTER(_P), _E]),
        "jail_open": (_I, [_S, ctypes.POINTER(_P), _E]),
        "jail_name": (_S, [_P]),
        "jail_close": (None, [_P]),
        "jail_stop": (_I, [_P, ctypes.c_double, _E]),
        "jail_wait": (_I, [_P, ctypes.POINTER(_I), _E]),
        "jail_inspect": (_I, [_S, ctypes.POINTER(_P), _E]),
        "jail_exec_opts_new": (_I, [ctypes.POINTER(_P), _E]),
        "jail_exec_opts_free": (None, [_P]),
        "jail_exec_opts_set_timeout": (_I, [_P, ctypes.c_double, _E]),
        "jail_exec_opts_set_stdio": (_I, [_P, _I, _I, _I, _E]),
        "jail_exec": (_I, [_P, _P, ctypes.POINTER(_S), ctypes.POINTER(_I), _E]),
        "jail_capture": (_I, [_P, _P, ctypes.POINTER(_S), _S, ctypes.c_size_t, ctypes.c_double, ctypes.c_size_t,
                              ctypes.POINTER(_P), _E]),
        "jail_result_free": (None, [_P]),
        "jail_result_stdout": (_P, [_P, ctypes.POINTER(ctypes.c_size_t)]),
        "jail_result_stderr": (_P, [_P, ctypes.POINTER(ctypes.c_size_t)]),
        "jail_result_status": (_I, [_P]),
        "jail_result_exit_code": (_I, [_P]),
        "jail_result_signal": (_I, [_P]),
        "jail_result_flags": (ctypes.c_uint, [_P]),
        "jail_result_wall_time": (ctypes.c_double, [_P]),
        "jail_result_cpu_time": (ctypes.c_double, [_P]),
        "jail_result_peak_memory": (ctypes.c_longlong, [_P]),
    }
    for n in ("rootfs", "user", "env", "workdir", "memory", "hostname", "log_max", "restart", "seccomp"):
        sig[f"jail_config_set_{n}"] = cfg_str
    for n in ("volume", "tmpfs", "publish", "allow", "cap"):
        sig[f"jail_config_add_{n}"] = cfg_str
    for n in ("env", "workdir", "user"):
        sig[f"jail_exec_opts_set_{n}"] = cfg_str
    for name, (res, args) in sig.items():
        f = getattr(lib, name)
        f.restype, f.argtypes = res, args
    libc = ctypes.CDLL(None)
    libc.free.argtypes, libc.free.restype = [_P], None
    lib.free = libc.free  # for the strings libjail returns malloc'd
    return lib


_lib: Optional[ctypes.CDLL] = None


def _L() -> ctypes.CDLL:
    global _lib
    if _lib is None:
        _lib = _load()
    return _lib


def _check(rc: int, err: ctypes.c_void_p) -> int:
    """Raise JailError from the error object when rc < 0; free it always."""
    if err.value:
        msg = _L().jail_error_message(err).decode(errors="replace")
        code = _L().jail_error_errno(err)
        _L().jail_error_free(err)
        err.value = None
        if rc < 0:
            raise JailError(msg, code)
    elif rc < 0:
        raise JailError(os.strerror(-rc), -rc)
    return rc


def _argv(args: Sequence[str]) -> Any:
    if isinstance(args, (str, bytes)) or not args:
        raise TypeError("argv must be a non-empty list of strings, e.g. ['python3', '-']")
    arr = (_S * (len(args) + 1))()
    arr[:-1] = [os.fsencode(a) for a in args]
    arr[-1] = None
    return arr


def _items(spec: Union[None, Mapping[str, str], Iterable[str]], sep: str) -> list:
    """A mapping {a: b} as ["a<sep>b"], an iterable as it is."""
    if spec is None:
        return []
    if isinstance(spec, str):
        return [spec]
    if isinstance(spec, Mapping):
        return [f"{k}{sep}{v}" for k, v in spec.items()]
    return [str(s) for s in spec]


def _fd(f: Union[None, int, IO[Any]]) -> int:
    if f is None:
        return -1
    return f if isinstance(f, int) else f.fileno()


def version() -> str:
    """The version of the loaded libjail, e.g. "0.1.0"."""
    return _L().jail_version().decode()


@dataclass
class Result:
    """What one Jail.capture() produced."""
    stdout: bytes
    stderr: bytes
    status: int             # shell status: code, 128+N, 124 timeout, 126/127
    exit_code: int          # -1 when a signal ended it
    signal: int
    timed_out: bool
    stdout_truncated: bool
    stderr_truncated: bool
    oom_killed: bool
    wall_time: float        # seconds
    cpu_time: float         # seconds, user + system
    peak_memory: int        # bytes


class _Config:
    """A jail_config built from keyword arguments (see Jail)."""

    def __init__(self, rootfs: str, **kw: Any) -> None:
        L, self.err, self.cfg = _L(), _P(), _P()
        _check(L.jail_config_new(ctypes.byref(self.cfg), ctypes.byref(self.err)), self.err)
        try:
            self._apply(rootfs, **kw)
        except BaseException:
            self.free()
            raise

    def _set(self, fn: str, *args: Any) -> None:
        _check(getattr(_L(), fn)(self.cfg, *args, ctypes.byref(self.err)), self.err)

    def _apply(self, rootfs: str, volumes=None, tmpfs=None, network: str = "none", allow=None, ports=None,
               memory=None, cpus=None, pids=None, limits: str = "strict", user=None, env=None,
               workdir=None, hostname=None, timeout=None, restart=None, caps=None, seccomp=None) -> None:
        self._set("jail_config_set_rootfs", os.fsencode(rootfs))
        if network not in _NET_MODES:
            raise ValueError(f"network {network!r}: use one of {', '.join(_NET_MODES)}")
        self._set("jail_config_set_network", _NET_MODES[network])
        if limits not in ("strict", "best-effort"):
            raise ValueError(f"limits {limits!r}: use 'strict' or 'best-effort'")
        self._set("jail_config_set_limits_mode", 0 if limits == "strict" else 1)
        strings = [("jail_config_add_volume", _items(volumes, ":")), ("jail_config_add_tmpfs", _items(tmpfs, ":")),
                   ("jail_config_add_publish", _items(ports, ":")), ("jail_config_add_allow", _items(allow, ":")),
                   ("jail_config_set_env", _items(env, "=")), ("jail_config_add_cap", _items(caps, ""))]
        for fn, val in [("jail_config_set_user", user), ("jail_config_set_workdir", workdir),
                        ("jail_config_set_memory", memory), ("jail_config_set_hostname", hostname),
                        ("jail_config_set_restart", restart), ("jail_config_set_seccomp", seccomp)]:
            if val is not None:
                strings.append((fn, [str(val)]))
        for fn, vals in strings:
            for v in vals:
                self._set(fn, os.fsencode(v))
        if cpus is not None:
            self._set("jail_config_set_cpus", float(cpus))
        if pids is not None:
            self._set("jail_config_set_pids_limit", int(pids))
        if timeout is not None:
            self._set("jail_config_set_timeout", float(timeout))

    def free(self) -> None:
        if self.cfg:
            _L().jail_config_free(self.cfg)
            self.cfg = _P()


class _ExecOpts:
    """A jail_exec_opts (env, workdir, user, timeout, stdio), or None."""

    def __init__(self, env=None, workdir=None, user=None, timeout=None, stdio=None) -> None:
        self.o, err = _P(), _P()
        if env is None and workdir is None and user is None and timeout is None and stdio is None:
            return
        L = _L()
        _check(L.jail_exec_opts_new(ctypes.byref(self.o), ctypes.byref(err)), err)
        try:
            for e in _items(env, "="):
                _check(L.jail_exec_opts_set_env(self.o, os.fsencode(e), ctypes.byref(err)), err)
            if workdir is not None:
                _check(L.jail_exec_opts_set_workdir(self.o, os.fsencode(workdir), ctypes.byref(err)), err)
            if user is not None:
                _check(L.jail_exec_opts_set_user(self.o, str(user).encode(), ctypes.byref(err)), err)
            if timeout:
                _check(L.jail_exec_opts_set_timeout(self.o, float(timeout), ctypes.byref(err)), err)
            if stdio is not None:
                _check(L.jail_exec_opts_set_stdio(self.o, *stdio, ctypes.byref(err)), err)
        except BaseException:
            self.free()
            raise

    def free(self) -> None:
        if self.o:
            _L().jail_exec_opts_free(self.o)
            self.o = _P()


def run(argv: Sequence[str], rootfs: str = "/", **config: Any) -> int:
    """Run argv to completion in a fresh jail and return its shell status
    (exit code, 128+N for signal N, 124 on timeout, 126/127 when it could not
    be executed).  It inherits this process's stdin/stdout/stderr.
    config takes Jail's keyword arguments (not name, detach, command)."""
    c = _Config(rootfs, **config)
    try:
        status = _I()
        _check(_L().jail_run(c.cfg, _argv(argv), ctypes.byref(status), ctypes.byref(c.err)), c.err)
        return status.value
    finally:
        c.free()


class Jail:
    """A long-running jail: its first process is command (default: sleep
    forever) and exec() / capture() run more commands in it, with the same
    namespaces, cgroup, user, capabilities and seccomp filter.

    rootfs    a directory, or "/" for the host root (read-only, home dirs hidden)
    volumes   ["SRC:DST[:ro|rw|idmap]", ...] or {"SRC": "DST[:ro]"}; DST may be missing from the rootfs
    tmpfs     ["PATH[:size=N,mode=M,exec]", ...]
    network   "none" (default: loopback only), "private" (own network, no route out)
              or "proxy" (egress only through the allowlist proxy)
    allow     proxy allowlist: ["pypi.org", "*.example.com:443", ...] (network="proxy")
    ports     ["[ADDR:]HOSTPORT:JAILPORT", ...]; ADDR is 127.0.0.1 unless given
    memory, cpus, pids   cgroup v2 limits ("512m", 0.5, 64)
    limits    "strict" (default: a limit the host cannot enforce is an error) or "best-effort"
    user      "UID[:GID]" or "NAME[:GROUP]" of the rootfs (default 65532:65532)
    env       {"KEY": "VAL"} or ["KEY=VAL", "KEY"]
    name      the jail's name (default: generated; see .name)
    detach    True: the jail outlives this object and the Python process
              (close() then leaves it running; stop() ends it)
    restart   "no", "on-failure[:N]", "always" (detached jails)
    workdir, hostname, timeout (seconds for the whole jail), caps, seccomp: as the CLI.

    Leaving a ``with`` block closes the handle: a jail that was not detached
    is stopped and its name is free again when close() returns."""

    def __init__(self, rootfs: str = "/", *, volumes: Union[None, Mapping[str, str], Iterable[str]] = None,
                 tmpfs: Optional[Iterable[str]] = None, network: str = "none", allow: Optional[Iterable[str]] = None,
                 ports: Optional[Iterable[str]] = None, memory: Optional[str] = None, cpus: Optional[float] = None,
                 pids: Optional[int] = None, limits: str = "strict", user: Optional[str] = None,
                 env: Union[None, Mapping[str, str], Iterable[str]] = None, name: Optional[str] = None,
                 detach: bool = False, command: Sequence[str] = ("sleep", "infinity"), **more: Any) -> None:
        self._j = _P()
        self.detached = detach
        c = _Config(rootfs, volumes=volumes, tmpfs=tmpfs, network=network, allow=allow, ports=ports,
                    memory=memory, cpus=cpus, pids=pids, limits=limits, user=user, env=env, **more)
        try:
            _check(_L().jail_start(c.cfg, name.encode() if name else None, _argv(list(command)),
                                   _START_DETACH if detach else 0, ctypes.byref(self._j), ctypes.byref(c.err)), c.err)
        finally:
            c.free()

    @classmethod
    def open(cls, name: str) -> "Jail":
        """A handle on the running jail called name (close() leaves it running)."""
        j = cls.__new__(cls)
        j._j, j.detached, err = _P(), True, _P()
        _check(_L().jail_open(name.encode(), ctypes.byref(j._j), ctypes.byref(err)), err)
        return j

    def _handle(self) -> ctypes.c_void_p:
        if not self._j:
            raise JailError("jail: the handle is closed", 9)  # EBADF
        return self._j

    @property
    def name(self) -> str:
        """The jail's name (what `jailrun exec NAME` takes)."""
        return _L().jail_name(self._handle()).decode()

    def exec(self, argv: Sequence[str], *, env=None, workdir: Optional[str] = None, user: Optional[str] = None,
             timeout: Optional[float] = None, stdin: Union[None, int, IO[Any]] = None,
             stdout: Union[None, int, IO[Any]] = None, stderr: Union[None, int, IO[Any]] = None) -> int:
        """Run argv in the jail and wait; returns its shell status (124 on
        timeout).  stdin/stdout/stderr: a file object or fd (default: this
        process's).  user: only the jail's own user (a name is looked up in
        the running jail's /etc/passwd)."""
        stdio = None if stdin is None and stdout is None and stderr is None else (_fd(stdin), _fd(stdout), _fd(stderr))
        o, err, status = _ExecOpts(env, workdir, user, timeout, stdio), _P(), _I()
        try:
            _check(_L().jail_exec(self._handle(), o.o, _argv(argv), ctypes.byref(status), ctypes.byref(err)), err)
            return status.value
        finally:
            o.free()

    run = exec  # Jail.run(argv) reads as the CLI's `run`, in this jail

    def capture(self, argv: Sequence[str], input: Union[None, str, bytes] = None, timeout: float = 30.0,
                max_output: int = 1 << 20, *, env=None, workdir: Optional[str] = None,
                user: Optional[str] = None) -> Result:
        """Run argv with input on its stdin, collect stdout and stderr (at
        most max_output bytes each), kill it after timeout seconds; returns
        a Result.  Safe from several threads at once."""
        L, err, res = _L(), _P(), _P()
        data = input.encode() if isinstance(input, str) else input
        o = _ExecOpts(env, workdir, user)
        try:
            _check(L.jail_capture(self._handle(), o.o, _argv(argv), data, len(data) if data else 0, float(timeout),
                                  max_output, ctypes.byref(res), ctypes.byref(err)), err)
        finally:
            o.free()
        try:
            n_out, n_err = ctypes.c_size_t(), ctypes.c_size_t()
            out = L.jail_result_stdout(res, ctypes.byref(n_out))
            errp = L.jail_result_stderr(res, ctypes.byref(n_err))
            fl = L.jail_result_flags(res)
            return Result(ctypes.string_at(out, n_out.value), ctypes.string_at(errp, n_err.value),
                          L.jail_result_status(res), L.jail_result_exit_code(res), L.jail_result_signal(res),
                          bool(fl & _RESULT_TIMED_OUT), bool(fl & _RESULT_OUT_TRUNC), bool(fl & _RESULT_ERR_TRUNC),
                          bool(fl & _RESULT_OOM), L.jail_result_wall_time(res), L.jail_result_cpu_time(res),
                          L.jail_result_peak_memory(res))
        finally:
            L.jail_result_free(res)

    def run_python(self, snippet: str, timeout: float = 30.0, max_output: int = 1 << 20) -> Result:
        """The agent pattern: a Python snippet on python3's stdin."""
        return self.capture(["python3", "-"], input=snippet, timeout=timeout, max_output=max_output)

    def inspect(self) -> Dict[str, Any]:
        """State and effective configuration, as `jailrun inspect` prints it."""
        L, err, text = _L(), _P(), _P()
        _check(L.jail_inspect(self.name.encode(), ctypes.byref(text), ctypes.byref(err)), err)
        try:
            return json.loads(ctypes.string_at(text).decode())
        finally:
            L.free(text)

    def wait(self) -> int:
        """Wait for the first process (command) to end; its shell status."""
        err, status = _P(), _I()
        _check(_L().jail_wait(self._handle(), ctypes.byref(status), ctypes.byref(err)), err)
        return status.value

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM, SIGKILL after grace seconds; returns once it has ended."""
        err = _P()
        _check(_L().jail_stop(self._handle(), float(grace), ctypes.byref(err)), err)

    def close(self) -> None:
        """Free the handle; stops the jail unless it was detached or opened."""
        if getattr(self, "_j", None):
            _L().jail_close(self._j)
            self._j = _P()

    def __enter__(self) -> "Jail":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()
