"""jailrun.py - run untrusted snippets in a long-running jailrun jail from
Python, over libjail.so with ctypes (no compiler needed at install).

    from jailrun import Jail
    with Jail("/", workspace="/tmp/ws", target="/mnt/ws") as j:  # host root, read-only
        r = j.capture(["python3", "-"], input="print(6*7)", timeout=10)
        print(r.stdout, r.status)

libjail is looked up in $LIBJAIL, then as libjail.so.0 on the loader path.
Every failure raises JailError with libjail's message.
"""
import ctypes
import os
from dataclasses import dataclass

__all__ = ["Jail", "Result", "JailError"]

_P = ctypes.c_void_p
_E = ctypes.POINTER(_P)


class JailError(Exception):
    """A libjail call failed; .errno is the positive errno."""

    def __init__(self, message, errno):
        super().__init__(message)
        self.errno = errno


def _load():
    lib = ctypes.CDLL(os.environ.get("LIBJAIL") or "libjail.so.0", use_errno=True)
    sig = {
        "jail_error_message": (ctypes.c_char_p, [_P]),
        "jail_error_errno": (ctypes.c_int, [_P]),
        "jail_error_free": (None, [_P]),
        "jail_config_new": (ctypes.c_int, [ctypes.POINTER(_P), _E]),
        "jail_config_free": (None, [_P]),
        "jail_config_set_rootfs": (ctypes.c_int, [_P, ctypes.c_char_p, _E]),
        "jail_config_add_volume": (ctypes.c_int, [_P, ctypes.c_char_p, _E]),
        "jail_config_set_env": (ctypes.c_int, [_P, ctypes.c_char_p, _E]),
        "jail_config_set_network": (ctypes.c_int, [_P, ctypes.c_int, _E]),
        "jail_config_set_workdir": (ctypes.c_int, [_P, ctypes.c_char_p, _E]),
        "jail_config_set_memory": (ctypes.c_int, [_P, ctypes.c_char_p, _E]),
        "jail_config_set_cpus": (ctypes.c_int, [_P, ctypes.c_double, _E]),
        "jail_config_set_pids_limit": (ctypes.c_int, [_P, ctypes.c_longlong, _E]),
        "jail_config_set_limits_mode": (ctypes.c_int, [_P, ctypes.c_int, _E]),
        "jail_start": (ctypes.c_int, [_P, ctypes.c_char_p, ctypes.POINTER(ctypes.c_char_p), ctypes.c_uint,
                                      ctypes.POINTER(_P), _E]),
        "jail_name": (ctypes.c_char_p, [_P]),
        "jail_close": (None, [_P]),
        "jail_capture": (ctypes.c_int, [_P, _P, ctypes.POINTER(ctypes.c_char_p), ctypes.c_char_p, ctypes.c_size_t,
                                        ctypes.c_double, ctypes.c_size_t, ctypes.POINTER(_P), _E]),
        "jail_result_free": (None, [_P]),
        "jail_result_stdout": (_P, [_P, ctypes.POINTER(ctypes.c_size_t)]),
        "jail_result_stderr": (_P, [_P, ctypes.POINTER(ctypes.c_size_t)]),
        "jail_result_status": (ctypes.c_int, [_P]),
        "jail_result_exit_code": (ctypes.c_int, [_P]),
        "jail_result_signal": (ctypes.c_int, [_P]),
        "jail_result_flags": (ctypes.c_uint, [_P]),
        "jail_result_wall_time": (ctypes.c_double, [_P]),
        "jail_result_cpu_time": (ctypes.c_double, [_P]),
        "jail_result_peak_memory": (ctypes.c_longlong, [_P]),
    }
    for name, (res, args) in sig.items():
        f = getattr(lib, name)
        f.restype, f.argtypes = res, args
    return lib


_lib = None


def _L():
    global _lib
    if _lib is None:
        _lib = _load()
    return _lib


def _check(rc, err):
    """Raise JailError from an error object when rc < 0; free it always."""
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


def _argv(args):
    arr = (ctypes.c_char_p * (len(args) + 1))()
    arr[:-1] = [a.encode() for a in args]
    arr[-1] = None
    return arr


@dataclass
class Result:
    """What one capture produced."""
    stdout: bytes
    stderr: bytes
    status: int          # shell status: code, 128+N, 124 timeout, 126/127
    exit_code: int       # -1 when a signal ended it
    signal: int
    timed_out: bool
    stdout_truncated: bool
    stderr_truncated: bool
    wall_time: float
    cpu_time: float
    peak_memory: int


class Jail:
    """A long-running jail: no network, optional host directory workspace
    bind-mounted rw at target (also the working directory); stopped and
    forgotten on close().  With rootfs "/" (the host, read-only) pick a
    target under a directory the jail hides with a tmpfs, e.g. /mnt/...
    memory ("512m"), cpus (0.5) and pids (64) are cgroup v2 limits; a limit
    the host cannot enforce raises JailError unless strict_limits=False."""

    def __init__(self, rootfs, workspace=None, env=None, name=None, target="/workspace",
                 memory=None, cpus=None, pids=None, strict_limits=True):
        L = _L()
        err = _P()
        cfg = _P()
        _check(L.jail_config_new(ctypes.byref(cfg), ctypes.byref(err)), err)
        try:
            _check(L.jail_config_set_rootfs(cfg, rootfs.encode(), ctypes.byref(err)), err)
            _check(L.jail_config_set_network(cfg, 1, ctypes.byref(err)), err)  # JAIL_NET_NONE
            if workspace:
                spec = f"{os.path.abspath(workspace)}:{target}".encode()
                _check(L.jail_config_add_volume(cfg, spec, ctypes.byref(err)), err)
                _check(L.jail_config_set_workdir(cfg, target.encode(), ctypes.byref(err)), err)
            if memory:
                _check(L.jail_config_set_memory(cfg, str(memory).encode(), ctypes.byref(err)), err)
            if cpus:
                _check(L.jail_config_set_cpus(cfg, float(cpus), ctypes.byref(err)), err)
            if pids:
                _check(L.jail_config_set_pids_limit(cfg, int(pids), ctypes.byref(err)), err)
            if not strict_limits:  # run where the host cannot enforce them
                _check(L.jail_config_set_limits_mode(cfg, 1, ctypes.byref(err)), err)
            for k, v in (env or {}).items():
                _check(L.jail_config_set_env(cfg, f"{k}={v}".encode(), ctypes.byref(err)), err)
            self._j = _P()
            _check(L.jail_start(cfg, name.encode() if name else None, _argv(["sleep", "infinity"]), 0,
                                ctypes.byref(self._j), ctypes.byref(err)), err)
        finally:
            L.jail_config_free(cfg)

    @property
    def name(self):
        return _L().jail_name(self._j).decode()

    def capture(self, argv, input=None, timeout=30.0, max_output=1 << 20):
        """Run argv (a list; input, str or bytes, goes to its stdin) and
        return a Result.  Safe from several threads at once."""
        L = _L()
        err = _P()
        res = _P()
        data = input.encode() if isinstance(input, str) else input
        _check(L.jail_capture(self._j, None, _argv(argv), data, len(data) if data else 0, float(timeout),
                              max_output, ctypes.byref(res), ctypes.byref(err)), err)
        try:
            n_out, n_err = ctypes.c_size_t(), ctypes.c_size_t()
            out = L.jail_result_stdout(res, ctypes.byref(n_out))
            errp = L.jail_result_stderr(res, ctypes.byref(n_err))
            flags = L.jail_result_flags(res)
            return Result(ctypes.string_at(out, n_out.value), ctypes.string_at(errp, n_err.value),
                          L.jail_result_status(res), L.jail_result_exit_code(res), L.jail_result_signal(res),
                          bool(flags & 1), bool(flags & 2), bool(flags & 4), L.jail_result_wall_time(res),
                          L.jail_result_cpu_time(res), L.jail_result_peak_memory(res))
        finally:
            L.jail_result_free(res)

    def run_python(self, snippet, timeout=30.0, max_output=1 << 20):
        """The agent pattern: a Python snippet on python3's stdin."""
        return self.capture(["python3", "-"], input=snippet, timeout=timeout, max_output=max_output)

    def close(self):
        if getattr(self, "_j", None):
            _L().jail_close(self._j)
            self._j = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()
